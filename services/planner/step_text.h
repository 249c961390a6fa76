// The words a composed routine carries for the runner: its title ("20
// minutes for your hamstrings and hips") and each step's reason. A reason
// says why the pose is there (warm-up, main work on the focus areas it works,
// counterpose, finish), what it stands in for when an alternative replaced
// the pose asked for, and which side, set or round of its body height's
// sequence the step is; the first step of a class without a warm-up also
// says why there is none.
#ifndef YOGA_SERVICES_PLANNER_STEP_TEXT_H_
#define YOGA_SERVICES_PLANNER_STEP_TEXT_H_

#include <cstdint>
#include <set>
#include <string>

#include "absl/time/time.h"
#include "services/planner/composer_plan.h"
#include "yoga/type/v1/routine.pb.h"

namespace yoga::planner {

// The title of a class of `target` length for the `focus` areas.
std::string ClassTitle(absl::Duration target, const std::set<int>& focus);

// Said before the first step's reason on a class without a warm-up.
std::string NoWarmUpReason(absl::Duration target);

// The reason of one step of `entry` (an entry of InClassOrder(plan)): its
// `set` on `side`.
std::string StepReason(const ClassPlan& plan, const std::set<int>& focus,
                       const PlanEntry& entry, uint32_t set,
                       yoga::type::v1::Side side);

}  // namespace yoga::planner

#endif  // YOGA_SERVICES_PLANNER_STEP_TEXT_H_
