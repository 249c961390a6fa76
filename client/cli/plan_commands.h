// `yoga-guide presets` and `plan`: the planner's preset routines, and a
// routine planned from --preset or the constraint flags, printed with the
// catalog's pose names. Print to stdout; return the exit code (0, 1 a failed
// call, 2 a bad command line).
#ifndef YOGA_CLIENT_CLI_PLAN_COMMANDS_H_
#define YOGA_CLIENT_CLI_PLAN_COMMANDS_H_

#include "client/cli/guide_options.h"
#include "yoga/catalog/v1/catalog_service.grpc.pb.h"
#include "yoga/planner/v1/planner_service.grpc.pb.h"

namespace yoga::client::cli {

int Presets(const GuideOptions& options,
            yoga::planner::v1::PlannerService::StubInterface& planner);

int Plan(const GuideOptions& options,
         yoga::planner::v1::PlannerService::StubInterface& planner,
         yoga::catalog::v1::CatalogService::StubInterface& catalog);

}  // namespace yoga::client::cli

#endif  // YOGA_CLIENT_CLI_PLAN_COMMANDS_H_
