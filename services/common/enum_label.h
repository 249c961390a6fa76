// Enum values as people read them: BODY_POSITION_TABLETOP -> "tabletop",
// BODY_AREA_LOWER_BACK -> "lower back" (or "lower-back" on a command line).
// The prefix dropped is the enum type's name in UPPER_SNAKE_CASE plus "_", as
// Google's API style writes every enum.
#ifndef YOGA_SERVICES_COMMON_ENUM_LABEL_H_
#define YOGA_SERVICES_COMMON_ENUM_LABEL_H_

#include <string>

#include "google/protobuf/descriptor.h"
#include "google/protobuf/generated_enum_reflection.h"

namespace yoga {

// The label of `value`; its number as text when the type has no such value.
std::string EnumLabel(const google::protobuf::EnumDescriptor& type, int value,
                      char separator = ' ');

template <typename Enum>
std::string EnumLabel(int value, char separator = ' ') {
  return EnumLabel(*google::protobuf::GetEnumDescriptor<Enum>(), value,
                   separator);
}

}  // namespace yoga

#endif  // YOGA_SERVICES_COMMON_ENUM_LABEL_H_
