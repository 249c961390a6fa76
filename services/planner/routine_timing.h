// How long each step of a routine takes: the hold, from its count and unit,
// and the transition into it: the previous pose's exit, a rest, and this
// pose's entry as the session's timeline speaks them (step_relation.h; the
// session opens before the first step and closes after the last). The
// transition is a budget the timeline fits in with the default voice pack, so
// holds start where the planner put them and total_duration is what the
// session lasts. The planner times every routine with these rules, so
// presets, composed and custom routines agree.
#ifndef YOGA_SERVICES_PLANNER_ROUTINE_TIMING_H_
#define YOGA_SERVICES_PLANNER_ROUTINE_TIMING_H_

#include <string>

#include "absl/time/time.h"
#include "services/planner/planning_catalog.h"
#include "services/shared/breath_length.h"
#include "services/shared/step_relation.h"
#include "yoga/type/v1/routine.pb.h"

namespace yoga::planner {

// Time one hold takes: seconds as given; breaths times the breath; repetitions
// times breaths_per_repetition times the breath.
absl::Duration HoldDuration(const yoga::type::v1::HoldRange& range,
                            uint32_t count, absl::Duration breath);

// One step as timing sees it.
struct TimedStep {
  const yoga::catalog::v1::Pose* pose;
  const yoga::catalog::v1::Variation* variation;  // Null for the base pose.
  const CueTimes* cue_times;
  yoga::type::v1::Side side;
  uint32_t set = 1;
  absl::Duration breath = kDefaultBreath;
};

// Time from the end of `previous`'s hold (the session's opening, for null)
// into `step`'s hold.
absl::Duration TransitionDuration(const TimedStep* previous,
                                  const TimedStep& step);

// The last step's exit and the closing words, after the last hold: what
// total_duration adds to the steps' transitions and holds.
absl::Duration ClosingDuration(const PlanningCatalog& catalog,
                               const yoga::type::v1::Routine& routine);

// Fills every step's hold and transition, the routine's total_duration,
// breath_length and catalog_etag, then its id (a hash of everything else).
// The steps must name poses and variations of the catalog, hold counts set.
void TimeRoutine(const PlanningCatalog& catalog, absl::Duration breath,
                 yoga::type::v1::Routine& routine);

// Hash of a routine's content without its id: equal routines, equal ids.
std::string RoutineId(const yoga::type::v1::Routine& routine);

}  // namespace yoga::planner

#endif  // YOGA_SERVICES_PLANNER_ROUTINE_TIMING_H_
