// Durable state in the real programs:
//  - yoga-studio killed with SIGKILL mid-session and started again on the same
//    data directory: the client resumes with no cue lost or repeated, and the
//    practice record is neither lost nor doubled;
//  - two yoga-session replicas (and two yoga-planner replicas) on one real
//    PostgreSQL: a session started on one is streamed and controlled through
//    the other, a routine composed on one is found on the other;
//  - bad data: a corrupt SQLite file, an unreachable database, a newer schema
//    and a bad URL stop start-up with a clear message and a non-zero exit;
//  - the database going away while serving gives UNAVAILABLE, and service
//    comes back by itself when the database does.
#include <signal.h>
#include <sqlite3.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/create_channel.h"
#include "gtest/gtest.h"
#include "tests/integration/server_process.h"
#include "tests/testing/postgres_server.h"
#include "tests/testing/tcp_proxy.h"
#include "yoga/planner/v1/planner_service.grpc.pb.h"
#include "yoga/session/v1/session_service.grpc.pb.h"

namespace yoga {
namespace {

using ::testing::HasSubstr;
using yoga::session::v1::CueEvent;
using yoga::session::v1::SessionService;
using yoga::testing::ChildProcess;
using yoga::testing::PostgresServer;

const std::string kBin = YOGA_BINARY_DIR "/bin/";

std::unique_ptr<SessionService::Stub> SessionStub(const std::string& address) {
  return SessionService::NewStub(
      grpc::CreateChannel(address, grpc::InsecureChannelCredentials()));
}

std::chrono::system_clock::time_point In(absl::Duration timeout) {
  return std::chrono::system_clock::now() +
         std::chrono::milliseconds(absl::ToInt64Milliseconds(timeout));
}

bool WaitUntilServing(const std::string& address, const std::string& service) {
  auto health = grpc::health::v1::Health::NewStub(
      grpc::CreateChannel(address, grpc::InsecureChannelCredentials()));
  for (absl::Time until = absl::Now() + absl::Seconds(20); absl::Now() < until;
       absl::SleepFor(absl::Milliseconds(50))) {
    grpc::ClientContext context;
    context.set_deadline(In(absl::Seconds(5)));
    grpc::health::v1::HealthCheckRequest request;
    request.set_service(service);
    grpc::health::v1::HealthCheckResponse response;
    if (health->Check(&context, request, &response).ok() &&
        response.status() == grpc::health::v1::HealthCheckResponse::SERVING)
      return true;
  }
  return false;
}

// Starts the preset for `profile`, retrying while the server still fetches
// its catalog (UNAVAILABLE).
grpc::Status StartPreset(SessionService::Stub& stub, const std::string& profile,
                         yoga::session::v1::Session* session) {
  grpc::Status status;
  for (int attempt = 0; attempt < 100; ++attempt) {
    grpc::ClientContext context;
    context.set_deadline(In(absl::Seconds(10)));
    yoga::session::v1::StartSessionRequest request;
    request.mutable_compose()->set_preset_id("runners-lower-back-four");
    request.mutable_options()->mutable_lead_in()->set_seconds(0);
    request.set_profile_id(profile);
    status = stub.StartSession(&context, request, session);
    if (status.error_code() != grpc::StatusCode::UNAVAILABLE) break;
    absl::SleepFor(absl::Milliseconds(100));
  }
  return status;
}

grpc::Status Control(SessionService::Stub& stub, const std::string& id,
                     yoga::session::v1::ControlAction action,
                     yoga::session::v1::Session* session = nullptr) {
  grpc::ClientContext context;
  context.set_deadline(In(absl::Seconds(10)));
  yoga::session::v1::ControlSessionRequest request;
  request.set_session_id(id);
  request.set_action(action);
  yoga::session::v1::Session ignored;
  return stub.ControlSession(&context, request,
                             session != nullptr ? session : &ignored);
}

grpc::Status GetSession(SessionService::Stub& stub, const std::string& id,
                        yoga::session::v1::Session* session) {
  grpc::ClientContext context;
  context.set_deadline(In(absl::Seconds(10)));
  yoga::session::v1::GetSessionRequest request;
  request.set_id(id);
  return stub.GetSession(&context, request, session);
}

std::vector<yoga::session::v1::PracticeRecord> Records(
    SessionService::Stub& stub, const std::string& profile) {
  grpc::ClientContext context;
  context.set_deadline(In(absl::Seconds(10)));
  yoga::session::v1::ListPracticeRecordsRequest request;
  request.set_profile_id(profile);
  yoga::session::v1::ListPracticeRecordsResponse response;
  const grpc::Status status =
      stub.ListPracticeRecords(&context, request, &response);
  EXPECT_TRUE(status.ok()) << status.error_message();
  return {response.records().begin(), response.records().end()};
}

// One StreamCues call, read event by event with a bound on every wait.
class CueReader {
 public:
  CueReader(SessionService::Stub& stub, const std::string& id,
            int64_t after_seq) {
    context_.set_deadline(In(absl::Seconds(120)));
    yoga::session::v1::StreamCuesRequest request;
    request.set_session_id(id);
    request.set_after_seq(after_seq);
    reader_ = stub.StreamCues(&context_, request);
  }
  ~CueReader() {
    context_.TryCancel();
    if (!finished_) reader_->Finish();
  }

