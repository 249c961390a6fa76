// yoga-guide: the runner's client.
//   yoga-guide [--server=HOST:PORT] poses [POSE_ID]
//   yoga-guide [--server=HOST:PORT] presets
//   yoga-guide [--server=HOST:PORT] plan --preset=ID | --minutes=N [constraint
//   flags]
//   yoga-guide [--server=HOST:PORT] play | render --out=FILE.wav [same flags]
//   yoga-guide [--server=HOST:PORT] join SESSION_ID
//   yoga-guide [--server=HOST:PORT] history [--profile=ID] [--time_zone=ZONE]
//   [--limit=N]
//   yoga-guide devices
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/time.h"
#include "client/audio/audio_output.h"
#include "client/cli/practice_profile.h"
#include "client/player/player.h"
#include "client/player/player_keys.h"
#include "client/player/terminal.h"
#include "client/session/session_render.h"
#include "client/session/session_setup.h"
#include "client/text/history_text.h"
#include "client/text/plan_request.h"
#include "client/text/pose_text.h"
#include "client/text/routine_text.h"
#include "grpcpp/create_channel.h"
#include "services/common/errors.h"
#include "services/shared/catalog_client.h"
#include "services/shared/cue_text.h"
#include "yoga/planner/v1/planner_service.grpc.pb.h"

ABSL_FLAG(std::string, server, "127.0.0.1:50051", "HOST:PORT of yoga-studio");
ABSL_FLAG(absl::Duration, timeout, absl::Seconds(10), "deadline of each call");
ABSL_FLAG(std::string, preset, "", "plan: a preset id (see `presets`)");
ABSL_FLAG(int, minutes, 10, "plan: length of the routine, 2 to 60 minutes");
ABSL_FLAG(std::vector<std::string>, focus, {},
          "plan: areas, e.g. lower-back,hips");
ABSL_FLAG(std::string, level, "", "plan: beginner, intermediate or advanced");
ABSL_FLAG(std::string, moment, "", "plan: post-run, pre-run or rest-day");
ABSL_FLAG(bool, no_floor, false,
          "plan: no lying on the floor (also --no-floor)");
ABSL_FLAG(bool, standing_only, false,
          "plan: standing poses only, no kneeling, sitting or lying, e.g. at "
          "a trailhead (also --standing-only)");
ABSL_FLAG(std::vector<std::string>, props, {},
          "plan: props at hand, e.g. mat,block,wall");
ABSL_FLAG(std::vector<std::string>, exclude, {}, "plan: pose ids to leave out");
ABSL_FLAG(std::vector<std::string>, condition, {},
          "plan: e.g. flexion-sensitive-back,sensitive-knees");
ABSL_FLAG(double, breath, 0,
          "plan/play/render: seconds per breath, 2 to 12, for a preset or "
          "constraints (0: the planner's default, 5)");
ABSL_FLAG(uint64_t, seed, 0, "plan: variety seed");
ABSL_FLAG(std::string, routine, "",
          "play/render: a routine file (text yoga.type.v1.Routine) instead "
          "of --preset or constraints");
ABSL_FLAG(std::string, verbosity, "",
          "play/render: full, brief or minimal (default: full)");
ABSL_FLAG(double, lead_in, -1,
          "play/render: seconds of quiet before the first cue (default 5; "
          "play needs at least 1)");
ABSL_FLAG(int, device, -1,
          "play/join: PortAudio output device index (see `devices`); -1 is "
          "the default output");
ABSL_FLAG(double, volume, 1.0, "play/join: starting volume, 0 to 1");
ABSL_FLAG(std::string, out, "", "render: the WAV file to write");
ABSL_FLAG(std::string, voice_dir, YOGA_DEFAULT_VOICE_DIR,
          "folder of the voice packs (each in <voice_dir>/<pack id>/)");
ABSL_FLAG(absl::Duration, retry_for, absl::Seconds(30),
          "how long to keep retrying while the server cannot be reached");
