#include "client/session/drift_controller.h"

#include <algorithm>

namespace yoga::client {

DriftController::DriftController(Options options) : options_(options) {}

DriftController::Correction DriftController::Update(absl::Time now,
                                                    absl::Duration error,
                                                    double feedforward_ppm) {
  if (absl::AbsDuration(error) > options_.reanchor_beyond) {
    // The next measurement, after the re-anchor, starts afresh.
    measured_before_ = false;
    return {ppm_, true};
  }
  double dt = 0.0;  // Seconds since the last measurement.
  if (measured_before_) {
    dt = std::clamp(absl::ToDoubleSeconds(now - last_time_), 0.0,
                    absl::ToDoubleSeconds(options_.max_gap));
  }
  measured_before_ = true;
  last_time_ = now;

  if (!started_) {
    started_ = true;
    first_time_ = now;
  }
  const absl::Duration time_constant = now - first_time_ < options_.young_period
                                           ? options_.young_time_constant
                                           : options_.time_constant;
  const double tau = std::max(absl::ToDoubleSeconds(time_constant), 1e-3);
  // An error of 1 us over a second is a drift of 1 ppm.
  const double error_us = absl::ToDoubleMicroseconds(error);
  const double proportional = -2.0 / tau * error_us;
  const double integral_step = -error_us * dt / (tau * tau);
  // The slew limit holds the controller's own part; the feed-forward is a
  // measured rate, applied as it stands (Varispeed ramps to it).
  const double feedforward =
      std::clamp(feedforward_ppm, -options_.max_ppm, options_.max_ppm);
  const double wanted = integral_ppm_ + integral_step + proportional;
  const double slew = options_.max_slew_ppm_per_second * dt;
  const double limited =
      std::clamp(std::clamp(wanted, -options_.max_ppm - feedforward,
                            options_.max_ppm - feedforward),
                 own_ppm_ - slew, own_ppm_ + slew);
  // Against windup: while held by a limit, the integral only moves back.
  if (limited == wanted || (integral_step > 0.0) == (limited > wanted)) {
    integral_ppm_ = std::clamp(integral_ppm_ + integral_step, -options_.max_ppm,
                               options_.max_ppm);
  }
  own_ppm_ = limited;
  // The feed-forward may have jumped since the slew limit held the rest.
  ppm_ =
      std::clamp(feedforward + own_ppm_, -options_.max_ppm, options_.max_ppm);
  return {ppm_, false};
}

DriftController::Correction DriftController::Hold(double feedforward_ppm) {
  // Nothing to steer: the error was put right by moving the mapping.
  measured_before_ = false;
  own_ppm_ = integral_ppm_;
  ppm_ = std::clamp(feedforward_ppm + own_ppm_, -options_.max_ppm,
                    options_.max_ppm);
  return {ppm_, false};
}

void DriftController::Reanchored() { measured_before_ = false; }

void DriftController::SetLearnedDrift(double ppm) {
  const double integral = std::clamp(-ppm, -options_.max_ppm, options_.max_ppm);
  own_ppm_ += integral - integral_ppm_;
  integral_ppm_ = integral;
}

}  // namespace yoga::client
