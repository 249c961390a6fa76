// Everything yoga-guide's flags say, read once into a GuideOptions: the
// commands take one and never read a flag. The ABSL_FLAG definitions live in
// guide_options.cc, the only file that reads them.
//
// A flag only some commands use is checked when one of them runs (the Check
// functions below), so a flag a command ignores is never an error:
// `yoga-guide poses --limit=0` lists the poses. Each check's INVALID_ARGUMENT
// names its flag.
#ifndef YOGA_CLIENT_CLI_GUIDE_OPTIONS_H_
#define YOGA_CLIENT_CLI_GUIDE_OPTIONS_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "client/text/plan_request.h"

namespace yoga::client::cli {

// Defaults are the flags' (tests/client/cli/guide_options_test.cc checks),
// but for voice_dir, profile and time_zone: the flags take theirs from the
// build and the environment.
struct GuideOptions {
  std::string server = "127.0.0.1:50051";      // HOST:PORT of yoga-studio.
  absl::Duration timeout = absl::Seconds(10);  // Of each call.
  // How long to keep retrying while the server cannot be reached.
  absl::Duration retry_for = absl::Seconds(30);

  // What plan, play and render ask for: --preset or constraints (request.plan,
  // all that `plan` reads), --routine, --verbosity, --lead_in. Its profile_id
  // is left empty: play sets it from `profile`; render keeps none.
  SessionRequestOptions request;

  std::string voice_dir;  // play, join, render: the voice packs' folder.
  int device = -1;        // play, join: PortAudio output; -1 the default.
  std::string output;     // play, join: "" the sound card, or pipe:PATH.
  double volume = 1.0;    // play, join: starting volume, 0 to 1.
  // class, join CODE: this output's delay beyond what PortAudio reports.
  absl::Duration output_latency = absl::ZeroDuration();
  bool keys = true;       // play, join: read keys from stdin.
  std::string out;        // render: the WAV file to write.
  std::string profile;    // play, history: whose practice.
  std::string time_zone;  // history: IANA name the weeks are counted in.
  int limit = 10;         // history: how many recent sessions.
};

// What `yoga-guide --help` and a missing or unknown command print: the
// commands and the flags each takes.
extern const char kGuideUsage[];

// Parses the command line, where flags may also be spelled with dashes
// (--no-floor, as the design's examples are), and returns the arguments that
// are not flags, the program's name first. Exits on --help (printing
// kGuideUsage and the flags) or a flag it cannot parse, as
// absl::ParseCommandLine does.
std::vector<std::string> ParseGuideCommandLine(int argc, char** argv);

// The flags as parsed.
GuideOptions GuideOptionsFromFlags();

// The least --lead_in `play` takes, in seconds: session time starts with
// StartSession and the prompts are decoded after it, when the timeline is
// known, so a shorter lead-in would clip the welcome. `class` opens its
// output after that too (up to seconds under load): its first words need a
// longer one, and its mats longer still to join (README, "A class").
inline constexpr double kLeastLiveLeadIn = 1.0;

// The most records `history` lists (the server's largest page).
inline constexpr int kMostHistoryRecords = 500;

// play: --lead_in, when set, at least kLeastLiveLeadIn.
absl::Status CheckPlayOptions(const GuideOptions& options);

// play, join: where the sound goes.
struct OutputChoice {
  int device = -1;        // The sound card: PortAudio's device, -1 the default.
  std::string pipe_path;  // Set: raw 48000:16:2 PCM into this FIFO instead.
};

// play, join: --output empty (the sound card, --device chooses) or
// pipe:PATH with a PATH, and then no --device.
absl::StatusOr<OutputChoice> CheckOutputOptions(const GuideOptions& options);

// render: --out names the file to write.
absl::Status CheckRenderOptions(const GuideOptions& options);

// history: --limit within 1 to kMostHistoryRecords and --time_zone a zone
// this machine knows; that zone.
absl::StatusOr<absl::TimeZone> CheckHistoryOptions(const GuideOptions& options);

}  // namespace yoga::client::cli

#endif  // YOGA_CLIENT_CLI_GUIDE_OPTIONS_H_
