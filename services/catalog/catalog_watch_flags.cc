#include "services/catalog/catalog_watch_flags.h"

#include <memory>
#include <string>
#include <utility>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"

ABSL_FLAG(std::string, catalog, "127.0.0.1:50052",
          "HOST:PORT of the catalog service");
ABSL_FLAG(absl::Duration, catalog_refresh, absl::Seconds(10),
          "how often to check the catalog for new content");

namespace yoga::catalog {

absl::StatusOr<CatalogWatch> CatalogWatchFromFlags(const PeerOptions& peers) {
  CatalogWatch watch;
  watch.refresh = absl::GetFlag(FLAGS_catalog_refresh);
  if (watch.refresh <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError(
        absl::StrCat("--catalog_refresh: must be more than 0, not ",
                     absl::FormatDuration(watch.refresh)));
  }
  const std::string target = absl::GetFlag(FLAGS_catalog);
  absl::StatusOr<std::shared_ptr<grpc::Channel>> channel =
      MakePeerChannel(target, peers);
  if (!channel.ok()) {
    return absl::Status(
        channel.status().code(),
        absl::StrCat("--catalog=", target, ": ", channel.status().message()));
  }
  watch.channel = *std::move(channel);
  return watch;
}

}  // namespace yoga::catalog
