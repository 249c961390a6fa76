// One catalog file: a yoga.catalog.v1.Pose in protobuf text format, parsed with
// the line of every field kept so that later checks can point at the line.
#ifndef YOGA_SERVICES_CATALOG_POSE_FILE_H_
#define YOGA_SERVICES_CATALOG_POSE_FILE_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "services/common/text_proto_file.h"
#include "yoga/catalog/v1/pose.pb.h"

namespace yoga::catalog {

using PoseFile = TextProtoFile<yoga::catalog::v1::Pose>;

// Reads and parses `path`. A syntax error, an unknown field or an unknown enum
// value is INVALID_ARGUMENT "path:line:column: what".
inline absl::StatusOr<PoseFile> ParsePoseFile(const std::string& path) {
  return ReadTextProtoFile<yoga::catalog::v1::Pose>(path);
}

// Parses text already in memory; `path` is used in messages only.
inline absl::StatusOr<PoseFile> ParsePoseText(const std::string& path,
                                              absl::string_view text) {
  return ParseTextProtoFile<yoga::catalog::v1::Pose>(path, text);
}

}  // namespace yoga::catalog

#endif  // YOGA_SERVICES_CATALOG_POSE_FILE_H_
