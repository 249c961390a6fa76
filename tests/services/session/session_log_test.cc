// SessionLog's STAY_LONGER: the hold grows by one breath, everything after it
// moves by that breath, seqs keep rising by one with nothing reused, and a
// stream resuming after any seq hears every later cue exactly once. And a
// class's controls, which act a little after they are made.
#include "services/session/session_log.h"

#include <algorithm>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/common/errors.h"
#include "services/session/phrases.h"
#include "services/session/timeline_builder.h"
#include "tests/services/session/session_test_routines.h"

namespace yoga::session {
namespace {

using ::testing::HasSubstr;
using yoga::session::v1::CueEvent;

constexpr int64_t kBreathMs = 5000;
constexpr int64_t kPromptMs = 1800;
constexpr StreamTiming kTiming{.lookahead = absl::Milliseconds(1500)};
const absl::Time kStart = absl::FromUnixSeconds(1'800'000'000);

const Timeline& PresetTimeline() { return *testing::PresetTimeline(); }

HoldExtension Extension(int64_t breath_ms = kBreathMs,
                        int64_t prompt_ms = kPromptMs) {
  HoldExtension extension;
  extension.breath_ms = breath_ms;
  extension.cue.set_kind(yoga::session::v1::CUE_KIND_INSTRUCTION);
  extension.cue.set_prompt_key(phrases::StayLonger().key);
  extension.cue.set_text(phrases::StayLonger().text);
  extension.cue.set_duration_ms(prompt_ms);
  return extension;
}

// The step with the longest hold, neither the first nor the last: room for
// several extensions, and a step before and after it.
int LongestHold() {
  const Timeline& timeline = PresetTimeline();
  int best = 1;
  for (int i = 1; i + 1 < static_cast<int>(timeline.steps.size()); ++i) {
    const TimelineStep& step = timeline.steps[i];
    const TimelineStep& longest = timeline.steps[best];
    if (step.hold_end_ms - step.hold_start_ms >
        longest.hold_end_ms - longest.hold_start_ms)
      best = i;
  }
  return best;
}

absl::Time At(int64_t session_ms) {
  return kStart + absl::Milliseconds(session_ms);
}

// A client: what it received and, applying SKIPPED/STOPPED withdrawals as
// CueScheduler does, what it plays.
struct Listener {
  StreamCursor cursor;
  std::vector<int64_t> seqs;    // Every cue received, in order.
  std::vector<CueEvent> plays;  // What is left to play after withdrawals.
  int skipped = 0;
  bool finished = false;

  void Take(const CueEvent& event) {
    if (event.kind() == yoga::session::v1::CUE_KIND_SKIPPED ||
        event.kind() == yoga::session::v1::CUE_KIND_STOPPED) {
      ++skipped;
      std::erase_if(plays, [&](const CueEvent& cue) {
        return cue.offset_ms() > event.offset_ms();
      });
    }
    if (event.seq() <= 0) return;
    seqs.push_back(event.seq());
    plays.push_back(event);
  }
  // Takes everything the log has for this stream at `now`.
  void Drain(const SessionLog& log, absl::Time now) {
    for (;;) {
      StreamAction action = log.Next(cursor, now);
      if (action.kind == StreamAction::kFinish) finished = true;
      if (action.kind != StreamAction::kSend) return;
      Take(action.event);
    }
  }
};

// Listens from `from_ms` up to `to_ms` (both included) in steps of at most
// 250 ms of session time.
void ListenUntil(const SessionLog& log, Listener& listener, int64_t from_ms,
                 int64_t to_ms) {
  for (int64_t ms = from_ms; ms < to_ms; ms += 250) listener.Drain(log, At(ms));
  listener.Drain(log, At(to_ms));
}

// Listens from `from_ms` to the end in steps of 250 ms of session time.
void PlayToEnd(const SessionLog& log, Listener& listener, int64_t from_ms) {
  for (int64_t ms = from_ms; !listener.finished && ms < from_ms + 3'600'000;
       ms += 250) {
    listener.Drain(log, At(ms));
  }
  ASSERT_TRUE(listener.finished);
}

std::vector<std::string> Lines(const std::vector<CueEvent>& cues) {
  std::vector<std::string> lines;
  for (const CueEvent& cue : cues) {
    lines.push_back(absl::StrCat(cue.offset_ms(), " ", cue.prompt_key()));
  }
  return lines;
}

void ExpectSeqsOneByOne(const std::vector<int64_t>& seqs, int64_t from,
                        int64_t last) {
  ASSERT_EQ(static_cast<int64_t>(seqs.size()), last - from);
  for (size_t i = 0; i < seqs.size(); ++i)
    ASSERT_EQ(seqs[i], from + 1 + static_cast<int64_t>(i)) << "at " << i;
}

void ExpectNoOverlap(const std::vector<CueEvent>& plays) {
  for (size_t i = 1; i < plays.size(); ++i) {
    EXPECT_GE(plays[i].offset_ms(),
              plays[i - 1].offset_ms() + plays[i - 1].duration_ms())
        << plays[i].prompt_key() << " starts over "
        << plays[i - 1].prompt_key();
  }
}

class SessionLogStayLongerTest : public ::testing::Test {
 protected:
  SessionLog NewLog(HoldExtension extension = Extension()) {
    return SessionLog(testing::PresetTimeline(), std::move(extension), kTiming,
                      kStart);
  }
  static absl::Status Stay(SessionLog& log, int64_t session_ms) {
    return log.Apply(yoga::session::v1::CONTROL_ACTION_STAY_LONGER,
                     At(session_ms), "s1");
  }

  const Timeline& timeline_ = PresetTimeline();
  const int step_ = LongestHold();
  const TimelineStep& hold_ = timeline_.steps[step_];
};

TEST_F(SessionLogStayLongerTest, MovesEverythingAfterItByOneBreath) {
  ASSERT_GE(hold_.hold_end_ms - hold_.hold_start_ms, 20000);
  SessionLog log = NewLog();
  Listener listener;
  listener.cursor = *log.OpenCursor(0);
  // Mid-hold, with the next cues already sent ahead.
  const int64_t t = hold_.hold_start_ms + 6000;
  ListenUntil(log, listener, 0, t);
  const int64_t sent = listener.cursor.last_seq;
  ASSERT_TRUE(Stay(log, t).ok());
  EXPECT_EQ(log.EndMs(), timeline_.end_ms + kBreathMs);
  EXPECT_EQ(log.ExtraBreaths(t), 1);
  EXPECT_EQ(log.StepAt(t), step_);
  EXPECT_EQ(log.State(At(t)), yoga::session::v1::SESSION_STATE_RUNNING);

  // Right away: the withdrawal at t, then the prompt with the next seq.
  std::vector<CueEvent> now;
  for (;;) {
    StreamAction action = log.Next(listener.cursor, At(t));
    if (action.kind != StreamAction::kSend) break;
    now.push_back(action.event);
    listener.Take(action.event);
  }
  ASSERT_GE(now.size(), 2u);
  EXPECT_EQ(now[0].kind(), yoga::session::v1::CUE_KIND_SKIPPED);
  EXPECT_EQ(now[0].offset_ms(), t);
  EXPECT_EQ(now[1].seq(), sent + 1);
  EXPECT_EQ(now[1].prompt_key(), "hold.stay-longer");
  EXPECT_EQ(now[1].text(), "Stay for one more breath.");
  EXPECT_EQ(now[1].step_index(), step_);
  EXPECT_EQ(now[1].pose_id(), timeline_.cues[hold_.hold_start_cue].pose_id());
  EXPECT_GE(now[1].offset_ms(), t);
  PlayToEnd(log, listener, t + 250);

  // What plays: the timeline as planned up to t, the prompt, then every
  // later cue one breath later.
  std::vector<CueEvent> expected;
  for (const CueEvent& cue : timeline_.cues) {
    if (cue.offset_ms() > t) break;
    expected.push_back(cue);
  }
  expected.push_back(now[1]);
  for (const CueEvent& cue : timeline_.cues) {
    if (cue.offset_ms() <= t) continue;
    CueEvent moved = cue;
    moved.set_offset_ms(cue.offset_ms() + kBreathMs);
    expected.push_back(moved);
  }
  EXPECT_EQ(Lines(listener.plays), Lines(expected));
  ExpectNoOverlap(listener.plays);
  // The chime that ends the hold, one breath later.
  const auto chime = std::find_if(
      listener.plays.begin(), listener.plays.end(), [&](const CueEvent& cue) {
        return cue.kind() == yoga::session::v1::CUE_KIND_CHIME &&
               cue.step_index() == step_;
      });
  ASSERT_NE(chime, listener.plays.end());
  EXPECT_EQ(chime->offset_ms(), hold_.hold_end_ms + kBreathMs);
  ExpectSeqsOneByOne(listener.seqs, 0, log.LastSeq());
  EXPECT_EQ(listener.skipped, 1);
  EXPECT_EQ(log.State(At(timeline_.end_ms + kBreathMs)),
            yoga::session::v1::SESSION_STATE_COMPLETED);
  EXPECT_EQ(log.State(At(timeline_.end_ms + kBreathMs - 1)),
            yoga::session::v1::SESSION_STATE_RUNNING);
}

TEST_F(SessionLogStayLongerTest, WaitsForThePromptPlayingAndKeepsWhatItSent) {
  SessionLog log = NewLog();
  Listener listener;
  listener.cursor = *log.OpenCursor(0);
  // Just as the hold is announced: its prompt plays on, the extension's
  // follows it.
  const int64_t t = hold_.hold_start_ms + 10;
  const CueEvent& announced = timeline_.cues[hold_.hold_start_cue];
  ListenUntil(log, listener, 0, t);
  ASSERT_TRUE(Stay(log, t).ok());
  PlayToEnd(log, listener, t);
  auto prompt = std::find_if(listener.plays.begin(), listener.plays.end(),
                             [](const CueEvent& cue) {
                               return cue.prompt_key() == "hold.stay-longer";
                             });
  ASSERT_NE(prompt, listener.plays.end());
  ASSERT_NE(prompt, listener.plays.begin());
  EXPECT_EQ(std::prev(prompt)->prompt_key(), announced.prompt_key());
  EXPECT_EQ(prompt->offset_ms(),
            announced.offset_ms() + announced.duration_ms() + 300);
  ExpectNoOverlap(listener.plays);
  ExpectSeqsOneByOne(listener.seqs, 0, log.LastSeq());
}

TEST_F(SessionLogStayLongerTest, EachPressSaysItsPromptAndAddsItsBreath) {
  SessionLog log = NewLog();
  Listener listener;
  listener.cursor = *log.OpenCursor(0);
  const int64_t t = hold_.hold_start_ms + 10;
  ListenUntil(log, listener, 0, t);
  // Three presses before the first prompt has begun.
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(Stay(log, t + i).ok());
  EXPECT_EQ(log.ExtraBreaths(t + 2), 3);
  EXPECT_EQ(log.EndMs(), timeline_.end_ms + 3 * kBreathMs);
  PlayToEnd(log, listener, t + 2);
  const auto said = std::count_if(
      listener.plays.begin(), listener.plays.end(), [](const CueEvent& cue) {
        return cue.prompt_key() == "hold.stay-longer";
      });
  EXPECT_EQ(said, 3);
  ExpectNoOverlap(listener.plays);
  ExpectSeqsOneByOne(listener.seqs, 0, log.LastSeq());
}

TEST_F(SessionLogStayLongerTest, AHoldTakesAtMostSixMoreBreaths) {
  SessionLog log = NewLog();
  int64_t t = hold_.hold_start_ms + 1000;
  for (int i = 0; i < kMaxExtraBreaths; ++i, t += 1000)
    ASSERT_TRUE(Stay(log, t).ok()) << i;
  const absl::Status refused = Stay(log, t);
  EXPECT_EQ(refused.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(refused.message()), HasSubstr("6 breaths longer"));
  EXPECT_EQ(log.EndMs(), timeline_.end_ms + kMaxExtraBreaths * kBreathMs);
  // The next hold may be lengthened again.
  const TimelineStep& next = timeline_.steps[step_ + 1];
  EXPECT_TRUE(
      Stay(log, next.hold_start_ms + kMaxExtraBreaths * kBreathMs + 1000).ok());
}

TEST_F(SessionLogStayLongerTest, IsRefusedOutsideAHold) {
  SessionLog log = NewLog();
  const TimelineStep& first = timeline_.steps.front();
  struct Case {
    int64_t session_ms;
    std::string says;
  };
  const std::vector<Case> cases = {
      {first.begin_ms - 100, "opening words"},
      {hold_.begin_ms + 10, "has not begun"},
      {hold_.hold_start_ms - 1, "has not begun"},
      {hold_.hold_end_ms, "is over"},
      {timeline_.cues[timeline_.ending_cue].offset_ms() + 10, "closing words"},
  };
  for (const Case& refused : cases) {
    const absl::Status status = Stay(log, refused.session_ms);
    EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition)
        << refused.session_ms;
    EXPECT_THAT(std::string(status.message()), HasSubstr(refused.says));
  }
  EXPECT_EQ(log.EndMs(), timeline_.end_ms) << "nothing was lengthened";
  EXPECT_EQ(log.LastSeq(), static_cast<int64_t>(timeline_.cues.size()));
  EXPECT_TRUE(Stay(log, hold_.hold_start_ms).ok()) << "the hold's first ms";
  EXPECT_TRUE(Stay(log, hold_.hold_end_ms + kBreathMs - 1).ok())
      << "its last ms, now a breath later";
  const absl::Status over = Stay(log, hold_.hold_end_ms + 2 * kBreathMs);
  EXPECT_EQ(over.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(over.message()), HasSubstr("is over"));
}

TEST_F(SessionLogStayLongerTest, IsRefusedWhilePausedAndOnceEnded) {
  SessionLog log = NewLog();
  const int64_t t = hold_.hold_start_ms + 1000;
  ASSERT_TRUE(
      log.Apply(yoga::session::v1::CONTROL_ACTION_PAUSE, At(t), "s1").ok());
  absl::Status status = Stay(log, t + 60000);
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(status.message()), HasSubstr("paused"));

