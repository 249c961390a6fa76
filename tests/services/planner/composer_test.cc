// What the composer does for particular runners.
#include "services/planner/composer.h"

#include <fstream>
#include <set>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/time_util.h"
#include "gtest/gtest.h"
#include "services/catalog/effective_pose.h"
#include "services/common/errors.h"
#include "services/planner/hold_fit.h"
#include "services/planner/pose_candidates.h"
#include "services/planner/routine_rules.h"
#include "services/planner/routine_timing.h"
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

  // 60 minutes without the floor and without any prop used to be refused
  // here ("the poses that fit fill at most ..."); a teacher fills it with
  // longer holds, sets and a repeated sequence, so it composes now.
  Constraints no_floor_no_props = Minutes(60);
  no_floor_no_props.set_no_floor(true);
  no_floor_no_props.mutable_props_available();
  EXPECT_TRUE(
      ComposeRoutine(testing::ShippedPlanningCatalog(), no_floor_no_props)
          .ok());

  absl::StatusOr<Routine> too_short =
      ComposeRoutine(testing::ShippedPlanningCatalog(), Minutes(2));
  EXPECT_THAT(std::string(too_short.status().message()),
              StartsWith("constraints.target_duration: 2m is too short"));
}

yoga::type::v1::BodyPosition PositionOf(
    const yoga::type::v1::RoutineStep& step) {
  return testing::ShippedCatalog().FindPose(step.pose_id())->position();
}

absl::Duration Of(const google::protobuf::Duration& duration) {
  return absl::Seconds(duration.seconds()) +
         absl::Nanoseconds(duration.nanos());
}

void ExpectWithinTolerance(const Routine& routine, int minutes) {
  EXPECT_LE(
      absl::AbsDuration(Of(routine.total_duration()) - absl::Minutes(minutes)),
      DurationTolerance(absl::Minutes(minutes)))
      << routine.ShortDebugString();
}

// The example: a 20-minute beginner routine used to start lying on
// the back (pelvic tilts, supine twist), stand up for squats and sun
// salutations, then go back down. Now it starts on its feet, goes down to
// lying, and ends resting in child's pose, as seeds 000 and 001 end.
TEST(ComposerTest, ATwentyMinuteBeginnerRoutineMovesDownLikeAClass) {
  Constraints constraints = Minutes(20);
  constraints.set_max_level(yoga::type::v1::LEVEL_BEGINNER);
  const Routine routine = Compose(constraints);
  ASSERT_GE(routine.steps_size(), 4);
  EXPECT_EQ(routine.steps(0).pose_id(), "sun-salutation");
  int last_standing = -1;
  int first_lying = routine.steps_size();
  for (int i = 0; i < routine.steps_size(); ++i) {
    const auto position = PositionOf(routine.steps(i));
    if (position == yoga::type::v1::BODY_POSITION_STANDING) last_standing = i;
    if (position == yoga::type::v1::BODY_POSITION_SUPINE ||
        position == yoga::type::v1::BODY_POSITION_PRONE) {
      first_lying = std::min(first_lying, i);
    }
  }
  EXPECT_LT(last_standing, first_lying) << routine.ShortDebugString();
  ASSERT_GE(routine.steps_size(), 2);
  EXPECT_EQ(PositionOf(routine.steps(routine.steps_size() - 2)),
            yoga::type::v1::BODY_POSITION_SUPINE)
      << "the lying work comes just before the finish";
  EXPECT_EQ(routine.steps().rbegin()->pose_id(), "childs-pose");
  EXPECT_EQ(routine.steps().rbegin()->phase(),
            yoga::type::v1::ROUTINE_PHASE_COOL_DOWN);
}

