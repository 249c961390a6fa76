#include "services/catalog/catalog_service.h"

#include <utility>

#include "services/catalog/pose_query.h"
#include "services/runtime/call_admission.h"
#include "services/common/errors.h"

namespace yoga::catalog {
namespace {

// Finishes a unary call with the result of `query` (a pose_query function),
// unless the call was not admitted.
template <typename Response, typename Query>
grpc::ServerUnaryReactor* Reply(grpc::CallbackServerContext* context,
                                Response* response, Query query) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  if (absl::Status admitted = CallAdmission(*context); !admitted.ok()) {
    reactor->Finish(ToGrpcStatus(admitted));
    return reactor;
  }
  absl::StatusOr<Response> result = query();
  if (result.ok()) *response = *std::move(result);
  reactor->Finish(ToGrpcStatus(result.status()));
  return reactor;
}

}  // namespace

CatalogServiceImpl::CatalogServiceImpl(std::shared_ptr<const Catalog> catalog)
    : catalog_(std::move(catalog)) {}

grpc::ServerUnaryReactor* CatalogServiceImpl::GetPose(
    grpc::CallbackServerContext* context,
    const yoga::catalog::v1::GetPoseRequest* request,
    yoga::catalog::v1::Pose* response) {
  return Reply(context, response,
               [&] { return catalog::GetPose(*catalog_, *request); });
}

grpc::ServerUnaryReactor* CatalogServiceImpl::ListPoses(
    grpc::CallbackServerContext* context,
    const yoga::catalog::v1::ListPosesRequest* request,
    yoga::catalog::v1::ListPosesResponse* response) {
  return Reply(context, response,
               [&] { return catalog::ListPoses(*catalog_, *request); });
}

}  // namespace yoga::catalog
