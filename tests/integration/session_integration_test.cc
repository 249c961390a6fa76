// The session service in the real programs: inside yoga-studio, and alone as
// yoga-session calling yoga-planner and yoga-catalog over gRPC. SIGTERM ends
// open cue streams with UNAVAILABLE so clients reconnect elsewhere, and the
// process still exits 0 well before its drain deadline.
#include <signal.h>

#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/create_channel.h"
#include "gtest/gtest.h"
#include "tests/integration/server_process.h"
#include "yoga/session/v1/session_service.grpc.pb.h"

namespace yoga {
namespace {

using ::testing::HasSubstr;
using yoga::testing::ChildProcess;

const std::string kBin = YOGA_BINARY_DIR "/bin/";

std::unique_ptr<yoga::session::v1::SessionService::Stub> SessionStub(
    const std::string& address) {
  return yoga::session::v1::SessionService::NewStub(
      grpc::CreateChannel(address, grpc::InsecureChannelCredentials()));
}

std::chrono::system_clock::time_point In(int seconds) {
  return std::chrono::system_clock::now() + std::chrono::seconds(seconds);
}

grpc::Status StartPreset(yoga::session::v1::SessionService::Stub& stub,
                         yoga::session::v1::Session* session) {
  grpc::ClientContext context;
  context.set_deadline(In(10));
  yoga::session::v1::StartSessionRequest request;
  request.mutable_compose()->set_preset_id("runners-lower-back-four");
  request.mutable_options()->mutable_lead_in()->set_seconds(0);
  return stub.StartSession(&context, request, session);
}

bool WaitUntilSessionsServed(const std::string& address) {
  auto health = grpc::health::v1::Health::NewStub(
      grpc::CreateChannel(address, grpc::InsecureChannelCredentials()));
  for (absl::Time until = absl::Now() + absl::Seconds(20); absl::Now() < until;
       absl::SleepFor(absl::Milliseconds(50))) {
    grpc::ClientContext context;
    context.set_deadline(In(5));
    grpc::health::v1::HealthCheckRequest request;
    request.set_service("yoga.session.v1.SessionService");
    grpc::health::v1::HealthCheckResponse response;
    if (health->Check(&context, request, &response).ok() &&
        response.status() == grpc::health::v1::HealthCheckResponse::SERVING)
      return true;
  }
  return false;
}

TEST(SessionInStudioTest, SigtermEndsOpenStreamsWithUnavailable) {
  ChildProcess studio(kBin + "yoga-studio",
                      {"--listen=127.0.0.1:0", "--shutdown_grace=20s"});
  auto address = studio.WaitForAddress();
  ASSERT_TRUE(address.ok()) << address.status();
  auto stub = SessionStub(*address);
  yoga::session::v1::Session session;
  ASSERT_TRUE(StartPreset(*stub, &session).ok());

  grpc::ClientContext context;
  context.set_deadline(In(30));
  yoga::session::v1::StreamCuesRequest request;
  request.set_session_id(session.id());
  auto reader = stub->StreamCues(&context, request);
  yoga::session::v1::CueEvent event;
  ASSERT_TRUE(reader->Read(&event));
  EXPECT_EQ(event.seq(), 1);
  EXPECT_EQ(event.kind(), yoga::session::v1::CUE_KIND_SESSION_START);

  const absl::Time signalled = absl::Now();
  ASSERT_EQ(kill(studio.pid(), SIGTERM), 0);
  while (reader->Read(&event)) {
  }
  const grpc::Status status = reader->Finish();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE)
      << status.error_message();
  EXPECT_THAT(status.error_message(), HasSubstr("after_seq"));
  EXPECT_EQ(studio.WaitForExit(absl::Seconds(15)), 0) << studio.Stderr();
  // Not held until the 20 s drain deadline by the stream.
  EXPECT_LT(absl::Now() - signalled, absl::Seconds(10));
}

TEST(SessionProgramTest, PlaysRoutinesFromARemotePlannerAndCatalog) {
  ChildProcess catalog(kBin + "yoga-catalog", {"--listen=127.0.0.1:0"});
  auto catalog_address = catalog.WaitForAddress();
  ASSERT_TRUE(catalog_address.ok()) << catalog_address.status();
  ChildProcess planner(
      kBin + "yoga-planner",
      {"--listen=127.0.0.1:0", "--catalog=" + *catalog_address});
  auto planner_address = planner.WaitForAddress();
  ASSERT_TRUE(planner_address.ok()) << planner_address.status();
  ChildProcess session_server(
      kBin + "yoga-session",
      {"--listen=127.0.0.1:0", "--catalog=" + *catalog_address,
       "--planner=" + *planner_address});
  auto address = session_server.WaitForAddress();
  ASSERT_TRUE(address.ok()) << address.status();
  ASSERT_TRUE(WaitUntilSessionsServed(*address)) << session_server.Stderr();

  auto stub = SessionStub(*address);
  yoga::session::v1::Session session;
  grpc::Status started;
  // The planner may still be fetching the catalog: it answers UNAVAILABLE.
  for (int i = 0; i < 100; ++i) {
    started = StartPreset(*stub, &session);
    if (started.error_code() != grpc::StatusCode::UNAVAILABLE) break;
    absl::SleepFor(absl::Milliseconds(100));
  }
  ASSERT_TRUE(started.ok()) << started.error_message();
  EXPECT_EQ(session.routine().preset_id(), "runners-lower-back-four");
  grpc::ClientContext context;
  context.set_deadline(In(20));
  yoga::session::v1::StreamCuesRequest request;
  request.set_session_id(session.id());
  auto reader = stub->StreamCues(&context, request);
  yoga::session::v1::CueEvent event;
  ASSERT_TRUE(reader->Read(&event));
  EXPECT_EQ(event.seq(), 1);
  context.TryCancel();
  reader->Finish();

  // The planner gone: starting a session says so, and nothing crashes.
  EXPECT_EQ(planner.Stop(SIGTERM), 0);
  const grpc::Status without_planner = StartPreset(*stub, &session);
  EXPECT_EQ(without_planner.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_THAT(without_planner.error_message(), HasSubstr("planner"));
  EXPECT_EQ(session_server.Stop(SIGTERM), 0) << session_server.Stderr();
  EXPECT_EQ(catalog.Stop(SIGTERM), 0);
}

TEST(SessionProgramTest, ABadFlagIsNamed) {
  ChildProcess session_server(kBin + "yoga-session",
                              {"--listen=127.0.0.1:0", "--cue_lookahead=1h"});
  EXPECT_EQ(session_server.WaitForExit(), 1);
  EXPECT_THAT(session_server.Stderr(), HasSubstr("--cue_lookahead"));
}

}  // namespace
}  // namespace yoga
