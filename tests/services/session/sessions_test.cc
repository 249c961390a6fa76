// The session core without a server: Sessions on a fake clock, its routines
// from a planner in this process, every answer an absl::StatusOr.
#include "services/session/sessions.h"

#include <stdlib.h>

#include <deque>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_replace.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/common/errors.h"
#include "services/common/proto_time.h"
#include "services/planner/planner.h"
#include "services/storage/store.h"
#include "tests/services/session/session_test_routines.h"
#include "tests/testing/forwarding_store.h"

namespace yoga::session {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using yoga::session::v1::StartSessionRequest;

constexpr char kPreset[] = "runners-lower-back-four";

// Routines from the planner library, answered at once; counts the asks.
class PlannerInProcess final : public RoutineSource {
 public:
  PlannerInProcess(planner::Planner& planner, int& asked)
      : planner_(planner), asked_(asked) {}
  void Resolve(const StartSessionRequest& request, absl::string_view owner,
               Done done) const override {
    ++asked_;
    if (request.has_compose()) {
      done(planner_.ComposeRoutine(request.compose(), owner));
    } else {
      done(absl::NotFoundError("only compose in this test"));
    }
  }

 private:
  planner::Planner& planner_;
  int& asked_;
};

// The fields a status's BadRequest names.
std::vector<std::string> FieldsOf(const absl::Status& status) {
  std::vector<std::string> fields;
  if (auto bad = BadRequestOf(status)) {
    for (const auto& violation : bad->field_violations())
      fields.push_back(violation.field());
  }
  return fields;
}

class SessionsTest : public ::testing::Test {
 protected:
  SessionsTest() {
    auto files = planner::ReadPresetFiles(YOGA_SOURCE_DIR "/assets/presets");
    EXPECT_TRUE(files.ok()) << files.status();
    planner_ = std::make_unique<planner::Planner>(*std::move(files));
    catalog_ = std::shared_ptr<const catalog::Catalog>(
        &testing::ShippedCatalog(), [](const catalog::Catalog*) {});
    EXPECT_TRUE(planner_->UseCatalog(catalog_).ok());
    sessions_ = MakeSessions(/*store=*/nullptr);
  }

  std::unique_ptr<Sessions> MakeSessions(storage::Store* store,
                                         JoinCodeSource join_codes = nullptr) {
    VoicePacks packs;
    packs[kDefaultVoicePack] =
        std::make_shared<const PromptDurations>(kDefaultVoicePack);
    SessionServiceConfig config;
    config.limits.max_streams_per_session = 2;
    config.store = store;
    config.join_codes = std::move(join_codes);
    return std::make_unique<Sessions>(
        clock_, config, packs, [this] { return catalog_; },
        std::make_unique<PlannerInProcess>(*planner_, asked_));
  }

  static StartSessionRequest PresetRequest() {
    StartSessionRequest request;
    request.mutable_compose()->set_preset_id(kPreset);
    *request.mutable_options()->mutable_lead_in() =
        ToProtoDuration(absl::ZeroDuration());
    return request;
  }

  // Start's answer (it comes at once: the routine source answers at once).
  absl::StatusOr<v1::Session> Start(const StartSessionRequest& request,
                                    absl::string_view owner = "") {
    std::optional<absl::StatusOr<v1::Session>> answer;
    sessions_->Start(request, owner, [&](absl::StatusOr<v1::Session> started) {
      answer = std::move(started);
    });
    EXPECT_TRUE(answer.has_value()) << "Start did not answer";
    return answer.value_or(absl::InternalError("no answer"));
  }

