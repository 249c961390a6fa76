#include "services/session/voice_pack.h"

#include <algorithm>
#include <filesystem>
#include <system_error>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "services/common/proto_time.h"
#include "services/common/text_proto_file.h"

namespace yoga::session {
namespace {

constexpr absl::Duration kPerWord = absl::Milliseconds(400);
constexpr absl::Duration kChime = absl::Milliseconds(1200);

absl::Status ManifestError(const TextProtoFile<v1::VoicePackManifest>& file,
                           const FieldPath& field, absl::string_view why) {
  return absl::InvalidArgumentError(
      absl::StrCat(file.path, ":", file.LineOf(field), ": ", why));
}

}  // namespace

absl::Duration EstimatedDuration(const Phrase& phrase) {
  if (absl::StartsWith(phrase.key, kChimeKeyPrefix)) return kChime;
  int64_t words = 0;
  bool in_word = false;
  for (char c : phrase.text) {
    const bool space = c == ' ';
    if (!space && !in_word) ++words;
    in_word = !space;
  }
  return std::max<int64_t>(words, 1) * kPerWord;
}

PromptDurations::PromptDurations(const v1::VoicePackManifest& manifest)
    : pack_id_(manifest.id()) {
  for (const auto& prompt : manifest.prompts())
    recorded_[prompt.key()] = FromProtoDuration(prompt.duration());
}

absl::Duration PromptDurations::Of(const Phrase& phrase) const {
  auto found = recorded_.find(phrase.key);
  return found != recorded_.end() ? found->second : EstimatedDuration(phrase);
}

absl::StatusOr<VoicePacks> LoadVoicePacks(const std::string& directory) {
  VoicePacks packs;
  std::error_code error;
  for (const auto& entry :
       std::filesystem::directory_iterator(directory, error)) {
    const std::filesystem::path manifest_path =
        entry.path() / "manifest.textproto";
    std::error_code not_there;
    if (!entry.is_directory(not_there) ||
        !std::filesystem::exists(manifest_path, not_there))
      continue;
    auto file =
        ReadTextProtoFile<v1::VoicePackManifest>(manifest_path.string());
    if (!file.ok()) return file.status();
    const std::string folder = entry.path().filename().string();
    if (file->message.id() != folder) {
      return ManifestError(
          *file, {{"id"}},
          absl::StrCat("id \"", file->message.id(),
                       "\" differs from its folder \"", folder, "\""));
    }
    absl::flat_hash_map<std::string, int> seen;
    for (int i = 0; i < file->message.prompts_size(); ++i) {
      const auto& prompt = file->message.prompts(i);
      if (prompt.key().empty())
        return ManifestError(*file, {{"prompts", i}, {"key"}}, "key is empty");
      if (auto [first, added] = seen.emplace(prompt.key(), i); !added) {
        return ManifestError(
            *file, {{"prompts", i}, {"key"}},
            absl::StrCat(
                "key \"", prompt.key(), "\" is listed twice (also at line ",
                file->LineOf({{"prompts", first->second}, {"key"}}), ")"));
      }
      if (FromProtoDuration(prompt.duration()) <= absl::ZeroDuration()) {
        return ManifestError(*file, {{"prompts", i}, {"duration"}},
                             absl::StrCat("prompt \"", prompt.key(),
                                          "\" needs a positive duration"));
      }
    }
    packs[folder] = std::make_shared<const PromptDurations>(file->message);
  }
  if (!packs.contains(kDefaultVoicePack))
    packs[kDefaultVoicePack] =
        std::make_shared<const PromptDurations>(kDefaultVoicePack);
  return packs;
}

}  // namespace yoga::session
