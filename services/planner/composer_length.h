// How long a planned class lasts (composer_plan.h), as choosing and fitting
// measure it: its steps in class order (composer_order.h) with the
// transitions routine_timing.h gives them, the holds as hold_fit.h counts
// them, and a correction for what the timed routine adds beyond those (the
// opening and closing words, the cautions of the runner's conditions), found
// by timing the plan as the routine it becomes (Calibrate), so every decision
// counts it.
//
// Transitions are remembered for each pair of steps: a plan is timed over
// and over while it is chosen and fitted, with the same moves.
#ifndef YOGA_SERVICES_PLANNER_COMPOSER_LENGTH_H_
#define YOGA_SERVICES_PLANNER_COMPOSER_LENGTH_H_

#include <cstdint>
#include <map>
#include <tuple>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/time/time.h"
#include "services/planner/composer_plan.h"
#include "services/planner/hold_fit.h"
#include "services/planner/routine_timing.h"
#include "yoga/catalog/v1/pose.pb.h"
#include "yoga/type/v1/routine.pb.h"

namespace yoga::planner {

class PlanLength {
 public:
  // Refers to `request`, which must outlive it.
  explicit PlanLength(const ClassRequest& request);

  // Calls `visit(entry, set, side, transition)` for every step of `ordered`
  // (InClassOrder), `transition` leading into the step's hold.
  void ForEachStep(const std::vector<PlanEntry>& ordered,
                   absl::FunctionRef<void(const PlanEntry&, uint32_t,
                                          yoga::type::v1::Side, absl::Duration)>
                       visit) const;

  // The plan as the fit sees it: everything but the fitted holds
  // (transitions, counterposes' holds, the correction), and each fitted hold
  // with the number of steps that take it.
  struct Measured {
    absl::Duration fixed;
    std::vector<HoldToFit> holds;  // Index: ClassPlan::entries.
  };
  Measured Measure(const ClassPlan& plan) const;

  // The plan's length with every fitted hold at its shortest or longest.
  absl::Duration LengthAtLimit(const ClassPlan& plan, bool longest) const;

  // The plan's length with its current holds, without the correction.
  absl::Duration PlannedLength(const ClassPlan& plan) const;

  // The plan's length with every fitted hold at its default.
  absl::Duration DefaultLength(const ClassPlan& plan) const;

  // Sets plan.correction: what the timed routine adds to the plan's own
  // measure as the plan now stands.
  void Calibrate(ClassPlan& plan) const;

 private:
  // TransitionDuration, looked up in transitions_ first.
  absl::Duration Transition(const TimedStep* previous,
                            const TimedStep& step) const;

  const ClassRequest& request_;
  // Transition() results, per (previous step, step).
  using TransitionKey =
      std::tuple<const yoga::catalog::v1::Pose*,
                 const yoga::catalog::v1::Variation*, int, uint32_t,
                 const yoga::catalog::v1::Pose*,
                 const yoga::catalog::v1::Variation*, int, uint32_t>;
  mutable std::map<TransitionKey, absl::Duration> transitions_;
};

}  // namespace yoga::planner

#endif  // YOGA_SERVICES_PLANNER_COMPOSER_LENGTH_H_
