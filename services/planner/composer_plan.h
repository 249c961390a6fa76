// The plan a composer builds and fits (composer.h), and the request it is
// built for.
//
// A plan is one entry per pose: the warm-up, the finish, then main work in
// the order it was chosen, each with its sets and, once fitted, its hold;
// and how many rounds each body height's sequence is done. The order the
// class moves in (composer_order.h) and how long it lasts
// (composer_length.h) are worked out from the plan each time they are
// needed, so choosing and fitting (composer_selection.h, composer_fill.h)
// only ever change these fields.
#ifndef YOGA_SERVICES_PLANNER_COMPOSER_PLAN_H_
#define YOGA_SERVICES_PLANNER_COMPOSER_PLAN_H_

#include <cstddef>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "services/planner/planning_catalog.h"
#include "services/planner/pose_candidates.h"
#include "yoga/catalog/v1/pose.pb.h"
#include "yoga/planner/v1/planner_service.pb.h"

namespace yoga::planner {

// The runner's constraints as every part of composing reads them. Refers to
// `planning` and `constraints`, which must outlive it.
struct ClassRequest {
  ClassRequest(const PlanningCatalog& planning,
               const yoga::planner::v1::Constraints& constraints);

  const PlanningCatalog& planning;
  const yoga::planner::v1::Constraints& constraints;
  const std::set<int> focus;
  const absl::Duration target;
  const absl::Duration tolerance;  // DurationTolerance(target).
  const absl::Duration breath;
  // The breath as the session's clock keeps it (TimeRoutine): for transitions.
  const absl::Duration timing_breath;
  const Candidates candidates;
};

// What an entry does in the class.
enum class EntryRole { kWarmUp, kMain, kCounterpose, kCoolDown };

// One pose in the plan: a version done `sets` times (each set on both sides
// when sided). Reasons are written only when the routine is final.
struct PlanEntry {
  Version version;
  EntryRole role = EntryRole::kMain;
  uint32_t sets = 1;
  uint32_t hold_count = 0;  // 0 until fitted: the default hold.
  // For a counterpose: the pose it follows.
  const std::string* after = nullptr;
  // In the ordered plan: which time through its body height's sequence, and
  // the index of the planned entry it copies (-1 for a counterpose).
  uint32_t round = 1;
  int source = -1;
};

// The count an entry is held for: the fitted one, else the spoken count
// nearest the pose's default.
uint32_t CountOf(const PlanEntry& entry);

// The class as chosen so far.
struct ClassPlan {
  // entries[0] is the warm-up, entries[1] the finish, the rest main work in
  // the order chosen.
  static constexpr size_t kFirstMain = 2;

  void AddMain(const Version& version);
  void RemoveMain(size_t index);
  size_t MainCount() const { return entries.size() - kFirstMain; }
  // Times the sequence of the body height `height` is done.
  uint32_t RoundsAt(int height) const;

  std::vector<PlanEntry> entries;
  // The main candidates between the warm-up's and the finish's heights (best
  // first), and the poses in use.
  std::vector<Version> pool;
  std::set<const yoga::catalog::v1::Pose*> used;
  // Times each body height's sequence is done; absent: once.
  std::map<int, uint32_t> rounds;
  // What the timing functions add beyond the plan's own measure
  // (PlanLength::Calibrate).
  absl::Duration correction;
  // False when the class goes straight into its main work (entries[0] is
  // then never done).
  bool warm_up = true;
};

}  // namespace yoga::planner

#endif  // YOGA_SERVICES_PLANNER_COMPOSER_PLAN_H_
