// Real speech for audio tests: a few prompts of the shipped voice pack,
// decoded at the rate a test runs at (a fraction of a second), and the
// largest sample-to-sample step of a signal, the measure of a click.
#ifndef YOGA_TESTS_CLIENT_AUDIO_SPEECH_CLIPS_H_
#define YOGA_TESTS_CLIENT_AUDIO_SPEECH_CLIPS_H_

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "client/audio/clip.h"
#include "client/audio/voice_pack_audio.h"

namespace yoga::client::audio {

// Sentences of a few seconds each, and one short number.
inline const std::vector<std::string>& SpeechKeys() {
  static const auto* keys = new std::vector<std::string>{
      "session.start",
      "deep-hip-stretch.setup.cross-left-knee",
      "downward-facing-dog.setup.press-hands",
      "pigeon.setup.right-foot-across",
      "standing-hamstring-stretch.hold.head-heavy",
      "locust-goal-post-arms.release.lower",
      "name.deep-hip-stretch",
      "stay.seconds.3",
  };
  return *keys;
}

// SpeechKeys()' clips at `rate`, in that order.
inline absl::StatusOr<std::vector<ClipPtr>> LoadSpeech(int rate) {
  absl::StatusOr<VoicePackAudio> pack =
      LoadVoicePackAudio(YOGA_SOURCE_DIR "/assets/voice/default", rate,
                         {SpeechKeys().begin(), SpeechKeys().end()});
  if (!pack.ok()) return pack.status();
  std::vector<ClipPtr> clips;
  for (const std::string& key : SpeechKeys()) clips.push_back(pack->Find(key));
  return clips;
}

// Largest |x[i + 1] - x[i]| of `count` samples `stride` apart.
inline float LargestStep(const float* samples, size_t count,
                         size_t stride = 1) {
  float largest = 0.0f;
  for (size_t i = 1; i < count; ++i) {
    largest = std::max(
        largest, std::abs(samples[i * stride] - samples[(i - 1) * stride]));
  }
  return largest;
}

}  // namespace yoga::client::audio

#endif  // YOGA_TESTS_CLIENT_AUDIO_SPEECH_CLIPS_H_
