#include "services/common/enum_label.h"

#include <algorithm>
#include <cctype>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace yoga {

std::string EnumLabel(const google::protobuf::EnumDescriptor& type, int value,
                      char separator) {
  const google::protobuf::EnumValueDescriptor* named =
      type.FindValueByNumber(value);
  if (named == nullptr) return absl::StrCat(value);
  std::string prefix;
  for (char c : type.name()) {
    if (std::isupper(static_cast<unsigned char>(c)) && !prefix.empty())
      prefix.push_back('_');
    prefix.push_back(
        static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
  }
  prefix.push_back('_');
  std::string label = named->name();
  if (label.rfind(prefix, 0) == 0) label = label.substr(prefix.size());
  std::replace(label.begin(), label.end(), '_', separator);
  return absl::AsciiStrToLower(label);
}

}  // namespace yoga