  // The next event that is not a heartbeat; nullopt when the stream ended.
  std::optional<CueEvent> Next() {
    CueEvent event;
    while (reader_->Read(&event)) {
      if (event.kind() != yoga::session::v1::CUE_KIND_HEARTBEAT) {
        if (event.seq() > 0) cues_.push_back(event);
        return event;
      }
    }
    return std::nullopt;
  }
  // Reads until a cue with seq >= `seq` came; false if the stream ended.
  bool ReadUntilSeq(int64_t seq) {
    while (cues_.empty() || cues_.back().seq() < seq) {
      if (!Next()) return false;
    }
    return true;
  }
  // Reads until an event of `kind`; false if the stream ended first.
  bool ReadUntilKind(yoga::session::v1::CueKind kind) {
    while (std::optional<CueEvent> event = Next()) {
      if (event->kind() == kind) return true;
    }
    return false;
  }
  grpc::Status Finish() {
    finished_ = true;
    return reader_->Finish();
  }
  const std::vector<CueEvent>& cues() const { return cues_; }

 private:
  grpc::ClientContext context_;
  std::unique_ptr<grpc::ClientReader<CueEvent>> reader_;
  std::vector<CueEvent> cues_;
  bool finished_ = false;
};

// Seqs of `cues` rise by one from `first`.
void ExpectConsecutive(const std::vector<CueEvent>& cues, int64_t first) {
  int64_t expected = first;
  for (const CueEvent& cue : cues) {
    EXPECT_EQ(cue.seq(), expected) << "cue " << cue.prompt_key();
    expected = cue.seq() + 1;
  }
}

class DataDir {
 public:
  DataDir() {
    path_ = std::filesystem::path(::testing::TempDir()) /
            absl::StrCat("durable_state_test_", getpid(), "_", counter_++);
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~DataDir() { std::filesystem::remove_all(path_); }
  std::string path() const { return path_.string(); }
  std::string flag() const { return "--data_dir=" + path_.string(); }

 private:
  static inline int counter_ = 0;
  std::filesystem::path path_;
};

struct Studio {
  explicit Studio(const std::vector<std::string>& flags)
      : process(kBin + "yoga-studio", [&] {
          std::vector<std::string> args = {"--listen=127.0.0.1:0",
                                           "--shutdown_grace=2s"};
          args.insert(args.end(), flags.begin(), flags.end());
          return args;
        }()) {
    auto found = process.WaitForAddress();
    EXPECT_TRUE(found.ok()) << found.status() << process.Stderr();
    if (found.ok()) address = *found;
  }
  ChildProcess process;
  std::string address;
};

TEST(CrashTest, KilledStudioResumesWithNoCueLostOrRepeated) {
  DataDir data;
  const std::string profile = "crash-test-runner";
  yoga::session::v1::Session session;
  int64_t heard_up_to = 0;
  {
    Studio studio({data.flag()});
    auto stub = SessionStub(studio.address);
    ASSERT_TRUE(StartPreset(*stub, profile, &session).ok());
    CueReader reader(*stub, session.id(), 0);
    ASSERT_TRUE(reader.ReadUntilSeq(4));
    heard_up_to = reader.cues().back().seq();
    ExpectConsecutive(reader.cues(), 1);
    // The control returned: it is on disk before the process dies.
    ASSERT_TRUE(
        Control(*stub, session.id(), yoga::session::v1::CONTROL_ACTION_PAUSE)
            .ok());
    ASSERT_EQ(kill(studio.process.pid(), SIGKILL), 0);
    studio.process.WaitForExit();
  }
  {
    Studio studio({data.flag()});
    auto stub = SessionStub(studio.address);
    yoga::session::v1::Session restored;
    ASSERT_TRUE(GetSession(*stub, session.id(), &restored).ok());
    EXPECT_EQ(restored.state(), yoga::session::v1::SESSION_STATE_PAUSED);
    EXPECT_EQ(restored.profile_id(), profile);
    EXPECT_EQ(restored.routine().id(), session.routine().id());

    CueReader reader(*stub, session.id(), heard_up_to);
    // Joining a paused session, the stream says so first.
    std::optional<CueEvent> first = reader.Next();
    ASSERT_TRUE(first.has_value());
    EXPECT_EQ(first->kind(), yoga::session::v1::CUE_KIND_PAUSED);
    ASSERT_TRUE(
        Control(*stub, session.id(), yoga::session::v1::CONTROL_ACTION_RESUME)
            .ok());
    ASSERT_TRUE(reader.ReadUntilSeq(heard_up_to + 3));
    ExpectConsecutive(reader.cues(), heard_up_to + 1);

    // Killed again while streaming; the next start carries on from there.
    heard_up_to = reader.cues().back().seq();
    ASSERT_EQ(kill(studio.process.pid(), SIGKILL), 0);
    studio.process.WaitForExit();
  }
  {
    Studio studio({data.flag()});
    auto stub = SessionStub(studio.address);
    CueReader reader(*stub, session.id(), heard_up_to);
    ASSERT_TRUE(reader.ReadUntilSeq(heard_up_to + 1));
    ExpectConsecutive(reader.cues(), heard_up_to + 1);
    ASSERT_TRUE(
        Control(*stub, session.id(), yoga::session::v1::CONTROL_ACTION_STOP)
            .ok());
    EXPECT_TRUE(reader.ReadUntilKind(yoga::session::v1::CUE_KIND_STOPPED));
    std::vector<yoga::session::v1::PracticeRecord> records =
        Records(*stub, profile);
    ASSERT_EQ(records.size(), 1u);
    EXPECT_EQ(records[0].session_id(), session.id());
    EXPECT_FALSE(records[0].completed());
    EXPECT_GT(records[0].practised().seconds(), 0);
    ASSERT_EQ(kill(studio.process.pid(), SIGKILL), 0);
    studio.process.WaitForExit();
  }
  {
    Studio studio({data.flag()});
    auto stub = SessionStub(studio.address);
    EXPECT_EQ(Records(*stub, profile).size(), 1u);
    yoga::session::v1::Session stopped;
    ASSERT_TRUE(GetSession(*stub, session.id(), &stopped).ok());
    EXPECT_EQ(stopped.state(), yoga::session::v1::SESSION_STATE_STOPPED);
    EXPECT_EQ(studio.process.Stop(SIGTERM), 0) << studio.process.Stderr();
  }
}

// A PostgreSQL server for the whole suite: starting one takes a second or two.
class PostgresTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!PostgresServer::Available()) return;
    auto started = PostgresServer::Start();
    ASSERT_TRUE(started.ok()) << started.status();
    postgres_ = started->release();
  }
  static void TearDownTestSuite() {
    delete postgres_;
    postgres_ = nullptr;
  }
  void SetUp() override {
    if (postgres_ == nullptr)
      GTEST_SKIP() << "PostgreSQL is not installed (./dev installs it)";
  }
  static PostgresServer* postgres_;
};
PostgresServer* PostgresTest::postgres_ = nullptr;

