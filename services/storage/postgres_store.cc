#include "services/storage/postgres_store.h"

#include <libpq-fe.h>
#include <poll.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <deque>
#include <limits>
#include <optional>
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
#include "absl/types/span.h"
#include "services/storage/schema.h"
#include "services/storage/sql_store.h"

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
  explicit Params(const SqlParams& params) {
    for (const SqlParams::Value& value : params.values()) {
      switch (value.type) {
        case SqlParams::Type::kText:
          Add(kTextOid, value.bytes);
          break;
        case SqlParams::Type::kBytes:
          Add(kByteaOid, value.bytes);
          break;
        case SqlParams::Type::kInt64:
          Own(kInt8Oid, BigEndian(static_cast<uint64_t>(value.number), 8));
          break;
        case SqlParams::Type::kInt32:
          Own(kInt4Oid, BigEndian(static_cast<uint64_t>(
                                      static_cast<uint32_t>(value.number)),
                                  4));
          break;
        case SqlParams::Type::kBool:
          Own(kBoolOid, std::string(1, value.number != 0));
          break;
        case SqlParams::Type::kTextList:
          Own(kTextArrayOid, TextArray(value.list));
          break;
      }
    }
  }

  int size() const { return static_cast<int>(types_.size()); }
  const Oid* types() const { return types_.data(); }
  const char* const* values() const { return values_.data(); }
  const int* lengths() const { return lengths_.data(); }
  const int* formats() const { return formats_.data(); }

 private:
  // A one-dimensional text[] without nulls, in the binary array format.
  static std::string TextArray(absl::Span<const absl::string_view> values) {
    std::string array =
        absl::StrCat(BigEndian(1, 4), BigEndian(0, 4), BigEndian(kTextOid, 4),
                     BigEndian(values.size(), 4), BigEndian(1, 4));
    for (absl::string_view value : values) {
      absl::StrAppend(&array, BigEndian(value.size(), 4), value);
    }
    return array;
  }

  // libpq sends NULL for a null pointer; an empty value is not NULL.
  void Add(Oid type, absl::string_view value) {
    types_.push_back(type);
    values_.push_back(value.data() != nullptr ? value.data() : "");
    lengths_.push_back(static_cast<int>(value.size()));
    formats_.push_back(1);
  }
  void Own(Oid type, std::string value) {
    owned_.push_back(std::move(value));  // A deque: earlier values stay put.
    Add(type, owned_.back());
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

 private:
  std::unique_ptr<PGresult, decltype(&PQclear)> result_;
};

// One row of a Result.
class PostgresRow final : public SqlRow {
 public:
  PostgresRow(const PGresult* result, int row) : result_(result), row_(row) {}

  std::string Bytes(int column) const override {
    return std::string(PQgetvalue(result_, row_, column),
                       PQgetlength(result_, row_, column));
  }
  // A bool, int2, int4 or int8 column: a big-endian integer of its length
  // (NULL has none: 0).
  int64_t Int(int column) const override {
    const auto* bytes = reinterpret_cast<const unsigned char*>(
        PQgetvalue(result_, row_, column));
    const int length = PQgetlength(result_, row_, column);
    uint64_t value = length > 0 && (bytes[0] & 0x80) && length > 1 ? ~0ull : 0;
    for (int i = 0; i < length; ++i) value = (value << 8) | bytes[i];
    return static_cast<int64_t>(value);
  }

 private:
  const PGresult* const result_;
  const int row_;
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

// One connection of the pool, made when a call first needs it and made again
// by the next call after a failure or after the server closed it.
class PostgresConnection final : public SqlConnection {
 public:
  PostgresConnection(absl::string_view database,
                     absl::Duration statement_timeout)
      : database_(database), statement_timeout_(statement_timeout) {}
  ~PostgresConnection() override {
    if (conn_ != nullptr) PQfinish(conn_);
  }

  // Before a call: connects a connection that never was, or that failed or
  // was closed, with libpq's options `keywords` and `values`.
  absl::Status Connect(const char* const* keywords, const char* const* values) {
    if (conn_ == nullptr) {
      conn_ = PQconnectdbParams(keywords, values, /*expand_dbname=*/0);
      if (conn_ == nullptr) {
        return absl::ResourceExhaustedError(
            absl::StrCat("cannot connect to ", database_, ": no memory"));
      }
      // Notices ("relation already exists, skipping") are not for our logs.
      PQsetNoticeProcessor(
          conn_, [](void*, const char*) {}, nullptr);
    } else if (broken_ || !StillOpen(conn_)) {
      PQreset(conn_);
    }
    broken_ = PQstatus(conn_) != CONNECTION_OK;
    if (broken_) {
      return absl::UnavailableError(
          absl::StrCat("cannot connect to ", database_, ": ",
                       OneLine(PQerrorMessage(conn_))));
    }
    // Sending never blocks either: a full socket buffer is waited out, with
    // the same bound, in Answer.
    if (PQsetnonblocking(conn_, 1) != 0) {
      broken_ = true;
      return absl::UnavailableError(
          absl::StrCat("cannot use the connection to ", database_, ": ",
                       OneLine(PQerrorMessage(conn_))));
    }
    return absl::OkStatus();
  }

