#include "services/shared/breath_length.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "services/common/proto_time.h"

namespace yoga {

bool CheckBreathLength(const google::protobuf::Duration& breath,
                       absl::string_view field, FieldViolations& violations) {
  const absl::Duration length = FromProtoDuration(breath);
  if (length >= kMinBreath && length <= kMaxBreath) return true;
  violations.Add(std::string(field),
                 absl::StrCat("must be ", absl::FormatDuration(kMinBreath),
                              " to ", absl::FormatDuration(kMaxBreath),
                              ", not ", absl::FormatDuration(length)));
  return false;
}

}  // namespace yoga
