#include "client/text/plan_request.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace yoga::client {
namespace {

using ::testing::HasSubstr;

TEST(PlanRequestTest, APresetIsAskedForByIdAlone) {
  PlanOptions options;
  options.preset = "backside-strength";
  options.no_floor = true;  // Ignored: a preset is fixed.
  auto request = MakePlanRequest(options);
  ASSERT_TRUE(request.ok()) << request.status();
  EXPECT_EQ(request->preset_id(), "backside-strength");
  EXPECT_FALSE(request->has_breath_length()) << "the preset's own breath";
}

TEST(PlanRequestTest, APresetCanBeAskedForAtTheRunnersBreath) {
  PlanOptions options;
  options.preset = "postrun-low-back-stretches";
  options.breath_seconds = 6.5;
  auto request = MakePlanRequest(options);
  ASSERT_TRUE(request.ok()) << request.status();
  EXPECT_EQ(request->preset_id(), "postrun-low-back-stretches");
  EXPECT_EQ(request->breath_length().seconds(), 6);
  EXPECT_EQ(request->breath_length().nanos(), 500000000);

  // play and render send the same compose request.
  SessionRequestOptions session;
  session.plan = options;
  auto start = MakeSessionRequest(session);
  ASSERT_TRUE(start.ok()) << start.status();
  EXPECT_EQ(start->compose().preset_id(), "postrun-low-back-stretches");
  EXPECT_EQ(start->compose().breath_length().seconds(), 6);
}

TEST(PlanRequestTest, ConstraintsComeFromCommandLineNames) {
  PlanOptions options;
  options.minutes = 15;
  options.focus = {"lower-back", "hip-flexors"};
  options.level = "intermediate";
  options.moment = "rest-day";
  options.no_floor = true;
  options.props = {"mat", "wall"};
  options.exclude = {"bow"};
  options.conditions = {"sensitive-knees"};
  options.breath_seconds = 6.5;
  options.seed = 9;
  auto request = MakePlanRequest(options);
  ASSERT_TRUE(request.ok()) << request.status();
  const auto& constraints = request->constraints();
  EXPECT_EQ(constraints.target_duration().seconds(), 900);
  EXPECT_THAT(constraints.focus_areas(),
              ::testing::ElementsAre(yoga::type::v1::BODY_AREA_LOWER_BACK,
                                     yoga::type::v1::BODY_AREA_HIP_FLEXORS));
  EXPECT_EQ(constraints.max_level(), yoga::type::v1::LEVEL_INTERMEDIATE);
  EXPECT_EQ(constraints.moment(), yoga::planner::v1::MOMENT_REST_DAY);
  EXPECT_TRUE(constraints.no_floor());
  EXPECT_EQ(constraints.props_available().props_size(), 2);
  EXPECT_EQ(constraints.excluded_pose_ids(0), "bow");
  EXPECT_EQ(constraints.conditions(0),
            yoga::type::v1::CONDITION_SENSITIVE_KNEES);
  EXPECT_EQ(constraints.breath_length().seconds(), 6);
  EXPECT_EQ(constraints.breath_length().nanos(), 500000000);
  EXPECT_EQ(constraints.seed(), 9u);
}

TEST(PlanRequestTest, StandingOnlyIsSent) {
  PlanOptions options;
  EXPECT_FALSE(MakePlanRequest(options)->constraints().standing_only());
  options.standing_only = true;
  auto request = MakePlanRequest(options);
  ASSERT_TRUE(request.ok()) << request.status();
  EXPECT_TRUE(request->constraints().standing_only());
}

TEST(PlanRequestTest, NoPropsAtAllIsAnEmptySet) {
  PlanOptions options;
  options.props = {"none"};
  auto request = MakePlanRequest(options);
  ASSERT_TRUE(request.ok());
  EXPECT_TRUE(request->constraints().has_props_available());
  EXPECT_EQ(request->constraints().props_available().props_size(), 0);
}

TEST(PlanRequestTest, NamesTheFlagItDoesNotUnderstand) {
  PlanOptions options;
  options.focus = {"ankles"};
  EXPECT_THAT(std::string(MakePlanRequest(options).status().message()),
              HasSubstr("--focus=ankles: not one of lower-back"));
  options.focus.clear();
  options.minutes = 90;
  EXPECT_THAT(std::string(MakePlanRequest(options).status().message()),
              HasSubstr("--minutes=90: must be 2 to 60"));
  options.minutes = 10;
  options.level = "expert";
  EXPECT_THAT(std::string(MakePlanRequest(options).status().message()),
              HasSubstr("--level=expert"));
}

}  // namespace
}  // namespace yoga::client
