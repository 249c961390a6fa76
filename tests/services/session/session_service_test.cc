// SessionService over real gRPC on loopback, with the session clock faked: the
// tests move time by hand, so cues fall due without any sleeping, and every
// read has a real deadline so nothing hangs.
#include "services/session/session_service.h"

#include <chrono>
#include <functional>
#include <memory>
#include <set>

#include "gmock/gmock.h"
#include "grpcpp/create_channel.h"
#include "gtest/gtest.h"
#include "services/common/errors.h"
#include "services/common/proto_time.h"
#include "services/planner/planner.h"
#include "services/planner/planner_service.h"
#include "services/runtime/service_host.h"
#include "tests/services/session/session_test_routines.h"

namespace yoga::session {
namespace {

using ::testing::HasSubstr;
using yoga::session::v1::CueEvent;
using yoga::session::v1::SessionService;
using yoga::session::v1::StartSessionRequest;

constexpr char kPreset[] = "runners-lower-back-four";

// The fields an INVALID_ARGUMENT names in its BadRequest.
std::vector<std::string> BadFields(const grpc::Status& status) {
  std::vector<std::string> fields;
  if (auto detail = BadRequestOf(FromGrpcStatus(status))) {
    for (const auto& violation : detail->field_violations())
      fields.push_back(violation.field());
  }
  return fields;
}

template <typename Context>
void SetDeadline(Context& context, int seconds = 20) {
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::seconds(seconds));
}

// One StreamCues call, read by the test.
class CueReader {
 public:
  CueReader(SessionService::Stub& stub, const std::string& session_id,
            int64_t after_seq = 0) {
    SetDeadline(context_, 30);
    yoga::session::v1::StreamCuesRequest request;
    request.set_session_id(session_id);
    request.set_after_seq(after_seq);
    reader_ = stub.StreamCues(&context_, request);
  }
  // Reads until an event satisfies `done` (included in the result); the
  // stream ending first fails the test.
  std::vector<CueEvent> ReadUntil(
      const std::function<bool(const CueEvent&)>& done) {
    std::vector<CueEvent> events;
    CueEvent event;
    while (reader_->Read(&event)) {
      started_ = true;
      events.push_back(event);
      if (event.seq() > 0) last_seq_ = event.seq();
      if (done(event)) return events;
    }
    ADD_FAILURE() << "the stream ended before the awaited event";
    return events;
  }
  std::vector<CueEvent> ReadUntilKind(yoga::session::v1::CueKind kind) {
    return ReadUntil([kind](const CueEvent& e) { return e.kind() == kind; });
  }
  // Reads what is left, then the status.
  grpc::Status Finish(std::vector<CueEvent>* rest = nullptr) {
    CueEvent event;
    while (reader_->Read(&event)) {
      if (event.seq() > 0) last_seq_ = event.seq();
      if (rest != nullptr) rest->push_back(event);
    }
    return reader_->Finish();
  }
  void Cancel() { context_.TryCancel(); }
  int64_t last_seq() const { return last_seq_; }
  // Some event was read.
  bool started() const { return started_; }

 private:
  grpc::ClientContext context_;
  std::unique_ptr<grpc::ClientReader<CueEvent>> reader_;
  int64_t last_seq_ = 0;
  bool started_ = false;
};

class SessionServiceTest : public ::testing::Test {
 protected:
  static SessionServiceConfig TestConfig() {
    SessionServiceConfig config;
    config.timing.heartbeat = absl::Milliseconds(100);
    return config;
  }

  ~SessionServiceTest() override {
    if (host_ != nullptr) {
      service_->Shutdown();
      host_->Shutdown();
      host_->Wait();
    }
  }

  // Starts catalog-less planner and session services on 127.0.0.1:0.
  void Start(SessionServiceConfig config = TestConfig()) {
    auto files = planner::ReadPresetFiles(YOGA_SOURCE_DIR "/assets/presets");
    ASSERT_TRUE(files.ok()) << files.status();
    planner_ = std::make_unique<planner::Planner>(*std::move(files));
    std::shared_ptr<const catalog::Catalog> catalog(
        &testing::ShippedCatalog(), [](const catalog::Catalog*) {});
    ASSERT_TRUE(planner_->UseCatalog(catalog).ok());
    planner_service_ = std::make_unique<planner::PlannerServiceImpl>(*planner_);
    VoicePacks packs;
    packs[kDefaultVoicePack] =
        std::make_shared<const PromptDurations>(kDefaultVoicePack);
    service_ = std::make_unique<SessionServiceImpl>(
        clock_, config, packs, [catalog] { return catalog; }, nullptr);
    ServerOptions options;
    options.listen = "127.0.0.1:0";
    options.shutdown_grace = absl::Seconds(5);
    auto host = ServiceHost::Start(
        options, {{planner::kPlannerServiceName, planner_service_.get()},
                  {kSessionServiceName, service_.get()}});
    ASSERT_TRUE(host.ok()) << host.status();
    host_ = *std::move(host);
    service_->UsePlanner(
        yoga::planner::v1::PlannerService::NewStub(host_->InProcessChannel()));
    stub_ = SessionService::NewStub(grpc::CreateChannel(
        host_->address(), grpc::InsecureChannelCredentials()));
  }

