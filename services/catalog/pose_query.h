// The catalog's read API as plain functions over a Catalog: request checks,
// filters and pagination. The gRPC service only forwards to these.
//
// Page tokens are opaque to callers: base64url("<filter hash>:<last id>"). They
// stay valid across restarts (they name a position in id order, not an offset)
// and are refused when reused with different filters.
#ifndef YOGA_SERVICES_CATALOG_POSE_QUERY_H_
#define YOGA_SERVICES_CATALOG_POSE_QUERY_H_

#include "absl/status/statusor.h"
#include "services/catalog/catalog.h"
#include "yoga/catalog/v1/catalog_service.pb.h"

namespace yoga::catalog {

inline constexpr int kDefaultPageSize = 50;
inline constexpr int kMaxPageSize = 100;

// INVALID_ARGUMENT (field "id") for a missing or malformed id; NOT_FOUND when
// no pose has it.
absl::StatusOr<yoga::catalog::v1::Pose> GetPose(
    const Catalog& catalog, const yoga::catalog::v1::GetPoseRequest& request);

// INVALID_ARGUMENT lists every bad field (negative page_size, unknown or
// UNSPECIFIED enum values in filters, a page_token that is not ours or was made
// for other filters).
absl::StatusOr<yoga::catalog::v1::ListPosesResponse> ListPoses(
    const Catalog& catalog, const yoga::catalog::v1::ListPosesRequest& request);

}  // namespace yoga::catalog

#endif  // YOGA_SERVICES_CATALOG_POSE_QUERY_H_
