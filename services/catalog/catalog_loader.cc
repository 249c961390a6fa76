#include "services/catalog/catalog_loader.h"

#include <algorithm>
#include <filesystem>
#include <system_error>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "services/catalog/catalog_validation.h"
#include "services/catalog/pose_file.h"

namespace yoga::catalog {

absl::StatusOr<Catalog> LoadCatalog(const std::string& directory) {
  absl::StatusOr<std::vector<std::string>> paths =
      ListTextProtoFiles(directory, "catalog");
  if (!paths.ok()) return paths.status();
  if (paths->empty()) {
    return absl::NotFoundError(
        absl::StrCat(directory, ": no *.textproto pose files"));
  }

  std::vector<std::string> problems;
  std::vector<PoseFile> files;
  for (const std::string& path : *paths) {
    absl::StatusOr<PoseFile> file = ParsePoseFile(path);
    if (file.ok()) {
      files.push_back(*std::move(file));
    } else {
      problems.emplace_back(file.status().message());
    }
  }
  // Cross-file checks wait until every file parses: a pose missing for a typo
  // would otherwise show up as a false "unknown pose id" everywhere it is
  // named.
  if (problems.empty()) problems = ValidateCatalog(files);
  if (!problems.empty()) {
    return absl::FailedPreconditionError(absl::StrJoin(problems, "\n"));
  }
  std::vector<yoga::catalog::v1::Pose> poses;
  poses.reserve(files.size());
  for (PoseFile& file : files) poses.push_back(std::move(file.message));
  return Catalog(std::move(poses));
}

}  // namespace yoga::catalog
