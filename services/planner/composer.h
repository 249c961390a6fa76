// Composes a routine from a runner's constraints, the way a teacher moves a
// class after a run:
//   - a warm-up flow, main work, a restful finish, in that order;
//   - from standing, down through kneeling and all fours, to seated and lying
//     (class_order.h), ending restorative: the warm-up is the highest flow
//     allowed, main work goes down from there, and the finish is a
//     restorative pose (child's pose: the class comes up onto its knees for
//     this last step, as seeds 000 and 001 end); when the runner's
//     constraints rule every restorative pose out, the finish is the gentlest
//     stretch at the lowest height the warm-up leads down to;
//   - both sides of every sided pose with the same hold; a neutralising pose
//     after every backbend or strength hold, at its own height, else the
//     restorative counterpose the catalog lists for it (child's pose after
//     Locust, Bow, Reverse Tabletop, Reverse Plank), after which the class
//     goes down again. These two rises into child's pose are the only times
//     the body height goes up;
//   - exclusions, conditions, props, floor, standing_only and level always
//     respected;
//   - holds a teacher says (hold_fit.h): seconds in 5-second steps, whole
//     breaths and repetitions, within each pose's range.
// It fills the target as a teacher would: more poses, holds moved within
// their range (more rounds of a flow), more sets, and where still short the
// sequence of one body height done again (led by the warm-up flow at its
// height), until the routine, timed by routine_timing.h, lasts the target
// within DurationTolerance. Main poses are chosen, best scored first, while
// the class with default holds, timed as the session speaks it, fits the
// target, so a short class has fewer poses.
//
// A short class is made to fit as a teacher would: the warm-up is the
// highest flow allowed whose default rounds and spoken entry (at FULL a
// flow is first walked through slowly: about 90 s for the full sun
// salutation, 45 s for the half) take at most a quarter of the target, else
// the shortest of that height (the half sun salutation); when even the
// shortest class with it (one main pose, every hold at its shortest) is too
// long, a lower, gentler flow (cat-cow); fewer poses, holds down to the low
// end of their ranges. Only when no warm-up leaves room for one main pose and
// the finish, and the target is under 7 minutes, the class goes straight into
// its main work; its first step's reason says so.
//
// It refuses (FAILED_PRECONDITION, naming the field) only when the runner's
// own constraints leave too little: no warm-up, main pose or finish, or too
// few poses to repeat as a sequence; or, on target_duration, a target shorter
// than the shortest class (about 3.5 minutes with the shipped catalog: one
// pose and child's pose).
//
// Composition is a pure function of (constraints, catalog): the same inputs and
// seed give the same routine, byte for byte.
#ifndef YOGA_SERVICES_PLANNER_COMPOSER_H_
#define YOGA_SERVICES_PLANNER_COMPOSER_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/catalog/catalog.h"
#include "services/common/errors.h"
#include "services/planner/planning_catalog.h"
#include "yoga/planner/v1/planner_service.pb.h"
#include "yoga/type/v1/routine.pb.h"

namespace yoga::planner {

inline constexpr absl::Duration kMinTarget = absl::Minutes(2);
inline constexpr absl::Duration kMaxTarget = absl::Minutes(60);
inline constexpr int kMaxListSize = 64;

// The allowed distance from the target: 5% of it or 20 s, whichever is larger
// (holds move in 5-second steps or whole breaths, and one step of a sided pose
// done in two sets is already 20 s).
absl::Duration DurationTolerance(absl::Duration target);

// Adds a violation for every bad field, each named "<prefix>.<field>".
void CheckConstraints(const catalog::Catalog& catalog,
                      const yoga::planner::v1::Constraints& constraints,
                      const std::string& prefix, FieldViolations& violations);

// INVALID_ARGUMENT for bad fields (see CheckConstraints); FAILED_PRECONDITION
// naming the constraint that leaves no way to build the routine.
absl::StatusOr<yoga::type::v1::Routine> ComposeRoutine(
    const PlanningCatalog& catalog,
    const yoga::planner::v1::Constraints& constraints);

}  // namespace yoga::planner

#endif  // YOGA_SERVICES_PLANNER_COMPOSER_H_
