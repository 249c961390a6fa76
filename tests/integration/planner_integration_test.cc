// yoga-planner on its own, reading the catalog from yoga-catalog over gRPC: it
// becomes ready when the catalog arrives, and keeps planning on its copy when
// the catalog goes away.
#include <signal.h>

#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/create_channel.h"
#include "gtest/gtest.h"
#include "tests/integration/server_process.h"
#include "yoga/planner/v1/planner_service.grpc.pb.h"

namespace yoga {
namespace {

using yoga::testing::ChildProcess;

const std::string kBin = YOGA_BINARY_DIR "/bin/";

grpc::health::v1::HealthCheckResponse::ServingStatus PlannerHealth(
    const std::string& address) {
  auto health = grpc::health::v1::Health::NewStub(
      grpc::CreateChannel(address, grpc::InsecureChannelCredentials()));
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::seconds(5));
  grpc::health::v1::HealthCheckRequest request;
  request.set_service("yoga.planner.v1.PlannerService");
  grpc::health::v1::HealthCheckResponse response;
  if (!health->Check(&context, request, &response).ok()) {
    return grpc::health::v1::HealthCheckResponse::UNKNOWN;
  }
  return response.status();
}

bool WaitUntilServing(const std::string& address) {
  for (absl::Time until = absl::Now() + absl::Seconds(20);
       absl::Now() < until;) {
    if (PlannerHealth(address) ==
        grpc::health::v1::HealthCheckResponse::SERVING)
      return true;
    absl::SleepFor(absl::Milliseconds(50));
  }
  return false;
}

grpc::Status Compose(const std::string& address,
                     yoga::type::v1::Routine* routine) {
  auto planner = yoga::planner::v1::PlannerService::NewStub(
      grpc::CreateChannel(address, grpc::InsecureChannelCredentials()));
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::seconds(10));
  yoga::planner::v1::ComposeRoutineRequest request;
  request.mutable_constraints()->mutable_target_duration()->set_seconds(600);
  request.mutable_constraints()->set_seed(3);
  return planner->ComposeRoutine(&context, request, routine);
}

TEST(PlannerProgramTest, PlansFromARemoteCatalogAndKeepsItsCopy) {
  ChildProcess catalog(kBin + "yoga-catalog", {"--listen=127.0.0.1:0"});
  auto catalog_address = catalog.WaitForAddress();
  ASSERT_TRUE(catalog_address.ok()) << catalog_address.status();
  ChildProcess planner(kBin + "yoga-planner",
                       {"--listen=127.0.0.1:0", "--catalog=" + *catalog_address,
                        "--catalog_refresh=200ms"});
  auto address = planner.WaitForAddress();
  ASSERT_TRUE(address.ok()) << address.status();
  ASSERT_TRUE(WaitUntilServing(*address)) << planner.Stderr();

  yoga::type::v1::Routine before;
  ASSERT_TRUE(Compose(*address, &before).ok());
  // Refreshes with an unchanged etag fetch nothing more.
  absl::SleepFor(absl::Milliseconds(800));
  const std::string log = planner.Stderr();
  size_t fetched = 0;
  for (size_t at = log.find("event=catalog_cached"); at != std::string::npos;
       at = log.find("event=catalog_cached", at + 1)) {
    ++fetched;
  }
  EXPECT_EQ(fetched, 1u) << log;
  // The copy keeps the catalog service's etag.
  EXPECT_THAT(log, ::testing::HasSubstr("event=catalog_cached etag=" +
                                        before.catalog_etag()));

  EXPECT_EQ(catalog.Stop(SIGTERM), 0);
  absl::SleepFor(absl::Milliseconds(600));  // A few failed refreshes.
  yoga::type::v1::Routine after;
  grpc::Status status = Compose(*address, &after);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(after.SerializeAsString(), before.SerializeAsString());
  EXPECT_EQ(PlannerHealth(*address),
            grpc::health::v1::HealthCheckResponse::SERVING);
  EXPECT_EQ(planner.Stop(SIGTERM), 0);
  EXPECT_THAT(planner.Stderr(),
              ::testing::HasSubstr("event=catalog_refresh ok=false"));
}

TEST(PlannerProgramTest, WithoutACatalogItSaysUnavailable) {
  // Port 1 on loopback: nothing listens there.
  ChildProcess planner(kBin + "yoga-planner",
                       {"--listen=127.0.0.1:0", "--catalog=127.0.0.1:1"});
  auto address = planner.WaitForAddress();
  ASSERT_TRUE(address.ok()) << address.status();
  EXPECT_EQ(PlannerHealth(*address),
            grpc::health::v1::HealthCheckResponse::NOT_SERVING);
  yoga::type::v1::Routine routine;
  grpc::Status status = Compose(*address, &routine);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_THAT(status.error_message(), ::testing::HasSubstr("catalog"));
  EXPECT_EQ(planner.Stop(SIGTERM), 0);
}

TEST(PlannerProgramTest, ANonPositiveCatalogRefreshIsRefusedNamingTheFlag) {
  for (const std::string& program : {"yoga-planner", "yoga-session"}) {
    const auto result = yoga::testing::RunProgram(
        kBin + program, {"--listen=127.0.0.1:0", "--catalog_refresh=0s"});
    EXPECT_EQ(result.exit_code, 1) << program << ": " << result.err;
    EXPECT_THAT(result.err,
                ::testing::HasSubstr(program + ": --catalog_refresh: must be "
                                               "more than 0, not 0"))
        << program;
  }
}

}  // namespace
}  // namespace yoga
