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

absl::StatusOr<WavWriter> WavWriter::Create(const std::string& path,
                                            int sample_rate) {
  SF_INFO info = {};
  info.samplerate = sample_rate;
  info.channels = 1;
  info.format = SF_FORMAT_WAV | SF_FORMAT_PCM_16;
  SNDFILE* file;
  {
    absl::MutexLock lock(&open_mutex);
    file = sf_open(path.c_str(), SFM_WRITE, &info);
    if (file == nullptr) {
      return absl::UnavailableError(absl::StrCat(
          path, ": cannot create the file: ", sf_strerror(nullptr)));
    }
  }
  // Scale floats by 32767 and clip, instead of libsndfile's default of
  // wrapping around on overshoot.
  sf_command(file, SFC_SET_CLIPPING, nullptr, SF_TRUE);
  WavWriter writer;
  writer.path_ = path;
  writer.file_ = std::shared_ptr<void>(
      file, [](void* open) { sf_close(static_cast<SNDFILE*>(open)); });
  return writer;
}

WavWriter::~WavWriter() = default;

absl::Status WavWriter::Append(const float* samples, int64_t frames) {
  if (file_ == nullptr)
    return absl::FailedPreconditionError(path_ + ": already closed");
  auto* file = static_cast<SNDFILE*>(file_.get());
  if (sf_writef_float(file, samples, frames) != frames) {
    return absl::UnavailableError(
        absl::StrCat(path_, ": cannot write: ", sf_strerror(file)));
  }
  return absl::OkStatus();
}

absl::Status WavWriter::Close() {
  if (file_ == nullptr) return absl::OkStatus();
  auto* file = static_cast<SNDFILE*>(file_.get());
  sf_write_sync(file);
  const int error = sf_error(file);
  file_.reset();
  if (error != SF_ERR_NO_ERROR) {
    return absl::UnavailableError(
        absl::StrCat(path_, ": cannot write: ", sf_error_number(error)));
  }
  return absl::OkStatus();
}

}  // namespace yoga::client::audio