// Seed 004's backside strength poses, for a runner who asks for that work:
// each is rested in child's pose straight after its last side and set, and
// the class goes back down (to the belly, the back or seated) after it.
TEST(ComposerTest, BacksideStrengthIsRestedInChildsPose) {
  Constraints constraints = Minutes(30);
  constraints.set_max_level(yoga::type::v1::LEVEL_INTERMEDIATE);
  constraints.set_moment(yoga::planner::v1::MOMENT_REST_DAY);
  constraints.add_focus_areas(yoga::type::v1::BODY_AREA_LOWER_BACK);
  constraints.add_focus_areas(yoga::type::v1::BODY_AREA_GLUTES);
  constraints.add_focus_areas(yoga::type::v1::BODY_AREA_HAMSTRINGS);
  const Routine routine = Compose(constraints);
  const std::set<std::string> ids = PoseIds(routine);
  EXPECT_TRUE(ids.contains("locust")) << routine.ShortDebugString();
  EXPECT_TRUE(ids.contains("bow")) << routine.ShortDebugString();
  const std::set<std::string> backside = {"locust", "bow", "reverse-tabletop",
                                          "reverse-plank"};
  for (int i = 0; i + 1 < routine.steps_size(); ++i) {
    const auto& step = routine.steps(i);
    const auto& next = routine.steps(i + 1);
    if (!backside.contains(step.pose_id()) || next.pose_id() == step.pose_id())
      continue;
    EXPECT_EQ(next.pose_id(), "childs-pose")
        << "step " << i + 1 << " after " << step.pose_id();
    if (i + 2 < routine.steps_size()) {
      EXPECT_NE(PositionOf(routine.steps(i + 2)),
                yoga::type::v1::BODY_POSITION_KNEELING)
          << "step " << i + 2 << ": the class goes back down after resting";
    }
  }
  // Locust before Bow, Reverse Tabletop before Reverse Plank: easier first.
  auto first = [&](const std::string& id) {
    for (int i = 0; i < routine.steps_size(); ++i) {
      if (routine.steps(i).pose_id() == id) return i;
    }
    return -1;
  };
  EXPECT_LT(first("locust"), first("bow"));
  if (first("reverse-tabletop") >= 0 && first("reverse-plank") >= 0) {
    EXPECT_LT(first("reverse-tabletop"), first("reverse-plank"));
  }
  EXPECT_TRUE(
      CheckRoutineRules(testing::ShippedCatalog(), routine.steps()).empty());
}

// Without child's pose (excluded here) the class ends on the gentlest
// stretch at the lowest height, and nothing needs child's pose to rest the
// back: Locust, Bow, Reverse Tabletop and Reverse Plank stay out. Sensitive
// knees only add child's pose's caution, so it still ends the class.
TEST(ComposerTest, WithoutChildsPoseTheClassEndsLowAndSkipsBacksideStrength) {
  Constraints constraints = Minutes(30);
  constraints.set_max_level(yoga::type::v1::LEVEL_INTERMEDIATE);
  constraints.set_moment(yoga::planner::v1::MOMENT_REST_DAY);
  constraints.add_excluded_pose_ids("childs-pose");
  const Routine routine = Compose(constraints);
  const std::set<std::string> ids = PoseIds(routine);
  for (const char* id :
       {"childs-pose", "locust", "bow", "reverse-tabletop", "reverse-plank"}) {
    EXPECT_FALSE(ids.contains(id)) << id;
  }
  EXPECT_EQ(PositionOf(*routine.steps().rbegin()),
            yoga::type::v1::BODY_POSITION_SUPINE);

  Constraints knees = Minutes(30);
  knees.add_conditions(yoga::type::v1::CONDITION_SENSITIVE_KNEES);
  EXPECT_EQ(Compose(knees).steps().rbegin()->pose_id(), "childs-pose");
  Constraints no_floor = Minutes(30);
  no_floor.set_no_floor(true);
  EXPECT_EQ(Compose(no_floor).steps().rbegin()->pose_id(), "childs-pose");
}

// The "done when": both used to be refused ("fill at most 29m36s").
TEST(ComposerTest, ThirtyFiveMinutesWithoutTheFloorAndAnHourForABeginner) {
  Constraints no_floor = Minutes(35);
  no_floor.set_no_floor(true);
  const Routine without_floor = Compose(no_floor);
  ExpectWithinTolerance(without_floor, 35);
  EXPECT_TRUE(
      ConstraintViolations(testing::ShippedCatalog(), no_floor, without_floor)
          .empty());

  Constraints beginner = Minutes(60);
  beginner.set_max_level(yoga::type::v1::LEVEL_BEGINNER);
  ExpectWithinTolerance(Compose(beginner), 60);
}

