// Sessions kept in a real SQLite database: a registry that starts again on the
// same file (a restarted server) continues every session exactly where it
// stood, a stale copy cannot overwrite a newer version, and practice records
// are written once, when a session that someone heard ends.
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/common/errors.h"
#include "services/common/proto_time.h"
#include "services/session/clock.h"
#include "services/session/session_registry.h"
#include "services/session/timeline_builder.h"
#include "services/storage/store.h"
#include "tests/services/session/session_test_routines.h"

namespace yoga::session {
namespace {

using ::testing::HasSubstr;
using yoga::session::v1::ControlAction;
using yoga::session::v1::CueEvent;

constexpr char kPreset[] = "runners-lower-back-four";
const StreamTiming kTiming{.lookahead = absl::Milliseconds(1500)};

class SessionStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::path(::testing::TempDir()) /
           absl::StrCat(
               "session_store_test_", getpid(), "_",
               ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    store_ = OpenAt(dir_ / "yoga.db");
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  static std::unique_ptr<storage::Store> OpenAt(
      const std::filesystem::path& path) {
    auto store =
        storage::OpenStore({.url = absl::StrCat("sqlite:", path.string())});
    EXPECT_TRUE(store.ok()) << store.status();
    return store.ok() ? *std::move(store) : nullptr;
  }

  // A registry on the store, as a server that has just started has.
  std::unique_ptr<SessionRegistry> Server(TimelineRebuilder rebuild = nullptr,
                                          StreamTiming timing = kTiming) {
    if (rebuild == nullptr) {
      rebuild = [](const yoga::storage::v1::StoredSession&) {
        return absl::StatusOr<std::shared_ptr<const Timeline>>(
            testing::PresetTimeline());
      };
    }
    return std::make_unique<SessionRegistry>(clock_, SessionLimits{}, timing,
                                             store_.get(), std::move(rebuild));
  }

  std::shared_ptr<Session> Start(SessionRegistry& registry,
                                 std::string profile_id = "runner-1") {
    auto session = registry.Create(testing::PresetRoutine(kPreset), {},
                                   testing::PresetTimeline(),
                                   {.profile_id = std::move(profile_id)});
    EXPECT_TRUE(session.ok()) << session.status();
    return *session;
  }

  // Every event the stream has to send now, until it would wait or finish.
  std::vector<CueEvent> Drain(Session& session, StreamCursor& cursor,
                              bool* finished = nullptr) {
    std::vector<CueEvent> events;
    for (;;) {
      StreamAction action = session.Next(cursor, clock_.Now());
      if (action.kind != StreamAction::kSend) {
        if (finished != nullptr)
          *finished = action.kind == StreamAction::kFinish;
        return events;
      }
      if (action.event.kind() != yoga::session::v1::CUE_KIND_HEARTBEAT)
        events.push_back(action.event);
    }
  }

  // Hears what is due now: from the reference session, and from `server`'s
  // copy of session `id` on a new stream that resumes after `last_seq`, as a
  // client that reconnects to a server that has just read it back.
  void HearWhatIsDue(Session& reference, StreamCursor& reference_cursor,
                     SessionRegistry& server, const std::string& id,
                     int64_t& last_seq, std::vector<CueEvent>& reference_heard,
                     std::vector<CueEvent>& durable_heard) {
    auto more = Drain(reference, reference_cursor);
    reference_heard.insert(reference_heard.end(), more.begin(), more.end());
    auto session = server.Find(id);
    ASSERT_TRUE(session.ok()) << session.status();
    StreamCursor cursor = *(*session)->OpenCursor(last_seq, clock_.Now());
    auto heard = Drain(**session, cursor);
    durable_heard.insert(durable_heard.end(), heard.begin(), heard.end());
    last_seq = cursor.last_seq;
  }

  // Plays a reference session and a durable one a second at a time until
  // both have ended (at most an hour); false if either did not.
  bool PlayBothToTheEnd(Session& reference, StreamCursor& reference_cursor,
                        Session& durable, StreamCursor& durable_cursor,
                        std::vector<CueEvent>& reference_heard,
                        std::vector<CueEvent>& durable_heard) {
    bool reference_done = false;
    bool durable_done = false;
    for (int second = 0; second < 3600 && !(reference_done && durable_done);
         ++second) {
      clock_.Advance(absl::Seconds(1));
      auto more = Drain(reference, reference_cursor, &reference_done);
      reference_heard.insert(reference_heard.end(), more.begin(), more.end());
      auto heard = Drain(durable, durable_cursor, &durable_done);
      durable_heard.insert(durable_heard.end(), heard.begin(), heard.end());
    }
    return reference_done && durable_done;
  }

  std::vector<storage::PracticeRecord> Records(const std::string& profile) {
    auto records = store_->ListPracticeRecords({.profile_id = profile});
    EXPECT_TRUE(records.ok()) << records.status();
    return records.ok() ? *records : std::vector<storage::PracticeRecord>{};
  }

  std::filesystem::path dir_;
  FakeClock clock_;
  std::unique_ptr<storage::Store> store_;
};

std::vector<CueEvent> Cues(const std::vector<CueEvent>& events) {
  std::vector<CueEvent> cues;
  for (const CueEvent& event : events) {
    if (event.seq() > 0) cues.push_back(event);
  }
  return cues;
}

// What a stream hears, as (seq, kind, offset, prompt) lines: equal lists mean
// the runner heard the same thing.
std::vector<std::string> Heard(const std::vector<CueEvent>& events) {
  std::vector<std::string> lines;
  for (const CueEvent& event : events) {
    lines.push_back(absl::StrCat(event.seq(), " ", event.kind(), " ",
                                 event.offset_ms(), " ", event.prompt_key()));
  }
  return lines;
}

TEST_F(SessionStoreTest, RestartedServerContinuesEverySessionExactlyOnce) {
  // The same session played twice from the same controls at the same times:
  // once in memory from start to end, once through a server that stops
  // (its memory gone) after every step and starts again on the database.
  SessionRegistry memory(clock_, SessionLimits{}, kTiming);
  std::shared_ptr<Session> reference = Start(memory);
  auto first_server = Server();
  std::shared_ptr<Session> durable = Start(*first_server);
  const std::string id = durable->id();

  StreamCursor reference_cursor = *reference->OpenCursor(0, clock_.Now());
  std::vector<CueEvent> reference_heard;
  std::vector<CueEvent> durable_heard;
  int64_t last_seq = 0;
  const std::vector<std::pair<absl::Duration, ControlAction>> script = {
      // Past the opening, into the first hold.
      {absl::Seconds(60), yoga::session::v1::CONTROL_ACTION_NEXT},
      {absl::Seconds(7), yoga::session::v1::CONTROL_ACTION_PAUSE},
      {absl::Seconds(30), yoga::session::v1::CONTROL_ACTION_RESUME},
      {absl::Seconds(41), yoga::session::v1::CONTROL_ACTION_NEXT},
      {absl::Seconds(13), yoga::session::v1::CONTROL_ACTION_PREVIOUS},
      {absl::Seconds(64), yoga::session::v1::CONTROL_ACTION_NEXT},
  };
  std::unique_ptr<SessionRegistry> server = std::move(first_server);
  for (const auto& [wait, action] : script) {
    // Hear what is due, a bit at a time.
    for (absl::Duration waited; waited < wait; waited += absl::Seconds(1)) {
      clock_.Advance(absl::Seconds(1));
      HearWhatIsDue(*reference, reference_cursor, *server, id, last_seq,
                    reference_heard, durable_heard);
    }
    ASSERT_TRUE(reference->Control(action, clock_.Now()).ok());
    ASSERT_TRUE(server->Control(id, action).ok());
    server = Server();  // The server restarts: nothing in memory.
  }
  // Play to the end on yet another start.
  auto session = server->Find(id);
  ASSERT_TRUE(session.ok()) << session.status();
  StreamCursor cursor = *(*session)->OpenCursor(last_seq, clock_.Now());
  ASSERT_TRUE(PlayBothToTheEnd(*reference, reference_cursor, **session, cursor,
                               reference_heard, durable_heard));

  // Only the cues: a reconnecting stream is told about a pause or a skip
  // again, where the reference stream heard each once.
  const std::vector<CueEvent> reference_cues = Cues(reference_heard);
  const std::vector<CueEvent> durable_cues = Cues(durable_heard);
  EXPECT_EQ(Heard(durable_cues), Heard(reference_cues));
  // Seq rises by one from 1, with nothing lost or repeated.
  int64_t expected = 1;
  for (const CueEvent& event : durable_cues) {
    ASSERT_EQ(event.seq(), expected);
    ++expected;
  }
  EXPECT_EQ(expected - 1, reference->LastSeq());
}

// STAY_LONGER is kept with the log: a server that restarts after each control
// (two of them in one breath, one when the hold's chime was already sent)
// continues the lengthened session exactly as one that never stopped, and
// the practice record counts the added breaths.
TEST_F(SessionStoreTest, ExtendedSessionContinuesExactlyOnceAfterRestarts) {
  const Timeline& timeline = *testing::PresetTimeline();
  const int64_t breath_ms = absl::ToInt64Milliseconds(
      FromProtoDuration(testing::PresetRoutine(kPreset).breath_length()));
  ASSERT_GT(breath_ms, 0);
  const TimelineStep& first = timeline.steps[0];
  const TimelineStep& second = timeline.steps[1];
  // Session times of the controls; no pause before the last one, so session
  // time is the time since the start.
  const std::vector<std::pair<int64_t, ControlAction>> script = {
      {first.hold_start_ms + 5000,
       yoga::session::v1::CONTROL_ACTION_STAY_LONGER},
      {first.hold_start_ms + 5200,
       yoga::session::v1::CONTROL_ACTION_STAY_LONGER},
      {first.hold_end_ms + 2 * breath_ms - 1000,
       yoga::session::v1::CONTROL_ACTION_STAY_LONGER},
      {second.hold_start_ms + 3 * breath_ms + 2000,
       yoga::session::v1::CONTROL_ACTION_STAY_LONGER},
      {second.hold_start_ms + 3 * breath_ms + 4000,
       yoga::session::v1::CONTROL_ACTION_NEXT},
  };
  SessionRegistry memory(clock_, SessionLimits{}, kTiming);
  std::shared_ptr<Session> reference = Start(memory);
  auto server = Server();
  std::shared_ptr<Session> durable = Start(*server);
  ASSERT_TRUE(server->MarkStreamed(*durable).ok());
  const std::string id = durable->id();
  const absl::Time start = clock_.Now();

  StreamCursor reference_cursor = *reference->OpenCursor(0, clock_.Now());
  std::vector<CueEvent> reference_heard;
  std::vector<CueEvent> durable_heard;
  int64_t last_seq = 0;
  for (const auto& [at_ms, action] : script) {
    // Hear what is due, at most a second at a time, from a server that has
    // just read the session back.
    while (clock_.Now() - start < absl::Milliseconds(at_ms)) {
      clock_.Advance(std::min(absl::Seconds(1), absl::Milliseconds(at_ms) -
                                                    (clock_.Now() - start)));
      HearWhatIsDue(*reference, reference_cursor, *server, id, last_seq,
                    reference_heard, durable_heard);
    }
    ASSERT_TRUE(reference->Control(action, clock_.Now()).ok()) << at_ms;
    auto controlled = server->Control(id, action);
    ASSERT_TRUE(controlled.ok()) << controlled.status();
    server = Server();  // The server restarts: nothing in memory.
  }
  auto session = server->Find(id);
  ASSERT_TRUE(session.ok()) << session.status();
  EXPECT_EQ((*session)->ToProto(clock_.Now()).duration().SerializeAsString(),
            reference->ToProto(clock_.Now()).duration().SerializeAsString());
  StreamCursor cursor = *(*session)->OpenCursor(last_seq, clock_.Now());
  ASSERT_TRUE(PlayBothToTheEnd(*reference, reference_cursor, **session, cursor,
                               reference_heard, durable_heard));

  const std::vector<CueEvent> durable_cues = Cues(durable_heard);
  EXPECT_EQ(Heard(durable_cues), Heard(Cues(reference_heard)));
  int64_t expected = 1;
  for (const CueEvent& event : durable_cues) {
    ASSERT_EQ(event.seq(), expected);
    ++expected;
  }
  EXPECT_EQ(expected - 1, reference->LastSeq());
  EXPECT_EQ(std::count_if(durable_cues.begin(), durable_cues.end(),
                          [](const CueEvent& cue) {
                            return cue.prompt_key() == "hold.stay-longer";
                          }),
            4);

  // Completed, and practised for as long as it lasted with its four breaths.
  ASSERT_EQ(*Server()->FinishDue(), 1);
  std::vector<storage::PracticeRecord> records = Records("runner-1");
  ASSERT_EQ(records.size(), 1u);
  EXPECT_TRUE(records[0].completed);
  const absl::Duration lasted =
      FromProtoDuration(reference->ToProto(clock_.Now()).duration());
  EXPECT_EQ(records[0].practised, lasted);
  EXPECT_EQ(records[0].end_time, start + lasted);
}

// Two replicas on one database: a stream on one hears STAY_LONGERs made
// through the other (even through a copy that is behind) once each, as soon
// as it catches up, and every seq once.
TEST_F(SessionStoreTest, StayLongerThroughAnotherReplicaReachesTheStreamOnce) {
  // Replicas see each other's controls a poll late: cuts keep that much more.
  const StreamTiming shared{.lookahead = absl::Milliseconds(1500),
                            .cut_margin = absl::Milliseconds(500)};
  auto streaming = Server(nullptr, shared);
  auto other = Server(nullptr, shared);
  std::shared_ptr<Session> session = Start(*streaming);
  ASSERT_TRUE(session->AddStream([] {}, 4, clock_.Now()).ok());
  const TimelineStep& hold = testing::PresetTimeline()->steps[0];
  const int64_t breath_ms = absl::ToInt64Milliseconds(
      FromProtoDuration(testing::PresetRoutine(kPreset).breath_length()));
  StreamCursor cursor = *session->OpenCursor(0, clock_.Now());
  std::vector<CueEvent> heard;
  auto listen_until = [&](int64_t session_ms) {
    while (session->SessionTimeMs(clock_.Now()) < session_ms) {
      clock_.Advance(absl::Milliseconds(std::min<int64_t>(
          250, session_ms - session->SessionTimeMs(clock_.Now()))));
      auto more = Drain(*session, cursor);
      heard.insert(heard.end(), more.begin(), more.end());
    }
  };
  // The chime that ends the first hold has been sent ahead.
  listen_until(hold.hold_end_ms - 1000);
  ASSERT_GE(cursor.last_seq, hold.hold_end_cue + 1);

  ASSERT_TRUE(other
                  ->Control(session->id(),
                            yoga::session::v1::CONTROL_ACTION_STAY_LONGER)
                  .ok());
  EXPECT_EQ(*streaming->CatchUp(), 1);
  listen_until(hold.hold_end_ms - 500);
  // Through the stream's replica now; the other one's copy is behind, and
  // its write is refused, read again and applied on the newest version.
  ASSERT_TRUE(streaming
                  ->Control(session->id(),
                            yoga::session::v1::CONTROL_ACTION_STAY_LONGER)
                  .ok());
  ASSERT_TRUE(other
                  ->Control(session->id(),
                            yoga::session::v1::CONTROL_ACTION_STAY_LONGER)
                  .ok());
  EXPECT_EQ(*streaming->CatchUp(), 1);
  bool finished = false;
  for (int second = 0; second < 3600 && !finished; ++second) {
    clock_.Advance(absl::Seconds(1));
    auto more = Drain(*session, cursor, &finished);
    heard.insert(heard.end(), more.begin(), more.end());
  }
  ASSERT_TRUE(finished);

  const std::vector<CueEvent> cues = Cues(heard);
  ASSERT_EQ(static_cast<int64_t>(cues.size()), session->LastSeq());
  for (size_t i = 0; i < cues.size(); ++i)
    ASSERT_EQ(cues[i].seq(), static_cast<int64_t>(i) + 1);
  EXPECT_EQ(std::count_if(cues.begin(), cues.end(),
                          [](const CueEvent& cue) {
                            return cue.prompt_key() == "hold.stay-longer";
                          }),
            3);
  // The chime the stream plays (the last one it got for the first step)
  // comes three breaths late.
  const auto chime =
      std::find_if(cues.rbegin(), cues.rend(), [](const CueEvent& cue) {
        return cue.kind() == yoga::session::v1::CUE_KIND_CHIME &&
               cue.step_index() == 0;
      });
  ASSERT_NE(chime, cues.rend());
  EXPECT_EQ(chime->offset_ms(), hold.hold_end_ms + 3 * breath_ms);
  EXPECT_EQ(
      FromProtoDuration(session->ToProto(clock_.Now()).duration()),
      absl::Milliseconds(testing::PresetTimeline()->end_ms + 3 * breath_ms));
}

TEST_F(SessionStoreTest, StaleCopyCannotOverwriteANewerVersion) {
  auto first = Server();
  auto second = Server();
  std::shared_ptr<Session> mine = Start(*first);
  auto theirs = second->Find(mine->id());
  ASSERT_TRUE(theirs.ok()) << theirs.status();

  clock_.Advance(absl::Seconds(30));
  ASSERT_TRUE(
      first->Control(mine->id(), yoga::session::v1::CONTROL_ACTION_PAUSE).ok());
  EXPECT_EQ(mine->version(), 2);

  // The other server's copy is one version behind: its write is refused and
  // its copy keeps running, unchanged.
  absl::Status stale = (*theirs)->Control(
      yoga::session::v1::CONTROL_ACTION_NEXT, clock_.Now(), store_.get());
  EXPECT_EQ(stale.code(), absl::StatusCode::kAborted) << stale;
  EXPECT_EQ((*theirs)->version(), 1);
  EXPECT_EQ((*theirs)->State(clock_.Now()),
            yoga::session::v1::SESSION_STATE_RUNNING);

  // Through its registry the control reads the newest version first: RESUME
  // applies to the paused session.
  auto resumed =
      second->Control(mine->id(), yoga::session::v1::CONTROL_ACTION_RESUME);
  ASSERT_TRUE(resumed.ok()) << resumed.status();
  EXPECT_EQ((*resumed)->version(), 3);
  EXPECT_EQ((*resumed)->State(clock_.Now()),
            yoga::session::v1::SESSION_STATE_RUNNING);
  // The pause counted: 30 s of session time, not 30 plus the time since.
  clock_.Advance(absl::Seconds(5));
  EXPECT_EQ((*resumed)->SessionTimeMs(clock_.Now()), 35000);
}

TEST_F(SessionStoreTest, StopWritesOneRecordOnlyForSessionsSomeoneHeard) {
  auto server = Server();
  std::shared_ptr<Session> unheard = Start(*server);
  std::shared_ptr<Session> heard = Start(*server);
  std::shared_ptr<Session> anonymous = Start(*server, /*profile_id=*/"");
  ASSERT_TRUE(heard->MarkStreamed(clock_.Now(), store_.get()).ok());
  ASSERT_TRUE(anonymous->MarkStreamed(clock_.Now(), store_.get()).ok());
  clock_.Advance(absl::Seconds(90));
  for (const auto& session : {unheard, heard, anonymous}) {
    ASSERT_TRUE(
        server->Control(session->id(), yoga::session::v1::CONTROL_ACTION_STOP)
            .ok());
  }
  std::vector<storage::PracticeRecord> records = Records("runner-1");
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].session_id, heard->id());
  EXPECT_FALSE(records[0].completed);
  EXPECT_EQ(records[0].practised, absl::Seconds(90));
  EXPECT_EQ(records[0].routine_id, testing::PresetRoutine(kPreset).id());
  EXPECT_EQ(records[0].end_time - records[0].start_time, absl::Seconds(90));
  // Nothing is due any more: the ends are dealt with.
  auto due = store_->DueSessions(clock_.Now() + absl::Hours(100),
                                 clock_.Now() + absl::Hours(100), 10);
  ASSERT_TRUE(due.ok());
  EXPECT_TRUE(due->empty());
}