  // After a call: a connection left inside a transaction would leak it into
  // the next call, which starts afresh instead.
  void EndCall() {
    if (conn_ != nullptr && PQtransactionStatus(conn_) != PQTRANS_IDLE) {
      broken_ = true;
    }
  }

  absl::StatusOr<int64_t> Run(
      const char* sql, const SqlParams& sql_params,
      absl::FunctionRef<void(const SqlRow&)> on_row) override {
    const Params params(sql_params);
    absl::StatusOr<Result> result = Answer(PQsendQueryParams(
        conn_, sql, params.size(), params.types(), params.values(),
        params.lengths(), params.formats(), /*resultFormat=*/1));
    if (!result.ok()) return result.status();
    for (int row = 0; row < result->rows(); ++row) {
      on_row(PostgresRow(result->get(), row));
    }
    return result->changed();
  }

  absl::Status Script(const char* sql) override {
    return Answer(PQsendQuery(conn_, sql)).status();
  }

  // READ COMMITTED for either kind: a write waits for the rows it changes
  // (SqlStore::UpdateSession says why that is enough).
  absl::Status Begin(Transaction kind) override { return Script("BEGIN"); }

  void RollBackIfOpen() override {
    if (PQstatus(conn_) == CONNECTION_OK &&
        PQtransactionStatus(conn_) != PQTRANS_IDLE) {
      Script("ROLLBACK").IgnoreError();  // Bounded like any statement.
    }
  }

  // Before a call's statements: all of them must be answered within
  // `budget`, together.
  void StartCall(absl::Duration budget) {
    call_budget_ = budget;
    call_deadline_ = absl::Now() + budget;
  }

 private:
  absl::StatusOr<Result> Checked(Result result);
  // The answer to what was just sent (`sent`: libpq's 1 for sent): the
  // first failed result of a script, else its last. The server ends a
  // statement at the statement timeout; a server that does not answer at
  // all (a stalled network, a hung proxy) is given up on at the call's
  // deadline (StartCall), and the connection dropped: UNAVAILABLE, with the
  // statement's fate unknown (a COMMIT may have happened).
  absl::StatusOr<Result> Answer(int sent);
  // Waits until the socket is ready for `events`, or `deadline`.
  bool WaitFor(short events, absl::Time deadline) const;

  const absl::string_view database_;
  const absl::Duration statement_timeout_;
  PGconn* conn_ = nullptr;
  // Asks the next call to reconnect.
  bool broken_ = false;
  absl::Duration call_budget_ = absl::InfiniteDuration();
  absl::Time call_deadline_ = absl::InfiniteFuture();
};

class PostgresStore final : public SqlStore {
 public:
  PostgresStore(const PostgresUrl& url, const StoreOptions& options)
      : SqlStore(url.description, {.migration_script = &Migration::postgres,
                                   .versions_query = kSessionVersions,
                                   .ids_per_versions_query = 0}),
        statement_timeout_(options.statement_timeout) {
    BuildConnectionOptions(url, options);
    const int pool_size = std::max(1, options.pool_size);
    for (int i = 0; i < pool_size; ++i) {
      connections_.push_back(std::make_unique<PostgresConnection>(
          description(), statement_timeout_));
      idle_.push_back(connections_.back().get());
    }
  }

  absl::Status Initialize() {
    // A migration's statements may each take a minute (BeforeMigration).
    return WithConnectionFor(
        std::max(absl::Minutes(2), CallBudget()),
        [&](SqlConnection& connection) { return Migrate(connection); });
  }

  bool Shared() const override { return true; }