  grpc::Status StartSession(const StartSessionRequest& request,
                            yoga::session::v1::Session* session) {
    grpc::ClientContext context;
    SetDeadline(context);
    return stub_->StartSession(&context, request, session);
  }
  // A session of the preset, or of `routine` when given, at `verbosity`.
  yoga::session::v1::Session StartPreset(
      yoga::session::v1::Verbosity verbosity =
          yoga::session::v1::VERBOSITY_MINIMAL) {
    StartSessionRequest request;
    request.mutable_compose()->set_preset_id(kPreset);
    request.mutable_options()->set_verbosity(verbosity);
    *request.mutable_options()->mutable_lead_in() =
        ToProtoDuration(absl::ZeroDuration());
    yoga::session::v1::Session session;
    grpc::Status status = StartSession(request, &session);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return session;
  }
  grpc::Status Control(const std::string& id,
                       yoga::session::v1::ControlAction action,
                       yoga::session::v1::Session* session = nullptr) {
    grpc::ClientContext context;
    SetDeadline(context);
    yoga::session::v1::ControlSessionRequest request;
    request.set_session_id(id);
    request.set_action(action);
    yoga::session::v1::Session ignored;
    return stub_->ControlSession(&context, request,
                                 session != nullptr ? session : &ignored);
  }
  // The session's whole planned timeline (GetSessionTimeline).
  yoga::session::v1::SessionTimeline TimelineOf(const std::string& id) {
    grpc::ClientContext context;
    SetDeadline(context);
    yoga::session::v1::GetSessionTimelineRequest request;
    request.set_session_id(id);
    yoga::session::v1::SessionTimeline timeline;
    const grpc::Status status =
        stub_->GetSessionTimeline(&context, request, &timeline);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return timeline;
  }
  yoga::session::v1::Session Get(const std::string& id) {
    grpc::ClientContext context;
    SetDeadline(context);
    yoga::session::v1::GetSessionRequest request;
    request.set_id(id);
    yoga::session::v1::Session session;
    grpc::Status status = stub_->GetSession(&context, request, &session);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return session;
  }
  // Reads a stream of a running session to its end, moving the fake clock half
  // a second at a time. Every step gets at least one event stamped with the
  // new session time (a heartbeat if nothing else, as heartbeats come every
  // 100 ms in these tests), so the reader knows the server has caught up
  // before time moves on. A fresh stream's first event (sent at once, a
  // heartbeat if nothing is due) is awaited before time first moves, so that
  // a cue due at the start goes out at the start however late the server's
  // stream got going. Returns every event.
  std::vector<CueEvent> PlayToTheEnd(CueReader& reader,
                                     const std::string& session_id,
                                     grpc::Status* status) {
    std::vector<CueEvent> events;
    if (!reader.started())
      events = reader.ReadUntil([](const CueEvent&) { return true; });
    int64_t now_ms =
        absl::ToInt64Milliseconds(FromProtoDuration(Get(session_id).elapsed()));
    bool ended = false;
    for (int i = 0; i < 20000 && !ended; ++i) {
      clock_.Advance(absl::Milliseconds(500));
      now_ms += 500;
      std::vector<CueEvent> more = reader.ReadUntil([&](const CueEvent& e) {
        ended = e.kind() == yoga::session::v1::CUE_KIND_END;
        return ended || e.session_time_ms() >= now_ms;
      });
      events.insert(events.end(), more.begin(), more.end());
      if (more.empty()) break;
    }
    clock_.Advance(absl::Minutes(5));  // Past the end: the stream finishes.
    *status = reader.Finish(&events);
    return events;
  }
  static std::vector<int64_t> Seqs(const std::vector<CueEvent>& events) {
    std::vector<int64_t> seqs;
    for (const CueEvent& event : events) {
      if (event.seq() > 0) seqs.push_back(event.seq());
    }
    return seqs;
  }

