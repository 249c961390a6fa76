// Partner access end to end: yoga-studio (and the split services) started with
// TLS and --api_keys, called over real gRPC with certificates made by openssl
// for the test. Every method of every service refuses a call without a valid
// key; permissions, quotas, client certificates, the health-only port, the
// --health_check mode and the peer key between services work as documented.
#include <signal.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "google/protobuf/descriptor.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/security/credentials.h"
#include "gtest/gtest.h"
#include "services/common/content_hash.h"
#include "services/common/errors.h"
#include "tests/integration/server_process.h"
#include "tests/testing/test_certificates.h"
#include "yoga/catalog/v1/catalog_service.grpc.pb.h"
#include "yoga/planner/v1/planner_service.grpc.pb.h"
#include "yoga/session/v1/session_service.grpc.pb.h"

namespace yoga {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using yoga::testing::ChildProcess;
using yoga::testing::RunProgram;
using yoga::testing::TestCertificates;

const std::string kBin = YOGA_BINARY_DIR "/bin/";
// Keys as a partner would hold them; the server only sees their hashes.
const std::string kPlannerKey = "pk-7f3c1e9a0b2d4c6e8f1a3b5c7d9e0f21";
const std::string kFullKey = "fk-0a1b2c3d4e5f60718293a4b5c6d7e8f9";
const std::string kPeerKey = "sk-session-to-planner-5e6f7a8b9c0d";
// A second partner with both permissions, for isolation.
const std::string kOtherFullKey = "rk-9f8e7d6c5b4a39281706f5e4d3c2b1a0";

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream content;
  content << in.rdbuf();
  return content.str();
}

class PartnerAccessTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto made = yoga::testing::MakeTestCertificates();
    ASSERT_TRUE(made.ok()) << made.status();
    certificates_ = new TestCertificates(*made);
    // The planner-only key has a small, slow quota so the test can empty it.
    keys_path_ = new std::string(certificates_->dir + "/api_keys");
    std::ofstream(*keys_path_)
        << "# test partners\n"
        << "acme-run sha256=" << Sha256Hex(kPlannerKey)
        << " permissions=planner rate=0.5 burst=3\n"
        << "coachco sha256=" << Sha256Hex(kFullKey)
        << " permissions=planner,sessions rate=100 burst=100\n"
        << "runclub sha256=" << Sha256Hex(kOtherFullKey)
        << " permissions=planner,sessions rate=100 burst=100\n"
        << "session-peer sha256=" << Sha256Hex(kPeerKey)
        << " permissions=planner,peer rate=100 burst=100\n";
  }
  static void TearDownTestSuite() {
    std::filesystem::remove_all(certificates_->dir);
    delete certificates_;
    delete keys_path_;
  }

  // Starts `program` with TLS and keys, plus `extra` flags; returns its
  // address.
  std::string StartTls(const std::string& program,
                       std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {
        "--listen=127.0.0.1:0", "--tls_cert=" + certificates_->server_cert(),
        "--tls_key=" + certificates_->server_key(), "--api_keys=" + *keys_path_,
        "--shutdown_grace=1s"};
    args.insert(args.end(), extra.begin(), extra.end());
    servers_.push_back(std::make_unique<ChildProcess>(kBin + program, args));
    auto address = servers_.back()->WaitForAddress();
    EXPECT_TRUE(address.ok()) << address.status() << "\n"
                              << servers_.back()->Stderr();
    return address.value_or("");
  }

  // A TLS channel to `address` as localhost; with a client certificate when
  // `client` names one ("client" or "stranger").
  std::shared_ptr<grpc::Channel> Connect(const std::string& address,
                                         const std::string& client = "") {
    grpc::SslCredentialsOptions ssl;
    ssl.pem_root_certs = ReadFile(certificates_->ca());
    if (!client.empty()) {
      ssl.pem_cert_chain = ReadFile(certificates_->dir + "/" + client + ".pem");
      ssl.pem_private_key =
          ReadFile(certificates_->dir + "/" + client + ".key");
    }
    return grpc::CreateChannel(address, grpc::SslCredentials(ssl));
  }

  static std::unique_ptr<grpc::ClientContext> WithKey(const std::string& key) {
    auto context = std::make_unique<grpc::ClientContext>();
    context->set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
    if (!key.empty()) context->AddMetadata("x-api-key", key);
    return context;
  }

  static grpc::Status Compose(grpc::Channel& channel, const std::string& key) {
    auto stub = yoga::planner::v1::PlannerService::NewStub(
        std::shared_ptr<grpc::Channel>(&channel, [](grpc::Channel*) {}));
    yoga::planner::v1::ComposeRoutineRequest request;
    request.set_preset_id("runners-lower-back-four");
    yoga::type::v1::Routine routine;
    return stub->ComposeRoutine(WithKey(key).get(), request, &routine);
  }

  static inline TestCertificates* certificates_ = nullptr;
  static inline std::string* keys_path_ = nullptr;
  std::vector<std::unique_ptr<ChildProcess>> servers_;
};

