#include "services/planner/composer_order.h"

#include <algorithm>
#include <cstddef>
#include <tuple>
#include <utility>

#include "services/catalog/effective_pose.h"
#include "services/planner/hold_fit.h"
#include "services/planner/routine_rules.h"
#include "services/shared/class_order.h"

namespace yoga::planner {
namespace {

// For a plan without a warm-up: no height is led by it.
constexpr int kNoHeight = -1;

// Within one body height: flows first (they warm that position up), then
// stretches, then backbends and strength holds (so their neutralising pose can
// lead on to the next height), the easier of those first (seed 004: Locust
// before Bow, Reverse Tabletop before Reverse Plank; see IntenseLevel).
int EffortRank(const Version& version) {
  if (version.pose->kind() == yoga::catalog::v1::POSE_KIND_DYNAMIC_FLOW)
    return 0;
  return IsIntense(*version.pose, version.variation) ? 2 : 1;
}

// The level of a backbend or strength hold, to do the easier first; 0 for
// other poses, which keep their order by score.
int IntenseLevel(const Version& version) {
  return IsIntense(*version.pose, version.variation)
             ? catalog::LevelOf(*version.pose, version.variation)
             : 0;
}

// The neutralising pose after a backbend or strength hold, held its
// shortest: it rests the back, the work is in the poses around it.
PlanEntry CounterposeAfter(const Version& version,
                           const std::vector<Version>& neutralisers) {
  PlanEntry counter{neutralisers[static_cast<size_t>(version.neutraliser)],
                    EntryRole::kCounterpose};
  const auto& range =
      catalog::HoldOf(*counter.version.pose, counter.version.variation);
  counter.hold_count = SpokenCounts(range).front();
  counter.after = &version.Name();
  return counter;
}

}  // namespace

std::vector<PlanEntry> InClassOrder(const ClassPlan& plan,
                                    const std::vector<Version>& neutralisers) {
  const std::vector<PlanEntry>& entries = plan.entries;
  using Key = std::tuple<int, int, int, int>;
  std::vector<std::pair<Key, size_t>> keyed;
  keyed.reserve(entries.size());
  for (size_t i = ClassPlan::kFirstMain; i < entries.size(); ++i) {
    const Version& version = entries[i].version;
    keyed.emplace_back(
        Key{-HeightOf(version), ClassOrder(version.pose->position()),
            EffortRank(version), IntenseLevel(version)},
        i);
  }
  std::stable_sort(
      keyed.begin(), keyed.end(),
      [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<size_t> main;
  main.reserve(keyed.size());
  for (const auto& [key, i] : keyed) main.push_back(i);
  auto copy = [&](size_t index, EntryRole role, uint32_t round) {
    PlanEntry entry = entries[index];
    entry.role = role;
    entry.round = round;
    entry.source = static_cast<int>(index);
    return entry;
  };
  std::vector<PlanEntry> flat;
  flat.reserve(entries.size() * 2 + 4);
  if (plan.warm_up) flat.push_back(copy(0, EntryRole::kWarmUp, 1));
  const int warm_up_height =
      plan.warm_up ? HeightOf(entries[0].version) : kNoHeight;
  for (size_t begin = 0; begin < main.size();) {
    const int height = HeightOf(entries[main[begin]].version);
    size_t end = begin;
    while (end < main.size() && HeightOf(entries[main[end]].version) == height)
      ++end;
    const uint32_t rounds = plan.RoundsAt(height);
    for (uint32_t round = 1; round <= rounds; ++round) {
      if (round > 1 && height == warm_up_height)
        flat.push_back(copy(0, EntryRole::kMain, round));
      for (size_t k = begin; k < end; ++k)
        flat.push_back(copy(main[k], EntryRole::kMain, round));
    }
    begin = end;
  }
  flat.push_back(copy(1, EntryRole::kCoolDown, 1));

  std::vector<PlanEntry> ordered;
  ordered.reserve(flat.size() * 2);
  for (size_t i = 0; i < flat.size(); ++i) {
    ordered.push_back(flat[i]);
    const Version& version = flat[i].version;
    if (version.neutraliser < 0 || i + 1 == flat.size()) continue;
    if (Neutralises(*flat[i + 1].version.pose, *version.pose)) continue;
    PlanEntry counter = CounterposeAfter(version, neutralisers);
    counter.round = flat[i].round;
    ordered.push_back(counter);
  }
  return ordered;
}

void ForEachSetAndSide(
    const std::vector<PlanEntry>& ordered,
    absl::FunctionRef<void(const PlanEntry&, uint32_t, yoga::type::v1::Side)>
        visit) {
  for (const PlanEntry& entry : ordered) {
    const bool sided =
        catalog::IsSided(*entry.version.pose, entry.version.variation);
    for (uint32_t set = 1; set <= entry.sets; ++set) {
      for (int turn = 0; turn < (sided ? 2 : 1); ++turn) {
        visit(entry, set,
              !sided      ? yoga::type::v1::SIDE_UNSPECIFIED
              : turn == 0 ? yoga::type::v1::SIDE_RIGHT
                          : yoga::type::v1::SIDE_LEFT);
      }
    }
  }
}

}  // namespace yoga::planner
