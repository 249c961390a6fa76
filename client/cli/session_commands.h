// `yoga-guide play`, `join`, `render` and `devices`: a session played live on
// the sound card, or with --output=pipe:PATH into a Snapcast server's pipe
// (started from --preset, the constraint flags or --routine; or joined by
// id), the same session rendered to --out at full speed, and the sound
// outputs --device can choose. Print to stdout; return the exit code
// (0, 1 a failed call, 2 a bad command line).
#ifndef YOGA_CLIENT_CLI_SESSION_COMMANDS_H_
#define YOGA_CLIENT_CLI_SESSION_COMMANDS_H_

#include <string>

#include "absl/time/time.h"
#include "absl/types/span.h"
#include "client/cli/guide_options.h"
#include "yoga/catalog/v1/catalog_service.grpc.pb.h"
#include "yoga/session/v1/session_service.grpc.pb.h"

namespace yoga::client::cli {

// `launched`: when the program started, for the time to the first prompt.
int Play(const GuideOptions& options,
         yoga::session::v1::SessionService::StubInterface& sessions,
         yoga::catalog::v1::CatalogService::StubInterface& catalog,
         absl::Time launched);

// Starts a class from the same flags as play and leads it: prints the join
// code, plays it here too, and its keys control every mat at once.
int Class(const GuideOptions& options,
          yoga::session::v1::SessionService::StubInterface& sessions,
          yoga::catalog::v1::CatalogService::StubInterface& catalog,
          absl::Time launched);

// `operands`: what follows the command, one session id. Quitting leaves the
// session running for the others following it.
int Join(const GuideOptions& options,
         yoga::session::v1::SessionService::StubInterface& sessions,
         yoga::catalog::v1::CatalogService::StubInterface& catalog,
         absl::Span<const std::string> operands, absl::Time launched);

// Rendering is not practice: the session leaves no record.
int Render(const GuideOptions& options,
           yoga::session::v1::SessionService::StubInterface& sessions);

// Lists the sound outputs; one clear line and exit 1 when there is none.
int Devices(const GuideOptions& options);

}  // namespace yoga::client::cli

#endif  // YOGA_CLIENT_CLI_SESSION_COMMANDS_H_
