// The shipped catalog (assets/catalog/), loaded once for planner tests.
#ifndef YOGA_TESTS_SERVICES_PLANNER_PLANNER_TEST_CATALOG_H_
#define YOGA_TESTS_SERVICES_PLANNER_PLANNER_TEST_CATALOG_H_

#include <cstdlib>
#include <iostream>

#include "services/catalog/catalog_loader.h"
#include "services/planner/planning_catalog.h"

namespace yoga::planner::testing {

inline const catalog::Catalog& ShippedCatalog() {
  static const catalog::Catalog* catalog = [] {
    auto loaded = catalog::LoadCatalog(YOGA_SOURCE_DIR "/assets/catalog");
    if (!loaded.ok()) {
      std::cerr << loaded.status() << "\n";
      std::abort();
    }
    return new catalog::Catalog(*std::move(loaded));
  }();
  return *catalog;
}

// The same catalog as the planner uses it.
inline const PlanningCatalog& ShippedPlanningCatalog() {
  static const PlanningCatalog* planning =
      new PlanningCatalog(std::shared_ptr<const catalog::Catalog>(
          &ShippedCatalog(), [](const catalog::Catalog*) {}));
  return *planning;
}

}  // namespace yoga::planner::testing

#endif  // YOGA_TESTS_SERVICES_PLANNER_PLANNER_TEST_CATALOG_H_
