#include "client/player/player.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "client/audio/monotonic_clock.h"
#include "client/player/player_keys.h"
#include "client/player/status_line.h"
#include "client/session/cue_follower.h"
#include "client/session/session_setup.h"
#include "services/common/proto_time.h"
#include "services/shared/cue_text.h"

namespace yoga::client {
namespace {

using yoga::session::v1::ControlAction;
using yoga::session::v1::Session;

// How often the loop looks at keys, events and the status line. Timing does
// not depend on it: prompts are placed on frames well ahead.
constexpr absl::Duration kTick = absl::Milliseconds(10);
constexpr float kVolumeStep = 0.1f;
// How often a class's status asks how many mats follow it.
constexpr absl::Duration kClassRefresh = absl::Seconds(2);

class Player {
 public:
  Player(yoga::session::v1::SessionService::StubInterface& stub,
         const Session& session,
         const yoga::session::v1::SessionTimeline& timeline,
         const audio::VoicePackAudio& voice, audio::Mixer& mixer,
         Terminal& terminal, const std::map<std::string, std::string>& names,
         const PlayerOptions& options)
      : stub_(stub),
        follower_(stub, session.id(), options.retry,
                  [this](const absl::Status& why, absl::Duration wait) {
                    absl::MutexLock lock(&notices_mutex_);
                    notices_.push_back(absl::StrCat(
                        "yoga-guide: the cue stream dropped (", why.message(),
                        "); reconnecting in ", absl::FormatDuration(wait)));
                  }),
        scheduler_(mixer, voice, options.scheduling),
        mixer_(mixer),
        terminal_(terminal),
        names_(names),
        timeline_(timeline),
        options_(options),
        session_(session) {}

  absl::StatusOr<PlayerReport> Run() {
    follower_.Start(/*after_seq=*/0);
    for (;;) {
      if (options_.class_clock != nullptr) {
        // On the monotonic clock: a step of the wall clock must not stop
        // or hasten corrections.
        options_.class_clock->Tick(options_.dac_time(),
                                   absl::FromUnixNanos(MonotonicNowNs()),
                                   /*silent=*/mixer_.outstanding() == 0);
        if (options_.class_clock->anchored() &&
            report_.time_to_class_clock == absl::InfiniteDuration())
          report_.time_to_class_clock = absl::Now() - options_.launched;
      }
      TakeEvents();
      RefreshClass();
      scheduler_.Pump();
      ReportStarted();
      terminal_.SetStatus(Status());
      if (std::optional<char> key = terminal_.ReadKey(kTick)) {
        const KeyCommand command = CommandForKey(*key, scheduler_.paused());
        if (command.action == KeyAction::kQuit) return Quit();
        OnKey(command);
      }
      if (options_.output_status) {
        if (absl::Status output = options_.output_status(); !output.ok())
          return OutputStopped(std::move(output));
      }
      if (std::optional<absl::Status> result = follower_.result()) {
        TakeEvents();
        if (!result->ok()) {
          mixer_.StopAll();
          return *result;
        }
        if (scheduler_.idle()) return Finish();
      }
    }
  }

 private:
  void TakeEvents() {
    std::vector<std::string> notices;
    {
      absl::MutexLock lock(&notices_mutex_);
      notices.swap(notices_);
    }
    for (const std::string& notice : notices) terminal_.Print(notice);
    for (CueFollower::Item& item : follower_.Take()) {
      if (item.reconnected) scheduler_.OnReconnect();
      scheduler_.OnEvent(item.event);
      if (item.event.kind() == yoga::session::v1::CUE_KIND_SKIPPED &&
          (!options_.is_class || Leads())) {
        // The session's end moved: ask where to (in a class, the teacher's
        // client only; a mat's status keeps the planned end).
        if (auto session = GetSession(stub_, session_.id(), Calls());
            session.ok()) {
          session_ = *std::move(session);
        }
      }
    }
  }

  // A class's mat count, now and then: one short call, never retried. The
  // teacher's client only: a thousand mats asking would load the server.
  void RefreshClass() {
    if (!Leads() || absl::Now() < next_refresh_) return;
    next_refresh_ = absl::Now() + kClassRefresh;
    SessionCallOptions calls = Calls();
    calls.timeout = absl::Seconds(1);
    if (auto session = GetSession(stub_, session_.id(), calls); session.ok())
      session_ = *std::move(session);
  }

  void ReportStarted() {
    for (const CueScheduler::StartedCue& started : scheduler_.TakeStarted()) {
      if (report_.prompts++ == 0) {
        // Frames between the start and the callback's frame now, then the
        // device's latency: when the runner hears it.
        const int64_t ago = mixer_.frames_rendered() - started.frame;
        report_.time_to_first_prompt =
            absl::Now() - options_.launched -
            absl::Seconds(static_cast<double>(ago) / mixer_.sample_rate()) +
            options_.output_latency;
      }
      if (started.cue.step_index() >= 0) step_index_ = started.cue.step_index();
      terminal_.Print(CueLine(started.cue));
    }
  }

