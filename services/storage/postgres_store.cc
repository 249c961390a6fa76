#include "services/storage/postgres_store.h"

#include <libpq-fe.h>
#include <poll.h>

#include <algorithm>
#include <cstdint>
#include <deque>
#include <limits>
#include <utility>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "services/storage/schema.h"
#include "services/storage/statements.h"

namespace yoga::storage {
namespace {

// Type OIDs of PostgreSQL's catalog (stable since forever; the header that
// names them comes only with the server's development package).
constexpr Oid kBoolOid = 16;
constexpr Oid kByteaOid = 17;
constexpr Oid kInt8Oid = 20;
constexpr Oid kInt4Oid = 23;
constexpr Oid kTextOid = 25;
constexpr Oid kTextArrayOid = 1009;

// The advisory lock that serializes migrations between replicas ("yoga").
constexpr int64_t kMigrationLock = 0x796f6761;

constexpr char kSessionVersions[] =
    "SELECT id, version FROM sessions WHERE id = ANY($1)";

// libpq's messages span lines ("...failed: Connection refused\n\tIs the
// server running..."): one line for logs.
std::string OneLine(absl::string_view message) {
  std::vector<absl::string_view> words =
      absl::StrSplit(message, absl::ByAnyChar(" \t\r\n"), absl::SkipEmpty());
  return absl::StrJoin(words, " ");
}

std::string BigEndian(uint64_t value, int bytes) {
  std::string encoded(bytes, '\0');
  for (int i = bytes - 1; i >= 0; --i, value >>= 8) {
    encoded[i] = static_cast<char>(value & 0xff);
  }
  return encoded;
}

// The parameters of one statement, each with its type, all in binary format:
// text and bytea as their bytes, integers big-endian. Nothing is quoted or
// escaped, and the server infers no type.
class Params {
 public:
  Params& Text(absl::string_view value) { return Add(kTextOid, value); }
  Params& Bytes(absl::string_view value) { return Add(kByteaOid, value); }
  Params& Int8(int64_t value) {
    return Own(kInt8Oid, BigEndian(static_cast<uint64_t>(value), 8));
  }
  Params& Int4(int32_t value) {
    return Own(
        kInt4Oid,
        BigEndian(static_cast<uint64_t>(static_cast<uint32_t>(value)), 4));
  }
  Params& Bool(bool value) { return Own(kBoolOid, std::string(1, value)); }
  // A one-dimensional text[] without nulls, in the binary array format.
  Params& TextArray(const std::vector<std::string>& values) {
    std::string array =
        absl::StrCat(BigEndian(1, 4), BigEndian(0, 4), BigEndian(kTextOid, 4),
                     BigEndian(values.size(), 4), BigEndian(1, 4));
    for (const std::string& value : values) {
      absl::StrAppend(&array, BigEndian(value.size(), 4), value);
    }
    return Own(kTextArrayOid, std::move(array));
  }

  int size() const { return static_cast<int>(types_.size()); }
  const Oid* types() const { return types_.data(); }
  const char* const* values() const { return values_.data(); }
  const int* lengths() const { return lengths_.data(); }
  const int* formats() const { return formats_.data(); }

 private:
  // libpq sends NULL for a null pointer; an empty value is not NULL.
  Params& Add(Oid type, absl::string_view value) {
    types_.push_back(type);
    values_.push_back(value.data() != nullptr ? value.data() : "");
    lengths_.push_back(static_cast<int>(value.size()));
    formats_.push_back(1);
    return *this;
  }
  Params& Own(Oid type, std::string value) {
    owned_.push_back(std::move(value));  // A deque: earlier values stay put.
    return Add(type, owned_.back());
  }

  std::deque<std::string> owned_;
  std::vector<Oid> types_;
  std::vector<const char*> values_;
  std::vector<int> lengths_;
  std::vector<int> formats_;
};

// A statement's result, rows in binary format.
class Result {
 public:
  explicit Result(PGresult* result) : result_(result, &PQclear) {}

