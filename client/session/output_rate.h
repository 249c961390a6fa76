// How fast a sound card takes frames, against the monotonic clock, learned
// from its own reports of when frames play (audio::DacTime, one a callback).
//
// A class's mat must run its audio at the server's rate. The card's part of
// the difference (its crystal, or a virtual sink's timer: PulseAudio's null
// sink here takes 175 ppm more frames than CLOCK_MONOTONIC counts with one
// stream, 300-650 ppm with the test room's ten, moving as streams come and
// go) shows in these reports
// within seconds, with no network in between; the server's part shows only
// through clock sync, slowly. ClassClock gives the card's rate to its
// DriftController as a feed-forward, so the controller is left to learn only
// the server's part (until clock sync knows its drift, then fed forward too)
// and the phase.
//
// The rate is the median slope of frames over time between reports half
// the window apart (robust_line.h: HalvesMedianSlope), so a late callback's
// report is outvoted. Two reports in a row far from where the one before puts
// them (more than `max_jump`: the card stalled, or a stream's first buffers
// were reported before it started) start the measurement again, rather than
// bending every slope across the jump; one alone is dropped. Not
// thread-safe.
#ifndef YOGA_CLIENT_SESSION_OUTPUT_RATE_H_
#define YOGA_CLIENT_SESSION_OUTPUT_RATE_H_

#include <cstdint>
#include <deque>
#include <optional>

#include "absl/time/time.h"
#include "client/audio/dac_time.h"

namespace yoga::client {

class OutputRate {
 public:
  struct Options {
    // Reports closer together than this are not kept (about every other
    // callback).
    absl::Duration reading_interval = absl::Milliseconds(20);
    // No rate until the reports span this. Reports through PulseAudio jitter
    // by about 0.1 ms: 140 ppm on one pair 1 s apart, about 30 on the median
    // of the 50 pairs of 2 s of reports, 5 after 10 s.
    absl::Duration min_span = absl::Seconds(2);
    // Only the last this long counts, so a rate that moves is followed
    // within half of it: a card warming up, or PulseAudio's null sink, whose
    // rate here moved from 285 to 355 ppm when another stream joined it.
    // Over 20 s the median slope is within about a ppm.
    absl::Duration window = absl::Seconds(20);
    // A report this far from where the last one, at the nominal rate,
    // puts it restarts the measurement.
    absl::Duration max_jump = absl::Milliseconds(10);
  };

  explicit OutputRate(int sample_rate) : OutputRate(sample_rate, Options()) {}
  OutputRate(int sample_rate, Options options);

  void Add(const audio::DacTime& reading);
  // Parts per million faster than sample_rate (+ when the card takes more
  // frames a second); none until the reports first span min_span. Fitted
  // here, from the reports added since the last call: reports come every
  // 20 ms, the rate is asked for every correction.
  std::optional<double> Ppm();
  int restarts() const { return restarts_; }

 private:
  void Fit();
  // Whether `from` to `to` is more than max_jump off the nominal rate.
  bool Jumped(const audio::DacTime& from, const audio::DacTime& to) const;

  const int sample_rate_;
  const Options options_;
  std::deque<audio::DacTime> readings_;  // Oldest first.
  std::optional<double> ppm_;
  bool added_since_fit_ = false;
  // A report that jumped from the last, until the next confirms it.
  std::optional<audio::DacTime> jumped_;
  // Restarted with a rate already measured: it stands for half a window.
  bool keep_rate_ = false;
  int restarts_ = 0;
};

}  // namespace yoga::client

#endif  // YOGA_CLIENT_SESSION_OUTPUT_RATE_H_
