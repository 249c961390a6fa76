// One suite, the contract of store.h, run against every backend: SQLite in a
// temporary file and PostgreSQL on a real server (tests/testing). Then what
// only one backend has: SQLite's file errors, PostgreSQL's connections.
#include <arpa/inet.h>
#include <libpq-fe.h>
#include <netinet/in.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/storage/schema.h"
#include "services/storage/store.h"
#include "tests/testing/postgres_server.h"
#include "tests/testing/tcp_proxy.h"

namespace yoga::storage {
namespace {

using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using ::yoga::testing::PostgresServer;

#define ASSERT_OK(expression)                               \
  do {                                                      \
    const absl::Status assert_ok_status = (expression);     \
    ASSERT_TRUE(assert_ok_status.ok()) << assert_ok_status; \
  } while (false)
#define EXPECT_OK(expression)                               \
  do {                                                      \
    const absl::Status expect_ok_status = (expression);     \
    EXPECT_TRUE(expect_ok_status.ok()) << expect_ok_status; \
  } while (false)

const absl::Time kNow = absl::FromUnixMicros(1'700'000'000'123'456);

// A directory removed with everything in it at the end of the test.
class TempDirectory {
 public:
  TempDirectory() {
    path_ = (std::filesystem::temp_directory_path() / "yoga-store-XXXXXX");
    if (mkdtemp(path_.data()) == nullptr) path_.clear();
  }
  ~TempDirectory() {
    std::error_code ignored;
    if (!path_.empty()) std::filesystem::remove_all(path_, ignored);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

SessionRow Session(const std::string& id, int64_t version = 1) {
  SessionRow row;
  row.id = id;
  row.version = version;
  row.profile_id = "runner-1";
  row.phase = SessionPhase::kRunning;
  row.ends_at = kNow + absl::Minutes(10);
  row.updated_at = kNow;
  row.data = "stored session " + id;
  return row;
}

PracticeRecord Record(const std::string& session_id,
                      const std::string& profile_id, absl::Time start) {
  PracticeRecord record;
  record.session_id = session_id;
  record.profile_id = profile_id;
  record.routine_id = "routine-" + session_id;
  record.routine_title = "Lower back \xC3\xA9tir\xC3\xA9 " + session_id;
  record.start_time = start;
  record.end_time = start + absl::Minutes(12) + absl::Microseconds(7);
  record.practised = absl::Minutes(9) + absl::Milliseconds(500);
  record.completed = true;
  return record;
}

auto Fields(const SessionRow& row) {
  return std::make_tuple(row.id, row.version, row.profile_id,
                         static_cast<int>(row.phase), row.ends_at,
                         row.updated_at, row.finished, row.data);
}

auto Fields(const PracticeRecord& record) {
  return std::make_tuple(record.session_id, record.profile_id,
                         record.routine_id, record.routine_title,
                         record.start_time, record.end_time, record.practised,
                         record.completed);
}

// A query for `profile_id`'s records (designated initializers would leave
// PracticeQuery::before to a compiler warning).
PracticeQuery Query(const std::string& profile_id,
                    absl::Time since = absl::InfinitePast(), int limit = 50) {
  PracticeQuery query;
  query.profile_id = profile_id;
  query.since = since;
  query.limit = limit;
  return query;
}

std::vector<std::string> SessionIds(
    const std::vector<PracticeRecord>& records) {
  std::vector<std::string> ids;
  for (const PracticeRecord& record : records) ids.push_back(record.session_id);
  return ids;
}

enum class Backend { kSqlite, kPostgres };

std::string BackendName(const ::testing::TestParamInfo<Backend>& info) {
  return info.param == Backend::kSqlite ? "Sqlite" : "Postgres";
}

// For test names in ctest ("... # GetParam() = Sqlite").
void PrintTo(Backend backend, std::ostream* out) {
  *out << (backend == Backend::kSqlite ? "Sqlite" : "Postgres");
}

// Holds a lock on the sessions table from a connection of its own (not the
// store's): SQLite's write lock, or PostgreSQL's LOCK TABLE, which blocks
// reads too. Released when destroyed.
class LockHolder {
 public:
  static std::unique_ptr<LockHolder> Sqlite(const std::string& path) {
    auto holder = std::make_unique<LockHolder>();
    EXPECT_EQ(sqlite3_open(path.c_str(), &holder->sqlite_), SQLITE_OK);
    EXPECT_EQ(sqlite3_exec(holder->sqlite_, "BEGIN IMMEDIATE", nullptr, nullptr,
                           nullptr),
              SQLITE_OK)
        << sqlite3_errmsg(holder->sqlite_);
    return holder;
  }
  static std::unique_ptr<LockHolder> Postgres(const std::string& url) {
    auto holder = std::make_unique<LockHolder>();
    holder->postgres_ = PQconnectdb(url.c_str());
    EXPECT_EQ(PQstatus(holder->postgres_), CONNECTION_OK)
        << PQerrorMessage(holder->postgres_);
    PGresult* result = PQexec(holder->postgres_,
                              "BEGIN; LOCK TABLE sessions IN ACCESS "
                              "EXCLUSIVE MODE");
    EXPECT_EQ(PQresultStatus(result), PGRES_COMMAND_OK)
        << PQerrorMessage(holder->postgres_);
    PQclear(result);
    return holder;
  }
  ~LockHolder() {
    if (sqlite_ != nullptr) {
      sqlite3_exec(sqlite_, "ROLLBACK", nullptr, nullptr, nullptr);
      sqlite3_close(sqlite_);
    }
    if (postgres_ != nullptr) PQfinish(postgres_);
  }

 private:
  sqlite3* sqlite_ = nullptr;
  PGconn* postgres_ = nullptr;
};

class StoreContractTest : public ::testing::TestWithParam<Backend> {
 protected:
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }

  void SetUp() override {
    if (GetParam() == Backend::kPostgres) {
      if (!PostgresServer::Available()) {
        GTEST_SKIP() << "PostgreSQL is not installed (Debian package "
                        "postgresql; ./dev installs it)";
      }
      if (server_ == nullptr) {
        absl::StatusOr<std::unique_ptr<PostgresServer>> server =
            PostgresServer::Start();
        ASSERT_TRUE(server.ok()) << server.status();
        server_ = server->release();
      }
      static int databases = 0;
      database_ = absl::StrCat("contract_", ++databases);
      absl::StatusOr<std::string> url = server_->CreateDatabase(database_);
      ASSERT_TRUE(url.ok()) << url.status();
      url_ = *url;
    } else {
      ASSERT_FALSE(directory_.path().empty());
      sqlite_path_ = directory_.path() + "/yoga.db";
      url_ = "sqlite:" + sqlite_path_;
    }
    absl::StatusOr<std::unique_ptr<Store>> store = OpenStore(Options());
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = std::move(*store);
  }

  StoreOptions Options() const {
    StoreOptions options;
    options.url = url_;
    options.pool_size = 4;
    options.statement_timeout = absl::Seconds(5);
    options.connect_timeout = absl::Seconds(2);
    return options;
  }

  // Runs SQL on the test's database behind the store's back.
  void RunSql(const std::string& sql) {
    if (GetParam() == Backend::kPostgres) {
      absl::StatusOr<std::string> done = server_->RunSql(database_, sql);
      ASSERT_TRUE(done.ok()) << done.status();
      return;
    }
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(sqlite_path_.c_str(), &db), SQLITE_OK);
    sqlite3_busy_timeout(db, 5000);
    const int code = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr);
    EXPECT_EQ(code, SQLITE_OK) << sqlite3_errmsg(db);
    sqlite3_close(db);
  }

  std::unique_ptr<LockHolder> LockSessions() {
    return GetParam() == Backend::kPostgres ? LockHolder::Postgres(url_)
                                            : LockHolder::Sqlite(sqlite_path_);
  }

  // Stores a finished session with its practice record.
  void AddRecord(const PracticeRecord& record) {
    SessionRow row = Session(record.session_id);
    row.profile_id = record.profile_id;
    ASSERT_OK(store_->CreateSession(row));
    row.version = 2;
    row.phase = SessionPhase::kCompleted;
    row.ends_at = absl::InfiniteFuture();
    row.finished = true;
    ASSERT_OK(store_->UpdateSession(row, &record));
  }

  static PostgresServer* server_;
  TempDirectory directory_;
  std::string sqlite_path_;
  std::string database_;
  std::string url_;
  std::unique_ptr<Store> store_;
};

PostgresServer* StoreContractTest::server_ = nullptr;

INSTANTIATE_TEST_SUITE_P(Backends, StoreContractTest,
                         ::testing::Values(Backend::kSqlite,
                                           Backend::kPostgres),
                         BackendName);

TEST_P(StoreContractTest, DescribesWhereTheDataIs) {
  if (GetParam() == Backend::kSqlite) {
    EXPECT_EQ(store_->Describe(), url_);
    EXPECT_FALSE(store_->Shared());
  } else {
    EXPECT_EQ(store_->Describe(), url_);
    EXPECT_TRUE(store_->Shared());
  }
}

TEST_P(StoreContractTest, RoutinesAreStoredByIdAndTheFirstValueStays) {
  const std::string data("routine\0with\0nuls", 17);
  ASSERT_OK(store_->PutRoutine("", "r1", data));
  absl::StatusOr<std::optional<std::string>> stored =
      store_->GetRoutine("", "r1");
  ASSERT_TRUE(stored.ok()) << stored.status();
  EXPECT_EQ(*stored, data);

  // Equal ids are equal routines: a second put keeps the first value.
  EXPECT_OK(store_->PutRoutine("", "r1", "something else"));
  EXPECT_EQ(*store_->GetRoutine("", "r1"), data);

  absl::StatusOr<std::optional<std::string>> missing =
      store_->GetRoutine("", "no-such-routine");
  ASSERT_TRUE(missing.ok()) << missing.status();
  EXPECT_FALSE(missing->has_value());

  ASSERT_OK(store_->PutRoutine("", "empty", ""));
  EXPECT_EQ(*store_->GetRoutine("", "empty"), std::optional<std::string>(""));
}

TEST_P(StoreContractTest, ARoutineIsReadByTheOwnersWhoPutItAndPresetsByAll) {
  ASSERT_OK(store_->PutRoutine("acme", "r1", "acme's"));
  EXPECT_EQ(*store_->GetRoutine("acme", "r1"),
            std::optional<std::string>("acme's"));
  EXPECT_FALSE(store_->GetRoutine("coachco", "r1")->has_value());
  EXPECT_FALSE(store_->GetRoutine("", "r1")->has_value());
  // Composing the same routine makes it the second owner's too; the value
  // stays the first.
  ASSERT_OK(store_->PutRoutine("coachco", "r1", "same id, same routine"));
  EXPECT_EQ(*store_->GetRoutine("coachco", "r1"),
            std::optional<std::string>("acme's"));
  ASSERT_OK(store_->PutRoutine(kEveryOwner, "preset", "a preset"));
  for (const char* owner : {"", "acme", "coachco"}) {
    EXPECT_EQ(*store_->GetRoutine(owner, "preset"),
              std::optional<std::string>("a preset"))
        << owner;
  }
}

TEST_P(StoreContractTest, ASessionIsFoundByItsOwnersStartRequestAndOnlyOnce) {
  SessionRow first = Session("s1");
  first.owner = "acme";
  first.start_request_id = "start-7";
  ASSERT_OK(store_->CreateSession(first));
  absl::StatusOr<std::optional<SessionRow>> found =
      store_->SessionByStartRequest("acme", "start-7");
  ASSERT_TRUE(found.ok()) << found.status();
  ASSERT_TRUE(found->has_value());
  EXPECT_EQ(Fields(**found), Fields(first));
  EXPECT_FALSE(
      store_->SessionByStartRequest("coachco", "start-7")->has_value());
  EXPECT_FALSE(store_->SessionByStartRequest("acme", "start-8")->has_value());

  // A second session from the same request of the same owner is refused; of
  // another owner, or without a request id, it is made.
  SessionRow retried = Session("s2");
  retried.owner = "acme";
  retried.start_request_id = "start-7";
  EXPECT_EQ(store_->CreateSession(retried).code(),
            absl::StatusCode::kAlreadyExists);
  EXPECT_FALSE(store_->GetSession("s2")->has_value());
  retried.owner = "coachco";
  EXPECT_OK(store_->CreateSession(retried));
  SessionRow plain = Session("s3");
  SessionRow plain_too = Session("s4");
  EXPECT_OK(store_->CreateSession(plain));
  EXPECT_OK(store_->CreateSession(plain_too));
}

TEST_P(StoreContractTest, RecordsAreListedForTheirOwnerOnly) {
  PracticeRecord acme = Record("s1", "runner-1", kNow);
  acme.owner = "acme";
  PracticeRecord coachco = Record("s2", "runner-1", kNow + absl::Minutes(1));
  coachco.owner = "coachco";
  AddRecord(acme);
  AddRecord(coachco);
  PracticeQuery query = Query("runner-1");
  query.owner = "acme";
  absl::StatusOr<std::vector<PracticeRecord>> listed =
      store_->ListPracticeRecords(query);
  ASSERT_TRUE(listed.ok()) << listed.status();
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ(Fields(listed->front()), Fields(acme));
  query.owner = "";
  EXPECT_TRUE(store_->ListPracticeRecords(query)->empty());
}

TEST_P(StoreContractTest, AVersion1DatabaseKeepsItsRowsAsLocalOnes) {
  // The database as a program of schema version 1 left it.
  store_.reset();
  RunSql(
      "DROP TABLE routine_owners; DROP TABLE routines; DROP TABLE sessions; "
      "DROP TABLE practice_records; DELETE FROM schema_version");
  absl::StatusOr<const Migration*> first = NextMigration(url_, 0);
  ASSERT_TRUE(first.ok() && *first != nullptr);
  RunSql(GetParam() == Backend::kPostgres ? (*first)->postgres
                                          : (*first)->sqlite);
  RunSql(absl::StrCat(
      "INSERT INTO schema_version (version) VALUES (1);"
      "INSERT INTO routines (id, data, created_at) VALUES ('r1', 'x', 1);"
      "INSERT INTO sessions (id, version, profile_id, phase, ends_at, "
      "updated_at, finished, data) VALUES ('s1', 1, 'runner-1', 1, 5, 1, ",
      GetParam() == Backend::kPostgres ? "false" : "0",
      ", 'x');"
      "INSERT INTO practice_records (session_id, profile_id, routine_id, "
      "routine_title, start_time, end_time, practised_us, completed) VALUES "
      "('s0', 'runner-1', 'r1', 'Hips', 1, 2, 1, ",
      GetParam() == Backend::kPostgres ? "true" : "1", ")"));

  absl::StatusOr<std::unique_ptr<Store>> migrated = OpenStore(Options());
  ASSERT_TRUE(migrated.ok()) << migrated.status();
  Store& store = **migrated;
  // Everything from before is local, keyless use's: no partner gets it.
  EXPECT_EQ(*store.GetRoutine("", "r1"), std::optional<std::string>("x"));
  EXPECT_FALSE(store.GetRoutine("acme", "r1")->has_value());
  absl::StatusOr<std::optional<SessionRow>> session = store.GetSession("s1");
  ASSERT_TRUE(session.ok() && session->has_value()) << session.status();
  EXPECT_EQ((*session)->owner, "");
  EXPECT_EQ((*session)->start_request_id, "");
  EXPECT_THAT(SessionIds(*store.ListPracticeRecords(Query("runner-1"))),
              ElementsAre("s0"));
  PracticeQuery partner = Query("runner-1");
  partner.owner = "acme";
  EXPECT_TRUE(store.ListPracticeRecords(partner)->empty());
}

// Retention (store.h): each delete takes one batch, oldest first, and
// leaves what it must not touch.

TEST_P(StoreContractTest, FinishedSessionsPastTheCutoffGoInBatches) {
  const absl::Time cutoff = kNow - absl::Hours(24 * 30);
  auto add = [&](const std::string& id, absl::Time updated_at, bool finished,
                 SessionPhase phase) {
    SessionRow row = Session(id);
    row.updated_at = updated_at;
    row.finished = finished;
    row.phase = phase;
    row.owner = "acme";
    row.start_request_id = "start-" + id;
    ASSERT_OK(store_->CreateSession(row));
  };
  for (int i = 0; i < 5; ++i) {
    add(absl::StrCat("old-", i), cutoff - absl::Hours(1 + i), true,
        SessionPhase::kCompleted);
  }
  add("old-running", cutoff - absl::Hours(9), false, SessionPhase::kRunning);
  add("old-paused", cutoff - absl::Hours(9), false, SessionPhase::kPaused);
  add("at-cutoff", cutoff, true, SessionPhase::kStopped);
  add("recent", kNow - absl::Hours(1), true, SessionPhase::kCompleted);
  PracticeRecord record = Record("old-5", "runner-1", cutoff - absl::Hours(2));
  record.owner = "acme";
  AddRecord(record);  // Finishes the session "old-5", updated at kNow.
  RunSql(absl::StrCat("UPDATE sessions SET updated_at = ",
                      ToStoredTime(cutoff - absl::Hours(1)),
                      " WHERE id = 'old-5'"));

  std::vector<int64_t> batches;
  for (;;) {
    absl::StatusOr<int64_t> deleted = store_->DeleteFinishedSessions(cutoff, 2);
    ASSERT_TRUE(deleted.ok()) << deleted.status();
    batches.push_back(*deleted);
    if (*deleted < 2) break;
  }
  EXPECT_THAT(batches, ElementsAre(2, 2, 2, 0));
  for (int i = 0; i < 6; ++i) {
    EXPECT_FALSE(store_->GetSession(absl::StrCat("old-", i))->has_value()) << i;
  }
  for (const char* kept :
       {"old-running", "old-paused", "at-cutoff", "recent"}) {
    EXPECT_TRUE(store_->GetSession(kept)->has_value()) << kept;
  }
  // The runner's history stays.
  PracticeQuery history = Query("runner-1");
  history.owner = "acme";
  EXPECT_THAT(SessionIds(*store_->ListPracticeRecords(history)),
              ElementsAre("old-5"));
  // A StartSession retried after its session was swept finds nothing and
  // may start a new one (docs/partners.md).
  EXPECT_FALSE(
      store_->SessionByStartRequest("acme", "start-old-1")->has_value());
  SessionRow again = Session("again");
  again.owner = "acme";
  again.start_request_id = "start-old-1";
  EXPECT_OK(store_->CreateSession(again));
  EXPECT_EQ(*store_->DeleteFinishedSessions(cutoff, 0), 0);
}

TEST_P(StoreContractTest, UnusedRoutinesGoButPresetsAndOtherReadersStay) {
  const absl::Time now = absl::Now();
  const absl::Time cutoff = now - absl::Hours(24 * 90);
  ASSERT_OK(store_->PutRoutine("acme", "old", "acme's old"));
  ASSERT_OK(store_->PutRoutine("acme", "shared", "shared"));
  ASSERT_OK(store_->PutRoutine("coachco", "shared", "shared"));
  ASSERT_OK(store_->PutRoutine(kEveryOwner, "preset", "a preset"));
  ASSERT_OK(store_->PutRoutine("acme", "fresh", "fresh"));
  for (int i = 0; i < 3; ++i) {
    ASSERT_OK(store_->PutRoutine("", absl::StrCat("local-", i), "local"));
  }
  RunSql(
      absl::StrCat("UPDATE routine_owners SET used_at = ",
                   ToStoredTime(cutoff - absl::Hours(1)),
                   " WHERE (owner = 'acme' AND routine_id IN ('old', 'shared'))"
                   " OR owner = '*' OR owner = ''"));

  SweptRoutines total;
  std::vector<int64_t> batches;
  for (;;) {
    absl::StatusOr<SweptRoutines> swept =
        store_->DeleteUnusedRoutines(cutoff, 2);
    ASSERT_TRUE(swept.ok()) << swept.status();
    batches.push_back(swept->readers);
    total.readers += swept->readers;
    total.routines += swept->routines;
    if (swept->readers < 2) break;
  }
  EXPECT_THAT(batches, ElementsAre(2, 2, 1));
  EXPECT_EQ(total.readers, 5);   // acme's two, the three local ones.
  EXPECT_EQ(total.routines, 4);  // "old" and the local ones.
  EXPECT_FALSE(store_->GetRoutine("acme", "old")->has_value());
  EXPECT_FALSE(store_->GetRoutine("acme", "shared")->has_value());
  EXPECT_FALSE(store_->GetRoutine("", "local-0")->has_value());
  EXPECT_EQ(*store_->GetRoutine("coachco", "shared"),
            std::optional<std::string>("shared"));
  EXPECT_EQ(*store_->GetRoutine("acme", "fresh"),
            std::optional<std::string>("fresh"));
  for (const char* owner : {"", "acme", "coachco"}) {
    EXPECT_EQ(*store_->GetRoutine(owner, "preset"),
              std::optional<std::string>("a preset"))
        << owner;
  }
  // A swept routine composed again is stored again.
  ASSERT_OK(store_->PutRoutine("acme", "old", "acme's old"));
  EXPECT_EQ(*store_->GetRoutine("acme", "old"),
            std::optional<std::string>("acme's old"));
}

TEST_P(StoreContractTest, ReadingARoutineMarksItUsedAtMostOncePerRefresh) {
  const absl::Time now = absl::Now();
  ASSERT_OK(store_->PutRoutine("acme", "played", "r"));
  ASSERT_OK(store_->PutRoutine("acme", "just-marked", "r"));
  RunSql(absl::StrCat(
      "UPDATE routine_owners SET used_at = ",
      ToStoredTime(now - kRoutineUseRefresh - absl::Hours(1)),
      " WHERE routine_id = 'played'; UPDATE routine_owners SET used_at = ",
      ToStoredTime(now - absl::Hours(2)), " WHERE routine_id = 'just-marked'"));
  EXPECT_TRUE(store_->GetRoutine("acme", "played")->has_value());
  EXPECT_TRUE(store_->GetRoutine("acme", "just-marked")->has_value());
  // "played" was marked again by the read; "just-marked" was not (its mark
  // is younger than kRoutineUseRefresh), so a cutoff an hour ago takes it.
  absl::StatusOr<SweptRoutines> swept =
      store_->DeleteUnusedRoutines(now - absl::Hours(1), 10);
  ASSERT_TRUE(swept.ok()) << swept.status();
  EXPECT_EQ(swept->readers, 1);
  EXPECT_EQ(swept->routines, 1);
  EXPECT_TRUE(store_->GetRoutine("acme", "played")->has_value());
  EXPECT_FALSE(store_->GetRoutine("acme", "just-marked")->has_value());
}

TEST_P(StoreContractTest, PracticeRecordsStartedBeforeTheCutoffGo) {
  const absl::Time cutoff = kNow - absl::Hours(24 * 365);
  AddRecord(Record("s-old", "runner-1", cutoff - absl::Minutes(1)));
  AddRecord(Record("s-older", "runner-1", cutoff - absl::Hours(24)));
  AddRecord(Record("s-at", "runner-1", cutoff));
  AddRecord(Record("s-new", "runner-1", kNow - absl::Hours(1)));
  absl::StatusOr<int64_t> first = store_->DeletePracticeRecords(cutoff, 1);
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(*first, 1);
  EXPECT_THAT(SessionIds(*store_->ListPracticeRecords(Query("runner-1"))),
              ElementsAre("s-new", "s-at", "s-old"));  // Oldest went first.
  EXPECT_EQ(*store_->DeletePracticeRecords(cutoff, 10), 1);
  EXPECT_EQ(*store_->DeletePracticeRecords(cutoff, 10), 0);
  EXPECT_THAT(SessionIds(*store_->ListPracticeRecords(Query("runner-1"))),
              ElementsAre("s-new", "s-at"));
  // Their sessions are another sweep's.
  EXPECT_TRUE(store_->GetSession("s-old")->has_value());
}

TEST_P(StoreContractTest, SessionsRoundTripEveryColumn) {
  SessionRow running = Session("running");
  running.ends_at = kNow + absl::Microseconds(1);
  running.owner = "acme";
  running.start_request_id = "0b7e5c1a-4f2d-4c3b-9a8e-1d2c3b4a5f60";
  SessionRow paused = Session("paused", /*version=*/7);
  paused.phase = SessionPhase::kPaused;
  paused.ends_at = absl::InfiniteFuture();
  paused.updated_at = absl::UnixEpoch() - absl::Hours(1);
  paused.finished = true;
  paused.data = "";
  for (const SessionRow& row : {running, paused}) {
    ASSERT_OK(store_->CreateSession(row));
    absl::StatusOr<std::optional<SessionRow>> stored =
        store_->GetSession(row.id);
    ASSERT_TRUE(stored.ok()) << stored.status();
    ASSERT_TRUE(stored->has_value()) << row.id;
    EXPECT_EQ(Fields(**stored), Fields(row));
  }
  absl::StatusOr<std::optional<SessionRow>> missing =
      store_->GetSession("no-such-session");
  ASSERT_TRUE(missing.ok()) << missing.status();
  EXPECT_FALSE(missing->has_value());
}

TEST_P(StoreContractTest, CreatingATakenIdIsAlreadyExistsAndChangesNothing) {
  const SessionRow first = Session("s1");
  ASSERT_OK(store_->CreateSession(first));
  SessionRow second = Session("s1");
  second.data = "another";
  const absl::Status taken = store_->CreateSession(second);
  EXPECT_EQ(taken.code(), absl::StatusCode::kAlreadyExists) << taken;
  EXPECT_THAT(taken.message(), HasSubstr("s1"));
  EXPECT_EQ(Fields(**store_->GetSession("s1")), Fields(first));
}

TEST_P(StoreContractTest, AnUpdateWithTheNextVersionReplacesTheRow) {
  ASSERT_OK(store_->CreateSession(Session("s1")));
  SessionRow next = Session("s1", /*version=*/2);
  next.phase = SessionPhase::kPaused;
  next.ends_at = absl::InfiniteFuture();
  next.updated_at = kNow + absl::Seconds(30);
  next.profile_id = "runner-2";
  next.data = "paused";
  ASSERT_OK(store_->UpdateSession(next, nullptr));
  EXPECT_EQ(Fields(**store_->GetSession("s1")), Fields(next));
}

TEST_P(StoreContractTest, AStaleUpdateIsAbortedNamingBothVersions) {
  ASSERT_OK(store_->CreateSession(Session("s1")));
  const SessionRow second = Session("s1", 2);
  ASSERT_OK(store_->UpdateSession(second, nullptr));
  SessionRow stale = Session("s1", 2);  // Also thinks it follows version 1.
  stale.data = "lost";
  const PracticeRecord record = Record("s1", "runner-1", kNow);
  const absl::Status aborted = store_->UpdateSession(stale, &record);
  EXPECT_EQ(aborted.code(), absl::StatusCode::kAborted) << aborted;
  EXPECT_THAT(aborted.message(),
              AllOf(HasSubstr("s1"), HasSubstr("stored version 2"),
                    HasSubstr("expected 1")));
  EXPECT_EQ(Fields(**store_->GetSession("s1")), Fields(second));
  // Nothing of the failed write stays, not even its record.
  EXPECT_THAT(*store_->ListPracticeRecords(Query("runner-1")),
              ::testing::IsEmpty());
  // A version from the future is no better.
  const absl::Status ahead = store_->UpdateSession(Session("s1", 9), nullptr);
  EXPECT_EQ(ahead.code(), absl::StatusCode::kAborted) << ahead;
}

TEST_P(StoreContractTest, UpdatingAMissingSessionIsNotFound) {
  const absl::Status missing =
      store_->UpdateSession(Session("ghost", 2), nullptr);
  EXPECT_EQ(missing.code(), absl::StatusCode::kNotFound) << missing;
  EXPECT_THAT(missing.message(), HasSubstr("ghost"));
}

TEST_P(StoreContractTest, TheFinishingUpdateWritesItsRecordOnce) {
  ASSERT_OK(store_->CreateSession(Session("s1")));
  SessionRow finished = Session("s1", 2);
  finished.phase = SessionPhase::kCompleted;
  finished.finished = true;
  const PracticeRecord record = Record("s1", "runner-1", kNow);
  ASSERT_OK(store_->UpdateSession(finished, &record));

  // A second finishing write (a retry, another replica) keeps the first.
  SessionRow again = Session("s1", 3);
  again.finished = true;
  PracticeRecord other = Record("s1", "runner-1", kNow + absl::Hours(1));
  other.completed = false;
  ASSERT_OK(store_->UpdateSession(again, &other));

  absl::StatusOr<std::vector<PracticeRecord>> records =
      store_->ListPracticeRecords(Query("runner-1"));
  ASSERT_TRUE(records.ok()) << records.status();
  ASSERT_EQ(records->size(), 1u);
  EXPECT_EQ(Fields(records->front()), Fields(record));
  EXPECT_EQ((*store_->GetSession("s1"))->version, 3);
}

TEST_P(StoreContractTest, SessionVersionsOfAnyNumberOfIds) {
  EXPECT_THAT(*store_->SessionVersions({}), ::testing::IsEmpty());

  const std::vector<std::string> awkward = {
      "quote\"d",
      "single'quote",
      "com,ma",
      "back\\slash",
      "{braces}",
      "NULL",
      "sp ace",
      "",
      "\xC3\xA9t\xC3\xA9 \xE6\x97\xA5\xE6\x9C\xAC \xF0\x9F\xA7\x98",
      "semi;colon",
      "(paren)",
      "new\nline",
      "tab\t"};
  std::map<std::string, int64_t> expected;
  std::vector<std::string> ids;
  for (size_t i = 0; i < awkward.size(); ++i) {
    ASSERT_OK(store_->CreateSession(Session(awkward[i], 10 + i)));
    expected[awkward[i]] = 10 + i;
    ids.push_back(awkward[i]);
  }
  // Many more: some stored, most missing.
  for (int i = 0; i < 2500; ++i) {
    const std::string id = absl::StrCat("session-", i);
    if (i % 25 == 0) {
      ASSERT_OK(store_->CreateSession(Session(id, i + 1)));
      expected[id] = i + 1;
    }
    ids.push_back(id);
  }
  ids.push_back("missing\"quote");
  ids.push_back("session-0");  // Asked twice.
  absl::StatusOr<std::map<std::string, int64_t>> versions =
      store_->SessionVersions(ids);
  ASSERT_TRUE(versions.ok()) << versions.status();
  EXPECT_EQ(*versions, expected);
}

TEST_P(StoreContractTest,
       DueSessionsAreUnfinishedOnesPastTheirTimeOldestFirst) {
  const absl::Time idle_before = kNow - absl::Hours(1);
  auto add = [&](const std::string& id, SessionPhase phase, absl::Time ends_at,
                 absl::Time updated_at, bool finished) {
    SessionRow row = Session(id);
    row.phase = phase;
    row.ends_at = ends_at;
    row.updated_at = updated_at;
    row.finished = finished;
    ASSERT_OK(store_->CreateSession(row));
  };
  const absl::Time never = absl::InfiniteFuture();
  add("running-ended-10m-ago", SessionPhase::kRunning, kNow - absl::Minutes(10),
      kNow - absl::Minutes(20), false);
  add("running-ends-now", SessionPhase::kRunning, kNow, kNow, false);
  add("running-ends-soon", SessionPhase::kRunning, kNow + absl::Seconds(1),
      kNow, false);
  add("paused-61m", SessionPhase::kPaused, never,
      idle_before - absl::Minutes(1), false);
  add("paused-60m", SessionPhase::kPaused, never, idle_before, false);
  add("paused-5m", SessionPhase::kPaused, never, kNow - absl::Minutes(5),
      false);
  add("running-finished", SessionPhase::kRunning, kNow - absl::Hours(2),
      kNow - absl::Hours(2), true);
  add("paused-finished", SessionPhase::kPaused, never, kNow - absl::Hours(3),
      true);
  add("stopped", SessionPhase::kStopped, never, kNow - absl::Hours(4), false);
  add("completed", SessionPhase::kCompleted, kNow - absl::Hours(4),
      kNow - absl::Hours(4), false);

  absl::StatusOr<std::vector<std::string>> due =
      store_->DueSessions(kNow, idle_before, 100);
  ASSERT_TRUE(due.ok()) << due.status();
  EXPECT_THAT(*due, ElementsAre("paused-61m", "paused-60m",
                                "running-ended-10m-ago", "running-ends-now"));
  EXPECT_THAT(*store_->DueSessions(kNow, idle_before, 3),
              ElementsAre("paused-61m", "paused-60m", "running-ended-10m-ago"));
  EXPECT_THAT(*store_->DueSessions(kNow, idle_before, 0), ::testing::IsEmpty());

  // Finishing one takes it off the list.
  SessionRow done = Session("paused-61m", 2);
  done.phase = SessionPhase::kStopped;
  done.finished = true;
  ASSERT_OK(store_->UpdateSession(done, nullptr));
  EXPECT_THAT(*store_->DueSessions(kNow, idle_before, 1),
              ElementsAre("paused-60m"));
}

TEST_P(StoreContractTest, PracticeRecordsPageNewestFirstByStartThenId) {
  const absl::Time t0 = kNow - absl::Hours(48);
  const absl::Time t1 = kNow - absl::Hours(24);
  const absl::Time t2 = kNow;
  AddRecord(Record("a", "runner-1", t0));
  AddRecord(Record("b", "runner-1", t1));
  AddRecord(Record("d", "runner-1", t1));
  AddRecord(Record("c", "runner-1", t1));
  AddRecord(Record("e", "runner-1", t2));
  AddRecord(Record("other", "runner-2", t2 + absl::Hours(1)));

  absl::StatusOr<std::vector<PracticeRecord>> all =
      store_->ListPracticeRecords(Query("runner-1"));
  ASSERT_TRUE(all.ok()) << all.status();
  EXPECT_THAT(SessionIds(*all), ElementsAre("e", "d", "c", "b", "a"));
  EXPECT_EQ(Fields(all->front()), Fields(Record("e", "runner-1", t2)));

  // Pages of two, each after the last record of the one before; the three
  // records that start together are split between pages.
  std::vector<std::vector<std::string>> pages;
  PracticeQuery query = Query("runner-1", absl::InfinitePast(), 2);
  for (int page = 0; page < 5; ++page) {
    absl::StatusOr<std::vector<PracticeRecord>> records =
        store_->ListPracticeRecords(query);
    ASSERT_TRUE(records.ok()) << records.status();
    pages.push_back(SessionIds(*records));
    if (records->empty()) break;
    query.before.emplace(records->back().start_time,
                         records->back().session_id);
  }
  EXPECT_THAT(pages, ElementsAre(ElementsAre("e", "d"), ElementsAre("c", "b"),
                                 ElementsAre("a"), ::testing::IsEmpty()));

  EXPECT_THAT(SessionIds(*store_->ListPracticeRecords(Query("runner-1", t1))),
              ElementsAre("e", "d", "c", "b"));
  PracticeQuery since_and_before = Query("runner-1", t1);
  since_and_before.before.emplace(t1, "c");
  EXPECT_THAT(SessionIds(*store_->ListPracticeRecords(since_and_before)),
              ElementsAre("b"));
  EXPECT_THAT(SessionIds(*store_->ListPracticeRecords(Query("nobody"))),
              ::testing::IsEmpty());
}

TEST_P(StoreContractTest, ConcurrentWritersOfOneRowWinOncePerVersion) {
  ASSERT_OK(store_->CreateSession(Session("contended")));
  constexpr int kLastVersion = 41;
  std::mutex mutex;
  std::vector<int64_t> won;
  std::vector<std::thread> writers;
  for (int writer = 0; writer < 8; ++writer) {
    writers.emplace_back([&, writer] {
      for (;;) {
        absl::StatusOr<std::optional<SessionRow>> current =
            store_->GetSession("contended");
        if (!current.ok() || !current->has_value()) {
          ADD_FAILURE() << current.status();
          return;
        }
        SessionRow next = **current;
        if (next.version >= kLastVersion) return;
        ++next.version;
        next.data = absl::StrCat("version ", next.version, " by ", writer);
        const absl::Status status = store_->UpdateSession(next, nullptr);
        if (status.ok()) {
          std::lock_guard<std::mutex> lock(mutex);
          won.push_back(next.version);
        } else if (status.code() != absl::StatusCode::kAborted) {
          ADD_FAILURE() << status;
          return;
        }
      }
    });
  }
  for (std::thread& writer : writers) writer.join();
  std::sort(won.begin(), won.end());
  std::vector<int64_t> every_version;
  for (int version = 2; version <= kLastVersion; ++version) {
    every_version.push_back(version);
  }
  EXPECT_EQ(won, every_version);
  EXPECT_EQ((*store_->GetSession("contended"))->version, kLastVersion);
}

TEST_P(StoreContractTest, BytesRoundTripExactlyUpToAMegabyte) {
  std::string every_byte;
  for (int i = 0; i < 256; ++i) every_byte.push_back(static_cast<char>(i));
  std::string megabyte(1 << 20, '\0');
  for (size_t i = 0; i < megabyte.size(); ++i) {
    megabyte[i] = static_cast<char>((i * 7919) >> 3);
  }
  ASSERT_OK(store_->PutRoutine("", "every-byte", every_byte));
  ASSERT_OK(store_->PutRoutine("", "megabyte", megabyte));
  EXPECT_EQ(**store_->GetRoutine("", "every-byte"), every_byte);
  EXPECT_TRUE(**store_->GetRoutine("", "megabyte") == megabyte);

  SessionRow row = Session("big");
  row.data = megabyte;
  ASSERT_OK(store_->CreateSession(row));
  row.version = 2;
  row.data = every_byte + megabyte;
  ASSERT_OK(store_->UpdateSession(row, nullptr));
  absl::StatusOr<std::optional<SessionRow>> stored = store_->GetSession("big");
  ASSERT_TRUE(stored.ok()) << stored.status();
  EXPECT_TRUE((*stored)->data == row.data);
}

TEST_P(StoreContractTest, ReopeningTheDatabaseKeepsEverything) {
  ASSERT_OK(store_->PutRoutine("", "r1", "routine"));
  ASSERT_OK(store_->CreateSession(Session("s1")));
  AddRecord(Record("s2", "runner-1", kNow));
  store_.reset();

  absl::StatusOr<std::unique_ptr<Store>> reopened = OpenStore(Options());
  ASSERT_TRUE(reopened.ok()) << reopened.status();
  Store& store = **reopened;
  EXPECT_EQ(*store.GetRoutine("", "r1"), std::optional<std::string>("routine"));
  EXPECT_EQ(Fields(**store.GetSession("s1")), Fields(Session("s1")));
  EXPECT_THAT(SessionIds(*store.ListPracticeRecords(Query("runner-1"))),
              ElementsAre("s2"));
}

TEST_P(StoreContractTest, TwoStoresOnOneDatabaseSeeAndRaceEachOther) {
  absl::StatusOr<std::unique_ptr<Store>> other = OpenStore(Options());
  ASSERT_TRUE(other.ok()) << other.status();
  Store& replica = **other;
  ASSERT_OK(store_->CreateSession(Session("s1")));
  EXPECT_EQ(Fields(**replica.GetSession("s1")), Fields(Session("s1")));
  EXPECT_EQ(replica.CreateSession(Session("s1")).code(),
            absl::StatusCode::kAlreadyExists);

  ASSERT_OK(replica.UpdateSession(Session("s1", 2), nullptr));
  EXPECT_EQ(store_->UpdateSession(Session("s1", 2), nullptr).code(),
            absl::StatusCode::kAborted);
  EXPECT_EQ((*store_->SessionVersions({"s1"}))["s1"], 2);
}

TEST_P(StoreContractTest, ASchemaNewerThanThisProgramRefusesToOpen) {
  store_.reset();
  const int newer = LatestSchemaVersion() + 1;
  RunSql(absl::StrCat("UPDATE schema_version SET version = ", newer));
  absl::StatusOr<std::unique_ptr<Store>> refused = OpenStore(Options());
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kFailedPrecondition)
      << refused.status();
  EXPECT_THAT(
      refused.status().message(),
      AllOf(HasSubstr(url_), HasSubstr(absl::StrCat("schema version ", newer)),
            HasSubstr(absl::StrCat("versions up to ", LatestSchemaVersion())),
            HasSubstr("upgrade")));
}

TEST_P(StoreContractTest, ALockHeldPastTheStatementTimeoutIsDeadlineExceeded) {
  StoreOptions options = Options();
  options.statement_timeout = absl::Milliseconds(200);
  absl::StatusOr<std::unique_ptr<Store>> impatient = OpenStore(options);
  ASSERT_TRUE(impatient.ok()) << impatient.status();
  {
    std::unique_ptr<LockHolder> lock = LockSessions();
    const absl::Time start = absl::Now();
    const absl::Status status = (*impatient)->CreateSession(Session("s1"));
    EXPECT_EQ(status.code(), absl::StatusCode::kDeadlineExceeded) << status;
    EXPECT_LT(absl::Now() - start, absl::Seconds(3));
  }
  // The lock gone, the same store carries on.
  EXPECT_OK((*impatient)->CreateSession(Session("s1")));
  EXPECT_TRUE((*(*impatient)->GetSession("s1")).has_value());
}

// SQLite alone: the file.

TEST(SqliteStoreTest, AFileOfGarbageIsDataLossNamingIt) {
  TempDirectory directory;
  const std::string path = directory.path() + "/garbage.db";
  std::ofstream(path) << std::string(8192, 'x');
  absl::StatusOr<std::unique_ptr<Store>> store =
      OpenStore({.url = "sqlite:" + path});
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), absl::StatusCode::kDataLoss)
      << store.status();
  EXPECT_THAT(store.status().message(),
              AllOf(HasSubstr(path), HasSubstr("file is not a database"),
                    HasSubstr("move it away")));
}

