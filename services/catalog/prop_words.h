// The words a cue uses for a prop ("a folded towel", "a block or cushion"),
// so the guide knows which cues set up a prop: it announces a helpful prop
// only when a cue uses it, and gives time to fetch and place one.
#ifndef YOGA_SERVICES_CATALOG_PROP_WORDS_H_
#define YOGA_SERVICES_CATALOG_PROP_WORDS_H_

#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/string_view.h"
#include "yoga/type/v1/practice.pb.h"

namespace yoga::catalog {

// Whether `text` names `prop` (a mat is not counted: it is always there).
inline bool NamesProp(absl::string_view text, yoga::type::v1::Prop prop) {
  const std::string lower = absl::AsciiStrToLower(text);
  switch (prop) {
    case yoga::type::v1::PROP_BLOCK:
      return absl::StrContains(lower, "block");
    case yoga::type::v1::PROP_BLANKET:
      return absl::StrContains(lower, "blanket");
    case yoga::type::v1::PROP_TOWEL:
      return absl::StrContains(lower, "towel");
    case yoga::type::v1::PROP_WALL:
      return absl::StrContains(lower, "wall");
    case yoga::type::v1::PROP_PILLOW:
      return absl::StrContains(lower, "cushion") ||
             absl::StrContains(lower, "pillow");
    default:
      return false;
  }
}

// Whether `text` names any prop but the mat.
inline bool NamesAProp(absl::string_view text) {
  for (int prop = yoga::type::v1::Prop_MIN; prop <= yoga::type::v1::Prop_MAX;
       ++prop) {
    if (NamesProp(text, static_cast<yoga::type::v1::Prop>(prop))) return true;
  }
  return false;
}

}  // namespace yoga::catalog

#endif  // YOGA_SERVICES_CATALOG_PROP_WORDS_H_
