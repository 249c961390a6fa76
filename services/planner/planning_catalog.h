// The catalog as the planner uses it: the poses, plus how long each version's
// setup and release cues take to speak, worked out once per catalog so that
// timing a routine is arithmetic.
#ifndef YOGA_SERVICES_PLANNER_PLANNING_CATALOG_H_
#define YOGA_SERVICES_PLANNER_PLANNING_CATALOG_H_

#include <memory>
#include <unordered_map>

#include "absl/time/time.h"
#include "services/catalog/catalog.h"
#include "yoga/type/v1/anatomy.pb.h"

namespace yoga::planner {

// Speaking times of one version's cues, by side (index: the Side value).
struct CueTimes {
  absl::Duration setup[3];  // Every setup cue said on that side.
  absl::Duration
      setup_sided[3];         // Only the side-specific ones (switching sides).
  absl::Duration release[3];  // Every release cue said on that side.
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