// Calls `method` with an empty request through the generic stub: whatever
// the method, the refusal comes before the request is looked at.
grpc::Status CallEmpty(grpc::GenericStub& stub, const std::string& method,
                       const std::string& key) {
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
  if (!key.empty()) context.AddMetadata("x-api-key", key);
  // An empty message: zero bytes, but a buffer gRPC accepts.
  grpc::Slice nothing("");
  grpc::ByteBuffer request(&nothing, 1), response;
  grpc::Status result;
  absl::Notification done;
  stub.UnaryCall(&context, method, grpc::StubOptions(), &request, &response,
                 [&](grpc::Status status) {
                   result = std::move(status);
                   done.Notify();
                 });
  done.WaitForNotification();
  return result;
}

TEST_F(PartnerAccessTest, EveryMethodOfEveryServiceRefusesAMissingOrWrongKey) {
  const std::string address = StartTls("yoga-studio");
  grpc::GenericStub stub(Connect(address));
  int methods = 0;
  // A request type of each service brings its file's descriptors in.
  for (const google::protobuf::ServiceDescriptor* service :
       {yoga::catalog::v1::GetPoseRequest::descriptor()
            ->file()
            ->FindServiceByName("CatalogService"),
        yoga::planner::v1::ComposeRoutineRequest::descriptor()
            ->file()
            ->FindServiceByName("PlannerService"),
        yoga::session::v1::StartSessionRequest::descriptor()
            ->file()
            ->FindServiceByName("SessionService")}) {
    ASSERT_NE(service, nullptr);
    for (int i = 0; i < service->method_count(); ++i) {
      const std::string method = absl::StrCat("/", service->full_name(), "/",
                                              service->method(i)->name());
      for (const std::string& key : {std::string(), std::string("wrong")}) {
        grpc::Status status = CallEmpty(stub, method, key);
        EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED)
            << method << " with key \"" << key
            << "\": " << status.error_message();
      }
      ++methods;
    }
  }
  EXPECT_GE(methods, 10);
  // The log names no key, and no partner's key ever.
  EXPECT_THAT(servers_[0]->Stderr(), HasSubstr("code=UNAUTHENTICATED"));
  EXPECT_THAT(servers_[0]->Stderr(), Not(HasSubstr("wrong")));
}

