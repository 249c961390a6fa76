#include "client/audio/voice_pack_audio.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "client/audio/audio_file.h"
#include "client/audio/resample.h"
#include "services/common/proto_time.h"
#include "services/common/text_proto_file.h"
#include "yoga/session/v1/voice_pack.pb.h"

namespace yoga::client::audio {
namespace {

using Manifest = TextProtoFile<yoga::session::v1::VoicePackManifest>;

// Decoding threads, the caller's included. Two halve the load time; more
// would compete with the rest of the client for little gain on small
// machines.
constexpr int kDecodeThreads = 2;

// Largest difference between a file's decoded length and its manifest
// duration.
constexpr absl::Duration kLengthTolerance = absl::Milliseconds(1);

std::string Where(const Manifest& manifest, int prompt,
                  absl::string_view field) {
  return absl::StrCat(manifest.path, ":",
                      manifest.LineOf({{"prompts", prompt}, {field}}));
}

absl::Status ManifestError(const Manifest& manifest, int prompt,
                           absl::string_view field, absl::string_view why) {
  return absl::InvalidArgumentError(
      absl::StrCat(Where(manifest, prompt, field), ": ", why));
}

// What LoadVoicePackAudio needs of a manifest; the session service checks
// more (the id against the folder).
absl::Status CheckManifest(const Manifest& manifest) {
  absl::flat_hash_map<std::string, int> seen;
  for (int i = 0; i < manifest.message.prompts_size(); ++i) {
    const auto& prompt = manifest.message.prompts(i);
    if (prompt.key().empty())
      return ManifestError(manifest, i, "key", "key is empty");
    if (auto [first, added] = seen.emplace(prompt.key(), i); !added) {
      return ManifestError(
          manifest, i, "key",
          absl::StrCat(
              "key \"", prompt.key(), "\" is listed twice (also at line ",
              manifest.LineOf({{"prompts", first->second}, {"key"}}), ")"));
    }
    if (prompt.file().empty()) {
      return ManifestError(
          manifest, i, "file",
          absl::StrCat("prompt \"", prompt.key(), "\" names no audio file"));
    }
    if (FromProtoDuration(prompt.duration()) <= absl::ZeroDuration()) {
      return ManifestError(manifest, i, "duration",
                           absl::StrCat("prompt \"", prompt.key(),
                                        "\" needs a positive duration"));
    }
  }
  return absl::OkStatus();
}

// The clip of prompt `i`, decoded, checked against the manifest and brought
// to `output_rate`.
absl::StatusOr<ClipPtr> LoadPrompt(const Manifest& manifest, int i,
                                   const std::filesystem::path& pack_dir,
                                   int output_rate) {
  const auto& prompt = manifest.message.prompts(i);
  const std::string path = (pack_dir / prompt.file()).string();
  absl::StatusOr<Clip> clip = DecodeAudioFile(path);
  if (!clip.ok()) {
    return absl::Status(clip.status().code(),
                        absl::StrCat(clip.status().message(), " (",
                                     Where(manifest, i, "file"), ")"));
  }
  if (clip->samples.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        path, ": has no audio (", Where(manifest, i, "file"), ")"));
  }
  const absl::Duration duration = FromProtoDuration(prompt.duration());
  const double rate = clip->sample_rate;
  const double frames = static_cast<double>(clip->samples.size());
  if (std::abs(frames - absl::ToDoubleSeconds(duration) * rate) >
      absl::ToDoubleSeconds(kLengthTolerance) * rate) {
    return absl::InvalidArgumentError(absl::StrCat(
        path, ": decodes to ", clip->samples.size(), " frames at ",
        clip->sample_rate, " Hz (",
        absl::FormatDuration(
            absl::Trunc(absl::Seconds(frames / rate), absl::Microseconds(1))),
        ") but the manifest says ", absl::FormatDuration(duration), " (",
        Where(manifest, i, "duration"), ")"));
  }
  absl::StatusOr<Clip> resampled = Resample(*std::move(clip), output_rate);
  if (!resampled.ok()) {
    return absl::Status(resampled.status().code(),
                        absl::StrCat(path, ": ", resampled.status().message()));
  }
  return std::make_shared<const Clip>(*std::move(resampled));
}

}  // namespace

