// The planner behind the service: readiness, request checks, presets, the
// store.
#include "services/planner/planner.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/common/errors.h"
#include "tests/services/planner/planner_test_catalog.h"

namespace yoga::planner {
namespace {

using yoga::planner::v1::ComposeRoutineRequest;

std::shared_ptr<const catalog::Catalog> SharedCatalog() {
  return std::shared_ptr<const catalog::Catalog>(
      &testing::ShippedCatalog(), [](const catalog::Catalog*) {});
}

std::unique_ptr<Planner> ReadyPlanner() {
  auto files = ReadPresetFiles(YOGA_SOURCE_DIR "/assets/presets");
  EXPECT_TRUE(files.ok()) << files.status();
  auto planner = std::make_unique<Planner>(*std::move(files));
  EXPECT_TRUE(planner->UseCatalog(SharedCatalog()).ok());
  return planner;
}

TEST(PlannerTest, IsUnavailableUntilItHasACatalog) {
  Planner planner({});
  EXPECT_FALSE(planner.ready());
  EXPECT_EQ(planner.ListPresets().status().code(),
            absl::StatusCode::kUnavailable);
  EXPECT_EQ(planner.ComposeRoutine(ComposeRoutineRequest()).status().code(),
            absl::StatusCode::kUnavailable);
}

TEST(PlannerTest, AnswersPresetsByIdAndRemembersRoutines) {
  std::unique_ptr<Planner> ready = ReadyPlanner();
  Planner& planner = *ready;
  ComposeRoutineRequest request;
  request.set_preset_id("runners-lower-back-four");
  auto routine = planner.ComposeRoutine(request);
  ASSERT_TRUE(routine.ok()) << routine.status();
  EXPECT_EQ(routine->preset_id(), "runners-lower-back-four");
  yoga::planner::v1::GetRoutineRequest get;
  get.set_id(routine->id());
  auto again = planner.GetRoutine(get);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->SerializeAsString(), routine->SerializeAsString());

  request.set_preset_id("no-such-preset");
  EXPECT_EQ(planner.ComposeRoutine(request).status().code(),
            absl::StatusCode::kNotFound);
  request.set_preset_id("Not An Id");
  EXPECT_EQ(planner.ComposeRoutine(request).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(PlannerTest, ComposedRoutinesCanBeFetchedAgain) {
  std::unique_ptr<Planner> ready = ReadyPlanner();
  Planner& planner = *ready;
  ComposeRoutineRequest request;
  request.mutable_constraints()->mutable_target_duration()->set_seconds(600);
  auto routine = planner.ComposeRoutine(request);
  ASSERT_TRUE(routine.ok()) << routine.status();
  yoga::planner::v1::GetRoutineRequest get;
  get.set_id(routine->id());
  EXPECT_TRUE(planner.GetRoutine(get).ok());
}

TEST(PlannerTest, PresetsStayFetchableWhenTheStoreIsFull) {
  auto files = ReadPresetFiles(YOGA_SOURCE_DIR "/assets/presets");
  ASSERT_TRUE(files.ok());
  Planner planner(*std::move(files), /*store_capacity=*/1);
  ASSERT_TRUE(planner.UseCatalog(SharedCatalog()).ok());
  ComposeRoutineRequest request;
  request.set_preset_id("backside-strength");
  auto preset = planner.ComposeRoutine(request);
  ASSERT_TRUE(preset.ok());
  for (int seed = 0; seed < 3; ++seed) {  // Fill the store with other routines.
    ComposeRoutineRequest other;
    other.mutable_constraints()->mutable_target_duration()->set_seconds(600);
    other.mutable_constraints()->set_seed(seed);
    ASSERT_TRUE(planner.ComposeRoutine(other).ok());
  }
  yoga::planner::v1::GetRoutineRequest get;
  get.set_id(preset->id());
  EXPECT_TRUE(planner.GetRoutine(get).ok());
}

TEST(PlannerTest, ChecksTheRequest) {
  std::unique_ptr<Planner> ready = ReadyPlanner();
  Planner& planner = *ready;
  auto unset = planner.ComposeRoutine(ComposeRoutineRequest());
  EXPECT_EQ(unset.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(BadRequestOf(unset.status())->field_violations(0).field(), "spec");
  yoga::planner::v1::GetRoutineRequest get;
  EXPECT_EQ(planner.GetRoutine(get).status().code(),
            absl::StatusCode::kInvalidArgument);
  get.set_id("0123456789abcdef");
  EXPECT_EQ(planner.GetRoutine(get).status().code(),
            absl::StatusCode::kNotFound);
  get.set_id("0123456789ABCDEF");
  EXPECT_EQ(planner.GetRoutine(get).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(PlannerTest, KeepsItsCatalogWhenPresetsDoNotFitANewOne) {
  std::unique_ptr<Planner> ready = ReadyPlanner();
  Planner& planner = *ready;
  // A catalog without child's pose cannot hold the presets.
  std::vector<yoga::catalog::v1::Pose> poses;
  for (const auto& pose : testing::ShippedCatalog().poses()) {
    if (pose.id() != "childs-pose") poses.push_back(pose);
  }
  absl::Status status = planner.UseCatalog(
      std::make_shared<const catalog::Catalog>(std::move(poses)));
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(status.message()),
              ::testing::HasSubstr("childs-pose"));
  EXPECT_TRUE(planner.ListPresets().ok());
}

}  // namespace
}  // namespace yoga::planner
