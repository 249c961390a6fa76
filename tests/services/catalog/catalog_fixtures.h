// Small catalogs for tests, written as the text files the loader reads.
#ifndef YOGA_TESTS_SERVICES_CATALOG_CATALOG_FIXTURES_H_
#define YOGA_TESTS_SERVICES_CATALOG_CATALOG_FIXTURES_H_

#include <string>

#include "absl/strings/str_replace.h"

namespace yoga::catalog::testing {

// A valid pose: one field per line so tests can name lines. Line numbers:
//  1 id, 2 name, 3 position, 4 kind, 5 level, 6 stretches, 7 spinal_actions,
//  8 hold, 9 setup_cues, 10 sources.
inline constexpr char kAlpha[] =
    R"(id: "alpha"
name: "Alpha"
position: BODY_POSITION_STANDING
kind: POSE_KIND_STATIC_STRETCH
level: LEVEL_BEGINNER
stretches: BODY_AREA_HAMSTRINGS
spinal_actions: SPINAL_ACTION_NEUTRAL
hold { unit: HOLD_UNIT_SECONDS default_count: 30 min_count: 20 max_count: 60 }
setup_cues { key: "alpha.setup.stand" text: "Stand tall." }
sources: "000_03556a3cf9a37679.txt"
)";

// A second valid pose, sided, lying on the floor, with a variation.
inline constexpr char kBeta[] =
    R"(id: "beta"
name: "Beta"
position: BODY_POSITION_SUPINE
kind: POSE_KIND_STATIC_STRETCH
level: LEVEL_INTERMEDIATE
stretches: BODY_AREA_LOWER_BACK
spinal_actions: SPINAL_ACTION_TWIST
sided: true
needs_floor: true
hold { unit: HOLD_UNIT_BREATHS default_count: 5 min_count: 5 max_count: 8 }
setup_cues { key: "beta.setup.lie-down" text: "Lie on your back." }
setup_cues { key: "beta.setup.knees-right" text: "Drop your knees to the right." side: SIDE_RIGHT }
setup_cues { key: "beta.setup.knees-left" text: "Drop your knees to the left." side: SIDE_LEFT }
variations {
  id: "beta-legs-long"
  name: "Beta, legs long"
  level: LEVEL_ADVANCED
  setup_cues { key: "beta.setup.lie-down" text: "Lie on your back." }
}
props { prop: PROP_BLANKET required: true }
sources: "002_b4cf0d0d4e0d6fcf.txt"
)";

inline std::string Replace(const std::string& text, const std::string& from,
                           const std::string& to) {
  return absl::StrReplaceAll(text, {{from, to}});
}

}  // namespace yoga::catalog::testing

#endif  // YOGA_TESTS_SERVICES_CATALOG_CATALOG_FIXTURES_H_
