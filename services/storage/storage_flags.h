// --data_dir and the database, shared by every program that keeps state
// (yoga-planner, yoga-session, yoga-studio), with --database_pool_size and
// --database_timeout. The database is named in at most one place:
//   --database=URL         on the command line (no password there: `ps` shows
//                          it to every user of the host; a warning says so)
//   --database_file=PATH   a file holding the URL (a mounted Secret), read
//                          once at start; surrounding whitespace is trimmed
//   YOGA_DATABASE_URL=URL  the environment, when neither flag is given
// and the URL is one of
//   (none of the three)      SQLite at DATA_DIR/yoga.db: one machine, no setup
//   memory                   nothing kept: gone when the program stops
//   sqlite:PATH              SQLite at PATH
//   postgresql://USER:PASSWORD@HOST:PORT/DB?sslmode=verify-full  shared by
//                            replicas; any libpq parameter in the query
// --data_dir defaults to $XDG_STATE_HOME/yoga, else ~/.local/state/yoga.
// No error or log line shows a password: URLs pass through RedactPassword.
#ifndef YOGA_SERVICES_STORAGE_STORAGE_FLAGS_H_
#define YOGA_SERVICES_STORAGE_STORAGE_FLAGS_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "services/storage/store.h"

namespace yoga::storage {

// The environment variable read when neither --database nor --database_file
// is given.
inline constexpr char kDatabaseUrlVariable[] = "YOGA_DATABASE_URL";

// The places a database URL may come from ("" = not given).
struct DatabaseUrlSources {
  std::string flag;         // --database
  std::string file;         // --database_file: the path
  std::string environment;  // $YOGA_DATABASE_URL
};

// The URL the sources give, with `where` naming its source for messages
// ("--database_file=/etc/yoga/database/url"); url "" when none is given (the
// SQLite default). INVALID_ARGUMENT when two are given, the file is empty,
// too large (64 KiB) or holds more than one line; NOT_FOUND or
// PERMISSION_DENIED when it cannot be opened. Messages name the source, never
// its content.
struct DatabaseUrl {
  std::string url;
  std::string where;
};
absl::StatusOr<DatabaseUrl> ResolveDatabaseUrl(
    const DatabaseUrlSources& sources);

// The store the flags ask for, opened and migrated; nullptr for "memory".
// Errors name the flag or the database and what to do.
absl::StatusOr<std::unique_ptr<Store>> OpenStoreFromFlags();

}  // namespace yoga::storage

#endif  // YOGA_SERVICES_STORAGE_STORAGE_FLAGS_H_
