#include "client/text/routine_text.h"

#include "gmock/gmock.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"

namespace yoga::client {
namespace {

using ::testing::HasSubstr;

TEST(RoutineTextTest, ShowsEachStepAtItsStartTime) {
  yoga::type::v1::Routine routine;
  ASSERT_TRUE(google::protobuf::TextFormat::ParseFromString(R"(
      id: "abc" title: "Test" total_duration { seconds: 130 }
      steps { pose_id: "low-lunge" side: SIDE_RIGHT hold_unit: HOLD_UNIT_SECONDS hold_count: 30
              hold { seconds: 30 } transition { seconds: 20 } reason: "Opens the hips." }
      steps { pose_id: "low-lunge" side: SIDE_LEFT hold_unit: HOLD_UNIT_SECONDS hold_count: 30
              hold { seconds: 30 } transition { seconds: 5 } reason: "Left side." }
      steps { pose_id: "cat-cow" hold_unit: HOLD_UNIT_REPETITIONS hold_count: 10
              hold { seconds: 40 } transition { seconds: 5 } reason: "Moves the spine." })",
                                                            &routine));
  const std::string text = FormatRoutine(routine, {{"low-lunge", "Low Lunge"}});
  EXPECT_THAT(text, HasSubstr("Test  (2:10, routine abc)"));
  EXPECT_THAT(text, ::testing::ContainsRegex(
                        "0:20  Low Lunge, right side +30 s +Opens the hips."));
  EXPECT_THAT(text, ::testing::ContainsRegex("0:55  Low Lunge, left side"));
  EXPECT_THAT(text, ::testing::ContainsRegex("1:30  cat-cow +10 rounds"));
  EXPECT_THAT(text, HasSubstr("2:10  end"));
}

}  // namespace
}  // namespace yoga::client