// no_floor still kneels, sits and goes on all fours; standing_only does not.
TEST(ComposerTest, StandingOnlyKeepsTheRunnerOnTheirFeet) {
  Constraints no_floor = Minutes(30);
  no_floor.set_no_floor(true);
  const Routine without_floor = Compose(no_floor);
  std::set<yoga::type::v1::BodyPosition> no_floor_positions;
  for (const auto& step : without_floor.steps())
    no_floor_positions.insert(PositionOf(step));
  EXPECT_GT(no_floor_positions.size(), 1u);

  Constraints standing = Minutes(30);
  standing.set_standing_only(true);
  const Routine routine = Compose(standing);
  ExpectWithinTolerance(routine, 30);
  for (const auto& step : routine.steps()) {
    EXPECT_EQ(PositionOf(step), yoga::type::v1::BODY_POSITION_STANDING)
        << step.pose_id();
    const auto& pose = *testing::ShippedCatalog().FindPose(step.pose_id());
    EXPECT_FALSE(catalog::NeedsFloor(
        pose, catalog::FindVariation(pose, step.variation_id())))
        << step.pose_id() << " " << step.variation_id();
  }
  EXPECT_TRUE(ConstraintViolations(testing::ShippedCatalog(), standing, routine)
                  .empty());
}

TEST(ComposerTest, StandingOnlyRefusesWithWhatTheStandingPosesLeaveWhenTooFew) {
  Constraints constraints = Minutes(30);
  constraints.set_standing_only(true);
  constraints.add_excluded_pose_ids("squat");
  absl::StatusOr<Routine> routine =
      ComposeRoutine(testing::ShippedPlanningCatalog(), constraints);
  ASSERT_EQ(routine.status().code(), absl::StatusCode::kFailedPrecondition);
  const std::string message(routine.status().message());
  EXPECT_THAT(message, StartsWith("constraints.standing_only: no main pose is "
                                  "left"));
  EXPECT_THAT(message, HasSubstr("Half Sun Salutation (warm-up)"));
  EXPECT_THAT(message, HasSubstr("Standing Hamstring Stretch (finish)"));
  EXPECT_THAT(message, HasSubstr("constraints.excluded_pose_ids rules out 1"));
}

// Only the runner's own exclusions make a long routine impossible: here one
// main pose is left, too few to repeat as a sequence.
TEST(ComposerTest, RefusesWhenTheRunnersExclusionsLeaveTooLittle) {
  Constraints constraints = Minutes(20);
  for (const auto& pose : testing::ShippedCatalog().poses()) {
    if (pose.id() != "sun-salutation" && pose.id() != "downward-facing-dog" &&
        pose.id() != "childs-pose") {
      constraints.add_excluded_pose_ids(pose.id());
    }
  }
  absl::StatusOr<Routine> routine =
      ComposeRoutine(testing::ShippedPlanningCatalog(), constraints);
  ASSERT_EQ(routine.status().code(), absl::StatusCode::kFailedPrecondition);
  const std::string message(routine.status().message());
  EXPECT_THAT(message, StartsWith("constraints.excluded_pose_ids: the poses "
                                  "left (Sun Salutation (warm-up), Child's "
                                  "Pose (finish)"));
  EXPECT_THAT(message, HasSubstr("short of the 20m asked"));
}

TEST(ComposerTest, TheRoutineCarriesTheRunnersConditions) {
  Constraints constraints = Minutes(15);
  constraints.add_conditions(yoga::type::v1::CONDITION_SENSITIVE_KNEES);
  constraints.add_conditions(yoga::type::v1::CONDITION_TIGHT_HAMSTRINGS);
  EXPECT_THAT(
      Compose(constraints).conditions(),
      ::testing::ElementsAre(yoga::type::v1::CONDITION_SENSITIVE_KNEES,
                             yoga::type::v1::CONDITION_TIGHT_HAMSTRINGS));
  EXPECT_TRUE(Compose(Minutes(15)).conditions().empty());
}

