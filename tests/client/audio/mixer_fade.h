// What the Mixer makes of a clip's sample when the clip starts on time: its
// 2.5 ms fade-in and fade-out (mixer.h), computed with the same float
// operations so that tests can compare rendered output exactly.
#ifndef YOGA_TESTS_CLIENT_AUDIO_MIXER_FADE_H_
#define YOGA_TESTS_CLIENT_AUDIO_MIXER_FADE_H_

#include <cstdint>

namespace yoga::client::audio {

// Frames of the fades at 48 kHz.
inline constexpr int kMixerFadeFrames = 120;

// Sample `position` of a clip of `length` frames.
inline float Faded(float sample, int64_t position, int64_t length) {
  constexpr int kFade = kMixerFadeFrames;
  float gain = 1.0f;
  if (position < kFade) gain *= static_cast<float>(position + 1) / kFade;
  if (length - position < kFade) {
    gain *= static_cast<float>(length - position) / kFade;
  }
  return sample * gain;
}

}  // namespace yoga::client::audio

#endif  // YOGA_TESTS_CLIENT_AUDIO_MIXER_FADE_H_
