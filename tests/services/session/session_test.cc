#include "services/session/session.h"

#include <atomic>
#include <memory>
#include <random>
#include <set>
#include <thread>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/common/errors.h"
#include "services/session/clock.h"
#include "services/session/session_registry.h"
#include "services/session/timeline_builder.h"
#include "tests/services/session/session_test_routines.h"

namespace yoga::session {
namespace {

using ::testing::HasSubstr;
using yoga::session::v1::CueEvent;
using yoga::session::v1::CueKind;

constexpr absl::Duration kLookahead = absl::Milliseconds(1500);

class SessionTest : public ::testing::Test {
 protected:
  SessionTest()
      : session_("s1", testing::PresetRoutine("runners-lower-back-four"), {},
                 testing::PresetTimeline(), {.lookahead = kLookahead},
                 clock_.Now()) {}

  // Every event the stream has to send now, until it would wait or finish.
  std::vector<CueEvent> Drain(StreamCursor& cursor, bool* finished = nullptr) {
    std::vector<CueEvent> events;
    for (;;) {
      StreamAction action = session_.Next(cursor, clock_.Now());
      if (action.kind == StreamAction::kSend) {
        events.push_back(action.event);
        continue;
      }
      if (finished != nullptr) *finished = action.kind == StreamAction::kFinish;
      if (action.kind == StreamAction::kWait) {
        EXPECT_GT(action.wake, clock_.Now());
      }
      return events;
    }
  }
  // Only the cues (seq > 0), skipping heartbeats.
  static std::vector<CueEvent> Cues(const std::vector<CueEvent>& events) {
    std::vector<CueEvent> cues;
    for (const CueEvent& event : events) {
      if (event.seq() > 0) cues.push_back(event);
    }
    return cues;
  }
  StreamCursor Open(int64_t after_seq = 0) {
    auto cursor = session_.OpenCursor(after_seq, clock_.Now());
    EXPECT_TRUE(cursor.ok()) << cursor.status();
    return *cursor;
  }
  // Moves time to `session_ms` of session time (the session is running).
  void RunTo(int64_t session_ms) {
    clock_.Advance(
        absl::Milliseconds(session_ms - session_.SessionTimeMs(clock_.Now())));
  }

  FakeClock clock_;
  Session session_;
  const Timeline& timeline_ = *testing::PresetTimeline();
};

TEST_F(SessionTest, CuesAreSentALookaheadBeforeTheirOffset) {
  StreamCursor cursor = Open();
  const int64_t first = timeline_.cues[0].offset_ms();
  RunTo(first - 1501);
  EXPECT_TRUE(Cues(Drain(cursor)).empty());
  RunTo(first - 1500);
  std::vector<CueEvent> cues = Cues(Drain(cursor));
  ASSERT_EQ(cues.size(), 1u);
  EXPECT_EQ(cues[0].seq(), 1);
  EXPECT_EQ(cues[0].offset_ms(), first);
  EXPECT_EQ(cues[0].session_time_ms(), first - 1500);
}

TEST_F(SessionTest, QuietStreamsGetHeartbeatsWithTheSessionTime) {
  StreamCursor cursor = Open();
  Drain(cursor);
  clock_.Advance(absl::Milliseconds(400));
  EXPECT_TRUE(Drain(cursor).empty());
  clock_.Advance(absl::Seconds(1));
  std::vector<CueEvent> events = Drain(cursor);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].kind(), yoga::session::v1::CUE_KIND_HEARTBEAT);
  EXPECT_EQ(events[0].seq(), 0);
  EXPECT_EQ(events[0].session_time_ms(), 1400);
}

TEST_F(SessionTest, PlaysToTheEndAndFinishesEveryCueOnce) {
  StreamCursor cursor = Open();
  std::vector<CueEvent> cues;
  bool finished = false;
  while (!finished) {
    clock_.Advance(absl::Milliseconds(700));
    for (const CueEvent& cue : Cues(Drain(cursor, &finished)))
      cues.push_back(cue);
  }
  ASSERT_EQ(cues.size(), timeline_.cues.size());
  for (size_t i = 0; i < cues.size(); ++i) {
    EXPECT_EQ(cues[i].seq(), static_cast<int64_t>(i) + 1);
    EXPECT_EQ(cues[i].offset_ms(), timeline_.cues[i].offset_ms());
  }
  EXPECT_EQ(session_.State(clock_.Now()),
            yoga::session::v1::SESSION_STATE_COMPLETED);
  EXPECT_EQ(
      session_.Control(yoga::session::v1::CONTROL_ACTION_PAUSE, clock_.Now())
          .code(),
      absl::StatusCode::kFailedPrecondition);
}