TEST_F(PartnerAccessTest, APlannerKeyPlansButMayNotStartSessions) {
  const std::string address = StartTls("yoga-studio");
  auto channel = Connect(address);
  EXPECT_TRUE(Compose(*channel, kPlannerKey).ok());

  auto sessions = yoga::session::v1::SessionService::NewStub(channel);
  yoga::session::v1::StartSessionRequest request;
  request.mutable_compose()->set_preset_id("runners-lower-back-four");
  yoga::session::v1::Session session;
  grpc::Status denied =
      sessions->StartSession(WithKey(kPlannerKey).get(), request, &session);
  EXPECT_EQ(denied.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(denied.error_message(),
            "key acme-run may not call yoga.session.v1.SessionService: that "
            "needs the permission \"sessions\" and the key has \"planner\"");

  // A key with both permissions starts a session, whose routine the session
  // service composes through the planner inside the process.
  grpc::Status started =
      sessions->StartSession(WithKey(kFullKey).get(), request, &session);
  ASSERT_TRUE(started.ok()) << started.error_message();
  EXPECT_FALSE(session.id().empty());

  const std::string log = servers_[0]->Stderr();
  EXPECT_THAT(log, HasSubstr("method=/yoga.planner.v1.PlannerService/"
                             "ComposeRoutine code=OK"));
  EXPECT_THAT(log, HasSubstr("key=acme-run"));
  EXPECT_THAT(log, HasSubstr("key=coachco"));
  for (const std::string& key : {kPlannerKey, kFullKey})
    EXPECT_THAT(log, Not(HasSubstr(key)));
}

TEST_F(PartnerAccessTest, AnEmptyQuotaSaysWhenToRetryAndThenAdmits) {
  const std::string address = StartTls("yoga-studio");
  auto channel = Connect(address);
  // burst=3: three calls go through at once, the fourth is refused (a token
  // flows in every 2 s, far longer than four calls take).
  for (int i = 0; i < 3; ++i) {
    grpc::Status status = Compose(*channel, kPlannerKey);
    ASSERT_TRUE(status.ok()) << i << ": " << status.error_message();
  }
  grpc::Status refused = Compose(*channel, kPlannerKey);
  ASSERT_EQ(refused.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_THAT(refused.error_message(),
              HasSubstr("quota of key acme-run exhausted (0.5 calls/s, burst "
                        "3); retry in "));
  std::optional<absl::Duration> delay = RetryDelayOf(FromGrpcStatus(refused));
  ASSERT_TRUE(delay.has_value()) << "no google.rpc.RetryInfo detail";
  EXPECT_GT(*delay, absl::ZeroDuration());
  EXPECT_LE(*delay, absl::Seconds(2));
  // Another key's quota is its own.
  EXPECT_TRUE(Compose(*channel, kFullKey).ok());
  absl::SleepFor(*delay);
  grpc::Status again = Compose(*channel, kPlannerKey);
  EXPECT_TRUE(again.ok()) << again.error_message();
}

// What one partner key made, another cannot see, use or change: routines,
// sessions (read, stream, control) and practice history, even for a user id
// both partners have. The refusal is the one an id never made gets.
TEST_F(PartnerAccessTest, TwoPartnersSeeNothingOfEachOther) {
  const std::string database = certificates_->dir + "/isolation.db";
  const std::string address =
      StartTls("yoga-studio", {"--database=sqlite:" + database});
  auto channel = Connect(address);
  auto planner = yoga::planner::v1::PlannerService::NewStub(channel);
  auto sessions = yoga::session::v1::SessionService::NewStub(channel);
  const std::string& a = kFullKey;       // coachco
  const std::string& b = kOtherFullKey;  // runclub

  // A composes a routine of its own: the preset at a slower breath.
  yoga::planner::v1::ComposeRoutineRequest compose;
  compose.set_preset_id("runners-lower-back-four");
  compose.mutable_breath_length()->set_seconds(6);
  yoga::type::v1::Routine routine;
  ASSERT_TRUE(
      planner->ComposeRoutine(WithKey(a).get(), compose, &routine).ok());
  yoga::planner::v1::GetRoutineRequest get_routine;
  get_routine.set_id(routine.id());
  yoga::type::v1::Routine found;
  EXPECT_TRUE(planner->GetRoutine(WithKey(a).get(), get_routine, &found).ok());
  grpc::Status hidden =
      planner->GetRoutine(WithKey(b).get(), get_routine, &found);
  EXPECT_EQ(hidden.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(hidden.error_message(),
            absl::StrCat("no routine \"", routine.id(), "\""));

  // A starts a session on it for its user "runner-1"; B cannot start one on
  // A's routine.
  yoga::session::v1::StartSessionRequest start;
  start.set_routine_id(routine.id());
  start.set_profile_id("runner-1");
  start.set_request_id("a-start-1");
  start.mutable_options()->mutable_lead_in()->set_seconds(0);
  yoga::session::v1::Session session;
  grpc::Status started =
      sessions->StartSession(WithKey(a).get(), start, &session);
  ASSERT_TRUE(started.ok()) << started.error_message();
  yoga::session::v1::Session other;
  grpc::Status borrowed =
      sessions->StartSession(WithKey(b).get(), start, &other);
  EXPECT_EQ(borrowed.error_code(), grpc::StatusCode::NOT_FOUND)
      << borrowed.error_message();

  // B can neither read, follow, stream nor stop A's session, and is told
  // what an id that never existed would be told.
  const std::string never = "0123456789abcdef01234567";
  auto not_found_for = [&](const std::string& id) {
    return absl::StrCat("no session \"", id, "\"");
  };
  for (const std::string& id : {session.id(), never}) {
    yoga::session::v1::GetSessionRequest get;
    get.set_id(id);
    grpc::Status read = sessions->GetSession(WithKey(b).get(), get, &other);
    EXPECT_EQ(read.error_code(), grpc::StatusCode::NOT_FOUND);
    EXPECT_EQ(read.error_message(), not_found_for(id));
    yoga::session::v1::GetSessionTimelineRequest timeline_request;
    timeline_request.set_session_id(id);
    yoga::session::v1::SessionTimeline timeline;
    EXPECT_EQ(
        sessions
            ->GetSessionTimeline(WithKey(b).get(), timeline_request, &timeline)
            .error_code(),
        grpc::StatusCode::NOT_FOUND);
    yoga::session::v1::ControlSessionRequest stop;
    stop.set_session_id(id);
    stop.set_action(yoga::session::v1::CONTROL_ACTION_STOP);
    grpc::Status stopped =
        sessions->ControlSession(WithKey(b).get(), stop, &other);
    EXPECT_EQ(stopped.error_code(), grpc::StatusCode::NOT_FOUND);
    EXPECT_EQ(stopped.error_message(), not_found_for(id));
    yoga::session::v1::StreamCuesRequest stream;
    stream.set_session_id(id);
    auto context = WithKey(b);
    auto reader = sessions->StreamCues(context.get(), stream);
    yoga::session::v1::CueEvent event;
    EXPECT_FALSE(reader->Read(&event));
    EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::NOT_FOUND);
  }
  yoga::session::v1::GetSessionRequest get;
  get.set_id(session.id());
  ASSERT_TRUE(sessions->GetSession(WithKey(a).get(), get, &session).ok());
  EXPECT_EQ(session.state(), yoga::session::v1::SESSION_STATE_RUNNING);

  // A retried StartSession of A's is A's session; the same request_id is
  // B's own.
  yoga::session::v1::Session again;
  ASSERT_TRUE(sessions->StartSession(WithKey(a).get(), start, &again).ok());
  EXPECT_EQ(again.id(), session.id());
  yoga::session::v1::StartSessionRequest b_start = start;
  b_start.mutable_compose()->set_preset_id("runners-lower-back-four");
  yoga::session::v1::Session b_session;
  ASSERT_TRUE(
      sessions->StartSession(WithKey(b).get(), b_start, &b_session).ok());
  EXPECT_NE(b_session.id(), session.id());

  // A practises: hears the first cue, then stops. The record is A's alone,
  // though B has a "runner-1" too.
  {
    yoga::session::v1::StreamCuesRequest stream;
    stream.set_session_id(session.id());
    auto context = WithKey(a);
    auto reader = sessions->StreamCues(context.get(), stream);
    yoga::session::v1::CueEvent event;
    ASSERT_TRUE(reader->Read(&event));
    context->TryCancel();
    reader->Finish();
  }
  yoga::session::v1::ControlSessionRequest stop;
  stop.set_session_id(session.id());
  stop.set_action(yoga::session::v1::CONTROL_ACTION_STOP);
  ASSERT_TRUE(sessions->ControlSession(WithKey(a).get(), stop, &session).ok());
  yoga::session::v1::ListPracticeRecordsRequest list;
  list.set_profile_id("runner-1");
  yoga::session::v1::ListPracticeRecordsResponse records;
  ASSERT_TRUE(
      sessions->ListPracticeRecords(WithKey(a).get(), list, &records).ok());
  ASSERT_EQ(records.records_size(), 1);
  EXPECT_EQ(records.records(0).session_id(), session.id());
  ASSERT_TRUE(
      sessions->ListPracticeRecords(WithKey(b).get(), list, &records).ok());
  EXPECT_EQ(records.records_size(), 0);
  yoga::session::v1::GetPracticeSummaryRequest summary_request;
  summary_request.set_profile_id("runner-1");
  yoga::session::v1::PracticeSummary summary;
  ASSERT_TRUE(
      sessions->GetPracticeSummary(WithKey(a).get(), summary_request, &summary)
          .ok());
  EXPECT_EQ(summary.sessions(), 1);
  ASSERT_TRUE(
      sessions->GetPracticeSummary(WithKey(b).get(), summary_request, &summary)
          .ok());
  EXPECT_EQ(summary.sessions(), 0);

  // Only our own services' keys may act for another key.
  auto forged = WithKey(b);
  forged->AddMetadata("yoga-on-behalf-of", "coachco");
  grpc::Status refused = sessions->GetSession(forged.get(), get, &other);
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_THAT(refused.error_message(), HasSubstr("permission \"peer\""));
}

TEST_F(PartnerAccessTest, HealthChecksNeedNoKey) {
  const std::string address = StartTls("yoga-studio");
  auto health = grpc::health::v1::Health::NewStub(Connect(address));
  grpc::health::v1::HealthCheckRequest request;
  request.set_service("yoga.planner.v1.PlannerService");
  grpc::health::v1::HealthCheckResponse response;
  grpc::Status status = health->Check(WithKey("").get(), request, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.status(), grpc::health::v1::HealthCheckResponse::SERVING);
}

TEST_F(PartnerAccessTest, ClientCertificatesAreRequiredAndCheckedWhenAsked) {
  const std::string address =
      StartTls("yoga-studio", {"--tls_client_ca=" + certificates_->ca()});
  EXPECT_THAT(servers_[0]->Stderr(), HasSubstr("tls=mutual"));
  // With a certificate the CA signed, the key decides as before.
  EXPECT_TRUE(Compose(*Connect(address, "client"), kPlannerKey).ok());
  // Without one, or with a stranger's, no call gets through at all.
  for (const std::string& client : {std::string(), std::string("stranger")}) {
    grpc::Status status = Compose(*Connect(address, client), kPlannerKey);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE)
        << "client certificate \"" << client
        << "\": " << status.error_message();
  }
}

TEST_F(PartnerAccessTest, TheHealthPortAnswersPlaintextProbesAndHealthCheck) {
  const std::string address =
      StartTls("yoga-studio", {"--health_listen=127.0.0.1:0"});
  const std::string log = servers_[0]->Stderr();
  const size_t at = log.find("health_address=");
  ASSERT_NE(at, std::string::npos) << log;
  const std::string health_address =
      log.substr(at + 15, log.find_first_of(" \n", at) - at - 15);

  // What a container's health check runs.
  auto probe =
      RunProgram(kBin + "yoga-studio", {"--health_check", "--listen=" + address,
                                        "--health_listen=" + health_address});
  EXPECT_EQ(probe.exit_code, 0) << probe.err;
  EXPECT_EQ(probe.out, "SERVING\n");
  // One service, as compose asks whether the planner is ready.
  auto planner =
      RunProgram(kBin + "yoga-studio",
                 {"--health_check", "--health_listen=" + health_address,
                  "--health_check_service=yoga.planner.v1.PlannerService"});
  EXPECT_EQ(planner.exit_code, 0) << planner.err;
  auto unknown =
      RunProgram(kBin + "yoga-studio",
                 {"--health_check", "--health_listen=" + health_address,
                  "--health_check_service=no.such.Service"});
  EXPECT_EQ(unknown.exit_code, 1);
  EXPECT_THAT(unknown.err, HasSubstr("cannot ask no.such.Service at"));
  // Without --health_listen the probe cannot speak TLS, and says so.
  auto tls_only = RunProgram(kBin + "yoga-studio",
                             {"--health_check", "--listen=" + address,
                              "--tls_cert=" + certificates_->server_cert(),
                              "--tls_key=" + certificates_->server_key()});
  EXPECT_EQ(tls_only.exit_code, 1);
  EXPECT_THAT(tls_only.err, HasSubstr("give the server's --health_listen"));

  // The health port serves health only.
  auto plain =
      grpc::CreateChannel(health_address, grpc::InsecureChannelCredentials());
  EXPECT_EQ(Compose(*plain, kFullKey).error_code(),
            grpc::StatusCode::UNIMPLEMENTED);

  // Draining: the health port says NOT_SERVING, then the process exits.
  ASSERT_EQ(servers_[0]->Stop(SIGTERM), 0);
  auto after =
      RunProgram(kBin + "yoga-studio",
                 {"--health_check", "--health_listen=" + health_address});
  EXPECT_EQ(after.exit_code, 1);
  EXPECT_THAT(after.err,
              HasSubstr("yoga-studio: cannot ask " + health_address));
}

TEST_F(PartnerAccessTest, TheSessionServiceCallsAGuardedPlannerWithItsPeerKey) {
  // The split deployment: three services, each serving TLS with keys; the
  // planner and the session service call their peers over TLS with a key of
  // their own (the certificate names localhost, as a cluster's would name the
  // Services).
  const std::string key_file = certificates_->dir + "/peer_key";
  std::ofstream(key_file) << kPeerKey << "\n";
  const std::vector<std::string> peer_flags = {
      "--peer_tls_ca=" + certificates_->ca(),
      "--peer_api_key_file=" + key_file};
  auto as_localhost = [](const std::string& address) {
    return "localhost:" + address.substr(address.rfind(':') + 1);
  };
  const std::string catalog = StartTls("yoga-catalog");
  std::vector<std::string> planner_flags = peer_flags;
  planner_flags.push_back("--catalog=" + as_localhost(catalog));
  const std::string planner = StartTls("yoga-planner", planner_flags);
  std::vector<std::string> session_flags = peer_flags;
  session_flags.push_back("--catalog=" + as_localhost(catalog));
  session_flags.push_back("--planner=" + as_localhost(planner));
  const std::string session = StartTls("yoga-session", session_flags);

  auto sessions = yoga::session::v1::SessionService::NewStub(Connect(session));
  yoga::session::v1::StartSessionRequest request;
  request.mutable_compose()->set_preset_id("runners-lower-back-four");
  yoga::session::v1::Session started;
  grpc::Status status;
  // The session service serves once it has read the catalog.
  for (int attempt = 0; attempt < 50; ++attempt) {
    status = sessions->StartSession(WithKey(kFullKey).get(), request, &started);
    if (status.error_code() != grpc::StatusCode::UNAVAILABLE) break;
    absl::SleepFor(absl::Milliseconds(200));
  }
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(started.routine().steps_size() > 0, true);

  // A routine the partner composed on the planner is found when the session
  // service asks for it on the partner's behalf, and only then.
  auto planner_stub =
      yoga::planner::v1::PlannerService::NewStub(Connect(planner));
  yoga::planner::v1::ComposeRoutineRequest compose;
  compose.set_preset_id("runners-lower-back-four");
  compose.mutable_breath_length()->set_seconds(6);
  yoga::type::v1::Routine own;
  ASSERT_TRUE(
      planner_stub->ComposeRoutine(WithKey(kFullKey).get(), compose, &own)
          .ok());
  yoga::session::v1::StartSessionRequest by_id;
  by_id.set_routine_id(own.id());
  status = sessions->StartSession(WithKey(kFullKey).get(), by_id, &started);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(started.routine().id(), own.id());
  status =
      sessions->StartSession(WithKey(kOtherFullKey).get(), by_id, &started);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND)
      << status.error_message();
  // The planner saw the session service's key id, never the key.
  const std::string planner_log = servers_[1]->Stderr();
  EXPECT_THAT(planner_log, HasSubstr("key=session-peer"));
  EXPECT_THAT(planner_log, Not(HasSubstr(kPeerKey)));
}

TEST_F(PartnerAccessTest, ABadKeyFileStopsStartUpNamingFileAndLine) {
  const std::string bad = certificates_->dir + "/bad_keys";
  std::ofstream(bad) << "# ok\nacme sha256=" << Sha256Hex("x")
                     << " permissions=planner,admin\n";
  auto result = RunProgram(kBin + "yoga-studio",
                           {"--listen=127.0.0.1:0", "--api_keys=" + bad});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_THAT(result.err,
              ::testing::EndsWith(absl::StrCat(
                  "\nyoga-studio: --api_keys: ", bad,
                  ":2: unknown permission \"admin\" (known: planner, "
                  "sessions, peer, teach)\n")));
  auto missing_ca = RunProgram(
      kBin + "yoga-studio",
      {"--listen=127.0.0.1:0", "--tls_client_ca=" + certificates_->ca()});
  EXPECT_EQ(missing_ca.exit_code, 1);
  EXPECT_THAT(missing_ca.err, HasSubstr("--tls_client_ca needs TLS"));
}

}  // namespace
}  // namespace yoga
