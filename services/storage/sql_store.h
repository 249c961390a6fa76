// What the SQLite and PostgreSQL backends share: every Store method written
// once, over a small connection interface each backend implements.
//
// Contract between SqlStore and a backend:
//  - The backend supplies WithConnection (a connection for the length of one
//    call, or an error), and each connection runs statements with typed
//    parameters (Run), parameterless scripts (Script) and transactions
//    (Begin, RollBackIfOpen), mapping its failures to the store's error codes
//    (store.h) itself.
//  - SqlStore writes the statements (statements.h), binds parameters, reads
//    rows, decides which calls are one transaction, and turns "no row
//    changed" into ALREADY_EXISTS, NOT_FOUND or ABORTED.
//  - What one dialect does differently (reading many ids at once, migration
//    scripts, what a migration holds while it runs) comes from the backend:
//    SqlDialect and BeforeMigration.
#ifndef YOGA_SERVICES_STORAGE_SQL_STORE_H_
#define YOGA_SERVICES_STORAGE_SQL_STORE_H_

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "services/storage/schema.h"
#include "services/storage/store.h"

namespace yoga::storage {

// The parameters of one statement, in order, typed as the columns they go to;
// each backend binds them its own way. Strings are not copied: they must
// outlive the statement's run.
class SqlParams {
 public:
  enum class Type { kText, kBytes, kInt64, kInt32, kBool, kTextList };
  struct Value {
    Type type = Type::kText;
    // kText, kBytes.
    absl::string_view bytes = {};
    // kInt64, kInt32, kBool (0 or 1).
    int64_t number = 0;
    // kTextList: one array parameter where the dialect has arrays
    // (PostgreSQL), else one parameter per element (SQLite).
    absl::Span<const absl::string_view> list = {};
  };

  SqlParams& Text(absl::string_view value) {
    return Add({.type = Type::kText, .bytes = value});
  }
  SqlParams& Bytes(absl::string_view value) {
    return Add({.type = Type::kBytes, .bytes = value});
  }
  SqlParams& Int64(int64_t value) {
    return Add({.type = Type::kInt64, .number = value});
  }
  SqlParams& Int32(int32_t value) {
    return Add({.type = Type::kInt32, .number = value});
  }
  SqlParams& Bool(bool value) {
    return Add({.type = Type::kBool, .number = value ? 1 : 0});
  }
  SqlParams& TextList(absl::Span<const absl::string_view> values) {
    return Add({.type = Type::kTextList, .list = values});
  }

  const std::vector<Value>& values() const { return values_; }

 private:
  SqlParams& Add(Value value) {
    values_.push_back(value);
    return *this;
  }

  std::vector<Value> values_;
};

// One row of a result, valid only while the statement's run calls back.
class SqlRow {
 public:
  virtual ~SqlRow() = default;
  // The exact bytes of a text or binary column.
  virtual std::string Bytes(int column) const = 0;
  // An integer or boolean column; NULL reads 0.
  virtual int64_t Int(int column) const = 0;
};

enum class Transaction {
  kRead,
  // Takes the write lock at once where the dialect can (SQLite's BEGIN
  // IMMEDIATE), so two writers never deadlock upgrading read locks.
  kWrite,
};

// One connection to the database, used by one call at a time.
class SqlConnection {
 public:
  virtual ~SqlConnection() = default;

  // Runs `sql` (PostgreSQL's $1, $2 ... parameters) with `params`, calling
  // `on_row` for each row it returns, in order. Returns how many rows an
  // INSERT or UPDATE changed.
  virtual absl::StatusOr<int64_t> Run(
      const char* sql, const SqlParams& params,
      absl::FunctionRef<void(const SqlRow&)> on_row) = 0;
  // Statements without parameters or rows (several, ';'-separated).
  virtual absl::Status Script(const char* sql) = 0;
  virtual absl::Status Begin(Transaction kind) = 0;
  // After a failure: ends the transaction if the failure has not already.
  virtual void RollBackIfOpen() = 0;

  // Rows changed, for statements that return none.
  absl::StatusOr<int64_t> Execute(const char* sql, const SqlParams& params);
  absl::Status Query(const char* sql, const SqlParams& params,
                     absl::FunctionRef<void(const SqlRow&)> on_row) {
    return Run(sql, params, on_row).status();
  }
  // Runs `body` as one transaction: committed when it returns OK, else
  // rolled back.
  absl::Status InTransaction(Transaction kind,
                             absl::FunctionRef<absl::Status()> body);
};

// How a backend's SQL differs where statements.h cannot say it once.
struct SqlDialect {
  // The migration scripts in this dialect (&Migration::sqlite, ...).
  const char* Migration::*migration_script;
  // SessionVersions: reads (id, version) of the sessions named by its one
  // kTextList parameter, which takes exactly `ids_per_versions_query` ids
  // (shorter lists are padded with repeats), or any number when 0.
  std::string versions_query;
  size_t ids_per_versions_query = 0;
};

class SqlStore : public Store {
 public:
  std::string Describe() const final { return description_; }

  absl::Status PutRoutine(absl::string_view owner, absl::string_view id,
                          absl::string_view data) final;
  absl::StatusOr<std::optional<std::string>> GetRoutine(
      absl::string_view owner, absl::string_view id) final;
  absl::Status CreateSession(const SessionRow& row) final;
  absl::StatusOr<std::optional<SessionRow>> GetSession(
      absl::string_view id) final;
  absl::StatusOr<std::optional<SessionRow>> SessionByStartRequest(
      absl::string_view owner, absl::string_view start_request_id) final;
  absl::StatusOr<std::optional<SessionRow>> SessionByJoinCode(
      absl::string_view owner, absl::string_view join_code) final;
  absl::Status UpdateSession(const SessionRow& row,
                             const PracticeRecord* record) final;
  absl::StatusOr<std::map<std::string, int64_t>> SessionVersions(
      const std::vector<std::string>& ids) final;
  absl::StatusOr<std::vector<std::string>> DueSessions(absl::Time now,
                                                       absl::Time idle_before,
                                                       int limit) final;
  absl::StatusOr<std::vector<PracticeRecord>> ListPracticeRecords(
      const PracticeQuery& query) final;
  absl::StatusOr<int64_t> DeleteFinishedSessions(absl::Time finished_before,
                                                 int limit) final;
  absl::StatusOr<SweptRoutines> DeleteUnusedRoutines(absl::Time unused_since,
                                                     int limit) final;
  absl::StatusOr<int64_t> DeletePracticeRecords(absl::Time started_before,
                                                int limit) final;

 protected:
  SqlStore(std::string description, SqlDialect dialect);

  // Runs `use` on a connection of its own for the length of one call.
  virtual absl::Status WithConnection(
      absl::FunctionRef<absl::Status(SqlConnection&)> use) = 0;
  // Runs first in each migration's transaction.
  virtual absl::Status BeforeMigration(SqlConnection& connection) {
    return absl::OkStatus();
  }

  // Applies every migration the database lacks, one transaction each.
  absl::Status Migrate(SqlConnection& connection);

  // For logs and errors: where the data lives.
  const std::string& description() const { return description_; }

 private:
  // What `read` fills in, read on one connection.
  template <typename T>
  absl::StatusOr<T> Read(
      absl::FunctionRef<absl::Status(SqlConnection&, T&)> read);

  const std::string description_;
  const SqlDialect dialect_;
};

}  // namespace yoga::storage

#endif  // YOGA_SERVICES_STORAGE_SQL_STORE_H_
