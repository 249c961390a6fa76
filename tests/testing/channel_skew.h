// How far apart several recorded mats are: a class test records every mat on
// one channel of one file (PulseAudio::AddRoom), so a prompt's lag between two
// channels is how far apart those mats played it.
//
//   auto channels = ReadChannels("room.wav");          // one vector a mat
//   auto prompts = MeasureSkew(*channels, 48000);      // one row a prompt
//   prompts[i].lag_frames[m]   // mat m's lag behind channel 0, in frames
//
// Prompts are found where channel 0's sound starts after a silence (a 1 ms
// window above `onset_threshold` after at least `min_gap_ms` below it); each
// other channel's lag is the shift, within +-`max_lag_ms`, that best matches
// the 40 ms from just before the onset (normalised cross-correlation). The
// mats play the same clips, so a true match is close to 1; a channel where the
// prompt is missing or another one plays scores far below.
#ifndef YOGA_TESTS_TESTING_CHANNEL_SKEW_H_
#define YOGA_TESTS_TESTING_CHANNEL_SKEW_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace yoga::testing {

// The channels of a WAV file, each as floats; its rate in `sample_rate`.
absl::StatusOr<std::vector<std::vector<float>>> ReadChannels(
    const std::string& path, int* sample_rate = nullptr);

struct SkewOptions {
  float onset_threshold = 0.01f;  // RMS of a 1 ms window: -40 dBFS.
  double min_gap_ms = 150;
  double max_lag_ms = 25;
  double window_ms = 40;
};

// One prompt, as every channel played it.
struct PromptSkew {
  int64_t onset_frame = 0;          // In channel 0.
  std::vector<int64_t> lag_frames;  // A channel's lag behind channel 0.
  std::vector<double> similarity;   // Of the best match, a channel.
};

std::vector<PromptSkew> MeasureSkew(
    const std::vector<std::vector<float>>& channels, int sample_rate,
    const SkewOptions& options = {});

}  // namespace yoga::testing

#endif  // YOGA_TESTS_TESTING_CHANNEL_SKEW_H_