TEST_F(PostgresTest, ReplicasShareSessionsAndRoutines) {
  const std::string database = "--database=" + postgres_->url();
  // Catalog and planner for the session replicas; its own state in memory.
  Studio studio({"--database=memory"});
  std::vector<std::unique_ptr<ChildProcess>> replicas;
  std::vector<std::string> addresses;
  for (int i = 0; i < 2; ++i) {
    replicas.push_back(std::make_unique<ChildProcess>(
        kBin + "yoga-session",
        std::vector<std::string>{
            "--listen=127.0.0.1:0", "--catalog=" + studio.address,
            "--planner=" + studio.address, database, "--session_poll=100ms"}));
    auto address = replicas.back()->WaitForAddress();
    ASSERT_TRUE(address.ok()) << address.status() << replicas.back()->Stderr();
    ASSERT_TRUE(WaitUntilServing(*address, "yoga.session.v1.SessionService"));
    addresses.push_back(*address);
  }
  auto one = SessionStub(addresses[0]);
  auto other = SessionStub(addresses[1]);
  const std::string profile = "replica-test-runner";

  yoga::session::v1::Session session;
  ASSERT_TRUE(StartPreset(*one, profile, &session).ok());
  CueReader reader(*other, session.id(), 0);
  ASSERT_TRUE(reader.ReadUntilSeq(3));

  // A pause sent to one replica reaches the stream on the other.
  const absl::Time paused_at = absl::Now();
  ASSERT_TRUE(
      Control(*one, session.id(), yoga::session::v1::CONTROL_ACTION_PAUSE)
          .ok());
  ASSERT_TRUE(reader.ReadUntilKind(yoga::session::v1::CUE_KIND_PAUSED));
  std::printf("PAUSED reached the other replica after %s\n",
              absl::FormatDuration(absl::Now() - paused_at).c_str());
  yoga::session::v1::Session seen;
  ASSERT_TRUE(GetSession(*other, session.id(), &seen).ok());
  EXPECT_EQ(seen.state(), yoga::session::v1::SESSION_STATE_PAUSED);

  // Resumed on the other, skipped on the first: the stream hears the skip
  // and the cues go on with the next seq.
  ASSERT_TRUE(
      Control(*other, session.id(), yoga::session::v1::CONTROL_ACTION_RESUME)
          .ok());
  ASSERT_TRUE(reader.ReadUntilKind(yoga::session::v1::CUE_KIND_RESUMED));
  ASSERT_TRUE(
      Control(*one, session.id(), yoga::session::v1::CONTROL_ACTION_NEXT).ok());
  ASSERT_TRUE(reader.ReadUntilKind(yoga::session::v1::CUE_KIND_SKIPPED));
  const int64_t before_next = reader.cues().back().seq();
  ASSERT_TRUE(reader.ReadUntilSeq(before_next + 2));
  ExpectConsecutive(reader.cues(), 1);

  // A second stream on the first replica joins after the last cue heard.
  CueReader second(*one, session.id(), reader.cues().back().seq());
  ASSERT_TRUE(
      Control(*other, session.id(), yoga::session::v1::CONTROL_ACTION_STOP)
          .ok());
  EXPECT_TRUE(reader.ReadUntilKind(yoga::session::v1::CUE_KIND_STOPPED));
  EXPECT_TRUE(second.ReadUntilKind(yoga::session::v1::CUE_KIND_STOPPED));
  EXPECT_TRUE(second.Finish().ok());
  ExpectConsecutive(reader.cues(), 1);

  // One record, whichever replica is asked.
  EXPECT_EQ(Records(*one, profile).size(), 1u);
  EXPECT_EQ(Records(*other, profile).size(), 1u);
  for (auto& replica : replicas)
    EXPECT_EQ(replica->Stop(SIGTERM), 0) << replica->Stderr();
}

