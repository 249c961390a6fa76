// How a step of a routine follows the one before it. The planner budgets the
// time between two holds by it and the session's timeline speaks by it, so the
// two agree on what the runner does between holds:
//
//   kFirst      the routine's first step.
//   kNewPose    another pose: the previous pose's exit, then a full entry.
//   kOtherSide  the same pose and set on the other side (its version may
//               differ, as when a deepened first side is followed by the second
//               side's base pose): side one's exit, "switch sides", side two's
//               entry.
//   kNextSet    the same pose in another set (or the same step again): the
//               exit, a rest, then the entry once more.
//   kDeepen     the same pose, side and set in another version: the hold goes
//               on into the deeper version (walking the hands forward into the
//               fold) with no exit and no new entry.
#ifndef YOGA_SERVICES_SHARED_STEP_RELATION_H_
#define YOGA_SERVICES_SHARED_STEP_RELATION_H_

#include <cstdint>

#include "absl/time/time.h"
#include "yoga/catalog/v1/pose.pb.h"
#include "yoga/type/v1/routine.pb.h"

namespace yoga {

// Time the planner budgets between holds and the timeline gives. The session's
// opening names the poses ahead when there are no more than this many.
inline constexpr int kMaxOpeningNames = 10;
// Extra time after a setup cue that names a prop, to fetch and place it.
inline constexpr absl::Duration kPlacingAProp = absl::Seconds(3);
// Extra time to get up from lying, or down from standing, to a new pose.
inline constexpr absl::Duration kChangeOfHeight = absl::Seconds(4);

enum class StepRelation { kFirst, kNewPose, kOtherSide, kNextSet, kDeepen };

// One step with the catalog entries it names.
struct StepVersion {
  const yoga::type::v1::RoutineStep* step = nullptr;
  const yoga::catalog::v1::Pose* pose = nullptr;
  const yoga::catalog::v1::Variation* variation = nullptr;  // Null: the pose.
};

// The relation of a step (pose, variation, side, set) to the one before.
inline StepRelation Relate(
    const yoga::catalog::v1::Pose* previous_pose,
    const yoga::catalog::v1::Variation* previous_variation,
    yoga::type::v1::Side previous_side, uint32_t previous_set,
    const yoga::catalog::v1::Pose* pose,
    const yoga::catalog::v1::Variation* variation, yoga::type::v1::Side side,
    uint32_t set) {
  if (previous_pose == nullptr) return StepRelation::kFirst;
  if (previous_pose != pose) return StepRelation::kNewPose;
  if (previous_set != set) return StepRelation::kNextSet;
  const auto none = yoga::type::v1::SIDE_UNSPECIFIED;
  if (previous_side != none && side != none && previous_side != side)
    return StepRelation::kOtherSide;
  if (previous_variation != variation) return StepRelation::kDeepen;
  return StepRelation::kNextSet;
}

// `previous` is null for the first step.
inline StepRelation RelationOf(const StepVersion* previous,
                               const StepVersion& step) {
  if (previous == nullptr) return StepRelation::kFirst;
  return Relate(previous->pose, previous->variation, previous->step->side(),
                previous->step->set(), step.pose, step.variation,
                step.step->side(), step.step->set());
}

// A one-leg (or one-arm) strength version: its sides are parted by a rest.
inline bool RestsBetweenSides(const StepVersion& step) {
  return step.pose->kind() == yoga::catalog::v1::POSE_KIND_STRENGTH_HOLD &&
         step.step->side() != yoga::type::v1::SIDE_UNSPECIFIED;
}

}  // namespace yoga

#endif  // YOGA_SERVICES_SHARED_STEP_RELATION_H_
