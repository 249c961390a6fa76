#include "client/cli/guide_options.h"

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "client/cli/practice_profile.h"

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
ABSL_FLAG(std::string, output, "",
          "play/join: where the sound goes: the sound card (default; see "
          "--device), or pipe:PATH, raw 48000:16:2 PCM (16-bit little-endian "
          "stereo) in real time into the FIFO of a Snapcast pipe source");
ABSL_FLAG(double, volume, 1.0, "play/join: starting volume, 0 to 1");
ABSL_FLAG(absl::Duration, output_latency, absl::ZeroDuration(),
          "class/join CODE: this output's own delay beyond what it reports, "
          "measured once per device (e.g. 3ms); mats sound as one only when "
          "each knows its own");
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

namespace yoga::client::cli {

const char kGuideUsage[] =
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
    "                   --output=pipe:PATH: to a Snapcast server's pipe "
    "source\n"
    "                   (e.g. /tmp/snapfifo) instead of the sound card\n"
    "                   keys: space pause/resume, n next, p previous,\n"
    "                   l stay longer (one more breath), q quit, +/- volume\n"
    "                   --profile=ID: whose practice (default: $USER)\n"
    "  join SESSION_ID  follow a session started elsewhere (q leaves it "
    "running);\n"
    "                   --device, --output, --volume as for play\n"
    "  class            start a class and lead it: flags as for play; shows "
    "the\n"
    "                   join code to read out, the mats joined, and the keys\n"
    "                   of play act on every mat at the same moment\n"
    "  join CODE        follow a class as a mat, by its six-digit code, on "
    "the\n"
    "                   class's clock (--output_latency=DURATION corrects "
    "this\n"
    "                   output's own delay); q leaves the class\n"
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

std::vector<std::string> ParseGuideCommandLine(int argc, char** argv) {
  absl::SetProgramUsageMessage(kGuideUsage);
  // absl flags are spelled with underscores: --no-floor becomes --no_floor
  // (only the name, never the value).
  std::vector<std::string> spelled(argv, argv + argc);
  std::vector<char*> pointers;
  for (std::string& arg : spelled) {
    if (arg.rfind("--", 0) == 0) {
      const size_t end = std::min(arg.find('='), arg.size());
      std::replace(arg.begin() + 2, arg.begin() + static_cast<long>(end), '-',
                   '_');
    }
    pointers.push_back(arg.data());
  }
  std::vector<char*> args = absl::ParseCommandLine(
      static_cast<int>(pointers.size()), pointers.data());
  return std::vector<std::string>(args.begin(), args.end());
}

GuideOptions GuideOptionsFromFlags() {
  GuideOptions options;
  options.server = absl::GetFlag(FLAGS_server);
  options.timeout = absl::GetFlag(FLAGS_timeout);
  options.retry_for = absl::GetFlag(FLAGS_retry_for);
  PlanOptions& plan = options.request.plan;
  plan.preset = absl::GetFlag(FLAGS_preset);
  plan.minutes = absl::GetFlag(FLAGS_minutes);
  plan.focus = absl::GetFlag(FLAGS_focus);
  plan.level = absl::GetFlag(FLAGS_level);
  plan.moment = absl::GetFlag(FLAGS_moment);
  plan.no_floor = absl::GetFlag(FLAGS_no_floor);
  plan.standing_only = absl::GetFlag(FLAGS_standing_only);
  plan.props = absl::GetFlag(FLAGS_props);
  plan.exclude = absl::GetFlag(FLAGS_exclude);
  plan.conditions = absl::GetFlag(FLAGS_condition);
  plan.breath_seconds = absl::GetFlag(FLAGS_breath);
  plan.seed = absl::GetFlag(FLAGS_seed);
  options.request.routine_file = absl::GetFlag(FLAGS_routine);
  options.request.verbosity = absl::GetFlag(FLAGS_verbosity);
  options.request.lead_in_seconds = absl::GetFlag(FLAGS_lead_in);
  options.voice_dir = absl::GetFlag(FLAGS_voice_dir);
  options.device = absl::GetFlag(FLAGS_device);
  options.output = absl::GetFlag(FLAGS_output);
  options.volume = absl::GetFlag(FLAGS_volume);
  options.output_latency = absl::GetFlag(FLAGS_output_latency);
  options.keys = absl::GetFlag(FLAGS_keys);
  options.out = absl::GetFlag(FLAGS_out);
  options.profile = absl::GetFlag(FLAGS_profile);
  options.time_zone = absl::GetFlag(FLAGS_time_zone);
  options.limit = absl::GetFlag(FLAGS_limit);
  return options;
}

absl::Status CheckPlayOptions(const GuideOptions& options) {
  const double lead_in = options.request.lead_in_seconds;
  if (lead_in >= 0 && lead_in < kLeastLiveLeadIn) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--lead_in=", lead_in, ": play needs at least ", kLeastLiveLeadIn,
        " s to get the session's prompts ready (render takes 0)"));
  }
  return absl::OkStatus();
}

absl::StatusOr<OutputChoice> CheckOutputOptions(const GuideOptions& options) {
  OutputChoice choice;
  choice.device = options.device;
  if (options.output.empty()) return choice;
  absl::string_view path = options.output;
  if (!absl::ConsumePrefix(&path, "pipe:")) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--output=", options.output,
        ": expected pipe:PATH (e.g. pipe:/tmp/snapfifo, a Snapcast pipe "
        "source's FIFO), or no --output for the sound card"));
  }
  if (path.empty()) {
    return absl::InvalidArgumentError(
        "--output=pipe:: the pipe needs its path, e.g. "
        "--output=pipe:/tmp/snapfifo");
  }
  if (options.device >= 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--output=", options.output, " and --device=", options.device,
        ": the pipe replaces the sound card; give one of them"));
  }
  choice.pipe_path = std::string(path);
  return choice;
}

absl::Status CheckRenderOptions(const GuideOptions& options) {
  if (options.out.empty()) {
    return absl::InvalidArgumentError(
        "render needs --out=FILE.wav, the file to write");
  }
  return absl::OkStatus();
}

absl::StatusOr<absl::TimeZone> CheckHistoryOptions(
    const GuideOptions& options) {
  if (options.limit < 1 || options.limit > kMostHistoryRecords) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--limit=", options.limit, ": must be 1 to ", kMostHistoryRecords));
  }
  absl::TimeZone zone;
  if (!absl::LoadTimeZone(options.time_zone, &zone)) {
    return absl::InvalidArgumentError(
        absl::StrCat("--time_zone=", options.time_zone,
                     ": unknown time zone; use an IANA name such as "
                     "Europe/Berlin"));
  }
  return zone;
}

}  // namespace yoga::client::cli