TEST_F(PostgresTest, RoutineComposedOnOnePlannerIsFoundOnAnother) {
  const std::string database = "--database=" + postgres_->url();
  Studio catalog({"--database=memory"});
  std::vector<std::unique_ptr<ChildProcess>> planners;
  std::vector<std::unique_ptr<yoga::planner::v1::PlannerService::Stub>> stubs;
  for (int i = 0; i < 2; ++i) {
    planners.push_back(std::make_unique<ChildProcess>(
        kBin + "yoga-planner",
        std::vector<std::string>{"--listen=127.0.0.1:0",
                                 "--catalog=" + catalog.address, database}));
    auto address = planners.back()->WaitForAddress();
    ASSERT_TRUE(address.ok()) << address.status() << planners.back()->Stderr();
    ASSERT_TRUE(WaitUntilServing(*address, "yoga.planner.v1.PlannerService"));
    stubs.push_back(yoga::planner::v1::PlannerService::NewStub(
        grpc::CreateChannel(*address, grpc::InsecureChannelCredentials())));
  }
  yoga::type::v1::Routine composed;
  {
    grpc::ClientContext context;
    context.set_deadline(In(absl::Seconds(10)));
    yoga::planner::v1::ComposeRoutineRequest request;
    request.mutable_constraints()->mutable_target_duration()->set_seconds(12 *
                                                                          60);
    request.mutable_constraints()->set_seed(4242);
    const grpc::Status status =
        stubs[0]->ComposeRoutine(&context, request, &composed);
    ASSERT_TRUE(status.ok()) << status.error_message();
  }
  // The first planner goes away; the other still knows the routine.
  EXPECT_EQ(planners[0]->Stop(SIGTERM), 0);
  grpc::ClientContext context;
  context.set_deadline(In(absl::Seconds(10)));
  yoga::planner::v1::GetRoutineRequest request;
  request.set_id(composed.id());
  yoga::type::v1::Routine found;
  const grpc::Status status = stubs[1]->GetRoutine(&context, request, &found);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(found.SerializeAsString(), composed.SerializeAsString());
}

