// The catalog as the planner uses it: the poses, plus how long each version's
// cues take to say and do, worked out once per catalog so that timing a
// routine is arithmetic. The times are a budget: upper bounds of what the
// session's timeline spends with the default voice pack (a test holds them to
// it), so a routine's holds start where the planner put them.
#ifndef YOGA_SERVICES_PLANNER_PLANNING_CATALOG_H_
#define YOGA_SERVICES_PLANNER_PLANNING_CATALOG_H_

#include <memory>
#include <unordered_map>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "services/catalog/catalog.h"
#include "yoga/type/v1/anatomy.pb.h"

namespace yoga::planner {

// How long a sentence may take to say: an upper bound of the default voice
// pack's recordings (about 0.4 s a word), with a margin.
absl::Duration SpeakingTime(absl::string_view text);

// Time to say (and do) one version's cues, by side (index: the Side value).
// A movement (a breath-tagged cue) also waits for its breath: up to one breath
// more, which the routine's breath decides, so movements are counted apart.
struct CueTimes {
  absl::Duration setup[3];  // Every setup cue said on that side.
  absl::Duration
      setup_sided[3];  // Only the side-specific ones (BRIEF's side switch).
  absl::Duration setup_again[3];  // All but the starting position.
  absl::Duration release[3];      // Every release cue said on that side.
  int setup_movements[3] = {};
  int setup_again_movements[3] = {};
  int release_movements[3] = {};
  // From the start of the last setup movement to the end of the setup.
  absl::Duration after_last_movement[3];
  absl::Duration name;      // The version's name.
  absl::Duration cautions;  // Its cautions for everyone.
};

class PlanningCatalog {
 public:
  explicit PlanningCatalog(std::shared_ptr<const catalog::Catalog> catalog);

  const catalog::Catalog& catalog() const { return *catalog_; }
  const std::shared_ptr<const catalog::Catalog>& shared() const {
    return catalog_;
  }

  // The times of a version of a pose of this catalog (variation may be null).
  const CueTimes& TimesOf(const yoga::catalog::v1::Pose& pose,
                          const yoga::catalog::v1::Variation* variation) const;

 private:
  std::shared_ptr<const catalog::Catalog> catalog_;
  std::unordered_map<const void*, CueTimes> times_;  // By variation, else pose.
};

}  // namespace yoga::planner

#endif  // YOGA_SERVICES_PLANNER_PLANNING_CATALOG_H_
