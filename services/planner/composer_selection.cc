#include "services/planner/composer_selection.h"

#include <algorithm>
#include <cstdint>
#include <optional>

#include "absl/time/time.h"
#include "services/catalog/effective_pose.h"
#include "services/planner/composer_refusals.h"
#include "services/planner/routine_timing.h"
#include "services/shared/class_order.h"

namespace yoga::planner {
namespace {

// A warm-up at its default rounds, with its spoken entry (at FULL the flow's
// slow first round), takes at most this share of the class when it can: a
// short class starts with the shorter version (the half sun salutation).
constexpr int kWarmUpShareDivisor = 4;

// A restorative pose to end on, whatever its height: a teacher ends a class
// after a run resting in child's pose even after lying work (seeds 000 and
// 001), so the class comes up onto its knees for this one last step. The
// lowest allowed (no rise when the catalog has one lying), the best scored
// of those. None when the runner's constraints rule out every restorative
// pose (child's pose is excluded, or standing_only).
std::optional<Version> RestorativeFinish(const Candidates& candidates,
                                         const Version* warm_up) {
  const Version* best = nullptr;
  for (const Version& version : candidates.cool_downs) {
    if ((warm_up != nullptr && version.pose == warm_up->pose) ||
        version.pose->kind() != yoga::catalog::v1::POSE_KIND_RESTORATIVE) {
      continue;
    }
    if (best == nullptr || HeightOf(version) < HeightOf(*best) ||
        (HeightOf(version) == HeightOf(*best) && version.score > best->score)) {
      best = &version;
    }
  }
  if (best == nullptr) return std::nullopt;
  return *best;
}

// Without a restorative pose: the gentle stretch at the lowest height the
// warm-up (at `top`) can lead down to, so main work can use every height in
// between; of those the one main work misses least (the lowest scored), so
// the best stretches get the main work's sets and repeats.
std::optional<Version> LowestFinish(const Candidates& candidates,
                                    const Version* warm_up, int top) {
  const Version* best = nullptr;
  for (const Version& version : candidates.cool_downs) {
    if ((warm_up != nullptr && version.pose == warm_up->pose) ||
        HeightOf(version) > top) {
      continue;
    }
    if (best == nullptr || HeightOf(version) < HeightOf(*best) ||
        (HeightOf(version) == HeightOf(*best) && version.score < best->score)) {
      best = &version;
    }
  }
  if (best == nullptr) return std::nullopt;
  return *best;
}

}  // namespace

std::vector<Version> WarmUpOptions(const ClassRequest& request,
                                   const PlanLength& length) {
  struct Option {
    Version version;
    absl::Duration lead_in;
    bool roomy;
  };
  std::vector<Option> options;
  for (const Version& version : request.candidates.warm_ups) {
    absl::Duration lead_in;
    PlanEntry entry{version, EntryRole::kWarmUp};
    length.ForEachStep(
        {entry}, [&](const PlanEntry& step, uint32_t, yoga::type::v1::Side,
                     absl::Duration transition) {
          lead_in +=
              transition + HoldDuration(catalog::HoldOf(*step.version.pose,
                                                        step.version.variation),
                                        CountOf(step), request.breath);
        });
    options.push_back(
        {version, lead_in, lead_in * kWarmUpShareDivisor <= request.target});
  }
  std::stable_sort(options.begin(), options.end(),
                   [](const Option& a, const Option& b) {
                     const int ha = HeightOf(a.version);
                     const int hb = HeightOf(b.version);
                     if (ha != hb) return ha > hb;
                     if (a.roomy != b.roomy) return a.roomy;
                     if (a.roomy) return a.version.score > b.version.score;
                     return a.lead_in < b.lead_in;
                   });
  std::vector<Version> versions;
  for (const Option& option : options) versions.push_back(option.version);
  return versions;
}

absl::StatusOr<ClassPlan> StartPlan(const ClassRequest& request,
                                    const Version* warm_up) {
  ClassPlan plan;
  plan.warm_up = warm_up != nullptr;
  const int top = warm_up != nullptr
                      ? HeightOf(*warm_up)
                      : BodyHeight(yoga::type::v1::BODY_POSITION_STANDING);
  std::optional<Version> cool_down =
      RestorativeFinish(request.candidates, warm_up);
  // Main work lies between the warm-up's height and the finish's, so the
  // class only ever moves down; a restorative finish is one last rise when
  // it stands higher, so main work can go all the way down before it.
  int lowest = 0;
  if (!cool_down) {
    cool_down = LowestFinish(request.candidates, warm_up, top);
    if (!cool_down)
      return RuledOut("no restorative finish is left",
                      request.candidates.cool_down_blocks);
    lowest = HeightOf(*cool_down);
  }
  // Without a warm-up, entries[0] only holds the place: it is never done.
  plan.entries = {
      PlanEntry{warm_up != nullptr ? *warm_up : *cool_down, EntryRole::kWarmUp},
      PlanEntry{*cool_down, EntryRole::kCoolDown}};
  plan.used = {cool_down->pose};
  if (warm_up != nullptr) plan.used.insert(warm_up->pose);
  for (const Version& version : request.candidates.mains) {
    const int height = HeightOf(version);
    if (height <= top && height >= lowest &&
        !plan.used.contains(version.pose)) {
      plan.pool.push_back(version);
    }
  }
  std::stable_sort(
      plan.pool.begin(), plan.pool.end(),
      [](const Version& a, const Version& b) { return a.score > b.score; });
  if (plan.pool.empty()) return NoMainPose(request, plan);
  return plan;
}

void ChooseMainPoses(const ClassRequest& request, const PlanLength& length,
                     ClassPlan& plan) {
  length.Calibrate(plan);
  for (const Version& version : plan.pool) {
    if (plan.used.contains(version.pose)) continue;
    plan.AddMain(version);
    if (plan.MainCount() > 1 && length.DefaultLength(plan) > request.target)
      plan.RemoveMain(plan.entries.size() - 1);
  }
}

}  // namespace yoga::planner
