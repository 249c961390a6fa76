// What the composer says when the runner's constraints leave no class to
// compose (composer.h): FAILED_PRECONDITION on the constraint field to
// change. When a part of the class has no pose left, that is the field that
// rules out the most poses for it, with what each field rules out and the
// poses that are left; when the class cannot last the target, it is
// target_duration, with the lengths the poses left can reach.
#ifndef YOGA_SERVICES_PLANNER_COMPOSER_REFUSALS_H_
#define YOGA_SERVICES_PLANNER_COMPOSER_REFUSALS_H_

#include <map>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "services/planner/composer_plan.h"

namespace yoga::planner {

// `what` is missing, on the field that rules out the most poses (on
// target_duration when none does); `blocks` is a Candidates::*_blocks.
absl::Status RuledOut(absl::string_view what,
                      const std::map<std::string, int>& blocks);

// No main pose is left between the plan's warm-up and finish.
absl::Status NoMainPose(const ClassRequest& request, const ClassPlan& plan);

// The plan falls short of the target even when it lasts `longest`, every
// hold and set at its limit; `repeatable`: some body height has a sequence
// to repeat (which would then overshoot).
absl::Status TooLittleLeft(const ClassRequest& request, const ClassPlan& plan,
                           absl::Duration longest, bool repeatable);

// The target is shorter than the shortest class with a warm-up and, when
// one was tried (else infinite), the shortest without.
absl::Status TooShort(absl::Duration target, absl::Duration shortest,
                      absl::Duration shortest_without);

// No mix of holds, sets and poses came within the tolerance of the target.
absl::Status NoMixFits(absl::Duration target, absl::Duration tolerance);

}  // namespace yoga::planner

#endif  // YOGA_SERVICES_PLANNER_COMPOSER_REFUSALS_H_
