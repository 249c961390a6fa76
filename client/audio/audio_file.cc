#include "client/audio/audio_file.h"

#include <sndfile.h>

#include <cstdint>
#include <fstream>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/attributes.h"
#include "absl/base/const_init.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"

namespace yoga::client::audio {
namespace {

// Frames read a call when downmixing.
constexpr sf_count_t kChunkFrames = 4096;

// sf_open reports its failures through libsndfile's one global error, read
// with sf_strerror(nullptr): opens take turns so that each reads its own.
ABSL_CONST_INIT absl::Mutex open_mutex(absl::kConstInit);

// Closes the file when it goes out of scope.
struct SndfileCloser {
  void operator()(SNDFILE* file) const { sf_close(file); }
};
using SndfilePtr = std::unique_ptr<SNDFILE, SndfileCloser>;

absl::Status CannotDecode(const std::string& path, absl::string_view why) {
  return absl::InvalidArgumentError(
      absl::StrCat(path, ": cannot decode the audio: ", why));
}

absl::StatusOr<SndfilePtr> Open(const std::string& path, SF_INFO* info) {
  absl::MutexLock lock(&open_mutex);
  SNDFILE* file = sf_open(path.c_str(), SFM_READ, info);
  if (file != nullptr) return SndfilePtr(file);
  const std::string why = sf_strerror(nullptr);
  if (!std::ifstream(path, std::ios::binary).good()) {
    return absl::NotFoundError(absl::StrCat(path, ": cannot open the file"));
  }
  return CannotDecode(path, why);
}

}  // namespace

absl::StatusOr<Clip> DecodeAudioFile(const std::string& path) {
  SF_INFO info = {};
  absl::StatusOr<SndfilePtr> file = Open(path, &info);
  if (!file.ok()) return file.status();
  if (info.channels < 1 || info.samplerate < 1) {
    return CannotDecode(path, absl::StrCat(info.channels, " channels at ",
                                           info.samplerate, " Hz"));
  }
  Clip clip;
  clip.sample_rate = info.samplerate;
  // info.frames is exact for the formats tried (Opus included) but only a
  // hint here: reading goes on to the end of the stream.
  if (info.frames > 0) clip.samples.reserve(static_cast<size_t>(info.frames));
  const int channels = info.channels;
  std::vector<float> chunk(static_cast<size_t>(kChunkFrames) * channels);
  while (true) {
    const sf_count_t read =
        sf_readf_float(file->get(), chunk.data(), kChunkFrames);
    if (read <= 0) break;
    if (channels == 1) {
      clip.samples.insert(clip.samples.end(), chunk.begin(),
                          chunk.begin() + read);
      continue;
    }
    for (sf_count_t frame = 0; frame < read; ++frame) {
      const float* first = &chunk[static_cast<size_t>(frame) * channels];
      float sum = 0.0f;
      for (int channel = 0; channel < channels; ++channel)
        sum += first[channel];
      clip.samples.push_back(sum / static_cast<float>(channels));
    }
  }
  if (const int error = sf_error(file->get()); error != SF_ERR_NO_ERROR)
    return CannotDecode(path, sf_error_number(error));
  return clip;
}

}  // namespace yoga::client::audio
