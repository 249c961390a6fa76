#include "client/text/pose_text.h"

#include "gmock/gmock.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"

namespace yoga::client {
namespace {

using ::testing::HasSubstr;

yoga::catalog::v1::Pose Lunge() {
  yoga::catalog::v1::Pose pose;
  google::protobuf::TextFormat::ParseFromString(
      R"(id: "low-lunge" name: "Low Lunge" sanskrit_name: "Anjaneyasana"
         position: BODY_POSITION_KNEELING kind: POSE_KIND_STATIC_STRETCH level: LEVEL_BEGINNER
         sided: true
         hold { unit: HOLD_UNIT_SECONDS default_count: 30 min_count: 20 max_count: 60 }
         setup_cues { key: "low-lunge.setup.step-right" text: "Step your right foot forward." side: SIDE_RIGHT }
         variations { id: "low-lunge-side-stretch" name: "Low Lunge with Side Stretch" level: LEVEL_BEGINNER }
         sources: "000_03556a3cf9a37679.txt")",
      &pose);
  return pose;
}

TEST(PoseTextTest, DescribesHoldsInTheirUnit) {
  yoga::type::v1::HoldRange hold;
  hold.set_unit(yoga::type::v1::HOLD_UNIT_SECONDS);
  hold.set_min_count(30);
  hold.set_default_count(45);
  hold.set_max_count(60);
  EXPECT_EQ(DescribeHold(hold), "30-60 s (usually 45)");
  hold.set_unit(yoga::type::v1::HOLD_UNIT_BREATHS);
  hold.set_min_count(5);
  hold.set_default_count(5);
  hold.set_max_count(5);
  EXPECT_EQ(DescribeHold(hold), "5 breaths");
}

TEST(PoseTextTest, TableHasOneRowPerPose) {
  const std::string table = FormatPoseTable({Lunge()});
  EXPECT_THAT(table, HasSubstr("low-lunge"));
  EXPECT_THAT(table, HasSubstr("kneeling"));
  EXPECT_THAT(table, HasSubstr("static stretch"));
  EXPECT_THAT(table, HasSubstr("both"));
  EXPECT_EQ(std::count(table.begin(), table.end(), '\n'), 2);
}

TEST(PoseTextTest, SheetShowsCuesVariationsAndSources) {
  const std::string sheet = FormatPoseSheet(Lunge());
  EXPECT_THAT(sheet, HasSubstr("Low Lunge (Anjaneyasana)  [low-lunge]"));
  EXPECT_THAT(sheet, HasSubstr("[right] Step your right foot forward.  "
                               "{low-lunge.setup.step-right}"));
  EXPECT_THAT(
      sheet,
      HasSubstr(
          "Variation: Low Lunge with Side Stretch  [low-lunge-side-stretch]"));
  EXPECT_THAT(sheet, HasSubstr("Sources: 000_03556a3cf9a37679.txt"));
}

}  // namespace
}  // namespace yoga::client
