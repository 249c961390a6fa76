// What the composer does for particular runners.
#include "services/planner/composer.h"

#include <set>

#include "gmock/gmock.h"
#include "google/protobuf/util/time_util.h"
#include "gtest/gtest.h"
#include "services/common/errors.h"
#include "services/planner/routine_rules.h"
#include "tests/services/planner/planner_test_catalog.h"

namespace yoga::planner {
namespace {

using google::protobuf::util::TimeUtil;
using ::testing::HasSubstr;
using ::testing::StartsWith;
using yoga::planner::v1::Constraints;
using yoga::type::v1::Routine;

Constraints Minutes(int minutes) {
  Constraints constraints;
  *constraints.mutable_target_duration() =
      TimeUtil::SecondsToDuration(minutes * 60);
  return constraints;
}

Routine Compose(const Constraints& constraints) {
  absl::StatusOr<Routine> routine =
      ComposeRoutine(testing::ShippedPlanningCatalog(), constraints);
  EXPECT_TRUE(routine.ok()) << routine.status();
  return routine.ok() ? *routine : Routine();
}

std::set<std::string> PoseIds(const Routine& routine) {
  std::set<std::string> ids;
  for (const auto& step : routine.steps()) ids.insert(step.pose_id());
  return ids;
}

TEST(ComposerTest, NoFloorReplacesFloorPosesWithTheirAlternatives) {
  int replaced = 0;
  for (uint64_t seed = 0; seed < 10; ++seed) {
    Constraints constraints = Minutes(20);
    constraints.set_no_floor(true);
    constraints.set_seed(seed);
    for (int prop = 1; prop <= 6;
         ++prop) {  // Every prop: only the floor rules poses out.
      constraints.mutable_props_available()->add_props(
          static_cast<yoga::type::v1::Prop>(prop));
    }
    const Routine routine = Compose(constraints);
    EXPECT_FALSE(PoseIds(routine).contains("supine-twist"));
    EXPECT_TRUE(
        ConstraintViolations(testing::ShippedCatalog(), constraints, routine)
            .empty());
    for (const auto& step : routine.steps()) {
      if (step.reason().rfind("In place of", 0) == 0) {
        ++replaced;
        EXPECT_THAT(step.reason(),
                    HasSubstr("(you asked not to lie on the floor)"));
      }
    }
  }
  EXPECT_GT(replaced, 0)
      << "no floor pose was ever swapped for its alternative";
}

TEST(ComposerTest, AnExtensionSensitiveBackGetsNoBowOrLocust) {
  Constraints constraints = Minutes(30);
  constraints.set_moment(yoga::planner::v1::MOMENT_REST_DAY);
  constraints.set_max_level(yoga::type::v1::LEVEL_ADVANCED);
  constraints.add_conditions(
      yoga::type::v1::CONDITION_EXTENSION_SENSITIVE_BACK);
  const std::set<std::string> ids = PoseIds(Compose(constraints));
  EXPECT_FALSE(ids.contains("bow"));
  EXPECT_FALSE(ids.contains("locust"));
}

TEST(ComposerTest, TightHamstringsGetTheKneesBentDog) {
  Constraints constraints = Minutes(30);
  constraints.add_conditions(yoga::type::v1::CONDITION_TIGHT_HAMSTRINGS);
  const Routine routine = Compose(constraints);
  for (const auto& step : routine.steps()) {
    if (step.pose_id() == "downward-facing-dog") {
      EXPECT_EQ(step.variation_id(), "downward-facing-dog-knees-bent");
    }
  }
}

TEST(ComposerTest, ExcludedPosesAndMissingPropsAreLeftOut) {
  Constraints constraints = Minutes(25);
  constraints.add_excluded_pose_ids("childs-pose");
  constraints.add_excluded_pose_ids("cat-cow");
  constraints.mutable_props_available()->add_props(yoga::type::v1::PROP_MAT);
  const Routine routine = Compose(constraints);
  EXPECT_FALSE(PoseIds(routine).contains("childs-pose"));
  EXPECT_FALSE(PoseIds(routine).contains("cat-cow"));
  EXPECT_FALSE(PoseIds(routine).contains(
      "kneeling-hip-flexor-stretch"));  // Needs a wall.
  EXPECT_TRUE(
      CheckRoutineRules(testing::ShippedCatalog(), routine.steps()).empty());
}

TEST(ComposerTest, StrengthWorkIsFollowedByACounterpose) {
  Constraints constraints = Minutes(30);
  constraints.set_moment(yoga::planner::v1::MOMENT_REST_DAY);
  constraints.add_focus_areas(yoga::type::v1::BODY_AREA_LOWER_BACK);
  constraints.add_focus_areas(yoga::type::v1::BODY_AREA_GLUTES);
  const Routine routine = Compose(constraints);
  int counterposes = 0;
  for (const auto& step : routine.steps()) {
    if (step.reason().rfind("Counterpose after", 0) == 0) ++counterposes;
  }
  EXPECT_GT(counterposes, 0);
  EXPECT_TRUE(
      CheckRoutineRules(testing::ShippedCatalog(), routine.steps()).empty());
}

TEST(ComposerTest, TheSameRequestGivesTheSameBytesAndSeedsGiveVariety) {
  Constraints constraints = Minutes(15);
  constraints.set_seed(42);
  EXPECT_EQ(Compose(constraints).SerializeAsString(),
            Compose(constraints).SerializeAsString());
  std::set<std::string> distinct;
  for (uint64_t seed = 0; seed < 20; ++seed) {
    constraints.set_seed(seed);
    distinct.insert(Compose(constraints).id());
  }
  EXPECT_GT(distinct.size(), 3u);
}

TEST(ComposerTest, HitsTheTargetWithinTolerance) {
  for (int minutes : {5, 10, 20, 40}) {
    const Routine routine = Compose(Minutes(minutes));
    EXPECT_LE(std::abs(routine.total_duration().seconds() - minutes * 60),
              absl::ToInt64Seconds(DurationTolerance(absl::Minutes(minutes))))
        << minutes;
  }
}

TEST(ComposerTest, ReportsEveryBadFieldAtOnce) {
  Constraints constraints;
  *constraints.mutable_target_duration() = TimeUtil::SecondsToDuration(60);
  constraints.add_focus_areas(static_cast<yoga::type::v1::BodyArea>(99));
  constraints.add_conditions(yoga::type::v1::CONDITION_UNSPECIFIED);
  constraints.add_excluded_pose_ids("no-such-pose");
  constraints.add_excluded_pose_ids("Not An Id");
  *constraints.mutable_breath_length() = TimeUtil::SecondsToDuration(30);
  constraints.set_moment(static_cast<yoga::planner::v1::Moment>(9));
  absl::StatusOr<Routine> routine =
      ComposeRoutine(testing::ShippedPlanningCatalog(), constraints);
  ASSERT_EQ(routine.status().code(), absl::StatusCode::kInvalidArgument);
  const auto bad_request = BadRequestOf(routine.status());
  ASSERT_TRUE(bad_request.has_value());
  std::vector<std::string> fields;
  for (const auto& violation : bad_request->field_violations()) {
    fields.push_back(violation.field());
  }
  EXPECT_THAT(fields,
              ::testing::ElementsAre(
                  "constraints.focus_areas[0]", "constraints.target_duration",
                  "constraints.moment", "constraints.excluded_pose_ids[0]",
                  "constraints.excluded_pose_ids[1]",
                  "constraints.conditions[0]", "constraints.breath_length"));
}

TEST(ComposerTest, AHugeDurationIsOutOfRangeNotWrappedAround) {
  Constraints constraints;
  constraints.mutable_target_duration()->set_seconds((int64_t{1} << 62) + 600);
  absl::StatusOr<Routine> routine =
      ComposeRoutine(testing::ShippedPlanningCatalog(), constraints);
  ASSERT_EQ(routine.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(
      std::string(routine.status().message()),
      HasSubstr("constraints.target_duration: must be 2 to 60 minutes"));
}

TEST(ComposerTest, WithoutAnyMainPoseItRefuses) {
  Constraints constraints = Minutes(4);
  for (const auto& pose : testing::ShippedCatalog().poses()) {
    if (pose.id() != "cat-cow" && pose.id() != "childs-pose" &&
        pose.id() != "tabletop") {
      constraints.add_excluded_pose_ids(pose.id());
    }
  }
  absl::StatusOr<Routine> routine =
      ComposeRoutine(testing::ShippedPlanningCatalog(), constraints);
  EXPECT_EQ(routine.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(routine.status().message()),
              HasSubstr("constraints.excluded_pose_ids: no main pose is left"));
}

TEST(ComposerTest, ACompositionThatCannotBeMadeNamesTheConstraint) {
  Constraints no_warm_up = Minutes(10);
  for (const char* id : {"cat-cow", "pelvic-tilts", "sun-salutation"}) {
    no_warm_up.add_excluded_pose_ids(id);
  }
  EXPECT_THAT(
      std::string(ComposeRoutine(testing::ShippedPlanningCatalog(), no_warm_up)
                      .status()
                      .message()),
      StartsWith("constraints.excluded_pose_ids: no warm-up flow is left"));

  Constraints too_long = Minutes(60);
  too_long.set_no_floor(true);
  too_long.mutable_props_available();
  absl::StatusOr<Routine> refused =
      ComposeRoutine(testing::ShippedPlanningCatalog(), too_long);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(refused.status().message()),
              StartsWith("constraints.target_duration: the poses that fit"));
  EXPECT_THAT(std::string(refused.status().message()), HasSubstr("rules out"));

  absl::StatusOr<Routine> too_short =
      ComposeRoutine(testing::ShippedPlanningCatalog(), Minutes(2));
  EXPECT_THAT(std::string(too_short.status().message()),
              StartsWith("constraints.target_duration: 2m is too short"));
}

}  // namespace
}  // namespace yoga::planner
