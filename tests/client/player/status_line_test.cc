#include "client/player/status_line.h"

#include <map>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace yoga::client {
namespace {

using yoga::session::v1::SessionTimeline;
using yoga::type::v1::Routine;

// Three steps: a pose on its left side, a variation on its right side, and a
// pose nobody has a name for. Holds: 10-40 s, 60-90 s, 120-150 s.
class StatusLineTest : public ::testing::Test {
 protected:
  StatusLineTest() {
    auto* lunge = routine_.add_steps();
    lunge->set_pose_id("low-lunge");
    lunge->set_side(yoga::type::v1::SIDE_LEFT);
    auto* kneeling = routine_.add_steps();
    kneeling->set_pose_id("low-lunge");
    kneeling->set_variation_id("low-lunge-knee-down");
    kneeling->set_side(yoga::type::v1::SIDE_RIGHT);
    routine_.add_steps()->set_pose_id("mystery-pose");
    for (int64_t start : {10000, 60000, 120000}) {
      auto* step = timeline_.add_steps();
      step->set_begin_ms(start - 5000);
      step->set_hold_start_ms(start);
      step->set_hold_end_ms(start + 30000);
    }
    names_ = {{"low-lunge", "Low Lunge"},
              {"low-lunge-knee-down", "Kneeling Low Lunge"}};
    state_.end_ms = 600000;  // 10:00.
  }

  std::string Line() const {
    return FormatStatusLine(state_, routine_, timeline_, names_);
  }

  Routine routine_;
  SessionTimeline timeline_;
  std::map<std::string, std::string> names_;
  PlayerState state_;
};

TEST_F(StatusLineTest, BeforeTheFirstStepItSaysSettleIn) {
  state_.now_ms = 2000;
  state_.step_index = -1;
  EXPECT_EQ(Line(), "▶ settle in · 9:58 left · vol 100%");
}

TEST_F(StatusLineTest, AfterTheLastStepItSaysClosing) {
  state_.now_ms = 590000;
  state_.step_index = 3;  // Past the routine's steps: the summary.
  EXPECT_EQ(Line(), "▶ closing · 0:10 left · vol 100%");
}

TEST_F(StatusLineTest, InAHoldItShowsWhatIsLeftOfItRoundedUp) {
  state_.now_ms = 16500;  // 23.5 s of the hold left: shows 0:24.
  state_.step_index = 0;
  state_.volume = 0.8f;
  EXPECT_EQ(Line(),
            "▶ Low Lunge, left side · hold 0:24 · step 1 of 3 · 9:44 left · "
            "vol 80%");
  state_.now_ms = 10000;  // The hold's first millisecond: all of it.
  EXPECT_THAT(Line(), ::testing::HasSubstr(" · hold 0:30 · "));
  state_.now_ms = 39999;  // Its last: 1 ms shows as 0:01.
  EXPECT_THAT(Line(), ::testing::HasSubstr(" · hold 0:01 · "));
}

TEST_F(StatusLineTest, OutsideTheHoldThereIsNoHoldClock) {
  state_.step_index = 0;
  state_.now_ms = 6000;  // Getting into the pose.
  EXPECT_EQ(Line(),
            "▶ Low Lunge, left side · step 1 of 3 · 9:54 left · vol 100%");
  state_.now_ms = 40000;  // The chime: the hold is over.
  EXPECT_EQ(Line(),
            "▶ Low Lunge, left side · step 1 of 3 · 9:20 left · vol 100%");
}

TEST_F(StatusLineTest, AVariationIsNamedAsTheVariation) {
  state_.step_index = 1;
  state_.now_ms = 75000;
  EXPECT_EQ(Line(),
            "▶ Kneeling Low Lunge, right side · hold 0:15 · step 2 of 3 · "
            "8:45 left · vol 100%");
}

TEST_F(StatusLineTest, AnIdWithoutANameIsShownAsTheId) {
  state_.step_index = 2;
  state_.now_ms = 100000;
  EXPECT_EQ(Line(), "▶ mystery-pose · step 3 of 3 · 8:20 left · vol 100%");
  names_.clear();
  state_.step_index = 1;
  EXPECT_THAT(Line(),
              ::testing::StartsWith("▶ low-lunge-knee-down, right side"));
}

TEST_F(StatusLineTest, PausedVolumeAndTimeLeft) {
  state_.step_index = 0;
  state_.now_ms = 20000;
  state_.paused = true;
  state_.volume = 0.0f;
  EXPECT_EQ(Line(),
            "|| paused · Low Lunge, left side · hold 0:20 · step 1 of 3 · "
            "9:40 left · vol 0%");
  state_.paused = false;
  state_.volume = 0.25f;
  state_.end_ms = 20000 + 3725000;  // An hour, 2 minutes and 5 s: in minutes.
  EXPECT_EQ(Line(),
            "▶ Low Lunge, left side · hold 0:20 · step 1 of 3 · 62:05 left · "
            "vol 25%");
  state_.end_ms = 19000;  // Past the end: never negative.
  EXPECT_THAT(Line(), ::testing::EndsWith(" · 0:00 left · vol 25%"));
}

TEST_F(StatusLineTest, TheHoldMovesWithTheShiftAfterASkip) {
  state_.step_index = 1;
  state_.shift_ms = -20000;  // NEXT: the rest of the session came 20 s early.
  state_.end_ms = 580000;
  state_.now_ms = 45000;  // Planned hold 60-90 s; live 40-70 s.
  EXPECT_EQ(Line(),
            "▶ Kneeling Low Lunge, right side · hold 0:25 · step 2 of 3 · "
            "8:55 left · vol 100%");
  state_.now_ms = 75000;  // In the planned hold, after the live one.
  EXPECT_THAT(Line(), ::testing::Not(::testing::HasSubstr("hold")));

  state_.shift_ms = 7000;  // PREVIOUS: it came 7 s late.
  state_.now_ms = 62000;   // Planned 60-90 s; live 67-97 s.
  EXPECT_THAT(Line(), ::testing::Not(::testing::HasSubstr("hold")));
  state_.now_ms = 95500;
  EXPECT_THAT(Line(), ::testing::HasSubstr(" · hold 0:02 · "));
}

TEST_F(StatusLineTest, AStepTheTimelineLacksHasNoHoldClock) {
  timeline_.clear_steps();
  state_.step_index = 0;
  state_.now_ms = 20000;
  EXPECT_EQ(Line(),
            "▶ Low Lunge, left side · step 1 of 3 · 9:40 left · vol 100%");
}

}  // namespace
}  // namespace yoga::client
