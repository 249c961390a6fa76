// yoga.catalog.v1.CatalogService over a loaded Catalog: a thin layer that
// forwards to pose_query.h and turns its errors into gRPC statuses.
#ifndef YOGA_SERVICES_CATALOG_CATALOG_SERVICE_H_
#define YOGA_SERVICES_CATALOG_CATALOG_SERVICE_H_

#include <memory>

#include "services/catalog/catalog.h"
#include "yoga/catalog/v1/catalog_service.grpc.pb.h"

namespace yoga::catalog {

inline constexpr char kCatalogServiceName[] = "yoga.catalog.v1.CatalogService";

class CatalogServiceImpl final
    : public yoga::catalog::v1::CatalogService::CallbackService {
 public:
  explicit CatalogServiceImpl(std::shared_ptr<const Catalog> catalog);

  grpc::ServerUnaryReactor* GetPose(
      grpc::CallbackServerContext* context,
      const yoga::catalog::v1::GetPoseRequest* request,
      yoga::catalog::v1::Pose* response) override;
  grpc::ServerUnaryReactor* ListPoses(
      grpc::CallbackServerContext* context,
      const yoga::catalog::v1::ListPosesRequest* request,
      yoga::catalog::v1::ListPosesResponse* response) override;

 private:
  std::shared_ptr<const Catalog> catalog_;
};

}  // namespace yoga::catalog

#endif  // YOGA_SERVICES_CATALOG_CATALOG_SERVICE_H_
