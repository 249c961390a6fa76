// Fuzzes the voice-pack manifest (services/session/voice_pack.h): the input is
// written as <scratch>/default/manifest.textproto and read by LoadVoicePacks,
// as a server reads --voice_dir. Invariants: a manifest accepted gives the
// "default" pack with every prompt's own (positive) duration; one refused is
// INVALID_ARGUMENT naming "path:line:" with the line inside the file.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "google/protobuf/text_format.h"
#include "services/common/proto_time.h"
#include "services/session/voice_pack.h"
#include "tests/fuzz/fuzz_check.h"

namespace {

using yoga::fuzz::Check;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  const std::string folder = yoga::fuzz::ScratchFolder() + "/voice";
  const std::string path = folder + "/default/manifest.textproto";
  {
    std::filesystem::create_directories(folder + "/default");
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << text;
  }
  absl::StatusOr<yoga::session::VoicePacks> packs =
      yoga::session::LoadVoicePacks(folder);
  if (!packs.ok()) {
    Check(absl::IsInvalidArgument(packs.status()),
          "a refused manifest is INVALID_ARGUMENT", packs.status().ToString());
    const absl::string_view message = packs.status().message();
    Check(absl::StartsWith(message, path + ":"), "a refusal names the file",
          message);
    const std::vector<absl::string_view> location = absl::StrSplit(
        message.substr(path.size() + 1), absl::MaxSplits(':', 1));
    int line = 0;
    Check(location.size() == 2 && absl::SimpleAtoi(location[0], &line) &&
              line >= 1 &&
              line <= 1 + static_cast<int>(
                              std::count(text.begin(), text.end(), '\n')),
          "a refusal names a line of the file", message);
    return 0;
  }
  Check(packs->size() == 1 && packs->contains("default"),
        "the one folder gives the default pack");
  const yoga::session::PromptDurations& durations = *packs->at("default");
  Check(durations.pack_id() == "default", "the pack keeps its id");
  yoga::session::v1::VoicePackManifest manifest;
  Check(google::protobuf::TextFormat::ParseFromString(text, &manifest),
        "a manifest accepted parses as text format");
  for (const auto& prompt : manifest.prompts()) {
    const absl::Duration duration =
        durations.Of({.key = prompt.key(), .text = prompt.text()});
    Check(duration > absl::ZeroDuration(), "every duration is positive",
          prompt.key());
    Check(duration == yoga::FromProtoDuration(prompt.duration()),
          "every prompt has its own duration", prompt.key());
  }
  return 0;
}
