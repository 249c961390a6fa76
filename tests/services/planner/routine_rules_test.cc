// One case per routine rule, on the shipped catalog.
#include "services/planner/routine_rules.h"

#include "gmock/gmock.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"
#include "tests/services/planner/planner_test_catalog.h"

namespace yoga::planner {
namespace {

using ::testing::ElementsAre;
using ::testing::Field;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using yoga::type::v1::Routine;

Routine Parse(const std::string& text) {
  Routine routine;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &routine))
      << text;
  return routine;
}

std::vector<RuleViolation> Check(const std::string& steps) {
  return CheckRoutineRules(testing::ShippedCatalog(), Parse(steps).steps());
}

auto Violation(int step, const std::string& field, const std::string& words) {
  return ::testing::AllOf(Field(&RuleViolation::step, step),
                          Field(&RuleViolation::field, field),
                          Field(&RuleViolation::description, HasSubstr(words)));
}

constexpr char kLungeBothSides[] = R"(
  steps { pose_id: "low-lunge" side: SIDE_RIGHT hold_count: 30 }
  steps { pose_id: "low-lunge" side: SIDE_LEFT hold_count: 30 })";

TEST(RoutineRulesTest, AGoodRoutinePasses) {
  EXPECT_THAT(
      Check(
          std::string(
              R"(steps { pose_id: "cat-cow" hold_count: 10 phase: ROUTINE_PHASE_WARM_UP })") +
          kLungeBothSides +
          R"(steps { pose_id: "locust" hold_count: 5 phase: ROUTINE_PHASE_MAIN }
                       steps { pose_id: "childs-pose" hold_count: 60 phase: ROUTINE_PHASE_COOL_DOWN })"),
      IsEmpty());
}

TEST(RoutineRulesTest, PosesAndVariationsMustExist) {
  EXPECT_THAT(Check(R"(steps { pose_id: "handstand" hold_count: 1 })"),
              ElementsAre(Violation(0, "pose_id", "no pose \"handstand\"")));
  EXPECT_THAT(
      Check(
          R"(steps { pose_id: "bow" variation_id: "locust-airplane-arms" hold_count: 5 }
                       steps { pose_id: "childs-pose" hold_count: 60 })"),
      ElementsAre(Violation(0, "variation_id", "has no variation")));
}

TEST(RoutineRulesTest, SidedPosesNeedASideAndOthersNone) {
  EXPECT_THAT(Check(R"(steps { pose_id: "low-lunge" hold_count: 30 })"),
              ElementsAre(Violation(0, "side", "is done per side")));
  EXPECT_THAT(
      Check(
          R"(steps { pose_id: "childs-pose" side: SIDE_LEFT hold_count: 60 })"),
      ElementsAre(Violation(0, "side", "is not done per side")));
}

TEST(RoutineRulesTest, HoldsStayInTheCatalogRangeAndUnit) {
  EXPECT_THAT(Check(R"(steps { pose_id: "childs-pose" hold_count: 600 })"),
              ElementsAre(Violation(0, "hold_count", "outside 60 to 120")));
  EXPECT_THAT(
      Check(
          R"(steps { pose_id: "childs-pose" hold_count: 60 hold_unit: HOLD_UNIT_BREATHS })"),
      ElementsAre(Violation(0, "hold_unit", "HOLD_UNIT_SECONDS")));
}

TEST(RoutineRulesTest, SetsStayWithinMaxSets) {
  EXPECT_THAT(
      Check(R"(steps { pose_id: "childs-pose" hold_count: 60 set: 2 })"),
      ElementsAre(Violation(0, "set", "at most 1 set")));
}

