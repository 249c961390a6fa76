#include "services/planner/custom_routine.h"

#include "gmock/gmock.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"
#include "services/common/errors.h"
#include "tests/services/planner/planner_test_catalog.h"

namespace yoga::planner {
namespace {

using ::testing::ElementsAre;
using yoga::planner::v1::CustomRoutine;

CustomRoutine Parse(const std::string& text) {
  CustomRoutine custom;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &custom))
      << text;
  return custom;
}

std::vector<std::string> Fields(const absl::Status& status) {
  std::vector<std::string> fields;
  if (auto bad_request = BadRequestOf(status)) {
    for (const auto& violation : bad_request->field_violations()) {
      fields.push_back(violation.field());
    }
  }
  return fields;
}

TEST(CustomRoutineTest, FillsDefaultsAndTimesTheSteps) {
  auto routine = BuildCustomRoutine(testing::ShippedPlanningCatalog(), Parse(R"(
      title: "My after-run"
      steps { pose_id: "low-lunge" side: SIDE_RIGHT }
      steps { pose_id: "low-lunge" side: SIDE_LEFT }
      steps { pose_id: "childs-pose" hold_count: 90 })"));
  ASSERT_TRUE(routine.ok()) << routine.status();
  EXPECT_EQ(routine->title(), "My after-run");
  EXPECT_EQ(routine->steps(0).hold_count(), 30u);  // The catalog's default.
  EXPECT_EQ(routine->steps(2).hold().seconds(), 90);
  EXPECT_GT(routine->total_duration().seconds(), 150);
  EXPECT_EQ(routine->id().size(), 16u);
}

TEST(CustomRoutineTest, ReportsEveryViolationAsAField) {
  auto routine = BuildCustomRoutine(testing::ShippedPlanningCatalog(), Parse(R"(
      steps { pose_id: "bow" }
      steps { pose_id: "low-lunge" side: SIDE_RIGHT }
      steps { pose_id: "nope" }
      steps { pose_id: "Bad Id" }
      steps { pose_id: "squat" hold_count: 5000 }
      breath_length { seconds: 60 })"));
  ASSERT_EQ(routine.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(Fields(routine.status()),
              ::testing::UnorderedElementsAre(
                  "custom.breath_length", "custom.steps[3].pose_id",
                  "custom.steps[0].pose_id", "custom.steps[1].side",
                  "custom.steps[2].pose_id", "custom.steps[4].hold_count"));
}

TEST(CustomRoutineTest, BoundsListsAndStrings) {
  CustomRoutine custom;
  custom.set_title(std::string(kMaxTitleLength + 1, 'x'));
  EXPECT_THAT(
      Fields(BuildCustomRoutine(testing::ShippedPlanningCatalog(), custom)
                 .status()),
      ElementsAre("custom.title", "custom.steps"));
  for (int i = 0; i <= kMaxCustomSteps; ++i)
    custom.add_steps()->set_pose_id("childs-pose");
  custom.clear_title();
  EXPECT_THAT(
      Fields(BuildCustomRoutine(testing::ShippedPlanningCatalog(), custom)
                 .status()),
      ElementsAre("custom.steps"));
}

}  // namespace
}  // namespace yoga::planner
