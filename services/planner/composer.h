// Composes a routine from a runner's constraints, the way a teacher would:
// a warm-up flow, main work grouped by body position, a restorative finish;
// both sides of every sided pose with the same hold; a neutralising pose after
// every backbend or strength hold; exclusions, conditions, props, floor and
// level always respected; holds moved within each pose's range (and extra sets
// or poses added) until the routine lasts the target within +-5% or +-20 s,
// whichever is larger.
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

// The allowed distance from the target: 5% of it or 20 s, whichever is larger.
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