  SessionLog stopped = NewLog();
  ASSERT_TRUE(
      stopped.Apply(yoga::session::v1::CONTROL_ACTION_STOP, At(t), "s1").ok());
  status = Stay(stopped, t + 10);
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(status.message()), HasSubstr("stopped"));

  SessionLog completed = NewLog();
  status = Stay(completed, timeline_.end_ms + 10);
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(status.message()), HasSubstr("completed"));
}

TEST_F(SessionLogStayLongerTest, NextDuringTheAddedBreathEndsTheHold) {
  SessionLog log = NewLog();
  Listener listener;
  listener.cursor = *log.OpenCursor(0);
  // Late in the hold: the prompt goes right before the chime.
  const int64_t t = hold_.hold_end_ms - 1000;
  ListenUntil(log, listener, 0, t);
  ASSERT_TRUE(Stay(log, t).ok());
  // In the added breath, before the moved chime (and any cue before it).
  const int64_t inside = t + kBreathMs - 500;
  EXPECT_EQ(log.ExtraBreaths(inside), 1);
  EXPECT_EQ(log.StepAt(inside), step_);
  EXPECT_TRUE(Stay(log, inside).ok()) << "still in the hold";
  ListenUntil(log, listener, t, inside + 10);
  ASSERT_TRUE(
      log.Apply(yoga::session::v1::CONTROL_ACTION_NEXT, At(inside + 10), "s1")
          .ok());
  const int64_t sent = listener.cursor.last_seq;
  ListenUntil(log, listener, inside + 10, inside + 5000);
  const auto first_new =
      std::find_if(listener.plays.begin(), listener.plays.end(),
                   [&](const CueEvent& cue) { return cue.seq() > sent; });
  ASSERT_NE(first_new, listener.plays.end());
  EXPECT_EQ(first_new->kind(), yoga::session::v1::CUE_KIND_CHIME)
      << first_new->prompt_key();
  EXPECT_EQ(first_new->step_index(), step_);
}

