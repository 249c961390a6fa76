#include "services/storage/sqlite_store.h"

#include <sqlite3.h>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <system_error>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/synchronization/mutex.h"
#include "services/storage/schema.h"
#include "services/storage/statements.h"

namespace yoga::storage {
namespace {

// SessionVersions asks for this many ids per statement. The last batch is
// padded with repeats of its last id, so one cached statement serves them all.
constexpr int kIdsPerQuery = 250;

constexpr char kStoredSchemaVersion[] =
    "SELECT max(version) FROM schema_version";
constexpr char kSetSchemaVersion[] =
    "DELETE FROM schema_version; INSERT INTO schema_version (version) VALUES ";

// The operating system's reason for the last failure on `db`, if it has one.
std::string OsReason(sqlite3* db) {
  const int error = db == nullptr ? 0 : sqlite3_system_errno(db);
  if (error == 0) return "";
  return absl::StrCat(": ", std::generic_category().message(error));
}

// Turns SQLite's result `code` (the last failure on `db`) into the store's
// error codes; messages start with `database` and quote SQLite.
absl::Status SqliteError(sqlite3* db, int code, absl::string_view database) {
  const std::string sqlite_says = sqlite3_errmsg(db);
  switch (code & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return absl::DeadlineExceededError(
          absl::StrCat(database,
                       ": another connection held the database locked for "
                       "longer than the statement timeout (SQLite: ",
                       sqlite_says, ")"));
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return absl::DataLossError(absl::StrCat(
          database, ": not a yoga database or corrupt (SQLite: ", sqlite_says,
          "); move it away to start afresh"));
    case SQLITE_CANTOPEN:
    case SQLITE_IOERR:
    case SQLITE_FULL:
    case SQLITE_READONLY:
    case SQLITE_PERM:
    case SQLITE_PROTOCOL:
    case SQLITE_NOLFS:
      return absl::UnavailableError(absl::StrCat(
          database, ": cannot read or write the file (SQLite: ", sqlite_says,
          OsReason(db), ")"));
    case SQLITE_TOOBIG:
      return absl::InvalidArgumentError(absl::StrCat(
          database, ": a value is too big (SQLite: ", sqlite_says, ")"));
    default:
      return absl::InternalError(
          absl::StrCat(database, ": SQLite: ", sqlite_says));
  }
}

// One use of a cached prepared statement: bind parameters in order, step,
// read columns. Resets the statement and drops its bindings on destruction,
// ready for the next use. Bound strings must outlive the Statement.
class Statement {
 public:
  Statement(sqlite3_stmt* statement, sqlite3* db, absl::string_view database)
      : statement_(statement), db_(db), database_(database) {}
  Statement(Statement&& other)
      : statement_(std::exchange(other.statement_, nullptr)),
        db_(other.db_),
        database_(other.database_),
        bound_(other.bound_),
        bind_error_(other.bind_error_) {}
  Statement& operator=(Statement&&) = delete;
  ~Statement() {
    if (statement_ == nullptr) return;
    sqlite3_reset(statement_);
    sqlite3_clear_bindings(statement_);
  }

  Statement& BindText(absl::string_view value) {
    return Note(sqlite3_bind_text64(statement_, ++bound_, NonNull(value),
                                    value.size(), SQLITE_STATIC, SQLITE_UTF8));
  }
  Statement& BindBlob(absl::string_view value) {
    return Note(sqlite3_bind_blob64(statement_, ++bound_, NonNull(value),
                                    value.size(), SQLITE_STATIC));
  }
  Statement& BindInt(int64_t value) {
    return Note(sqlite3_bind_int64(statement_, ++bound_, value));
  }

