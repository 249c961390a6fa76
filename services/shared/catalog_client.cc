#include "services/shared/catalog_client.h"

#include <chrono>

#include "absl/strings/str_cat.h"
#include "grpcpp/client_context.h"
#include "services/common/errors.h"

namespace yoga {
namespace {

void SetDeadline(grpc::ClientContext& context, absl::Duration timeout) {
  context.set_deadline(std::chrono::system_clock::now() +
                       absl::ToChronoMilliseconds(timeout));
}

}  // namespace

absl::StatusOr<PoseListing> FetchAllPoses(
    yoga::catalog::v1::CatalogService::StubInterface& stub,
    absl::Duration timeout) {
  PoseListing listing;
  yoga::catalog::v1::ListPosesRequest request;
  request.set_page_size(100);
  int pages = 0;
  do {
    if (++pages > kMaxCatalogPages) {
      return absl::OutOfRangeError(
          absl::StrCat("the catalog sent more than ", kMaxCatalogPages,
                       " pages of poses; it is not a catalog this program "
                       "can hold"));
    }
    grpc::ClientContext context;
    SetDeadline(context, timeout);
    yoga::catalog::v1::ListPosesResponse response;
    grpc::Status status = stub.ListPoses(&context, request, &response);
    if (!status.ok()) return FromGrpcStatus(status);
    if (!listing.etag.empty() && listing.etag != response.etag()) {
      return absl::AbortedError(
          absl::StrCat("the catalog changed while it was being read (etag ",
                       listing.etag, " then ", response.etag(), ")"));
    }
    listing.etag = response.etag();
    for (auto& pose : *response.mutable_poses())
      listing.poses.push_back(std::move(pose));
    request.set_page_token(response.next_page_token());
  } while (!request.page_token().empty());
  return listing;
}

absl::StatusOr<yoga::catalog::v1::Pose> FetchPose(
    yoga::catalog::v1::CatalogService::StubInterface& stub,
    const std::string& id, absl::Duration timeout) {
  grpc::ClientContext context;
  SetDeadline(context, timeout);
  yoga::catalog::v1::GetPoseRequest request;
  request.set_id(id);
  yoga::catalog::v1::Pose pose;
  grpc::Status status = stub.GetPose(&context, request, &pose);
  if (!status.ok()) return FromGrpcStatus(status);
  return pose;
}

}  // namespace yoga
