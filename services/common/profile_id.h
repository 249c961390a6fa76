// Profile ids name whose practice a session is: 1 to 128 of
// A-Z a-z 0-9 . _ @ + -, so that a partner's own user ids fit. One rule for
// the server, which checks them, and the client, which picks a default.
#ifndef YOGA_SERVICES_COMMON_PROFILE_ID_H_
#define YOGA_SERVICES_COMMON_PROFILE_ID_H_

#include <algorithm>
#include <cstddef>

#include "absl/strings/string_view.h"

namespace yoga {

inline constexpr size_t kMaxProfileIdLength = 128;

inline bool IsProfileIdChar(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
         (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '@' ||
         c == '+' || c == '-';
}

inline bool IsProfileId(absl::string_view id) {
  return !id.empty() && id.size() <= kMaxProfileIdLength &&
         std::all_of(id.begin(), id.end(), IsProfileIdChar);
}

}  // namespace yoga

#endif  // YOGA_SERVICES_COMMON_PROFILE_ID_H_
