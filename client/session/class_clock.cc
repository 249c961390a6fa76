#include "client/session/class_clock.h"

#include <algorithm>
#include <cmath>
#include <utility>

namespace yoga::client {

ClassClock::ClassClock(EstimateSource estimate, audio::Varispeed& speed,
                       int sample_rate, Options options)
    : estimate_(std::move(estimate)),
      speed_(speed),
      sample_rate_(sample_rate),
      options_(options),
      output_rate_(sample_rate) {}

int64_t ClassClock::FrameAt(int64_t server_ns) const {
  return static_cast<int64_t>(std::llround(PositionAt(server_ns)));
}

double ClassClock::PositionAt(int64_t server_ns) const {
  const double seconds =
      static_cast<double>(server_ns - anchor_server_ns_) / 1e9;
  return anchor_frame_ + seconds * sample_rate_;
}

double ClassClock::ErrorFrames(const ClockEstimate& estimate,
                               const audio::DacTime& dac) const {
  const int64_t heard_ns =
      dac.client_ns + absl::ToInt64Nanoseconds(options_.output_latency);
  const double expected =
      anchor_frame_ +
      static_cast<double>(estimate.ServerNsAt(heard_ns) - anchor_server_ns_) /
          1e9 * sample_rate_;
  return speed_.MixerPositionAt(dac.output_frame) - expected;
}

void ClassClock::Tick(std::optional<audio::DacTime> dac, absl::Time now,
                      bool silent) {
  // One reading a callback buffer: the same one twice adds nothing.
  if (!dac || dac->output_frame == last_dac_frame_) return;
  last_dac_frame_ = dac->output_frame;
  output_rate_.Add(*dac);
  absl::StatusOr<ClockEstimate> estimate = estimate_();
  if (!estimate.ok()) return;
  if (!anchored_) {
    // The mapping stays; an estimate from a few samples can be a
    // millisecond off, which the controller would take a minute to undo.
    if (estimate->samples < options_.samples_to_anchor) return;
    // What plays at the DAC then is heard at that server time, on every mat.
    anchor_frame_ = speed_.MixerPositionAt(dac->output_frame);
    anchor_server_ns_ = estimate->ServerNsAt(
        dac->client_ns + absl::ToInt64Nanoseconds(options_.output_latency));
    anchored_ = true;
    next_correction_ = now + options_.correction_interval;
    return;
  }
  errors_.push_back(ErrorFrames(*estimate, *dac));
  if (now < next_correction_) return;
  next_correction_ = now + options_.correction_interval;
  // The median: the output's reports jitter, and one late callback must not
  // steer the speed.
  std::nth_element(errors_.begin(), errors_.begin() + errors_.size() / 2,
                   errors_.end());
  const double error_frames = errors_[errors_.size() / 2];
  errors_.clear();
  const absl::Duration error =
      absl::Seconds(error_frames / static_cast<double>(sample_rate_));
  stats_.last_error = error;
  // A card that takes frames fast must be fed them slower; a server's clock
  // that gains on the monotonic one (the estimate's drift, once known),
  // faster.
  const std::optional<double> output_ppm = output_rate_.Ppm();
  stats_.output_ppm = output_ppm.value_or(0);
  double feedforward = 0;
  if (options_.feed_forward_output_rate) {
    const double drift_ppm = estimate->drift_known ? estimate->drift * 1e6 : 0;
    feedforward = -output_ppm.value_or(0) + drift_ppm;
    // Until the drift was known the controller learned it (with what else
    // it learned) from the errors; from then on it is fed forward, and what
    // was learned would count it twice. Should the estimate lose it (the
    // server's clock stepped), the controller takes it over.
    if (estimate->drift_known != drift_fed_) {
      controller_.SetLearnedDrift(
          drift_fed_ ? controller_.learned_drift_ppm() - fed_drift_ppm_ : 0);
      drift_fed_ = estimate->drift_known;
    }
    fed_drift_ppm_ = drift_ppm;
  }
  ++stats_.corrections;
  if (silent) {
    // Nothing on the Mixer to move: the mapping follows the estimate at
    // once, and the speed is what is fed forward and learned.
    anchor_frame_ += error_frames;
    ++stats_.silent_moves;
    const double ppm = controller_.Hold(feedforward).ppm;
    speed_.SetSpeedPpm(ppm);
    stats_.speed_ppm = ppm;
    return;
  }
  const DriftController::Correction correction =
      controller_.Update(now, error, feedforward);
  if (correction.reanchor) {
    // Too far for the speed to make up in good time: move the mapping.
    anchor_frame_ += error_frames;
    controller_.Reanchored();
    ++stats_.reanchors;
    return;
  }
  speed_.SetSpeedPpm(correction.ppm);
  stats_.speed_ppm = correction.ppm;
}

}  // namespace yoga::client
