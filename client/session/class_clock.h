// Puts the server's clock on a mat's Mixer frames, the same on every mat of a
// class (DESIGN.md "Classes"), and keeps it there.
//
// The mapping is fixed once, when the clock first has both a clock-sync
// estimate of `samples_to_anchor` samples (ClockSyncer) and a reading of the
// sound card (DacTime):
//   frame(server_ns) = anchor_frame + (server_ns - anchor_server_ns) * rate/1e9
// on the Mixer's schedule clock, placing what is heard at server time T on
// every mat at T. From then on the mat's audio is made to follow it: each
// Tick measures where the schedule clock stands at the DAC against where
// the mapping says it should, and the DriftController turns that error into
// a Varispeed speed, a few ppm from the crystal's. Only an error beyond the
// controller's reach (a stall: milliseconds) moves the mapping itself
// ("re-anchor"), so cues already on the Mixer may then be off once; while
// nothing is on the Mixer, every correction moves the mapping instead.
// The card's own rate against the monotonic clock is learned from the same
// readings (OutputRate) and fed forward to the controller, so a card that
// runs fast is slowed within seconds, not over the controller's minute. So is
// the server's clock's drift against the monotonic one, once the estimate
// knows it (ClockEstimate::drift_known; the controller lets go of what it
// had learned of it then): while the mapping moves between prompts the
// controller learns little, and a drift left to it makes every prompt slip
// by the drift over its length.
//
// What limits it: the clock-sync estimate (half any asymmetry between the
// two directions of the network), and how truly the output reports when a
// frame plays (PortAudio's outputBufferDacTime; a device whose report is off
// by a fixed amount is corrected with `output_latency`, added to it).
//
// Control thread only.
#ifndef YOGA_CLIENT_SESSION_CLASS_CLOCK_H_
#define YOGA_CLIENT_SESSION_CLASS_CLOCK_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include "absl/time/time.h"
#include "client/audio/dac_time.h"
#include "client/audio/varispeed.h"
#include "client/session/clock_sync.h"
#include "client/session/drift_controller.h"
#include "client/session/output_rate.h"

namespace yoga::client {

class ClassClock {
 public:
  struct Options {
    // Added to when the output says a frame plays (a device's own delay).
    absl::Duration output_latency = absl::ZeroDuration();
    // How often the speed is corrected, from the median of the readings
    // taken since the last correction (the output's reports jitter).
    absl::Duration correction_interval = absl::Milliseconds(500);
    // The mapping is fixed once the clock-sync estimate has this many
    // samples (ClockSyncer's first burst).
    int samples_to_anchor = 10;
    // Feed the card's measured rate forward (off: the controller alone
    // learns it, as tests compare).
    bool feed_forward_output_rate = true;
  };
  struct Stats {
    absl::Duration last_error;  // At the DAC: + plays ahead of the server.
    double speed_ppm = 0;
    // The card's rate against the monotonic clock, as measured (0 until
    // it is): + when it takes frames fast.
    double output_ppm = 0;
    int corrections = 0;
    int reanchors = 0;
    int silent_moves = 0;  // Corrections made by moving the mapping.
  };

  // The server's clock as estimated now (ClockSyncer::Estimate, or a test's).
  using EstimateSource = std::function<absl::StatusOr<ClockEstimate>()>;

  // `speed` plays the Mixer whose schedule frames this clock gives; it must
  // outlive the clock.
  ClassClock(EstimateSource estimate, audio::Varispeed& speed, int sample_rate,
             Options options);
  // With `sync`'s estimates; `sync` must outlive the clock.
  ClassClock(const ClockSyncer& sync, audio::Varispeed& speed, int sample_rate,
             Options options)
      : ClassClock([&sync] { return sync.Estimate(); }, speed, sample_rate,
                   options) {}

  // Takes a reading of the output; corrects the speed when it is time.
  // Call every few milliseconds. `silent`: nothing is scheduled on the Mixer
  // or playing (Mixer::outstanding() is 0), so moving the mapping moves
  // nothing heard: it then follows the estimate at once, rather than by
  // speed over seconds (a mat's first seconds, a long hold's silence).
  void Tick(std::optional<audio::DacTime> dac, absl::Time now,
            bool silent = false);
  bool anchored() const { return anchored_; }
  // The schedule frame at which server time `server_ns` is heard; anchored
  // only.
  int64_t FrameAt(int64_t server_ns) const;
  // The same, unrounded: where between frames (to compare mats' placements
  // finer than a frame).
  double PositionAt(int64_t server_ns) const;
  const Stats& stats() const { return stats_; }

 private:
  // Where the schedule clock stands at `dac` against the mapping, in frames.
  double ErrorFrames(const ClockEstimate& estimate,
                     const audio::DacTime& dac) const;

  const EstimateSource estimate_;
  audio::Varispeed& speed_;
  const int sample_rate_;
  const Options options_;
  DriftController controller_;
  OutputRate output_rate_;
  bool anchored_ = false;
  double anchor_frame_ = 0;
  int64_t anchor_server_ns_ = 0;
  int64_t last_dac_frame_ = -1;
  // The estimate's drift as last fed forward to the controller.
  bool drift_fed_ = false;
  double fed_drift_ppm_ = 0;
  std::vector<double> errors_;  // Since the last correction, in frames.
  absl::Time next_correction_ = absl::InfinitePast();
  Stats stats_;
};

}  // namespace yoga::client

#endif  // YOGA_CLIENT_SESSION_CLASS_CLOCK_H_
