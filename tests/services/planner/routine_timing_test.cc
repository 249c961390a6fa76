#include "services/planner/routine_timing.h"

#include "gmock/gmock.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"
#include "tests/services/planner/planner_test_catalog.h"

namespace yoga::planner {
namespace {

using yoga::type::v1::HoldRange;

TEST(RoutineTimingTest, HoldsCountInTheirUnit) {
  HoldRange range;
  range.set_unit(yoga::type::v1::HOLD_UNIT_SECONDS);
  EXPECT_EQ(HoldDuration(range, 30, absl::Seconds(5)), absl::Seconds(30));
  range.set_unit(yoga::type::v1::HOLD_UNIT_BREATHS);
  EXPECT_EQ(HoldDuration(range, 5, absl::Seconds(6)), absl::Seconds(30));
  range.set_unit(yoga::type::v1::HOLD_UNIT_REPETITIONS);
  range.set_breaths_per_repetition(2);
  EXPECT_EQ(HoldDuration(range, 10, absl::Seconds(4)), absl::Seconds(80));
}

yoga::type::v1::Routine Timed(const std::string& steps) {
  yoga::type::v1::Routine routine;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(steps, &routine));
  TimeRoutine(testing::ShippedPlanningCatalog(), absl::Seconds(5), routine);
  return routine;
}

TEST(RoutineTimingTest, TotalsHoldsAndTransitions) {
  const auto routine = Timed(R"(
    steps { pose_id: "low-lunge" side: SIDE_RIGHT hold_count: 30 }
    steps { pose_id: "low-lunge" side: SIDE_LEFT hold_count: 30 }
    steps { pose_id: "childs-pose" hold_count: 60 })");
  int64_t total = 0;
  for (const auto& step : routine.steps()) {
    EXPECT_GT(step.transition().seconds(), 0);
    total += step.hold().seconds() + step.transition().seconds();
  }
  // Then the last exit and the closing words.
  EXPECT_EQ(routine.total_duration().seconds(),
            total + absl::ToInt64Seconds(ClosingDuration(
                        testing::ShippedPlanningCatalog(), routine)));
  EXPECT_GT(ClosingDuration(testing::ShippedPlanningCatalog(), routine),
            absl::Seconds(5));
  EXPECT_EQ(routine.steps(0).hold().seconds(), 30);
  EXPECT_EQ(routine.steps(0).hold_unit(), yoga::type::v1::HOLD_UNIT_SECONDS);
  // Switching sides is quicker than moving to a new pose.
  EXPECT_LT(routine.steps(1).transition().seconds(),
            routine.steps(0).transition().seconds());
  EXPECT_LT(routine.steps(1).transition().seconds(),
            routine.steps(2).transition().seconds());
  EXPECT_EQ(routine.breath_length().seconds(), 5);
  EXPECT_EQ(routine.catalog_etag(), testing::ShippedCatalog().etag());
}

TEST(RoutineTimingTest, IdsFollowContent) {
  const auto a = Timed(R"(steps { pose_id: "childs-pose" hold_count: 60 })");
  const auto b = Timed(R"(steps { pose_id: "childs-pose" hold_count: 60 })");
  const auto c = Timed(R"(steps { pose_id: "childs-pose" hold_count: 90 })");
  EXPECT_EQ(a.id(), b.id());
  EXPECT_NE(a.id(), c.id());
  EXPECT_EQ(a.id(), RoutineId(a));
  EXPECT_EQ(a.id().size(), 16u);
}

}  // namespace
}  // namespace yoga::planner