  // True when a row is ready to read, false at the end.
  absl::StatusOr<bool> Step() {
    if (bind_error_ != SQLITE_OK)
      return SqliteError(db_, bind_error_, database_);
    const int code = sqlite3_step(statement_);
    if (code == SQLITE_ROW) return true;
    if (code == SQLITE_DONE) return false;
    return SqliteError(db_, code, database_);
  }
  // Steps to the end, for statements that return no rows.
  absl::Status Run() {
    for (;;) {
      absl::StatusOr<bool> row = Step();
      if (!row.ok()) return row.status();
      if (!*row) return absl::OkStatus();
    }
  }

  int64_t ColumnInt(int column) {
    return sqlite3_column_int64(statement_, column);
  }
  // The exact bytes of a TEXT or BLOB column.
  std::string ColumnBytes(int column) {
    const void* data = sqlite3_column_blob(statement_, column);
    const int size = sqlite3_column_bytes(statement_, column);
    if (data == nullptr) return "";
    return std::string(static_cast<const char*>(data), size);
  }

 private:
  // SQLite binds NULL for a null pointer; an empty value is not NULL.
  static const char* NonNull(absl::string_view value) {
    return value.data() != nullptr ? value.data() : "";
  }
  Statement& Note(int code) {
    if (bind_error_ == SQLITE_OK) bind_error_ = code;
    return *this;
  }

  sqlite3_stmt* statement_;
  sqlite3* db_;
  absl::string_view database_;
  int bound_ = 0;
  int bind_error_ = SQLITE_OK;
};

SessionRow ReadSession(Statement& statement) {
  SessionRow row;
  row.id = statement.ColumnBytes(0);
  row.version = statement.ColumnInt(1);
  row.profile_id = statement.ColumnBytes(2);
  row.phase = static_cast<SessionPhase>(statement.ColumnInt(3));
  row.ends_at = FromStoredTime(statement.ColumnInt(4));
  row.updated_at = FromStoredTime(statement.ColumnInt(5));
  row.finished = statement.ColumnInt(6) != 0;
  row.data = statement.ColumnBytes(7);
  return row;
}

PracticeRecord ReadRecord(Statement& statement) {
  PracticeRecord record;
  record.session_id = statement.ColumnBytes(0);
  record.profile_id = statement.ColumnBytes(1);
  record.routine_id = statement.ColumnBytes(2);
  record.routine_title = statement.ColumnBytes(3);
  record.start_time = FromStoredTime(statement.ColumnInt(4));
  record.end_time = FromStoredTime(statement.ColumnInt(5));
  record.practised = absl::Microseconds(statement.ColumnInt(6));
  record.completed = statement.ColumnInt(7) != 0;
  return record;
}

class SqliteStore final : public Store {
 public:
  SqliteStore(const std::string& path, sqlite3* db)
      : description_("sqlite:" + path), db_(db) {}
  ~SqliteStore() override {
    absl::MutexLock lock(&mutex_);
    for (auto& [sql, statement] : statements_) sqlite3_finalize(statement);
    sqlite3_close(db_);
  }

  // Settings, the integrity check and migrations; run once, before any call.
  absl::Status Initialize(absl::Duration busy_timeout) {
    absl::MutexLock lock(&mutex_);
    const int64_t busy_ms =
        std::clamp<int64_t>(absl::ToInt64Milliseconds(busy_timeout), 0,
                            std::numeric_limits<int>::max());
    sqlite3_busy_timeout(db_, static_cast<int>(busy_ms));
    // journal_mode is the first statement that reads the file: a file that
    // is not a database fails here, DATA_LOSS.
    for (const char* setting :
         {"PRAGMA foreign_keys = ON", "PRAGMA journal_mode = WAL",
          "PRAGMA synchronous = FULL"}) {
      if (absl::Status status = Exec(setting); !status.ok()) return status;
    }
    if (absl::Status status = QuickCheck(); !status.ok()) return status;
    return Migrate();
  }

  std::string Describe() const override { return description_; }
  bool Shared() const override { return false; }