TEST_F(SessionLogStayLongerTest, APromptLongerThanABreathMovesCuesFurther) {
  // A very fast pace: a 2 s breath and a 3 s prompt.
  SessionLog log = NewLog(Extension(/*breath_ms=*/2000, /*prompt_ms=*/3000));
  Listener listener;
  listener.cursor = *log.OpenCursor(0);
  // Half a second before a cue inside the hold: the prompt runs into it.
  const auto next = std::find_if(
      timeline_.cues.begin(), timeline_.cues.end(), [&](const CueEvent& cue) {
        return cue.offset_ms() > hold_.hold_start_ms + 2500 &&
               cue.offset_ms() < hold_.hold_end_ms;
      });
  ASSERT_NE(next, timeline_.cues.end());
  const int64_t t = next->offset_ms() - 500;
  ListenUntil(log, listener, 0, t);
  ASSERT_TRUE(Stay(log, t).ok());
  EXPECT_GT(log.EndMs(), timeline_.end_ms + 2000);
  PlayToEnd(log, listener, t);
  ExpectNoOverlap(listener.plays);
  // The cue after the prompt comes as soon as it has been said.
  auto prompt = std::find_if(listener.plays.begin(), listener.plays.end(),
                             [](const CueEvent& cue) {
                               return cue.prompt_key() == "hold.stay-longer";
                             });
  ASSERT_NE(prompt, listener.plays.end());
  ASSERT_NE(std::next(prompt), listener.plays.end());
  EXPECT_EQ(std::next(prompt)->offset_ms(), prompt->offset_ms() + 3000);
  ExpectSeqsOneByOne(listener.seqs, 0, log.LastSeq());
}

