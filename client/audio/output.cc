#include "client/audio/output.h"

namespace yoga::client::audio {

bool WaitUntilRendering(const Mixer& mixer, absl::Duration timeout) {
  // The first buffers are taken at once, before any stall, and may fill a
  // window or two; only an output that keeps rendering fills five.
  constexpr absl::Duration kWindow = absl::Milliseconds(20);
  constexpr int kWindowsInARow = 5;
  const int64_t wanted = mixer.sample_rate() / 100;
  const absl::Time give_up = absl::Now() + timeout;
  int64_t before = mixer.frames_rendered();
  int in_a_row = 0;
  while (absl::Now() < give_up) {
    absl::SleepFor(kWindow);
    const int64_t now = mixer.frames_rendered();
    in_a_row = now - before >= wanted ? in_a_row + 1 : 0;
    if (in_a_row == kWindowsInARow) return true;
    before = now;
  }
  return false;
}

}  // namespace yoga::client::audio
