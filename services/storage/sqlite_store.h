// The SQLite backend: the data of one machine in one file. One connection,
// guarded by a mutex, runs every call; its prepared statements are cached.
// The file is opened in WAL mode with synchronous=FULL, so a call that returns
// OK has been fsynced; busy_timeout is the statement timeout, so a write
// waiting on another process's lock for longer fails DEADLINE_EXCEEDED.
// Several processes may open the same file, but Shared() is false: SQLite is
// for one machine, where one session service owns the sessions.
#ifndef YOGA_SERVICES_STORAGE_SQLITE_STORE_H_
#define YOGA_SERVICES_STORAGE_SQLITE_STORE_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "services/storage/store.h"

namespace yoga::storage {

// Opens or creates `path` (its directory must exist), checks it and brings its
// schema up to date. UNAVAILABLE when the file cannot be opened or created,
// DATA_LOSS when it is not a database or is corrupt, FAILED_PRECONDITION when
// a newer program has migrated it.
absl::StatusOr<std::unique_ptr<Store>> OpenSqliteStore(
    const std::string& path, const StoreOptions& options);

}  // namespace yoga::storage

#endif  // YOGA_SERVICES_STORAGE_SQLITE_STORE_H_
