// Fuzzes the catalog (services/catalog/): the input is one pose file in text
// format. It is checked twice: in memory among the shipped poses (taking the
// place of the shipped file of the same name), so references between poses
// are resolved against real ones; and alone in a folder, through LoadCatalog
// as a server reads --catalog_dir.
// Invariants: a parse error is INVALID_ARGUMENT "path:line:column: what";
// every problem is "path:line: reason" with a line inside the file named; a
// catalog that validates builds a Catalog that finds every pose and passes
// ValidatePoses (the rules for a copy fetched from a catalog service), and
// its poses print and parse back unchanged; LoadCatalog agrees with parsing
// and validating the same file.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "google/protobuf/text_format.h"
#include "google/protobuf/util/message_differencer.h"
#include "services/catalog/catalog.h"
#include "services/catalog/catalog_loader.h"
#include "services/catalog/catalog_validation.h"
#include "services/catalog/pose_file.h"
#include "services/common/slug.h"
#include "tests/fuzz/fuzz_check.h"

namespace {

using yoga::catalog::PoseFile;
using yoga::fuzz::Check;

// The shipped catalog's files, parsed once; texts kept to count lines.
struct Shipped {
  std::vector<std::string> paths;
  std::map<std::string, std::string> texts;  // path -> text
};

const Shipped& ShippedFiles() {
  static const Shipped* const shipped = [] {
    auto* result = new Shipped;
    auto paths =
        yoga::ListTextProtoFiles(YOGA_SOURCE_DIR "/assets/catalog", "catalog");
    Check(paths.ok() && !paths->empty(), "the shipped catalog is there");
    for (const std::string& path : *paths) {
      auto text = yoga::ReadWholeFile(path);
      Check(text.ok(), "a shipped file reads", path);
      result->paths.push_back(std::filesystem::path(path).filename());
      result->texts[result->paths.back()] = *text;
    }
    return result;
  }();
  return *shipped;
}

int LineCount(absl::string_view text) {
  return 1 + static_cast<int>(std::count(text.begin(), text.end(), '\n'));
}

// "path:line: reason" (or "path:line:column: reason" when `columns`), the
// path one of `texts` and the line inside it.
void CheckLocated(absl::string_view problem,
                  const std::map<std::string, std::string>& texts,
                  bool columns) {
  const std::vector<absl::string_view> parts =
      absl::StrSplit(problem, absl::MaxSplits(':', columns ? 3 : 2));
  Check(parts.size() == (columns ? 4u : 3u), "a problem is located", problem);
  auto text = texts.find(std::string(parts[0]));
  Check(text != texts.end(), "a problem names a file checked", problem);
  int line = 0;
  Check(absl::SimpleAtoi(parts[1], &line) && line >= 1 &&
            line <= LineCount(text->second),
        "a problem names a line of its file", problem);
}

// The input alone in a folder, through the loader; its answer must be what
// parsing and validating the file says.
void CheckLoader(const std::string& text, const std::string& name,
                 const absl::StatusOr<PoseFile>& parsed) {
  const std::string folder = yoga::fuzz::ScratchFolder() + "/catalog";
  std::filesystem::remove_all(folder);
  std::filesystem::create_directories(folder);
  const std::string path = folder + "/" + name;
  {
    std::ofstream out(path, std::ios::binary);
    out << text;
  }
  absl::StatusOr<yoga::catalog::Catalog> loaded =
      yoga::catalog::LoadCatalog(folder);
  if (!parsed.ok()) {
    Check(absl::IsFailedPrecondition(loaded.status()),
          "the loader refuses a file that does not parse",
          loaded.status().ToString());
    return;
  }
  // The same file parsed under the loader's path.
  absl::StatusOr<PoseFile> here = yoga::catalog::ParsePoseText(path, text);
  std::vector<PoseFile> files;
  files.push_back(*std::move(here));
  const std::vector<std::string> problems =
      yoga::catalog::ValidateCatalog(files);
  if (problems.empty()) {
    Check(loaded.ok() && loaded->poses().size() == 1,
          "the loader takes a file that validates", loaded.status().ToString());
  } else {
    Check(!loaded.ok() &&
              loaded.status().message() == absl::StrJoin(problems, "\n"),
          "the loader refuses with every problem of the file",
          loaded.status().ToString());
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const Shipped& shipped = ShippedFiles();
  const std::string text(reinterpret_cast<const char*>(data), size);

  // Named after the pose it says it is, so that it replaces that shipped file.
  std::string name = "fuzzed.textproto";
  {
    yoga::catalog::v1::Pose peek;
    google::protobuf::TextFormat::Parser lenient;
    lenient.AllowPartialMessage(true);
    if (lenient.ParseFromString(text, &peek) && yoga::IsSlug(peek.id()))
      name = peek.id() + ".textproto";
  }
  std::map<std::string, std::string> texts = shipped.texts;
  texts[name] = text;

  absl::StatusOr<PoseFile> parsed = yoga::catalog::ParsePoseText(name, text);
  CheckLoader(text, name, parsed);
  if (!parsed.ok()) {
    Check(absl::IsInvalidArgument(parsed.status()),
          "a parse error is INVALID_ARGUMENT", parsed.status().ToString());
    for (absl::string_view problem :
         absl::StrSplit(parsed.status().message(), '\n')) {
      CheckLocated(problem, texts, /*columns=*/true);
    }
    return 0;
  }

  std::vector<PoseFile> files;
  for (const std::string& path : shipped.paths) {
    if (path == name) continue;
    auto file = yoga::catalog::ParsePoseText(path, shipped.texts.at(path));
    Check(file.ok(), "a shipped file parses", path);
    files.push_back(*std::move(file));
  }
  files.push_back(*std::move(parsed));
  const std::vector<std::string> problems =
      yoga::catalog::ValidateCatalog(files);
  for (const std::string& problem : problems)
    CheckLocated(problem, texts, /*columns=*/false);
  if (!problems.empty()) return 0;

  std::vector<yoga::catalog::v1::Pose> poses;
  for (const PoseFile& file : files) poses.push_back(file.message);
  const yoga::catalog::Catalog catalog(poses);
  Check(!catalog.etag().empty(), "a catalog has an etag");
  for (const auto& pose : poses) {
    Check(catalog.FindPose(pose.id()) != nullptr, "every pose is found",
          pose.id());
    for (const auto& variation : pose.variations()) {
      const auto* owner = catalog.FindPoseOfVariation(variation.id());
      Check(owner != nullptr && owner->id() == pose.id(),
            "every variation is found under its pose", variation.id());
    }
  }
  const std::vector<std::string> again =
      yoga::catalog::ValidatePoses(catalog.poses());
  Check(again.empty(), "a validated catalog passes ValidatePoses",
        absl::StrJoin(again, "\n"));
  const auto& pose = files.back().message;
  std::string printed;
  google::protobuf::TextFormat::PrintToString(pose, &printed);
  auto reparsed = yoga::catalog::ParsePoseText(name, printed);
  Check(reparsed.ok() && google::protobuf::util::MessageDifferencer::Equals(
                             reparsed->message, pose),
        "a valid pose prints and parses back unchanged", printed);
  return 0;
}
