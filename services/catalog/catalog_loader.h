// Loads assets/catalog/: every *.textproto file, parsed and validated. Any
// problem fails the load, with one "file:line: reason" line per problem.
#ifndef YOGA_SERVICES_CATALOG_CATALOG_LOADER_H_
#define YOGA_SERVICES_CATALOG_CATALOG_LOADER_H_

#include <string>

#include "absl/status/statusor.h"
#include "services/catalog/catalog.h"

namespace yoga::catalog {

// FAILED_PRECONDITION lists every problem: the parse errors if any file does
// not parse (one per file), otherwise every rule broken; NOT_FOUND when the
// folder is missing or holds no pose files.
absl::StatusOr<Catalog> LoadCatalog(const std::string& directory);

}  // namespace yoga::catalog

#endif  // YOGA_SERVICES_CATALOG_CATALOG_LOADER_H_
