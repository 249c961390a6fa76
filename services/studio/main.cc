// yoga-studio: every service in one process on one port, the default for one
// machine. The planner and session services answer UNIMPLEMENTED (and report
// NOT_SERVING) until they are built.
#include "services/catalog/catalog_flags.h"
#include "services/catalog/catalog_service.h"
#include "services/common/server_main.h"
#include "yoga/planner/v1/planner_service.grpc.pb.h"
#include "yoga/session/v1/session_service.grpc.pb.h"

int main(int argc, char** argv) {
  yoga::InitServerMain(
      argc, argv, "127.0.0.1:50051",
      "yoga-studio [--listen=HOST:PORT] [--catalog_dir=DIR]: serves the "
      "catalog, planner and session services on one port");
  auto catalog = yoga::catalog::LoadCatalogFromFlags();
  if (!catalog.ok())
    return yoga::ExitOnStartupError("yoga-studio", catalog.status());
  yoga::catalog::CatalogServiceImpl catalog_service(*catalog);
  yoga::planner::v1::PlannerService::Service planner_service;
  yoga::session::v1::SessionService::Service session_service;
  return yoga::ServeUntilSignalled(
      "yoga-studio",
      {{yoga::catalog::kCatalogServiceName, &catalog_service},
       {"yoga.planner.v1.PlannerService", &planner_service, /*serving=*/false},
       {"yoga.session.v1.SessionService", &session_service,
        /*serving=*/false}});
}
