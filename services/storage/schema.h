// The tables behind Store, in both SQL dialects, and how values are encoded in
// them. Both backends keep the same tables and columns:
//
//   schema_version(version)     one row: the last migration applied
//   routines(id, data, created_at)
//   routine_owners(owner, routine_id, used_at)   who may read each routine
//   sessions(id, version, profile_id, phase, ends_at, updated_at, finished,
//            data, owner, start_request_id)
//   practice_records(session_id, profile_id, routine_id, routine_title,
//                    start_time, end_time, practised_us, completed, owner)
//
// Times are unix microseconds in BIGINT columns, the infinite times the ends of
// the int64 range. Migrations only ever get appended: a database records the
// last one applied, and opening it applies each newer one in a transaction of
// its own (NextMigration says which). A program refuses a database migrated by
// a newer program.
#ifndef YOGA_SERVICES_STORAGE_SCHEMA_H_
#define YOGA_SERVICES_STORAGE_SCHEMA_H_

#include <cstdint>
#include <limits>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace yoga::storage {

struct Migration {
  int version;  // 1, 2, ...: the schema version once applied.
  // The statements, ';'-separated, for each dialect.
  const char* sqlite;
  const char* postgres;
};

// The bookkeeping table, created (if missing) before anything else is read.
inline constexpr char kCreateSchemaVersionTable[] =
    "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)";

// The newest schema version this program knows.
int LatestSchemaVersion();

// The migration to apply to a database at `stored_version` (0: empty), or
// nullptr when it is up to date. FAILED_PRECONDITION, naming `database` and
// both versions, when its schema is newer than this program knows.
absl::StatusOr<const Migration*> NextMigration(absl::string_view database,
                                               int64_t stored_version);

inline int64_t ToStoredTime(absl::Time time) {
  if (time == absl::InfiniteFuture())
    return std::numeric_limits<int64_t>::max();
  if (time == absl::InfinitePast()) return std::numeric_limits<int64_t>::min();
  return absl::ToUnixMicros(time);
}

inline absl::Time FromStoredTime(int64_t micros) {
  if (micros == std::numeric_limits<int64_t>::max()) {
    return absl::InfiniteFuture();
  }
  if (micros == std::numeric_limits<int64_t>::min()) {
    return absl::InfinitePast();
  }
  return absl::FromUnixMicros(micros);
}

}  // namespace yoga::storage

#endif  // YOGA_SERVICES_STORAGE_SCHEMA_H_
