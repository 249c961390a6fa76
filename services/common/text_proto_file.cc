#include "services/common/text_proto_file.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/io/tokenizer.h"

namespace yoga {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::TextFormat;

// Keeps every parse error with its position (the parser stops at the first).
class ErrorList : public google::protobuf::io::ErrorCollector {
 public:
  ErrorList(const std::string& path, absl::string_view text)
      : path_(path), text_(text) {}
  void AddError(int line, int column, const std::string& message) override {
    // The parser reports an unknown enum value at the token after it, which is
    // often the next line; point at the line that holds the value instead.
    static constexpr absl::string_view kEnumError =
        "Unknown enumeration value of \"";
    if (absl::StartsWith(message, kEnumError)) {
      absl::string_view value =
          absl::string_view(message).substr(kEnumError.size());
      value = value.substr(0, value.find('"'));
      const std::vector<absl::string_view> lines = absl::StrSplit(text_, '\n');
      for (int i = std::min<int>(line, static_cast<int>(lines.size()) - 1);
           i >= 0; --i) {
        const size_t at = lines[i].find(value);
        if (at != absl::string_view::npos) {
          line = i;
          column = static_cast<int>(at);
          break;
        }
      }
    }
    errors_.push_back(
        absl::StrCat(path_, ":", line + 1, ":", column + 1, ": ", message));
  }
  void AddWarning(int line, int column, const std::string& message) override {
    AddError(line, column, message);
  }
  std::string Joined() const { return absl::StrJoin(errors_, "\n"); }

 private:
  const std::string& path_;
  absl::string_view text_;
  std::vector<std::string> errors_;
};

}  // namespace

int LineOfField(const TextFormat::ParseInfoTree* locations,
                const Descriptor* descriptor, const FieldPath& field_path) {
  const TextFormat::ParseInfoTree* tree = locations;
  int line = 0;
  for (const FieldStep& step : field_path) {
    if (tree == nullptr || descriptor == nullptr) break;
    const FieldDescriptor* field =
        descriptor->FindFieldByName(std::string(step.field));
    if (field == nullptr) break;
    const int index = field->is_repeated() ? std::max(step.index, 0) : -1;
    const TextFormat::ParseLocation location = tree->GetLocation(field, index);
    if (location.line < 0) break;
    line = location.line;
    if (field->type() != FieldDescriptor::TYPE_MESSAGE) break;
    tree = tree->GetTreeForNested(field, index);
    descriptor = field->message_type();
  }
  return line + 1;
}

absl::Status ParseTextProto(const std::string& path, absl::string_view text,
                            google::protobuf::Message* message,
                            TextFormat::ParseInfoTree* locations) {
  ErrorList errors(path, text);
  TextFormat::Parser parser;
  parser.RecordErrorsTo(&errors);
  parser.WriteLocationsTo(locations);
  if (!parser.ParseFromString(std::string(text), message)) {
    return absl::InvalidArgumentError(errors.Joined());
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<std::string>> ListTextProtoFiles(
    const std::string& directory, absl::string_view what) {
  std::error_code error;
  std::vector<std::string> paths;
  for (const auto& entry :
       std::filesystem::directory_iterator(directory, error)) {
    if (entry.is_regular_file() && entry.path().extension() == ".textproto") {
      paths.push_back(entry.path().string());
    }
  }
  if (error) {
    return absl::NotFoundError(absl::StrCat(directory, ": cannot read the ",
                                            what, " folder (", error.message(),
                                            ")"));
  }
  std::sort(paths.begin(), paths.end());
  return paths;
}

absl::StatusOr<std::string> ReadWholeFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::NotFoundError(absl::StrCat(path, ":1: cannot open the file"));
  }
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace yoga