TEST(SqliteStoreTest, AnUnusableDirectoryIsUnavailableNamingThePath) {
  TempDirectory directory;
  const std::string file = directory.path() + "/a-file";
  std::ofstream(file) << "not a directory";
  for (const std::string& path :
       {directory.path() + "/missing/yoga.db", file + "/yoga.db"}) {
    absl::StatusOr<std::unique_ptr<Store>> store = OpenStore({.url = path});
    ASSERT_FALSE(store.ok()) << path;
    EXPECT_EQ(store.status().code(), absl::StatusCode::kUnavailable)
        << store.status();
    EXPECT_THAT(store.status().message(), HasSubstr(path));
  }
  // The reason the system gave.
  EXPECT_THAT(OpenStore({.url = directory.path() + "/missing/yoga.db"})
                  .status()
                  .message(),
              HasSubstr("No such file or directory"));
}

TEST(SqliteStoreTest, AnEmptyFileBecomesADatabase) {
  TempDirectory directory;
  const std::string path = directory.path() + "/empty.db";
  std::ofstream{path};
  absl::StatusOr<std::unique_ptr<Store>> store = OpenStore({.url = path});
  ASSERT_TRUE(store.ok()) << store.status();
  EXPECT_EQ((*store)->Describe(), "sqlite:" + path);
  EXPECT_OK((*store)->PutRoutine("", "r1", "x"));
}