  absl::Status PutRoutine(absl::string_view id,
                          absl::string_view data) override {
    absl::MutexLock lock(&mutex_);
    absl::StatusOr<Statement> statement = Prepare(kPutRoutine);
    if (!statement.ok()) return statement.status();
    statement->BindText(id).BindBlob(data).BindInt(ToStoredTime(absl::Now()));
    return statement->Run();
  }

  absl::StatusOr<std::optional<std::string>> GetRoutine(
      absl::string_view id) override {
    absl::MutexLock lock(&mutex_);
    absl::StatusOr<Statement> statement = Prepare(kGetRoutine);
    if (!statement.ok()) return statement.status();
    statement->BindText(id);
    absl::StatusOr<bool> row = statement->Step();
    if (!row.ok()) return row.status();
    if (!*row) return std::nullopt;
    return statement->ColumnBytes(0);
  }

  absl::Status CreateSession(const SessionRow& row) override {
    absl::MutexLock lock(&mutex_);
    absl::StatusOr<Statement> statement = Prepare(kCreateSession);
    if (!statement.ok()) return statement.status();
    BindSession(*statement, row);
    if (absl::Status status = statement->Run(); !status.ok()) return status;
    if (sqlite3_changes(db_) == 0) {
      return absl::AlreadyExistsError(
          absl::StrCat("session ", row.id, " already exists"));
    }
    return absl::OkStatus();
  }

  absl::StatusOr<std::optional<SessionRow>> GetSession(
      absl::string_view id) override {
    absl::MutexLock lock(&mutex_);
    absl::StatusOr<Statement> statement = Prepare(kGetSession);
    if (!statement.ok()) return statement.status();
    statement->BindText(id);
    absl::StatusOr<bool> row = statement->Step();
    if (!row.ok()) return row.status();
    if (!*row) return std::nullopt;
    return ReadSession(*statement);
  }

  absl::Status UpdateSession(const SessionRow& row,
                             const PracticeRecord* record) override {
    absl::MutexLock lock(&mutex_);
    return InTransaction(/*write=*/true, [&]() -> absl::Status {
      {
        absl::StatusOr<Statement> update = Prepare(kUpdateSession);
        if (!update.ok()) return update.status();
        BindSession(*update, row);
        update->BindInt(row.version - 1);
        if (absl::Status status = update->Run(); !status.ok()) return status;
      }
      if (sqlite3_changes(db_) == 0) return WhyNotUpdated(row);
      if (record == nullptr) return absl::OkStatus();
      absl::StatusOr<Statement> insert = Prepare(kInsertRecord);
      if (!insert.ok()) return insert.status();
      insert->BindText(record->session_id)
          .BindText(record->profile_id)
          .BindText(record->routine_id)
          .BindText(record->routine_title)
          .BindInt(ToStoredTime(record->start_time))
          .BindInt(ToStoredTime(record->end_time))
          .BindInt(absl::ToInt64Microseconds(record->practised))
          .BindInt(record->completed ? 1 : 0);
      return insert->Run();
    });
  }

  absl::StatusOr<std::map<std::string, int64_t>> SessionVersions(
      const std::vector<std::string>& ids) override {
    std::map<std::string, int64_t> versions;
    if (ids.empty()) return versions;
    absl::MutexLock lock(&mutex_);
    absl::Status status = InTransaction(/*write=*/false, [&]() -> absl::Status {
      for (size_t first = 0; first < ids.size(); first += kIdsPerQuery) {
        absl::StatusOr<Statement> statement = Prepare(VersionsQuery());
        if (!statement.ok()) return statement.status();
        for (size_t i = first; i < first + kIdsPerQuery; ++i) {
          statement->BindText(ids[std::min(i, ids.size() - 1)]);
        }
        for (;;) {
          absl::StatusOr<bool> row = statement->Step();
          if (!row.ok()) return row.status();
          if (!*row) break;
          versions[statement->ColumnBytes(0)] = statement->ColumnInt(1);
        }
      }
      return absl::OkStatus();
    });
    if (!status.ok()) return status;
    return versions;
  }