  FakeClock clock_;
  int asked_ = 0;
  std::unique_ptr<planner::Planner> planner_;
  std::shared_ptr<const catalog::Catalog> catalog_;
  std::unique_ptr<Sessions> sessions_;
};

TEST_F(SessionsTest, StartsGetsControlsAndShowsTheTimeline) {
  auto started = Start(PresetRequest());
  ASSERT_TRUE(started.ok()) << started.status();
  EXPECT_FALSE(started->id().empty());
  EXPECT_EQ(started->routine().preset_id(), kPreset);
  EXPECT_EQ(started->options().verbosity(), v1::VERBOSITY_FULL);
  EXPECT_EQ(started->options().voice_pack(), kDefaultVoicePack);
  EXPECT_EQ(started->state(), v1::SESSION_STATE_RUNNING);

  v1::GetSessionRequest get;
  get.set_id(started->id());
  auto found = sessions_->Get(get);
  ASSERT_TRUE(found.ok()) << found.status();
  EXPECT_EQ(found->id(), started->id());

  v1::ControlSessionRequest pause;
  pause.set_session_id(started->id());
  pause.set_action(v1::CONTROL_ACTION_PAUSE);
  auto paused = sessions_->Control(pause);
  ASSERT_TRUE(paused.ok()) << paused.status();
  EXPECT_EQ(paused->state(), v1::SESSION_STATE_PAUSED);

  v1::GetSessionTimelineRequest timeline_request;
  timeline_request.set_session_id(started->id());
  auto timeline = sessions_->GetTimeline(timeline_request);
  ASSERT_TRUE(timeline.ok()) << timeline.status();
  EXPECT_GT(timeline->cues_size(), 20);
  EXPECT_EQ(timeline->cues(0).kind(), v1::CUE_KIND_SESSION_START);
}

TEST_F(SessionsTest, BadStartRequestsAreRefusedBeforeTheRoutineIsAsked) {
  EXPECT_THAT(FieldsOf(Start(StartSessionRequest()).status()),
              ElementsAre("source"));
  StartSessionRequest bad = PresetRequest();
  bad.mutable_options()->set_voice_pack("whisper");
  bad.mutable_options()->set_verbosity(static_cast<v1::Verbosity>(42));
  *bad.mutable_options()->mutable_lead_in() = ToProtoDuration(absl::Minutes(5));
  const absl::Status refused = Start(bad).status();
  EXPECT_EQ(refused.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(FieldsOf(refused),
              ElementsAre("options.verbosity", "options.voice_pack",
                          "options.lead_in"));
  EXPECT_EQ(asked_, 0);
}

TEST_F(SessionsTest, TheRoutineSourcesErrorIsTheAnswer) {
  StartSessionRequest by_id;
  by_id.set_routine_id("r-unknown");
  const absl::Status status = Start(by_id).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(asked_, 1);
}

TEST_F(SessionsTest, NoCatalogMeansUnavailable) {
  catalog_ = nullptr;
  const absl::Status status = Start(PresetRequest()).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(status.message(), HasSubstr("no catalog yet"));
}

TEST_F(SessionsTest, AFeedSendsTheCuesInOrderAndIsLimitedPerSession) {
  auto started = Start(PresetRequest());
  ASSERT_TRUE(started.ok()) << started.status();
  v1::StreamCuesRequest request;
  request.set_session_id(started->id());
  auto feed = sessions_->OpenStream(request);
  ASSERT_TRUE(feed.ok()) << feed.status();
  // Nobody to wake in this test: the feed is read by hand.
  std::shared_ptr<Wakeable> nobody;
  ASSERT_TRUE((*feed)->Join(nobody).ok());

  // The first three cues, moving the clock on whenever the feed says wait.
  std::vector<int64_t> seqs;
  std::vector<v1::CueKind> kinds;
  for (int i = 0; i < 100 && seqs.size() < 3; ++i) {
    StreamAction action = (*feed)->Next((*feed)->Now());
    ASSERT_NE(action.kind, StreamAction::kFinish);
    if (action.kind == StreamAction::kWait) {
      clock_.Advance(absl::Seconds(1));
    } else if (action.event.seq() > 0) {  // Heartbeats have none.
      seqs.push_back(action.event.seq());
      kinds.push_back(action.event.kind());
    }
  }
  EXPECT_THAT(seqs, ElementsAre(1, 2, 3));
  EXPECT_EQ(kinds[0], v1::CUE_KIND_SESSION_START);

  // A second listener fits (the limit is 2 here); a third does not.
  auto two = sessions_->OpenStream(request);
  ASSERT_TRUE(two.ok()) << two.status();
  ASSERT_TRUE((*two)->Join(nobody).ok());
  auto three = sessions_->OpenStream(request);
  ASSERT_TRUE(three.ok()) << three.status();
  EXPECT_EQ((*three)->Join(nobody).code(),
            absl::StatusCode::kResourceExhausted);
  (*two)->Leave();
  EXPECT_TRUE((*three)->Join(nobody).ok());
}

TEST_F(SessionsTest, OpenStreamNamesWhatIsWrong) {
  v1::StreamCuesRequest request;
  EXPECT_THAT(FieldsOf(sessions_->OpenStream(request).status()),
              ElementsAre("session_id"));
  request.set_session_id("s-none");
  request.set_after_seq(-1);
  EXPECT_THAT(FieldsOf(sessions_->OpenStream(request).status()),
              ElementsAre("after_seq"));
  request.set_after_seq(0);
  EXPECT_EQ(sessions_->OpenStream(request).status().code(),
            absl::StatusCode::kNotFound);
}

TEST_F(SessionsTest, ASessionIdIsCheckedForFormAndNeverRepeatedBack) {
  const std::string huge(100'000, 'a');
  for (const std::string& bad :
       {huge, std::string("has spaces"), std::string("s\n-injected=1")}) {
    v1::GetSessionRequest get;
    get.set_id(bad);
    const absl::Status got = sessions_->Get(get).status();
    EXPECT_THAT(FieldsOf(got), ElementsAre("id"));
    EXPECT_LT(got.message().size(), 200u);
    EXPECT_THAT(got.message(), Not(HasSubstr(bad)));

    v1::ControlSessionRequest control;
    control.set_session_id(bad);  // And no action: both are named.
    EXPECT_THAT(FieldsOf(sessions_->Control(control).status()),
                ElementsAre("session_id", "action"));
    v1::StreamCuesRequest stream;
    stream.set_session_id(bad);
    EXPECT_THAT(FieldsOf(sessions_->OpenStream(stream).status()),
                ElementsAre("session_id"));
    v1::GetSessionTimelineRequest timeline;
    timeline.set_session_id(bad);
    EXPECT_THAT(FieldsOf(sessions_->GetTimeline(timeline).status()),
                ElementsAre("session_id"));
  }
  // An id of the right form that names nothing is NOT_FOUND.
  v1::GetSessionRequest unknown;
  unknown.set_id("0123456789abcdef01234567");
  EXPECT_EQ(sessions_->Get(unknown).status().code(),
            absl::StatusCode::kNotFound);
}

TEST_F(SessionsTest, WithoutAStoreThereIsNoHistory) {
  const absl::Status status =
      sessions_->ListPracticeRecords(v1::ListPracticeRecordsRequest()).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(status.message(), HasSubstr("--database=memory"));
}

// Found by tests/fuzz/session_requests_fuzz.cc: the refusal repeated any
// voice pack given, megabytes included.
TEST_F(SessionsTest, AnUnknownVoicePackIsNamedOnlyWhenItHasTheFormOfAnId) {
  StartSessionRequest request = PresetRequest();
  request.mutable_options()->set_voice_pack("whispering-pines");
  EXPECT_THAT(Start(request).status().message(),
              HasSubstr("no voice pack \"whispering-pines\" on this server"));
  request.mutable_options()->set_voice_pack(std::string(5000, 'x'));
  const absl::Status refused = Start(request).status();
  EXPECT_THAT(FieldsOf(refused), ElementsAre("options.voice_pack"));
  EXPECT_LT(refused.message().size(), 300u) << refused.message();
}

TEST_F(SessionsTest, AStartRetriedWithItsRequestIdIsTheSameSessionForItsKey) {
  StartSessionRequest request = PresetRequest();
  request.set_request_id("6f1c2d9e-start");
  auto first = Start(request, "acme");
  ASSERT_TRUE(first.ok()) << first.status();
  auto again = Start(request, "acme");
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->id(), first->id());
  EXPECT_EQ(asked_, 1) << "a retry must not compose the routine again";
  // The same id from another key, or no id, is a new session.
  auto other = Start(request, "coachco");
  ASSERT_TRUE(other.ok()) << other.status();
  EXPECT_NE(other->id(), first->id());
  auto plain = Start(PresetRequest(), "acme");
  ASSERT_TRUE(plain.ok()) << plain.status();
  EXPECT_NE(plain->id(), first->id());

  request.set_request_id(std::string(100, 'r'));
  EXPECT_THAT(FieldsOf(Start(request, "acme").status()),
              ElementsAre("request_id"));
}

TEST_F(SessionsTest, AnotherKeysSessionIsNotFoundInTheWordsOfAnUnknownId) {
  auto started = Start(PresetRequest(), "acme");
  ASSERT_TRUE(started.ok()) << started.status();
  v1::GetSessionRequest get;
  get.set_id(started->id());
  EXPECT_TRUE(sessions_->Get(get, "acme").ok());
  const absl::Status hidden = sessions_->Get(get, "coachco").status();
  EXPECT_EQ(hidden.code(), absl::StatusCode::kNotFound);
  get.set_id("ffffffffffffffffffffffff");
  const absl::Status unknown = sessions_->Get(get, "coachco").status();
  EXPECT_EQ(absl::StrReplaceAll(hidden.message(), {{started->id(), "ID"}}),
            absl::StrReplaceAll(unknown.message(), {{get.id(), "ID"}}));
  v1::ControlSessionRequest stop;
  stop.set_session_id(started->id());
  stop.set_action(v1::CONTROL_ACTION_STOP);
  EXPECT_EQ(sessions_->Control(stop, "coachco").status().code(),
            absl::StatusCode::kNotFound);
  v1::StreamCuesRequest stream;
  stream.set_session_id(started->id());
  EXPECT_EQ(sessions_->OpenStream(stream, "coachco").status().code(),
            absl::StatusCode::kNotFound);
  v1::GetSessionTimelineRequest timeline;
  timeline.set_session_id(started->id());
  EXPECT_EQ(sessions_->GetTimeline(timeline, "").status().code(),
            absl::StatusCode::kNotFound);
  get.set_id(started->id());
  EXPECT_EQ(sessions_->Get(get, "acme")->state(), v1::SESSION_STATE_RUNNING);
}

TEST_F(SessionsTest, AControlWithAnExpectedVersionAppliesOnlyAtThatVersion) {
  auto started = Start(PresetRequest());
  ASSERT_TRUE(started.ok()) << started.status();
  EXPECT_EQ(started->version(), 1);
  v1::ControlSessionRequest next;
  next.set_session_id(started->id());
  next.set_action(v1::CONTROL_ACTION_NEXT);
  next.set_expected_version(1);
  auto moved = sessions_->Control(next);
  ASSERT_TRUE(moved.ok()) << moved.status();
  EXPECT_EQ(moved->version(), 2);
  EXPECT_LT(FromProtoDuration(moved->duration()),
            FromProtoDuration(started->duration()));
  // A second client that read version 1 does not skip a second step.
  const absl::Status late = sessions_->Control(next).status();
  EXPECT_EQ(late.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(late.message(), HasSubstr("is at version 2, not 1"));
  next.set_expected_version(-1);
  EXPECT_THAT(FieldsOf(sessions_->Control(next).status()),
              ElementsAre("expected_version"));
}

// A store that commits a write and then says it could not: the reply of a
// COMMIT lost on the way back. With `down`, every call fails at once.
class LostReplyStore final : public yoga::testing::ForwardingStore {
 public:
  using ForwardingStore::ForwardingStore;

  bool lose_next_create = false;
  bool lose_next_update = false;
  // Set `down` once a reply was lost.
  bool down_after_lost_reply = false;
  bool down = false;

  absl::Status CreateSession(const storage::SessionRow& row) override {
    if (down) return Unreachable();
    absl::Status status = ForwardingStore::CreateSession(row);
    if (!status.ok() || !std::exchange(lose_next_create, false)) return status;
    return LostReply();
  }
  absl::Status UpdateSession(const storage::SessionRow& row,
                             const storage::PracticeRecord* record) override {
    if (down) return Unreachable();
    absl::Status status = ForwardingStore::UpdateSession(row, record);
    if (!status.ok() || !std::exchange(lose_next_update, false)) return status;
    return LostReply();
  }
  absl::StatusOr<std::optional<storage::SessionRow>> GetSession(
      absl::string_view id) override {
    if (down) return Unreachable();
    return ForwardingStore::GetSession(id);
  }
  absl::StatusOr<std::optional<storage::SessionRow>> SessionByStartRequest(
      absl::string_view owner, absl::string_view start_request_id) override {
    if (down) return Unreachable();
    return ForwardingStore::SessionByStartRequest(owner, start_request_id);
  }

 private:
  absl::Status LostReply() {
    down = std::exchange(down_after_lost_reply, false);
    return Unreachable();
  }
  static absl::Status Unreachable() {
    return absl::UnavailableError("the database connection was lost");
  }
};

class SessionsRetryTest : public SessionsTest {
 protected:
  void SetUp() override {
    directory_ = std::filesystem::temp_directory_path() / "yoga-retry-XXXXXX";
    ASSERT_NE(mkdtemp(directory_.data()), nullptr);
    auto store = storage::OpenStore({.url = "sqlite:" + directory_ + "/y.db"});
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = std::make_unique<LostReplyStore>(*std::move(store));
    sessions_ = MakeSessions(store_.get());
  }
  void TearDown() override {
    sessions_.reset();
    store_.reset();
    std::filesystem::remove_all(directory_);
  }

  v1::ControlSessionRequest Control(const std::string& id,
                                    v1::ControlAction action,
                                    const std::string& request_id) {
    v1::ControlSessionRequest control;
    control.set_session_id(id);
    control.set_action(action);
    control.set_request_id(request_id);
    return control;
  }

  std::string directory_;
  std::unique_ptr<LostReplyStore> store_;
};

TEST_F(SessionsRetryTest, AStartWhoseCommitReplyWasLostIsFoundNotGuessed) {
  StartSessionRequest request = PresetRequest();
  request.set_request_id("start-1");
  // The row was written; the server looks before answering.
  store_->lose_next_create = true;
  auto first = Start(request, "acme");
  ASSERT_TRUE(first.ok()) << first.status();
  auto retried = Start(request, "acme");
  ASSERT_TRUE(retried.ok()) << retried.status();
  EXPECT_EQ(retried->id(), first->id());

  // The row was written, then the database went out of reach: nothing can be
  // known, so the answer is UNAVAILABLE; the retry once it is back is that
  // same session, not a second one.
  request.set_request_id("start-2");
  store_->lose_next_create = true;
  store_->down_after_lost_reply = true;
  const absl::Status unknown = Start(request, "acme").status();
  EXPECT_EQ(unknown.code(), absl::StatusCode::kUnavailable) << unknown;
  store_->down = false;
  auto after = Start(request, "acme");
  ASSERT_TRUE(after.ok()) << after.status();
  auto stored = store_->inner().SessionByStartRequest("acme", "start-2");
  ASSERT_TRUE(stored.ok() && stored->has_value());
  EXPECT_EQ((*stored)->id, after->id());
}

TEST_F(SessionsRetryTest, ARetriedNextMovesOneStepAndARetriedStopIsOk) {
  auto started = Start(PresetRequest(), "acme");
  ASSERT_TRUE(started.ok()) << started.status();
  const std::string id = started->id();

  // The write's answer is lost: the server looks, finds it applied, and
  // says so.
  store_->lose_next_update = true;
  const auto found = sessions_->Control(
      Control(id, v1::CONTROL_ACTION_NEXT, "next-1"), "acme");
  ASSERT_TRUE(found.ok()) << found.status();
  EXPECT_EQ(found->version(), 2);
  // Lost, and the database out of reach after: UNAVAILABLE. The client
  // retries, as partners.md says it may with a request_id.
  store_->lose_next_update = true;
  store_->down_after_lost_reply = true;
  const auto lost = sessions_->Control(
      Control(id, v1::CONTROL_ACTION_NEXT, "next-2"), "acme");
  EXPECT_EQ(lost.status().code(), absl::StatusCode::kUnavailable);
  store_->down = false;
  auto retried = sessions_->Control(
      Control(id, v1::CONTROL_ACTION_NEXT, "next-2"), "acme");
  ASSERT_TRUE(retried.ok()) << retried.status();
  EXPECT_EQ(retried->version(), 3) << "the NEXT applied twice";
  // One step skipped, as a NEXT that nothing disturbed skips.
  auto reference = Start(PresetRequest(), "acme");
  ASSERT_TRUE(reference.ok());
  auto once = sessions_->Control(
      Control(reference->id(), v1::CONTROL_ACTION_NEXT, ""), "acme");
  ASSERT_TRUE(once.ok()) << once.status();
  auto twice_skipped = sessions_->Control(
      Control(reference->id(), v1::CONTROL_ACTION_NEXT, ""), "acme");
  ASSERT_TRUE(twice_skipped.ok()) << twice_skipped.status();
  EXPECT_EQ(retried->duration().seconds(), twice_skipped->duration().seconds());

  store_->lose_next_update = true;
  store_->down_after_lost_reply = true;
  EXPECT_EQ(
      sessions_->Control(Control(id, v1::CONTROL_ACTION_STOP, "stop-1"), "acme")
          .status()
          .code(),
      absl::StatusCode::kUnavailable);
  store_->down = false;
  auto stopped = sessions_->Control(
      Control(id, v1::CONTROL_ACTION_STOP, "stop-1"), "acme");
  ASSERT_TRUE(stopped.ok()) << stopped.status();
  EXPECT_EQ(stopped->state(), v1::SESSION_STATE_STOPPED);

  // Without a request_id, the same retry would have skipped a second step:
  // that is why the id is there.
  auto other = Start(PresetRequest(), "acme");
  ASSERT_TRUE(other.ok());
  store_->lose_next_update = true;
  EXPECT_FALSE(
      sessions_
          ->Control(Control(other->id(), v1::CONTROL_ACTION_NEXT, ""), "acme")
          .ok());
  auto twice = sessions_->Control(
      Control(other->id(), v1::CONTROL_ACTION_NEXT, ""), "acme");
  ASSERT_TRUE(twice.ok()) << twice.status();
  EXPECT_EQ(twice->version(), 3);
  EXPECT_LT(twice->duration().seconds(), once->duration().seconds());
}

TEST_F(SessionsRetryTest, AnotherKeysStoredSessionIsNotEvenReadBack) {
  auto started = Start(PresetRequest(), "acme");
  ASSERT_TRUE(started.ok()) << started.status();
  // A second server on the same database, with nothing in memory.
  std::unique_ptr<Sessions> other_server = MakeSessions(store_.get());
  v1::GetSessionRequest get;
  get.set_id(started->id());
  EXPECT_EQ(other_server->Get(get, "coachco").status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(other_server->registry().size(), 0u);
  EXPECT_TRUE(other_server->Get(get, "acme").ok());
  EXPECT_EQ(other_server->registry().size(), 1u);
}

}  // namespace
}  // namespace yoga::session

namespace yoga::session {
namespace {

StartSessionRequest ClassRequest() {
  StartSessionRequest request;
  request.mutable_compose()->set_preset_id(kPreset);
  *request.mutable_class_options()->mutable_control_delay() =
      ToProtoDuration(absl::Milliseconds(400));
  return request;
}

// Join codes drawn from `codes` in turn (then 999999), so that classes meet
// on one.
JoinCodeSource CodesInTurn(std::vector<int> codes) {
  auto left = std::make_shared<std::deque<int>>(codes.begin(), codes.end());
  return [left] {
    if (left->empty()) return 999'999;
    const int code = left->front();
    left->pop_front();
    return code;
  };
}

v1::ControlSessionRequest ClassControl(const v1::Session& session,
                                       v1::ControlAction action,
                                       absl::string_view token) {
  v1::ControlSessionRequest control;
  control.set_session_id(session.id());
  control.set_action(action);
  control.set_teacher_token(std::string(token));
  return control;
}

// Stops `group`, a class of the key "studio", as its teacher.
absl::Status StopClass(Sessions& sessions, const v1::Session& group) {
  return sessions
      .Control(ClassControl(group, v1::CONTROL_ACTION_STOP,
                            group.group_class().teacher_token()),
               "studio")
      .status();
}

TEST_F(SessionsTest, AClassHasAJoinCodeAndOnlyItsTeacherControlsIt) {
  auto started = Start(ClassRequest(), "studio");
  ASSERT_TRUE(started.ok()) << started.status();
  const v1::GroupClass& group = started->group_class();
  ASSERT_EQ(group.join_code().size(), 6u);
  EXPECT_TRUE(std::all_of(group.join_code().begin(), group.join_code().end(),
                          [](char c) { return c >= '0' && c <= '9'; }));
  EXPECT_EQ(group.control_delay().nanos(), 400'000'000);
  EXPECT_EQ(group.teacher_token().size(), 32u);

  // A mat finds it by its code, without the token.
  v1::JoinClassRequest join;
  join.set_join_code(group.join_code());
  auto joined = sessions_->JoinClass(join, "studio");
  ASSERT_TRUE(joined.ok()) << joined.status();
  EXPECT_EQ(joined->id(), started->id());
  EXPECT_EQ(joined->group_class().join_code(), group.join_code());
  EXPECT_TRUE(joined->group_class().teacher_token().empty());
  // Another key's class does not exist for it.
  EXPECT_EQ(sessions_->JoinClass(join, "other").status().code(),
            absl::StatusCode::kNotFound);

  // A mat cannot lead it; the teacher, or a key that may teach, can.
  auto refused = sessions_->Control(
      ClassControl(*started, v1::CONTROL_ACTION_PAUSE, ""), "studio");
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(ReasonOf(refused.status()), "CLASS_CONTROL_NOT_ALLOWED");
  refused = sessions_->Control(
      ClassControl(*started, v1::CONTROL_ACTION_PAUSE, "0123456789abcdef"),
      "studio");
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kPermissionDenied);
  auto paused = sessions_->Control(
      ClassControl(*started, v1::CONTROL_ACTION_PAUSE, group.teacher_token()),
      "studio");
  ASSERT_TRUE(paused.ok()) << paused.status();
  EXPECT_EQ(paused->state(), v1::SESSION_STATE_PAUSED);
  clock_.Advance(absl::Seconds(1));
  auto resumed = sessions_->Control(
      ClassControl(*started, v1::CONTROL_ACTION_RESUME, ""), "studio",
      /*may_teach=*/true);
  ASSERT_TRUE(resumed.ok()) << resumed.status();

  // Stopped, the class is gone for mats.
  clock_.Advance(absl::Seconds(1));
  ASSERT_TRUE(sessions_
                  ->Control(ClassControl(*started, v1::CONTROL_ACTION_STOP,
                                         group.teacher_token()),
                            "studio")
                  .ok());
  clock_.Advance(absl::Seconds(1));
  auto gone = sessions_->JoinClass(join, "studio");
  EXPECT_EQ(gone.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(ReasonOf(gone.status()), "CLASS_NOT_FOUND");
}

TEST_F(SessionsTest, AnEndedClassesCodeIsGivenAgainAndFindsOnlyTheNewClass) {
  sessions_ = MakeSessions(/*store=*/nullptr,
                           CodesInTurn({111'111, 111'111, 222'222, 111'111}));
  auto first = Start(ClassRequest(), "studio");
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(first->group_class().join_code(), "111111");
  // While the first runs, its code is drawn again and passed over.
  auto second = Start(ClassRequest(), "studio");
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(second->group_class().join_code(), "222222");

  clock_.Advance(absl::Seconds(1));
  ASSERT_TRUE(StopClass(*sessions_, *first).ok());
  clock_.Advance(absl::Seconds(1));
  // Ended, its code may go to the next class, and mats find that one.
  auto third = Start(ClassRequest(), "studio");
  ASSERT_TRUE(third.ok()) << third.status();
  EXPECT_EQ(third->group_class().join_code(), "111111");
  v1::JoinClassRequest join;
  join.set_join_code("111111");
  auto joined = sessions_->JoinClass(join, "studio");
  ASSERT_TRUE(joined.ok()) << joined.status();
  EXPECT_EQ(joined->id(), third->id());
  join.set_join_code("222222");
  joined = sessions_->JoinClass(join, "studio");
  ASSERT_TRUE(joined.ok()) << joined.status();
  EXPECT_EQ(joined->id(), second->id());
}

TEST_F(SessionsTest, BadClassRequestsNameTheField) {
  StartSessionRequest request = ClassRequest();
  *request.mutable_class_options()->mutable_control_delay() =
      ToProtoDuration(absl::Milliseconds(20));
  auto started = Start(request);
  EXPECT_EQ(started.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(started.status().message(),
              HasSubstr("class_options.control_delay"));
  for (const char* code : {"", "12345", "1234567", "12a456"}) {
    v1::JoinClassRequest join;
    join.set_join_code(code);
    auto joined = sessions_->JoinClass(join);
    EXPECT_EQ(joined.status().code(), absl::StatusCode::kInvalidArgument)
        << code;
    EXPECT_THAT(joined.status().message(), HasSubstr("join_code")) << code;
  }
  v1::JoinClassRequest unknown;
  unknown.set_join_code("000000");
  EXPECT_EQ(sessions_->JoinClass(unknown).status().code(),
            absl::StatusCode::kNotFound);
}

TEST_F(SessionsRetryTest, AnEndedClassesCodeNeverFindsItOnAnotherServer) {
  sessions_ = MakeSessions(store_.get(), CodesInTurn({111'111, 111'111}));
  auto first = Start(ClassRequest(), "studio");
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_EQ(first->group_class().join_code(), "111111");
  clock_.Advance(absl::Seconds(1));
  ASSERT_TRUE(StopClass(*sessions_, *first).ok());
  clock_.Advance(absl::Seconds(1));
  // A stopped class's row is finished at once: its code is free there too.
  auto next = Start(ClassRequest(), "studio");
  ASSERT_TRUE(next.ok()) << next.status();
  ASSERT_EQ(next->group_class().join_code(), "111111");

  // A server that has neither in memory finds the new class by the code,
  // never the ended one.
  std::unique_ptr<Sessions> other =
      MakeSessions(store_.get(), CodesInTurn({111'111, 333'333}));
  v1::JoinClassRequest join;
  join.set_join_code("111111");
  for (Sessions* server : {sessions_.get(), other.get()}) {
    auto joined = server->JoinClass(join, "studio");
    ASSERT_TRUE(joined.ok()) << joined.status();
    EXPECT_EQ(joined->id(), next->id());
  }
  // The other server draws the live class's code: the database refuses it
  // and another is drawn.
  std::swap(sessions_, other);
  auto third = Start(ClassRequest(), "studio");
  std::swap(sessions_, other);
  ASSERT_TRUE(third.ok()) << third.status();
  EXPECT_EQ(third->group_class().join_code(), "333333");
}

TEST_F(SessionsRetryTest, AClassIsFoundByItsCodeAfterARestart) {
  auto started = Start(ClassRequest(), "studio");
  ASSERT_TRUE(started.ok()) << started.status();
  // A new server on the same database knows nothing in memory.
  sessions_ = MakeSessions(store_.get());
  v1::JoinClassRequest join;
  join.set_join_code(started->group_class().join_code());
  auto joined = sessions_->JoinClass(join, "studio");
  ASSERT_TRUE(joined.ok()) << joined.status();
  EXPECT_EQ(joined->id(), started->id());
  EXPECT_EQ(joined->group_class().control_delay().nanos(), 400'000'000);
  // Its teacher still leads it; a mat still cannot.
  EXPECT_EQ(sessions_
                ->Control(ClassControl(*started, v1::CONTROL_ACTION_PAUSE, ""),
                          "studio")
                .status()
                .code(),
            absl::StatusCode::kPermissionDenied);
  EXPECT_TRUE(
      sessions_
          ->Control(ClassControl(*started, v1::CONTROL_ACTION_PAUSE,
                                 started->group_class().teacher_token()),
                    "studio")
          .ok());
}

}  // namespace
}  // namespace yoga::session