TEST(SqliteStoreTest, TheFileIsInWalModeAndRecordsItsSchemaVersion) {
  TempDirectory directory;
  const std::string path = directory.path() + "/yoga.db";
  ASSERT_TRUE(OpenStore({.url = "sqlite:" + path}).ok());
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  std::vector<std::string> answers;
  for (const char* sql :
       {"PRAGMA journal_mode", "SELECT version FROM schema_version"}) {
    sqlite3_stmt* statement = nullptr;
    ASSERT_EQ(sqlite3_prepare_v2(db, sql, -1, &statement, nullptr), SQLITE_OK);
    while (sqlite3_step(statement) == SQLITE_ROW) {
      answers.push_back(
          reinterpret_cast<const char*>(sqlite3_column_text(statement, 0)));
    }
    sqlite3_finalize(statement);
  }
  sqlite3_close(db);
  EXPECT_THAT(answers, ElementsAre("wal", absl::StrCat(LatestSchemaVersion())));
}

// PostgreSQL alone: connections.

class PostgresStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!PostgresServer::Available()) {
      GTEST_SKIP() << "PostgreSQL is not installed (Debian package "
                      "postgresql; ./dev installs it)";
    }
  }
};

TEST_F(PostgresStoreTest, AnUnreachableServerIsUnavailableAtOnce) {
  const int port = yoga::testing::FreeLoopbackPort();
  const absl::Time start = absl::Now();
  absl::StatusOr<std::unique_ptr<Store>> store =
      OpenStore({.url = absl::StrCat(
                     "postgresql://yoga:s3cret@127.0.0.1:", port, "/yoga"),
                 .connect_timeout = absl::Seconds(1)});
  ASSERT_FALSE(store.ok());
  EXPECT_LT(absl::Now() - start, absl::Seconds(3));
  EXPECT_EQ(store.status().code(), absl::StatusCode::kUnavailable)
      << store.status();
  EXPECT_THAT(store.status().message(),
              AllOf(HasSubstr(absl::StrCat("cannot connect to postgresql://"
                                           "yoga@127.0.0.1:",
                                           port, "/yoga: ")),
                    Not(HasSubstr("s3cret")), Not(HasSubstr("\n"))));
}

