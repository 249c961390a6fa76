#include "services/catalog/catalog_service.h"

#include <utility>

#include "services/catalog/pose_query.h"
#include "services/runtime/unary_call.h"

namespace yoga::catalog {
CatalogServiceImpl::CatalogServiceImpl(std::shared_ptr<const Catalog> catalog)
    : catalog_(std::move(catalog)) {}

grpc::ServerUnaryReactor* CatalogServiceImpl::GetPose(
    grpc::CallbackServerContext* context,
    const yoga::catalog::v1::GetPoseRequest* request,
    yoga::catalog::v1::Pose* response) {
  return AnswerUnary(context, response,
                     [&] { return catalog::GetPose(*catalog_, *request); });
}

grpc::ServerUnaryReactor* CatalogServiceImpl::ListPoses(
    grpc::CallbackServerContext* context,
    const yoga::catalog::v1::ListPosesRequest* request,
    yoga::catalog::v1::ListPosesResponse* response) {
  return AnswerUnary(context, response,
                     [&] { return catalog::ListPoses(*catalog_, *request); });
}

}  // namespace yoga::catalog
