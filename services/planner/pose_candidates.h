// Which versions of which poses a runner's constraints allow, for which part
// of a routine, and how well each suits them. The composer (composer.h) picks
// and orders from these; nothing here knows about time.
//
//   - A version is ruled out by the first constraint it breaks (exclusions,
//     conditions, level, no_floor, standing_only, props); a condition that
//     asks for a variation swaps it in, and a pose ruled out for a reason its
//     catalog alternative answers is replaced by that alternative.
//   - Flows are warm-ups and main work; restorative poses and gentle stretches
//     can finish a routine; stretches and strength holds are main work.
//   - A backbend or strength hold is a candidate only with a neutralising pose:
//     one at its own height (class_order.h), so the class need not get up for
//     it, else a restorative counterpose the catalog lists for it
//     (IsRestingCounterpose: child's pose after Locust, Bow, Reverse Tabletop
//     and Reverse Plank), the one pose the class comes back up for mid-routine.
//   - Scores: focus areas stretched (1) or strengthened (0.5, 1 on a rest day),
//     the kind suited to the moment, 0.3 for the base version, and a jitter
//     from the seed (splitmix64, the same on every machine) for variety.
#ifndef YOGA_SERVICES_PLANNER_POSE_CANDIDATES_H_
#define YOGA_SERVICES_PLANNER_POSE_CANDIDATES_H_

#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "services/planner/planning_catalog.h"
#include "yoga/catalog/v1/pose.pb.h"
#include "yoga/planner/v1/planner_service.pb.h"

namespace yoga::planner {

// One version of a pose, ready to use, and why it stands where it does.
struct Version {
  const yoga::catalog::v1::Pose* pose = nullptr;
  const yoga::catalog::v1::Variation* variation = nullptr;
  const CueTimes* cue_times = nullptr;
  // When an alternative replaced the asked-for version: its name and why.
  const std::string* replaced_name = nullptr;
  const char* blocker = nullptr;
  double score = 0;
  // For a backbend or strength hold: its index in Candidates::neutralisers.
  int neutraliser = -1;

  const std::string& Name() const {
    return variation != nullptr ? variation->name() : pose->name();
  }
  const std::string& Key() const {
    return variation != nullptr ? variation->id() : pose->id();
  }
};

struct Candidates {
  std::vector<Version> warm_ups;    // Flows.
  std::vector<Version> mains;       // Flows, stretches, strength holds.
  std::vector<Version> cool_downs;  // Restorative poses, gentle stretches.
  std::vector<Version> neutralisers;
  // How many base poses each constraint field rules out, per part.
  std::map<std::string, int> warm_up_blocks, main_blocks, cool_down_blocks;
};

// The versions the constraints allow, in catalog order. The versions point
// into `planning`, which must outlive them.
Candidates CollectCandidates(const PlanningCatalog& planning,
                             const yoga::planner::v1::Constraints& constraints);

// The focus areas asked for; none means the lower back and hips.
std::set<int> FocusAreas(const yoga::planner::v1::Constraints& constraints);

// Why a constraint field rules a pose out, said to the runner
// ("you asked for standing poses only").
const char* BlockerText(std::string_view field);

// The body height of a version's position (class_order.h).
int HeightOf(const Version& version);

// A restorative pose that the catalog lists among `after`'s counterposes
// (child's pose after a prone backbend or a strength hold): a teacher brings
// the class up into it to rest the back, then down again, so it may stand
// higher than the poses around it.
bool IsRestingCounterpose(const Version& version,
                          const yoga::catalog::v1::Pose& after);

}  // namespace yoga::planner

#endif  // YOGA_SERVICES_PLANNER_POSE_CANDIDATES_H_
