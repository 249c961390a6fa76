#include "services/catalog/catalog_watch_flags.h"

#include <string>

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
  watch.channel = MakePeerChannel(absl::GetFlag(FLAGS_catalog), peers);
  return watch;
}

}  // namespace yoga::catalog
