#include "services/planner/composer_routine.h"

#include <cstdint>
#include <string>

#include "absl/strings/str_cat.h"
#include "services/planner/composer_order.h"
#include "services/planner/routine_timing.h"
#include "services/planner/step_text.h"

namespace yoga::planner {
namespace {

using yoga::type::v1::Routine;
using yoga::type::v1::RoutinePhase;
using yoga::type::v1::RoutineStep;

RoutinePhase PhaseOf(EntryRole role) {
  switch (role) {
    case EntryRole::kWarmUp:
      return yoga::type::v1::ROUTINE_PHASE_WARM_UP;
    case EntryRole::kCoolDown:
      return yoga::type::v1::ROUTINE_PHASE_COOL_DOWN;
    default:
      return yoga::type::v1::ROUTINE_PHASE_MAIN;
  }
}

}  // namespace

Routine WriteRoutine(const ClassRequest& request, const ClassPlan& plan,
                     bool with_words) {
  Routine routine;
  if (with_words) routine.set_title(ClassTitle(request.target, request.focus));
  // The guide speaks the cautions of the runner's conditions.
  for (int condition : request.constraints.conditions()) {
    routine.add_conditions(static_cast<yoga::type::v1::Condition>(condition));
  }
  ForEachSetAndSide(
      InClassOrder(plan, request.candidates.neutralisers),
      [&](const PlanEntry& entry, uint32_t set, yoga::type::v1::Side side) {
        const bool first = routine.steps().empty();
        RoutineStep* step = routine.add_steps();
        step->set_pose_id(entry.version.pose->id());
        if (entry.version.variation)
          step->set_variation_id(entry.version.variation->id());
        step->set_side(side);
        step->set_hold_count(CountOf(entry));
        step->set_set(set);
        step->set_phase(PhaseOf(entry.role));
        if (!with_words) return;
        const std::string reason =
            StepReason(plan, request.focus, entry, set, side);
        step->set_reason(
            !plan.warm_up && first
                ? absl::StrCat(NoWarmUpReason(request.target), reason)
                : reason);
      });
  TimeRoutine(request.planning, request.breath, routine);
  return routine;
}

}  // namespace yoga::planner