  const PGresult* get() const { return result_.get(); }
  int rows() const { return PQntuples(result_.get()); }
  // Rows an INSERT or UPDATE changed.
  int64_t changed() const {
    int64_t count = 0;
    return absl::SimpleAtoi(PQcmdTuples(result_.get()), &count) ? count : 0;
  }
  bool IsNull(int row, int column) const {
    return PQgetisnull(result_.get(), row, column);
  }
  std::string Bytes(int row, int column) const {
    return std::string(PQgetvalue(result_.get(), row, column),
                       PQgetlength(result_.get(), row, column));
  }
  // A bool, int2, int4 or int8 column: a big-endian integer of its length.
  int64_t Int(int row, int column) const {
    const auto* bytes = reinterpret_cast<const unsigned char*>(
        PQgetvalue(result_.get(), row, column));
    const int length = PQgetlength(result_.get(), row, column);
    uint64_t value = length > 0 && (bytes[0] & 0x80) && length > 1 ? ~0ull : 0;
    for (int i = 0; i < length; ++i) value = (value << 8) | bytes[i];
    return static_cast<int64_t>(value);
  }

 private:
  std::unique_ptr<PGresult, decltype(&PQclear)> result_;
};

SessionRow ReadSession(const Result& result, int row) {
  SessionRow session;
  session.id = result.Bytes(row, 0);
  session.version = result.Int(row, 1);
  session.profile_id = result.Bytes(row, 2);
  session.phase = static_cast<SessionPhase>(result.Int(row, 3));
  session.ends_at = FromStoredTime(result.Int(row, 4));
  session.updated_at = FromStoredTime(result.Int(row, 5));
  session.finished = result.Int(row, 6) != 0;
  session.data = result.Bytes(row, 7);
  return session;
}

PracticeRecord ReadRecord(const Result& result, int row) {
  PracticeRecord record;
  record.session_id = result.Bytes(row, 0);
  record.profile_id = result.Bytes(row, 1);
  record.routine_id = result.Bytes(row, 2);
  record.routine_title = result.Bytes(row, 3);
  record.start_time = FromStoredTime(result.Int(row, 4));
  record.end_time = FromStoredTime(result.Int(row, 5));
  record.practised = absl::Microseconds(result.Int(row, 6));
  record.completed = result.Int(row, 7) != 0;
  return record;
}

Params& BindSession(Params& params, const SessionRow& row) {
  return params.Text(row.id)
      .Int8(row.version)
      .Text(row.profile_id)
      .Int4(static_cast<int32_t>(row.phase))
      .Int8(ToStoredTime(row.ends_at))
      .Int8(ToStoredTime(row.updated_at))
      .Bool(row.finished)
      .Bytes(row.data);
}

// One connection of the pool. `broken` asks the next user to reconnect.
struct Connection {
  ~Connection() {
    if (conn != nullptr) PQfinish(conn);
  }
  PGconn* conn = nullptr;
  bool broken = false;
};

// True when an idle connection shows no sign of the server having closed it.
// The server says goodbye on a connection it terminates (shutdown, restart)
// and closes it; reading what is pending makes libpq see both.
bool StillOpen(PGconn* conn) {
  for (int reads = 0; reads < 8; ++reads) {
    if (PQstatus(conn) != CONNECTION_OK) return false;
    pollfd readable = {PQsocket(conn), POLLIN, 0};
    if (poll(&readable, 1, 0) <= 0) return true;  // Nothing pending.
    if (!PQconsumeInput(conn)) return false;
  }
  // Still talking while idle: something is off; start afresh.
  return false;
}

class PostgresStore final : public Store {
 public:
  PostgresStore(const PostgresUrl& url, const StoreOptions& options)
      : description_(url.description),
        statement_timeout_(options.statement_timeout) {
    BuildConnectionOptions(url, options);
    const int pool_size = std::max(1, options.pool_size);
    for (int i = 0; i < pool_size; ++i) {
      connections_.push_back(std::make_unique<Connection>());
      idle_.push_back(connections_.back().get());
    }
  }

  absl::Status Initialize() {
    return WithConnection(
        [&](Connection& connection) { return Migrate(connection); });
  }

  std::string Describe() const override { return description_; }
  bool Shared() const override { return true; }

