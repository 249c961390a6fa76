// `yoga-guide poses`: the catalog as a table, or one pose's whole sheet.
// Prints to stdout; returns the exit code (0, 1 a failed call, 2 a bad
// command line).
#ifndef YOGA_CLIENT_CLI_CATALOG_COMMANDS_H_
#define YOGA_CLIENT_CLI_CATALOG_COMMANDS_H_

#include <string>

#include "absl/types/span.h"
#include "client/cli/guide_options.h"
#include "yoga/catalog/v1/catalog_service.grpc.pb.h"

namespace yoga::client::cli {

// `operands`: what follows the command, at most a pose id.
int Poses(const GuideOptions& options,
          yoga::catalog::v1::CatalogService::StubInterface& catalog,
          absl::Span<const std::string> operands);

}  // namespace yoga::client::cli

#endif  // YOGA_CLIENT_CLI_CATALOG_COMMANDS_H_