TEST_F(SessionTest, PauseStopsSessionTimeAndStreamsHearOfIt) {
  StreamCursor cursor = Open();
  RunTo(10000);
  Drain(cursor);
  ASSERT_TRUE(
      session_.Control(yoga::session::v1::CONTROL_ACTION_PAUSE, clock_.Now())
          .ok());
  EXPECT_EQ(
      session_.Control(yoga::session::v1::CONTROL_ACTION_PAUSE, clock_.Now())
          .code(),
      absl::StatusCode::kFailedPrecondition);
  std::vector<CueEvent> events = Drain(cursor);
  ASSERT_FALSE(events.empty());
  EXPECT_EQ(events[0].kind(), yoga::session::v1::CUE_KIND_PAUSED);
  EXPECT_EQ(events[0].offset_ms(), 10000);
  const int64_t last_before = cursor.last_seq;
  clock_.Advance(absl::Minutes(5));
  EXPECT_EQ(session_.SessionTimeMs(clock_.Now()), 10000);
  EXPECT_TRUE(Cues(Drain(cursor)).empty()) << "no cue falls due while paused";
  EXPECT_EQ(cursor.last_seq, last_before);
  // A client joining now hears first that the session is paused.
  StreamCursor late = Open(cursor.last_seq);
  events = Drain(late);
  ASSERT_FALSE(events.empty());
  EXPECT_EQ(events[0].kind(), yoga::session::v1::CUE_KIND_PAUSED);

  ASSERT_TRUE(
      session_.Control(yoga::session::v1::CONTROL_ACTION_RESUME, clock_.Now())
          .ok());
  events = Drain(cursor);
  ASSERT_FALSE(events.empty());
  EXPECT_EQ(events[0].kind(), yoga::session::v1::CUE_KIND_RESUMED);
  clock_.Advance(absl::Seconds(3));
  EXPECT_EQ(session_.SessionTimeMs(clock_.Now()), 13000);
  EXPECT_EQ(
      session_.Control(yoga::session::v1::CONTROL_ACTION_RESUME, clock_.Now())
          .code(),
      absl::StatusCode::kFailedPrecondition);
}

TEST_F(SessionTest, NextInAHoldEndsItWithdrawingCuesNotYetDue) {
  const TimelineStep& first = timeline_.steps[0];
  StreamCursor cursor = Open();
  RunTo(first.hold_start_ms + 2000);
  Drain(cursor);
  const int64_t sent = cursor.last_seq;
  ASSERT_TRUE(
      session_.Control(yoga::session::v1::CONTROL_ACTION_NEXT, clock_.Now())
          .ok());
  std::vector<CueEvent> events = Drain(cursor);
  // The withdrawal comes first, then the chime that ends the hold.
  ASSERT_GE(events.size(), 2u);
  EXPECT_EQ(events[0].kind(), yoga::session::v1::CUE_KIND_SKIPPED);
  EXPECT_EQ(events[0].offset_ms(), first.hold_start_ms + 2000);
  EXPECT_EQ(events[1].seq(), sent + 1);
  EXPECT_EQ(events[1].kind(), yoga::session::v1::CUE_KIND_CHIME);
  EXPECT_GE(events[1].offset_ms(), first.hold_start_ms + 2000);
  EXPECT_EQ(session_.ToProto(clock_.Now()).current_step_index(), 0);
  // Shorter by about the rest of the hold.
  const auto proto = session_.ToProto(clock_.Now());
  EXPECT_LT(
      proto.duration().seconds() * 1000,
      timeline_.end_ms - (first.hold_end_ms - first.hold_start_ms) + 5000);
}

