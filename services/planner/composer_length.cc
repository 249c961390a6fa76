#include "services/planner/composer_length.h"

#include <cstddef>

#include "services/catalog/effective_pose.h"
#include "services/common/proto_time.h"
#include "services/planner/composer_order.h"
#include "services/planner/composer_routine.h"

namespace yoga::planner {

PlanLength::PlanLength(const ClassRequest& request) : request_(request) {}

void PlanLength::ForEachStep(
    const std::vector<PlanEntry>& ordered,
    absl::FunctionRef<void(const PlanEntry&, uint32_t, yoga::type::v1::Side,
                           absl::Duration)>
        visit) const {
  TimedStep previous{};
  bool first = true;
  ForEachSetAndSide(ordered, [&](const PlanEntry& entry, uint32_t set,
                                 yoga::type::v1::Side side) {
    const TimedStep step{entry.version.pose,
                         entry.version.variation,
                         entry.version.cue_times,
                         side,
                         set,
                         request_.timing_breath};
    visit(entry, set, side, Transition(first ? nullptr : &previous, step));
    previous = step;
    first = false;
  });
}

absl::Duration PlanLength::Transition(const TimedStep* previous,
                                      const TimedStep& step) const {
  const TransitionKey key{
      previous != nullptr ? previous->pose : nullptr,
      previous != nullptr ? previous->variation : nullptr,
      previous != nullptr ? static_cast<int>(previous->side) : -1,
      previous != nullptr ? previous->set : 0u,
      step.pose,
      step.variation,
      static_cast<int>(step.side),
      step.set};
  auto [it, added] = transitions_.try_emplace(key);
  if (added) it->second = TransitionDuration(previous, step);
  return it->second;
}

PlanLength::Measured PlanLength::Measure(const ClassPlan& plan) const {
  Measured measured{plan.correction, {}};
  measured.holds.reserve(plan.entries.size());
  for (const PlanEntry& entry : plan.entries) {
    measured.holds.push_back(
        {&catalog::HoldOf(*entry.version.pose, entry.version.variation), 0,
         entry.hold_count});
  }
  ForEachStep(
      InClassOrder(plan, request_.candidates.neutralisers),
      [&](const PlanEntry& entry, uint32_t, yoga::type::v1::Side,
          absl::Duration transition) {
        measured.fixed += transition;
        if (entry.source < 0) {
          measured.fixed += HoldDuration(
              catalog::HoldOf(*entry.version.pose, entry.version.variation),
              CountOf(entry), request_.breath);
        } else {
          ++measured.holds[static_cast<size_t>(entry.source)].occurrences;
        }
      });
  return measured;
}

absl::Duration PlanLength::LengthAtLimit(const ClassPlan& plan,
                                         bool longest) const {
  const Measured measured = Measure(plan);
  return measured.fixed +
         HoldsAtLimit(measured.holds, request_.breath, longest);
}

absl::Duration PlanLength::PlannedLength(const ClassPlan& plan) const {
  const Measured measured = Measure(plan);
  absl::Duration total = measured.fixed - plan.correction;
  for (size_t i = 0; i < plan.entries.size(); ++i) {
    total += measured.holds[i].occurrences *
             HoldDuration(*measured.holds[i].range, CountOf(plan.entries[i]),
                          request_.breath);
  }
  return total;
}

absl::Duration PlanLength::DefaultLength(const ClassPlan& plan) const {
  Measured measured = Measure(plan);
  absl::Duration total = measured.fixed;
  for (size_t i = 0; i < plan.entries.size(); ++i) {
    const auto& range = *measured.holds[i].range;
    total +=
        measured.holds[i].occurrences *
        HoldDuration(range, NearestSpokenCount(range, range.default_count()),
                     request_.breath);
  }
  return total;
}

void PlanLength::Calibrate(ClassPlan& plan) const {
  plan.correction = absl::ZeroDuration();
  plan.correction =
      FromProtoDuration(
          WriteRoutine(request_, plan, /*with_words=*/false).total_duration()) -
      PlannedLength(plan);
}

}  // namespace yoga::planner