ABSL_FLAG(bool, keys, true,
          "play/join: read keys from stdin (space, n, p, l, q, +, -)");
ABSL_FLAG(std::string, profile,
          yoga::client::DefaultProfileId(std::getenv("USER")),
          "play/history: whose practice (default: $USER, else runner); play "
          "with --profile= (empty) leaves no practice record");
ABSL_FLAG(std::string, time_zone,
          yoga::client::LocalTimeZoneName({.tz = std::getenv("TZ")}),
          "history: IANA time zone the weeks and days are counted in "
          "(default: this machine's, from TZ, /etc/timezone or "
          "/etc/localtime)");
ABSL_FLAG(int, limit, 10,
          "history: how many recent sessions to list, 1 to 500");

namespace {

constexpr char kUsage[] =
    "yoga-guide [--server=HOST:PORT] COMMAND\n"
    "Commands:\n"
    "  poses            list every pose of the catalog\n"
    "  poses POSE_ID    show one pose with its holds, cues, variations and "
    "sources\n"
    "  presets          list the routines taken from the seed articles\n"
    "  plan             plan a routine: --preset=ID [--breath=S], or "
    "--minutes=N\n"
    "                   with --focus, --level, --moment, --no-floor,\n"
    "                   --standing-only, --props, --exclude, --condition,\n"
    "                   --breath, --seed\n"
    "  play             start a session and play it: --preset=ID, constraints\n"
    "                   as for plan, or --routine=FILE; "
    "--verbosity=full|brief|\n"
    "                   minimal, --lead-in=SECONDS, --device=N, --volume=0..1\n"
    "                   keys: space pause/resume, n next, p previous,\n"
    "                   l stay longer (one more breath), q quit, +/- volume\n"
    "                   --profile=ID: whose practice (default: $USER)\n"
    "  join SESSION_ID  follow a session started elsewhere (q leaves it "
    "running)\n"
    "  render --out=FILE.wav\n"
    "                   the same session rendered to a WAV file at full "
    "speed,\n"
    "                   with its transcript; no sound card needed (not\n"
    "                   practice: it leaves no record)\n"
    "  history          this week against the goal of 2-3 days of 15-20 "
    "min,\n"
    "                   the streak of weeks that met it, recent sessions:\n"
    "                   --profile=ID, --time_zone=ZONE (default: this "
    "machine's),\n"
    "                   --limit=N (10)\n"
    "  devices          list the audio output devices (for --device)";

int Fail(const absl::Status& status) {
  std::string hint;
  if (status.code() == absl::StatusCode::kUnavailable ||
      status.code() == absl::StatusCode::kDeadlineExceeded) {
    hint = absl::StrCat(" (is yoga-studio running at ",
                        absl::GetFlag(FLAGS_server), "? ./dev run starts it)");
  }
  std::fprintf(stderr, "yoga-guide: %s: %s%s\n",
               absl::StatusCodeToString(status.code()).c_str(),
               std::string(status.message()).c_str(), hint.c_str());
  return 1;
}

int Poses(yoga::catalog::v1::CatalogService::StubInterface& stub,
          const std::vector<char*>& args) {
  const absl::Duration timeout = absl::GetFlag(FLAGS_timeout);
  if (args.size() > 3) {
    std::fprintf(stderr, "yoga-guide: poses takes at most one pose id\n");
    return 2;
  }
  if (args.size() == 3) {
    auto pose = yoga::FetchPose(stub, args[2], timeout);
    if (!pose.ok()) return Fail(pose.status());
    std::fputs(yoga::client::FormatPoseSheet(*pose).c_str(), stdout);
    return 0;
  }
  auto listing = yoga::FetchAllPoses(stub, timeout);
  if (!listing.ok()) return Fail(listing.status());
  std::fputs(yoga::client::FormatPoseTable(listing->poses).c_str(), stdout);
  std::printf("%zu poses, catalog version %s\n", listing->poses.size(),
              listing->etag.c_str());
  return 0;
}

// Names of every pose and variation, for printing routines.
std::map<std::string, std::string> PoseNames(
    yoga::catalog::v1::CatalogService::StubInterface& catalog) {
  std::map<std::string, std::string> names;
  auto listing = yoga::FetchAllPoses(catalog, absl::GetFlag(FLAGS_timeout));
  if (!listing.ok()) return names;  // Ids are printed instead.
  for (const auto& pose : listing->poses) {
    names[pose.id()] = pose.name();
    for (const auto& variation : pose.variations())
      names[variation.id()] = variation.name();
  }
  return names;
}

void SetDeadline(grpc::ClientContext& context) {
  context.set_deadline(
      std::chrono::system_clock::now() +
      absl::ToChronoMilliseconds(absl::GetFlag(FLAGS_timeout)));
}

int Presets(yoga::planner::v1::PlannerService::StubInterface& planner) {
  grpc::ClientContext context;
  SetDeadline(context);
  yoga::planner::v1::ListPresetsResponse presets;
  if (grpc::Status status = planner.ListPresets(&context, {}, &presets);
      !status.ok()) {
    return Fail(yoga::FromGrpcStatus(status));
  }
  std::fputs(yoga::client::FormatPresets(presets).c_str(), stdout);
  return 0;
}

// The constraint flags as `plan`, `play` and `render` all read them.
yoga::client::PlanOptions PlanOptionsFromFlags() {
  yoga::client::PlanOptions options;
  options.preset = absl::GetFlag(FLAGS_preset);
  options.minutes = absl::GetFlag(FLAGS_minutes);
  options.focus = absl::GetFlag(FLAGS_focus);
  options.level = absl::GetFlag(FLAGS_level);
  options.moment = absl::GetFlag(FLAGS_moment);
  options.no_floor = absl::GetFlag(FLAGS_no_floor);
  options.standing_only = absl::GetFlag(FLAGS_standing_only);
  options.props = absl::GetFlag(FLAGS_props);
  options.exclude = absl::GetFlag(FLAGS_exclude);
  options.conditions = absl::GetFlag(FLAGS_condition);
  options.breath_seconds = absl::GetFlag(FLAGS_breath);
  options.seed = absl::GetFlag(FLAGS_seed);
  return options;
}

int Plan(yoga::planner::v1::PlannerService::StubInterface& planner,
         yoga::catalog::v1::CatalogService::StubInterface& catalog) {
  auto request = yoga::client::MakePlanRequest(PlanOptionsFromFlags());
  if (!request.ok()) {
    std::fprintf(stderr, "yoga-guide: %s\n",
                 std::string(request.status().message()).c_str());
    return 2;
  }
  grpc::ClientContext context;
  SetDeadline(context);
  yoga::type::v1::Routine routine;
  if (grpc::Status status =
          planner.ComposeRoutine(&context, *request, &routine);
      !status.ok()) {
    return Fail(yoga::FromGrpcStatus(status));
  }
  std::fputs(yoga::client::FormatRoutine(routine, PoseNames(catalog)).c_str(),
             stdout);
  return 0;
}

// absl flags are spelled with underscores; the command line may use dashes
// (--no-floor), as the design's examples do.
std::vector<char*> DashesToUnderscores(int argc, char** argv,
                                       std::vector<std::string>& storage) {
  storage.assign(argv, argv + argc);
  std::vector<char*> result;
  for (std::string& arg : storage) {
    if (arg.rfind("--", 0) == 0) {
      const size_t end = std::min(arg.find('='), arg.size());
      std::replace(arg.begin() + 2, arg.begin() + static_cast<long>(end), '-',
                   '_');
    }
    result.push_back(arg.data());
  }
  return result;
}

// Lists the sound outputs; one clear line and exit 1 when there is none.
int Devices() {
  auto devices = yoga::client::audio::ListOutputDevices();
  if (!devices.ok()) return Fail(devices.status());
  for (const auto& device : *devices) {
    std::printf("%s%3d  %s  (%s, %d channels, %.0f Hz)\n",
                device.is_default ? "*" : " ", device.index,
                device.name.c_str(), device.host_api.c_str(), device.channels,
                device.default_rate);
  }
  std::printf("* the default output\n");
  return 0;
}

// The voice packs' rate: a device that takes it plays prompts unresampled.
constexpr int kVoiceRate = 48000;
// Seconds: the shortest lead-in `play` accepts.
constexpr double kLeastLiveLeadIn = 1.0;

yoga::client::SessionCallOptions CallOptions() {
  yoga::client::SessionCallOptions options;
  options.retry.give_up_after = absl::GetFlag(FLAGS_retry_for);
  options.timeout = absl::GetFlag(FLAGS_timeout);
  options.on_retry = [](const absl::Status& why, absl::Duration wait) {
    std::fprintf(stderr, "yoga-guide: cannot reach %s (%s); retrying in %s\n",
                 absl::GetFlag(FLAGS_server).c_str(),
                 std::string(why.message()).c_str(),
                 absl::FormatDuration(wait).c_str());
  };
  return options;
}

// `profile_id` empty: the session leaves no practice record.
absl::StatusOr<yoga::session::v1::StartSessionRequest> SessionRequest(
    const std::string& profile_id) {
  yoga::client::SessionRequestOptions options;
  options.profile_id = profile_id;
  options.plan = PlanOptionsFromFlags();
  options.routine_file = absl::GetFlag(FLAGS_routine);
  options.verbosity = absl::GetFlag(FLAGS_verbosity);
  options.lead_in_seconds = absl::GetFlag(FLAGS_lead_in);
  return yoga::client::MakeSessionRequest(options);
}

int UsageError(const absl::Status& status) {
  std::fprintf(stderr, "yoga-guide: %s\n",
               std::string(status.message()).c_str());
  return 2;
}

std::string Minutes(const google::protobuf::Duration& duration) {
  return yoga::client::FormatMinutes(duration.seconds());
}

// Plays a started or joined session on `playback` until it ends or the
// runner quits.
int PlayPlan(const yoga::client::SessionPlan& plan,
             yoga::client::audio::Playback& playback,
             yoga::session::v1::SessionService::StubInterface& sessions,
             yoga::catalog::v1::CatalogService::StubInterface& catalog,
             bool quit_stops_session, absl::Time launched) {
  auto voice = yoga::client::LoadSessionVoice(
      absl::GetFlag(FLAGS_voice_dir), plan, playback.mixer->sample_rate());
  if (!voice.ok()) return Fail(voice.status());
  playback.mixer->SetVolume(static_cast<float>(absl::GetFlag(FLAGS_volume)));
  std::printf(
      "session %s: %s (%s) on %s (%d Hz, latency %s)\n",
      plan.session.id().c_str(), plan.session.routine().title().c_str(),
      Minutes(plan.session.duration()).c_str(),
      playback.output->device_name().c_str(), playback.mixer->sample_rate(),
      absl::FormatDuration(
          absl::Trunc(playback.output->output_latency(), absl::Milliseconds(1)))
          .c_str());
  if (absl::GetFlag(FLAGS_keys)) {
    std::printf("%s\n", yoga::client::KeysHelpLine(quit_stops_session).c_str());
  }
  std::fflush(stdout);
  yoga::client::PlayerOptions options;
  options.quit_stops_session = quit_stops_session;
  options.retry.give_up_after = absl::GetFlag(FLAGS_retry_for);
  options.output_latency = playback.output->output_latency();
  options.launched = launched;
  absl::StatusOr<yoga::client::PlayerReport> report;
  {
    yoga::client::Terminal terminal(absl::GetFlag(FLAGS_keys));
    report = yoga::client::PlaySession(sessions, plan.session, plan.timeline,
                                       *voice, *playback.mixer, terminal,
                                       PoseNames(catalog), options);
  }
  if (!report.ok()) return Fail(report.status());
  std::printf(
      "%s: %lld prompts played, the first heard %lld ms after start; "
      "%lld late, %lld too late to play, %lld overlapping, %d reconnects\n",
      report->completed ? "completed"
      : report->quit    ? "quit"
                        : "stopped",
      static_cast<long long>(report->prompts),
      static_cast<long long>(
          absl::ToInt64Milliseconds(report->time_to_first_prompt)),
      static_cast<long long>(report->mixer.late),
      static_cast<long long>(report->cues.too_late),
      static_cast<long long>(report->mixer.overlaps), report->reconnects);
  return 0;
}

// The sound card, opened and playing. Done before the session starts: no
// session for nobody to hear, and its first cues must not fall due while the
// output still stalls.
absl::StatusOr<yoga::client::audio::Playback> OpenPlayback() {
  auto playback = yoga::client::audio::OpenPlayback(absl::GetFlag(FLAGS_device),
                                                    kVoiceRate);
  if (!playback.ok()) return playback.status();
  const absl::Time start = absl::Now();
  if (playback->output->WaitUntilFlowing(absl::Seconds(5))) {
    std::printf(
        "audio output started in %lld ms\n",
        static_cast<long long>(absl::ToInt64Milliseconds(absl::Now() - start)));
  } else {
    std::fprintf(stderr,
                 "yoga-guide: warning: \"%s\" has not started playing after "
                 "5 s; going on\n",
                 playback->output->device_name().c_str());
  }
  return playback;
}

int Play(yoga::session::v1::SessionService::StubInterface& sessions,
         yoga::catalog::v1::CatalogService::StubInterface& catalog,
         absl::Time launched) {
  auto request = SessionRequest(absl::GetFlag(FLAGS_profile));
  if (!request.ok()) return UsageError(request.status());
  const double lead_in = absl::GetFlag(FLAGS_lead_in);
  if (lead_in >= 0 && lead_in < kLeastLiveLeadIn) {
    // Session time starts with StartSession; the prompts are decoded after
    // it, when the timeline is known. A shorter lead-in would clip the
    // welcome.
    return UsageError(absl::InvalidArgumentError(absl::StrCat(
        "--lead_in=", lead_in, ": play needs at least ", kLeastLiveLeadIn,
        " s to get the session's prompts ready (render takes 0)")));
  }
  auto playback = OpenPlayback();
  if (!playback.ok()) return Fail(playback.status());
  auto plan = yoga::client::StartSession(sessions, *request, CallOptions());
  if (!plan.ok()) return Fail(plan.status());
  return PlayPlan(*plan, *playback, sessions, catalog,
                  /*quit_stops_session=*/true, launched);
}

int Join(yoga::session::v1::SessionService::StubInterface& sessions,
         yoga::catalog::v1::CatalogService::StubInterface& catalog,
         const std::vector<char*>& args, absl::Time launched) {
  if (args.size() != 3) {
    std::fprintf(stderr, "yoga-guide: join takes one session id\n");
    return 2;
  }
  auto playback = OpenPlayback();
  if (!playback.ok()) return Fail(playback.status());
  auto plan = yoga::client::JoinSession(sessions, args[2], CallOptions());
  if (!plan.ok()) return Fail(plan.status());
  return PlayPlan(*plan, *playback, sessions, catalog,
                  /*quit_stops_session=*/false, launched);
}

int Render(yoga::session::v1::SessionService::StubInterface& sessions) {
  const std::string out = absl::GetFlag(FLAGS_out);
  if (out.empty()) {
    return UsageError(absl::InvalidArgumentError(
        "render needs --out=FILE.wav, the file to write"));
  }
  // Rendering is not practice: no profile, no record.
  auto request = SessionRequest(/*profile_id=*/"");
  if (!request.ok()) return UsageError(request.status());
  auto plan = yoga::client::StartSession(sessions, *request, CallOptions());
  if (!plan.ok()) return Fail(plan.status());
  // Only the timeline was needed: the live session would play to no one.
  (void)yoga::client::ControlSession(sessions, plan->session.id(),
                                     yoga::session::v1::CONTROL_ACTION_STOP,
                                     CallOptions());
  auto voice = yoga::client::LoadSessionVoice(absl::GetFlag(FLAGS_voice_dir),
                                              *plan, kVoiceRate);
  if (!voice.ok()) return Fail(voice.status());
  const bool show_progress = isatty(STDERR_FILENO) == 1;
  auto result = yoga::client::RenderSession(
      plan->timeline, *voice, out, [&](double done) {
        if (show_progress)
          std::fprintf(stderr, "\rrendering %3.0f%%", done * 100);
      });
  if (show_progress) std::fputs("\r\033[K", stderr);
  if (!result.ok()) return Fail(result.status());
  std::printf("session %s: %s (%s)\n", plan->session.id().c_str(),
              plan->session.routine().title().c_str(),
              Minutes(plan->session.duration()).c_str());
  for (const auto& prompt : result->prompts)
    std::printf("%s\n", yoga::CueLine(prompt.cue).c_str());
  std::printf(
      "wrote %s: %s of audio, %zu prompts, %d Hz mono, in %s\n", out.c_str(),
      absl::FormatDuration(
          absl::Milliseconds(result->frames * 1000 / result->sample_rate))
          .c_str(),
      result->prompts.size(), result->sample_rate,
      absl::FormatDuration(absl::Trunc(result->took, absl::Milliseconds(1)))
          .c_str());
  return 0;
}

// Most records `history` lists (the server's largest page).
constexpr int kMostHistoryRecords = 500;

int History(yoga::session::v1::SessionService::StubInterface& sessions) {
  const int limit = absl::GetFlag(FLAGS_limit);
  if (limit < 1 || limit > kMostHistoryRecords) {
    return UsageError(absl::InvalidArgumentError(absl::StrCat(
        "--limit=", limit, ": must be 1 to ", kMostHistoryRecords)));
  }
  const std::string zone_name = absl::GetFlag(FLAGS_time_zone);
  absl::TimeZone zone;
  if (!absl::LoadTimeZone(zone_name, &zone)) {
    return UsageError(absl::InvalidArgumentError(
        absl::StrCat("--time_zone=", zone_name,
                     ": unknown time zone; use an IANA name such as "
                     "Europe/Berlin")));
  }
  auto history = yoga::client::FetchPracticeHistory(
      sessions, absl::GetFlag(FLAGS_profile), zone_name, limit, CallOptions());
  if (!history.ok()) return Fail(history.status());
  std::fputs(yoga::client::FormatHistory(history->summary, history->records,
                                         zone, absl::Now())
                 .c_str(),
             stdout);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const absl::Time launched = absl::Now();
  absl::SetProgramUsageMessage(kUsage);
  std::vector<std::string> storage;
  std::vector<char*> spelled = DashesToUnderscores(argc, argv, storage);
  std::vector<char*> args =
      absl::ParseCommandLine(static_cast<int>(spelled.size()), spelled.data());
  if (args.size() < 2) {
    std::fprintf(stderr, "%s\n", kUsage);
    return 2;
  }
  const std::string command = args[1];
  if (command == "devices") return Devices();
  auto channel = grpc::CreateChannel(absl::GetFlag(FLAGS_server),
                                     grpc::InsecureChannelCredentials());
  auto stub = yoga::catalog::v1::CatalogService::NewStub(channel);
  if (command == "poses") return Poses(*stub, args);
  auto planner = yoga::planner::v1::PlannerService::NewStub(channel);
  if (command == "presets") return Presets(*planner);
  if (command == "plan") return Plan(*planner, *stub);
  auto sessions = yoga::session::v1::SessionService::NewStub(channel);
  if (command == "play") return Play(*sessions, *stub, launched);
  if (command == "join") return Join(*sessions, *stub, args, launched);
  if (command == "render") return Render(*sessions);
  if (command == "history") return History(*sessions);
  std::fprintf(stderr, "yoga-guide: unknown command \"%s\"\n%s\n",
               command.c_str(), kUsage);
  return 2;
}
