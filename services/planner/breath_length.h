// The one range a requested breath length must lie in, whichever field asks
// for it (ComposeRoutineRequest.breath_length, constraints.breath_length,
// custom.breath_length, StartSession's options.breath_length).
#ifndef YOGA_SERVICES_PLANNER_BREATH_LENGTH_H_
#define YOGA_SERVICES_PLANNER_BREATH_LENGTH_H_

#include "absl/strings/string_view.h"
#include "google/protobuf/duration.pb.h"
#include "services/common/errors.h"

namespace yoga::planner {

// Adds a violation of `field` when `breath` lies outside kMinBreath..kMaxBreath
// (routine_timing.h). Returns whether it lies inside.
bool CheckBreathLength(const google::protobuf::Duration& breath,
                       absl::string_view field, FieldViolations& violations);

}  // namespace yoga::planner

#endif  // YOGA_SERVICES_PLANNER_BREATH_LENGTH_H_
