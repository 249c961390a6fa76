#include "services/storage/sqlite_store.h"

#include <sqlite3.h>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <system_error>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/synchronization/mutex.h"
#include "services/storage/sql_store.h"
#include "services/storage/statements.h"

namespace yoga::storage {
namespace {

// SessionVersions asks for this many ids per statement. The last batch is
// padded with repeats of its last id, so one cached statement serves them all.
constexpr int kIdsPerQuery = 250;

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

// SQLite binds NULL for a null pointer; an empty value is not NULL.
const char* NonNull(absl::string_view value) {
  return value.data() != nullptr ? value.data() : "";
}

// Binds `params` to `statement` in order, SqlParams' types as SQLite's
// (integers and booleans as INTEGER, a list as one parameter per element).
// The first failure's code, or SQLITE_OK.
int Bind(sqlite3_stmt* statement, const SqlParams& params) {
  int index = 0;
  auto text = [&](absl::string_view value) {
    return sqlite3_bind_text64(statement, ++index, NonNull(value), value.size(),
                               SQLITE_STATIC, SQLITE_UTF8);
  };
  for (const SqlParams::Value& value : params.values()) {
    int code = SQLITE_OK;
    switch (value.type) {
      case SqlParams::Type::kText:
        code = text(value.bytes);
        break;
      case SqlParams::Type::kBytes:
        code = sqlite3_bind_blob64(statement, ++index, NonNull(value.bytes),
                                   value.bytes.size(), SQLITE_STATIC);
        break;
      case SqlParams::Type::kInt64:
      case SqlParams::Type::kInt32:
      case SqlParams::Type::kBool:
        code = sqlite3_bind_int64(statement, ++index, value.number);
        break;
      case SqlParams::Type::kTextList:
        for (absl::string_view element : value.list) {
          if (code == SQLITE_OK) code = text(element);
        }
        break;
    }
    if (code != SQLITE_OK) return code;
  }
  return SQLITE_OK;
}

// The row a statement has stepped to.
class SqliteRow final : public SqlRow {
 public:
  explicit SqliteRow(sqlite3_stmt* statement) : statement_(statement) {}

  std::string Bytes(int column) const override {
    const void* data = sqlite3_column_blob(statement_, column);
    const int size = sqlite3_column_bytes(statement_, column);
    if (data == nullptr) return "";
    return std::string(static_cast<const char*>(data), size);
  }
  int64_t Int(int column) const override {
    return sqlite3_column_int64(statement_, column);
  }

 private:
  sqlite3_stmt* const statement_;
};

// The one connection to the file, its prepared statements cached by text.
class SqliteConnection final : public SqlConnection {
 public:
  SqliteConnection(sqlite3* db, absl::string_view database)
      : db_(db), database_(database) {}
  ~SqliteConnection() override {
    for (auto& [sql, statement] : statements_) sqlite3_finalize(statement);
    sqlite3_close(db_);
  }

  absl::StatusOr<int64_t> Run(
      const char* sql, const SqlParams& params,
      absl::FunctionRef<void(const SqlRow&)> on_row) override {
    absl::StatusOr<sqlite3_stmt*> statement = Prepare(sql);
    if (!statement.ok()) return statement.status();
    // Ready for the next use, however this one ends; bound strings are the
    // caller's.
    struct ResetOnExit {
      ~ResetOnExit() {
        sqlite3_reset(statement);
        sqlite3_clear_bindings(statement);
      }
      sqlite3_stmt* statement;
    } reset_on_exit{*statement};
    if (const int code = Bind(*statement, params); code != SQLITE_OK) {
      return SqliteError(db_, code, database_);
    }
    const SqliteRow row(*statement);
    for (;;) {
      const int code = sqlite3_step(*statement);
      if (code == SQLITE_DONE) return sqlite3_changes(db_);
      if (code != SQLITE_ROW) return SqliteError(db_, code, database_);
      on_row(row);
    }
  }

  absl::Status Script(const char* sql) override {
    const int code = sqlite3_exec(db_, sql, nullptr, nullptr, nullptr);
    if (code == SQLITE_OK) return absl::OkStatus();
    return SqliteError(db_, code, database_);
  }

