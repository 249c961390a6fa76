#include "client/session/output_rate.h"

#include <cmath>
#include <vector>

#include "client/session/robust_line.h"

namespace yoga::client {

OutputRate::OutputRate(int sample_rate, Options options)
    : sample_rate_(sample_rate), options_(options) {}

bool OutputRate::Jumped(const audio::DacTime& from,
                        const audio::DacTime& to) const {
  const double off_seconds =
      static_cast<double>(to.output_frame - from.output_frame) / sample_rate_ -
      (to.client_ns - from.client_ns) / 1e9;
  return std::abs(off_seconds) > absl::ToDoubleSeconds(options_.max_jump);
}

void OutputRate::Add(const audio::DacTime& reading) {
  if (!readings_.empty()) {
    const audio::DacTime& last = readings_.back();
    if (reading.client_ns - last.client_ns <
        absl::ToInt64Nanoseconds(options_.reading_interval)) {
      return;
    }
    // Between two reports 20 ms apart a card's rate moves a frame by
    // microseconds; milliseconds are a stall, or a stream's first buffers,
    // reported to play before the stream has started (PulseAudio: 0.9 s
    // early), or one report gone astray. A jump counts once the next report
    // agrees with it; until then the report waits.
    if (Jumped(last, reading)) {
      if (!jumped_.has_value() || Jumped(*jumped_, reading)) {
        jumped_ = reading;
        return;
      }
      readings_.clear();
      readings_.push_back(*jumped_);
      // A rate from before the jump stands until the new reports are many.
      keep_rate_ = ppm_.has_value();
      ++restarts_;
    }
  }
  jumped_.reset();
  readings_.push_back(reading);
  const int64_t oldest =
      reading.client_ns - absl::ToInt64Nanoseconds(options_.window);
  while (readings_.front().client_ns < oldest) readings_.pop_front();
  added_since_fit_ = true;
}

std::optional<double> OutputRate::Ppm() {
  if (added_since_fit_) {
    added_since_fit_ = false;
    Fit();
  }
  return ppm_;
}

void OutputRate::Fit() {
  const audio::DacTime& first = readings_.front();
  const double span_seconds =
      (readings_.back().client_ns - first.client_ns) / 1e9;
  // After a restart the last rate stands until the new reports span half
  // the window: a stall does not change the card's crystal, and what follows
  // one may settle for a while.
  const absl::Duration needed =
      keep_rate_ ? options_.window / 2 : options_.min_span;
  if (span_seconds < absl::ToDoubleSeconds(needed)) return;
  keep_rate_ = false;
  // Relative to the first reading and to the nominal rate, so the numbers
  // stay small enough for a double to keep every frame.
  std::vector<double> seconds;
  std::vector<double> frames_ahead;
  seconds.reserve(readings_.size());
  frames_ahead.reserve(readings_.size());
  for (const audio::DacTime& reading : readings_) {
    const double since = (reading.client_ns - first.client_ns) / 1e9;
    seconds.push_back(since);
    frames_ahead.push_back(
        static_cast<double>(reading.output_frame - first.output_frame) -
        since * sample_rate_);
  }
  ppm_ = HalvesMedianSlope(seconds, frames_ahead) / sample_rate_ * 1e6;
}

}  // namespace yoga::client