// The fit measures transitions with the real timing functions rather than
// knowing them, so routines still fit when transitions take longer: here
// every setup and release cue is spoken three times over.
TEST(ComposerTest, StillFitsWhenTransitionsTakeLonger) {
  std::vector<yoga::catalog::v1::Pose> poses =
      testing::ShippedCatalog().poses();
  auto lengthen = [](auto& cues) {
    for (auto& cue : cues) {
      cue.set_text(absl::StrCat(cue.text(), " ", cue.text(), " ", cue.text()));
    }
  };
  for (auto& pose : poses) {
    lengthen(*pose.mutable_setup_cues());
    lengthen(*pose.mutable_release_cues());
    for (auto& variation : *pose.mutable_variations()) {
      lengthen(*variation.mutable_setup_cues());
      lengthen(*variation.mutable_release_cues());
    }
  }
  const PlanningCatalog slow(
      std::make_shared<const catalog::Catalog>(std::move(poses)));
  for (int minutes : {10, 35, 60}) {
    for (bool standing_only : {false, true}) {
      Constraints constraints = Minutes(minutes);
      constraints.set_standing_only(standing_only);
      absl::StatusOr<Routine> routine = ComposeRoutine(slow, constraints);
      ASSERT_TRUE(routine.ok()) << minutes << " " << routine.status();
      ExpectWithinTolerance(*routine, minutes);
      absl::StatusOr<Routine> usual =
          ComposeRoutine(testing::ShippedPlanningCatalog(), constraints);
      ASSERT_TRUE(usual.ok());
      absl::Duration slow_moving, usual_moving;
      for (const auto& step : routine->steps())
        slow_moving += Of(step.transition());
      for (const auto& step : usual->steps())
        usual_moving += Of(step.transition());
      EXPECT_GT(slow_moving / routine->steps_size(),
                usual_moving / usual->steps_size())
          << "the slow catalog should move more slowly";
    }
  }
}

enum class Floor { kFloor, kNoFloor, kStandingOnly };

Constraints Short(int seconds, int level, Floor floor) {
  Constraints constraints;
  *constraints.mutable_target_duration() = TimeUtil::SecondsToDuration(seconds);
  constraints.set_max_level(static_cast<yoga::type::v1::Level>(level));
  constraints.set_no_floor(floor == Floor::kNoFloor);
  constraints.set_standing_only(floor == Floor::kStandingOnly);
  return constraints;
}

// The shortest class with a warm-up the request allows, timed by the real
// timing functions: each warm-up flow, one main pose that needs no
// counterpose, and a finish (child's pose when allowed), every hold at its
// shortest spoken count. Any pose the request allows may stand in each
// place, more than the composer would put there, so this is at most the
// composer's shortest.
absl::Duration ShortestClassWithAWarmUp(const Constraints& constraints) {
  const PlanningCatalog& planning = testing::ShippedPlanningCatalog();
  const Candidates allowed = CollectCandidates(planning, constraints);
  std::vector<const Version*> finishes;
  for (const Version& version : allowed.cool_downs) {
    if (version.pose->kind() == yoga::catalog::v1::POSE_KIND_RESTORATIVE)
      finishes.push_back(&version);
  }
  if (finishes.empty()) {
    for (const Version& version : allowed.cool_downs)
      finishes.push_back(&version);
  }
  auto add = [](Routine& routine, const Version& version) {
    const bool sided = catalog::IsSided(*version.pose, version.variation);
    for (int turn = 0; turn < (sided ? 2 : 1); ++turn) {
      auto* step = routine.add_steps();
      step->set_pose_id(version.pose->id());
      if (version.variation != nullptr)
        step->set_variation_id(version.variation->id());
      step->set_side(!sided      ? yoga::type::v1::SIDE_UNSPECIFIED
                     : turn == 0 ? yoga::type::v1::SIDE_RIGHT
                                 : yoga::type::v1::SIDE_LEFT);
      step->set_hold_count(
          SpokenCounts(catalog::HoldOf(*version.pose, version.variation))
              .front());
    }
  };
  absl::Duration shortest = absl::InfiniteDuration();
  for (const Version& warm_up : allowed.warm_ups) {
    for (const Version& main : allowed.mains) {
      if (main.neutraliser >= 0 || main.pose == warm_up.pose) continue;
      for (const Version* finish : finishes) {
        if (finish->pose == warm_up.pose || finish->pose == main.pose) continue;
        Routine routine;
        add(routine, warm_up);
        add(routine, main);
        add(routine, *finish);
        TimeRoutine(planning, kDefaultBreath, routine);
        shortest = std::min(shortest, Of(routine.total_duration()));
      }
    }
  }
  return shortest;
}

