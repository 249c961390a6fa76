#include "services/planner/planner_service.h"

#include <utility>

#include "services/runtime/unary_call.h"

namespace yoga::planner {

PlannerServiceImpl::PlannerServiceImpl(Planner& planner)
    : planner_(planner),
      database_(planner.has_database()
                    ? std::make_unique<BoundedExecutor>(
                          "database", kDatabaseThreads, kDatabaseQueue)
                    : nullptr) {}

PlannerServiceImpl::~PlannerServiceImpl() = default;

grpc::ServerUnaryReactor* PlannerServiceImpl::ListPresets(
    grpc::CallbackServerContext* context,
    const yoga::planner::v1::ListPresetsRequest*,
    yoga::planner::v1::ListPresetsResponse* response) {
  return AnswerUnary(context, response, [&] { return planner_.ListPresets(); });
}

grpc::ServerUnaryReactor* PlannerServiceImpl::ComposeRoutine(
    grpc::CallbackServerContext* context,
    const yoga::planner::v1::ComposeRoutineRequest* request,
    yoga::type::v1::Routine* response) {
  return AnswerUnaryOn(
      database_.get(), context, response, [this, request, context] {
        return planner_.ComposeRoutine(*request, CallOwner(*context));
      });
}

grpc::ServerUnaryReactor* PlannerServiceImpl::GetRoutine(
    grpc::CallbackServerContext* context,
    const yoga::planner::v1::GetRoutineRequest* request,
    yoga::type::v1::Routine* response) {
  return AnswerUnaryOn(
      database_.get(), context, response, [this, request, context] {
        return planner_.GetRoutine(*request, CallOwner(*context));
      });
}

}  // namespace yoga::planner