TEST(RoutineRulesTest, BothSidesEquallyOftenWithTheSameHold) {
  EXPECT_THAT(
      Check(
          R"(steps { pose_id: "low-lunge" side: SIDE_RIGHT hold_count: 30 })"),
      ElementsAre(Violation(0, "side", "1 right side(s) and 0 left side(s)")));
  EXPECT_THAT(
      Check(R"(steps { pose_id: "seated-twist" side: SIDE_RIGHT hold_count: 5 }
                       steps { pose_id: "seated-twist" side: SIDE_LEFT hold_count: 8 })"),
      ElementsAre(
          Violation(1, "hold_count", "the same hold (right 5, left 8)")));
}

TEST(RoutineRulesTest, ABackbendIsNeutralisedBeforeTheNext) {
  EXPECT_THAT(Check(R"(steps { pose_id: "locust" hold_count: 5 }
                       steps { pose_id: "bow" hold_count: 5 }
                       steps { pose_id: "childs-pose" hold_count: 60 })"),
              ElementsAre(Violation(1, "pose_id", "follows \"Locust Pose\"")));
  // A stretch between them is not a neutraliser.
  EXPECT_THAT(Check(R"(steps { pose_id: "locust" hold_count: 5 }
                       steps { pose_id: "squat" hold_count: 30 }
                       steps { pose_id: "bow" hold_count: 5 }
                       steps { pose_id: "childs-pose" hold_count: 60 })"),
              ElementsAre(Violation(2, "pose_id", "no neutralising pose")));
  // Sets of one pose are one block.
  EXPECT_THAT(Check(R"(steps { pose_id: "locust" hold_count: 5 set: 1 }
                       steps { pose_id: "locust" variation_id: "locust-goal-post-arms" hold_count: 5 set: 2 }
                       steps { pose_id: "childs-pose" hold_count: 60 })"),
              IsEmpty());
}

TEST(RoutineRulesTest, AStrengthHoldAtTheEndStillNeedsItsNeutraliser) {
  EXPECT_THAT(Check(R"(steps { pose_id: "bridge" hold_count: 30 })"),
              ElementsAre(Violation(0, "pose_id",
                                    "needs a neutralising pose after it")));
  // A counterpose from the catalog neutralises as well as a restorative pose.
  EXPECT_THAT(Check(R"(steps { pose_id: "bridge" hold_count: 30 }
                       steps { pose_id: "pelvic-tilts" hold_count: 10 })"),
              IsEmpty());
}

TEST(RoutineRulesTest, PhasesRunWarmUpMainCoolDown) {
  EXPECT_THAT(
      Check(
          R"(steps { pose_id: "childs-pose" hold_count: 60 phase: ROUTINE_PHASE_COOL_DOWN }
                       steps { pose_id: "cat-cow" hold_count: 10 phase: ROUTINE_PHASE_WARM_UP })"),
      ElementsAre(Violation(1, "phase", "warm-up, main, then cool-down")));
}

TEST(ConstraintViolationsTest, NamesWhatTheRunnerRuledOut) {
  yoga::planner::v1::Constraints constraints;
  constraints.set_no_floor(true);
  constraints.add_excluded_pose_ids("squat");
  constraints.add_conditions(
      yoga::type::v1::CONDITION_EXTENSION_SENSITIVE_BACK);
  constraints.mutable_props_available();  // No props at all.
  const Routine routine = Parse(R"(
    steps { pose_id: "supine-twist" side: SIDE_RIGHT hold_count: 60 }
    steps { pose_id: "squat" hold_count: 30 }
    steps { pose_id: "bow" hold_count: 5 }
    steps { pose_id: "kneeling-hip-flexor-stretch" side: SIDE_RIGHT hold_count: 30 })");
  EXPECT_THAT(
      ConstraintViolations(testing::ShippedCatalog(), constraints, routine),
      ::testing::IsSupersetOf(
          {Violation(0, "pose_id", "no_floor"),
           Violation(1, "pose_id", "excluded"),
           Violation(2, "pose_id", "EXTENSION_SENSITIVE_BACK"),
           Violation(2, "variation_id", "level"),
           Violation(3, "pose_id", "needs PROP_WALL")}));
}

}  // namespace
}  // namespace yoga::planner