TEST_F(PostgresTest, DatabaseLostWhileServingIsUnavailableThenRecovers) {
  Studio studio({"--database=" + postgres_->url()});
  auto stub = SessionStub(studio.address);
  const std::string profile = "outage-test-runner";
  yoga::session::v1::Session session;
  ASSERT_TRUE(StartPreset(*stub, profile, &session).ok());
  CueReader reader(*stub, session.id(), 0);
  ASSERT_TRUE(reader.ReadUntilSeq(2));

  ASSERT_TRUE(postgres_->Stop().ok());
  yoga::session::v1::Session refused;
  grpc::ClientContext start_context;
  start_context.set_deadline(In(absl::Seconds(20)));
  yoga::session::v1::StartSessionRequest start;
  start.mutable_compose()->set_preset_id("runners-lower-back-four");
  start.set_profile_id(profile);
  const grpc::Status start_status =
      stub->StartSession(&start_context, start, &refused);
  EXPECT_EQ(start_status.error_code(), grpc::StatusCode::UNAVAILABLE)
      << start_status.error_message();
  const grpc::Status control_status =
      Control(*stub, session.id(), yoga::session::v1::CONTROL_ACTION_PAUSE);
  EXPECT_EQ(control_status.error_code(), grpc::StatusCode::UNAVAILABLE)
      << control_status.error_message();
  // The stream already open plays on from memory meanwhile.
  const int64_t before = reader.cues().back().seq();
  ASSERT_TRUE(reader.ReadUntilSeq(before + 1));

  ASSERT_TRUE(postgres_->Restart().ok());
  grpc::Status recovered;
  for (absl::Time until = absl::Now() + absl::Seconds(30); absl::Now() < until;
       absl::SleepFor(absl::Milliseconds(200))) {
    recovered =
        Control(*stub, session.id(), yoga::session::v1::CONTROL_ACTION_PAUSE);
    if (recovered.ok()) break;
  }
  ASSERT_TRUE(recovered.ok()) << recovered.error_message();
  yoga::session::v1::Session paused;
  ASSERT_TRUE(GetSession(*stub, session.id(), &paused).ok());
  EXPECT_EQ(paused.state(), yoga::session::v1::SESSION_STATE_PAUSED);
  // The refused PAUSE changed nothing: this one was the first.
  ASSERT_TRUE(reader.ReadUntilKind(yoga::session::v1::CUE_KIND_PAUSED));
  ExpectConsecutive(reader.cues(), 1);
  EXPECT_EQ(studio.process.Stop(SIGTERM), 0) << studio.process.Stderr();
}

