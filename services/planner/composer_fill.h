// Fits a planned class (composer_plan.h) to its target as a teacher would:
// holds moved within their ranges (hold_fit.h); where still short, another
// pose, another set, then the sequence of one body height done again; where
// still too long, fewer repeats, fewer sets, fewer poses, at last the single
// main pose that makes the shortest class. Each fit is checked against the
// routine as timed (composer_routine.h); when the two differ, the plan's
// measure is corrected (composer_length.h) and the plan fitted again.
#ifndef YOGA_SERVICES_PLANNER_COMPOSER_FILL_H_
#define YOGA_SERVICES_PLANNER_COMPOSER_FILL_H_

#include <utility>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/planner/composer_length.h"
#include "services/planner/composer_plan.h"
#include "yoga/type/v1/routine.pb.h"

namespace yoga::planner {

// One try at a class: the routine, or the refusal and whether it was for the
// length (`shortest`: the class at its shortest holds with the fewest poses).
struct FitOutcome {
  explicit FitOutcome(absl::StatusOr<yoga::type::v1::Routine> result)
      : routine(std::move(result)) {}
  static FitOutcome TooLong(absl::Duration shortest) {
    FitOutcome outcome(absl::FailedPreconditionError("too long"));
    outcome.too_long = true;
    outcome.shortest = shortest;
    return outcome;
  }
  absl::StatusOr<yoga::type::v1::Routine> routine;
  bool too_long = false;
  absl::Duration shortest;
};

// Changes `plan` (holds, sets, rounds, main poses from its pool) until its
// routine lasts request.target within request.tolerance, and returns that
// routine with its words.
FitOutcome FitPlan(const ClassRequest& request, const PlanLength& length,
                   ClassPlan& plan);

}  // namespace yoga::planner

#endif  // YOGA_SERVICES_PLANNER_COMPOSER_FILL_H_
