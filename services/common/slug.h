// Resource ids are slugs: lower-case letters and digits in words joined by
// single dashes ("downward-facing-dog"), at most 64 characters.
#ifndef YOGA_SERVICES_COMMON_SLUG_H_
#define YOGA_SERVICES_COMMON_SLUG_H_

#include <cstddef>

#include "absl/strings/string_view.h"

namespace yoga {

inline constexpr size_t kMaxSlugLength = 64;

bool IsSlug(absl::string_view text);

}  // namespace yoga

#endif  // YOGA_SERVICES_COMMON_SLUG_H_
