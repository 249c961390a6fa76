// A voice pack's audio, decoded into memory before any prompt is due: one
// mono Clip a prompt key, at the output stream's sample rate, ready for the
// Mixer.
//
//   absl::StatusOr<VoicePackAudio> pack =
//       LoadVoicePackAudio("assets/voice/default", 48000);
//   ClipPtr clip = pack->Find(cue.prompt_key());  // nullptr when missing
//
// LoadVoicePackAudio reads <pack_dir>/manifest.textproto
// (yoga.session.v1.VoicePackManifest) and decodes every prompt's file with
// libsndfile (Ogg Opus for the default pack; any format libsndfile reads),
// averaging the channels of a multichannel file to mono and resampling with
// libsamplerate (sinc, medium quality) when the file's rate differs from
// `output_rate`. A resampled clip has exactly round(frames * output_rate /
// file_rate) frames. Decoding runs on two threads. For the default pack (755
// prompts, 30 minutes of audio) on two cores that is about 3 s at 48 kHz and
// 10 s at 44.1 kHz, resampling being most of it; the clips take 4 bytes a
// frame, about 330 MiB at 48 kHz. See load_time() and bytes().
//
// Errors. The manifest: unreadable or unparsable, an empty or repeated key, an
// empty file name or a missing or non-positive duration, each as
// "manifest:line: reason". A prompt's file: missing or unreadable (NOT_FOUND),
// not decodable, without audio, or whose decoded length differs from the
// manifest's duration by more than 1 ms at the file's own rate (all
// INVALID_ARGUMENT), each as "file: reason (manifest:line)". The first bad
// prompt in manifest order is reported. An `output_rate` <= 0 is
// INVALID_ARGUMENT.
//
// A loaded VoicePackAudio is immutable; its methods may be called from any
// thread.
#ifndef YOGA_CLIENT_AUDIO_VOICE_PACK_AUDIO_H_
#define YOGA_CLIENT_AUDIO_VOICE_PACK_AUDIO_H_

#include <cstdint>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "client/audio/clip.h"

namespace yoga::client::audio {

class VoicePackAudio {
 public:
  // One prompt of the pack.
  struct Prompt {
    ClipPtr clip;             // At sample_rate(), never null or empty.
    absl::Duration duration;  // As the manifest gives it, > 0.
  };

  VoicePackAudio(VoicePackAudio&&) = default;
  VoicePackAudio& operator=(VoicePackAudio&&) = default;

  // The manifest's id ("default").
  const std::string& pack_id() const { return pack_id_; }
  // Of every clip: the `output_rate` it was loaded for.
  int sample_rate() const { return sample_rate_; }

  // The clip of `key`; nullptr when the pack lacks it.
  ClipPtr Find(absl::string_view key) const;
  // The manifest's duration of `key`; zero when the pack lacks it.
  absl::Duration DurationOf(absl::string_view key) const;

  // Every prompt, by key.
  const absl::flat_hash_map<std::string, Prompt>& prompts() const {
    return prompts_;
  }

  // How long LoadVoicePackAudio took, manifest, decoding and resampling.
  absl::Duration load_time() const { return load_time_; }
  // Memory the clips' samples take.
  int64_t bytes() const { return bytes_; }

 private:
  friend absl::StatusOr<VoicePackAudio> LoadVoicePackAudio(
      const std::string& pack_dir, int output_rate,
      const absl::flat_hash_set<std::string>& only);

  VoicePackAudio() = default;

  std::string pack_id_;
  int sample_rate_ = 0;
  absl::flat_hash_map<std::string, Prompt> prompts_;
  absl::Duration load_time_;
  int64_t bytes_ = 0;
};

// With `only` not empty, loads just those keys (a session's timeline uses a
// few dozen of the pack's prompts, which decode in a fraction of a second);
// NOT_FOUND naming the keys the pack lacks.
absl::StatusOr<VoicePackAudio> LoadVoicePackAudio(
    const std::string& pack_dir, int output_rate,
    const absl::flat_hash_set<std::string>& only = {});

}  // namespace yoga::client::audio

#endif  // YOGA_CLIENT_AUDIO_VOICE_PACK_AUDIO_H_
