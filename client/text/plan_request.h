// Turns the command line of `yoga-guide plan`, `play` and `render` into a
// ComposeRoutineRequest or a StartSessionRequest: --preset=ID (with --breath,
// the preset at that breath), or constraints from --minutes, --focus,
// --level, --moment, --no-floor, --standing-only, --props, --exclude,
// --condition, --breath and --seed. Names are written as on the command line:
// --focus=lower-back,hips --level=intermediate --condition=sensitive-knees.
#ifndef YOGA_CLIENT_TEXT_PLAN_REQUEST_H_
#define YOGA_CLIENT_TEXT_PLAN_REQUEST_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "yoga/planner/v1/planner_service.pb.h"
#include "yoga/session/v1/session_service.pb.h"

namespace yoga::client {

struct PlanOptions {
  std::string preset;
  int minutes = 10;
  std::vector<std::string> focus;
  std::string level;   // beginner | intermediate | advanced
  std::string moment;  // post-run | pre-run | rest-day
  bool no_floor = false;
  bool standing_only = false;      // Only standing poses (implies no floor).
  std::vector<std::string> props;  // An empty list means "a mat".
  std::vector<std::string> exclude;
  std::vector<std::string> conditions;
  double breath_seconds = 0;  // 0: the planner's default; presets too.
  uint64_t seed = 0;
};

// INVALID_ARGUMENT names the flag and the value it did not understand.
absl::StatusOr<yoga::planner::v1::ComposeRoutineRequest> MakePlanRequest(
    const PlanOptions& options);

// What `play` and `render` start: a routine from PlanOptions, or one read
// from a text-format yoga.type.v1.Routine file, spoken at a verbosity, for a
// profile.
struct SessionRequestOptions {
  PlanOptions plan;
  std::string routine_file;     // Wins over `plan` when set.
  std::string verbosity;        // full | brief | minimal; empty: the server's.
  double lead_in_seconds = -1;  // < 0: the server's default.
  // Whose practice the session is (StartSessionRequest.profile_id); empty
  // leaves no practice record, as `render` wants. The server checks it.
  std::string profile_id;
};

// INVALID_ARGUMENT names the flag (or "file:line:column") and the problem.
absl::StatusOr<yoga::session::v1::StartSessionRequest> MakeSessionRequest(
    const SessionRequestOptions& options);

}  // namespace yoga::client

#endif  // YOGA_CLIENT_TEXT_PLAN_REQUEST_H_
