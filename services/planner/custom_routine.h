// A partner's own step list, checked against the catalog and the routine rules
// (routine_rules.h), then timed. Every problem is a field violation under
// "custom." so the partner can fix them all in one round trip.
#ifndef YOGA_SERVICES_PLANNER_CUSTOM_ROUTINE_H_
#define YOGA_SERVICES_PLANNER_CUSTOM_ROUTINE_H_

#include "absl/status/statusor.h"
#include "services/planner/planning_catalog.h"
#include "yoga/planner/v1/planner_service.pb.h"
#include "yoga/type/v1/routine.pb.h"

namespace yoga::planner {

inline constexpr int kMaxCustomSteps = 100;
inline constexpr size_t kMaxTitleLength = 200;

absl::StatusOr<yoga::type::v1::Routine> BuildCustomRoutine(
    const PlanningCatalog& planning,
    const yoga::planner::v1::CustomRoutine& custom);

}  // namespace yoga::planner

#endif  // YOGA_SERVICES_PLANNER_CUSTOM_ROUTINE_H_
