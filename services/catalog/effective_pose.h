// What a variation inherits from its pose: a variation leaves a property unset
// to mean "as the pose". These functions give the value that applies.
#ifndef YOGA_SERVICES_CATALOG_EFFECTIVE_POSE_H_
#define YOGA_SERVICES_CATALOG_EFFECTIVE_POSE_H_

#include "absl/strings/string_view.h"
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

// The hold that applies: the variation's own, else the pose's.
inline const yoga::type::v1::HoldRange& HoldOf(
    const yoga::catalog::v1::Pose& pose,
    const yoga::catalog::v1::Variation* variation) {
  return variation != nullptr && variation->has_hold() ? variation->hold()
                                                       : pose.hold();
}

// The variation of `pose` with this id; nullptr for an empty or unknown id.
inline const yoga::catalog::v1::Variation* FindVariation(
    const yoga::catalog::v1::Pose& pose, absl::string_view variation_id) {
  if (variation_id.empty()) return nullptr;
  for (const auto& variation : pose.variations()) {
    if (variation.id() == variation_id) return &variation;
  }
  return nullptr;
}

// The cues spoken for one phase: the variation's list when it has one, else
// the pose's (see Variation in pose.proto).
inline const google::protobuf::RepeatedPtrField<yoga::catalog::v1::Cue>&
SetupCuesOf(const yoga::catalog::v1::Pose& pose,
            const yoga::catalog::v1::Variation* variation) {
  return variation != nullptr && !variation->setup_cues().empty()
             ? variation->setup_cues()
             : pose.setup_cues();
}
inline const google::protobuf::RepeatedPtrField<yoga::catalog::v1::Cue>&
HoldCuesOf(const yoga::catalog::v1::Pose& pose,
           const yoga::catalog::v1::Variation* variation) {
  return variation != nullptr && !variation->hold_cues().empty()
             ? variation->hold_cues()
             : pose.hold_cues();
}
inline const google::protobuf::RepeatedPtrField<yoga::catalog::v1::Cue>&
ReleaseCuesOf(const yoga::catalog::v1::Pose& pose,
              const yoga::catalog::v1::Variation* variation) {
  return variation != nullptr && !variation->release_cues().empty()
             ? variation->release_cues()
             : pose.release_cues();
}

// Sided when the pose is, or the variation is on its own.
inline bool IsSided(const yoga::catalog::v1::Pose& pose,
                    const yoga::catalog::v1::Variation* variation) {
  return pose.sided() || (variation != nullptr && variation->sided());
}

// Lies on the floor, the variation's own answer first.
inline bool NeedsFloor(const yoga::catalog::v1::Pose& pose,
                       const yoga::catalog::v1::Variation* variation) {
  return variation != nullptr ? NeedsFloor(pose, *variation)
                              : pose.needs_floor();
}

// A flow: held in repetitions, each named by breath-tagged hold cues (cat-cow,
// sun salutation) that the guide says on their breath.
inline bool IsFlow(const yoga::catalog::v1::Pose& pose,
                   const yoga::catalog::v1::Variation* variation) {
  if (HoldOf(pose, variation).unit() != yoga::type::v1::HOLD_UNIT_REPETITIONS)
    return false;
  for (const auto& cue : HoldCuesOf(pose, variation)) {
    if (cue.breath() != yoga::catalog::v1::BREATH_UNSPECIFIED) return true;
  }
  return false;
}

// The level of the version done.
inline yoga::type::v1::Level LevelOf(
    const yoga::catalog::v1::Pose& pose,
    const yoga::catalog::v1::Variation* variation) {
  return variation != nullptr ? variation->level() : pose.level();
}

}  // namespace yoga::catalog

#endif  // YOGA_SERVICES_CATALOG_EFFECTIVE_POSE_H_