  absl::StatusOr<std::vector<std::string>> DueSessions(absl::Time now,
                                                       absl::Time idle_before,
                                                       int limit) override {
    std::vector<std::string> due;
    if (limit <= 0) return due;
    absl::MutexLock lock(&mutex_);
    absl::StatusOr<Statement> statement = Prepare(kDueSessions);
    if (!statement.ok()) return statement.status();
    statement->BindInt(ToStoredTime(now))
        .BindInt(ToStoredTime(idle_before))
        .BindInt(limit);
    for (;;) {
      absl::StatusOr<bool> row = statement->Step();
      if (!row.ok()) return row.status();
      if (!*row) return due;
      due.push_back(statement->ColumnBytes(0));
    }
  }

  absl::StatusOr<std::vector<PracticeRecord>> ListPracticeRecords(
      const PracticeQuery& query) override {
    std::vector<PracticeRecord> records;
    if (query.limit <= 0) return records;
    absl::MutexLock lock(&mutex_);
    absl::StatusOr<Statement> statement =
        Prepare(query.before ? kListRecordsBefore : kListRecords);
    if (!statement.ok()) return statement.status();
    statement->BindText(query.profile_id)
        .BindInt(ToStoredTime(query.since))
        .BindInt(query.limit);
    if (query.before) {
      statement->BindInt(ToStoredTime(query.before->first))
          .BindText(query.before->second);
    }
    for (;;) {
      absl::StatusOr<bool> row = statement->Step();
      if (!row.ok()) return row.status();
      if (!*row) return records;
      records.push_back(ReadRecord(*statement));
    }
  }

 private:
  // The cached statement for `sql`, prepared on first use.
  absl::StatusOr<Statement> Prepare(const std::string& sql)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_) {
    sqlite3_stmt*& cached = statements_[sql];
    if (cached == nullptr) {
      const std::string text = SqlForSqlite(sql);
      const int code =
          sqlite3_prepare_v3(db_, text.data(), static_cast<int>(text.size()),
                             SQLITE_PREPARE_PERSISTENT, &cached, nullptr);
      if (code != SQLITE_OK) {
        absl::Status status = SqliteError(db_, code, description_);
        sqlite3_finalize(cached);
        statements_.erase(sql);
        return status;
      }
    }
    return Statement(cached, db_, description_);
  }

