#include "client/cli/practice_profile.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <optional>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/time/time.h"
#include "services/common/profile_id.h"

namespace yoga::client {
namespace {

// The zone name in a path into a zoneinfo folder, or `name` itself.
std::string WithoutZoneinfoFolder(absl::string_view name) {
  constexpr absl::string_view kFolder = "zoneinfo/";
  const size_t at = name.rfind(kFolder);
  if (at != absl::string_view::npos) name.remove_prefix(at + kFolder.size());
  return std::string(name);
}

// `candidate` when it is a zone name (no path, no "localtime") that loads.
std::optional<std::string> LoadableZoneName(absl::string_view candidate) {
  const std::string name =
      WithoutZoneinfoFolder(absl::StripAsciiWhitespace(candidate));
  absl::TimeZone zone;
  if (name.empty() || name.front() == '/' || name == "localtime" ||
      absl::StrContains(name, "..") || !absl::LoadTimeZone(name, &zone)) {
    return std::nullopt;
  }
  return name;
}

}  // namespace

std::string DefaultProfileId(const char* user) {
  if (user != nullptr && IsProfileId(user)) return user;
  return kFallbackProfileId;
}

std::string LocalTimeZoneName(const TimeZoneSources& sources) {
  if (sources.tz != nullptr) {
    absl::string_view tz = sources.tz;
    if (absl::StartsWith(tz, ":")) tz.remove_prefix(1);
    if (auto name = LoadableZoneName(tz)) return *name;
  }
  std::ifstream file(sources.timezone_file);
  if (std::string line; std::getline(file, line)) {
    if (auto name = LoadableZoneName(line)) return *name;
  }
  std::error_code error;
  const std::filesystem::path target =
      std::filesystem::read_symlink(sources.localtime_link, error);
  if (!error) {
    if (auto name = LoadableZoneName(target.string())) return *name;
  }
  return "UTC";
}

}  // namespace yoga::client
