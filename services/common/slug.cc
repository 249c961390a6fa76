#include "services/common/slug.h"

#include "absl/strings/string_view.h"

namespace yoga {

bool IsSlug(absl::string_view text) {
  if (text.empty() || text.size() > kMaxSlugLength) return false;
  bool previous_dash = true;  // Forbids a leading dash.
  for (char c : text) {
    const bool dash = c == '-';
    if (!dash && !((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')))
      return false;
    if (dash && previous_dash) return false;
    previous_dash = dash;
  }
  return !previous_dash;  // Forbids a trailing dash.
}

}  // namespace yoga
