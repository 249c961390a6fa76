#include "services/planner/composer_fill.h"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <utility>
#include <vector>

#include "services/catalog/effective_pose.h"
#include "services/common/proto_time.h"
#include "services/planner/composer_refusals.h"
#include "services/planner/composer_routine.h"
#include "services/planner/hold_fit.h"
#include "services/planner/routine_rules.h"

namespace yoga::planner {
namespace {

using yoga::type::v1::Routine;

constexpr int kMaxAttempts = 400;
constexpr size_t kFirstMain = ClassPlan::kFirstMain;

uint32_t MaxSets(const PlanEntry& entry) {
  return std::max<uint32_t>(
      catalog::HoldOf(*entry.version.pose, entry.version.variation).max_sets(),
      1);
}

// The heights whose sequence can be done again: at least two different
// poses in it (the warm-up flow joins the repeats of its own height), so a
// repeat is a sequence and not one pose over and over.
std::vector<int> RepeatableHeights(const ClassPlan& plan) {
  std::map<int, std::set<const yoga::catalog::v1::Pose*>> poses;
  for (size_t i = kFirstMain; i < plan.entries.size(); ++i) {
    const Version& version = plan.entries[i].version;
    poses[HeightOf(version)].insert(version.pose);
  }
  std::vector<int> heights;
  for (auto& [height, set] : poses) {
    if (plan.warm_up && height == HeightOf(plan.entries[0].version))
      set.insert(plan.entries[0].version.pose);
    if (set.size() >= 2) heights.push_back(height);
  }
  // Fewest repeats first, then the higher: repeats spread over the class.
  std::stable_sort(heights.begin(), heights.end(), [&](int a, int b) {
    return std::make_pair(plan.RoundsAt(a), -a) <
           std::make_pair(plan.RoundsAt(b), -b);
  });
  return heights;
}

class Fitter {
 public:
  Fitter(const ClassRequest& request, const PlanLength& length, ClassPlan& plan)
      : request_(request), length_(length), plan_(plan) {}

  FitOutcome Fit() {
    length_.Calibrate(plan_);
    for (int attempt = 0; attempt < kMaxAttempts; ++attempt) {
      switch (FitHoldsToTarget()) {
        case HoldFit::kFitted: {
          Routine routine = WriteRoutine(request_, plan_, /*with_words=*/true);
          const absl::Duration real =
              FromProtoDuration(routine.total_duration());
          if (absl::AbsDuration(real - request_.target) <= request_.tolerance)
            return FitOutcome(std::move(routine));
          // The timing functions count something the plan's measure does not
          // (the opening and closing words) and the poses now in the plan
          // change it: take the difference as it is now (PlannedLength leaves
          // the correction out, so it is set, not added to) and fit again.
          plan_.correction = real - length_.PlannedLength(plan_);
          continue;
        }
        case HoldFit::kTooLong:
          if (Shrink()) continue;
          // Before refusing, what the plan as it now stands adds: fewer
          // poses are fewer names in the opening.
          if (Recalibrated() < absl::ZeroDuration()) continue;
          return FitOutcome::TooLong(
              length_.LengthAtLimit(plan_, /*longest=*/false));
        case HoldFit::kTooShort:
          if (Grow()) continue;
          if (Recalibrated() > absl::ZeroDuration()) continue;
          return FitOutcome(TooLittleLeft(
              request_, plan_, length_.LengthAtLimit(plan_, /*longest=*/true),
              !RepeatableHeights(plan_).empty()));
      }
    }
    return FitOutcome(NoMixFits(request_.target, request_.tolerance));
  }

 private:
  // Calibrates again; returns by how much the correction changed.
  absl::Duration Recalibrated() {
    const absl::Duration before = plan_.correction;
    length_.Calibrate(plan_);
    return plan_.correction - before;
  }

  // Sets every fitted hold so the plan lasts the target.
  HoldFit FitHoldsToTarget() {
    PlanLength::Measured measured = length_.Measure(plan_);
    const HoldFit fit =
        FitHolds(measured.holds, request_.target - measured.fixed,
                 request_.tolerance, request_.breath);
    for (size_t i = 0; i < plan_.entries.size(); ++i)
      plan_.entries[i].hold_count = measured.holds[i].count;
    return fit;
  }