  // Statements without parameters or rows (several, ';'-separated).
  absl::Status Exec(const std::string& sql)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_) {
    const int code = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, nullptr);
    if (code == SQLITE_OK) return absl::OkStatus();
    return SqliteError(db_, code, description_);
  }

  // Runs `body` as one transaction; a write one takes the write lock at once
  // (BEGIN IMMEDIATE), so two writers never deadlock upgrading read locks.
  absl::Status InTransaction(bool write, absl::FunctionRef<absl::Status()> body)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_) {
    absl::Status status = Exec(write ? "BEGIN IMMEDIATE" : "BEGIN");
    if (!status.ok()) return status;
    status = body();
    if (status.ok()) status = Exec("COMMIT");
    // Some errors end the transaction themselves.
    if (!status.ok() && !sqlite3_get_autocommit(db_)) {
      sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    }
    return status;
  }

  static void BindSession(Statement& statement, const SessionRow& row) {
    statement.BindText(row.id)
        .BindInt(row.version)
        .BindText(row.profile_id)
        .BindInt(static_cast<int64_t>(row.phase))
        .BindInt(ToStoredTime(row.ends_at))
        .BindInt(ToStoredTime(row.updated_at))
        .BindInt(row.finished ? 1 : 0)
        .BindBlob(row.data);
  }

  // After an update that changed no row: NOT_FOUND or ABORTED.
  absl::Status WhyNotUpdated(const SessionRow& row)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_) {
    absl::StatusOr<Statement> statement = Prepare(kSessionVersion);
    if (!statement.ok()) return statement.status();
    statement->BindText(row.id);
    absl::StatusOr<bool> found = statement->Step();
    if (!found.ok()) return found.status();
    if (!*found) {
      return absl::NotFoundError(absl::StrCat("no session ", row.id));
    }
    return absl::AbortedError(absl::StrCat(
        "session ", row.id, " was changed elsewhere (stored version ",
        statement->ColumnInt(0), ", this write expected ", row.version - 1,
        ")"));
  }

  static const std::string& VersionsQuery() {
    static const std::string* const query = [] {
      std::vector<std::string> placeholders(kIdsPerQuery, "?");
      return new std::string(
          absl::StrCat("SELECT id, version FROM sessions WHERE id IN (",
                       absl::StrJoin(placeholders, ", "), ")"));
    }();
    return *query;
  }

  absl::Status QuickCheck() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_) {
    absl::StatusOr<Statement> statement = Prepare("PRAGMA quick_check");
    if (!statement.ok()) return statement.status();
    std::vector<std::string> problems;
    for (;;) {
      absl::StatusOr<bool> row = statement->Step();
      if (!row.ok()) return row.status();
      if (!*row) break;
      std::string line = statement->ColumnBytes(0);
      if (line != "ok" && problems.size() < 3) problems.push_back(line);
    }
    if (problems.empty()) return absl::OkStatus();
    return absl::DataLossError(absl::StrCat(
        description_, ": not a yoga database or corrupt (SQLite: ",
        absl::StrJoin(problems, "; "), "); move it away to start afresh"));
  }

  // One transaction per migration, each taking the write lock first, so
  // that two processes opening a new file together migrate it once.
  absl::Status Migrate() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_) {
    for (;;) {
      bool up_to_date = false;
      absl::Status status =
          InTransaction(/*write=*/true, [&]() -> absl::Status {
            if (absl::Status s = Exec(kCreateSchemaVersionTable); !s.ok()) {
              return s;
            }
            int64_t stored_version = 0;
            {
              absl::StatusOr<Statement> statement =
                  Prepare(kStoredSchemaVersion);
              if (!statement.ok()) return statement.status();
              absl::StatusOr<bool> row = statement->Step();
              if (!row.ok()) return row.status();
              if (*row) stored_version = statement->ColumnInt(0);
            }
            absl::StatusOr<const Migration*> next =
                NextMigration(description_, stored_version);
            if (!next.ok()) return next.status();
            if (*next == nullptr) {
              up_to_date = true;
              return absl::OkStatus();
            }
            if (absl::Status s = Exec((*next)->sqlite); !s.ok()) return s;
            return Exec(
                absl::StrCat(kSetSchemaVersion, "(", (*next)->version, ")"));
          });
      if (!status.ok() || up_to_date) return status;
    }
  }

  const std::string description_;
  absl::Mutex mutex_;
  sqlite3* const db_;
  absl::flat_hash_map<std::string, sqlite3_stmt*> statements_
      ABSL_GUARDED_BY(mutex_);
};

}  // namespace

absl::StatusOr<std::unique_ptr<Store>> OpenSqliteStore(
    const std::string& path, const StoreOptions& options) {
  sqlite3* db = nullptr;
  const int code = sqlite3_open_v2(
      path.c_str(), &db,
      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
      nullptr);
  if (code != SQLITE_OK) {
    const std::string why =
        absl::StrCat(db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(code),
                     OsReason(db));
    sqlite3_close(db);
    return absl::UnavailableError(absl::StrCat(
        "sqlite:", path, ": cannot open or create the file (SQLite: ", why,
        "); its directory must exist and be writable"));
  }
  sqlite3_extended_result_codes(db, 1);
  auto store = std::make_unique<SqliteStore>(path, db);
  if (absl::Status status = store->Initialize(options.statement_timeout);
      !status.ok()) {
    return status;
  }
  return store;
}

}  // namespace yoga::storage
