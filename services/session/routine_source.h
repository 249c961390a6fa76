// Finds the routine a StartSession asks for, through the planner: by id, by
// composing, or by validating and timing an inline routine (sent to the planner
// as a custom routine). Errors come back in the StartSession request's own
// field names ("routine.steps[2].hold_count",
// "compose.constraints.focus_areas").
#ifndef YOGA_SERVICES_SESSION_ROUTINE_SOURCE_H_
#define YOGA_SERVICES_SESSION_ROUTINE_SOURCE_H_

#include <functional>
#include <memory>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "yoga/planner/v1/planner_service.grpc.pb.h"
#include "yoga/session/v1/session_service.pb.h"

namespace yoga::session {

class RoutineSource {
 public:
  using Done = std::function<void(absl::StatusOr<yoga::type::v1::Routine>)>;

  using PlannerStub = yoga::planner::v1::PlannerService::StubInterface;

  // `planner` may be null until UsePlanner; calls meanwhile are UNAVAILABLE.
  RoutineSource(std::shared_ptr<PlannerStub> planner, absl::Duration timeout)
      : timeout_(timeout), planner_(std::move(planner)) {}

  // Sets the planner to call from now on (yoga-studio knows its in-process
  // channel only once serving).
  void UsePlanner(std::shared_ptr<PlannerStub> planner);

  // Calls `done` exactly once, possibly on a gRPC thread. The request must
  // have a source set. With options.breath_length set, a composed routine is
  // composed with that breath, and a given routine must have it.
  void Resolve(const yoga::session::v1::StartSessionRequest& request,
               Done done) const;

 private:
  const absl::Duration timeout_;
  mutable absl::Mutex mutex_;
  std::shared_ptr<PlannerStub> planner_ ABSL_GUARDED_BY(mutex_);
};

}  // namespace yoga::session

#endif  // YOGA_SERVICES_SESSION_ROUTINE_SOURCE_H_
