// Fuzzes the session service's request checks (services/session/sessions.h):
// the input is one byte choosing the call (StartSession, ControlSession,
// GetSession, GetSessionTimeline, StreamCues), then the serialized request,
// answered by Sessions on a fake clock with routines from a planner in this
// process. A session id "started" stands for the last session started, so
// controls and streams reach a real session. Invariants: request_checks.h
// for every answer; a session started has an id of the form ids have, and
// GetSession finds it.
//
// With YOGA_FUZZ_WRITE_SEEDS=DIR set, it writes real requests to DIR instead.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <optional>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "services/catalog/catalog_loader.h"
#include "services/common/proto_time.h"
#include "services/planner/planner.h"
#include "services/session/sessions.h"
#include "tests/fuzz/request_checks.h"

namespace {

using yoga::fuzz::Check;
using yoga::fuzz::CheckAnswer;
namespace v1 = yoga::session::v1;

enum Call : uint8_t {
  kStart = 0,
  kControl = 1,
  kGet = 2,
  kTimeline = 3,
  kStream = 4,
  kCalls = 5
};
constexpr char kStartedAlias[] = "started";

// Routines from the planner library, answered at once, the way the session
// service's gRPC routine source asks the planner service.
class PlannerInProcess final : public yoga::session::RoutineSource {
 public:
  explicit PlannerInProcess(yoga::planner::Planner& planner)
      : planner_(planner) {}
  void Resolve(const v1::StartSessionRequest& request, absl::string_view owner,
               Done done) const override {
    switch (request.source_case()) {
      case v1::StartSessionRequest::kRoutineId: {
        yoga::planner::v1::GetRoutineRequest get;
        get.set_id(request.routine_id());
        done(planner_.GetRoutine(get, owner));
        return;
      }
      case v1::StartSessionRequest::kRoutine: {
        yoga::planner::v1::ComposeRoutineRequest compose;
        auto* custom = compose.mutable_custom();
        custom->set_title(request.routine().title());
        if (request.routine().has_breath_length())
          *custom->mutable_breath_length() = request.routine().breath_length();
        for (const auto& step : request.routine().steps()) {
          auto* custom_step = custom->add_steps();
          custom_step->set_pose_id(step.pose_id());
          custom_step->set_variation_id(step.variation_id());
          custom_step->set_side(step.side());
          custom_step->set_hold_count(step.hold_count());
        }
        done(planner_.ComposeRoutine(compose, owner));
        return;
      }
      default: {
        yoga::planner::v1::ComposeRoutineRequest compose = request.compose();
        if (request.options().has_breath_length()) {
          *compose.mutable_breath_length() = request.options().breath_length();
          if (compose.has_constraints()) {
            *compose.mutable_constraints()->mutable_breath_length() =
                request.options().breath_length();
          } else if (compose.has_custom()) {
            *compose.mutable_custom()->mutable_breath_length() =
                request.options().breath_length();
          }
        }
        done(planner_.ComposeRoutine(compose, owner));
      }
    }
  }

 private:
  yoga::planner::Planner& planner_;
};

struct Fixture {
  yoga::session::FakeClock clock;
  std::unique_ptr<yoga::planner::Planner> planner;
  std::shared_ptr<const yoga::catalog::Catalog> catalog;
  std::unique_ptr<yoga::session::Sessions> sessions;
  std::string started_id;  // Of the last session started.
};

Fixture& TheFixture() {
  static Fixture* const fixture = [] {
    auto* result = new Fixture;
    auto catalog =
        yoga::catalog::LoadCatalog(YOGA_SOURCE_DIR "/assets/catalog");
    Check(catalog.ok(), "the shipped catalog loads",
          catalog.status().ToString());
    result->catalog = std::make_shared<const yoga::catalog::Catalog>(*catalog);
    auto presets =
        yoga::planner::ReadPresetFiles(YOGA_SOURCE_DIR "/assets/presets");
    Check(presets.ok(), "the presets read", presets.status().ToString());
    result->planner =
        std::make_unique<yoga::planner::Planner>(*std::move(presets));
    Check(result->planner->UseCatalog(result->catalog).ok(),
          "the presets fit the catalog");
    yoga::session::VoicePacks packs;
    packs[yoga::session::kDefaultVoicePack] =
        std::make_shared<const yoga::session::PromptDurations>(
            yoga::session::kDefaultVoicePack);
    yoga::session::SessionServiceConfig config;
    // Few sessions, expired an hour after their last use: the fuzzer moves
    // the clock on by an hour every input.
    config.limits.max_sessions = 32;
    result->sessions = std::make_unique<yoga::session::Sessions>(
        result->clock, config, packs, [result] { return result->catalog; },
        std::make_unique<PlannerInProcess>(*result->planner));
    return result;
  }();
  return *fixture;
}

bool IsSessionId(const std::string& id) {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id) {
    if (!absl::ascii_isalnum(c) && c != '-' && c != '_') return false;
  }
  return true;
}

