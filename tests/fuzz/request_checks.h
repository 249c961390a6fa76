// What every answer of a request fuzz target must be, whatever the request:
// OK, or a status a client can act on. INVALID_ARGUMENT carries a BadRequest
// naming each bad field; no status message is unbounded (a request may be
// megabytes; nothing of it is echoed whole); no code says the server broke.
#ifndef YOGA_TESTS_FUZZ_REQUEST_CHECKS_H_
#define YOGA_TESTS_FUZZ_REQUEST_CHECKS_H_

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "services/common/errors.h"
#include "tests/fuzz/fuzz_check.h"

namespace yoga::fuzz {

// Longest status message any answer may carry: well under gRPC's 8 KiB of
// trailers, which also hold the details.
inline constexpr size_t kMaxStatusMessage = 2048;

// `echo_allowed`: bytes of the request a known, not yet fixed, refusal
// repeats whole (0 for none).
inline void CheckAnswer(const absl::Status& status, absl::string_view method,
                        size_t echo_allowed = 0) {
  if (status.ok()) return;
  const std::string where = absl::StrCat(method, ": ", status.ToString());
  Check(status.message().size() <= kMaxStatusMessage + echo_allowed,
        "a status message is bounded",
        absl::StrCat(method, ": ", status.message().size(),
                     " bytes: ", status.message().substr(0, 300)));
  Check(!absl::IsInternal(status) && !absl::IsUnknown(status) &&
            !absl::IsDataLoss(status) && !absl::IsUnimplemented(status),
        "no answer says the server broke", where);
  if (absl::IsInvalidArgument(status)) {
    auto bad = BadRequestOf(status);
    Check(bad.has_value() && bad->field_violations_size() > 0,
          "INVALID_ARGUMENT names its bad fields", where);
    for (const auto& violation : bad->field_violations()) {
      Check(!violation.field().empty() && !violation.description().empty(),
            "every violation has a field and a description", where);
    }
  }
}

}  // namespace yoga::fuzz

#endif  // YOGA_TESTS_FUZZ_REQUEST_CHECKS_H_
