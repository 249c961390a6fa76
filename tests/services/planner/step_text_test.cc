// The words of a composed routine: its title and each step's reason.
#include "services/planner/step_text.h"

#include <set>
#include <string>

#include "gtest/gtest.h"
#include "services/planner/composer_plan.h"
#include "services/shared/class_order.h"
#include "tests/services/planner/planner_test_catalog.h"

namespace yoga::planner {
namespace {

namespace type = yoga::type::v1;

// Downward-Facing Dog: a tabletop stretch of the hamstrings and calves, among
// others.
PlanEntry DownwardDog() {
  const auto* pose = testing::ShippedCatalog().FindPose("downward-facing-dog");
  return PlanEntry{Version{.pose = pose}, EntryRole::kMain};
}

TEST(StepTextTest, TitleSaysTheRoundedMinutesAndTheFocusAreas) {
  EXPECT_EQ(
      ClassTitle(absl::Minutes(19) + absl::Seconds(45),
                 {type::BODY_AREA_HAMSTRINGS, type::BODY_AREA_LOWER_BACK}),
      "20 minutes for your lower back and hamstrings");
}

TEST(StepTextTest, MainWorkNamesTheFocusAreasThePoseWorks) {
  const PlanEntry entry = DownwardDog();
  const ClassPlan plan;
  EXPECT_EQ(
      StepReason(plan, {type::BODY_AREA_CALVES, type::BODY_AREA_HAMSTRINGS},
                 entry, 1, type::SIDE_RIGHT),
      "Main work: works your hamstrings and calves.");
  EXPECT_EQ(
      StepReason(plan, {type::BODY_AREA_NECK}, entry, 1, type::SIDE_RIGHT),
      "Main work: works the whole body.");
}

TEST(StepTextTest, LaterSidesSetsAndRoundsSayWhichTheyAre) {
  PlanEntry entry = DownwardDog();
  entry.sets = 3;
  ClassPlan plan;
  const int height = BodyHeight(entry.version.pose->position());
  plan.rounds[height] = 3;
  const std::set<int> focus = {type::BODY_AREA_CALVES};
  EXPECT_EQ(StepReason(plan, focus, entry, 1, type::SIDE_LEFT),
            "Left side, the same hold as the right.");
  EXPECT_EQ(StepReason(plan, focus, entry, 2, type::SIDE_RIGHT), "Set 2 of 3.");
  entry.round = 2;
  EXPECT_EQ(StepReason(plan, focus, entry, 1, type::SIDE_RIGHT),
            "Round 2 of 3 of the kneeling and all-fours sequence. Main work: "
            "works your calves.");
}

TEST(StepTextTest, CounterposeNamesThePoseItFollows) {
  PlanEntry entry = DownwardDog();
  entry.role = EntryRole::kCounterpose;
  const std::string bridge = "Bridge Pose";
  entry.after = &bridge;
  EXPECT_EQ(StepReason(ClassPlan(), {}, entry, 1, type::SIDE_RIGHT),
            "Counterpose after Bridge Pose: brings the spine back to neutral.");
}

TEST(StepTextTest, AClassWithoutWarmUpSaysWhy) {
  EXPECT_EQ(NoWarmUpReason(absl::Minutes(5)),
            "No separate warm-up: a 5-minute class has room only for main "
            "work and a finish, so it starts here. ");
}

}  // namespace
}  // namespace yoga::planner
