// yoga-session: the session service alone. It asks a yoga-planner for routines
// and reads the catalog from a yoga-catalog, both over gRPC, and keeps its copy
// of the catalog while the catalog service cannot be reached.
#include <memory>
#include <optional>
#include <string>

#include "absl/flags/flag.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "services/catalog/catalog_watch_flags.h"
#include "services/runtime/peer_channel.h"
#include "services/runtime/server_main.h"
#include "services/session/session_flags.h"
#include "services/session/session_service.h"
#include "services/storage/retention_sweeper.h"
#include "services/storage/storage_flags.h"

ABSL_FLAG(std::string, planner, "127.0.0.1:50053",
          "HOST:PORT of the planner service");

int main(int argc, char** argv) {
  yoga::InitServerMain(
      argc, argv, "127.0.0.1:50054",
      "yoga-session [--listen=HOST:PORT] [--catalog=HOST:PORT] "
      "[--planner=HOST:PORT] [--database=URL]: plays routines as live cue "
      "streams "
      "(yoga.session.v1.SessionService)");
  auto peers = yoga::PeerOptionsFromFlags();
  if (!peers.ok())
    return yoga::ExitOnStartupError("yoga-session", peers.status());
  auto watch = yoga::catalog::CatalogWatchFromFlags(*peers);
  if (!watch.ok())
    return yoga::ExitOnStartupError("yoga-session", watch.status());
  const std::string planner_target = absl::GetFlag(FLAGS_planner);
  auto planner_channel = yoga::MakePeerChannel(planner_target, *peers);
  if (!planner_channel.ok()) {
    return yoga::ExitOnStartupError(
        "yoga-session",
        absl::Status(planner_channel.status().code(),
                     absl::StrCat("--planner=", planner_target, ": ",
                                  planner_channel.status().message())));
  }
  auto config = yoga::session::SessionConfigFromFlags();
  if (!config.ok())
    return yoga::ExitOnStartupError("yoga-session", config.status());
  auto retention = yoga::session::SessionRetentionFromFlags();
  if (!retention.ok())
    return yoga::ExitOnStartupError("yoga-session", retention.status());
  auto packs = yoga::session::LoadVoicePacksFromFlags();
  if (!packs.ok())
    return yoga::ExitOnStartupError("yoga-session", packs.status());
  auto store = yoga::storage::OpenStoreFromFlags();
  if (!store.ok())
    return yoga::ExitOnStartupError("yoga-session", store.status());
  config->store = store->get();
  // Finished sessions (and old records, if asked) leave the database.
  std::optional<yoga::storage::RetentionSweeper> sweeper;
  if (*store != nullptr) sweeper.emplace(**store, *retention);

  yoga::catalog::LatestCatalog catalog;
  watch->use = [&](std::shared_ptr<const yoga::catalog::Catalog> fetched) {
    catalog.Set(std::move(fetched));
    return absl::OkStatus();
  };
  watch->serving = {yoga::session::kSessionServiceName};
  yoga::catalog::CatalogWatcher watcher(*std::move(watch));
  yoga::session::RealClock clock;
  yoga::session::SessionServiceImpl service(
      clock, *config, *std::move(packs), [&] { return catalog.Get(); },
      yoga::planner::v1::PlannerService::NewStub(*planner_channel));
  return yoga::ServeUntilSignalled(
      "yoga-session",
      {{yoga::session::kSessionServiceName, &service, /*serving=*/false}},
      [&](yoga::ServiceHost& host) { return watcher.Start(host); },
      [&] {
        service.Shutdown();  // Open streams end with UNAVAILABLE.
        watcher.Stop();
      });
}