// One steady client from the start, and for every cue it received, two more
// that dropped away right after it and come back with after_seq a second and
// a minute later, through three STAY_LONGERs (two in quick succession) and a
// PREVIOUS. Each ends with what the steady one plays, every seq once.
TEST_F(SessionLogStayLongerTest, ResumingAfterEverySeqGetsEveryLaterCueOnce) {
  SessionLog log = NewLog();
  Listener steady;
  steady.cursor = *log.OpenCursor(0);
  struct Resumer {
    Listener listener;  // As the steady one was when it dropped away.
    int64_t back_ms;
    bool connected = false;
  };
  std::vector<Resumer> resumers;
  auto drop_away = [&](int64_t ms) {
    for (int64_t away : {1000, 60000}) resumers.push_back({steady, ms + away});
  };
  drop_away(0);
  const int64_t t1 = hold_.hold_start_ms + 3000;
  const int64_t t2 = t1 + 400;  // Before t1's prompt has finished.
  const int64_t t3 = hold_.hold_end_ms + 2 * kBreathMs - 700;
  const int64_t back_to_previous = hold_.hold_end_ms + 3 * kBreathMs + 3000;
  bool all_done = false;
  for (int64_t ms = 0; !all_done && ms < 3'600'000; ms += 100) {
    if (ms == t1 || ms == t2 || ms == t3) {
      ASSERT_TRUE(Stay(log, ms).ok()) << ms;
    }
    if (ms == back_to_previous) {
      ASSERT_TRUE(
          log.Apply(yoga::session::v1::CONTROL_ACTION_PREVIOUS, At(ms), "s1")
              .ok());
    }
    if (!steady.finished) {
      const size_t before = steady.seqs.size();
      steady.Drain(log, At(ms));
      if (steady.seqs.size() != before) drop_away(ms);
    }
    all_done = steady.finished;
    for (Resumer& resumer : resumers) {
      if (!resumer.connected && ms >= resumer.back_ms) {
        auto cursor = log.OpenCursor(resumer.listener.cursor.last_seq);
        ASSERT_TRUE(cursor.ok()) << cursor.status();
        resumer.listener.cursor = *cursor;
        resumer.connected = true;
      }
      if (resumer.connected) resumer.listener.Drain(log, At(ms));
      all_done = all_done && resumer.listener.finished;
    }
  }
  ASSERT_TRUE(all_done);
  ExpectSeqsOneByOne(steady.seqs, 0, log.LastSeq());
  EXPECT_EQ(steady.skipped, 4);
  ExpectNoOverlap(steady.plays);
  EXPECT_EQ(std::count_if(steady.plays.begin(), steady.plays.end(),
                          [](const CueEvent& cue) {
                            return cue.prompt_key() == "hold.stay-longer";
                          }),
            3);
  EXPECT_GT(resumers.size(), 200u);
  for (const Resumer& resumer : resumers) {
    ExpectSeqsOneByOne(resumer.listener.seqs, 0, log.LastSeq());
    EXPECT_EQ(Lines(resumer.listener.plays), Lines(steady.plays))
        << "back at " << resumer.back_ms;
  }
}

