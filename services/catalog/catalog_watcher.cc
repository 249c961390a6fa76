#include "services/catalog/catalog_watcher.h"

#include <utility>

namespace yoga::catalog {

absl::Status CatalogWatcher::Start(ServiceHost& host) {
  cache_ = std::make_unique<CatalogCache>(
      yoga::catalog::v1::CatalogService::NewStub(
          watch_.channel != nullptr ? watch_.channel : host.InProcessChannel()),
      watch_.call_timeout,
      [&host, use = watch_.use,
       serving = watch_.serving](std::shared_ptr<const Catalog> catalog) {
        absl::Status status = use(std::move(catalog));
        if (!status.ok()) return status;
        for (const std::string& service : serving)
          host.SetServing(service, true);
        return absl::OkStatus();
      });
  if (watch_.refresh == absl::ZeroDuration()) return cache_->Refresh();
  cache_->RefreshEvery(watch_.refresh);
  return absl::OkStatus();
}

}  // namespace yoga::catalog
