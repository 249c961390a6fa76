// `yoga-guide history`: this week of --profile against the weekly goal, the
// streak, and the --limit most recent sessions, counted in --time_zone.
// Prints to stdout; returns the exit code (0, 1 a failed call, 2 a bad
// command line).
#ifndef YOGA_CLIENT_CLI_HISTORY_COMMANDS_H_
#define YOGA_CLIENT_CLI_HISTORY_COMMANDS_H_

#include "client/cli/guide_options.h"
#include "yoga/session/v1/session_service.grpc.pb.h"

namespace yoga::client::cli {

int History(const GuideOptions& options,
            yoga::session::v1::SessionService::StubInterface& sessions);

}  // namespace yoga::client::cli

#endif  // YOGA_CLIENT_CLI_HISTORY_COMMANDS_H_
