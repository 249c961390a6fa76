// Calls a CatalogService over gRPC: for the planner (which caches the catalog)
// and the yoga-guide client. Errors come back as absl::Status, field detail
// kept.
#ifndef YOGA_SERVICES_SHARED_CATALOG_CLIENT_H_
#define YOGA_SERVICES_SHARED_CATALOG_CLIENT_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "yoga/catalog/v1/catalog_service.grpc.pb.h"

namespace yoga {

// Every pose with the etag they were read at, fetched page by page.
struct PoseListing {
  std::vector<yoga::catalog::v1::Pose> poses;
  std::string etag;
};

// The most pages FetchAllPoses reads (100 poses a page): a catalog that
// never stops sending page tokens is refused, not followed for ever.
inline constexpr int kMaxCatalogPages = 200;

// ABORTED when the catalog's content changed between pages (retry to get a
// consistent listing); OUT_OF_RANGE past kMaxCatalogPages pages.
absl::StatusOr<PoseListing> FetchAllPoses(
    yoga::catalog::v1::CatalogService::StubInterface& stub,
    absl::Duration timeout);

absl::StatusOr<yoga::catalog::v1::Pose> FetchPose(
    yoga::catalog::v1::CatalogService::StubInterface& stub,
    const std::string& id, absl::Duration timeout);

}  // namespace yoga

#endif  // YOGA_SERVICES_SHARED_CATALOG_CLIENT_H_