TEST_F(SessionLogStayLongerTest, SurvivesTheStoreExactly) {
  SessionLog log = NewLog();
  Listener listener;
  listener.cursor = *log.OpenCursor(0);
  const int64_t t = hold_.hold_start_ms + 2000;
  ListenUntil(log, listener, 0, t);
  ASSERT_TRUE(Stay(log, t).ok());
  ASSERT_TRUE(Stay(log, t + 100).ok());
  const yoga::storage::v1::SessionProgress stored = log.ToProto();
  ASSERT_EQ(stored.segments_size(), 3);
  EXPECT_FALSE(stored.segments(0).has_lead_cue());
  EXPECT_EQ(stored.segments(2).lead_cue().prompt_key(), "hold.stay-longer");

  auto restored = SessionLog::FromProto(testing::PresetTimeline(), Extension(),
                                        kTiming, stored);
  ASSERT_TRUE(restored.ok()) << restored.status();
  EXPECT_EQ(restored->ToProto().SerializeAsString(),
            stored.SerializeAsString());
  EXPECT_EQ(restored->EndMs(), log.EndMs());
  EXPECT_EQ(restored->LastSeq(), log.LastSeq());
  EXPECT_EQ(restored->ExtraBreaths(t + 100), 2);
  // The original and the restored copy tell a stream the same, to the end.
  Listener original = listener;
  Listener copy = listener;
  PlayToEnd(log, original, t + 100);
  PlayToEnd(*restored, copy, t + 100);
  EXPECT_EQ(Lines(copy.plays), Lines(original.plays));
  EXPECT_EQ(copy.seqs, original.seqs);
  // And the restored one refuses the same: two more of six, then no more.
  for (int i = 2; i < kMaxExtraBreaths; ++i)
    EXPECT_TRUE(Stay(*restored, t + 100 + i).ok());
  EXPECT_EQ(Stay(*restored, t + 200).code(),
            absl::StatusCode::kFailedPrecondition);
}

TEST_F(SessionLogStayLongerTest, ADamagedLeadCueIsDataLoss) {
  SessionLog log = NewLog();
  ASSERT_TRUE(Stay(log, hold_.hold_start_ms + 2000).ok());
  yoga::storage::v1::SessionProgress stored = log.ToProto();
  // Its prompt said after the cues it comes before.
  stored.mutable_segments(1)->mutable_lead_cue()->set_offset_ms(
      timeline_.end_ms + 60000);
  auto restored = SessionLog::FromProto(testing::PresetTimeline(), Extension(),
                                        kTiming, stored);
  EXPECT_EQ(restored.status().code(), absl::StatusCode::kDataLoss);
}

