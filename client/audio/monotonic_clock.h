// The client's clock for timing across threads and devices: CLOCK_MONOTONIC
// in nanoseconds. It never jumps (unlike the wall clock, which NTP may step),
// so a class's clock sync (client/session/clock_sync.h) and the sound card's
// timing (AudioOutput::LastDacTime) are read on it.
#ifndef YOGA_CLIENT_AUDIO_MONOTONIC_CLOCK_H_
#define YOGA_CLIENT_AUDIO_MONOTONIC_CLOCK_H_

#include <time.h>

#include <cstdint>

namespace yoga::client {

inline int64_t MonotonicNowNs() {
  timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return int64_t{now.tv_sec} * 1'000'000'000 + now.tv_nsec;
}

}  // namespace yoga::client

#endif  // YOGA_CLIENT_AUDIO_MONOTONIC_CLOCK_H_
