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
#include "services/session/routine_source.h"
#include "yoga/planner/v1/planner_service.grpc.pb.h"

namespace yoga::session {

class PlannerRoutineSource final : public RoutineSource {
 public:
  using PlannerStub = yoga::planner::v1::PlannerService::StubInterface;

  // `planner` may be null until UsePlanner; calls meanwhile are UNAVAILABLE.
  PlannerRoutineSource(std::shared_ptr<PlannerStub> planner,
                       absl::Duration timeout)
      : timeout_(timeout), planner_(std::move(planner)) {}

  // Sets the planner to call from now on (yoga-studio knows its in-process
  // channel only once serving).
  void UsePlanner(std::shared_ptr<PlannerStub> planner);

  // `done` runs on a gRPC thread, or at once without a planner. The call
  // names `owner` in "yoga-on-behalf-of" (call_admission.h).
  void Resolve(const yoga::session::v1::StartSessionRequest& request,
               absl::string_view owner, Done done) const override;

 private:
  const absl::Duration timeout_;
  mutable absl::Mutex mutex_;
  std::shared_ptr<PlannerStub> planner_ ABSL_GUARDED_BY(mutex_);
};

}  // namespace yoga::session

#endif  // YOGA_SERVICES_SESSION_PLANNER_ROUTINE_SOURCE_H_
