// OpenStore: the URL picks the backend (store_url.h).
#include <variant>

#include "services/storage/postgres_store.h"
#include "services/storage/sqlite_store.h"
#include "services/storage/store.h"
#include "services/storage/store_url.h"

namespace yoga::storage {

absl::StatusOr<std::unique_ptr<Store>> OpenStore(const StoreOptions& options) {
  absl::StatusOr<StoreUrl> url = ParseStoreUrl(options.url);
  if (!url.ok()) return url.status();
  if (const auto* sqlite = std::get_if<SqliteUrl>(&*url)) {
    return OpenSqliteStore(sqlite->path, options);
  }
  return OpenPostgresStore(std::get<PostgresUrl>(*url), options);
}

}  // namespace yoga::storage
