// yoga-planner: the planner service alone. It reads the catalog from a
// yoga-catalog (or yoga-studio) over gRPC, refreshes it when its etag changes,
// and keeps planning on its copy while the catalog cannot be reached.
#include <memory>
#include <string>

#include "absl/flags/flag.h"
#include "services/catalog/catalog_cache.h"
#include "services/runtime/peer_channel.h"
#include "services/runtime/server_main.h"
#include "services/planner/planner_flags.h"
#include "services/planner/planner_service.h"
#include "services/storage/storage_flags.h"

ABSL_FLAG(std::string, catalog, "127.0.0.1:50052",
          "HOST:PORT of the catalog service");
ABSL_FLAG(absl::Duration, catalog_refresh, absl::Seconds(10),
          "how often to check the catalog for new content");

int main(int argc, char** argv) {
  yoga::InitServerMain(
      argc, argv, "127.0.0.1:50053",
      "yoga-planner [--listen=HOST:PORT] [--catalog=HOST:PORT] "
      "[--database=URL]: composes "
      "routines (yoga.planner.v1.PlannerService)");
  auto peers = yoga::PeerOptionsFromFlags();
  if (!peers.ok())
    return yoga::ExitOnStartupError("yoga-planner", peers.status());
  auto preset_files = yoga::planner::ReadPresetFilesFromFlags();
  if (!preset_files.ok())
    return yoga::ExitOnStartupError("yoga-planner", preset_files.status());
  auto store = yoga::storage::OpenStoreFromFlags();
  if (!store.ok())
    return yoga::ExitOnStartupError("yoga-planner", store.status());
  yoga::planner::Planner planner(*std::move(preset_files),
                                 yoga::planner::kDefaultStoreCapacity,
                                 store->get());
  yoga::planner::PlannerServiceImpl service(planner);
  std::unique_ptr<yoga::catalog::CatalogCache> cache;
  return yoga::ServeUntilSignalled(
      "yoga-planner",
      {{yoga::planner::kPlannerServiceName, &service, /*serving=*/false}},
      [&](yoga::ServiceHost& host) {
        auto channel =
            yoga::MakePeerChannel(absl::GetFlag(FLAGS_catalog), *peers);
        cache = std::make_unique<yoga::catalog::CatalogCache>(
            yoga::catalog::v1::CatalogService::NewStub(channel),
            absl::Seconds(5),
            [&](std::shared_ptr<const yoga::catalog::Catalog> catalog) {
              absl::Status status = planner.UseCatalog(std::move(catalog));
              if (status.ok())
                host.SetServing(yoga::planner::kPlannerServiceName, true);
              return status;
            });
        cache->RefreshEvery(absl::GetFlag(FLAGS_catalog_refresh));
        return absl::OkStatus();
      },
      // The refresh thread touches the host: stop it before the host goes.
      [&] { cache.reset(); });
}
