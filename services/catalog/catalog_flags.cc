#include "services/catalog/catalog_flags.h"

#include <string>

#include "absl/flags/flag.h"
#include "services/catalog/catalog_loader.h"
#include "services/common/log.h"

ABSL_FLAG(std::string, catalog_dir, YOGA_DEFAULT_CATALOG_DIR,
          "folder of *.textproto pose files to serve");

namespace yoga::catalog {

absl::StatusOr<std::shared_ptr<const Catalog>> LoadCatalogFromFlags() {
  const std::string directory = absl::GetFlag(FLAGS_catalog_dir);
  absl::StatusOr<Catalog> catalog = LoadCatalog(directory);
  if (!catalog.ok()) return catalog.status();
  Log(LogLevel::kInfo, "catalog_loaded",
      {{"dir", directory},
       {"poses", std::to_string(catalog->poses().size())},
       {"etag", catalog->etag()}});
  return std::make_shared<const Catalog>(*std::move(catalog));
}

}  // namespace yoga::catalog
