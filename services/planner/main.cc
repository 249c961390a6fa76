// yoga-planner: the planner service alone. It reads the catalog from a
// yoga-catalog (or yoga-studio) over gRPC, refreshes it when its etag changes,
// and keeps planning on its copy while the catalog cannot be reached.
#include <optional>

#include "services/catalog/catalog_watch_flags.h"
#include "services/planner/planner_flags.h"
#include "services/planner/planner_service.h"
#include "services/runtime/peer_channel.h"
#include "services/runtime/server_main.h"
#include "services/storage/retention_sweeper.h"
#include "services/storage/storage_flags.h"

int main(int argc, char** argv) {
  yoga::InitServerMain(
      argc, argv, "127.0.0.1:50053",
      "yoga-planner [--listen=HOST:PORT] [--catalog=HOST:PORT] "
      "[--database=URL]: composes "
      "routines (yoga.planner.v1.PlannerService)");
  auto peers = yoga::PeerOptionsFromFlags();
  if (!peers.ok())
    return yoga::ExitOnStartupError("yoga-planner", peers.status());
  auto watch = yoga::catalog::CatalogWatchFromFlags(*peers);
  if (!watch.ok())
    return yoga::ExitOnStartupError("yoga-planner", watch.status());
  auto preset_files = yoga::planner::ReadPresetFilesFromFlags();
  if (!preset_files.ok())
    return yoga::ExitOnStartupError("yoga-planner", preset_files.status());
  auto retention = yoga::planner::RoutineRetentionFromFlags();
  if (!retention.ok())
    return yoga::ExitOnStartupError("yoga-planner", retention.status());
  auto store = yoga::storage::OpenStoreFromFlags();
  if (!store.ok())
    return yoga::ExitOnStartupError("yoga-planner", store.status());
  // Routines no reader has used for long leave the database.
  std::optional<yoga::storage::RetentionSweeper> sweeper;
  if (*store != nullptr) sweeper.emplace(**store, *retention);
  yoga::planner::Planner planner(*std::move(preset_files),
                                 yoga::planner::kDefaultStoreCapacity,
                                 store->get());
  yoga::planner::PlannerServiceImpl service(planner);
  watch->use = [&](std::shared_ptr<const yoga::catalog::Catalog> catalog) {
    return planner.UseCatalog(std::move(catalog));
  };
  watch->serving = {yoga::planner::kPlannerServiceName};
  yoga::catalog::CatalogWatcher watcher(*std::move(watch));
  return yoga::ServeUntilSignalled(
      "yoga-planner",
      {{yoga::planner::kPlannerServiceName, &service, /*serving=*/false}},
      [&](yoga::ServiceHost& host) { return watcher.Start(host); },
      [&] { watcher.Stop(); });
}
