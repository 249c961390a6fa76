// What yoga-guide's commands share: how a failure is told and the exit code
// it gives (1 a failed call, 2 a bad command line), the options of calls to
// the session service, and the catalog's pose names for printing routines.
#ifndef YOGA_CLIENT_CLI_COMMAND_SUPPORT_H_
#define YOGA_CLIENT_CLI_COMMAND_SUPPORT_H_

#include <map>
#include <string>

#include "absl/status/status.h"
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

}  // namespace yoga::client::cli

#endif  // YOGA_CLIENT_CLI_COMMAND_SUPPORT_H_