TEST_F(SessionTest, NextAndPreviousMoveBetweenSteps) {
  const TimelineStep& second = timeline_.steps[1];
  RunTo(second.begin_ms + 500);  // Announcing the second step.
  EXPECT_EQ(session_.ToProto(clock_.Now()).current_step_index(), 1);
  ASSERT_TRUE(
      session_.Control(yoga::session::v1::CONTROL_ACTION_NEXT, clock_.Now())
          .ok());
  RunTo(session_.SessionTimeMs(clock_.Now()) + 1000);
  EXPECT_EQ(session_.ToProto(clock_.Now()).current_step_index(), 2);
  ASSERT_TRUE(
      session_.Control(yoga::session::v1::CONTROL_ACTION_PREVIOUS, clock_.Now())
          .ok());
  RunTo(session_.SessionTimeMs(clock_.Now()) + 1000);
  EXPECT_EQ(session_.ToProto(clock_.Now()).current_step_index(), 1);
  ASSERT_TRUE(
      session_.Control(yoga::session::v1::CONTROL_ACTION_PREVIOUS, clock_.Now())
          .ok());
  RunTo(session_.SessionTimeMs(clock_.Now()) + 1000);
  EXPECT_EQ(session_.ToProto(clock_.Now()).current_step_index(), 0);
  const absl::Status status = session_.Control(
      yoga::session::v1::CONTROL_ACTION_PREVIOUS, clock_.Now());
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(status.message()), HasSubstr("first step"));
}

TEST_F(SessionTest, NextAtTheEndIsRefused) {
  RunTo(timeline_.cues[timeline_.ending_cue].offset_ms() + 10);
  EXPECT_EQ(
      session_.Control(yoga::session::v1::CONTROL_ACTION_NEXT, clock_.Now())
          .code(),
      absl::StatusCode::kFailedPrecondition);
}

TEST_F(SessionTest, StopEndsStreamsWithAStoppedEvent) {
  StreamCursor cursor = Open();
  RunTo(20000);
  Drain(cursor);
  ASSERT_TRUE(
      session_.Control(yoga::session::v1::CONTROL_ACTION_STOP, clock_.Now())
          .ok());
  bool finished = false;
  std::vector<CueEvent> events = Drain(cursor, &finished);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].kind(), yoga::session::v1::CUE_KIND_STOPPED);
  EXPECT_EQ(events[0].offset_ms(), 20000);
  EXPECT_TRUE(finished);
  EXPECT_EQ(session_.State(clock_.Now()),
            yoga::session::v1::SESSION_STATE_STOPPED);
  for (auto action : {yoga::session::v1::CONTROL_ACTION_RESUME,
                      yoga::session::v1::CONTROL_ACTION_NEXT,
                      yoga::session::v1::CONTROL_ACTION_STOP}) {
    EXPECT_EQ(session_.Control(action, clock_.Now()).code(),
              absl::StatusCode::kFailedPrecondition);
  }
}

// A client that follows the whole session, and others that drop away at
// random moments and come back with after_seq, all end with the same cues:
// every seq once, in order, whatever controls happened in between.
TEST_F(SessionTest, ResumingAfterAnySeqGetsEveryLaterCueExactlyOnce) {
  std::mt19937 random(7);
  StreamCursor steady = Open();
  StreamCursor flaky = Open();
  std::vector<int64_t> steady_seqs, flaky_seqs;
  bool finished = false;
  bool flaky_connected = true;
  int jumps = 0, reconnects = 0, skipped_events = 0;
  for (int tick = 0; !finished && tick < 10000; ++tick) {
    clock_.Advance(absl::Milliseconds(random() % 900));
    switch (random() % 40) {
      case 0:
        jumps +=
            session_
                .Control(yoga::session::v1::CONTROL_ACTION_NEXT, clock_.Now())
                .ok();
        break;
      case 1:
        jumps += session_
                     .Control(yoga::session::v1::CONTROL_ACTION_PREVIOUS,
                              clock_.Now())
                     .ok();
        break;
      case 2:
        session_.Control(yoga::session::v1::CONTROL_ACTION_PAUSE, clock_.Now())
            .IgnoreError();
        break;
      case 3:
      case 4:
        session_.Control(yoga::session::v1::CONTROL_ACTION_RESUME, clock_.Now())
            .IgnoreError();
        break;
      case 5:
        flaky_connected = !flaky_connected;
        if (flaky_connected) {
          flaky = Open(flaky_seqs.empty() ? 0 : flaky_seqs.back());
          ++reconnects;
        }
        break;
    }
    for (const CueEvent& event : Drain(steady, &finished)) {
      if (event.seq() > 0) steady_seqs.push_back(event.seq());
      skipped_events += event.kind() == yoga::session::v1::CUE_KIND_SKIPPED;
    }
    if (flaky_connected) {
      for (const CueEvent& cue : Cues(Drain(flaky)))
        flaky_seqs.push_back(cue.seq());
    }
  }
  ASSERT_TRUE(finished);
  flaky = Open(flaky_seqs.empty() ? 0 : flaky_seqs.back());
  for (const CueEvent& cue : Cues(Drain(flaky)))
    flaky_seqs.push_back(cue.seq());
  ASSERT_EQ(steady_seqs.size(), static_cast<size_t>(session_.LastSeq()));
  for (size_t i = 0; i < steady_seqs.size(); ++i)
    ASSERT_EQ(steady_seqs[i], static_cast<int64_t>(i) + 1);
  EXPECT_EQ(flaky_seqs, steady_seqs);
  EXPECT_GE(jumps, 3);
  EXPECT_GE(reconnects, 3);
  EXPECT_GE(skipped_events, 3);
}