  std::string Status() const {
    PlayerState state;
    const int64_t latency_frames =
        absl::ToInt64Milliseconds(options_.output_latency) *
        mixer_.sample_rate() / 1000;
    state.now_ms = std::max<int64_t>(
        0, scheduler_.SessionMsAt(mixer_.frames_rendered() - latency_frames));
    state.step_index = step_index_;
    state.end_ms =
        absl::ToInt64Milliseconds(FromProtoDuration(session_.duration()));
    state.shift_ms =
        state.end_ms -
        absl::ToInt64Milliseconds(FromProtoDuration(timeline_.duration()));
    state.paused = scheduler_.paused();
    state.volume = volume_;
    if (options_.is_class) {
      state.join_code = session_.group_class().join_code();
      // This client's own stream is one of them; the teacher's is no mat.
      if (session_.stream_count() > 0) state.mats = session_.stream_count() - 1;
    }
    return FormatStatusLine(state, session_.routine(), timeline_, names_);
  }

  void OnKey(const KeyCommand& command) {
    switch (command.action) {
      case KeyAction::kControl:
        Control(command.control);
        return;
      case KeyAction::kVolumeUp:
        SetVolume(volume_ + kVolumeStep);
        return;
      case KeyAction::kVolumeDown:
        SetVolume(volume_ - kVolumeStep);
        return;
      default:
        return;
    }
  }

  // This client leads the class it plays (its teacher's).
  bool Leads() const {
    return options_.is_class && !options_.teacher_token.empty();
  }

  void Control(ControlAction action) {
    if (options_.is_class && !Leads()) {
      terminal_.Print(
          "yoga-guide: the teacher leads this class; q leaves it, + and - "
          "set your volume");
      return;
    }
    absl::StatusOr<Session> session = ControlSession(
        stub_, session_.id(), action, Calls(), options_.teacher_token);
    if (session.ok()) {
      session_ = *std::move(session);
      if (std::string line = ControlTakenLine(action); !line.empty())
        terminal_.Print(line);
    } else {
      terminal_.Print(absl::StrCat("yoga-guide: ", session.status().message()));
    }
  }

  void SetVolume(float volume) {
    volume_ = std::clamp(volume, 0.0f, 1.0f);
    // Steps of a tenth, without float dust.
    volume_ = static_cast<float>(std::lround(volume_ * 10)) / 10;
    mixer_.SetVolume(volume_);
  }

  // Stops the session when this client's leaving ends it (play, class),
  // stops following and silences the mix.
  void Leave() {
    if (options_.quit_stops_session) {
      // The session may have ended meanwhile: nothing to stop then.
      (void)ControlSession(stub_, session_.id(),
                           yoga::session::v1::CONTROL_ACTION_STOP, Calls(),
                           options_.teacher_token);
    }
    follower_.Cancel();
    mixer_.StopAll();
  }

  absl::StatusOr<PlayerReport> Quit() {
    Leave();
    absl::SleepFor(absl::Milliseconds(30));  // The fade-out.
    report_.quit = true;
    return Finish();
  }

  // Like quitting, but with the output's reason: a session only this client
  // started is stopped, since nobody hears it now.
  absl::Status OutputStopped(absl::Status why) {
    Leave();
    terminal_.ClearStatus();
    return why;
  }

  PlayerReport Finish() {
    ReportStarted();
    terminal_.ClearStatus();
    report_.completed =
        scheduler_.end_received() && !scheduler_.stopped() && !report_.quit;
    report_.stopped = scheduler_.stopped();
    report_.mixer = mixer_.stats();
    report_.cues = scheduler_.counters();
    report_.reconnects = follower_.reconnects();
    return report_;
  }

  // Calls from this loop: once each, never waiting to retry.
  SessionCallOptions Calls() const {
    SessionCallOptions calls;
    calls.retry.give_up_after = absl::ZeroDuration();
    calls.timeout = options_.call_timeout;
    return calls;
  }

  yoga::session::v1::SessionService::StubInterface& stub_;
  // The follower's thread tells of reconnects here; this thread prints them.
  absl::Mutex notices_mutex_;
  std::vector<std::string> notices_ ABSL_GUARDED_BY(notices_mutex_);
  CueFollower follower_;
  CueScheduler scheduler_;
  audio::Mixer& mixer_;
  Terminal& terminal_;
  const std::map<std::string, std::string>& names_;
  const yoga::session::v1::SessionTimeline& timeline_;
  const PlayerOptions& options_;
  Session session_;
  int step_index_ = -1;
  float volume_ = 1.0f;
  absl::Time next_refresh_ = absl::InfinitePast();
  PlayerReport report_;
};

}  // namespace

absl::StatusOr<PlayerReport> PlaySession(
    yoga::session::v1::SessionService::StubInterface& stub,
    const Session& session, const yoga::session::v1::SessionTimeline& timeline,
    const audio::VoicePackAudio& voice, audio::Mixer& mixer, Terminal& terminal,
    const std::map<std::string, std::string>& names,
    const PlayerOptions& options) {
  Player player(stub, session, timeline, voice, mixer, terminal, names,
                options);
  return player.Run();
}

}  // namespace yoga::client