ClipPtr VoicePackAudio::Find(absl::string_view key) const {
  auto found = prompts_.find(key);
  return found != prompts_.end() ? found->second.clip : nullptr;
}

absl::Duration VoicePackAudio::DurationOf(absl::string_view key) const {
  auto found = prompts_.find(key);
  return found != prompts_.end() ? found->second.duration
                                 : absl::ZeroDuration();
}

absl::StatusOr<VoicePackAudio> LoadVoicePackAudio(
    const std::string& pack_dir, int output_rate,
    const absl::flat_hash_set<std::string>& only) {
  const absl::Time start = absl::Now();
  if (output_rate <= 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("output sample rate ", output_rate, " is not positive"));
  }
  const std::filesystem::path dir(pack_dir);
  absl::StatusOr<Manifest> manifest =
      ReadTextProtoFile<yoga::session::v1::VoicePackManifest>(
          (dir / "manifest.textproto").string());
  if (!manifest.ok()) return manifest.status();
  if (absl::Status status = CheckManifest(*manifest); !status.ok())
    return status;

  // The prompts to load, in manifest order.
  std::vector<int> wanted;
  absl::flat_hash_set<std::string> missing = only;
  for (int i = 0; i < manifest->message.prompts_size(); ++i) {
    if (only.empty() || missing.erase(manifest->message.prompts(i).key()) > 0)
      wanted.push_back(i);
  }
  if (!missing.empty()) {
    std::vector<std::string> keys(missing.begin(), missing.end());
    std::sort(keys.begin(), keys.end());
    return absl::NotFoundError(absl::StrCat(
        manifest->path, ": the voice pack has no prompt \"",
        absl::StrJoin(keys, "\", \""), "\" (render it again: ./dev voice)"));
  }

  // Workers take prompts in manifest order and stop at the first error. Every
  // prompt taken before a failing one is finished, so the failure of lowest
  // index is the first bad prompt in manifest order, whatever the timing.
  const int count = static_cast<int>(wanted.size());
  std::vector<ClipPtr> clips(count);
  std::vector<absl::Status> errors(count);
  std::atomic<int> next{0};
  std::atomic<bool> failed{false};
  auto work = [&] {
    while (!failed.load(std::memory_order_relaxed)) {
      const int i = next.fetch_add(1, std::memory_order_relaxed);
      if (i >= count) return;
      absl::StatusOr<ClipPtr> clip =
          LoadPrompt(*manifest, wanted[i], dir, output_rate);
      if (clip.ok()) {
        clips[i] = *std::move(clip);
      } else {
        errors[i] = clip.status();
        failed.store(true, std::memory_order_relaxed);
      }
    }
  };
  std::vector<std::thread> helpers;
  for (int t = 1; t < kDecodeThreads && t < count; ++t)
    helpers.emplace_back(work);
  work();
  for (std::thread& helper : helpers) helper.join();
  for (const absl::Status& error : errors)
    if (!error.ok()) return error;

  VoicePackAudio pack;
  pack.pack_id_ = manifest->message.id();
  pack.sample_rate_ = output_rate;
  pack.prompts_.reserve(count);
  for (int i = 0; i < count; ++i) {
    const auto& prompt = manifest->message.prompts(wanted[i]);
    pack.bytes_ +=
        static_cast<int64_t>(clips[i]->samples.size() * sizeof(float));
    pack.prompts_[prompt.key()] = {std::move(clips[i]),
                                   FromProtoDuration(prompt.duration())};
  }
  pack.load_time_ = absl::Now() - start;
  return pack;
}

}  // namespace yoga::client::audio