TEST_F(PostgresStoreTest, RecoversByItselfWhenTheServerComesBack) {
  absl::StatusOr<std::unique_ptr<PostgresServer>> server =
      PostgresServer::Start();
  ASSERT_TRUE(server.ok()) << server.status();
  absl::StatusOr<std::unique_ptr<Store>> opened =
      OpenStore({.url = (*server)->url(),
                 .pool_size = 3,
                 .statement_timeout = absl::Seconds(2),
                 .connect_timeout = absl::Seconds(1)});
  ASSERT_TRUE(opened.ok()) << opened.status();
  Store& store = **opened;
  ASSERT_OK(store.CreateSession(Session("s1")));

  ASSERT_OK((*server)->Stop());
  for (int call = 0; call < 4; ++call) {
    const absl::Time start = absl::Now();
    absl::StatusOr<std::optional<SessionRow>> lost = store.GetSession("s1");
    EXPECT_EQ(lost.status().code(), absl::StatusCode::kUnavailable)
        << lost.status();
    EXPECT_THAT(lost.status().message(), HasSubstr((*server)->url()));
    EXPECT_EQ(store.UpdateSession(Session("s1", 2), nullptr).code(),
              absl::StatusCode::kUnavailable);
    EXPECT_LT(absl::Now() - start, absl::Seconds(3));
  }

  ASSERT_OK((*server)->Restart());
  // Every connection of the pool had been closed by the server; none of them
  // fails a call now.
  std::vector<std::thread> callers;
  std::atomic<int> failures{0};
  for (int caller = 0; caller < 3; ++caller) {
    callers.emplace_back([&] {
      for (int call = 0; call < 5; ++call) {
        if (!store.GetSession("s1").ok()) ++failures;
      }
    });
  }
  for (std::thread& caller : callers) caller.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_OK(store.UpdateSession(Session("s1", 2), nullptr));
}

