// Decides how fast a mat's audio should run so that its schedule clock follows
// the server's clock (DESIGN.md "Classes"): the speed, in ppm, to give
// audio::Varispeed::SetSpeedPpm. Pure arithmetic: no audio, no clock, no
// threads.
//
//   DriftController controller;
//   every second or so, but not across a pause's start or end:
//     error = (varispeed.MixerPositionAt(frame_at_dac) - expected_frame)
//             / sample_rate            // + means the mat plays ahead
//     DriftController::Correction c = controller.Update(now, error);
//     if (c.reanchor) { re-anchor the session clock; controller.Reanchored(); }
//     else varispeed.SetSpeedPpm(c.ppm);
//
// The loop. The error grows at (crystal's drift + correction), so a PI
// controller with a natural time constant tau, critically damped, brings it to
// zero without oscillating:
//   ppm = -(2 / tau) * error - (1 / tau^2) * integral of error,
// the integral's part being the crystal's drift as learned so far (kept
// through Reanchored). With tau = 30 s (the default) a crystal 100 ppm off
// leaves at most 100e-6 * tau / e = 1.1 ms of error, at t = tau; 0.05 ms after
// 3 minutes and nothing measurable after 5 (with 0.1 ms of noise on every
// measurement, within 0.08 ms: tests/client/session/drift_loop_test.cc). The
// correction itself overshoots the drift once, by e^-2 = 14%, at t = 2 tau, and
// never wobbles. A phase error e0 with no drift is corrected with one
// undershoot of e^-2 e0 (any PI does that: the integral must return to the
// drift). A longer tau filters measurement noise better (the correction moves 2
// / tau ppm per microsecond of noise) and converges more slowly.
//
// A feed-forward: what part of the drift is known already (the sound card's
// own rate, measured locally: output_rate.h) is given with each error and
// added to the correction as it stands, so the integral learns only the rest.
// A mat whose card runs 175 ppm fast then starts at -175 ppm instead of
// chasing it for a minute (a drift d not fed forward leaves up to
// d * tau / e of error: 1.9 ms for 175 ppm).
//
// Young. For its first `young_period` (20 s) the loop runs at a time
// constant of 4 s: a mat's first clock-sync estimates move by up to a
// millisecond as samples come in, and a phase error takes tau to undo.
//
// Limits. The correction stays within +-max_ppm and its own part (the
// feed-forward aside) changes by at most max_slew_ppm_per_second; while a
// limit holds the integral stops growing
// (no windup, so no extra overshoot). An error beyond reanchor_beyond (a
// stall, a reconnect, a wrong anchor) would take seconds to slew away
// even at max_ppm (5 ms at 1000 ppm: 5 s): Update reports it as `reanchor`
// instead, leaving the correction unchanged, and learns nothing from it.
//
// Measurement gaps longer than max_gap count as max_gap, so a long pause does
// not turn one error into a large integral.
#ifndef YOGA_CLIENT_SESSION_DRIFT_CONTROLLER_H_
#define YOGA_CLIENT_SESSION_DRIFT_CONTROLLER_H_

#include "absl/time/time.h"

namespace yoga::client {

class DriftController {
 public:
  struct Options {
    absl::Duration time_constant = absl::Seconds(30);
    // For the first `young_period` after the first Update the loop runs at
    // `young_time_constant`: a mat's first clock estimates improve by up to
    // milliseconds within seconds, which at 30 s would take a minute to
    // follow. (Zero period: one time constant throughout.)
    absl::Duration young_time_constant = absl::Seconds(4);
    absl::Duration young_period = absl::Seconds(20);
    double max_ppm = 1000.0;  // As audio::Varispeed allows.
    double max_slew_ppm_per_second = 100.0;
    // Beyond any clock-sync estimate's move (a millisecond or two on a
    // jittery link) and within what a stall or a glitch of the output does.
    absl::Duration reanchor_beyond = absl::Milliseconds(5);
    absl::Duration max_gap = absl::Seconds(5);
  };

  struct Correction {
    double ppm = 0.0;  // Speed to run at: + plays faster.
    bool reanchor = false;
  };

  DriftController() : DriftController(Options()) {}
  explicit DriftController(Options options);

  // `error` at `now` (any monotonic clock, e.g. the server's as estimated):
  // where the schedule clock is at the DAC minus where the server's clock
  // says it should be; positive when the mat plays ahead. `feedforward_ppm`:
  // the correction the known part of the drift needs (-175 for a card known
  // to run 175 ppm fast).
  Correction Update(absl::Time now, absl::Duration error,
                    double feedforward_ppm = 0.0);

  // The session clock was re-anchored: the error starts again from zero; the
  // drift learned so far, and the correction, stay.
  void Reanchored();

  // No error to steer by (the mapping was moved onto the estimate instead,
  // while nothing played): the correction is the feed-forward and the drift
  // learned. Neither learns nor starts the young period, which begins with
  // the first Update.
  Correction Hold(double feedforward_ppm);

  // Puts the drift learned (learned_drift_ppm) at `ppm`, the correction
  // moving with it: when a part of the drift comes to be fed forward, or
  // stops being, so that it counts once.
  void SetLearnedDrift(double ppm);

  // The correction last returned.
  double ppm() const { return ppm_; }
  // The drift as learned beyond the feed-forward: the correction's integral
  // part, negated (+ when the device runs fast).
  double learned_drift_ppm() const { return -integral_ppm_; }

 private:
  Options options_;
  double integral_ppm_ = 0.0;
  double own_ppm_ = 0.0;  // ppm_ less the feed-forward.
  double ppm_ = 0.0;
  bool measured_before_ = false;
  bool started_ = false;
  absl::Time first_time_;
  absl::Time last_time_;
};

}  // namespace yoga::client

#endif  // YOGA_CLIENT_SESSION_DRIFT_CONTROLLER_H_
