// The one range a requested breath length must lie in, whichever field asks
// for it (ComposeRoutineRequest.breath_length, constraints.breath_length,
// custom.breath_length, StartSession's options.breath_length).
#ifndef YOGA_SERVICES_SHARED_BREATH_LENGTH_H_
#define YOGA_SERVICES_SHARED_BREATH_LENGTH_H_

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "google/protobuf/duration.pb.h"
#include "services/common/errors.h"

namespace yoga {

// A breath in and out, when nothing else is asked for, and the bounds of
// what may be asked.
inline constexpr absl::Duration kDefaultBreath = absl::Seconds(5);
inline constexpr absl::Duration kMinBreath = absl::Seconds(2);
inline constexpr absl::Duration kMaxBreath = absl::Seconds(12);

// Adds a violation of `field` when `breath` lies outside kMinBreath..kMaxBreath
// (above). Returns whether it lies inside.
bool CheckBreathLength(const google::protobuf::Duration& breath,
                       absl::string_view field, FieldViolations& violations);

}  // namespace yoga

#endif  // YOGA_SERVICES_SHARED_BREATH_LENGTH_H_