TEST_F(PostgresStoreTest, AServerThatStopsAnsweringIsGivenUpOnInBoundedTime) {
  absl::StatusOr<std::unique_ptr<PostgresServer>> server =
      PostgresServer::Start();
  ASSERT_TRUE(server.ok()) << server.status();
  // Everything goes through a proxy that can go silent without closing:
  // neither a statement timeout (the server never sees the statement) nor
  // TCP (the proxy acknowledges every byte) ends such a wait.
  yoga::testing::TcpProxy proxy(absl::StrCat("127.0.0.1:", (*server)->port()));
  std::string url = (*server)->url();
  url.replace(url.find(absl::StrCat(":", (*server)->port())),
              absl::StrCat(":", (*server)->port()).size(),
              proxy.address().substr(proxy.address().rfind(':')));
  absl::StatusOr<std::unique_ptr<Store>> opened =
      OpenStore({.url = url,
                 .pool_size = 2,
                 .statement_timeout = absl::Milliseconds(500),
                 .connect_timeout = absl::Seconds(1)});
  ASSERT_TRUE(opened.ok()) << opened.status();
  Store& store = **opened;
  ASSERT_OK(store.CreateSession(Session("s1")));

  proxy.Stall();
  const absl::Time start = absl::Now();
  const absl::Status stalled = store.UpdateSession(Session("s1", 2), nullptr);
  const absl::Duration waited = absl::Now() - start;
  EXPECT_EQ(stalled.code(), absl::StatusCode::kUnavailable) << stalled;
  EXPECT_THAT(stalled.message(),
              AllOf(HasSubstr("did not answer within"),
                    HasSubstr("whether the statement took effect is not "
                              "known")));
  // The statement timeout plus as long again (at least 1 s).
  EXPECT_LT(waited, absl::Seconds(3));
  EXPECT_GE(waited, absl::Milliseconds(1400));
  std::cout << "a stalled UPDATE was given up on after "
            << absl::FormatDuration(waited) << "\n";

  // Once the network flows again, the next calls work on new connections,
  // and nothing written before is lost.
  proxy.Resume();
  absl::StatusOr<std::optional<SessionRow>> row = store.GetSession("s1");
  ASSERT_TRUE(row.ok()) << row.status();
  ASSERT_TRUE(row->has_value());
  EXPECT_LE((*row)->version, 2);
  EXPECT_OK(store.UpdateSession(Session("s1", (*row)->version + 1), nullptr));
}

