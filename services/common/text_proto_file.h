// Files in protobuf text format (catalog poses, presets), parsed with the line
// of every field kept so that later checks can say "file:line: reason".
//
//   absl::StatusOr<TextProtoFile<Pose>> file = ReadTextProtoFile<Pose>(path);
//   file->LineOf({{"variations", 2}, {"setup_cues", 0}});
#ifndef YOGA_SERVICES_COMMON_TEXT_PROTO_FILE_H_
#define YOGA_SERVICES_COMMON_TEXT_PROTO_FILE_H_

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/message.h"
#include "google/protobuf/text_format.h"

namespace yoga {

// A step in a path to a field: the field name and, for repeated fields, the
// index.
struct FieldStep {
  absl::string_view field;
  int index = -1;
};
using FieldPath = std::vector<FieldStep>;

// 1-based line of the field at `path` below a message of type `descriptor`.
// When the field is absent, the line of the nearest present parent; 1 at worst.
int LineOfField(const google::protobuf::TextFormat::ParseInfoTree* locations,
                const google::protobuf::Descriptor* descriptor,
                const FieldPath& path);

// Parses `text` into `message`, recording field locations. A syntax error, an
// unknown field or an unknown enum value is INVALID_ARGUMENT
// "path:line:column: what"; `path` is used in messages only.
absl::Status ParseTextProto(
    const std::string& path, absl::string_view text,
    google::protobuf::Message* message,
    google::protobuf::TextFormat::ParseInfoTree* locations);

// Paths of the *.textproto files in `directory`, sorted. NOT_FOUND names the
// folder and says it cannot be read; `what` names it ("catalog", "presets").
absl::StatusOr<std::vector<std::string>> ListTextProtoFiles(
    const std::string& directory, absl::string_view what);

// The whole content of a file; NOT_FOUND "path:1: cannot open the file".
absl::StatusOr<std::string> ReadWholeFile(const std::string& path);

template <typename Message>
struct TextProtoFile {
  std::string path;
  Message message;
  std::unique_ptr<google::protobuf::TextFormat::ParseInfoTree> locations;

  int LineOf(const FieldPath& field_path) const {
    return LineOfField(locations.get(), message.GetDescriptor(), field_path);
  }
};

template <typename Message>
absl::StatusOr<TextProtoFile<Message>> ParseTextProtoFile(
    const std::string& path, absl::string_view text) {
  TextProtoFile<Message> file;
  file.path = path;
  file.locations =
      std::make_unique<google::protobuf::TextFormat::ParseInfoTree>();
  if (absl::Status status =
          ParseTextProto(path, text, &file.message, file.locations.get());
      !status.ok()) {
    return status;
  }
  return file;
}

template <typename Message>
absl::StatusOr<TextProtoFile<Message>> ReadTextProtoFile(
    const std::string& path) {
  absl::StatusOr<std::string> text = ReadWholeFile(path);
  if (!text.ok()) return text.status();
  return ParseTextProtoFile<Message>(path, *text);
}

}  // namespace yoga

#endif  // YOGA_SERVICES_COMMON_TEXT_PROTO_FILE_H_
