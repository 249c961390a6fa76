// Choosing the poses of a class from those the runner's constraints allow
// (pose_candidates.h), as a teacher would after a run: the warm-up flow to
// lead with, highest first, and the shorter one when a long one would take
// too much of a short class; a restorative finish, else the gentlest stretch
// at the lowest height; and main poses between the two heights, best scored
// first, as many as fit the target at their default holds.
#ifndef YOGA_SERVICES_PLANNER_COMPOSER_SELECTION_H_
#define YOGA_SERVICES_PLANNER_COMPOSER_SELECTION_H_

#include <vector>

#include "absl/status/statusor.h"
#include "services/planner/composer_length.h"
#include "services/planner/composer_plan.h"
#include "services/planner/pose_candidates.h"

namespace yoga::planner {

// The warm-ups a teacher would lead with, best first: the highest (a class
// after a run starts on its feet), then lower, gentler ones; within one
// height those whose default rounds and spoken entry take at most a quarter
// of the target, best scored first, then the rest, shortest first.
std::vector<Version> WarmUpOptions(const ClassRequest& request,
                                   const PlanLength& length);

// A plan with `warm_up` (none: main work first) and a finish, no main work
// yet, and its pool of main candidates; FAILED_PRECONDITION
// (composer_refusals.h) when no finish or no main pose is left.
absl::StatusOr<ClassPlan> StartPlan(const ClassRequest& request,
                                    const Version* warm_up);

// Adds main poses from the pool, best first, while the class with every hold
// at its default, timed as the session speaks it, still fits the target: a
// short class gets fewer poses rather than every pose at its shortest. Always
// at least one.
void ChooseMainPoses(const ClassRequest& request, const PlanLength& length,
                     ClassPlan& plan);

}  // namespace yoga::planner

#endif  // YOGA_SERVICES_PLANNER_COMPOSER_SELECTION_H_