TEST_F(PostgresStoreTest, ReplicasStartingTogetherMigrateOnce) {
  absl::StatusOr<std::unique_ptr<PostgresServer>> server =
      PostgresServer::Start();
  ASSERT_TRUE(server.ok()) << server.status();
  std::vector<absl::Status> opened(4);
  std::vector<std::thread> replicas;
  for (size_t i = 0; i < opened.size(); ++i) {
    replicas.emplace_back(
        [&, i] { opened[i] = OpenStore({.url = (*server)->url()}).status(); });
  }
  for (std::thread& replica : replicas) replica.join();
  for (const absl::Status& status : opened) EXPECT_OK(status);
  absl::StatusOr<std::string> versions = (*server)->RunSql(
      "yoga", "SELECT count(*), max(version) FROM schema_version");
  ASSERT_TRUE(versions.ok()) << versions.status();
  EXPECT_EQ(*versions, absl::StrCat("1|", LatestSchemaVersion(), "\n"));
}

TEST_F(PostgresStoreTest, DescribeNeverShowsThePassword) {
  absl::StatusOr<std::unique_ptr<PostgresServer>> server =
      PostgresServer::Start();
  ASSERT_TRUE(server.ok()) << server.status();
  // The test server trusts loopback, so any password is fine.
  absl::StatusOr<std::unique_ptr<Store>> store = OpenStore(
      {.url = absl::StrCat("postgres://yoga:s3cret@127.0.0.1:",
                           (*server)->port(), "/yoga?sslmode=disable")});
  ASSERT_TRUE(store.ok()) << store.status();
  EXPECT_EQ((*store)->Describe(), (*server)->url());
}

}  // namespace
}  // namespace yoga::storage
