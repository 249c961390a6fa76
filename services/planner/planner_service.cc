#include "services/planner/planner_service.h"

#include <chrono>
#include <utility>

#include "services/runtime/call_admission.h"
#include "services/common/errors.h"

namespace yoga::planner {
namespace {

// Runs `work` unless the call was not admitted or the caller's deadline has
// already passed, and finishes the call with its result.
template <typename Response, typename Work>
grpc::ServerUnaryReactor* Answer(grpc::CallbackServerContext* context,
                                 Response* response, Work work) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  if (absl::Status admitted = CallAdmission(*context); !admitted.ok()) {
    reactor->Finish(ToGrpcStatus(admitted));
    return reactor;
  }
  if (context->deadline() < std::chrono::system_clock::now()) {
    reactor->Finish(
        grpc::Status(grpc::StatusCode::DEADLINE_EXCEEDED,
                     "the deadline passed before the planner started"));
    return reactor;
  }
  absl::StatusOr<Response> result = work();
  if (result.ok()) *response = *std::move(result);
  reactor->Finish(ToGrpcStatus(result.status()));
  return reactor;
}

}  // namespace

grpc::ServerUnaryReactor* PlannerServiceImpl::ListPresets(
    grpc::CallbackServerContext* context,
    const yoga::planner::v1::ListPresetsRequest*,
    yoga::planner::v1::ListPresetsResponse* response) {
  return Answer(context, response, [&] { return planner_.ListPresets(); });
}

grpc::ServerUnaryReactor* PlannerServiceImpl::ComposeRoutine(
    grpc::CallbackServerContext* context,
    const yoga::planner::v1::ComposeRoutineRequest* request,
    yoga::type::v1::Routine* response) {
  return Answer(context, response,
                [&] { return planner_.ComposeRoutine(*request); });
}

grpc::ServerUnaryReactor* PlannerServiceImpl::GetRoutine(
    grpc::CallbackServerContext* context,
    const yoga::planner::v1::GetRoutineRequest* request,
    yoga::type::v1::Routine* response) {
  return Answer(context, response,
                [&] { return planner_.GetRoutine(*request); });
}

}  // namespace yoga::planner
