#include "client/session/output_rate.h"

#include <cmath>
#include <vector>

#include "client/session/robust_line.h"

namespace yoga::client {

OutputRate::OutputRate(int sample_rate, Options options)
    : sample_rate_(sample_rate), options_(options) {}

void OutputRate::Add(const audio::DacTime& reading) {
  if (!readings_.empty()) {
    const audio::DacTime& last = readings_.back();
    if (reading.client_ns - last.client_ns <
        absl::ToInt64Nanoseconds(options_.reading_interval)) {
      return;
    }
    // Between two reports 200 ms apart a card's rate moves a frame by
    // microseconds; milliseconds are a stall, or a stream's first buffers,
    // reported to play before the stream has started (PulseAudio: 0.9 s
    // early).
    const double off_seconds =
        static_cast<double>(reading.output_frame - last.output_frame) /
            sample_rate_ -
        (reading.client_ns - last.client_ns) / 1e9;
    if (std::abs(off_seconds) > absl::ToDoubleSeconds(options_.max_jump)) {
      readings_.clear();
      ++restarts_;
    }
  }
  readings_.push_back(reading);
  const int64_t oldest =
      reading.client_ns - absl::ToInt64Nanoseconds(options_.window);
  while (readings_.front().client_ns < oldest) readings_.pop_front();
  Fit();
}

void OutputRate::Fit() {
  const audio::DacTime& first = readings_.front();
  const double span_seconds =
      (readings_.back().client_ns - first.client_ns) / 1e9;
  // After a restart the last rate stands until the new reports span enough:
  // a stall does not change the card's crystal.
  if (span_seconds < absl::ToDoubleSeconds(options_.min_span)) return;
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
