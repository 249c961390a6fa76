// What a variation inherits from its pose: a variation leaves a property unset
// to mean "as the pose". These functions give the value that applies.
#ifndef YOGA_SERVICES_CATALOG_EFFECTIVE_POSE_H_
#define YOGA_SERVICES_CATALOG_EFFECTIVE_POSE_H_

#include "yoga/catalog/v1/pose.pb.h"

namespace yoga::catalog {

// A variation of a sided pose is sided; a variation may also be sided alone.
inline bool IsSided(const yoga::catalog::v1::Pose& pose,
                    const yoga::catalog::v1::Variation& variation) {
  return pose.sided() || variation.sided();
}

inline bool NeedsFloor(const yoga::catalog::v1::Pose& pose,
                       const yoga::catalog::v1::Variation& variation) {
  return variation.has_needs_floor() ? variation.needs_floor()
                                     : pose.needs_floor();
}

}  // namespace yoga::catalog

#endif  // YOGA_SERVICES_CATALOG_EFFECTIVE_POSE_H_