void WriteSeeds(const char* directory) {
  int written = 0;
  auto write = [&](Call call, const google::protobuf::Message& request) {
    std::ofstream(absl::StrCat(directory, "/", ++written), std::ios::binary)
        << static_cast<char>(call) << request.SerializeAsString();
  };
  v1::StartSessionRequest start;
  start.mutable_compose()->set_preset_id("runners-lower-back-four");
  write(kStart, start);
  start.mutable_options()->set_verbosity(v1::VERBOSITY_BRIEF);
  *start.mutable_options()->mutable_lead_in() =
      yoga::ToProtoDuration(absl::Seconds(3));
  *start.mutable_options()->mutable_breath_length() =
      yoga::ToProtoDuration(absl::Seconds(6));
  start.set_profile_id("runner-1");
  write(kStart, start);
  v1::StartSessionRequest inline_routine;
  auto* step = inline_routine.mutable_routine()->add_steps();
  step->set_pose_id("childs-pose");
  step->set_hold_count(5);
  write(kStart, inline_routine);
  v1::StartSessionRequest by_id;
  by_id.set_routine_id("0123456789abcdef");
  write(kStart, by_id);
  for (v1::ControlAction action :
       {v1::CONTROL_ACTION_PAUSE, v1::CONTROL_ACTION_RESUME,
        v1::CONTROL_ACTION_NEXT, v1::CONTROL_ACTION_PREVIOUS,
        v1::CONTROL_ACTION_STAY_LONGER, v1::CONTROL_ACTION_STOP}) {
    v1::ControlSessionRequest control;
    control.set_session_id(kStartedAlias);
    control.set_action(action);
    write(kControl, control);
  }
  v1::GetSessionRequest get;
  get.set_id(kStartedAlias);
  write(kGet, get);
  get.set_id("0123456789abcdef01234567");
  write(kGet, get);
  v1::GetSessionTimelineRequest timeline;
  timeline.set_session_id(kStartedAlias);
  write(kTimeline, timeline);
  v1::StreamCuesRequest stream;
  stream.set_session_id(kStartedAlias);
  stream.set_after_seq(3);
  write(kStream, stream);
}

// The session id a request names, the alias taken for the last one started.
void Resolve(std::string& id) {
  if (id == kStartedAlias) id = TheFixture().started_id;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  if (const char* seeds = std::getenv("YOGA_FUZZ_WRITE_SEEDS")) {
    WriteSeeds(seeds);
    std::exit(0);
  }
  TheFixture();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  Fixture& fixture = TheFixture();
  fixture.clock.Advance(absl::Hours(1));
  yoga::session::Sessions& sessions = *fixture.sessions;
  const uint8_t* bytes = data + 1;
  const int length = static_cast<int>(size - 1);
  switch (static_cast<Call>(data[0] % kCalls)) {
    case kStart: {
      v1::StartSessionRequest request;
      if (!request.ParseFromArray(bytes, length)) return 0;
      std::optional<absl::StatusOr<v1::Session>> answer;
      sessions.Start(request, /*owner=*/"",
                     [&](absl::StatusOr<v1::Session> started) {
                       answer = std::move(started);
                     });
      Check(answer.has_value(), "StartSession answers");
      CheckAnswer(answer->status(), "StartSession");
      if (!answer->ok()) return 0;
      const std::string id = (*answer)->id();
      Check(IsSessionId(id), "a session id has the form ids have", id);
      v1::GetSessionRequest get;
      get.set_id(id);
      auto found = sessions.Get(get);
      Check(found.ok() && found->id() == id, "a session started is found",
            found.status().ToString());
      fixture.started_id = id;
      return 0;
    }
    case kControl: {
      v1::ControlSessionRequest request;
      if (!request.ParseFromArray(bytes, length)) return 0;
      Resolve(*request.mutable_session_id());
      CheckAnswer(sessions.Control(request).status(), "ControlSession");
      return 0;
    }
    case kGet: {
      v1::GetSessionRequest request;
      if (!request.ParseFromArray(bytes, length)) return 0;
      Resolve(*request.mutable_id());
      auto session = sessions.Get(request);
      CheckAnswer(session.status(), "GetSession");
      if (session.ok())
        Check(session->id() == request.id(), "GetSession gives the one asked");
      return 0;
    }
    case kTimeline: {
      v1::GetSessionTimelineRequest request;
      if (!request.ParseFromArray(bytes, length)) return 0;
      Resolve(*request.mutable_session_id());
      CheckAnswer(sessions.GetTimeline(request).status(), "GetSessionTimeline");
      return 0;
    }
    case kStream:
    case kCalls: {
      v1::StreamCuesRequest request;
      if (!request.ParseFromArray(bytes, length)) return 0;
      Resolve(*request.mutable_session_id());
      CheckAnswer(sessions.OpenStream(request).status(), "StreamCues");
      return 0;
    }
  }
  return 0;
}