// The minimal class a teacher would give (a warm-up flow, one pose, child's
// pose) does not fit 5 minutes with every setup and release spoken and the
// flow walked through once slowly, whatever the level or floor setting. So a
// 5-minute class goes straight into its main work and says why; from 6
// minutes on there is room, and the warm-up is back.
TEST(ComposerTest, AFiveMinuteClassHasNoRoomForAWarmUpSoItSaysSo) {
  for (int level = 1; level <= 3; ++level) {
    for (Floor floor : {Floor::kFloor, Floor::kNoFloor, Floor::kStandingOnly}) {
      const Constraints five = Short(300, level, floor);
      SCOPED_TRACE(five.ShortDebugString());
      EXPECT_GT(ShortestClassWithAWarmUp(five),
                absl::Minutes(5) + DurationTolerance(absl::Minutes(5)));
      const Routine routine = Compose(five);
      ASSERT_GE(routine.steps_size(), 2);
      EXPECT_EQ(routine.steps(0).phase(), yoga::type::v1::ROUTINE_PHASE_MAIN);
      EXPECT_THAT(routine.steps(0).reason(),
                  StartsWith("No separate warm-up: a 5-minute class has room "
                             "only for main work and a finish"));
      EXPECT_EQ(routine.steps().rbegin()->phase(),
                yoga::type::v1::ROUTINE_PHASE_COOL_DOWN);
      if (floor != Floor::kStandingOnly) {
        EXPECT_EQ(routine.steps().rbegin()->pose_id(), "childs-pose");
      }
      ExpectWithinTolerance(routine, 5);

      const Routine six = Compose(Short(360, level, floor));
      EXPECT_EQ(six.steps(0).phase(), yoga::type::v1::ROUTINE_PHASE_WARM_UP)
          << six.ShortDebugString();
      ExpectWithinTolerance(six, 6);
    }
  }
}

// The full sun salutation is walked through slowly, one movement per breath
// and a half, before its first round (about 90 s); the half one in about
// 45 s. A short class leads with the half one, then main work and child's
// pose; a longer class still gets the full one.
TEST(ComposerTest, ShortClassesLeadWithTheHalfSunSalutation) {
  for (int minutes : {6, 8, 10}) {
    for (uint64_t seed = 0; seed < 10; ++seed) {
      Constraints constraints = Minutes(minutes);
      constraints.set_seed(seed);
      SCOPED_TRACE(constraints.ShortDebugString());
      const Routine routine = Compose(constraints);
      ASSERT_GE(routine.steps_size(), 3);
      EXPECT_EQ(routine.steps(0).phase(),
                yoga::type::v1::ROUTINE_PHASE_WARM_UP);
      EXPECT_EQ(routine.steps(0).pose_id(), "sun-salutation");
      EXPECT_EQ(routine.steps(0).variation_id(), "sun-salutation-half");
      EXPECT_EQ(routine.steps(1).phase(), yoga::type::v1::ROUTINE_PHASE_MAIN);
      EXPECT_EQ(routine.steps().rbegin()->pose_id(), "childs-pose");
      ExpectWithinTolerance(routine, minutes);
    }
  }
  int full = 0;
  for (uint64_t seed = 0; seed < 10; ++seed) {
    Constraints constraints = Minutes(20);
    constraints.set_seed(seed);
    const Routine routine = Compose(constraints);
    if (routine.steps(0).pose_id() == "sun-salutation" &&
        routine.steps(0).variation_id().empty()) {
      ++full;
    }
  }
  EXPECT_GT(full, 0) << "no 20-minute class leads with the full salutation";
}

// Partners learn the field from docs/partners.md.
TEST(PartnerDocsTest, DocumentStandingOnly) {
  std::ifstream file(YOGA_SOURCE_DIR "/docs/partners.md");
  ASSERT_TRUE(file.good());
  std::stringstream text;
  text << file.rdbuf();
  EXPECT_TRUE(absl::StrContains(text.str(), "`standing_only`"))
      << "docs/partners.md does not document constraints.standing_only";
}

}  // namespace
}  // namespace yoga::planner
