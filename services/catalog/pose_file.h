// One catalog file: a yoga.catalog.v1.Pose in protobuf text format, parsed with
// the line of every field kept so that later checks can point at the line.
#ifndef YOGA_SERVICES_CATALOG_POSE_FILE_H_
#define YOGA_SERVICES_CATALOG_POSE_FILE_H_

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/text_format.h"
#include "yoga/catalog/v1/pose.pb.h"

namespace yoga::catalog {

// A step in a path to a field: the field name and, for repeated fields, the
// index.
struct FieldStep {
  absl::string_view field;
  int index = -1;
};
using FieldPath = std::vector<FieldStep>;

struct PoseFile {
  std::string path;
  yoga::catalog::v1::Pose pose;
  std::unique_ptr<google::protobuf::TextFormat::ParseInfoTree> locations;

  // 1-based line of the field at `path` ({{"variations", 2}, {"setup_cues",
  // 0}}). When the field is absent, the line of the nearest present parent; 1
  // at worst.
  int LineOf(const FieldPath& path) const;
};

// Reads and parses `path`. A syntax error, an unknown field or an unknown enum
// value is INVALID_ARGUMENT "path:line:column: what".
absl::StatusOr<PoseFile> ParsePoseFile(const std::string& path);

// Parses text already in memory; `path` is used in messages only.
absl::StatusOr<PoseFile> ParsePoseText(const std::string& path,
                                       absl::string_view text);

}  // namespace yoga::catalog

#endif  // YOGA_SERVICES_CATALOG_POSE_FILE_H_
