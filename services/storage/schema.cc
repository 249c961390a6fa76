#include "services/storage/schema.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace yoga::storage {
namespace {

// Version 1. DueSessions reads the two partial indexes on sessions (each
// names the phase it serves); ListPracticeRecords pages through
// practice_records_by_profile. PostgreSQL compares ids bytewise (COLLATE "C"),
// as SQLite does: the order of pages must not depend on the server's locale.
constexpr char kVersion1Sqlite[] = R"sql(
CREATE TABLE routines (
  id TEXT PRIMARY KEY,
  data BLOB NOT NULL,
  created_at BIGINT NOT NULL
);
CREATE TABLE sessions (
  id TEXT PRIMARY KEY,
  version BIGINT NOT NULL,
  profile_id TEXT NOT NULL,
  phase INTEGER NOT NULL,
  ends_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  finished INTEGER NOT NULL,
  data BLOB NOT NULL
);
CREATE INDEX sessions_running_due ON sessions (ends_at, id)
  WHERE NOT finished AND phase = 1;
CREATE INDEX sessions_paused_due ON sessions (updated_at, id)
  WHERE NOT finished AND phase = 2;
CREATE TABLE practice_records (
  session_id TEXT PRIMARY KEY,
  profile_id TEXT NOT NULL,
  routine_id TEXT NOT NULL,
  routine_title TEXT NOT NULL,
  start_time BIGINT NOT NULL,
  end_time BIGINT NOT NULL,
  practised_us BIGINT NOT NULL,
  completed INTEGER NOT NULL
);
CREATE INDEX practice_records_by_profile
  ON practice_records (profile_id, start_time DESC, session_id DESC);
)sql";

constexpr char kVersion1Postgres[] = R"sql(
CREATE TABLE routines (
  id TEXT COLLATE "C" PRIMARY KEY,
  data BYTEA NOT NULL,
  created_at BIGINT NOT NULL
);
CREATE TABLE sessions (
  id TEXT COLLATE "C" PRIMARY KEY,
  version BIGINT NOT NULL,
  profile_id TEXT COLLATE "C" NOT NULL,
  phase INTEGER NOT NULL,
  ends_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  finished BOOLEAN NOT NULL,
  data BYTEA NOT NULL
);
CREATE INDEX sessions_running_due ON sessions (ends_at, id)
  WHERE NOT finished AND phase = 1;
CREATE INDEX sessions_paused_due ON sessions (updated_at, id)
  WHERE NOT finished AND phase = 2;
CREATE TABLE practice_records (
  session_id TEXT COLLATE "C" PRIMARY KEY,
  profile_id TEXT COLLATE "C" NOT NULL,
  routine_id TEXT COLLATE "C" NOT NULL,
  routine_title TEXT NOT NULL,
  start_time BIGINT NOT NULL,
  end_time BIGINT NOT NULL,
  practised_us BIGINT NOT NULL,
  completed BOOLEAN NOT NULL
);
CREATE INDEX practice_records_by_profile
  ON practice_records (profile_id, start_time DESC, session_id DESC);
)sql";

// Version 2: what is whose (each API key sees only its own) and which
// StartSession made a session (request_id). Rows from before belong to ""
// (local, keyless use): a server that starts using --api_keys does not hand
// them to any partner. Histories are paged per owner and profile.
constexpr char kVersion2Sqlite[] = R"sql(
CREATE TABLE routine_owners (
  owner TEXT NOT NULL,
  routine_id TEXT NOT NULL,
  used_at BIGINT NOT NULL,
  PRIMARY KEY (owner, routine_id)
);
INSERT INTO routine_owners (owner, routine_id, used_at)
  SELECT '', id, created_at FROM routines;
ALTER TABLE sessions ADD COLUMN owner TEXT NOT NULL DEFAULT '';
ALTER TABLE sessions ADD COLUMN start_request_id TEXT;
CREATE UNIQUE INDEX sessions_by_start_request
  ON sessions (owner, start_request_id) WHERE start_request_id IS NOT NULL;
ALTER TABLE practice_records ADD COLUMN owner TEXT NOT NULL DEFAULT '';
DROP INDEX practice_records_by_profile;
CREATE INDEX practice_records_by_owner
  ON practice_records (owner, profile_id, start_time DESC, session_id DESC);
)sql";

constexpr char kVersion2Postgres[] = R"sql(
CREATE TABLE routine_owners (
  owner TEXT COLLATE "C" NOT NULL,
  routine_id TEXT COLLATE "C" NOT NULL,
  used_at BIGINT NOT NULL,
  PRIMARY KEY (owner, routine_id)
);
INSERT INTO routine_owners (owner, routine_id, used_at)
  SELECT '', id, created_at FROM routines;
ALTER TABLE sessions ADD COLUMN owner TEXT COLLATE "C" NOT NULL DEFAULT '';
ALTER TABLE sessions ADD COLUMN start_request_id TEXT COLLATE "C";
CREATE UNIQUE INDEX sessions_by_start_request
  ON sessions (owner, start_request_id) WHERE start_request_id IS NOT NULL;
ALTER TABLE practice_records ADD COLUMN owner TEXT COLLATE "C" NOT NULL
  DEFAULT '';
DROP INDEX practice_records_by_profile;
CREATE INDEX practice_records_by_owner
  ON practice_records (owner, profile_id, start_time DESC, session_id DESC);
)sql";

// Version 3: retention. Each sweep (statements.h) reads its rows oldest
// first through an index, and a routine's readers are found by routine id.
// The same text serves both dialects.
constexpr char kVersion3[] = R"sql(
CREATE INDEX sessions_finished ON sessions (updated_at, id) WHERE finished;
CREATE INDEX routine_owners_by_use
  ON routine_owners (used_at, owner, routine_id);
CREATE INDEX routine_owners_by_routine ON routine_owners (routine_id);
CREATE INDEX practice_records_by_start
  ON practice_records (start_time, session_id);
)sql";

// Version 4: classes. A mat finds a live class by its owner and join code;
// two live classes of one owner never share a code, an ended one frees it.
constexpr char kVersion4Sqlite[] = R"sql(
ALTER TABLE sessions ADD COLUMN join_code TEXT;
CREATE UNIQUE INDEX sessions_by_join_code
  ON sessions (owner, join_code) WHERE join_code IS NOT NULL AND NOT finished;
)sql";

constexpr char kVersion4Postgres[] = R"sql(
ALTER TABLE sessions ADD COLUMN join_code TEXT COLLATE "C";
CREATE UNIQUE INDEX sessions_by_join_code
  ON sessions (owner, join_code) WHERE join_code IS NOT NULL AND NOT finished;
)sql";

// Append only; never edit a migration a database may have applied.
constexpr Migration kMigrations[] = {
    {1, kVersion1Sqlite, kVersion1Postgres},
    {2, kVersion2Sqlite, kVersion2Postgres},
    {3, kVersion3, kVersion3},
    {4, kVersion4Sqlite, kVersion4Postgres},
};

}  // namespace

int LatestSchemaVersion() { return std::size(kMigrations); }

absl::StatusOr<const Migration*> NextMigration(absl::string_view database,
                                               int64_t stored_version) {
  if (stored_version > LatestSchemaVersion()) {
    return absl::FailedPreconditionError(absl::StrCat(
        database, " has schema version ", stored_version,
        "; this program knows versions up to ", LatestSchemaVersion(),
        ": upgrade this program (or point it at another database)"));
  }
  if (stored_version == LatestSchemaVersion()) return nullptr;
  return &kMigrations[stored_version < 0 ? 0 : stored_version];
}

}  // namespace yoga::storage
