// Hold lengths a teacher would say, and choosing them so that a routine lasts
// its target.
//
// Spoken holds: a seconds hold is a multiple of 5 ("thirty seconds", never
// "47 seconds"); breaths and repetitions are whole numbers; every count stays
// within the pose's [min_count, max_count]. A seconds range that holds no
// multiple of 5 keeps its min_count, the catalog's own word.
//
// FitHolds knows nothing of transitions or order: the caller measures
// everything that is not a fitted hold with the real timing functions and
// passes the time left as the budget, so the fit stays right however those
// functions change.
#ifndef YOGA_SERVICES_PLANNER_HOLD_FIT_H_
#define YOGA_SERVICES_PLANNER_HOLD_FIT_H_

#include <cstdint>
#include <vector>

#include "absl/time/time.h"
#include "yoga/type/v1/routine.pb.h"

namespace yoga::planner {

inline constexpr uint32_t kSpokenSecondsStep = 5;

// Every count a teacher would say for this range, shortest first.
std::vector<uint32_t> SpokenCounts(const yoga::type::v1::HoldRange& range);

// The spoken count nearest `count` (the shorter one on a tie).
uint32_t NearestSpokenCount(const yoga::type::v1::HoldRange& range,
                            uint32_t count);

// One hold the fit may move: the same count is used by every step it times.
struct HoldToFit {
  const yoga::type::v1::HoldRange* range = nullptr;
  int64_t occurrences = 1;  // Steps held this long (sides x sets x rounds).
  uint32_t count = 0;       // In: where to start (0: the default). Out: fitted.
};

// The time the holds take together at their shortest or longest spoken counts.
absl::Duration HoldsAtLimit(const std::vector<HoldToFit>& holds,
                            absl::Duration breath, bool longest);

enum class HoldFit {
  kFitted,    // The holds add up to the budget within the tolerance.
  kTooLong,   // Longer than the budget allows, even at the shortest holds.
  kTooShort,  // Shorter than it needs, even at the longest holds.
};

// Moves every hold the same share of the way from its default towards its
// limit, then single spoken steps (each time the one that brings the total
// nearest the budget), until the holds add up to `budget` within `tolerance`.
// The counts are written back in every case.
HoldFit FitHolds(std::vector<HoldToFit>& holds, absl::Duration budget,
                 absl::Duration tolerance, absl::Duration breath);

}  // namespace yoga::planner

#endif  // YOGA_SERVICES_PLANNER_HOLD_FIT_H_
