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

#include <string>

#include "absl/status/statusor.h"
#include "client/audio/clip.h"

namespace yoga::client::audio {

absl::StatusOr<Clip> DecodeAudioFile(const std::string& path);

}  // namespace yoga::client::audio

#endif  // YOGA_CLIENT_AUDIO_AUDIO_FILE_H_
