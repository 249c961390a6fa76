// Where a session's routine comes from: a StartSession names a routine by id,
// asks for one composed (a preset or constraints), or gives one inline to be
// checked and timed. The session core asks through this interface; the
// session service answers it with the planner over gRPC
// (planner_routine_source.h), and tests with a planner in the same process.
#ifndef YOGA_SERVICES_SESSION_ROUTINE_SOURCE_H_
#define YOGA_SERVICES_SESSION_ROUTINE_SOURCE_H_

#include <functional>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "yoga/session/v1/session_service.pb.h"
#include "yoga/type/v1/routine.pb.h"

namespace yoga::session {

class RoutineSource {
 public:
  using Done = std::function<void(absl::StatusOr<yoga::type::v1::Routine>)>;

  virtual ~RoutineSource() = default;

  // Calls `done` exactly once, on any thread. The request has a source set.
  // A routine_id is looked up among `owner`'s routines (and the presets); a
  // routine composed becomes `owner`'s.
  // With options.breath_length set, a composed routine is composed with that
  // breath, and a given routine must have it. Errors name the request's own
  // fields ("routine.steps[2].hold_count", "compose.constraints.focus_areas").
  virtual void Resolve(const yoga::session::v1::StartSessionRequest& request,
                       absl::string_view owner, Done done) const = 0;
};

}  // namespace yoga::session

#endif  // YOGA_SERVICES_SESSION_ROUTINE_SOURCE_H_