// A database that stops answering without closing (a hung host, a black-holed
// route: the proxy goes silent). What needs no database keeps answering; what
// does answers UNAVAILABLE or DEADLINE_EXCEEDED within its deadline; once the
// database answers again, a retried control (same request_id) applies once
// and no cue is lost or repeated.
TEST_F(PostgresTest, AStalledDatabaseHoldsUpOnlyWhatNeedsItAndLosesNothing) {
  yoga::testing::TcpProxy proxy(absl::StrCat("127.0.0.1:", postgres_->port()));
  std::string url = postgres_->url();
  const std::string port = absl::StrCat(":", postgres_->port(), "/");
  url.replace(url.find(port), port.size(),
              proxy.address().substr(proxy.address().rfind(':')) + "/");
  Studio studio(
      {"--database=" + url, "--database_timeout=1s", "--session_poll=100ms"});
  auto stub = SessionStub(studio.address);
  yoga::session::v1::Session controlled, other;
  ASSERT_TRUE(StartPreset(*stub, "stall-a", &controlled).ok());
  ASSERT_TRUE(StartPreset(*stub, "stall-b", &other).ok());
  CueReader controlled_cues(*stub, controlled.id(), 0);
  CueReader other_cues(*stub, other.id(), 0);
  ASSERT_TRUE(controlled_cues.ReadUntilSeq(2));
  ASSERT_TRUE(other_cues.ReadUntilSeq(2));

  proxy.Stall();
  // A PAUSE needs the database: it fails within its deadline.
  yoga::session::v1::ControlSessionRequest pause;
  pause.set_session_id(controlled.id());
  pause.set_action(yoga::session::v1::CONTROL_ACTION_PAUSE);
  pause.set_request_id("pause-during-stall");
  absl::Time asked = absl::Now();
  grpc::Status stalled;
  {
    grpc::ClientContext context;
    context.set_deadline(In(absl::Seconds(4)));
    yoga::session::v1::Session ignored;
    stalled = stub->ControlSession(&context, pause, &ignored);
  }
  const absl::Duration control_took = absl::Now() - asked;
  EXPECT_TRUE(stalled.error_code() == grpc::StatusCode::UNAVAILABLE ||
              stalled.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED)
      << stalled.error_code() << ": " << stalled.error_message();
  EXPECT_LT(control_took, absl::Seconds(4.5));

  // Health needs no database; GetSession of another session answers from
  // what the server holds once the database has not answered in time.
  asked = absl::Now();
  EXPECT_TRUE(
      WaitUntilServing(studio.address, "yoga.session.v1.SessionService"));
  const absl::Duration health_took = absl::Now() - asked;
  EXPECT_LT(health_took, absl::Seconds(1));
  asked = absl::Now();
  yoga::session::v1::Session read;
  const grpc::Status got = GetSession(*stub, other.id(), &read);
  const absl::Duration get_took = absl::Now() - asked;
  EXPECT_TRUE(got.ok()) << got.error_message();
  EXPECT_EQ(read.state(), yoga::session::v1::SESSION_STATE_RUNNING);
  // At most a connection's making (libpq's 2 s at least) and a statement's
  // wait (twice --database_timeout), well inside a client's deadline.
  EXPECT_LT(get_took, absl::Seconds(6));
  // The other session's stream plays on.
  asked = absl::Now();
  const int64_t heard = other_cues.cues().back().seq();
  ASSERT_TRUE(other_cues.ReadUntilSeq(heard + 1));
  const absl::Duration cue_took = absl::Now() - asked;
  std::cout << "stalled database: PAUSE answered "
            << absl::FormatDuration(control_took) << " ("
            << stalled.error_code() << "), health "
            << absl::FormatDuration(health_took) << ", GetSession of another "
            << absl::FormatDuration(get_took) << ", its stream's next cue "
            << absl::FormatDuration(cue_took) << "\n";

  proxy.Resume();
  // The client retries its PAUSE with the same request_id until it is
  // answered: it applies once, whether or not the first one reached the
  // database.
  grpc::Status retried;
  yoga::session::v1::Session paused;
  for (absl::Time until = absl::Now() + absl::Seconds(30); absl::Now() < until;
       absl::SleepFor(absl::Milliseconds(200))) {
    grpc::ClientContext context;
    context.set_deadline(In(absl::Seconds(5)));
    retried = stub->ControlSession(&context, pause, &paused);
    if (retried.ok()) break;
  }
  ASSERT_TRUE(retried.ok()) << retried.error_message();
  EXPECT_EQ(paused.state(), yoga::session::v1::SESSION_STATE_PAUSED);
  ASSERT_TRUE(
      controlled_cues.ReadUntilKind(yoga::session::v1::CUE_KIND_PAUSED));
  ExpectConsecutive(controlled_cues.cues(), 1);
  ExpectConsecutive(other_cues.cues(), 1);
  // Nothing written before the stall was lost.
  ASSERT_TRUE(GetSession(*stub, other.id(), &read).ok());
  EXPECT_EQ(read.state(), yoga::session::v1::SESSION_STATE_RUNNING);
  EXPECT_EQ(studio.process.Stop(SIGTERM), 0) << studio.process.Stderr();
}