  absl::Status PutRoutine(absl::string_view id,
                          absl::string_view data) override {
    return WithConnection([&](Connection& connection) {
      Params params;
      params.Text(id).Bytes(data).Int8(ToStoredTime(absl::Now()));
      return Exec(connection, kPutRoutine, params).status();
    });
  }

  absl::StatusOr<std::optional<std::string>> GetRoutine(
      absl::string_view id) override {
    std::optional<std::string> routine;
    absl::Status status = WithConnection([&](Connection& connection) {
      Params params;
      params.Text(id);
      absl::StatusOr<Result> result = Exec(connection, kGetRoutine, params);
      if (!result.ok()) return result.status();
      if (result->rows() > 0) routine = result->Bytes(0, 0);
      return absl::OkStatus();
    });
    if (!status.ok()) return status;
    return routine;
  }

  absl::Status CreateSession(const SessionRow& row) override {
    return WithConnection([&](Connection& connection) -> absl::Status {
      Params params;
      absl::StatusOr<Result> result =
          Exec(connection, kCreateSession, BindSession(params, row));
      if (!result.ok()) return result.status();
      if (result->changed() == 0) {
        return absl::AlreadyExistsError(
            absl::StrCat("session ", row.id, " already exists"));
      }
      return absl::OkStatus();
    });
  }

  absl::StatusOr<std::optional<SessionRow>> GetSession(
      absl::string_view id) override {
    std::optional<SessionRow> session;
    absl::Status status = WithConnection([&](Connection& connection) {
      Params params;
      params.Text(id);
      absl::StatusOr<Result> result = Exec(connection, kGetSession, params);
      if (!result.ok()) return result.status();
      if (result->rows() > 0) session = ReadSession(*result, 0);
      return absl::OkStatus();
    });
    if (!status.ok()) return status;
    return session;
  }

  absl::Status UpdateSession(const SessionRow& row,
                             const PracticeRecord* record) override {
    return WithConnection([&](Connection& connection) {
      return InTransaction(connection, [&]() -> absl::Status {
        // Under READ COMMITTED a concurrent writer of the row makes this
        // UPDATE wait, then re-check the version against the committed row:
        // exactly one writer of each version wins.
        Params update;
        BindSession(update, row).Int8(row.version - 1);
        absl::StatusOr<Result> updated =
            Exec(connection, kUpdateSession, update);
        if (!updated.ok()) return updated.status();
        if (updated->changed() == 0) return WhyNotUpdated(connection, row);
        if (record == nullptr) return absl::OkStatus();
        Params insert;
        insert.Text(record->session_id)
            .Text(record->profile_id)
            .Text(record->routine_id)
            .Text(record->routine_title)
            .Int8(ToStoredTime(record->start_time))
            .Int8(ToStoredTime(record->end_time))
            .Int8(absl::ToInt64Microseconds(record->practised))
            .Bool(record->completed);
        return Exec(connection, kInsertRecord, insert).status();
      });
    });
  }

