// The SQL both backends run, written with PostgreSQL's $1, $2 ... parameters;
// the SQLite backend runs them with ?1, ?2 ... (SqlForSqlite). One text for
// both, so the two cannot drift apart; only what one dialect lacks is written
// in the backend itself (PostgreSQL's = ANY($1) over an array).
#ifndef YOGA_SERVICES_STORAGE_STATEMENTS_H_
#define YOGA_SERVICES_STORAGE_STATEMENTS_H_

#include <string>

#include "absl/strings/str_replace.h"
#include "absl/strings/string_view.h"

namespace yoga::storage {

inline constexpr char kPutRoutine[] =
    "INSERT INTO routines (id, data, created_at) VALUES ($1, $2, $3) "
    "ON CONFLICT (id) DO NOTHING";
inline constexpr char kPutRoutineOwner[] =
    "INSERT INTO routine_owners (owner, routine_id, used_at) "
    "VALUES ($1, $2, $3) "
    "ON CONFLICT (owner, routine_id) DO UPDATE SET used_at = excluded.used_at";
// Column 1: whether `owner` ($2) has a reader's mark older than $3.
inline constexpr char kGetRoutineAndMarkAge[] =
    "SELECT data, EXISTS (SELECT 1 FROM routine_owners WHERE routine_id = $1"
    " AND owner = $2 AND used_at < $3) FROM routines WHERE id = $1 AND EXISTS ("
    " SELECT 1 FROM routine_owners WHERE routine_id = $1"
    " AND (owner = $2 OR owner = '*'))";
inline constexpr char kMarkRoutineUsed[] =
    "UPDATE routine_owners SET used_at = $3 "
    "WHERE owner = $1 AND routine_id = $2 AND used_at < $3";
// Columns 1 to 8 are those UpdateSession rewrites; owner,
// start_request_id and join_code are written once.
inline constexpr char kCreateSession[] =
    "INSERT INTO sessions (id, version, profile_id, phase, ends_at, "
    "updated_at, finished, data, owner, start_request_id, join_code) "
    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, NULLIF($10, ''), "
    "NULLIF($11, '')) "
    "ON CONFLICT DO NOTHING";
inline constexpr char kGetSession[] =
    "SELECT id, version, profile_id, phase, ends_at, updated_at, finished, "
    "data, owner, COALESCE(start_request_id, ''), COALESCE(join_code, '') "
    "FROM sessions WHERE id = $1";
inline constexpr char kSessionByStartRequest[] =
    "SELECT id, version, profile_id, phase, ends_at, updated_at, finished, "
    "data, owner, COALESCE(start_request_id, ''), COALESCE(join_code, '') "
    "FROM sessions WHERE owner = $1 AND start_request_id = $2";
// A live class only: an ended one's code may be given again.
inline constexpr char kSessionByJoinCode[] =
    "SELECT id, version, profile_id, phase, ends_at, updated_at, finished, "
    "data, owner, COALESCE(start_request_id, ''), COALESCE(join_code, '') "
    "FROM sessions WHERE owner = $1 AND join_code = $2 AND NOT finished";
inline constexpr char kUpdateSession[] =
    "UPDATE sessions SET version = $2, profile_id = $3, phase = $4, "
    "ends_at = $5, updated_at = $6, finished = $7, data = $8 "
    "WHERE id = $1 AND version = $9";
inline constexpr char kSessionVersion[] =
    "SELECT version FROM sessions WHERE id = $1";
inline constexpr char kInsertRecord[] =
    "INSERT INTO practice_records (session_id, profile_id, routine_id, "
    "routine_title, start_time, end_time, practised_us, completed, owner) "
    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) "
    "ON CONFLICT (session_id) DO NOTHING";
// Each arm reads one partial index in order and stops at the limit.
inline constexpr char kDueSessions[] =
    "SELECT id FROM ("
    " SELECT * FROM (SELECT id, ends_at AS due FROM sessions"
    "  WHERE NOT finished AND phase = 1 AND ends_at <= $1"
    "  ORDER BY ends_at, id LIMIT $3) AS running"
    " UNION ALL"
    " SELECT * FROM (SELECT id, updated_at AS due FROM sessions"
    "  WHERE NOT finished AND phase = 2 AND updated_at <= $2"
    "  ORDER BY updated_at, id LIMIT $3) AS paused"
    ") AS due_sessions ORDER BY due, id LIMIT $3";
inline constexpr char kListRecords[] =
    "SELECT session_id, profile_id, routine_id, routine_title, start_time, "
    "end_time, practised_us, completed, owner FROM practice_records "
    "WHERE owner = $1 AND profile_id = $2 AND start_time >= $3 "
    "ORDER BY start_time DESC, session_id DESC LIMIT $4";
inline constexpr char kListRecordsBefore[] =
    "SELECT session_id, profile_id, routine_id, routine_title, start_time, "
    "end_time, practised_us, completed, owner FROM practice_records "
    "WHERE owner = $1 AND profile_id = $2 AND start_time >= $3 "
    "AND (start_time, session_id) < ($5, $6) "
    "ORDER BY start_time DESC, session_id DESC LIMIT $4";

// Retention: each deletes one batch, oldest first, through an index
// (schema version 3) so that a batch reads no more rows than it deletes.
// Neither dialect has one DELETE ... LIMIT they share; a subquery does it.
inline constexpr char kDeleteFinishedSessions[] =
    "DELETE FROM sessions WHERE id IN ("
    " SELECT id FROM sessions WHERE finished AND updated_at < $1"
    " ORDER BY updated_at, id LIMIT $2)";
inline constexpr char kDeleteUnusedReaders[] =
    "DELETE FROM routine_owners WHERE (owner, routine_id) IN ("
    " SELECT owner, routine_id FROM routine_owners"
    " WHERE used_at < $1 AND owner <> '*'"
    " ORDER BY used_at, owner, routine_id LIMIT $2) "
    "RETURNING routine_id";
inline constexpr char kDeleteUnreadRoutine[] =
    "DELETE FROM routines WHERE id = $1 AND NOT EXISTS ("
    " SELECT 1 FROM routine_owners WHERE routine_id = $1)";
inline constexpr char kDeletePracticeRecords[] =
    "DELETE FROM practice_records WHERE session_id IN ("
    " SELECT session_id FROM practice_records WHERE start_time < $1"
    " ORDER BY start_time, session_id LIMIT $2)";

// `sql` with SQLite's numbered parameters (?N) for PostgreSQL's ($N): SQLite
// would take "$1" as a named parameter and number them by first use.
inline std::string SqlForSqlite(absl::string_view sql) {
  return absl::StrReplaceAll(sql, {{"$", "?"}});
}

}  // namespace yoga::storage

#endif  // YOGA_SERVICES_STORAGE_STATEMENTS_H_
