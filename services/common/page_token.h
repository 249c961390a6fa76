// Opaque page tokens of the List methods: base64url of "SCOPE:CHECK:POSITION".
// SCOPE is a content hash of what the listing was asked for (its filters, a
// profile), so a token replayed against another listing is refused rather
// than read as a position in it; POSITION says where the next page starts,
// in the caller's own words (a pose id, a time and a session id); CHECK, a
// hash of both, refuses a token cut short or mistyped.
#ifndef YOGA_SERVICES_COMMON_PAGE_TOKEN_H_
#define YOGA_SERVICES_COMMON_PAGE_TOKEN_H_

#include <optional>
#include <string>

#include "absl/strings/string_view.h"
#include "services/common/errors.h"

namespace yoga {

std::string MakePageToken(absl::string_view scope, absl::string_view position);

// The position in `token`, made by MakePageToken with `scope`. Otherwise adds
// a violation of "page_token" and returns nullopt: "is not a token this
// server made", or `other_scope_reason` when it was made for another scope.
// An empty token is no violation and reads as nullopt.
std::optional<std::string> ReadPageToken(absl::string_view token,
                                         absl::string_view scope,
                                         absl::string_view other_scope_reason,
                                         FieldViolations& violations);

}  // namespace yoga

#endif  // YOGA_SERVICES_COMMON_PAGE_TOKEN_H_