  absl::StatusOr<std::map<std::string, int64_t>> SessionVersions(
      const std::vector<std::string>& ids) override {
    std::map<std::string, int64_t> versions;
    if (ids.empty()) return versions;
    absl::Status status = WithConnection([&](Connection& connection) {
      Params params;
      params.TextArray(ids);
      absl::StatusOr<Result> result =
          Exec(connection, kSessionVersions, params);
      if (!result.ok()) return result.status();
      for (int row = 0; row < result->rows(); ++row) {
        versions[result->Bytes(row, 0)] = result->Int(row, 1);
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
    absl::Status status = WithConnection([&](Connection& connection) {
      Params params;
      params.Int8(ToStoredTime(now))
          .Int8(ToStoredTime(idle_before))
          .Int8(limit);
      absl::StatusOr<Result> result = Exec(connection, kDueSessions, params);
      if (!result.ok()) return result.status();
      for (int row = 0; row < result->rows(); ++row) {
        due.push_back(result->Bytes(row, 0));
      }
      return absl::OkStatus();
    });
    if (!status.ok()) return status;
    return due;
  }

  absl::StatusOr<std::vector<PracticeRecord>> ListPracticeRecords(
      const PracticeQuery& query) override {
    std::vector<PracticeRecord> records;
    if (query.limit <= 0) return records;
    absl::Status status = WithConnection([&](Connection& connection) {
      Params params;
      params.Text(query.profile_id)
          .Int8(ToStoredTime(query.since))
          .Int8(query.limit);
      if (query.before) {
        params.Int8(ToStoredTime(query.before->first))
            .Text(query.before->second);
      }
      absl::StatusOr<Result> result = Exec(
          connection, query.before ? kListRecordsBefore : kListRecords, params);
      if (!result.ok()) return result.status();
      for (int row = 0; row < result->rows(); ++row) {
        records.push_back(ReadRecord(*result, row));
      }
      return absl::OkStatus();
    });
    if (!status.ok()) return status;
    return records;
  }

 private:
  // libpq's options: the URL's, then ours. The statement timeout is the
  // server's, so a statement that waits on a lock ends too.
  void BuildConnectionOptions(const PostgresUrl& url,
                              const StoreOptions& options) {
    std::string server_options;
    bool has_keepalives = false;
    for (const auto& [keyword, value] : url.connection_options) {
      if (keyword == "options") {
        server_options = value;
      } else if (keyword != "connect_timeout" && keyword != "client_encoding") {
        if (absl::StartsWith(keyword, "keepalives")) has_keepalives = true;
        AddConnectionOption(keyword, value);
      }
    }
    const int64_t timeout_ms = std::clamp<int64_t>(
        absl::ToInt64Milliseconds(options.statement_timeout), 0,
        std::numeric_limits<int32_t>::max());
    absl::StrAppend(&server_options, server_options.empty() ? "" : " ",
                    "-c statement_timeout=", timeout_ms);
    AddConnectionOption("options", server_options);
    // libpq counts whole seconds (and takes 1 as 2).
    const int64_t connect_seconds =
        std::max<int64_t>(1, absl::ToInt64Seconds(absl::Ceil(
                                 options.connect_timeout, absl::Seconds(1))));
    AddConnectionOption("connect_timeout", absl::StrCat(connect_seconds));
    // Every string goes back and forth as UTF-8 bytes, unconverted.
    AddConnectionOption("client_encoding", "UTF8");
    AddConnectionOption("fallback_application_name", "yoga");
    if (!has_keepalives) {
      // A server that vanished without closing the connection (a network
      // cut) is noticed within about 10 s rather than hours.
      AddConnectionOption("keepalives_idle", "4");
      AddConnectionOption("keepalives_interval", "2");
      AddConnectionOption("keepalives_count", "3");
    }
    for (const std::string& keyword : keywords_) {
      keyword_pointers_.push_back(keyword.c_str());
    }
    for (const std::string& value : values_) {
      value_pointers_.push_back(value.c_str());
    }
    keyword_pointers_.push_back(nullptr);
    value_pointers_.push_back(nullptr);
  }

  void AddConnectionOption(absl::string_view keyword, absl::string_view value) {
    keywords_.emplace_back(keyword);
    values_.emplace_back(value);
  }

  bool HasIdle() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_) {
    return !idle_.empty();
  }

  // Takes a connection from the pool (waiting up to the statement timeout),
  // makes sure it is connected, runs `use` and gives it back.
  absl::Status WithConnection(
      absl::FunctionRef<absl::Status(Connection&)> use) {
    Connection* connection = nullptr;
    {
      absl::MutexLock lock(&mutex_);
      if (!mutex_.AwaitWithTimeout(
              absl::Condition(this, &PostgresStore::HasIdle),
              statement_timeout_)) {
        return absl::UnavailableError(
            absl::StrCat("all ", connections_.size(), " connections to ",
                         description_, " are busy (waited ",
                         absl::FormatDuration(statement_timeout_), ")"));
      }
      connection = idle_.back();
      idle_.pop_back();
    }
    absl::Status status = Connect(*connection);
    if (status.ok()) status = use(*connection);
    // A connection left inside a transaction would leak it into the next
    // call: start that one afresh.
    if (connection->conn != nullptr &&
        PQtransactionStatus(connection->conn) != PQTRANS_IDLE) {
      connection->broken = true;
    }
    absl::MutexLock lock(&mutex_);
    idle_.push_back(connection);
    return status;
  }

  // Connects a connection that never was, or that failed or was closed.
  absl::Status Connect(Connection& connection) {
    if (connection.conn == nullptr) {
      connection.conn =
          PQconnectdbParams(keyword_pointers_.data(), value_pointers_.data(),
                            /*expand_dbname=*/0);
      if (connection.conn == nullptr) {
        return absl::ResourceExhaustedError(
            absl::StrCat("cannot connect to ", description_, ": no memory"));
      }
      // Notices ("relation already exists, skipping") are not for our logs.
      PQsetNoticeProcessor(
          connection.conn, [](void*, const char*) {}, nullptr);
    } else if (connection.broken || !StillOpen(connection.conn)) {
      PQreset(connection.conn);
    }
    connection.broken = PQstatus(connection.conn) != CONNECTION_OK;
    if (connection.broken) {
      return absl::UnavailableError(
          absl::StrCat("cannot connect to ", description_, ": ",
                       OneLine(PQerrorMessage(connection.conn))));
    }
    return absl::OkStatus();
  }

  absl::StatusOr<Result> Exec(Connection& connection, const char* sql,
                              const Params& params) {
    Result result(PQexecParams(connection.conn, sql, params.size(),
                               params.types(), params.values(),
                               params.lengths(), params.formats(),
                               /*resultFormat=*/1));
    return Checked(connection, std::move(result));
  }

  // Statements without parameters (several, ';'-separated).
  absl::Status Script(Connection& connection, const char* sql) {
    return Checked(connection, Result(PQexec(connection.conn, sql))).status();
  }

  absl::StatusOr<Result> Checked(Connection& connection, Result result);

  absl::Status InTransaction(Connection& connection,
                             absl::FunctionRef<absl::Status()> body) {
    absl::Status status = Script(connection, "BEGIN");
    if (!status.ok()) return status;
    status = body();
    if (status.ok()) status = Script(connection, "COMMIT");
    if (!status.ok() && PQstatus(connection.conn) == CONNECTION_OK &&
        PQtransactionStatus(connection.conn) != PQTRANS_IDLE) {
      PQclear(PQexec(connection.conn, "ROLLBACK"));
    }
    return status;
  }

  // After an update that changed no row: NOT_FOUND or ABORTED.
  absl::Status WhyNotUpdated(Connection& connection, const SessionRow& row) {
    Params params;
    params.Text(row.id);
    absl::StatusOr<Result> result = Exec(connection, kSessionVersion, params);
    if (!result.ok()) return result.status();
    if (result->rows() == 0) {
      return absl::NotFoundError(absl::StrCat("no session ", row.id));
    }
    return absl::AbortedError(absl::StrCat(
        "session ", row.id, " was changed elsewhere (stored version ",
        result->Int(0, 0), ", this write expected ", row.version - 1, ")"));
  }

  // One transaction per migration, under an advisory lock: replicas starting
  // together migrate once, the others wait and find the schema up to date.
  absl::Status Migrate(Connection& connection) {
    for (;;) {
      bool up_to_date = false;
      absl::Status status = InTransaction(connection, [&]() -> absl::Status {
        // A migration may take longer than a call; it still may not hang.
        const std::string timeout =
            absl::StrCat("SET LOCAL statement_timeout = ",
                         absl::ToInt64Milliseconds(
                             std::max(statement_timeout_, absl::Minutes(1))));
        if (absl::Status s = Script(connection, timeout.c_str()); !s.ok()) {
          return s;
        }
        Params lock;
        lock.Int8(kMigrationLock);
        absl::StatusOr<Result> locked =
            Exec(connection, "SELECT pg_advisory_xact_lock($1)", lock);
        if (!locked.ok()) return locked.status();
        if (absl::Status s = Script(connection, kCreateSchemaVersionTable);
            !s.ok()) {
          return s;
        }
        absl::StatusOr<Result> stored = Exec(
            connection, "SELECT max(version) FROM schema_version", Params());
        if (!stored.ok()) return stored.status();
        const int64_t stored_version =
            stored->rows() == 0 || stored->IsNull(0, 0) ? 0 : stored->Int(0, 0);
        absl::StatusOr<const Migration*> next =
            NextMigration(description_, stored_version);
        if (!next.ok()) return next.status();
        if (*next == nullptr) {
          up_to_date = true;
          return absl::OkStatus();
        }
        if (absl::Status s = Script(connection, (*next)->postgres); !s.ok()) {
          return s;
        }
        const std::string set_version = absl::StrCat(
            "DELETE FROM schema_version; "
            "INSERT INTO schema_version (version) VALUES (",
            (*next)->version, ")");
        return Script(connection, set_version.c_str());
      });
      if (!status.ok() || up_to_date) return status;
    }
  }

  const std::string description_;
  const absl::Duration statement_timeout_;
  std::vector<std::string> keywords_;
  std::vector<std::string> values_;
  std::vector<const char*> keyword_pointers_;
  std::vector<const char*> value_pointers_;
  // Every connection, in the pool or in use; the pool never grows.
  std::vector<std::unique_ptr<Connection>> connections_;
  absl::Mutex mutex_;
  std::vector<Connection*> idle_ ABSL_GUARDED_BY(mutex_);
};

// The result if the statement succeeded, else the store's error for it.
absl::StatusOr<Result> PostgresStore::Checked(Connection& connection,
                                              Result result) {
  const PGresult* raw = result.get();
  const ExecStatusType outcome =
      raw == nullptr ? PGRES_FATAL_ERROR : PQresultStatus(raw);
  if (outcome == PGRES_COMMAND_OK || outcome == PGRES_TUPLES_OK) return result;
  if (PQstatus(connection.conn) != CONNECTION_OK) {
    connection.broken = true;
    return absl::UnavailableError(
        absl::StrCat("lost the connection to ", description_, ": ",
                     OneLine(PQerrorMessage(connection.conn))));
  }
  const char* field =
      raw == nullptr ? nullptr : PQresultErrorField(raw, PG_DIAG_SQLSTATE);
  const absl::string_view sqlstate = field == nullptr ? "" : field;
  const char* primary = raw == nullptr
                            ? nullptr
                            : PQresultErrorField(raw, PG_DIAG_MESSAGE_PRIMARY);
  const std::string says = absl::StrCat(
      " (PostgreSQL ", sqlstate, ": ",
      OneLine(primary != nullptr ? primary : PQerrorMessage(connection.conn)),
      ")");
  if (sqlstate == "57014" || sqlstate == "55P03") {
    return absl::DeadlineExceededError(absl::StrCat(
        description_, ": a statement took longer than the statement timeout (",
        absl::FormatDuration(statement_timeout_), ")", says));
  }
  if (sqlstate == "23505") {
    return absl::AlreadyExistsError(
        absl::StrCat(description_, ": the row already exists", says));
  }
  if (sqlstate == "40001" || sqlstate == "40P01") {
    return absl::AbortedError(absl::StrCat(
        description_, ": the transaction conflicted with another", says));
  }
  if (absl::StartsWith(sqlstate, "08") || absl::StartsWith(sqlstate, "53") ||
      absl::StartsWith(sqlstate, "57P")) {
    connection.broken = true;
    return absl::UnavailableError(
        absl::StrCat(description_, ": the server cannot serve", says));
  }
  if (absl::StartsWith(sqlstate, "22")) {
    return absl::InvalidArgumentError(
        absl::StrCat(description_, ": the server refused a value", says));
  }
  return absl::InternalError(absl::StrCat(description_, ":", says));
}

}  // namespace

absl::StatusOr<std::unique_ptr<Store>> OpenPostgresStore(
    const PostgresUrl& url, const StoreOptions& options) {
  auto store = std::make_unique<PostgresStore>(url, options);
  if (absl::Status status = store->Initialize(); !status.ok()) return status;
  return store;
}

}  // namespace yoga::storage
