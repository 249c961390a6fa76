// The planner behind the service: readiness, request checks, presets, the
// store.
#include "services/planner/planner.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/common/errors.h"
#include "services/common/proto_time.h"
#include "services/planner/routine_timing.h"
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

// The field names of an INVALID_ARGUMENT's BadRequest.
std::vector<std::string> BadFields(const absl::Status& status) {
  std::vector<std::string> fields;
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
  if (auto bad = BadRequestOf(status)) {
    for (const auto& violation : bad->field_violations())
      fields.push_back(violation.field());
  }
  return fields;
}

ComposeRoutineRequest PresetAtBreath(const std::string& id,
                                     absl::Duration breath) {
  ComposeRoutineRequest request;
  request.set_preset_id(id);
  *request.mutable_breath_length() = ToProtoDuration(breath);
  return request;
}

// A runner who breathes slower or faster gets every preset at their pace:
// holds counted in breaths or repetitions stretch with the breath, holds in
// seconds stay.
TEST(PlannerTest, APresetFollowsTheRunnersBreath) {
  std::unique_ptr<Planner> ready = ReadyPlanner();
  Planner& planner = *ready;
  auto presets = planner.ListPresets();
  ASSERT_TRUE(presets.ok());
  int breath_holds = 0;
  int seconds_holds = 0;
  for (const auto& preset : presets->presets()) {
    SCOPED_TRACE(preset.id());
    const auto& listed = preset.routine();
    ASSERT_EQ(FromProtoDuration(listed.breath_length()), absl::Seconds(5));
    auto paced =
        planner.ComposeRoutine(PresetAtBreath(preset.id(), absl::Seconds(7)));
    ASSERT_TRUE(paced.ok()) << paced.status();
    EXPECT_NE(paced->id(), listed.id());
    EXPECT_EQ(paced->preset_id(), preset.id());
    EXPECT_EQ(paced->title(), listed.title());
    EXPECT_EQ(FromProtoDuration(paced->breath_length()), absl::Seconds(7));
    ASSERT_EQ(paced->steps_size(), listed.steps_size());
    absl::Duration total;
    for (int i = 0; i < listed.steps_size(); ++i) {
      const auto& before = listed.steps(i);
      const auto& after = paced->steps(i);
      EXPECT_EQ(after.pose_id(), before.pose_id());
      EXPECT_EQ(after.hold_count(), before.hold_count());
      const absl::Duration hold = FromProtoDuration(before.hold());
      if (before.hold_unit() == yoga::type::v1::HOLD_UNIT_SECONDS) {
        ++seconds_holds;
        EXPECT_EQ(FromProtoDuration(after.hold()), hold) << "step " << i;
      } else {
        ++breath_holds;
        EXPECT_EQ(FromProtoDuration(after.hold()), hold * 7 / 5)
            << "step " << i;
      }
      total += FromProtoDuration(after.hold()) +
               FromProtoDuration(after.transition());
    }
    EXPECT_EQ(
        FromProtoDuration(paced->total_duration()),
        total + ClosingDuration(testing::ShippedPlanningCatalog(), *paced));

    // The same request, the same routine; and it can be fetched again.
    auto again =
        planner.ComposeRoutine(PresetAtBreath(preset.id(), absl::Seconds(7)));
    ASSERT_TRUE(again.ok());
    EXPECT_EQ(again->SerializeAsString(), paced->SerializeAsString());
    yoga::planner::v1::GetRoutineRequest get;
    get.set_id(paced->id());
    auto fetched = planner.GetRoutine(get);
    ASSERT_TRUE(fetched.ok()) << fetched.status();
    EXPECT_EQ(fetched->SerializeAsString(), paced->SerializeAsString());

    // The preset's own breath gives the listed routine.
    auto own =
        planner.ComposeRoutine(PresetAtBreath(preset.id(), absl::Seconds(5)));
    ASSERT_TRUE(own.ok());
    EXPECT_EQ(own->SerializeAsString(), listed.SerializeAsString());
  }
  EXPECT_GT(breath_holds, 20);
  EXPECT_GT(seconds_holds, 20);
}

TEST(PlannerTest, ABreathOutOfRangeOrInConflictNamesTheField) {
  std::unique_ptr<Planner> ready = ReadyPlanner();
  Planner& planner = *ready;
  for (absl::Duration breath :
       {absl::Seconds(1), absl::Milliseconds(12001), absl::Seconds(-5)}) {
    SCOPED_TRACE(absl::FormatDuration(breath));
    EXPECT_THAT(BadFields(planner
                              .ComposeRoutine(PresetAtBreath(
                                  "runners-lower-back-four", breath))
                              .status()),
                ::testing::ElementsAre("breath_length"));
  }
  // The bounds themselves are fine.
  for (absl::Duration breath : {absl::Seconds(2), absl::Seconds(12)}) {
    EXPECT_TRUE(
        planner
            .ComposeRoutine(PresetAtBreath("runners-lower-back-four", breath))
            .ok());
  }
  // Every bad field at once.
  ComposeRoutineRequest both = PresetAtBreath("Not An Id", absl::Seconds(30));
  EXPECT_THAT(BadFields(planner.ComposeRoutine(both).status()),
              ::testing::UnorderedElementsAre("breath_length", "preset_id"));
  EXPECT_EQ(
      planner.ComposeRoutine(PresetAtBreath("no-such-preset", absl::Seconds(7)))
          .status()
          .code(),
      absl::StatusCode::kNotFound);

  // With constraints: the request's breath is theirs, unless they disagree.
  ComposeRoutineRequest composed;
  composed.mutable_constraints()->mutable_target_duration()->set_seconds(600);
  *composed.mutable_breath_length() = ToProtoDuration(absl::Seconds(7));
  auto routine = planner.ComposeRoutine(composed);
  ASSERT_TRUE(routine.ok()) << routine.status();
  EXPECT_EQ(FromProtoDuration(routine->breath_length()), absl::Seconds(7));
  *composed.mutable_constraints()->mutable_breath_length() =
      ToProtoDuration(absl::Seconds(7));
  auto same = planner.ComposeRoutine(composed);
  ASSERT_TRUE(same.ok()) << same.status();
  EXPECT_EQ(same->id(), routine->id());
  *composed.mutable_constraints()->mutable_breath_length() =
      ToProtoDuration(absl::Seconds(6));
  EXPECT_THAT(BadFields(planner.ComposeRoutine(composed).status()),
              ::testing::ElementsAre("breath_length"));
  composed.mutable_constraints()->mutable_target_duration()->set_seconds(5 *
                                                                         3600);
  EXPECT_THAT(BadFields(planner.ComposeRoutine(composed).status()),
              ::testing::UnorderedElementsAre("breath_length",
                                              "constraints.target_duration"));

  // With a custom routine, the same.
  ComposeRoutineRequest custom;
  auto* step = custom.mutable_custom()->add_steps();
  step->set_pose_id("childs-pose");
  *custom.mutable_breath_length() = ToProtoDuration(absl::Seconds(3));
  auto timed = planner.ComposeRoutine(custom);
  ASSERT_TRUE(timed.ok()) << timed.status();
  EXPECT_EQ(FromProtoDuration(timed->breath_length()), absl::Seconds(3));
  *custom.mutable_custom()->mutable_breath_length() =
      ToProtoDuration(absl::Seconds(4));
  EXPECT_THAT(BadFields(planner.ComposeRoutine(custom).status()),
              ::testing::ElementsAre("breath_length"));
}

}  // namespace
}  // namespace yoga::planner
