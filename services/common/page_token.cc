#include "services/common/page_token.h"

#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "services/common/content_hash.h"

namespace yoga {
namespace {

// Hex digits of the check over scope and position: a token cut short or
// mistyped is refused rather than read as another position.
constexpr size_t kCheckLength = 8;

std::string Check(absl::string_view scope, absl::string_view position) {
  return ContentHash(absl::StrCat(scope, ":", position))
      .substr(0, kCheckLength);
}

}  // namespace

std::string MakePageToken(absl::string_view scope, absl::string_view position) {
  return absl::WebSafeBase64Escape(
      absl::StrCat(scope, ":", Check(scope, position), ":", position));
}

std::optional<std::string> ReadPageToken(absl::string_view token,
                                         absl::string_view scope,
                                         absl::string_view other_scope_reason,
                                         FieldViolations& violations) {
  if (token.empty()) return std::nullopt;
  std::string decoded;
  std::vector<absl::string_view> parts;
  if (absl::WebSafeBase64Unescape(token, &decoded))
    parts = absl::StrSplit(decoded, absl::MaxSplits(':', 2));
  if (parts.size() != 3 || parts[2].empty() ||
      parts[1] != Check(parts[0], parts[2])) {
    violations.Add("page_token", "is not a token this server made");
    return std::nullopt;
  }
  if (parts[0] != scope) {
    violations.Add("page_token", std::string(other_scope_reason));
    return std::nullopt;
  }
  return std::string(parts[2]);
}

}  // namespace yoga
