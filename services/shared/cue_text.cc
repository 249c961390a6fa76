#include "services/shared/cue_text.h"

#include "absl/strings/str_format.h"
#include "services/common/enum_label.h"

namespace yoga {

std::string ClockText(int64_t ms) {
  const char* sign = ms < 0 ? "-" : "";
  if (ms < 0) ms = -ms;
  return absl::StrFormat("%s%02d:%02d.%03d", sign, ms / 60000, ms / 1000 % 60,
                         ms % 1000);
}

std::string CueLine(const yoga::session::v1::CueEvent& cue) {
  const std::string kind =
      EnumLabel<yoga::session::v1::CueKind>(cue.kind(), '-');
  if (cue.seq() == 0) {
    return absl::StrFormat("%s  %-13s (session time %s)",
                           ClockText(cue.offset_ms()), kind,
                           ClockText(cue.session_time_ms()));
  }
  return absl::StrFormat("%s  %-13s %s", ClockText(cue.offset_ms()), kind,
                         cue.text());
}

}  // namespace yoga