// A control that read the clock before a stream did, but took the lock after
// it, still never cuts the log below a cue already sent.
TEST_F(SessionTest, AControlWithAnOlderTimeKeepsTheCuesAlreadySent) {
  StreamCursor cursor = Open();
  const absl::Time older =
      clock_.Now() + absl::Milliseconds(timeline_.steps[1].begin_ms);
  RunTo(timeline_.steps[1].begin_ms + 3000);
  std::vector<CueEvent> sent = Cues(Drain(cursor));
  ASSERT_FALSE(sent.empty());
  ASSERT_TRUE(
      session_.Control(yoga::session::v1::CONTROL_ACTION_NEXT, older).ok());
  std::vector<CueEvent> events = Drain(cursor);
  ASSERT_GE(events.size(), 2u);
  EXPECT_EQ(events[0].kind(), yoga::session::v1::CUE_KIND_SKIPPED);
  EXPECT_EQ(events[1].seq(), sent.back().seq() + 1);
  StreamCursor replay = Open();
  std::vector<int64_t> seqs;
  for (const CueEvent& cue : Cues(Drain(replay))) seqs.push_back(cue.seq());
  ASSERT_EQ(seqs.size(), static_cast<size_t>(cursor.last_seq));
  EXPECT_EQ(seqs.back(), cursor.last_seq);
}

TEST_F(SessionTest, EndlessSkippingIsRefused) {
  RunTo(timeline_.steps[1].begin_ms + 100);
  absl::Status status;
  int jumps = 0;
  for (; jumps < 5000; ++jumps) {
    status = session_.Control(jumps % 2 == 0
                                  ? yoga::session::v1::CONTROL_ACTION_PREVIOUS
                                  : yoga::session::v1::CONTROL_ACTION_NEXT,
                              clock_.Now());
    if (!status.ok()) break;
    clock_.Advance(absl::Milliseconds(10));
  }
  EXPECT_EQ(status.code(), absl::StatusCode::kResourceExhausted) << status;
  EXPECT_EQ(jumps, 999);
  // Pausing and stopping still work.
  EXPECT_TRUE(
      session_.Control(yoga::session::v1::CONTROL_ACTION_STOP, clock_.Now())
          .ok());
}

TEST_F(SessionTest, AfterSeqBeyondTheLogIsRefused) {
  auto cursor = session_.OpenCursor(session_.LastSeq() + 1, clock_.Now());
  EXPECT_EQ(cursor.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(cursor.status().message()), HasSubstr("after_seq"));
}

TEST_F(SessionTest, StreamsPerSessionAreLimited) {
  ASSERT_TRUE(session_.AddStream([] {}, 2, clock_.Now()).ok());
  auto second = session_.AddStream([] {}, 2, clock_.Now());
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(session_.AddStream([] {}, 2, clock_.Now()).status().code(),
            absl::StatusCode::kResourceExhausted);
  session_.RemoveStream(*second, clock_.Now());
  EXPECT_TRUE(session_.AddStream([] {}, 2, clock_.Now()).ok());
}

