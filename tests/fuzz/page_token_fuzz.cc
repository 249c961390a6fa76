// Fuzzes page tokens (services/common/page_token.h). The input is three
// NUL-separated parts: a scope, a position and a token a client sent.
// Invariants: a token made for a scope and a non-empty position reads back as
// that position under that scope and is refused under any other; a token read
// as a position is the token made for it (nothing else passes the check); a
// refusal is one "page_token" violation, never a crash.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "services/common/errors.h"
#include "services/common/page_token.h"
#include "tests/fuzz/fuzz_check.h"

namespace {

using yoga::fuzz::Check;

constexpr absl::string_view kOtherScope = "was made for another listing";

// The one violation a refused token gives, or "" when there is none.
std::string ViolationOf(const yoga::FieldViolations& violations) {
  if (violations.empty()) return "";
  const absl::Status status = violations.ToStatus();
  auto bad = yoga::BadRequestOf(status);
  Check(bad.has_value() && bad->field_violations_size() == 1,
        "a refused token is one field violation", status.ToString());
  Check(bad->field_violations(0).field() == "page_token",
        "the violation names page_token", status.ToString());
  return bad->field_violations(0).description();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view input(reinterpret_cast<const char*>(data), size);
  std::vector<absl::string_view> parts =
      absl::StrSplit(input, absl::MaxSplits('\0', 2));
  parts.resize(3);
  const absl::string_view scope = parts[0];
  const absl::string_view position = parts[1];
  const absl::string_view sent = parts[2];

  // A token this server made. Scopes are content hashes (hex digits), never
  // holding the ':' that separates the token's parts.
  if (!position.empty() && !absl::StrContains(scope, ':')) {
    const std::string token = yoga::MakePageToken(scope, position);
    yoga::FieldViolations violations;
    std::optional<std::string> read =
        yoga::ReadPageToken(token, scope, kOtherScope, violations);
    Check(read.has_value() && *read == position,
          "a token made for a position reads back as that position",
          ViolationOf(violations));
    const std::string other_scope = absl::StrCat(scope, "x");
    yoga::FieldViolations other;
    Check(!yoga::ReadPageToken(token, other_scope, kOtherScope, other),
          "a token made for one scope is refused under another");
    Check(ViolationOf(other) == kOtherScope,
          "a token of another scope says so");
  }

  // Whatever a client sends.
  yoga::FieldViolations violations;
  std::optional<std::string> read =
      yoga::ReadPageToken(sent, scope, kOtherScope, violations);
  if (read.has_value()) {
    Check(violations.empty(), "a token read has no violation");
    Check(!read->empty(), "a token read has a position");
    yoga::FieldViolations again;
    Check(yoga::ReadPageToken(yoga::MakePageToken(scope, *read), scope,
                              kOtherScope, again) == read,
          "the position of a token read makes a token that reads the same");
  } else if (sent.empty()) {
    Check(violations.empty(), "an empty token is no violation");
  } else {
    const std::string why = ViolationOf(violations);
    Check(why == kOtherScope || why == "is not a token this server made",
          "a refused token says why", why);
  }
  return 0;
}
