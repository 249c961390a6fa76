// --catalog_dir, shared by every program that hosts the catalog service.
#ifndef YOGA_SERVICES_CATALOG_CATALOG_FLAGS_H_
#define YOGA_SERVICES_CATALOG_CATALOG_FLAGS_H_

#include <memory>

#include "absl/status/statusor.h"
#include "services/catalog/catalog.h"

namespace yoga::catalog {

// Loads the catalog named by --catalog_dir (default: the source tree's
// assets/catalog).
absl::StatusOr<std::shared_ptr<const Catalog>> LoadCatalogFromFlags();

}  // namespace yoga::catalog

#endif  // YOGA_SERVICES_CATALOG_CATALOG_FLAGS_H_