// Start-up refusals: the exit code and the first line a person reads.
yoga::testing::RunResult RunStudio(const std::vector<std::string>& flags) {
  std::vector<std::string> args = {"--listen=127.0.0.1:0"};
  args.insert(args.end(), flags.begin(), flags.end());
  return yoga::testing::RunProgram(kBin + "yoga-studio", args);
}

TEST(StartupTest, CorruptSqliteFileIsRefusedNamingIt) {
  DataDir data;
  {
    std::ofstream file(data.path() + "/yoga.db", std::ios::binary);
    for (int i = 0; i < 200; ++i) file << "this is not a database, it is ";
  }
  const auto result = RunStudio({data.flag()});
  EXPECT_EQ(result.exit_code, 1) << result.err;
  EXPECT_THAT(result.err, HasSubstr(data.path() + "/yoga.db"));
  EXPECT_THAT(result.err, HasSubstr("corrupt"));
}

TEST(StartupTest, NewerSchemaIsRefusedWithWhatToDo) {
  DataDir data;
  {
    // A database a newer program made: first made by this one...
    Studio studio({data.flag()});
    EXPECT_EQ(studio.process.Stop(SIGTERM), 0) << studio.process.Stderr();
  }
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open((data.path() + "/yoga.db").c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "UPDATE schema_version SET version = 999", nullptr,
                         nullptr, nullptr),
            SQLITE_OK)
      << sqlite3_errmsg(db);
  sqlite3_close(db);
  const auto result = RunStudio({data.flag()});
  EXPECT_EQ(result.exit_code, 1) << result.err;
  EXPECT_THAT(result.err, HasSubstr("999"));
  EXPECT_THAT(result.err, HasSubstr("upgrade"));
}

TEST(StartupTest, UnreachableDatabaseIsRefused) {
  const auto result =
      RunStudio({"--database=postgresql://yoga@127.0.0.1:1/yoga"});
  EXPECT_EQ(result.exit_code, 1) << result.err;
  EXPECT_THAT(result.err, HasSubstr("cannot connect"));
  EXPECT_THAT(result.err, HasSubstr("127.0.0.1:1"));
}

TEST(StartupTest, UnknownDatabaseUrlIsRefused) {
  const auto result = RunStudio({"--database=mysql://db/yoga"});
  EXPECT_EQ(result.exit_code, 1) << result.err;
  EXPECT_THAT(result.err, HasSubstr("mysql://db/yoga"));
}

}  // namespace
}  // namespace yoga