  absl::Status Begin(Transaction kind) override {
    return Script(kind == Transaction::kWrite ? "BEGIN IMMEDIATE" : "BEGIN");
  }

  void RollBackIfOpen() override {
    if (!sqlite3_get_autocommit(db_)) {
      sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    }
  }

 private:
  // The cached statement for `sql`, prepared on first use.
  absl::StatusOr<sqlite3_stmt*> Prepare(const char* sql) {
    sqlite3_stmt*& cached = statements_[absl::string_view(sql)];
    if (cached == nullptr) {
      const std::string text = SqlForSqlite(sql);
      const int code =
          sqlite3_prepare_v3(db_, text.data(), static_cast<int>(text.size()),
                             SQLITE_PREPARE_PERSISTENT, &cached, nullptr);
      if (code != SQLITE_OK) {
        absl::Status status = SqliteError(db_, code, database_);
        sqlite3_finalize(cached);
        statements_.erase(absl::string_view(sql));
        return status;
      }
    }
    return cached;
  }

  sqlite3* const db_;
  const absl::string_view database_;
  absl::flat_hash_map<std::string, sqlite3_stmt*> statements_;
};

std::string VersionsQuery() {
  std::vector<std::string> placeholders(kIdsPerQuery, "?");
  return absl::StrCat("SELECT id, version FROM sessions WHERE id IN (",
                      absl::StrJoin(placeholders, ", "), ")");
}

class SqliteStore final : public SqlStore {
 public:
  SqliteStore(const std::string& path, sqlite3* db)
      : SqlStore("sqlite:" + path, {.migration_script = &Migration::sqlite,
                                    .versions_query = VersionsQuery(),
                                    .ids_per_versions_query = kIdsPerQuery}),
        connection_(db, description()) {}

  // Settings, the integrity check and migrations; run once, before any call.
  absl::Status Initialize() {
    return WithConnection([&](SqlConnection& connection) -> absl::Status {
      // journal_mode is the first statement that reads the file: a file that
      // is not a database fails here, DATA_LOSS.
      for (const char* setting :
           {"PRAGMA foreign_keys = ON", "PRAGMA journal_mode = WAL",
            "PRAGMA synchronous = FULL"}) {
        if (absl::Status status = connection.Script(setting); !status.ok()) {
          return status;
        }
      }
      if (absl::Status status = QuickCheck(connection); !status.ok()) {
        return status;
      }
      // One transaction per migration, each taking the write lock first, so
      // that two processes opening a new file together migrate it once.
      return Migrate(connection);
    });
  }

  bool Shared() const override { return false; }

 private:
  // One call at a time on the one connection.
  absl::Status WithConnection(
      absl::FunctionRef<absl::Status(SqlConnection&)> use) override {
    absl::MutexLock lock(&mutex_);
    return use(connection_);
  }

  absl::Status QuickCheck(SqlConnection& connection) {
    std::vector<std::string> problems;
    absl::Status status = connection.Query(
        "PRAGMA quick_check", SqlParams(), [&](const SqlRow& row) {
          std::string line = row.Bytes(0);
          if (line != "ok" && problems.size() < 3) problems.push_back(line);
        });
    if (!status.ok()) return status;
    if (problems.empty()) return absl::OkStatus();
    return absl::DataLossError(absl::StrCat(
        description(), ": not a yoga database or corrupt (SQLite: ",
        absl::StrJoin(problems, "; "), "); move it away to start afresh"));
  }

  absl::Mutex mutex_;
  SqliteConnection connection_ ABSL_GUARDED_BY(mutex_);
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
  // A write waiting on another process's lock gives up after the statement
  // timeout: DEADLINE_EXCEEDED.
  const int64_t busy_ms =
      std::clamp<int64_t>(absl::ToInt64Milliseconds(options.statement_timeout),
                          0, std::numeric_limits<int>::max());
  sqlite3_busy_timeout(db, static_cast<int>(busy_ms));
  auto store = std::make_unique<SqliteStore>(path, db);
  if (absl::Status status = store->Initialize(); !status.ok()) return status;
  return store;
}

}  // namespace yoga::storage
