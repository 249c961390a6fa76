// The real programs, started as a user would (port 0 on loopback), called over
// real gRPC: yoga-studio and yoga-catalog serve the catalog, refuse bad
// start-up input with file and line, and shut down cleanly on SIGTERM.
#include <signal.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/create_channel.h"
#include "gtest/gtest.h"
#include "services/shared/catalog_client.h"
#include "tests/integration/server_process.h"
#include "yoga/planner/v1/planner_service.grpc.pb.h"
#include "yoga/session/v1/session_service.grpc.pb.h"

namespace yoga {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using yoga::testing::ChildProcess;
using yoga::testing::RunProgram;

const std::string kBin = YOGA_BINARY_DIR "/bin/";

std::shared_ptr<grpc::Channel> Connect(const std::string& address) {
  return grpc::CreateChannel(address, grpc::InsecureChannelCredentials());
}

class StudioTest : public ::testing::Test {
 protected:
  void SetUp() override {
    studio_ = std::make_unique<ChildProcess>(
        kBin + "yoga-studio", std::vector<std::string>{"--listen=127.0.0.1:0"});
    auto address = studio_->WaitForAddress();
    ASSERT_TRUE(address.ok()) << address.status();
    address_ = *address;
  }

  std::unique_ptr<ChildProcess> studio_;
  std::string address_;
};

TEST_F(StudioTest, ServesEveryPoseWithCuesHoldsAndSources) {
  auto stub = yoga::catalog::v1::CatalogService::NewStub(Connect(address_));
  auto listing = FetchAllPoses(*stub, absl::Seconds(10));
  ASSERT_TRUE(listing.ok()) << listing.status();
  EXPECT_GE(listing->poses.size(), 21u);
  EXPECT_EQ(listing->etag.size(), 16u);
  for (const auto& listed : listing->poses) {
    auto pose = FetchPose(*stub, listed.id(), absl::Seconds(10));
    ASSERT_TRUE(pose.ok()) << listed.id() << ": " << pose.status();
    EXPECT_FALSE(pose->setup_cues().empty()) << listed.id();
    EXPECT_GT(pose->hold().default_count(), 0u) << listed.id();
    EXPECT_FALSE(pose->sources().empty()) << listed.id();
  }
  EXPECT_EQ(FetchPose(*stub, "no-such-pose", absl::Seconds(10)).status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(studio_->Stop(SIGTERM), 0);
  EXPECT_THAT(
      studio_->Stderr(),
      HasSubstr(
          "event=rpc method=/yoga.catalog.v1.CatalogService/GetPose code=OK"));
  EXPECT_THAT(studio_->Stderr(), HasSubstr("event=server_stopped"));
}

TEST_F(StudioTest, ReportsHealthPerServiceAndServesSessions) {
  auto channel = Connect(address_);
  auto health = grpc::health::v1::Health::NewStub(channel);
  auto status_of = [&](const std::string& service) {
    grpc::ClientContext context;
    grpc::health::v1::HealthCheckRequest request;
    request.set_service(service);
    grpc::health::v1::HealthCheckResponse response;
    EXPECT_TRUE(health->Check(&context, request, &response).ok()) << service;
    return response.status();
  };
  EXPECT_EQ(status_of("yoga.catalog.v1.CatalogService"),
            grpc::health::v1::HealthCheckResponse::SERVING);
  EXPECT_EQ(status_of("yoga.planner.v1.PlannerService"),
            grpc::health::v1::HealthCheckResponse::SERVING);
  EXPECT_EQ(status_of("yoga.session.v1.SessionService"),
            grpc::health::v1::HealthCheckResponse::SERVING);

  auto session = yoga::session::v1::SessionService::NewStub(channel);
  grpc::ClientContext context;
  yoga::session::v1::GetSessionRequest request;
  request.set_id("x");
  yoga::session::v1::Session response;
  EXPECT_EQ(session->GetSession(&context, request, &response).error_code(),
            grpc::StatusCode::NOT_FOUND);
}

TEST_F(StudioTest, ThePlannerComposesFromTheCatalogInTheSameProcess) {
  auto planner = yoga::planner::v1::PlannerService::NewStub(Connect(address_));
  grpc::ClientContext presets_context;
  yoga::planner::v1::ListPresetsResponse presets;
  ASSERT_TRUE(planner->ListPresets(&presets_context, {}, &presets).ok());
  EXPECT_EQ(presets.presets_size(), 5);

  grpc::ClientContext context;
  yoga::planner::v1::ComposeRoutineRequest request;
  request.mutable_constraints()->mutable_target_duration()->set_seconds(900);
  yoga::type::v1::Routine routine;
  ASSERT_TRUE(planner->ComposeRoutine(&context, request, &routine).ok());
  EXPECT_NEAR(routine.total_duration().seconds(), 900, 45);

  grpc::ClientContext get_context;
  yoga::planner::v1::GetRoutineRequest get;
  get.set_id(routine.id());
  yoga::type::v1::Routine again;
  ASSERT_TRUE(planner->GetRoutine(&get_context, get, &again).ok());
  EXPECT_EQ(again.SerializeAsString(), routine.SerializeAsString());
}

TEST_F(StudioTest, SigintAlsoShutsDownCleanly) {
  EXPECT_EQ(studio_->Stop(SIGINT), 0);
}

TEST(ShutdownTest, ASecondSignalDuringTheDrainExitsAtOnce) {
  ChildProcess studio(kBin + "yoga-studio",
                      {"--listen=127.0.0.1:0", "--shutdown_grace=60s"});
  auto address = studio.WaitForAddress();
  ASSERT_TRUE(address.ok()) << address.status();
  // An open health watch keeps the drain going until the grace deadline.
  auto health = grpc::health::v1::Health::NewStub(Connect(*address));
  grpc::ClientContext watch_context;
  auto watch = health->Watch(&watch_context, {});
  grpc::health::v1::HealthCheckResponse first;
  ASSERT_TRUE(watch->Read(&first));

  kill(studio.pid(), SIGTERM);
  EXPECT_FALSE(studio.WaitForExit(absl::Seconds(1)).has_value())
      << "the drain should wait for the open stream";
  const absl::Time start = absl::Now();
  EXPECT_EQ(studio.Stop(SIGINT, absl::Seconds(10)), 1);
  EXPECT_LT(absl::Now() - start, absl::Seconds(10));
  EXPECT_THAT(studio.Stderr(), HasSubstr("action=exit_now"));
  watch_context.TryCancel();
}

TEST_F(StudioTest, YogaGuidePrintsTheCatalog) {
  auto table =
      RunProgram(kBin + "yoga-guide", {"--server=" + address_, "poses"});
  EXPECT_EQ(table.exit_code, 0) << table.err;
  EXPECT_THAT(table.out, HasSubstr("downward-facing-dog"));
  EXPECT_THAT(table.out, ::testing::ContainsRegex(
                             "[0-9]+ poses, catalog version [0-9a-f]{16}"));

  auto sheet = RunProgram(kBin + "yoga-guide",
                          {"--server=" + address_, "poses", "locust"});
  EXPECT_EQ(sheet.exit_code, 0) << sheet.err;
  EXPECT_THAT(sheet.out, HasSubstr("Variation: "));
  EXPECT_THAT(sheet.out, HasSubstr("004_9712fff90632e079.txt"));

  auto missing = RunProgram(kBin + "yoga-guide",
                            {"--server=" + address_, "poses", "nope"});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_THAT(missing.err, HasSubstr("NOT_FOUND"));
}

TEST_F(StudioTest, YogaGuidePlansRoutines) {
  auto presets =
      RunProgram(kBin + "yoga-guide", {"--server=" + address_, "presets"});
  EXPECT_EQ(presets.exit_code, 0) << presets.err;
  EXPECT_THAT(presets.out, HasSubstr("runners-lower-back-four"));

  auto plan = RunProgram(kBin + "yoga-guide",
                         {"--server=" + address_, "plan", "--minutes=12",
                          "--no-floor", "--focus=lower-back,hips"});
  EXPECT_EQ(plan.exit_code, 0) << plan.err;
  EXPECT_THAT(plan.out, HasSubstr("12 minutes for your"));
  EXPECT_THAT(plan.out, HasSubstr("Warm-up"));
  EXPECT_THAT(plan.out, Not(HasSubstr("Supine Twist,")));

  auto standing = RunProgram(
      kBin + "yoga-guide",
      {"--server=" + address_, "plan", "--minutes=30", "--standing-only"});
  EXPECT_EQ(standing.exit_code, 0) << standing.err;
  EXPECT_THAT(standing.out, HasSubstr("30 minutes for your"));

  // An hour without the floor or any prop composes now; what cannot be met
  // is a runner's own exclusions leaving too little.
  auto bad = RunProgram(kBin + "yoga-guide",
                        {"--server=" + address_, "plan", "--minutes=30",
                         "--standing-only", "--exclude=squat"});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_THAT(bad.err,
              HasSubstr("FAILED_PRECONDITION: constraints.standing_only"));
}

TEST_F(StudioTest, ASecondServerOnTheSamePortRefusesToStart) {
  auto second = RunProgram(kBin + "yoga-studio", {"--listen=" + address_});
  EXPECT_EQ(second.exit_code, 1);
  EXPECT_THAT(second.err, HasSubstr("cannot listen on " + address_));
  EXPECT_THAT(second.out, Not(HasSubstr("listening on")));
}

TEST(CatalogProgramTest, ServesTheCatalogAlone) {
  ChildProcess catalog(kBin + "yoga-catalog", {"--listen=127.0.0.1:0"});
  auto address = catalog.WaitForAddress();
  ASSERT_TRUE(address.ok()) << address.status();
  auto stub = yoga::catalog::v1::CatalogService::NewStub(Connect(*address));
  auto pose = FetchPose(*stub, "childs-pose", absl::Seconds(10));
  ASSERT_TRUE(pose.ok()) << pose.status();
  EXPECT_FALSE(pose->sanskrit_name().empty());
  EXPECT_EQ(catalog.Stop(SIGTERM), 0);
}

TEST(StartupErrorTest, ABrokenCatalogFileStopsTheServerWithFileAndLine) {
  // The shipped catalog with one bad reference appended to bow.textproto.
  const std::filesystem::path dir = std::filesystem::temp_directory_path() /
                                    absl::StrCat("yoga-broken-", getpid());
  std::filesystem::remove_all(dir);
  std::filesystem::copy(YOGA_SOURCE_DIR "/assets/catalog", dir);
  int lines = 0;
  {
    std::ifstream in(dir / "bow.textproto");
    for (std::string line; std::getline(in, line);) ++lines;
  }
  std::ofstream(dir / "bow.textproto", std::ios::app)
      << "counterposes: \"nope\"\n";
  auto result =
      RunProgram(kBin + "yoga-studio",
                 {"--listen=127.0.0.1:0", "--catalog_dir=" + dir.string()});
  std::filesystem::remove_all(dir);
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_EQ(
      result.err,
      absl::StrCat("yoga-studio: ", (dir / "bow.textproto").string(), ":",
                   lines + 1, ": unknown pose id \"nope\" in counterposes\n"));
  EXPECT_THAT(result.out, Not(HasSubstr("listening on")));
}

TEST(StartupErrorTest, ABadFlagIsNamed) {
  auto result = RunProgram(kBin + "yoga-studio", {"--listen=nowhere"});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_THAT(result.err, HasSubstr("--listen"));
  auto missing = RunProgram(
      kBin + "yoga-catalog",
      {"--listen=127.0.0.1:0", "--catalog_dir=/nonexistent/catalog"});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_THAT(missing.err, HasSubstr("/nonexistent/catalog"));
}

}  // namespace
}  // namespace yoga