TEST_F(SessionTest, ControlsWakeEveryStream) {
  int woken = 0;
  ASSERT_TRUE(session_.AddStream([&] { ++woken; }, 4, clock_.Now()).ok());
  ASSERT_TRUE(session_.AddStream([&] { ++woken; }, 4, clock_.Now()).ok());
  ASSERT_TRUE(
      session_.Control(yoga::session::v1::CONTROL_ACTION_PAUSE, clock_.Now())
          .ok());
  EXPECT_EQ(woken, 2);
}

TEST(SessionRegistryTest, SessionsExpireWhenIdleAndAreLimited) {
  FakeClock clock;
  SessionRegistry registry(clock,
                           {.max_sessions = 2,
                            .max_streams_per_session = 4,
                            .idle_timeout = absl::Minutes(10)},
                           {});
  const auto& routine = testing::PresetRoutine("runners-lower-back-four");
  auto first = registry.Create(routine, {}, testing::PresetTimeline());
  ASSERT_TRUE(first.ok());
  auto second = registry.Create(routine, {}, testing::PresetTimeline());
  ASSERT_TRUE(second.ok());
  EXPECT_NE((*first)->id(), (*second)->id());
  auto third = registry.Create(routine, {}, testing::PresetTimeline());
  EXPECT_EQ(third.status().code(), absl::StatusCode::kResourceExhausted);

  // A streamed session stays; an idle one goes after ten minutes.
  ASSERT_TRUE((*second)->AddStream([] {}, 4, clock.Now()).ok());
  clock.Advance(absl::Minutes(9));
  EXPECT_EQ(registry.ExpireIdle(), 0);
  clock.Advance(absl::Minutes(2));
  EXPECT_EQ(registry.ExpireIdle(), 1);
  EXPECT_EQ(registry.Find((*first)->id()).status().code(),
            absl::StatusCode::kNotFound);
  // A stream that found the session just before it expired cannot join it.
  EXPECT_EQ((*first)->AddStream([] {}, 4, clock.Now()).status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_TRUE(registry.Find((*second)->id()).ok());
  EXPECT_TRUE(registry.Create(routine, {}, testing::PresetTimeline()).ok());
}

TEST(SessionRegistryTest, StartsAtOnceByOneKeyStayWithinItsShare) {
  FakeClock clock;
  SessionRegistry registry(
      clock, {.max_sessions = 100, .max_sessions_per_owner = 3}, {});
  const auto& routine = testing::PresetRoutine("runners-lower-back-four");
  std::atomic<int> started{0};
  std::vector<std::thread> starters;
  for (int i = 0; i < 12; ++i) {
    starters.emplace_back([&] {
      if (registry
              .Create(routine, {}, testing::PresetTimeline(), {.owner = "acme"})
              .ok()) {
        ++started;
      }
    });
  }
  for (std::thread& starter : starters) starter.join();
  EXPECT_EQ(started.load(), 3);
  EXPECT_EQ(registry.size(), 3u);
}

TEST(SessionRegistryTest, EachKeyHoldsAtMostItsShareOfSessions) {
  FakeClock clock;
  SessionRegistry registry(clock,
                           {.max_sessions = 10,
                            .max_sessions_per_owner = 2,
                            .idle_timeout = absl::Minutes(10)},
                           {});
  const auto& routine = testing::PresetRoutine("runners-lower-back-four");
  auto start = [&](std::string owner) {
    return registry.Create(routine, {}, testing::PresetTimeline(),
                           {.owner = std::move(owner)});
  };
  ASSERT_TRUE(start("acme").ok());
  ASSERT_TRUE(start("acme").ok());
  auto third = start("acme");
  EXPECT_EQ(third.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(ReasonOf(third.status()), "KEY_SESSION_LIMIT");
  EXPECT_THAT(third.status().message(), HasSubstr("acme holds 2 sessions"));
  // Another key, and keyless use, have places of their own.
  EXPECT_TRUE(start("coachco").ok());
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(start("").ok()) << i;

  // Sessions let go when idle give their places back, and no more.
  clock.Advance(absl::Minutes(11));
  EXPECT_EQ(registry.ExpireIdle(), 6);
  EXPECT_TRUE(start("acme").ok());
  EXPECT_TRUE(start("acme").ok());
  EXPECT_EQ(ReasonOf(start("acme").status()), "KEY_SESSION_LIMIT");
}

}  // namespace
}  // namespace yoga::session
