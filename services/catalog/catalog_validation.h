// The rules a catalog must follow (assets/catalog/README.md), checked across
// all files at once so references between poses can be resolved.
#ifndef YOGA_SERVICES_CATALOG_CATALOG_VALIDATION_H_
#define YOGA_SERVICES_CATALOG_CATALOG_VALIDATION_H_

#include <string>
#include <vector>

#include "services/catalog/pose_file.h"

namespace yoga::catalog {

// One "path:line: reason" per problem, in file order; empty when all is well.
std::vector<std::string> ValidateCatalog(const std::vector<PoseFile>& files);

// The same rules for poses that did not come from files (a copy fetched from a
// catalog service): each pose stands as "<id>.textproto", line 1.
std::vector<std::string> ValidatePoses(
    const std::vector<yoga::catalog::v1::Pose>& poses);

}  // namespace yoga::catalog

#endif  // YOGA_SERVICES_CATALOG_CATALOG_VALIDATION_H_
