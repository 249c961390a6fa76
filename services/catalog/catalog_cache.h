// A copy of a CatalogService's content kept by its clients (the planner): it is
// fetched page by page, refreshed when the catalog's etag changes, and kept
// when the catalog cannot be reached, so the client keeps working on it.
#ifndef YOGA_SERVICES_CATALOG_CATALOG_CACHE_H_
#define YOGA_SERVICES_CATALOG_CATALOG_CACHE_H_

#include <functional>
#include <memory>
#include <thread>

#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "services/catalog/catalog.h"
#include "yoga/catalog/v1/catalog_service.grpc.pb.h"

namespace yoga::catalog {

class CatalogCache {
 public:
  // Called with each new content; a non-OK answer keeps the previous content.
  using OnChange = std::function<absl::Status(std::shared_ptr<const Catalog>)>;

  CatalogCache(
      std::shared_ptr<yoga::catalog::v1::CatalogService::StubInterface> stub,
      absl::Duration call_timeout, OnChange on_change);
  ~CatalogCache();  // Stops the refresh thread.

  // Asks for the etag and fetches everything when it changed. Errors say why
  // the catalog could not be read (the cached content stays).
  absl::Status Refresh();

  // Refreshes at once, then every `period`, on a background thread until
  // destroyed.
  void RefreshEvery(absl::Duration period);

  // The cached content; nullptr before the first successful fetch.
  std::shared_ptr<const Catalog> current() const;

 private:
  std::shared_ptr<yoga::catalog::v1::CatalogService::StubInterface> stub_;
  const absl::Duration call_timeout_;
  const OnChange on_change_;
  mutable absl::Mutex mutex_;
  std::shared_ptr<const Catalog> current_ ABSL_GUARDED_BY(mutex_);
  absl::Notification stop_;
  std::thread refresher_;
};

}  // namespace yoga::catalog

#endif  // YOGA_SERVICES_CATALOG_CATALOG_CACHE_H_
