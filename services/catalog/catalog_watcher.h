// How a service program keeps the catalog it works on (the planner's,
// the session service's): a CatalogCache fetched from a CatalogService once
// the host serves, each new content handed to `use`, and the program's
// services marked SERVING once a content was taken. Every main.cc that needs
// the catalog wires it the same way:
//
//   CatalogWatcher watcher({.channel = ..., .use = ...,
//                           .serving = {kPlannerServiceName}});
//   return ServeUntilSignalled(program, services,
//       [&](ServiceHost& host) { return watcher.Start(host); },
//       [&] { watcher.Stop(); });
#ifndef YOGA_SERVICES_CATALOG_CATALOG_WATCHER_H_
#define YOGA_SERVICES_CATALOG_CATALOG_WATCHER_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "grpcpp/channel.h"
#include "services/catalog/catalog_cache.h"
#include "services/runtime/service_host.h"

namespace yoga::catalog {

struct CatalogWatch {
  // To the catalog service on a peer; null: the host's own, in process.
  std::shared_ptr<grpc::Channel> channel;
  absl::Duration call_timeout = absl::Seconds(5);
  // How often to look for new content. Zero: fetch once now, and fail (a
  // start-up error) when that fails: the catalog is in this process, so a
  // failure is a content error, such as a preset that does not fit it.
  absl::Duration refresh = absl::ZeroDuration();
  // Takes each new content; a non-OK answer keeps the previous one and the
  // services' serving status as it was.
  CatalogCache::OnChange use;
  // Services marked SERVING on the host once `use` took a content.
  std::vector<std::string> serving;
};

class CatalogWatcher {
 public:
  explicit CatalogWatcher(CatalogWatch watch) : watch_(std::move(watch)) {}
  ~CatalogWatcher() { Stop(); }

  // Fetches the catalog (once, or now and every watch.refresh) and marks
  // the services on `host`. Once only.
  absl::Status Start(ServiceHost& host);
  // Stops refreshing; call before the host goes, as the refresh thread
  // touches it. Idempotent.
  void Stop() { cache_.reset(); }

 private:
  CatalogWatch watch_;
  std::unique_ptr<CatalogCache> cache_;
};

// The newest content, for a service that reads it on every call: it outlives
// the cache, as calls may come until the host is gone. Thread-safe.
class LatestCatalog {
 public:
  void Set(std::shared_ptr<const Catalog> catalog) {
    absl::MutexLock lock(&mutex_);
    catalog_ = std::move(catalog);
  }
  // Null before the first content.
  std::shared_ptr<const Catalog> Get() const {
    absl::MutexLock lock(&mutex_);
    return catalog_;
  }

 private:
  mutable absl::Mutex mutex_;
  std::shared_ptr<const Catalog> catalog_ ABSL_GUARDED_BY(mutex_);
};

}  // namespace yoga::catalog

#endif  // YOGA_SERVICES_CATALOG_CATALOG_WATCHER_H_
