#include "client/audio/session_clock.h"

namespace yoga::client::audio {
namespace {

// floor(a / b) for b > 0.
int64_t FloorDiv(int64_t a, int64_t b) {
  const int64_t q = a / b;
  return (a % b != 0 && a < 0) ? q - 1 : q;
}

// a / b rounded to the nearest integer, halves up, for b > 0.
int64_t RoundDiv(int64_t a, int64_t b) { return FloorDiv(2 * a + b, 2 * b); }

}  // namespace

SessionClock::SessionClock(int sample_rate)
    : sample_rate_(sample_rate > 0 ? sample_rate : 1) {}

void SessionClock::Anchor(int64_t session_ms, int64_t frame) {
  anchored_ = true;
  anchor_ms_ = session_ms;
  anchor_frame_ = frame;
}

int64_t SessionClock::FrameOf(int64_t session_ms) const {
  return anchor_frame_ +
         RoundDiv((session_ms - anchor_ms_) * sample_rate_, 1000);
}

int64_t SessionClock::SessionMsOf(int64_t frame) const {
  return anchor_ms_ + RoundDiv((frame - anchor_frame_) * 1000, sample_rate_);
}

}  // namespace yoga::client::audio
