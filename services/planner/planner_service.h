// yoga.planner.v1.PlannerService over a Planner: a thin layer that checks the
// caller's deadline, forwards to planner.h and turns errors into gRPC statuses.
// With a database, ComposeRoutine and GetRoutine run on an executor of their
// own, not on gRPC's callback threads.
#ifndef YOGA_SERVICES_PLANNER_PLANNER_SERVICE_H_
#define YOGA_SERVICES_PLANNER_PLANNER_SERVICE_H_

#include <memory>

#include "services/common/bounded_executor.h"
#include "services/planner/planner.h"
#include "yoga/planner/v1/planner_service.grpc.pb.h"

namespace yoga::planner {

inline constexpr char kPlannerServiceName[] = "yoga.planner.v1.PlannerService";

class PlannerServiceImpl final
    : public yoga::planner::v1::PlannerService::CallbackService {
 public:
  explicit PlannerServiceImpl(Planner& planner);
  ~PlannerServiceImpl() override;

  grpc::ServerUnaryReactor* ListPresets(
      grpc::CallbackServerContext* context,
      const yoga::planner::v1::ListPresetsRequest* request,
      yoga::planner::v1::ListPresetsResponse* response) override;
  grpc::ServerUnaryReactor* ComposeRoutine(
      grpc::CallbackServerContext* context,
      const yoga::planner::v1::ComposeRoutineRequest* request,
      yoga::type::v1::Routine* response) override;
  grpc::ServerUnaryReactor* GetRoutine(
      grpc::CallbackServerContext* context,
      const yoga::planner::v1::GetRoutineRequest* request,
      yoga::type::v1::Routine* response) override;

 private:
  Planner& planner_;
  // Null without a database.
  std::unique_ptr<BoundedExecutor> database_;
};

}  // namespace yoga::planner

#endif  // YOGA_SERVICES_PLANNER_PLANNER_SERVICE_H_
