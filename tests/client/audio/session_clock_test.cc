#include "client/audio/session_clock.h"

#include <cstdint>

#include "gtest/gtest.h"

namespace yoga::client::audio {
namespace {

constexpr int64_t kMinute = 60 * 1000;
constexpr int64_t kHour = 60 * kMinute;

TEST(SessionClockTest, StartsAtFrameZeroUntilAnchored) {
  SessionClock clock(48000);
  EXPECT_FALSE(clock.anchored());
  EXPECT_EQ(clock.FrameOf(0), 0);
  EXPECT_EQ(clock.FrameOf(1000), 48000);
}

TEST(SessionClockTest, PlaysTheAnchorTimeAtTheAnchorFrame) {
  SessionClock clock(48000);
  clock.Anchor(12345, 777);
  EXPECT_TRUE(clock.anchored());
  EXPECT_EQ(clock.FrameOf(12345), 777);
  EXPECT_EQ(clock.FrameOf(12346), 777 + 48);
  EXPECT_EQ(clock.FrameOf(12344), 777 - 48);
  EXPECT_EQ(clock.SessionMsOf(777), 12345);
}

TEST(SessionClockTest, RoundsToTheNearestFrame) {
  SessionClock clock(44100);  // 44.1 frames a millisecond.
  EXPECT_EQ(clock.FrameOf(1), 44);
  EXPECT_EQ(clock.FrameOf(9), 397);   // 396.9
  EXPECT_EQ(clock.FrameOf(5), 221);   // 220.5: halves round up.
  EXPECT_EQ(clock.FrameOf(-1), -44);  // -44.1
  EXPECT_EQ(clock.FrameOf(-9), -397);
  EXPECT_EQ(clock.FrameOf(-5), -220);  // -220.5 rounds up too.
}

TEST(SessionClockTest, IsExactTwentyMinutesIn) {
  SessionClock clock(44100);
  clock.Anchor(1500, 96000);
  EXPECT_EQ(clock.FrameOf(1500 + 20 * kMinute), 96000 + 52'920'000);
  EXPECT_EQ(clock.FrameOf(1500 + 20 * kMinute + 1), 96000 + 52'920'044);
  SessionClock at48k(48000);
  at48k.Anchor(1500, 96000);
  EXPECT_EQ(at48k.FrameOf(1500 + 20 * kMinute), 96000 + 57'600'000);
}

TEST(SessionClockTest, IsExactTenHoursIn) {
  SessionClock clock(44100);
  clock.Anchor(250, 4410);
  EXPECT_EQ(clock.FrameOf(250 + 10 * kHour), 4410 + 1'587'600'000);
  EXPECT_EQ(clock.FrameOf(250 + 10 * kHour + 7), 4410 + 1'587'600'309);  // .7
  EXPECT_EQ(clock.SessionMsOf(4410 + 1'587'600'309), 250 + 10 * kHour + 7);
  SessionClock at96k(96000);
  at96k.Anchor(0, 0);
  EXPECT_EQ(at96k.FrameOf(10 * kHour), 3'456'000'000);
}

TEST(SessionClockTest, StepsEvenlyWithNoDriftOverTenHours) {
  // Cue by cue, frames always follow the one formula: no error builds up.
  SessionClock clock(44100);
  clock.Anchor(0, 0);
  int64_t previous = clock.FrameOf(0);
  for (int64_t ms = 37; ms <= 10 * kHour; ms += 37 * 997) {
    const int64_t frame = clock.FrameOf(ms);
    EXPECT_GT(frame, previous);
    EXPECT_LE(frame * 1000 - ms * 44100, 500);  // Within half a frame.
    EXPECT_GE(frame * 1000 - ms * 44100, -500);
    EXPECT_EQ(clock.SessionMsOf(frame), ms);
    previous = frame;
  }
}

TEST(SessionClockTest, ReanchoringMovesLaterTimes) {
  SessionClock clock(48000);
  clock.Anchor(0, 1000);
  EXPECT_EQ(clock.FrameOf(2000), 1000 + 96000);
  clock.Anchor(2000, 200000);
  EXPECT_EQ(clock.FrameOf(2000), 200000);
  EXPECT_EQ(clock.FrameOf(3000), 248000);
}

}  // namespace
}  // namespace yoga::client::audio
