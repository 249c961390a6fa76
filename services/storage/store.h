// The one storage interface of the planner and the session service: routines,
// sessions and practice records, kept in SQLite (one machine, the default) or
// PostgreSQL (a cluster). OpenStore picks the backend from a URL.
//
// Contract, the same for every backend (tests/services/storage runs one suite
// against each):
//  - Values are opaque bytes to the store (serialized protos); it only reads
//    the columns it queries by.
//  - Every call is one transaction, durable when it returns OK.
//  - The database unreachable or lost mid-call: UNAVAILABLE, and the next call
//    tries to connect again. A statement over the timeout: DEADLINE_EXCEEDED.
//  - Thread-safe.
#ifndef YOGA_SERVICES_STORAGE_STORE_H_
#define YOGA_SERVICES_STORAGE_STORE_H_

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace yoga::storage {

// The life of a stored session, as the columns the store queries by see it.
enum class SessionPhase {
  kRunning = 1,
  kPaused = 2,
  kStopped = 3,
  kCompleted = 4
};

// Routines put for this owner are anyone's: the presets. They are never
// swept (DeleteUnusedRoutines).
inline constexpr char kEveryOwner[] = "*";

// GetRoutine marks a routine used by its reader (routine_owners.used_at) when
// the mark is older than this: at most one small write per reader, routine
// and day, so that a routine partners keep playing is never swept.
inline constexpr absl::Duration kRoutineUseRefresh = absl::Hours(24);

// What one batch of DeleteUnusedRoutines removed.
struct SweptRoutines {
  // Readers' rows removed (a routine other owners still read stays).
  int64_t readers = 0;
  // Routines removed, their last reader gone.
  int64_t routines = 0;
};

// One session row.
struct SessionRow {
  std::string id;
  // The API key id the session belongs to ("" for local, keyless use).
  // Written once, with the row.
  std::string owner;
  // The request_id of the StartSession that made it, or empty. A second row
  // with the same owner and start_request_id is refused (ALREADY_EXISTS).
  std::string start_request_id;
  // For a class: its join code, or empty. A live (not finished) class of the
  // same owner with the same code is refused (ALREADY_EXISTS). Written once.
  std::string join_code;
  // 1 when created; every update adds one.
  int64_t version = 1;
  std::string profile_id;
  SessionPhase phase = SessionPhase::kRunning;
  // While running: when the session will complete if nothing changes.
  // InfiniteFuture otherwise.
  absl::Time ends_at = absl::InfiniteFuture();
  // When the row was last written (the writer's clock).
  absl::Time updated_at;
  // Set once the session's end has been dealt with (practice record written
  // or not needed); such rows are never due again.
  bool finished = false;
  // The serialized yoga.storage.v1.StoredSession.
  std::string data;
};

// One practised session (see yoga.session.v1.PracticeRecord).
struct PracticeRecord {
  std::string session_id;
  std::string owner;  // The session's owner: histories are per owner.
  std::string profile_id;
  std::string routine_id;
  std::string routine_title;
  absl::Time start_time;
  absl::Time end_time;
  absl::Duration practised;
  bool completed = false;
};

// Which records of one owner's profile to list: newest first by (start_time,
// session_id), optionally only those that start at or after `since`, and only
// those strictly older than `before` (the last record of the previous page).
struct PracticeQuery {
  std::string owner;
  std::string profile_id;
  absl::Time since = absl::InfinitePast();
  std::optional<std::pair<absl::Time, std::string>> before;
  int limit = 50;
};

class Store {
 public:
  virtual ~Store() = default;

  // Where the data lives, for logs and errors ("sqlite:/var/lib/yoga/yoga.db",
  // "postgresql://yoga@db:5432/yoga", never a password).
  virtual std::string Describe() const = 0;
  // True when other processes may write the same data (PostgreSQL): the
  // session service then watches its sessions for changes made elsewhere.
  virtual bool Shared() const = 0;

  // Routines by id, each readable by the owners who put it. Putting an id
  // that exists keeps the stored value (routine ids are content hashes: equal
  // ids, equal routines) and adds `owner` to its readers.
  virtual absl::Status PutRoutine(absl::string_view owner, absl::string_view id,
                                  absl::string_view data) = 0;
  // nullopt when there is no such routine that `owner` or kEveryOwner put.
  // Marks it used by `owner` if that mark is older than kRoutineUseRefresh
  // (best effort: a failed mark fails nothing, the next read tries again).
  virtual absl::StatusOr<std::optional<std::string>> GetRoutine(
      absl::string_view owner, absl::string_view id) = 0;

  // Inserts a new session row (its version is stored as given).
  // ALREADY_EXISTS when the id is taken, or the owner's start_request_id, or
  // the join code of one of the owner's live classes.
  virtual absl::Status CreateSession(const SessionRow& row) = 0;
  // nullopt when there is no such session.
  virtual absl::StatusOr<std::optional<SessionRow>> GetSession(
      absl::string_view id) = 0;
  // The session `owner` started with `start_request_id` (not empty), or
  // nullopt.
  virtual absl::StatusOr<std::optional<SessionRow>> SessionByStartRequest(
      absl::string_view owner, absl::string_view start_request_id) = 0;
  // The live (not finished) class of `owner` with `join_code`, or nullopt.
  virtual absl::StatusOr<std::optional<SessionRow>> SessionByJoinCode(
      absl::string_view owner, absl::string_view join_code) = 0;
  // Replaces the row with `row` if the stored version is `row.version - 1`;
  // ABORTED (naming both versions) when another writer got there first,
  // NOT_FOUND when there is no such row. With `record`, inserts the practice
  // record in the same transaction; a record for that session already stored
  // is kept and not doubled.
  virtual absl::Status UpdateSession(const SessionRow& row,
                                     const PracticeRecord* record) = 0;
  // The stored version of each of `ids` that exists (any number of ids).
  virtual absl::StatusOr<std::map<std::string, int64_t>> SessionVersions(
      const std::vector<std::string>& ids) = 0;
  // Ids of up to `limit` unfinished sessions whose end is due: running with
  // ends_at <= now, or paused with updated_at <= idle_before. Oldest first.
  virtual absl::StatusOr<std::vector<std::string>> DueSessions(
      absl::Time now, absl::Time idle_before, int limit) = 0;

  // An owner's profile's records as `query` asks, newest first.
  virtual absl::StatusOr<std::vector<PracticeRecord>> ListPracticeRecords(
      const PracticeQuery& query) = 0;

  // Retention (retention_sweeper.h). Each call is one short transaction
  // deleting at most `limit` rows, oldest first, and returns how many it
  // deleted: a caller sweeps by calling again until fewer than `limit` go,
  // so a sweep never holds a lock for long.
  //
  // Sessions with finished set and updated_at < finished_before. Their
  // practice records stay. A StartSession retried with the request_id of a
  // deleted session starts a new one.
  virtual absl::StatusOr<int64_t> DeleteFinishedSessions(
      absl::Time finished_before, int limit) = 0;
  // Readers' marks (see PutRoutine, GetRoutine) with used_at < unused_since,
  // except kEveryOwner's, and then each routine whose last reader that was.
  // `limit` bounds the readers' rows.
  virtual absl::StatusOr<SweptRoutines> DeleteUnusedRoutines(
      absl::Time unused_since, int limit) = 0;
  // Practice records with start_time < started_before.
  virtual absl::StatusOr<int64_t> DeletePracticeRecords(
      absl::Time started_before, int limit) = 0;
};

struct StoreOptions {
  // "sqlite:PATH" (or a bare path), "postgresql://..." / "postgres://...".
  std::string url;
  // PostgreSQL: connections kept open.
  int pool_size = 4;
  // Longest one statement may run (PostgreSQL statement_timeout), and how long
  // to wait for a connection from the pool or a lock (SQLite busy timeout).
  absl::Duration statement_timeout = absl::Seconds(5);
  // PostgreSQL: longest to wait for a connection to be made.
  absl::Duration connect_timeout = absl::Seconds(5);
};

// Opens (creating if need be) the database and brings its schema up to date.
// Errors name the database and say what to do:
//  - INVALID_ARGUMENT: a URL no backend understands;
//  - UNAVAILABLE: cannot connect, or cannot create the file;
//  - DATA_LOSS: the SQLite file is not a database or is corrupt;
//  - FAILED_PRECONDITION: the schema is newer than this program knows.
absl::StatusOr<std::unique_ptr<Store>> OpenStore(const StoreOptions& options);

}  // namespace yoga::storage

#endif  // YOGA_SERVICES_STORAGE_STORE_H_
