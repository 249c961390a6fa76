// The order a planned class is done in (composer_plan.h), as a teacher moves
// it: the warm-up; main work from the highest body position to the lowest
// (class_order.h), at each height flows first, then stretches, then
// backbends and strength holds, the easier first; each height's sequence done
// as many rounds as the plan says, its repeats led by the warm-up flow when
// it stands at that height; the finish. A neutralising pose follows every
// backbend or strength hold unless the next pose already neutralises it.
// Every set of a sided pose is done on the right, then on the left.
#ifndef YOGA_SERVICES_PLANNER_COMPOSER_ORDER_H_
#define YOGA_SERVICES_PLANNER_COMPOSER_ORDER_H_

#include <cstdint>
#include <vector>

#include "absl/functional/function_ref.h"
#include "services/planner/composer_plan.h"
#include "services/planner/pose_candidates.h"
#include "yoga/type/v1/routine.pb.h"

namespace yoga::planner {

// The whole plan in the order it is done: each entry a copy of the planned
// one (`source` its index) with its role and round, and the counterposes,
// taken from `neutralisers` (Candidates::neutralisers), added.
std::vector<PlanEntry> InClassOrder(const ClassPlan& plan,
                                    const std::vector<Version>& neutralisers);

// Calls `visit(entry, set, side)` for every step of `ordered`.
void ForEachSetAndSide(
    const std::vector<PlanEntry>& ordered,
    absl::FunctionRef<void(const PlanEntry&, uint32_t, yoga::type::v1::Side)>
        visit);

}  // namespace yoga::planner

#endif  // YOGA_SERVICES_PLANNER_COMPOSER_ORDER_H_
