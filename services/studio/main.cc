// yoga-studio: every service in one process on one port, the default for one
// machine. The planner reads the catalog, and the session service calls the
// planner, through in-process channels: the same client code yoga-planner and
// yoga-session use over the network.
#include <optional>

#include "services/catalog/catalog_flags.h"
#include "services/catalog/catalog_service.h"
#include "services/catalog/catalog_watcher.h"
#include "services/planner/planner_flags.h"
#include "services/planner/planner_service.h"
#include "services/runtime/server_main.h"
#include "services/session/session_flags.h"
#include "services/session/session_service.h"
#include "services/storage/retention_sweeper.h"
#include "services/storage/storage_flags.h"

int main(int argc, char** argv) {
  yoga::InitServerMain(
      argc, argv, "127.0.0.1:50051",
      "yoga-studio [--listen=HOST:PORT] [--catalog_dir=DIR] "
      "[--presets_dir=DIR] [--voice_dir=DIR] [--data_dir=DIR] "
      "[--database=URL]: "
      "serves the catalog, planner and session services on one port");
  auto catalog = yoga::catalog::LoadCatalogFromFlags();
  if (!catalog.ok())
    return yoga::ExitOnStartupError("yoga-studio", catalog.status());
  auto preset_files = yoga::planner::ReadPresetFilesFromFlags();
  if (!preset_files.ok())
    return yoga::ExitOnStartupError("yoga-studio", preset_files.status());
  auto session_config = yoga::session::SessionConfigFromFlags();
  if (!session_config.ok())
    return yoga::ExitOnStartupError("yoga-studio", session_config.status());
  // One sweep for both: the session service's rows and the planner's.
  auto retention = yoga::session::SessionRetentionFromFlags();
  if (!retention.ok())
    return yoga::ExitOnStartupError("yoga-studio", retention.status());
  auto routine_retention = yoga::planner::RoutineRetentionFromFlags();
  if (!routine_retention.ok())
    return yoga::ExitOnStartupError("yoga-studio", routine_retention.status());
  retention->keep_unused_routines = routine_retention->keep_unused_routines;
  auto voice_packs = yoga::session::LoadVoicePacksFromFlags();
  if (!voice_packs.ok())
    return yoga::ExitOnStartupError("yoga-studio", voice_packs.status());
  // One database for the planner's routines and the sessions.
  auto store = yoga::storage::OpenStoreFromFlags();
  if (!store.ok())
    return yoga::ExitOnStartupError("yoga-studio", store.status());
  session_config->store = store->get();
  std::optional<yoga::storage::RetentionSweeper> sweeper;
  if (*store != nullptr) sweeper.emplace(**store, *retention);

  yoga::catalog::CatalogServiceImpl catalog_service(*catalog);
  yoga::planner::Planner planner(*std::move(preset_files),
                                 yoga::planner::kDefaultStoreCapacity,
                                 store->get());
  yoga::planner::PlannerServiceImpl planner_service(planner);
  yoga::session::RealClock clock;
  yoga::session::SessionServiceImpl session_service(
      clock, *session_config, *std::move(voice_packs),
      [catalog = *catalog] { return catalog; }, /*planner=*/nullptr);
  // The catalog is in this process: fetched once, a failure is a content
  // error (a preset that does not fit the catalog), reported with file and
  // line.
  yoga::catalog::CatalogWatcher watcher(
      {.call_timeout = absl::Seconds(10),
       .use =
           [&](std::shared_ptr<const yoga::catalog::Catalog> loaded) {
             return planner.UseCatalog(std::move(loaded));
           },
       .serving = {yoga::planner::kPlannerServiceName}});
  return yoga::ServeUntilSignalled(
      "yoga-studio",
      {{yoga::catalog::kCatalogServiceName, &catalog_service},
       {yoga::planner::kPlannerServiceName, &planner_service,
        /*serving=*/false},
       {yoga::session::kSessionServiceName, &session_service,
        /*serving=*/false}},
      [&](yoga::ServiceHost& host) {
        if (absl::Status status = watcher.Start(host); !status.ok())
          return status;
        session_service.UsePlanner(yoga::planner::v1::PlannerService::NewStub(
            host.InProcessChannel()));
        host.SetServing(yoga::session::kSessionServiceName, true);
        return absl::OkStatus();
      },
      [&] {
        session_service.Shutdown();  // Open streams end with UNAVAILABLE.
        watcher.Stop();
      });
}