TEST_F(SessionStoreTest, CompletedSessionIsRecordedOnceWhicheverServerSweeps) {
  auto first = Server();
  std::shared_ptr<Session> session = Start(*first);
  ASSERT_TRUE(session->MarkStreamed(clock_.Now(), store_.get()).ok());
  const int64_t end_ms = testing::PresetTimeline()->end_ms;
  const absl::Time ends_at = clock_.Now() + absl::Milliseconds(end_ms);

  clock_.Advance(absl::Milliseconds(end_ms - 1000));
  auto second = Server();
  EXPECT_EQ(*first->FinishDue(), 0);  // Not over yet.
  clock_.Advance(absl::Minutes(3));
  // Both servers find it due; one writes the record, the other's write is
  // refused and it finds the end already dealt with.
  auto finished_first = first->FinishDue();
  auto finished_second = second->FinishDue();
  ASSERT_TRUE(finished_first.ok()) << finished_first.status();
  ASSERT_TRUE(finished_second.ok()) << finished_second.status();
  std::vector<storage::PracticeRecord> records = Records("runner-1");
  ASSERT_EQ(records.size(), 1u);
  EXPECT_TRUE(records[0].completed);
  EXPECT_EQ(records[0].practised, absl::Milliseconds(end_ms));
  // It ended when its last cue did, not when a sweep noticed.
  EXPECT_EQ(records[0].end_time, ends_at);
  auto reread = Server()->Find(session->id());
  ASSERT_TRUE(reread.ok());
  EXPECT_TRUE((*reread)->finished());
}

