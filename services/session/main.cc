// yoga-session: the session service alone. It asks a yoga-planner for routines
// and reads the catalog from a yoga-catalog, both over gRPC, and keeps its copy
// of the catalog while the catalog service cannot be reached.
#include <memory>
#include <string>

#include "absl/flags/flag.h"
#include "absl/synchronization/mutex.h"
#include "services/catalog/catalog_cache.h"
#include "services/runtime/peer_channel.h"
#include "services/runtime/server_main.h"
#include "services/session/session_flags.h"
#include "services/storage/storage_flags.h"

ABSL_FLAG(std::string, catalog, "127.0.0.1:50052",
          "HOST:PORT of the catalog service");
ABSL_FLAG(std::string, planner, "127.0.0.1:50053",
          "HOST:PORT of the planner service");
ABSL_FLAG(absl::Duration, catalog_refresh, absl::Seconds(10),
          "how often to check the catalog for new content");

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
  auto config = yoga::session::SessionConfigFromFlags();
  if (!config.ok())
    return yoga::ExitOnStartupError("yoga-session", config.status());
  auto packs = yoga::session::LoadVoicePacksFromFlags();
  if (!packs.ok())
    return yoga::ExitOnStartupError("yoga-session", packs.status());
  auto store = yoga::storage::OpenStoreFromFlags();
  if (!store.ok())
    return yoga::ExitOnStartupError("yoga-session", store.status());
  config->store = store->get();

  // The newest catalog, kept apart from the cache: the cache stops before
  // the host does, while calls may still ask for the catalog.
  absl::Mutex catalog_mutex;
  std::shared_ptr<const yoga::catalog::Catalog> catalog;
  std::unique_ptr<yoga::catalog::CatalogCache> cache;
  yoga::session::RealClock clock;
  yoga::session::SessionServiceImpl service(
      clock, *config, *std::move(packs),
      [&] {
        absl::MutexLock lock(&catalog_mutex);
        return catalog;
      },
      yoga::planner::v1::PlannerService::NewStub(
          yoga::MakePeerChannel(absl::GetFlag(FLAGS_planner), *peers)));
  return yoga::ServeUntilSignalled(
      "yoga-session",
      {{yoga::session::kSessionServiceName, &service, /*serving=*/false}},
      [&](yoga::ServiceHost& host) {
        auto channel =
            yoga::MakePeerChannel(absl::GetFlag(FLAGS_catalog), *peers);
        cache = std::make_unique<yoga::catalog::CatalogCache>(
            yoga::catalog::v1::CatalogService::NewStub(channel),
            absl::Seconds(5),
            [&](std::shared_ptr<const yoga::catalog::Catalog> fetched) {
              {
                absl::MutexLock lock(&catalog_mutex);
                catalog = std::move(fetched);
              }
              host.SetServing(yoga::session::kSessionServiceName, true);
              return absl::OkStatus();
            });
        cache->RefreshEvery(absl::GetFlag(FLAGS_catalog_refresh));
        return absl::OkStatus();
      },
      [&] {
        service.Shutdown();  // Open streams end with UNAVAILABLE.
        cache.reset();
      });
}
