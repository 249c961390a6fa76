// The rules every routine follows, whoever made it (a preset file, the
// composer, a partner's step list):
//   - steps name poses and variations of the catalog;
//   - a sided version has a side, an unsided one has none;
//   - holds are in the catalog's range for that version, sets within max_sets;
//   - every sided version is done on both sides, equally often, with the same
//     hold (per set);
//   - a backbend or strength hold is followed by a neutralising pose (a
//     restorative or neutral pose, or one of its counterposes) before the next
//     different backbend or strength hold;
//   - phases run warm-up, main, cool-down.
// A routine made from constraints must also respect them
// (ConstraintViolations).
#ifndef YOGA_SERVICES_PLANNER_ROUTINE_RULES_H_
#define YOGA_SERVICES_PLANNER_ROUTINE_RULES_H_

#include <string>
#include <vector>

#include "services/catalog/catalog.h"
#include "yoga/planner/v1/planner_service.pb.h"
#include "yoga/type/v1/routine.pb.h"

namespace yoga::planner {

struct RuleViolation {
  int step = -1;      // Index in the steps; -1 for the whole routine.
  std::string field;  // Field of the step: "pose_id", "side", "hold_count".
  std::string description;  // What is wrong, for a person.
};

// A backbend or strength hold: needs a neutralising pose after it.
bool IsIntense(const yoga::catalog::v1::Pose& pose,
               const yoga::catalog::v1::Variation* variation);

// A pose that neutralises `after` (restorative, neutral, or a counterpose).
bool Neutralises(const yoga::catalog::v1::Pose& pose,
                 const yoga::catalog::v1::Pose& after);

std::vector<RuleViolation> CheckRoutineRules(
    const catalog::Catalog& catalog,
    const google::protobuf::RepeatedPtrField<yoga::type::v1::RoutineStep>&
        steps);

// What a composed routine breaks of the runner's constraints: excluded poses,
// the floor, standing only, props, level and conditions.
std::vector<RuleViolation> ConstraintViolations(
    const catalog::Catalog& catalog,
    const yoga::planner::v1::Constraints& constraints,
    const yoga::type::v1::Routine& routine);

}  // namespace yoga::planner

#endif  // YOGA_SERVICES_PLANNER_ROUTINE_RULES_H_
