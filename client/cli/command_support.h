// What yoga-guide's commands share: how a failure is told and the exit code
// it gives (1 a failed call, 2 a bad command line), the options of calls to
// the session service, the catalog's pose names for printing routines, and
// the output a live session plays on.
#ifndef YOGA_CLIENT_CLI_COMMAND_SUPPORT_H_
#define YOGA_CLIENT_CLI_COMMAND_SUPPORT_H_

#include <map>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "client/audio/output.h"
#include "client/cli/guide_options.h"
#include "client/session/session_setup.h"
#include "yoga/catalog/v1/catalog_service.grpc.pb.h"

namespace yoga::client::cli {

// Prints "yoga-guide: CODE: message" (with a hint to start yoga-studio when
// the server at --server could not be reached); returns 1.
int Fail(const GuideOptions& options, const absl::Status& status);

// Prints "yoga-guide: message" for a command line that makes no sense;
// returns 2.
int UsageError(const absl::Status& status);

// Retries for --retry_for, each call within --timeout, telling the runner
// before each retry.
SessionCallOptions CallOptions(const GuideOptions& options);

// Names of every pose and variation by id; empty when the catalog cannot be
// read, so ids are printed instead.
std::map<std::string, std::string> PoseNames(
    const GuideOptions& options,
    yoga::catalog::v1::CatalogService::StubInterface& catalog);

// The voice packs' rate: a sound card that takes it, and a pipe always,
// play prompts unresampled.
inline constexpr int kVoiceRate = 48000;

// What plays a live session (play, join, class): the sound card or a pipe,
// as CheckOutputOptions chose, opened and playing. Waits up to 5 s for it to
// play, printing how long that took (or a warning, and goes on). `play` opens
// it before its session starts: no session for nobody to hear, and its first
// cues must not fall due while the output still stalls. `join` and `class`
// open it once the prompts are decoded (session_commands.cc). A class's mat
// on the sound card (`for_class`) plays through a Varispeed, to follow the
// class's clock; a pipe's Snapcast server keeps its own rooms in time.
absl::StatusOr<audio::Playback> OpenPlayback(const OutputChoice& output,
                                             bool for_class = false);

}  // namespace yoga::client::cli

#endif  // YOGA_CLIENT_CLI_COMMAND_SUPPORT_H_
