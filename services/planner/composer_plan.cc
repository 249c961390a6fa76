#include "services/planner/composer_plan.h"

#include "services/catalog/effective_pose.h"
#include "services/common/proto_time.h"
#include "services/planner/composer.h"
#include "services/planner/hold_fit.h"
#include "services/shared/breath_length.h"

namespace yoga::planner {

ClassRequest::ClassRequest(const PlanningCatalog& planning,
                           const yoga::planner::v1::Constraints& constraints)
    : planning(planning),
      constraints(constraints),
      focus(FocusAreas(constraints)),
      target(FromProtoDuration(constraints.target_duration())),
      tolerance(DurationTolerance(target)),
      breath(constraints.has_breath_length()
                 ? FromProtoDuration(constraints.breath_length())
                 : kDefaultBreath),
      timing_breath(absl::Trunc(breath, absl::Milliseconds(1))),
      candidates(CollectCandidates(planning, constraints)) {}

uint32_t CountOf(const PlanEntry& entry) {
  const auto& range =
      catalog::HoldOf(*entry.version.pose, entry.version.variation);
  return entry.hold_count != 0
             ? entry.hold_count
             : NearestSpokenCount(range, range.default_count());
}

void ClassPlan::AddMain(const Version& version) {
  used.insert(version.pose);
  entries.push_back(PlanEntry{version, EntryRole::kMain});
}

void ClassPlan::RemoveMain(size_t index) {
  used.erase(entries[index].version.pose);
  entries.erase(entries.begin() + static_cast<std::ptrdiff_t>(index));
}

uint32_t ClassPlan::RoundsAt(int height) const {
  auto it = rounds.find(height);
  return it == rounds.end() ? 1 : it->second;
}

}  // namespace yoga::planner
