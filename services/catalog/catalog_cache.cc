#include "services/catalog/catalog_cache.h"

#include <chrono>
#include <utility>

#include "absl/strings/str_cat.h"
#include "grpcpp/client_context.h"
#include "services/catalog/catalog_validation.h"
#include "services/common/errors.h"
#include "services/common/log.h"
#include "services/shared/catalog_client.h"

namespace yoga::catalog {

CatalogCache::CatalogCache(
    std::shared_ptr<yoga::catalog::v1::CatalogService::StubInterface> stub,
    absl::Duration call_timeout, OnChange on_change)
    : stub_(std::move(stub)),
      call_timeout_(call_timeout),
      on_change_(std::move(on_change)) {}

CatalogCache::~CatalogCache() {
  stop_.Notify();
  if (refresher_.joinable()) refresher_.join();
}

absl::Status CatalogCache::Refresh() {
  // One pose is enough to read the etag.
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       absl::ToChronoMilliseconds(call_timeout_));
  yoga::catalog::v1::ListPosesRequest request;
  request.set_page_size(1);
  yoga::catalog::v1::ListPosesResponse response;
  if (grpc::Status status = stub_->ListPoses(&context, request, &response);
      !status.ok()) {
    return FromGrpcStatus(status);
  }
  if (std::shared_ptr<const Catalog> cached = current();
      cached != nullptr && cached->etag() == response.etag()) {
    return absl::OkStatus();
  }
  absl::StatusOr<PoseListing> listing = FetchAllPoses(*stub_, call_timeout_);
  if (!listing.ok()) return listing.status();
  // The planner trusts its catalog, so a copy is checked like files are.
  if (std::vector<std::string> problems = ValidatePoses(listing->poses);
      !problems.empty()) {
    return WithReason(
        absl::FailedPreconditionError(absl::StrCat(
            "the catalog service sent poses that break the catalog rules (",
            problems.size(), " problems), first: ", problems.front())),
        "CATALOG_INVALID");
  }
  auto catalog =
      std::make_shared<const Catalog>(std::move(listing->poses), listing->etag);
  if (absl::Status accepted = on_change_(catalog); !accepted.ok())
    return accepted;
  Log(LogLevel::kInfo, "catalog_cached",
      {{"etag", catalog->etag()},
       {"poses", std::to_string(catalog->poses().size())}});
  absl::MutexLock lock(&mutex_);
  current_ = std::move(catalog);
  return absl::OkStatus();
}

void CatalogCache::RefreshEvery(absl::Duration period) {
  refresher_ = std::thread([this, period] {
    bool healthy = true;
    absl::Duration wait = absl::ZeroDuration();  // The first try is at once.
    while (!stop_.WaitForNotificationWithTimeout(wait)) {
      wait = period;
      absl::Status status = Refresh();
      // Log changes of reachability, not every failed attempt.
      if (status.ok() != healthy) {
        Log(status.ok() ? LogLevel::kInfo : LogLevel::kWarning,
            "catalog_refresh",
            {{"ok", status.ok() ? "true" : "false"},
             {"error", std::string(status.message())}});
        healthy = status.ok();
      }
    }
  });
}

std::shared_ptr<const Catalog> CatalogCache::current() const {
  absl::MutexLock lock(&mutex_);
  return current_;
}

}  // namespace yoga::catalog