  // Too short even at the longest holds: the first change, in a teacher's
  // order, that does not make the routine too long at its shortest holds:
  // another pose, another set, then the sequence of one height again.
  bool Grow() {
    std::vector<PlanEntry>& entries = plan_.entries;
    auto fits = [&] {
      return length_.LengthAtLimit(plan_, /*longest=*/false) <=
             request_.target + request_.tolerance;
    };
    for (const Version& version : plan_.pool) {
      if (plan_.used.contains(version.pose)) continue;
      plan_.AddMain(version);
      if (fits()) return true;
      plan_.RemoveMain(entries.size() - 1);
    }
    std::vector<size_t> by_sets;
    for (size_t i = kFirstMain; i < entries.size(); ++i) by_sets.push_back(i);
    std::stable_sort(by_sets.begin(), by_sets.end(), [&](size_t a, size_t b) {
      return entries[a].sets < entries[b].sets;
    });
    for (size_t i : by_sets) {
      PlanEntry& entry = entries[i];
      if (entry.sets >= MaxSets(entry)) continue;
      ++entry.sets;
      if (fits()) return true;
      --entry.sets;
    }
    // A repeat takes the place of extra sets at its height: sets already
    // added there go back to one, and come back only if still short.
    for (int height : RepeatableHeights(plan_)) {
      std::vector<std::pair<size_t, uint32_t>> sets;
      for (size_t i = kFirstMain; i < entries.size(); ++i) {
        if (HeightOf(entries[i].version) != height) continue;
        sets.emplace_back(i, entries[i].sets);
        entries[i].sets = 1;
      }
      plan_.rounds[height] = plan_.RoundsAt(height) + 1;
      if (fits()) return true;
      plan_.rounds[height] = plan_.RoundsAt(height) - 1;
      for (const auto& [i, count] : sets) entries[i].sets = count;
    }
    return false;
  }

  // Too long even at the shortest holds: fewer repeats, fewer sets, then
  // fewer poses; at last the single shortest main pose.
  bool Shrink() {
    std::vector<PlanEntry>& entries = plan_.entries;
    for (auto& [height, rounds] : plan_.rounds) {
      if (rounds > 1) {
        --rounds;
        return true;
      }
    }
    for (size_t i = entries.size(); i-- > kFirstMain;) {
      if (entries[i].sets > 1) {
        --entries[i].sets;
        return true;
      }
    }
    if (plan_.MainCount() > 1) {
      size_t weakest = kFirstMain;
      for (size_t i = kFirstMain; i < entries.size(); ++i) {
        if (entries[i].version.score < entries[weakest].version.score)
          weakest = i;
      }
      plan_.RemoveMain(weakest);
      return true;
    }
    if (compact_) return false;
    compact_ = true;
    // The one main pose that makes the shortest class, timed as spoken (a
    // pose's setup takes longer than most holds); the best scored on a tie.
    const Version current = entries[kFirstMain].version;
    std::optional<Version> chosen;
    absl::Duration chosen_length;
    for (const Version& version : plan_.pool) {
      if (IsIntense(*version.pose, version.variation)) continue;
      plan_.RemoveMain(kFirstMain);
      plan_.AddMain(version);
      const absl::Duration length =
          length_.LengthAtLimit(plan_, /*longest=*/false);
      if (!chosen || length < chosen_length) {
        chosen = version;
        chosen_length = length;
      }
    }
    plan_.RemoveMain(kFirstMain);
    plan_.AddMain(chosen ? *chosen : current);
    return chosen.has_value();
  }

  const ClassRequest& request_;
  const PlanLength& length_;
  ClassPlan& plan_;
  // Shrink has tried the single shortest main pose.
  bool compact_ = false;
};

}  // namespace

FitOutcome FitPlan(const ClassRequest& request, const PlanLength& length,
                   ClassPlan& plan) {
  return Fitter(request, length, plan).Fit();
}

}  // namespace yoga::planner
