#include "client/cli/plan_commands.h"

#include <chrono>
#include <cstdio>

#include "absl/time/time.h"
#include "client/cli/command_support.h"
#include "client/text/plan_request.h"
#include "client/text/routine_text.h"
#include "services/common/errors.h"

namespace yoga::client::cli {
namespace {

void SetDeadline(const GuideOptions& options, grpc::ClientContext& context) {
  context.set_deadline(std::chrono::system_clock::now() +
                       absl::ToChronoMilliseconds(options.timeout));
}

}  // namespace

int Presets(const GuideOptions& options,
            yoga::planner::v1::PlannerService::StubInterface& planner) {
  grpc::ClientContext context;
  SetDeadline(options, context);
  yoga::planner::v1::ListPresetsResponse presets;
  if (grpc::Status status = planner.ListPresets(&context, {}, &presets);
      !status.ok()) {
    return Fail(options, yoga::FromGrpcStatus(status));
  }
  std::fputs(FormatPresets(presets).c_str(), stdout);
  return 0;
}

int Plan(const GuideOptions& options,
         yoga::planner::v1::PlannerService::StubInterface& planner,
         yoga::catalog::v1::CatalogService::StubInterface& catalog) {
  auto request = MakePlanRequest(options.request.plan);
  if (!request.ok()) return UsageError(request.status());
  grpc::ClientContext context;
  SetDeadline(options, context);
  yoga::type::v1::Routine routine;
  if (grpc::Status status =
          planner.ComposeRoutine(&context, *request, &routine);
      !status.ok()) {
    return Fail(options, yoga::FromGrpcStatus(status));
  }
  std::fputs(FormatRoutine(routine, PoseNames(options, catalog)).c_str(),
             stdout);
  return 0;
}

}  // namespace yoga::client::cli
