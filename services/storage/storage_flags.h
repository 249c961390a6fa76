// --data_dir and --database, shared by every program that keeps state
// (yoga-planner, yoga-session, yoga-studio), with --database_pool_size and
// --database_timeout.
//   (no --database)          SQLite at DATA_DIR/yoga.db: one machine, no setup
//   --database=memory         nothing kept: gone when the program stops
//   --database=sqlite:PATH    SQLite at PATH
//   --database=postgresql://USER:PASSWORD@HOST:PORT/DB   shared by replicas
// --data_dir defaults to $XDG_STATE_HOME/yoga, else ~/.local/state/yoga.
#ifndef YOGA_SERVICES_STORAGE_STORAGE_FLAGS_H_
#define YOGA_SERVICES_STORAGE_STORAGE_FLAGS_H_

#include <memory>

#include "absl/status/statusor.h"
#include "services/storage/store.h"

namespace yoga::storage {

// The store the flags ask for, opened and migrated; nullptr for
// --database=memory. Errors name the flag or the database and what to do.
absl::StatusOr<std::unique_ptr<Store>> OpenStoreFromFlags();

}  // namespace yoga::storage

#endif  // YOGA_SERVICES_STORAGE_STORAGE_FLAGS_H_