// Found by tests/fuzz/session_log_fuzz.cc: a stored shift near the int64 limit
// overflowed the lead cue check (undefined behaviour), and a time beyond the
// Timestamp range overflowed session time.
TEST_F(SessionLogStayLongerTest, TimesOutOfRangeAreDataLoss) {
  SessionLog log = NewLog();
  ASSERT_TRUE(Stay(log, hold_.hold_start_ms + 2000).ok());
  const yoga::storage::v1::SessionProgress good = log.ToProto();
  auto restore = [&](const yoga::storage::v1::SessionProgress& stored) {
    return SessionLog::FromProto(testing::PresetTimeline(), Extension(),
                                 kTiming, stored)
        .status();
  };
  ASSERT_TRUE(restore(good).ok());
  yoga::storage::v1::SessionProgress stored = good;
  stored.mutable_segments(1)->set_shift_ms(std::numeric_limits<int64_t>::max() -
                                           1000);
  EXPECT_EQ(restore(stored).code(), absl::StatusCode::kDataLoss);
  stored = good;
  stored.set_base_ms(std::numeric_limits<int64_t>::min());
  EXPECT_EQ(restore(stored).code(), absl::StatusCode::kDataLoss);
  stored = good;
  stored.mutable_running_since()->set_seconds(
      std::numeric_limits<int64_t>::max());
  EXPECT_EQ(restore(stored).code(), absl::StatusCode::kDataLoss);
  stored = good;
  stored.mutable_segments(1)->mutable_lead_cue()->set_duration_ms(
      std::numeric_limits<int64_t>::max());
  EXPECT_EQ(restore(stored).code(), absl::StatusCode::kDataLoss);
}

// Found by tests/fuzz/session_log_fuzz.cc: a last segment cut before its
// start (seq 0 after 15) was taken; STAY_LONGER then started the next segment
// at seq 1, a log that did not read back.
TEST_F(SessionLogStayLongerTest, ALastSegmentCutBeforeItsStartIsDataLoss) {
  SessionLog log = NewLog();
  ASSERT_TRUE(
      log.Apply(yoga::session::v1::CONTROL_ACTION_NEXT, At(20000), "s").ok());
  yoga::storage::v1::SessionProgress stored = log.ToProto();
  ASSERT_EQ(stored.segments_size(), 2);
  ASSERT_GT(stored.segments(1).first_seq(), 1);
  auto restore = [&] {
    return SessionLog::FromProto(testing::PresetTimeline(), Extension(),
                                 kTiming, stored)
        .status();
  };
  stored.mutable_segments(1)->set_last_seq(0);
  EXPECT_EQ(restore().code(), absl::StatusCode::kDataLoss);
  stored.mutable_segments(1)->set_last_seq(-2);
  EXPECT_EQ(restore().code(), absl::StatusCode::kDataLoss);
  // Stopped before anything of it went out: cut where it starts.
  stored.mutable_segments(1)->set_last_seq(stored.segments(1).first_seq() - 1);
  EXPECT_TRUE(restore().ok()) << restore();
}

// Found by tests/fuzz/session_log_fuzz.cc: a row counting a PAUSE but keeping
// none of its events sent a stream that was behind past the end of the kept
// events (out of range) once adopted.
TEST_F(SessionLogStayLongerTest, ControlsCountedButNotKeptAreDataLoss) {
  SessionLog log = NewLog();
  ASSERT_TRUE(log.Apply(yoga::session::v1::CONTROL_ACTION_PAUSE,
                        At(hold_.hold_start_ms), "s")
                  .ok());
  yoga::storage::v1::SessionProgress stored = log.ToProto();
  ASSERT_EQ(stored.controls_total(), 1u);
  stored.clear_recent_controls();
  auto restored = SessionLog::FromProto(testing::PresetTimeline(), Extension(),
                                        kTiming, stored);
  EXPECT_EQ(restored.status().code(), absl::StatusCode::kDataLoss);
}

}  // namespace
}  // namespace yoga::session

namespace yoga::session {
namespace {

// A class's log: controls act control_delay after the call, so every mat
// hears of them before they are due.
class SessionLogClassTest : public ::testing::Test {
 protected:
  static constexpr absl::Duration kDelay = absl::Milliseconds(500);