 private:
  // libpq's options: the URL's, then ours. The statement timeout is the
  // server's, so a statement that waits on a lock ends too.
  void BuildConnectionOptions(const PostgresUrl& url,
                              const StoreOptions& options) {
    std::string server_options;
    bool has_keepalives = false;
    bool has_user_timeout = false;
    for (const auto& [keyword, value] : url.connection_options) {
      if (keyword == "options") {
        server_options = value;
      } else if (keyword != "connect_timeout" && keyword != "client_encoding") {
        if (absl::StartsWith(keyword, "keepalives")) has_keepalives = true;
        if (keyword == "tcp_user_timeout") has_user_timeout = true;
        AddConnectionOption(keyword, value);
      }
    }
    const int64_t timeout_ms = std::clamp<int64_t>(
        absl::ToInt64Milliseconds(options.statement_timeout), 0,
        std::numeric_limits<int32_t>::max());
    absl::StrAppend(
        &server_options, server_options.empty() ? "" : " ",
        "-c statement_timeout=", timeout_ms,
        // A transaction whose client went silent mid-way (we gave
        // up on it) does not hold its row locks for long.
        " -c idle_in_transaction_session_timeout=",
        std::min<int64_t>(2 * timeout_ms, std::numeric_limits<int32_t>::max()));
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
    if (!has_user_timeout) {
      // Data sent and never acknowledged (the server's host gone mid-call)
      // fails the connection after 10 s, not after minutes of resends.
      AddConnectionOption("tcp_user_timeout", "10000");
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

  // How long one call's statements may take in all before the server is
  // given up on: the statement timeout (the server's own bound), and as long
  // again (at least 1 s) for the answer to come back.
  absl::Duration CallBudget() const {
    return statement_timeout_ + std::max(absl::Seconds(1), statement_timeout_);
  }

  absl::Status WithConnection(
      absl::FunctionRef<absl::Status(SqlConnection&)> use) override {
    return WithConnectionFor(CallBudget(), use);
  }

  // Takes a connection from the pool (waiting up to the statement timeout),
  // makes sure it is connected, runs `use` within `budget` and gives it
  // back.
  absl::Status WithConnectionFor(
      absl::Duration budget,
      absl::FunctionRef<absl::Status(SqlConnection&)> use) {
    PostgresConnection* connection = nullptr;
    {
      absl::MutexLock lock(&mutex_);
      if (!mutex_.AwaitWithTimeout(
              absl::Condition(this, &PostgresStore::HasIdle),
              statement_timeout_)) {
        return absl::UnavailableError(
            absl::StrCat("all ", connections_.size(), " connections to ",
                         description(), " are busy (waited ",
                         absl::FormatDuration(statement_timeout_), ")"));
      }
      connection = idle_.back();
      idle_.pop_back();
    }
    absl::Status status =
        connection->Connect(keyword_pointers_.data(), value_pointers_.data());
    connection->StartCall(budget);
    if (status.ok()) status = use(*connection);
    connection->EndCall();
    absl::MutexLock lock(&mutex_);
    idle_.push_back(connection);
    return status;
  }

  // Migrations run under an advisory lock: replicas starting together migrate
  // once, the others wait and find the schema up to date.
  absl::Status BeforeMigration(SqlConnection& connection) override {
    // A migration may take longer than a call; it still may not hang.
    const std::string timeout =
        absl::StrCat("SET LOCAL statement_timeout = ",
                     absl::ToInt64Milliseconds(
                         std::max(statement_timeout_, absl::Minutes(1))));
    if (absl::Status status = connection.Script(timeout.c_str());
        !status.ok()) {
      return status;
    }
    return connection
        .Execute("SELECT pg_advisory_xact_lock($1)",
                 SqlParams().Int64(kMigrationLock))
        .status();
  }

  const absl::Duration statement_timeout_;
  std::vector<std::string> keywords_;
  std::vector<std::string> values_;
  std::vector<const char*> keyword_pointers_;
  std::vector<const char*> value_pointers_;
  // Every connection, in the pool or in use; the pool never grows.
  std::vector<std::unique_ptr<PostgresConnection>> connections_;
  absl::Mutex mutex_;
  std::vector<PostgresConnection*> idle_ ABSL_GUARDED_BY(mutex_);
};

bool PostgresConnection::WaitFor(short events, absl::Time deadline) const {
  for (;;) {
    const absl::Duration left = deadline - absl::Now();
    if (left <= absl::ZeroDuration()) return false;
    pollfd ready = {PQsocket(conn_), events, 0};
    const int waited = poll(
        &ready, 1,
        static_cast<int>(std::min<int64_t>(
            absl::ToInt64Milliseconds(absl::Ceil(left, absl::Milliseconds(1))),
            std::numeric_limits<int>::max())));
    if (waited > 0) return true;
    if (waited < 0 && errno != EINTR) return true;  // libpq will say why.
  }
}

absl::StatusOr<Result> PostgresConnection::Answer(int sent) {
  if (!sent) return Checked(Result(nullptr));
  const absl::Time deadline = call_deadline_;
  auto give_up = [&]() -> absl::Status {
    // Nothing more may be read from this connection: the next call makes a
    // new one.
    PQfinish(conn_);
    conn_ = nullptr;
    broken_ = true;
    return absl::UnavailableError(absl::StrCat(
        database_, " did not answer within ",
        absl::FormatDuration(call_budget_),
        "; the connection was dropped, and whether the statement took effect "
        "is not known"));
  };
  // Send what libpq could not write at once.
  for (int flushed = PQflush(conn_); flushed != 0; flushed = PQflush(conn_)) {
    if (flushed < 0) return Checked(Result(nullptr));
    if (!WaitFor(POLLIN | POLLOUT, deadline)) return give_up();
    if (!PQconsumeInput(conn_)) return Checked(Result(nullptr));
  }
  // Like PQexec: a script's first failure is its answer, else its last
  // result.
  std::optional<Result> failure;
  std::optional<Result> last;
  for (;;) {
    while (PQisBusy(conn_)) {
      if (!WaitFor(POLLIN, deadline)) return give_up();
      if (!PQconsumeInput(conn_)) return Checked(Result(nullptr));
    }
    PGresult* next = PQgetResult(conn_);
    if (next == nullptr) break;
    const ExecStatusType outcome = PQresultStatus(next);
    if (outcome == PGRES_COMMAND_OK || outcome == PGRES_TUPLES_OK) {
      last.emplace(next);
    } else if (!failure.has_value()) {
      failure.emplace(next);
    } else {
      PQclear(next);
    }
  }
  if (failure.has_value()) return Checked(*std::move(failure));
  if (last.has_value()) return Checked(*std::move(last));
  return Checked(Result(nullptr));
}

// The result if the statement succeeded, else the store's error for it.
absl::StatusOr<Result> PostgresConnection::Checked(Result result) {
  const PGresult* raw = result.get();
  const ExecStatusType outcome =
      raw == nullptr ? PGRES_FATAL_ERROR : PQresultStatus(raw);
  if (outcome == PGRES_COMMAND_OK || outcome == PGRES_TUPLES_OK) return result;
  if (PQstatus(conn_) != CONNECTION_OK) {
    broken_ = true;
    return absl::UnavailableError(absl::StrCat("lost the connection to ",
                                               database_, ": ",
                                               OneLine(PQerrorMessage(conn_))));
  }
  const char* field =
      raw == nullptr ? nullptr : PQresultErrorField(raw, PG_DIAG_SQLSTATE);
  const absl::string_view sqlstate = field == nullptr ? "" : field;
  const char* primary = raw == nullptr
                            ? nullptr
                            : PQresultErrorField(raw, PG_DIAG_MESSAGE_PRIMARY);
  const std::string says = absl::StrCat(
      " (PostgreSQL ", sqlstate, ": ",
      OneLine(primary != nullptr ? primary : PQerrorMessage(conn_)), ")");
  if (sqlstate == "57014" || sqlstate == "55P03") {
    return absl::DeadlineExceededError(absl::StrCat(
        database_, ": a statement took longer than the statement timeout (",
        absl::FormatDuration(statement_timeout_), ")", says));
  }
  if (sqlstate == "23505") {
    return absl::AlreadyExistsError(
        absl::StrCat(database_, ": the row already exists", says));
  }
  if (sqlstate == "40001" || sqlstate == "40P01") {
    return absl::AbortedError(absl::StrCat(
        database_, ": the transaction conflicted with another", says));
  }
  if (absl::StartsWith(sqlstate, "08") || absl::StartsWith(sqlstate, "53") ||
      absl::StartsWith(sqlstate, "57P")) {
    broken_ = true;
    return absl::UnavailableError(
        absl::StrCat(database_, ": the server cannot serve", says));
  }
  if (absl::StartsWith(sqlstate, "22")) {
    return absl::InvalidArgumentError(
        absl::StrCat(database_, ": the server refused a value", says));
  }
  return absl::InternalError(absl::StrCat(database_, ":", says));
}

}  // namespace

absl::StatusOr<std::unique_ptr<Store>> OpenPostgresStore(
    const PostgresUrl& url, const StoreOptions& options) {
  auto store = std::make_unique<PostgresStore>(url, options);
  if (absl::Status status = store->Initialize(); !status.ok()) return status;
  return store;
}

}  // namespace yoga::storage