TEST_F(SessionStoreTest, SessionPausedTooLongIsStoppedAndRecorded) {
  auto server = Server();
  std::shared_ptr<Session> session = Start(*server);
  ASSERT_TRUE(session->MarkStreamed(clock_.Now(), store_.get()).ok());
  clock_.Advance(absl::Minutes(4));
  ASSERT_TRUE(
      server->Control(session->id(), yoga::session::v1::CONTROL_ACTION_PAUSE)
          .ok());
  clock_.Advance(absl::Minutes(59));
  EXPECT_EQ(*server->FinishDue(), 0);
  EXPECT_TRUE(Records("runner-1").empty());
  clock_.Advance(absl::Minutes(2));
  EXPECT_EQ(*Server()->FinishDue(), 1);
  std::vector<storage::PracticeRecord> records = Records("runner-1");
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].practised, absl::Minutes(4));
  EXPECT_FALSE(records[0].completed);
}

TEST_F(SessionStoreTest, SessionOnAnotherTimelineIsNotContinued) {
  auto server = Server();
  const std::string id = Start(*server)->id();
  auto other_catalog = Server([](const yoga::storage::v1::StoredSession&) {
    auto timeline = std::make_shared<Timeline>(*testing::PresetTimeline());
    timeline->fingerprint = "another catalog";
    return absl::StatusOr<std::shared_ptr<const Timeline>>(timeline);
  });
  auto found = other_catalog->Find(id);
  EXPECT_EQ(found.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(found.status().message(),
              HasSubstr("another catalog or voice pack"));
}

TEST_F(SessionStoreTest, DamagedRowIsDataLossNotACrash) {
  const std::string id = Start(*Server())->id();
  auto row = store_->GetSession(id);
  ASSERT_TRUE(row.ok() && row->has_value());
  storage::SessionRow damaged = **row;

  // Bytes that are no StoredSession at all.
  damaged.version = 2;
  damaged.data = "\xff\xff not a protocol buffer";
  ASSERT_TRUE(store_->UpdateSession(damaged, nullptr).ok());
  auto found = Server()->Find(id);
  EXPECT_EQ(found.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(found.status().message(), HasSubstr(id));

  // A StoredSession whose log runs off its timeline.
  yoga::storage::v1::StoredSession stored;
  ASSERT_TRUE(stored.ParseFromString((*row)->data));
  stored.mutable_progress()->mutable_segments(0)->set_template_begin(1 << 20);
  damaged.version = 3;
  damaged.data = stored.SerializeAsString();
  ASSERT_TRUE(store_->UpdateSession(damaged, nullptr).ok());
  found = Server()->Find(id);
  EXPECT_EQ(found.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(found.status().message(), HasSubstr("off the timeline"));
}

TEST_F(SessionStoreTest, EndedSessionThisServerCannotPlayIsStillRecorded) {
  std::shared_ptr<Session> session = Start(*Server());
  ASSERT_TRUE(session->MarkStreamed(clock_.Now(), store_.get()).ok());
  const int64_t end_ms = testing::PresetTimeline()->end_ms;
  clock_.Advance(absl::Milliseconds(end_ms) + absl::Minutes(1));
  // A server whose catalog changed meanwhile cannot rebuild the timeline; its
  // sweep still closes the session, with the record the row allows.
  auto other_catalog = Server([](const yoga::storage::v1::StoredSession&) {
    auto timeline = std::make_shared<Timeline>(*testing::PresetTimeline());
    timeline->fingerprint = "another catalog";
    return absl::StatusOr<std::shared_ptr<const Timeline>>(timeline);
  });
  EXPECT_EQ(*other_catalog->FinishDue(), 1);
  std::vector<storage::PracticeRecord> records = Records("runner-1");
  ASSERT_EQ(records.size(), 1u);
  EXPECT_TRUE(records[0].completed);
  EXPECT_EQ(records[0].practised, absl::Milliseconds(end_ms));
  EXPECT_EQ(*other_catalog->FinishDue(), 0);  // Not due again.
}

TEST_F(SessionStoreTest, UnknownSessionIsNotFound) {
  auto found = Server()->Find("0123456789abcdef01234567");
  EXPECT_EQ(found.status().code(), absl::StatusCode::kNotFound);
}

TEST_F(SessionStoreTest, SessionsReadBackCountTowardTheirKeysLimit) {
  const SessionLimits limits{.max_sessions_per_owner = 2};
  auto rebuild = [](const yoga::storage::v1::StoredSession&) {
    return absl::StatusOr<std::shared_ptr<const Timeline>>(
        testing::PresetTimeline());
  };
  auto start = [&](SessionRegistry& registry) {
    return registry.Create(testing::PresetRoutine(kPreset), {},
                           testing::PresetTimeline(), {.owner = "acme"});
  };
  std::vector<std::string> ids;
  {
    SessionRegistry before(clock_, limits, kTiming, store_.get(), rebuild);
    for (int i = 0; i < 2; ++i) {
      auto session = start(before);
      ASSERT_TRUE(session.ok()) << session.status();
      ids.push_back((*session)->id());
    }
  }
  // A restarted server holds them once they are read back from the store.
  SessionRegistry after(clock_, limits, kTiming, store_.get(), rebuild);
  EXPECT_TRUE(start(after).ok());
  for (const std::string& id : ids) ASSERT_TRUE(after.Find(id).ok()) << id;
  auto refused = start(after);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(ReasonOf(refused.status()), "KEY_SESSION_LIMIT");
  EXPECT_THAT(refused.status().message(), HasSubstr("acme holds 3 sessions"));
}

}  // namespace
}  // namespace yoga::session
