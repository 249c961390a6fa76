// The RoutineSource (routine_source.h) of a session service: the planner
// service over gRPC. A routine is found by id, by composing, or by validating
// and timing an inline routine (sent to the planner as a custom routine); the
// planner's errors are renamed into the StartSession request's fields.
#ifndef YOGA_SERVICES_SESSION_PLANNER_ROUTINE_SOURCE_H_
#define YOGA_SERVICES_SESSION_PLANNER_ROUTINE_SOURCE_H_

#include <functional>
#include <memory>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "services/common/bounded_executor.h"
#include "services/session/routine_source.h"
#include "yoga/planner/v1/planner_service.grpc.pb.h"

namespace yoga::session {

class PlannerRoutineSource final : public RoutineSource {
 public:
  using PlannerStub = yoga::planner::v1::PlannerService::StubInterface;

  // `planner` may be null until UsePlanner; calls meanwhile are UNAVAILABLE.
  // With `executor` (not owned), answers run there rather than on gRPC's
  // thread: what comes next (the session's first write) is database work.
  PlannerRoutineSource(std::shared_ptr<PlannerStub> planner,
                       absl::Duration timeout,
                       BoundedExecutor* executor = nullptr)
      : timeout_(timeout), executor_(executor), planner_(std::move(planner)) {}

  // Sets the planner to call from now on (yoga-studio knows its in-process
  // channel only once serving).
  void UsePlanner(std::shared_ptr<PlannerStub> planner);

  // `done` runs on the executor (else on a gRPC thread), or at once without
  // a planner. The call names `owner` in "yoga-on-behalf-of"
  // (call_admission.h).
  void Resolve(const yoga::session::v1::StartSessionRequest& request,
               absl::string_view owner, Done done) const override;

 private:
  const absl::Duration timeout_;
  BoundedExecutor* const executor_;
  mutable absl::Mutex mutex_;
  std::shared_ptr<PlannerStub> planner_ ABSL_GUARDED_BY(mutex_);
};

}  // namespace yoga::session

#endif  // YOGA_SERVICES_SESSION_PLANNER_ROUTINE_SOURCE_H_