  FakeClock clock_;
  std::unique_ptr<planner::Planner> planner_;
  std::unique_ptr<planner::PlannerServiceImpl> planner_service_;
  std::unique_ptr<SessionServiceImpl> service_;
  std::unique_ptr<ServiceHost> host_;
  std::unique_ptr<SessionService::Stub> stub_;
};

TEST_F(SessionServiceTest, StartsFromAComposeRequestARoutineIdOrARoutine) {
  Start();
  const yoga::session::v1::Session composed =
      StartPreset(yoga::session::v1::VERBOSITY_UNSPECIFIED);
  EXPECT_EQ(composed.state(), yoga::session::v1::SESSION_STATE_RUNNING);
  EXPECT_EQ(composed.routine().preset_id(), kPreset);
  EXPECT_EQ(composed.options().verbosity(), yoga::session::v1::VERBOSITY_FULL);
  EXPECT_EQ(composed.options().voice_pack(), kDefaultVoicePack);
  EXPECT_EQ(composed.options().breath_length().seconds(), 5);
  EXPECT_GT(composed.last_seq(), 20);
  EXPECT_EQ(composed.id().size(), 24u);

  StartSessionRequest by_id;
  by_id.set_routine_id(composed.routine().id());
  yoga::session::v1::Session second;
  ASSERT_TRUE(StartSession(by_id, &second).ok());
  EXPECT_EQ(second.routine().id(), composed.routine().id());
  EXPECT_NE(second.id(), composed.id());
  EXPECT_EQ(second.options().lead_in().seconds(), 5) << "the default lead-in";

  StartSessionRequest inline_routine;
  *inline_routine.mutable_routine() = composed.routine();
  yoga::session::v1::Session third;
  ASSERT_TRUE(StartSession(inline_routine, &third).ok());
  EXPECT_EQ(third.routine().steps_size(), composed.routine().steps_size());

  // An inline routine without a breath is timed with the planner's default.
  inline_routine.mutable_routine()->clear_breath_length();
  yoga::session::v1::Session fourth;
  const grpc::Status status = StartSession(inline_routine, &fourth);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(fourth.options().breath_length().seconds(), 5);
  EXPECT_EQ(Get(third.id()).state(), yoga::session::v1::SESSION_STATE_RUNNING);
}

TEST_F(SessionServiceTest, BadRequestsNameTheField) {
  Start();
  struct Case {
    std::string name;
    std::function<void(StartSessionRequest&)> change;
    grpc::StatusCode code;
    std::string field;
  };
  const std::vector<Case> cases = {
      {"no source", [](StartSessionRequest&) {},
       grpc::StatusCode::INVALID_ARGUMENT, "source"},
      {"long lead-in",
       [](StartSessionRequest& r) {
         r.mutable_compose()->set_preset_id(kPreset);
         *r.mutable_options()->mutable_lead_in() =
             ToProtoDuration(absl::Minutes(10));
       },
       grpc::StatusCode::INVALID_ARGUMENT, "options.lead_in"},
      {"unknown voice pack",
       [](StartSessionRequest& r) {
         r.mutable_compose()->set_preset_id(kPreset);
         r.mutable_options()->set_voice_pack("robot");
       },
       grpc::StatusCode::INVALID_ARGUMENT, "options.voice_pack"},
      {"unknown verbosity",
       [](StartSessionRequest& r) {
         r.mutable_compose()->set_preset_id(kPreset);
         r.mutable_options()->set_verbosity(
             static_cast<yoga::session::v1::Verbosity>(99));
       },
       grpc::StatusCode::INVALID_ARGUMENT, "options.verbosity"},
      {"breath out of range",
       [](StartSessionRequest& r) {
         r.mutable_compose()->set_preset_id(kPreset);
         *r.mutable_options()->mutable_breath_length() =
             ToProtoDuration(absl::Seconds(30));
       },
       grpc::StatusCode::INVALID_ARGUMENT, "options.breath_length"},
      {"breath other than the routine's",
       [](StartSessionRequest& r) {
         *r.mutable_routine() = testing::PresetRoutine(kPreset);
         *r.mutable_options()->mutable_breath_length() =
             ToProtoDuration(absl::Seconds(7));
       },
       grpc::StatusCode::INVALID_ARGUMENT, "options.breath_length"},
      {"compose breaths that disagree",
       [](StartSessionRequest& r) {
         auto& compose = *r.mutable_compose();
         compose.mutable_constraints()->mutable_target_duration()->set_seconds(
             600);
         *compose.mutable_constraints()->mutable_breath_length() =
             ToProtoDuration(absl::Seconds(6));
         *compose.mutable_breath_length() = ToProtoDuration(absl::Seconds(7));
       },
       grpc::StatusCode::INVALID_ARGUMENT, "compose.breath_length"},
      {"bad inline step",
       [](StartSessionRequest& r) {
         *r.mutable_routine() = testing::PresetRoutine(kPreset);
         r.mutable_routine()->mutable_steps(0)->set_hold_count(100000);
       },
       grpc::StatusCode::INVALID_ARGUMENT, "routine.steps[0].hold_count"},
      {"bad constraint",
       [](StartSessionRequest& r) {
         *r.mutable_compose()
              ->mutable_constraints()
              ->mutable_target_duration() = ToProtoDuration(absl::Hours(5));
       },
       grpc::StatusCode::INVALID_ARGUMENT,
       "compose.constraints.target_duration"},
      {"unknown routine id",
       [](StartSessionRequest& r) { r.set_routine_id("0123456789abcdef"); },
       grpc::StatusCode::NOT_FOUND, ""},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    StartSessionRequest request;
    c.change(request);
    yoga::session::v1::Session session;
    const grpc::Status status = StartSession(request, &session);
    EXPECT_EQ(status.error_code(), c.code) << status.error_message();
    if (!c.field.empty()) {
      EXPECT_THAT(BadFields(status), ::testing::Contains(c.field))
          << status.error_message();
    }
  }
}

// A runner who asks for a slower breath gets the preset at that pace: the
// planner retimes its breath-counted holds and the session plays them so.
TEST_F(SessionServiceTest, PlaysAPresetAtTheBreathAskedFor) {
  Start();
  constexpr char kBreathPreset[] = "postrun-low-back-stretches";
  StartSessionRequest request;
  request.mutable_compose()->set_preset_id(kBreathPreset);
  request.mutable_options()->set_verbosity(
      yoga::session::v1::VERBOSITY_MINIMAL);
  *request.mutable_options()->mutable_lead_in() =
      ToProtoDuration(absl::ZeroDuration());
  *request.mutable_options()->mutable_breath_length() =
      ToProtoDuration(absl::Seconds(7));
  yoga::session::v1::Session session;
  const grpc::Status started = StartSession(request, &session);
  ASSERT_TRUE(started.ok()) << started.error_message();
  EXPECT_EQ(FromProtoDuration(session.options().breath_length()),
            absl::Seconds(7));
  const auto& routine = session.routine();
  EXPECT_EQ(routine.preset_id(), kBreathPreset);
  EXPECT_EQ(FromProtoDuration(routine.breath_length()), absl::Seconds(7));
  EXPECT_NE(routine.id(), testing::PresetRoutine(kBreathPreset).id());

  // A sided step held in breaths (no deepening around it): its hold, from
  // the hold-start cue to the chime that ends it, is its breaths at 7 s.
  int step = -1;
  for (int i = 0; i < routine.steps_size(); ++i) {
    if (routine.steps(i).hold_unit() == yoga::type::v1::HOLD_UNIT_BREATHS &&
        routine.steps(i).side() != yoga::type::v1::SIDE_UNSPECIFIED) {
      step = i;
      break;
    }
  }
  ASSERT_GE(step, 0);
  const int64_t hold_ms = routine.steps(step).hold_count() * 7000;
  EXPECT_EQ(
      absl::ToInt64Milliseconds(FromProtoDuration(routine.steps(step).hold())),
      hold_ms);

  CueReader reader(*stub_, session.id());
  grpc::Status status;
  const std::vector<CueEvent> events =
      PlayToTheEnd(reader, session.id(), &status);
  EXPECT_TRUE(status.ok()) << status.error_message();
  int64_t hold_start = -1;
  int64_t hold_end = -1;
  for (const CueEvent& event : events) {
    if (event.seq() == 0 || event.step_index() != step) continue;
    if (event.kind() == yoga::session::v1::CUE_KIND_HOLD_START &&
        hold_start < 0) {
      hold_start = event.offset_ms();
    } else if (event.kind() == yoga::session::v1::CUE_KIND_CHIME &&
               hold_start >= 0 && hold_end < 0) {
      hold_end = event.offset_ms();
    }
  }
  ASSERT_GE(hold_start, 0) << "no hold start for step " << step;
  EXPECT_EQ(hold_end - hold_start, hold_ms);
}

TEST_F(SessionServiceTest, UnknownSessionsAndBadControlsAreRefused) {
  Start();
  EXPECT_EQ(
      Control("nope", yoga::session::v1::CONTROL_ACTION_PAUSE).error_code(),
      grpc::StatusCode::NOT_FOUND);
  grpc::ClientContext context;
  SetDeadline(context);
  yoga::session::v1::GetSessionRequest get;
  get.set_id("nope");
  yoga::session::v1::Session ignored;
  EXPECT_EQ(stub_->GetSession(&context, get, &ignored).error_code(),
            grpc::StatusCode::NOT_FOUND);
  CueReader unknown(*stub_, "nope");
  EXPECT_EQ(unknown.Finish().error_code(), grpc::StatusCode::NOT_FOUND);

  const auto session = StartPreset();
  const grpc::Status unspecified =
      Control(session.id(), yoga::session::v1::CONTROL_ACTION_UNSPECIFIED);
  EXPECT_EQ(unspecified.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(BadFields(unspecified), ::testing::ElementsAre("action"));
  EXPECT_EQ(Control(session.id(), yoga::session::v1::CONTROL_ACTION_RESUME)
                .error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);
  CueReader beyond(*stub_, session.id(), session.last_seq() + 5);
  const grpc::Status status = beyond.Finish();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(BadFields(status), ::testing::ElementsAre("after_seq"));
  EXPECT_THAT(status.error_message(), HasSubstr("beyond the session's last cue"));
}

TEST_F(SessionServiceTest, StreamsEveryCueAheadOfTimeAndEnds) {
  Start();
  const auto session = StartPreset();
  CueReader reader(*stub_, session.id());
  grpc::Status status;
  const std::vector<CueEvent> events =
      PlayToTheEnd(reader, session.id(), &status);
  EXPECT_TRUE(status.ok()) << status.error_message();
  const std::vector<int64_t> seqs = Seqs(events);
  ASSERT_EQ(seqs.size(), static_cast<size_t>(session.last_seq()));
  for (size_t i = 0; i < seqs.size(); ++i) EXPECT_EQ(seqs[i], int64_t(i) + 1);
  for (const CueEvent& event : events) {
    if (event.seq() == 0) continue;
    // Sent within the lookahead, never after the cue's time (the welcome at
    // 0 with no lead-in can only go at once).
    EXPECT_LE(event.session_time_ms(), event.offset_ms()) << event.seq();
    if (event.offset_ms() >= 1500) {
      EXPECT_LT(event.session_time_ms(), event.offset_ms()) << event.seq();
    }
    EXPECT_GE(event.session_time_ms(), event.offset_ms() - 1500) << event.seq();
  }
  EXPECT_EQ(Get(session.id()).state(),
            yoga::session::v1::SESSION_STATE_COMPLETED);
}

TEST_F(SessionServiceTest,
       TheTimelineIsWhatTheStreamPlaysWhenNothingIsSkipped) {
  Start();
  const auto session = StartPreset(yoga::session::v1::VERBOSITY_BRIEF);
  const yoga::session::v1::SessionTimeline timeline = TimelineOf(session.id());
  EXPECT_EQ(timeline.cues_size(), session.last_seq());
  EXPECT_EQ(timeline.steps_size(), session.routine().steps_size());
  EXPECT_EQ(FromProtoDuration(timeline.duration()),
            FromProtoDuration(session.duration()));
  for (const auto& step : timeline.steps()) {
    EXPECT_LE(step.begin_ms(), step.hold_start_ms());
    EXPECT_LT(step.hold_start_ms(), step.hold_end_ms());
  }

  CueReader reader(*stub_, session.id());
  grpc::Status status;
  std::vector<CueEvent> cues = PlayToTheEnd(reader, session.id(), &status);
  ASSERT_TRUE(status.ok()) << status.error_message();
  std::erase_if(cues, [](const CueEvent& cue) { return cue.seq() == 0; });
  ASSERT_EQ(cues.size(), static_cast<size_t>(timeline.cues_size()));
  for (size_t i = 0; i < cues.size(); ++i) {
    // When it was sent, on the session's clock and the server's.
    cues[i].clear_session_time_ms();
    cues[i].clear_server_time();
    EXPECT_EQ(cues[i].DebugString(), timeline.cues(i).DebugString()) << i;
  }

  for (const std::string& id : {std::string(""), std::string("nope")}) {
    grpc::ClientContext bad_context;
    SetDeadline(bad_context);
    yoga::session::v1::GetSessionTimelineRequest request;
    request.set_session_id(id);
    yoga::session::v1::SessionTimeline none;
    const grpc::Status refused =
        stub_->GetSessionTimeline(&bad_context, request, &none);
    EXPECT_EQ(refused.error_code(), id.empty()
                                        ? grpc::StatusCode::INVALID_ARGUMENT
                                        : grpc::StatusCode::NOT_FOUND);
    if (id.empty()) {
      EXPECT_THAT(BadFields(refused), ::testing::ElementsAre("session_id"));
    }
  }
}

TEST_F(SessionServiceTest, PauseResumeNextAndPreviousReachTheStream) {
  Start();
  const auto session = StartPreset();
  CueReader reader(*stub_, session.id());
  // Past the opening: the first pose is being announced.
  const int64_t announced_ms =
      TimelineOf(session.id()).steps(0).begin_ms() + 1000;
  for (int64_t ms = 0; ms < announced_ms; ms += 1000)
    clock_.Advance(
        absl::Milliseconds(std::min<int64_t>(1000, announced_ms - ms)));
  reader.ReadUntil(
      [](const CueEvent& e) { return e.seq() > 0 && e.step_index() == 0; });

  yoga::session::v1::Session paused;
  ASSERT_TRUE(
      Control(session.id(), yoga::session::v1::CONTROL_ACTION_PAUSE, &paused)
          .ok());
  EXPECT_EQ(paused.state(), yoga::session::v1::SESSION_STATE_PAUSED);
  reader.ReadUntilKind(yoga::session::v1::CUE_KIND_PAUSED);
  for (int i = 0; i < 60; ++i) clock_.Advance(absl::Seconds(1));
  ASSERT_TRUE(
      Control(session.id(), yoga::session::v1::CONTROL_ACTION_RESUME).ok());
  for (const CueEvent& e :
       reader.ReadUntilKind(yoga::session::v1::CUE_KIND_RESUMED)) {
    EXPECT_EQ(e.seq(), 0) << "no cue while paused";
  }
  EXPECT_EQ(
      absl::ToInt64Milliseconds(FromProtoDuration(Get(session.id()).elapsed())),
      announced_ms);

  // NEXT in the announcement of the first pose skips it.
  ASSERT_TRUE(
      Control(session.id(), yoga::session::v1::CONTROL_ACTION_NEXT).ok());
  std::vector<CueEvent> events =
      reader.ReadUntilKind(yoga::session::v1::CUE_KIND_SKIPPED);
  clock_.Advance(absl::Seconds(2));
  events = reader.ReadUntil([](const CueEvent& e) { return e.seq() > 0; });
  EXPECT_EQ(events.back().seq(), reader.last_seq());
  EXPECT_EQ(events.back().step_index(), 1);
  EXPECT_EQ(events.back().kind(), yoga::session::v1::CUE_KIND_POSE);
  EXPECT_EQ(Get(session.id()).current_step_index(), 1);

  ASSERT_TRUE(
      Control(session.id(), yoga::session::v1::CONTROL_ACTION_PREVIOUS).ok());
  reader.ReadUntilKind(yoga::session::v1::CUE_KIND_SKIPPED);
  clock_.Advance(absl::Seconds(2));
  events = reader.ReadUntil([](const CueEvent& e) { return e.seq() > 0; });
  EXPECT_EQ(events.back().step_index(), 0);
  EXPECT_EQ(Control(session.id(), yoga::session::v1::CONTROL_ACTION_PREVIOUS)
                .error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);

  ASSERT_TRUE(
      Control(session.id(), yoga::session::v1::CONTROL_ACTION_STOP).ok());
  reader.ReadUntilKind(yoga::session::v1::CUE_KIND_STOPPED);
  EXPECT_TRUE(reader.Finish().ok());
  EXPECT_EQ(Get(session.id()).state(),
            yoga::session::v1::SESSION_STATE_STOPPED);
}

TEST_F(SessionServiceTest, ResumingAfterADisconnectLosesAndRepeatsNothing) {
  Start();
  const auto session = StartPreset();
  std::vector<int64_t> seqs;
  {
    CueReader first(*stub_, session.id());
    // Until the third cue is due.
    clock_.Advance(absl::Milliseconds(
        TimelineOf(session.id()).cues(2).offset_ms() + 1000));
    for (const CueEvent& e :
         first.ReadUntil([](const CueEvent& e) { return e.seq() >= 3; })) {
      if (e.seq() > 0) seqs.push_back(e.seq());
    }
    first.Cancel();
    EXPECT_EQ(first.Finish().error_code(), grpc::StatusCode::CANCELLED);
  }
  // Cues fall due while the client is away; it gets them when it is back.
  clock_.Advance(absl::Seconds(40));
  CueReader second(*stub_, session.id(), seqs.back());
  grpc::Status status;
  for (int64_t seq : Seqs(PlayToTheEnd(second, session.id(), &status)))
    seqs.push_back(seq);
  EXPECT_TRUE(status.ok()) << status.error_message();
  ASSERT_EQ(seqs.size(), static_cast<size_t>(session.last_seq()));
  for (size_t i = 0; i < seqs.size(); ++i) EXPECT_EQ(seqs[i], int64_t(i) + 1);
}

// STAY_LONGER late in a hold, when its chime was already sent ahead: the
// stream withdraws it and sends it again, one breath later and with a new
// seq, after "Stay for one more breath."; a client that drops away and comes
// back with after_seq gets every later cue once.
TEST_F(SessionServiceTest, StayLongerMovesTheChimeOneBreathAndResumesOnce) {
  Start();
  const auto session = StartPreset();
  const yoga::session::v1::SessionTimeline timeline = TimelineOf(session.id());
  const yoga::session::v1::StepTiming& hold = timeline.steps(0);
  const int64_t breath_ms = absl::ToInt64Milliseconds(
      FromProtoDuration(session.options().breath_length()));
  ASSERT_EQ(breath_ms, 5000);

  // Not in a hold yet: refused, and nothing changes.
  const grpc::Status early =
      Control(session.id(), yoga::session::v1::CONTROL_ACTION_STAY_LONGER);
  EXPECT_EQ(early.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(early.error_message(), HasSubstr("opening words"));

  CueReader first(*stub_, session.id());
  std::vector<CueEvent> heard =
      first.ReadUntil([](const CueEvent&) { return true; });
  // A second before the hold's end: its chime has gone out (lookahead 1.5 s).
  const int64_t stay_ms = hold.hold_end_ms() - 1000;
  for (int64_t now_ms = 0; now_ms < stay_ms;) {
    const int64_t step = std::min<int64_t>(500, stay_ms - now_ms);
    clock_.Advance(absl::Milliseconds(step));
    now_ms += step;
    for (const CueEvent& e : first.ReadUntil([&](const CueEvent& e) {
           return e.session_time_ms() >= now_ms;
         })) {
      heard.push_back(e);
    }
  }
  auto is_first_chime = [](const CueEvent& e) {
    return e.kind() == yoga::session::v1::CUE_KIND_CHIME && e.step_index() == 0;
  };
  const auto sent_chime =
      std::find_if(heard.begin(), heard.end(), is_first_chime);
  ASSERT_NE(sent_chime, heard.end()) << "the chime was sent ahead";
  EXPECT_EQ(sent_chime->offset_ms(), hold.hold_end_ms());
  const int64_t old_chime_seq = sent_chime->seq();

  yoga::session::v1::Session longer;
  ASSERT_TRUE(Control(session.id(),
                      yoga::session::v1::CONTROL_ACTION_STAY_LONGER, &longer)
                  .ok());
  EXPECT_EQ(longer.state(), yoga::session::v1::SESSION_STATE_RUNNING);
  EXPECT_EQ(longer.current_step_index(), 0);
  EXPECT_EQ(
      FromProtoDuration(longer.duration()),
      FromProtoDuration(session.duration()) + absl::Milliseconds(breath_ms));
  EXPECT_EQ(FromProtoDuration(longer.elapsed()), absl::Milliseconds(stay_ms));

  std::vector<CueEvent> events =
      first.ReadUntilKind(yoga::session::v1::CUE_KIND_SKIPPED);
  EXPECT_EQ(events.back().offset_ms(), stay_ms);
  heard.insert(heard.end(), events.begin(), events.end());
  events = first.ReadUntil([](const CueEvent& e) { return e.seq() > 0; });
  heard.insert(heard.end(), events.begin(), events.end());
  const CueEvent& prompt = events.back();
  EXPECT_EQ(prompt.prompt_key(), "hold.stay-longer");
  EXPECT_EQ(prompt.text(), "Stay for one more breath.");
  EXPECT_GE(prompt.offset_ms(), stay_ms);
  EXPECT_GT(prompt.seq(), old_chime_seq);
  // The client drops away; a breath later it comes back after its last seq.
  first.Cancel();
  first.Finish();
  clock_.Advance(absl::Seconds(2));
  CueReader second(*stub_, session.id(), first.last_seq());
  grpc::Status status;
  for (const CueEvent& e : PlayToTheEnd(second, session.id(), &status))
    heard.push_back(e);
  ASSERT_TRUE(status.ok()) << status.error_message();

  // Every seq once, in order, and the session one breath longer.
  const std::vector<int64_t> seqs = Seqs(heard);
  const yoga::session::v1::Session ended = Get(session.id());
  ASSERT_EQ(seqs.size(), static_cast<size_t>(ended.last_seq()));
  for (size_t i = 0; i < seqs.size(); ++i) EXPECT_EQ(seqs[i], int64_t(i) + 1);
  EXPECT_EQ(ended.state(), yoga::session::v1::SESSION_STATE_COMPLETED);
  EXPECT_EQ(FromProtoDuration(ended.duration()),
            FromProtoDuration(longer.duration()));
  // The chime that ends the hold, sent again after the SKIPPED: one breath
  // later than planned.
  const auto skipped =
      std::find_if(heard.begin(), heard.end(), [](const CueEvent& e) {
        return e.kind() == yoga::session::v1::CUE_KIND_SKIPPED;
      });
  const auto chime = std::find_if(skipped, heard.end(), is_first_chime);
  ASSERT_NE(chime, heard.end());
  EXPECT_EQ(chime->offset_ms(), hold.hold_end_ms() + breath_ms);
  EXPECT_GT(chime->seq(), prompt.seq());
  EXPECT_GE(chime->offset_ms(), prompt.offset_ms() + prompt.duration_ms());
}

TEST_F(SessionServiceTest, TwoClientsFollowOneSessionAndSeeEachOthersControls) {
  Start();
  const auto session = StartPreset();
  CueReader one(*stub_, session.id());
  CueReader two(*stub_, session.id());
  clock_.Advance(absl::Seconds(3));
  one.ReadUntil([](const CueEvent& e) { return e.seq() == 2; });
  two.ReadUntil([](const CueEvent& e) { return e.seq() == 2; });
  EXPECT_EQ(Get(session.id()).stream_count(), 2);
  ASSERT_TRUE(
      Control(session.id(), yoga::session::v1::CONTROL_ACTION_PAUSE).ok());
  one.ReadUntilKind(yoga::session::v1::CUE_KIND_PAUSED);
  two.ReadUntilKind(yoga::session::v1::CUE_KIND_PAUSED);
  ASSERT_TRUE(
      Control(session.id(), yoga::session::v1::CONTROL_ACTION_RESUME).ok());
  grpc::Status status_one, status_two;
  const auto events_one = PlayToTheEnd(one, session.id(), &status_one);
  const auto events_two = PlayToTheEnd(two, session.id(), &status_two);
  EXPECT_TRUE(status_one.ok());
  EXPECT_TRUE(status_two.ok());
  EXPECT_EQ(Seqs(events_one), Seqs(events_two));
  EXPECT_FALSE(Seqs(events_one).empty());
}

TEST_F(SessionServiceTest, ACancelledClientLeavesTheSessionRunning) {
  Start();
  const auto session = StartPreset();
  {
    CueReader reader(*stub_, session.id());
    clock_.Advance(absl::Seconds(2));
    reader.ReadUntil([](const CueEvent& e) { return e.seq() >= 1; });
    EXPECT_EQ(Get(session.id()).stream_count(), 1);
    reader.Cancel();
    reader.Finish();
  }
  int streams = 1;
  for (int i = 0; i < 500 && streams != 0; ++i) {
    streams = Get(session.id()).stream_count();
    if (streams != 0) absl::SleepFor(absl::Milliseconds(10));
  }
  EXPECT_EQ(streams, 0);
  EXPECT_EQ(Get(session.id()).state(),
            yoga::session::v1::SESSION_STATE_RUNNING);
}

TEST_F(SessionServiceTest, SessionsAndStreamsAreLimited) {
  SessionServiceConfig config = TestConfig();
  config.limits.max_sessions = 2;
  config.limits.max_streams_per_session = 1;
  Start(config);
  const auto session = StartPreset();
  StartPreset();
  StartSessionRequest request;
  request.mutable_compose()->set_preset_id(kPreset);
  yoga::session::v1::Session third;
  EXPECT_EQ(StartSession(request, &third).error_code(),
            grpc::StatusCode::RESOURCE_EXHAUSTED);

  CueReader first(*stub_, session.id());
  clock_.Advance(absl::Seconds(2));
  first.ReadUntil([](const CueEvent& e) { return e.seq() >= 1; });
  CueReader second(*stub_, session.id());
  EXPECT_EQ(second.Finish().error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
}

TEST_F(SessionServiceTest, TheServerKeepsAtMostMaxStreamsOpen) {
  SessionServiceConfig config = TestConfig();
  config.limits.max_streams = 2;
  Start(config);
  const auto first_session = StartPreset();
  const auto second_session = StartPreset();
  CueReader first(*stub_, first_session.id());
  CueReader second(*stub_, second_session.id());
  clock_.Advance(absl::Seconds(2));
  first.ReadUntil([](const CueEvent& e) { return e.seq() >= 1; });
  second.ReadUntil([](const CueEvent& e) { return e.seq() >= 1; });
  // All sessions together: a third stream waits for room, whichever session.
  CueReader third(*stub_, first_session.id());
  const grpc::Status refused = third.Finish();
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_THAT(refused.error_message(), HasSubstr("2 cue streams open"));
}

TEST_F(SessionServiceTest, IdleSessionsExpire) {
  SessionServiceConfig config = TestConfig();
  config.limits.idle_timeout = absl::Minutes(5);
  Start(config);
  const auto session = StartPreset();
  clock_.Advance(absl::Minutes(6));
  // The scheduler sweeps every 10 s of clock time; sweep now to not wait.
  service_->sessions().registry().ExpireIdle();
  grpc::ClientContext context;
  SetDeadline(context);
  yoga::session::v1::GetSessionRequest get;
  get.set_id(session.id());
  yoga::session::v1::Session ignored;
  EXPECT_EQ(stub_->GetSession(&context, get, &ignored).error_code(),
            grpc::StatusCode::NOT_FOUND);
}

TEST_F(SessionServiceTest, ShutdownEndsStreamsWithUnavailable) {
  Start();
  const auto session = StartPreset();
  CueReader reader(*stub_, session.id());
  clock_.Advance(absl::Seconds(2));
  reader.ReadUntil([](const CueEvent& e) { return e.seq() >= 1; });
  service_->Shutdown();
  const grpc::Status status = reader.Finish();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_THAT(status.error_message(), HasSubstr("after_seq"));
  CueReader late(*stub_, session.id(), reader.last_seq());
  EXPECT_EQ(late.Finish().error_code(), grpc::StatusCode::UNAVAILABLE);
}

}  // namespace
}  // namespace yoga::session
