#include "services/storage/sql_store.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "services/storage/statements.h"

namespace yoga::storage {
namespace {

constexpr char kStoredSchemaVersion[] =
    "SELECT max(version) FROM schema_version";
constexpr char kSetSchemaVersion[] =
    "DELETE FROM schema_version; INSERT INTO schema_version (version) VALUES ";

SqlParams& BindSession(SqlParams& params, const SessionRow& row) {
  return params.Text(row.id)
      .Int64(row.version)
      .Text(row.profile_id)
      .Int32(static_cast<int32_t>(row.phase))
      .Int64(ToStoredTime(row.ends_at))
      .Int64(ToStoredTime(row.updated_at))
      .Bool(row.finished)
      .Bytes(row.data);
}

SessionRow ReadSession(const SqlRow& row) {
  SessionRow session;
  session.id = row.Bytes(0);
  session.version = row.Int(1);
  session.profile_id = row.Bytes(2);
  session.phase = static_cast<SessionPhase>(row.Int(3));
  session.ends_at = FromStoredTime(row.Int(4));
  session.updated_at = FromStoredTime(row.Int(5));
  session.finished = row.Int(6) != 0;
  session.data = row.Bytes(7);
  session.owner = row.Bytes(8);
  session.start_request_id = row.Bytes(9);
  session.join_code = row.Bytes(10);
  return session;
}

PracticeRecord ReadRecord(const SqlRow& row) {
  PracticeRecord record;
  record.session_id = row.Bytes(0);
  record.profile_id = row.Bytes(1);
  record.routine_id = row.Bytes(2);
  record.routine_title = row.Bytes(3);
  record.start_time = FromStoredTime(row.Int(4));
  record.end_time = FromStoredTime(row.Int(5));
  record.practised = absl::Microseconds(row.Int(6));
  record.completed = row.Int(7) != 0;
  record.owner = row.Bytes(8);
  return record;
}

// After an update that changed no row: NOT_FOUND or ABORTED.
absl::Status WhyNotUpdated(SqlConnection& connection, const SessionRow& row) {
  std::optional<int64_t> stored;
  absl::Status status =
      connection.Query(kSessionVersion, SqlParams().Text(row.id),
                       [&](const SqlRow& found) { stored = found.Int(0); });
  if (!status.ok()) return status;
  if (!stored) return absl::NotFoundError(absl::StrCat("no session ", row.id));
  return absl::AbortedError(absl::StrCat(
      "session ", row.id, " was changed elsewhere (stored version ", *stored,
      ", this write expected ", row.version - 1, ")"));
}

}  // namespace

absl::StatusOr<int64_t> SqlConnection::Execute(const char* sql,
                                               const SqlParams& params) {
  return Run(sql, params, [](const SqlRow&) {});
}

absl::Status SqlConnection::InTransaction(
    Transaction kind, absl::FunctionRef<absl::Status()> body) {
  absl::Status status = Begin(kind);
  if (!status.ok()) return status;
  status = body();
  if (status.ok()) status = Script("COMMIT");
  // Some errors end the transaction themselves.
  if (!status.ok()) RollBackIfOpen();
  return status;
}

SqlStore::SqlStore(std::string description, SqlDialect dialect)
    : description_(std::move(description)), dialect_(std::move(dialect)) {}

template <typename T>
absl::StatusOr<T> SqlStore::Read(
    absl::FunctionRef<absl::Status(SqlConnection&, T&)> read) {
  T value;
  absl::Status status = WithConnection(
      [&](SqlConnection& connection) { return read(connection, value); });
  if (!status.ok()) return status;
  return value;
}

absl::Status SqlStore::PutRoutine(absl::string_view owner, absl::string_view id,
                                  absl::string_view data) {
  const int64_t now = ToStoredTime(absl::Now());
  return WithConnection([&](SqlConnection& connection) {
    return connection.InTransaction(Transaction::kWrite, [&]() -> absl::Status {
      SqlParams routine;
      routine.Text(id).Bytes(data).Int64(now);
      if (auto put = connection.Execute(kPutRoutine, routine); !put.ok())
        return put.status();
      SqlParams reader;
      reader.Text(owner).Text(id).Int64(now);
      return connection.Execute(kPutRoutineOwner, reader).status();
    });
  });
}

absl::StatusOr<std::optional<std::string>> SqlStore::GetRoutine(
    absl::string_view owner, absl::string_view id) {
  const absl::Time now = absl::Now();
  return Read<std::optional<std::string>>(
      [&](SqlConnection& connection, std::optional<std::string>& routine) {
        bool mark_is_old = false;
        absl::Status status =
            connection.Query(kGetRoutineAndMarkAge,
                             SqlParams().Text(id).Text(owner).Int64(
                                 ToStoredTime(now - kRoutineUseRefresh)),
                             [&](const SqlRow& row) {
                               routine = row.Bytes(0);
                               mark_is_old = row.Int(1) != 0;
                             });
        if (!status.ok() || !mark_is_old) return status;
        // Best effort (store.h): the routine was read; a mark not moved
        // only brings its sweep closer, and the next read tries again.
        connection
            .Execute(kMarkRoutineUsed,
                     SqlParams().Text(owner).Text(id).Int64(ToStoredTime(now)))
            .IgnoreError();
        return absl::OkStatus();
      });
}

absl::Status SqlStore::CreateSession(const SessionRow& row) {
  return WithConnection([&](SqlConnection& connection) -> absl::Status {
    SqlParams params;
    BindSession(params, row)
        .Text(row.owner)
        .Text(row.start_request_id)
        .Text(row.join_code);
    absl::StatusOr<int64_t> created =
        connection.Execute(kCreateSession, params);
    if (!created.ok()) return created.status();
    if (*created == 0) {
      return absl::AlreadyExistsError(
          absl::StrCat("session ", row.id,
                       row.start_request_id.empty() && row.join_code.empty()
                           ? ""
                           : " (or one its owner started with its request_id, "
                             "or a live class with its join code)",
                       " already exists"));
    }
    return absl::OkStatus();
  });
}

absl::StatusOr<std::optional<SessionRow>> SqlStore::GetSession(
    absl::string_view id) {
  return Read<std::optional<SessionRow>>(
      [&](SqlConnection& connection, std::optional<SessionRow>& session) {
        return connection.Query(
            kGetSession, SqlParams().Text(id),
            [&](const SqlRow& row) { session = ReadSession(row); });
      });
}

absl::StatusOr<std::optional<SessionRow>> SqlStore::SessionByStartRequest(
    absl::string_view owner, absl::string_view start_request_id) {
  return Read<std::optional<SessionRow>>(
      [&](SqlConnection& connection, std::optional<SessionRow>& session) {
        return connection.Query(
            kSessionByStartRequest,
            SqlParams().Text(owner).Text(start_request_id),
            [&](const SqlRow& row) { session = ReadSession(row); });
      });
}

absl::StatusOr<std::optional<SessionRow>> SqlStore::SessionByJoinCode(
    absl::string_view owner, absl::string_view join_code) {
  return Read<std::optional<SessionRow>>(
      [&](SqlConnection& connection, std::optional<SessionRow>& session) {
        return connection.Query(
            kSessionByJoinCode, SqlParams().Text(owner).Text(join_code),
            [&](const SqlRow& row) { session = ReadSession(row); });
      });
}

absl::Status SqlStore::UpdateSession(const SessionRow& row,
                                     const PracticeRecord* record) {
  return WithConnection([&](SqlConnection& connection) {
    return connection.InTransaction(Transaction::kWrite, [&]() -> absl::Status {
      // Exactly one writer of each version wins: SQLite's write
      // transaction holds the write lock; under PostgreSQL's READ
      // COMMITTED a concurrent writer of the row makes this UPDATE wait,
      // then re-check the version against the committed row.
      SqlParams update;
      BindSession(update, row).Int64(row.version - 1);
      absl::StatusOr<int64_t> updated =
          connection.Execute(kUpdateSession, update);
      if (!updated.ok()) return updated.status();
      if (*updated == 0) return WhyNotUpdated(connection, row);
      if (record == nullptr) return absl::OkStatus();
      SqlParams insert;
      insert.Text(record->session_id)
          .Text(record->profile_id)
          .Text(record->routine_id)
          .Text(record->routine_title)
          .Int64(ToStoredTime(record->start_time))
          .Int64(ToStoredTime(record->end_time))
          .Int64(absl::ToInt64Microseconds(record->practised))
          .Bool(record->completed)
          .Text(record->owner);
      return connection.Execute(kInsertRecord, insert).status();
    });
  });
}

absl::StatusOr<std::map<std::string, int64_t>> SqlStore::SessionVersions(
    const std::vector<std::string>& ids) {
  using Versions = std::map<std::string, int64_t>;
  if (ids.empty()) return Versions();
  const size_t per_query = dialect_.ids_per_versions_query == 0
                               ? ids.size()
                               : dialect_.ids_per_versions_query;
  return Read<Versions>([&](SqlConnection& connection, Versions& versions) {
    auto read_all = [&]() -> absl::Status {
      std::vector<absl::string_view> batch(per_query);
      for (size_t first = 0; first < ids.size(); first += per_query) {
        for (size_t i = 0; i < per_query; ++i) {
          batch[i] = ids[std::min(first + i, ids.size() - 1)];
        }
        absl::Status status = connection.Query(
            dialect_.versions_query.c_str(), SqlParams().TextList(batch),
            [&](const SqlRow& row) { versions[row.Bytes(0)] = row.Int(1); });
        if (!status.ok()) return status;
      }
      return absl::OkStatus();
    };
    // A backend that reads the ids in batches reads them in one
    // transaction, so that they see one state of the table.
    if (dialect_.ids_per_versions_query == 0) return read_all();
    return connection.InTransaction(Transaction::kRead, read_all);
  });
}

absl::StatusOr<std::vector<std::string>> SqlStore::DueSessions(
    absl::Time now, absl::Time idle_before, int limit) {
  using Ids = std::vector<std::string>;
  if (limit <= 0) return Ids();
  return Read<Ids>([&](SqlConnection& connection, Ids& due) {
    SqlParams params;
    params.Int64(ToStoredTime(now))
        .Int64(ToStoredTime(idle_before))
        .Int64(limit);
    return connection.Query(kDueSessions, params, [&](const SqlRow& row) {
      due.push_back(row.Bytes(0));
    });
  });
}

absl::StatusOr<std::vector<PracticeRecord>> SqlStore::ListPracticeRecords(
    const PracticeQuery& query) {
  using Records = std::vector<PracticeRecord>;
  if (query.limit <= 0) return Records();
  return Read<Records>([&](SqlConnection& connection, Records& records) {
    SqlParams params;
    params.Text(query.owner)
        .Text(query.profile_id)
        .Int64(ToStoredTime(query.since))
        .Int64(query.limit);
    if (query.before) {
      params.Int64(ToStoredTime(query.before->first))
          .Text(query.before->second);
    }
    return connection.Query(
        query.before ? kListRecordsBefore : kListRecords, params,
        [&](const SqlRow& row) { records.push_back(ReadRecord(row)); });
  });
}

absl::StatusOr<int64_t> SqlStore::DeleteFinishedSessions(
    absl::Time finished_before, int limit) {
  if (limit <= 0) return 0;
  return Read<int64_t>([&](SqlConnection& connection, int64_t& deleted) {
    absl::StatusOr<int64_t> done = connection.Execute(
        kDeleteFinishedSessions,
        SqlParams().Int64(ToStoredTime(finished_before)).Int64(limit));
    if (!done.ok()) return done.status();
    deleted = *done;
    return absl::OkStatus();
  });
}

absl::StatusOr<SweptRoutines> SqlStore::DeleteUnusedRoutines(
    absl::Time unused_since, int limit) {
  if (limit <= 0) return SweptRoutines();
  return Read<SweptRoutines>([&](SqlConnection& connection,
                                 SweptRoutines& swept) {
    // One transaction: a routine is removed with its last reader's
    // mark, or not at all. A reader putting the routine again at the
    // same moment can, under PostgreSQL, be left with a mark and no
    // routine (its put saw the routine still there); GetRoutine then
    // answers nullopt and composing it again puts it back.
    return connection.InTransaction(Transaction::kWrite, [&]() -> absl::Status {
      std::vector<std::string> routine_ids;
      absl::StatusOr<int64_t> readers = connection.Run(
          kDeleteUnusedReaders,
          SqlParams().Int64(ToStoredTime(unused_since)).Int64(limit),
          [&](const SqlRow& row) { routine_ids.push_back(row.Bytes(0)); });
      if (!readers.ok()) return readers.status();
      swept.readers = static_cast<int64_t>(routine_ids.size());
      std::sort(routine_ids.begin(), routine_ids.end());
      routine_ids.erase(std::unique(routine_ids.begin(), routine_ids.end()),
                        routine_ids.end());
      for (const std::string& id : routine_ids) {
        absl::StatusOr<int64_t> routines =
            connection.Execute(kDeleteUnreadRoutine, SqlParams().Text(id));
        if (!routines.ok()) return routines.status();
        swept.routines += *routines;
      }
      return absl::OkStatus();
    });
  });
}

absl::StatusOr<int64_t> SqlStore::DeletePracticeRecords(
    absl::Time started_before, int limit) {
  if (limit <= 0) return 0;
  return Read<int64_t>([&](SqlConnection& connection, int64_t& deleted) {
    absl::StatusOr<int64_t> done = connection.Execute(
        kDeletePracticeRecords,
        SqlParams().Int64(ToStoredTime(started_before)).Int64(limit));
    if (!done.ok()) return done.status();
    deleted = *done;
    return absl::OkStatus();
  });
}

absl::Status SqlStore::Migrate(SqlConnection& connection) {
  for (;;) {
    bool up_to_date = false;
    absl::Status status =
        connection.InTransaction(Transaction::kWrite, [&]() -> absl::Status {
          if (absl::Status s = BeforeMigration(connection); !s.ok()) return s;
          if (absl::Status s = connection.Script(kCreateSchemaVersionTable);
              !s.ok()) {
            return s;
          }
          int64_t stored_version = 0;
          absl::Status read = connection.Query(
              kStoredSchemaVersion, SqlParams(),
              [&](const SqlRow& row) { stored_version = row.Int(0); });
          if (!read.ok()) return read;
          absl::StatusOr<const Migration*> next =
              NextMigration(description_, stored_version);
          if (!next.ok()) return next.status();
          if (*next == nullptr) {
            up_to_date = true;
            return absl::OkStatus();
          }
          const char* script = (*next)->*dialect_.migration_script;
          if (absl::Status s = connection.Script(script); !s.ok()) return s;
          return connection.Script(
              absl::StrCat(kSetSchemaVersion, "(", (*next)->version, ")")
                  .c_str());
        });
    if (!status.ok() || up_to_date) return status;
  }
}

}  // namespace yoga::storage
