// Sound files through libsndfile.
//
// Reads a whole sound file into memory as one mono Clip at the file's own
// sample rate, with libsndfile (Ogg Opus, Ogg Vorbis, FLAC, WAV...). A file of
// several channels is averaged to mono. Opus pre-skip and end trimming are
// libsndfile's: the clip holds the frames a player would play.
//
//   absl::StatusOr<Clip> clip = DecodeAudioFile("prompt.opus");
//
// Errors: NOT_FOUND "path: cannot open the file" when the file is missing or
// unreadable; INVALID_ARGUMENT "path: cannot decode the audio: <libsndfile's
// reason>" when libsndfile does not take it or fails while reading. A file
// without frames decodes to an empty clip. Safe to call from several threads
// at once.
#ifndef YOGA_CLIENT_AUDIO_AUDIO_FILE_H_
#define YOGA_CLIENT_AUDIO_AUDIO_FILE_H_

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "client/audio/clip.h"

namespace yoga::client::audio {

absl::StatusOr<Clip> DecodeAudioFile(const std::string& path);

// Writes a mono 16-bit PCM WAV file piece by piece. Samples are clamped to
// [-1, 1]. Errors name the path: UNAVAILABLE when the file cannot be created
// or written (a missing folder, a full disk).
//
//   absl::StatusOr<WavWriter> wav = WavWriter::Create("out.wav", 48000);
//   wav->Append(samples, frames); ... wav->Close();
class WavWriter {
 public:
  static absl::StatusOr<WavWriter> Create(const std::string& path,
                                          int sample_rate);
  WavWriter(WavWriter&&) = default;
  WavWriter& operator=(WavWriter&&) = default;
  ~WavWriter();  // Closes the file if Close was not called.

  absl::Status Append(const float* samples, int64_t frames);
  // Flushes and closes; the file is complete only once this returns OK.
  absl::Status Close();

 private:
  WavWriter() = default;
  std::string path_;
  std::shared_ptr<void> file_;  // SNDFILE*, closed on release.
};

}  // namespace yoga::client::audio

#endif  // YOGA_CLIENT_AUDIO_AUDIO_FILE_H_
