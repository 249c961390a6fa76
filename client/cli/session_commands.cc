#include "client/cli/session_commands.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "client/audio/audio_output.h"
#include "client/cli/command_support.h"
#include "client/player/player.h"
#include "client/player/player_keys.h"
#include "client/player/terminal.h"
#include "client/session/class_clock.h"
#include "client/session/clock_sync.h"
#include "client/session/cue_scheduler.h"
#include "client/session/session_render.h"
#include "client/session/session_setup.h"
#include "client/text/plan_request.h"
#include "client/text/routine_text.h"
#include "services/shared/cue_text.h"

namespace yoga::client::cli {
namespace {

std::string Minutes(const google::protobuf::Duration& duration) {
  return FormatMinutes(duration.seconds());
}

// What play and render start; `profile_id` empty: the session leaves no
// practice record.
absl::StatusOr<yoga::session::v1::StartSessionRequest> SessionRequest(
    const GuideOptions& options, const std::string& profile_id) {
  SessionRequestOptions request = options.request;
  request.profile_id = profile_id;
  return MakeSessionRequest(request);
}

// A join code as a person reads it: six digits.
bool IsJoinCode(absl::string_view text) {
  return text.size() == 6 && std::all_of(text.begin(), text.end(), [](char c) {
           return c >= '0' && c <= '9';
         });
}

// Stops `plan`'s session, started here, that will not be played: with
// `teacher_token` when it is a class. Best effort: the server's idle timeout
// ends it should this call fail too.
void StopUnplayedSession(
    const GuideOptions& options,
    yoga::session::v1::SessionService::StubInterface& sessions,
    const SessionPlan& plan, const std::string& teacher_token = "") {
  (void)ControlSession(sessions, plan.session.id(),
                       yoga::session::v1::CONTROL_ACTION_STOP,
                       CallOptions(options), teacher_token);
}

// A class mat's clock sync, started before the prompts are decoded and the
// output opened, so that its first samples are taken meanwhile: a mat that
// joins has its first prompt sooner.
std::unique_ptr<ClockSyncer> StartClassClockSync(
    yoga::session::v1::SessionService::StubInterface& sessions) {
  return std::make_unique<ClockSyncer>(SyncClockExchange(sessions),
                                       ClassMatSyncOptions());
}

// Plays a started or joined session on `playback` with its prompts `voice`
// (LoadSessionVoice; decoded again, with the output already playing, should
// it have opened at another rate than the voice's: a card that does not take
// 48 kHz) until it ends or the runner quits. A class (plan.session.group_class)
// plays on the class's clock, estimated by `sync` (started here if null);
// `teacher_token` leads it.
int PlayPlan(const GuideOptions& options, const SessionPlan& plan,
             absl::StatusOr<audio::VoicePackAudio> voice,
             audio::Playback& playback,
             yoga::session::v1::SessionService::StubInterface& sessions,
             yoga::catalog::v1::CatalogService::StubInterface& catalog,
             bool quit_stops_session, absl::Time launched,
             std::unique_ptr<ClockSyncer> sync = nullptr,
             const std::string& teacher_token = "") {
  // A session started here that cannot be played is stopped, as quitting
  // would: a class is not left to run without its teacher (its code is out
  // already), a solo session not left to time out.
  auto give_up = [&](const absl::Status& why) {
    if (quit_stops_session)
      StopUnplayedSession(options, sessions, plan, teacher_token);
    return Fail(options, why);
  };
  if (voice.ok() && voice->sample_rate() != playback.mixer->sample_rate())
    voice = LoadSessionVoice(options.voice_dir, plan,
                             playback.mixer->sample_rate());
  if (!voice.ok()) return give_up(voice.status());
  playback.mixer->SetVolume(static_cast<float>(options.volume));
  std::printf(
      "session %s: %s (%s) on %s (%d Hz, latency %s)\n",
      plan.session.id().c_str(), plan.session.routine().title().c_str(),
      Minutes(plan.session.duration()).c_str(),
      playback.output->device_name().c_str(), playback.mixer->sample_rate(),
      absl::FormatDuration(
          absl::Trunc(playback.output->output_latency(), absl::Milliseconds(1)))
          .c_str());
  if (options.keys) {
    std::printf("%s\n", KeysHelpLine(quit_stops_session).c_str());
  }
  std::fflush(stdout);
  PlayerOptions player;
  player.quit_stops_session = quit_stops_session;
  player.retry.give_up_after = options.retry_for;
  player.output_latency = playback.output->output_latency();
  player.output_status = [&output = *playback.output] {
    return output.status();
  };
  player.launched = launched;
  // A class: the server's clock, estimated in the background, placed on
  // this output's frames and followed by its speed.
  std::optional<ClassClock> class_clock;
  player.is_class = plan.session.has_group_class();
  player.teacher_token = teacher_token;
  // A pipe has no speed of its own: its Snapcast server keeps the rooms in
  // time, and it plays the class as cues arrive.
  if (player.is_class && playback.speed == nullptr && options.output.empty()) {
    std::fprintf(stderr,
                 "yoga-guide: %s is a class; join it with its code (%s) to "
                 "play on the class's clock, with the other mats\n",
                 plan.session.id().c_str(),
                 plan.session.group_class().join_code().c_str());
  }
  // A pipe plays without the class's clock: no samples to take all class.
  if (playback.speed == nullptr) sync.reset();
  if (player.is_class && playback.speed != nullptr) {
    if (sync == nullptr) sync = StartClassClockSync(sessions);
    if (auto estimate = sync->WaitForEstimate(absl::Seconds(3));
        !estimate.ok()) {
      return give_up(estimate.status());
    }
    class_clock.emplace(
        *sync, *playback.speed, playback.mixer->sample_rate(),
        ClassClock::Options{.output_latency = options.output_latency});
    player.class_clock = &*class_clock;
    player.scheduling = ClassMatSchedulingOptions(*class_clock);
    player.dac_time = [&playback] { return playback.output->LastDacTime(); };
  }
  absl::StatusOr<PlayerReport> report;
  {
    Terminal terminal(options.keys);
    report = PlaySession(sessions, plan.session, plan.timeline, *voice,
                         *playback.mixer, terminal, PoseNames(options, catalog),
                         player);
  }
  if (!report.ok()) return Fail(options, report.status());
  // Quit before any prompt played: there is no first one to time.
  const std::string first_heard =
      report->prompts == 0
          ? "none heard"
          : absl::StrCat(
                "the first heard ",
                absl::ToInt64Milliseconds(report->time_to_first_prompt),
                " ms after start");
  std::printf(
      "%s: %lld prompts played, %s; "
      "%lld late, %lld too late to play, %lld overlapping, %d reconnects\n",
      report->completed ? "completed"
      : report->quit    ? "quit"
                        : "stopped",
      static_cast<long long>(report->prompts), first_heard.c_str(),
      static_cast<long long>(report->mixer.late),
      static_cast<long long>(report->cues.too_late),
      static_cast<long long>(report->mixer.overlaps), report->reconnects);
  if (class_clock.has_value()) {
    const ClassClock::Stats& clock = class_clock->stats();
    const auto estimate = sync->Estimate();
    const std::string ready =
        report->time_to_class_clock == absl::InfiniteDuration()
            ? "never ready"
            : absl::StrCat(
                  "ready ",
                  absl::ToInt64Milliseconds(report->time_to_class_clock),
                  " ms after start");
    std::printf(
        "class clock: %s; speed %+.1f ppm (output %+.1f ppm), last error "
        "%+.3f ms, %d re-anchors, %d silent moves; clock sync from %d "
        "exchanges, round trip %.3f ms\n",
        ready.c_str(), clock.speed_ppm, clock.output_ppm,
        absl::ToDoubleMilliseconds(clock.last_error), clock.reanchors,
        clock.silent_moves, estimate.ok() ? estimate->samples : 0,
        estimate.ok() ? estimate->round_trip_ns / 1e6 : 0.0);
  }
  return 0;
}

}  // namespace

namespace {

// play and class: start a session (a class when `as_class`) from the
// flags and play it here. A solo session's time starts with StartSession, so
// its output is opened first and the lead-in has only the decoding to cover.
// A class's output opens once its prompts are decoded, as a mat's does (see
// Join), and its code is shown once it plays; should the output fail then,
// the class is stopped, its code never shown.
int StartAndPlay(const GuideOptions& options,
                 yoga::session::v1::SessionService::StubInterface& sessions,
                 yoga::catalog::v1::CatalogService::StubInterface& catalog,
                 absl::Time launched, bool as_class) {
  auto request = SessionRequest(options, options.profile);
  if (!request.ok()) return UsageError(request.status());
  if (absl::Status status = CheckPlayOptions(options); !status.ok())
    return UsageError(status);
  // The server's defaults: controls act 500 ms ahead.
  if (as_class) request->mutable_class_options();
  auto output = CheckOutputOptions(options);
  if (!output.ok()) return UsageError(output.status());
  std::unique_ptr<ClockSyncer> sync =
      as_class ? StartClassClockSync(sessions) : nullptr;
  absl::StatusOr<audio::Playback> playback =
      absl::FailedPreconditionError("the output is opened after decoding");
  if (!as_class) {
    playback = OpenPlayback(*output, /*for_class=*/false);
    if (!playback.ok()) return Fail(options, playback.status());
  }
  auto plan = StartSession(sessions, *request, CallOptions(options));
  if (!plan.ok()) return Fail(options, plan.status());
  auto voice = LoadSessionVoice(
      options.voice_dir, *plan,
      playback.ok() ? playback->mixer->sample_rate() : kVoiceRate);
  const std::string& teacher_token =
      plan->session.group_class().teacher_token();
  if (as_class) {
    if (voice.ok()) playback = OpenPlayback(*output, /*for_class=*/true);
    if (!voice.ok() || !playback.ok()) {
      StopUnplayedSession(options, sessions, *plan, teacher_token);
      return Fail(options, voice.ok() ? playback.status() : voice.status());
    }
    const std::string& code = plan->session.group_class().join_code();
    std::printf(
        "class started: join code %s %s\n"
        "each mat joins with: yoga-guide --server=%s join %s\n",
        code.substr(0, 3).c_str(), code.substr(3).c_str(),
        options.server.c_str(), code.c_str());
    std::fflush(stdout);
  }
  return PlayPlan(options, *plan, std::move(voice), *playback, sessions,
                  catalog, /*quit_stops_session=*/true, launched,
                  std::move(sync), teacher_token);
}

}  // namespace

int Play(const GuideOptions& options,
         yoga::session::v1::SessionService::StubInterface& sessions,
         yoga::catalog::v1::CatalogService::StubInterface& catalog,
         absl::Time launched) {
  return StartAndPlay(options, sessions, catalog, launched,
                      /*as_class=*/false);
}

int Class(const GuideOptions& options,
          yoga::session::v1::SessionService::StubInterface& sessions,
          yoga::catalog::v1::CatalogService::StubInterface& catalog,
          absl::Time launched) {
  return StartAndPlay(options, sessions, catalog, launched, /*as_class=*/true);
}

int Join(const GuideOptions& options,
         yoga::session::v1::SessionService::StubInterface& sessions,
         yoga::catalog::v1::CatalogService::StubInterface& catalog,
         absl::Span<const std::string> operands, absl::Time launched) {
  if (operands.size() != 1) {
    return UsageError(absl::InvalidArgumentError(
        "join takes one session id, or a class's six-digit join code"));
  }
  // Digits and spaces as a teacher reads them out: "123 456".
  std::string code = operands[0];
  std::erase(code, ' ');
  const bool is_class = IsJoinCode(code);
  auto output = CheckOutputOptions(options);
  if (!output.ok()) return UsageError(output.status());
  std::unique_ptr<ClockSyncer> sync =
      is_class ? StartClassClockSync(sessions) : nullptr;
  auto plan = is_class
                  ? JoinClass(sessions, code, CallOptions(options))
                  : JoinSession(sessions, operands[0], CallOptions(options));
  if (!plan.ok()) return Fail(options, plan.status());
  // The prompts are decoded before the output starts: the session is running
  // already, so nothing plays sooner for opening it first. Class mats whose
  // streams started while they decoded played their first prompts up to
  // 9 ms apart for ten seconds while their own readings of the output said
  // they were on time (docs/decisions.md, "Group classes").
  auto voice = LoadSessionVoice(options.voice_dir, *plan, kVoiceRate);
  if (!voice.ok()) return Fail(options, voice.status());
  auto playback = OpenPlayback(*output, is_class);
  if (!playback.ok()) return Fail(options, playback.status());
  return PlayPlan(options, *plan, *std::move(voice), *playback, sessions,
                  catalog, /*quit_stops_session=*/false, launched,
                  std::move(sync));
}

int Render(const GuideOptions& options,
           yoga::session::v1::SessionService::StubInterface& sessions) {
  if (absl::Status status = CheckRenderOptions(options); !status.ok())
    return UsageError(status);
  auto request = SessionRequest(options, /*profile_id=*/"");
  if (!request.ok()) return UsageError(request.status());
  auto plan = StartSession(sessions, *request, CallOptions(options));
  if (!plan.ok()) return Fail(options, plan.status());
  // Only the timeline was needed: the live session would play to no one.
  StopUnplayedSession(options, sessions, *plan);
  auto voice = LoadSessionVoice(options.voice_dir, *plan, kVoiceRate);
  if (!voice.ok()) return Fail(options, voice.status());
  const bool show_progress = isatty(STDERR_FILENO) == 1;
  auto result =
      RenderSession(plan->timeline, *voice, options.out, [&](double done) {
        if (show_progress)
          std::fprintf(stderr, "\rrendering %3.0f%%", done * 100);
      });
  if (show_progress) std::fputs("\r\033[K", stderr);
  if (!result.ok()) return Fail(options, result.status());
  std::printf("session %s: %s (%s)\n", plan->session.id().c_str(),
              plan->session.routine().title().c_str(),
              Minutes(plan->session.duration()).c_str());
  for (const auto& prompt : result->prompts)
    std::printf("%s\n", yoga::CueLine(prompt.cue).c_str());
  std::printf(
      "wrote %s: %s of audio, %zu prompts, %d Hz mono, in %s\n",
      options.out.c_str(),
      absl::FormatDuration(
          absl::Milliseconds(result->frames * 1000 / result->sample_rate))
          .c_str(),
      result->prompts.size(), result->sample_rate,
      absl::FormatDuration(absl::Trunc(result->took, absl::Milliseconds(1)))
          .c_str());
  return 0;
}

int Devices(const GuideOptions& options) {
  auto devices = audio::ListOutputDevices();
  if (!devices.ok()) return Fail(options, devices.status());
  for (const auto& device : *devices) {
    std::printf("%s%3d  %s  (%s, %d channels, %.0f Hz)\n",
                device.is_default ? "*" : " ", device.index,
                device.name.c_str(), device.host_api.c_str(), device.channels,
                device.default_rate);
  }
  std::printf("* the default output\n");
  return 0;
}

}  // namespace yoga::client::cli