  SessionLog NewClass() {
    return SessionLog(testing::PresetTimeline(), Extension(), kTiming, kStart,
                      kDelay);
  }
  static absl::Status Do(SessionLog& log, yoga::session::v1::ControlAction act,
                         int64_t wall_ms) {
    return log.Apply(act, At(wall_ms), "c1");
  }
};

TEST_F(SessionLogClassTest, APauseLetsSessionTimeRunOnUntilItTakesEffect) {
  SessionLog log = NewClass();
  Listener listener;
  listener.cursor = *log.OpenCursor(0);
  ListenUntil(log, listener, 0, 10'000);
  ASSERT_TRUE(Do(log, yoga::session::v1::CONTROL_ACTION_PAUSE, 10'000).ok());
  EXPECT_EQ(log.State(At(10'000)), yoga::session::v1::SESSION_STATE_PAUSED);
  EXPECT_EQ(log.SessionTimeMs(At(10'000)), 10'000);
  EXPECT_EQ(log.SessionTimeMs(At(10'300)), 10'300);
  EXPECT_EQ(log.SessionTimeMs(At(10'500)), 10'500);
  EXPECT_EQ(log.SessionTimeMs(At(12'000)), 10'500);
  EXPECT_EQ(log.WallTimeOf(10'200), At(10'200));
  EXPECT_EQ(log.WallTimeOf(10'600), absl::InfiniteFuture());

  // The stream tells of it at once, at the moment it takes effect, and
  // every event until then still maps session time onto the server's clock.
  StreamAction paused = log.Next(listener.cursor, At(10'100));
  ASSERT_EQ(paused.kind, StreamAction::kSend);
  EXPECT_EQ(paused.event.kind(), yoga::session::v1::CUE_KIND_PAUSED);
  EXPECT_EQ(paused.event.offset_ms(), 10'500);
  EXPECT_EQ(paused.event.session_time_ms(), 10'100);
  EXPECT_EQ(paused.event.server_time().seconds(),
            absl::ToUnixSeconds(At(10'100)));
  EXPECT_EQ(paused.event.server_time().nanos(), 100'000'000);
  // Once it has: no mapping, session time stands.
  ListenUntil(log, listener, 10'100, 11'000);
  StreamAction beat = log.Next(listener.cursor, At(12'000));
  ASSERT_EQ(beat.kind, StreamAction::kSend);
  EXPECT_EQ(beat.event.kind(), yoga::session::v1::CUE_KIND_HEARTBEAT);
  EXPECT_FALSE(beat.event.has_server_time());
}

TEST_F(SessionLogClassTest, AResumeStartsSessionTimeWhenItTakesEffect) {
  SessionLog log = NewClass();
  Listener listener;
  listener.cursor = *log.OpenCursor(0);
  ASSERT_TRUE(Do(log, yoga::session::v1::CONTROL_ACTION_PAUSE, 10'000).ok());
  ListenUntil(log, listener, 0, 20'000);
  ASSERT_TRUE(Do(log, yoga::session::v1::CONTROL_ACTION_RESUME, 20'000).ok());
  EXPECT_EQ(log.State(At(20'000)), yoga::session::v1::SESSION_STATE_RUNNING);
  EXPECT_EQ(log.SessionTimeMs(At(20'400)), 10'500);
  EXPECT_EQ(log.SessionTimeMs(At(20'600)), 10'600);
  StreamAction resumed = log.Next(listener.cursor, At(20'000));
  ASSERT_EQ(resumed.kind, StreamAction::kSend);
  EXPECT_EQ(resumed.event.kind(), yoga::session::v1::CUE_KIND_RESUMED);
  EXPECT_EQ(resumed.event.offset_ms(), 10'500);
  // Session time 10.5 s is on the server's clock when the resume acts.
  EXPECT_EQ(resumed.event.session_time_ms(), 10'500);
  EXPECT_EQ(resumed.event.server_time().seconds(),
            absl::ToUnixSeconds(At(20'500)));
  EXPECT_EQ(resumed.event.server_time().nanos(), 500'000'000);
}

TEST_F(SessionLogClassTest, AControlBeforeThePreviousOneActedIsRefused) {
  SessionLog log = NewClass();
  ASSERT_TRUE(Do(log, yoga::session::v1::CONTROL_ACTION_PAUSE, 10'000).ok());
  absl::Status early =
      Do(log, yoga::session::v1::CONTROL_ACTION_RESUME, 10'200);
  EXPECT_EQ(early.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(ReasonOf(early), "CLASS_CONTROL_PENDING");
  EXPECT_THAT(early.message(), HasSubstr("takes effect in 300 ms"));
  EXPECT_TRUE(Do(log, yoga::session::v1::CONTROL_ACTION_RESUME, 10'500).ok());
}

TEST_F(SessionLogClassTest, AStopIsNeverRefusedForAControlStillToAct) {
  // A teacher who pauses, then quits at once: the class stops where the
  // pause left it, not later.
  SessionLog log = NewClass();
  ASSERT_TRUE(Do(log, yoga::session::v1::CONTROL_ACTION_PAUSE, 10'000).ok());
  ASSERT_TRUE(Do(log, yoga::session::v1::CONTROL_ACTION_STOP, 10'100).ok());
  EXPECT_EQ(log.State(At(10'100)), yoga::session::v1::SESSION_STATE_STOPPED);
  EXPECT_EQ(log.EndMs(), 10'500);
}

TEST_F(SessionLogClassTest, NextCutsWhereItTakesEffectAndCuesBeforeItPlay) {
  SessionLog log = NewClass();
  const Timeline& timeline = PresetTimeline();
  // Inside the second step's hold, with cues due just after the call.
  const TimelineStep& step = timeline.steps[1];
  const int64_t call_ms = step.hold_start_ms + 100;
  Listener listener;
  listener.cursor = *log.OpenCursor(0);
  ListenUntil(log, listener, 0, call_ms);
  ASSERT_TRUE(Do(log, yoga::session::v1::CONTROL_ACTION_NEXT, call_ms).ok());
  PlayToEnd(log, listener, call_ms);
  ASSERT_GE(listener.skipped, 1);
  // What was due up to the moment the NEXT acts still plays; after it, the
  // hold ends at once with its chime.
  auto after = std::find_if(
      listener.plays.begin(), listener.plays.end(),
      [&](const CueEvent& cue) { return cue.offset_ms() > call_ms + 500; });
  ASSERT_NE(after, listener.plays.end());
  EXPECT_EQ(after->kind(), yoga::session::v1::CUE_KIND_CHIME);
  EXPECT_EQ(after->step_index(), 1);
  EXPECT_LT(after->offset_ms(), step.hold_end_ms);
  EXPECT_TRUE(std::any_of(
      listener.plays.begin(), listener.plays.end(), [&](const CueEvent& cue) {
        return cue.kind() == yoga::session::v1::CUE_KIND_HOLD_START &&
               cue.offset_ms() == step.hold_start_ms;
      }));
}

TEST_F(SessionLogClassTest, APendingPauseSurvivesTheStore) {
  SessionLog log = NewClass();
  ASSERT_TRUE(Do(log, yoga::session::v1::CONTROL_ACTION_PAUSE, 10'000).ok());
  const yoga::storage::v1::SessionProgress stored = log.ToProto();
  EXPECT_TRUE(stored.has_pause_time());
  auto restored = SessionLog::FromProto(testing::PresetTimeline(), Extension(),
                                        kTiming, stored, kDelay);
  ASSERT_TRUE(restored.ok()) << restored.status();
  EXPECT_EQ(restored->SessionTimeMs(At(10'250)), 10'250);
  EXPECT_EQ(restored->SessionTimeMs(At(11'000)), 10'500);
  EXPECT_EQ(
      Do(*restored, yoga::session::v1::CONTROL_ACTION_RESUME, 10'100).code(),
      absl::StatusCode::kFailedPrecondition);
}

TEST_F(SessionLogClassTest, CuesGoOutTheClassLeadBeforeASessionWouldSendThem) {
  // A cue is written to every mat in turn: the class starts earlier, so that
  // its last mat has the cue when a session's listener would.
  const SessionLog session(testing::PresetTimeline(), Extension(), kTiming,
                           kStart);
  const SessionLog group = NewClass();
  const auto& cues = PresetTimeline().cues;
  auto later = std::find_if(cues.begin(), cues.end(), [](const CueEvent& cue) {
    return cue.offset_ms() >= 10'000;
  });
  ASSERT_NE(later, cues.end());
  auto heard_by = [&](const SessionLog& log, int64_t ms) {
    Listener listener;
    listener.cursor = *log.OpenCursor(0);
    ListenUntil(log, listener, 0, ms);
    return std::any_of(
        listener.plays.begin(), listener.plays.end(),
        [&](const CueEvent& cue) { return cue.seq() == later->seq(); });
  };
  const int64_t session_due = later->offset_ms() - 1500;
  const int64_t class_due =
      session_due - absl::ToInt64Milliseconds(kTiming.class_lead);
  ASSERT_GT(kTiming.class_lead, absl::ZeroDuration());
  EXPECT_FALSE(heard_by(group, class_due - 1));
  EXPECT_TRUE(heard_by(group, class_due));
  EXPECT_FALSE(heard_by(session, session_due - 1));
  EXPECT_TRUE(heard_by(session, session_due));
}

TEST_F(SessionLogClassTest, EventsOfAnySessionCarryTheServerClock) {
  SessionLog log(testing::PresetTimeline(), Extension(), kTiming, kStart);
  StreamCursor cursor = *log.OpenCursor(0);
  StreamAction first = log.Next(cursor, At(1234));
  ASSERT_EQ(first.kind, StreamAction::kSend);
  EXPECT_EQ(first.event.session_time_ms(), 1234);
  EXPECT_EQ(first.event.server_time().seconds(), absl::ToUnixSeconds(At(1234)));
  EXPECT_EQ(first.event.server_time().nanos(), 234'000'000);
}

}  // namespace
}  // namespace yoga::session
