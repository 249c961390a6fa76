// A decoded sound, ready to mix: mono float32 samples in [-1, 1] at
// `sample_rate` frames a second. Clips are immutable once built and shared as
// std::shared_ptr<const Clip>, so the voice pack cache, the Mixer and its
// callback can hold the same samples without copying them.
#ifndef YOGA_CLIENT_AUDIO_CLIP_H_
#define YOGA_CLIENT_AUDIO_CLIP_H_

#include <memory>
#include <vector>

namespace yoga::client::audio {

struct Clip {
  std::vector<float> samples;  // Mono, one sample a frame.
  int sample_rate = 0;         // Frames a second.
};

using ClipPtr = std::shared_ptr<const Clip>;

}  // namespace yoga::client::audio

#endif  // YOGA_CLIENT_AUDIO_CLIP_H_
