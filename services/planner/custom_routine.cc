#include "services/planner/custom_routine.h"

#include <set>

#include "absl/strings/str_cat.h"
#include "google/protobuf/util/time_util.h"
#include "services/catalog/effective_pose.h"
#include "services/common/errors.h"
#include "services/common/proto_time.h"
#include "services/common/slug.h"
#include "services/planner/routine_rules.h"
#include "services/planner/routine_timing.h"
#include "services/shared/breath_length.h"

namespace yoga::planner {

using google::protobuf::util::TimeUtil;
using yoga::type::v1::Routine;

absl::StatusOr<Routine> BuildCustomRoutine(
    const PlanningCatalog& planning,
    const yoga::planner::v1::CustomRoutine& custom) {
  const catalog::Catalog& catalog = planning.catalog();
  FieldViolations violations;
  if (custom.title().size() > kMaxTitleLength) {
    violations.Add("custom.title",
                   absl::StrCat("at most ", kMaxTitleLength, " characters"));
  }
  if (custom.steps().empty()) {
    violations.Add("custom.steps", "at least one step is required");
  } else if (custom.steps_size() > kMaxCustomSteps) {
    violations.Add("custom.steps",
                   absl::StrCat("at most ", kMaxCustomSteps, " steps"));
    return violations.ToStatus();
  }
  absl::Duration breath = kDefaultBreath;
  if (custom.has_breath_length() &&
      CheckBreathLength(custom.breath_length(), "custom.breath_length",
                        violations)) {
    breath = FromProtoDuration(custom.breath_length());
  }
  std::set<int> malformed;  // Steps whose pose id is not even an id.
  Routine routine;
  routine.set_title(custom.title().empty() ? "Your routine" : custom.title());
  for (int i = 0; i < custom.steps_size(); ++i) {
    const auto& given = custom.steps(i);
    auto* step = routine.add_steps();
    step->set_pose_id(given.pose_id());
    step->set_variation_id(given.variation_id());
    step->set_side(given.side());
    step->set_hold_count(given.hold_count());
    step->set_set(1);
    step->set_phase(yoga::type::v1::ROUTINE_PHASE_MAIN);
    step->set_reason(given.side() == yoga::type::v1::SIDE_LEFT
                         ? "Your step, left side."
                         : "Your step.");
    if (!IsSlug(given.pose_id())) {
      violations.Add(absl::StrCat("custom.steps[", i, "].pose_id"),
                     "must be a pose id such as \"downward-facing-dog\"");
      malformed.insert(i);
      continue;
    }
    if (!given.variation_id().empty() && !IsSlug(given.variation_id())) {
      violations.Add(
          absl::StrCat("custom.steps[", i, "].variation_id"),
          "must be a variation id such as \"downward-facing-dog-knees-bent\"");
      malformed.insert(i);
      continue;
    }
    if (!yoga::type::v1::Side_IsValid(given.side())) {
      violations.Add(absl::StrCat("custom.steps[", i, "].side"),
                     absl::StrCat("unknown value ", given.side()));
    }
    // 0 means the pose's usual hold.
    if (const auto* pose = catalog.FindPose(given.pose_id());
        pose != nullptr && given.hold_count() == 0) {
      step->set_hold_count(
          catalog::HoldOf(*pose,
                          catalog::FindVariation(*pose, given.variation_id()))
              .default_count());
    }
  }
  for (const RuleViolation& violation :
       CheckRoutineRules(catalog, routine.steps())) {
    if (malformed.contains(violation.step)) continue;
    violations.Add(violation.step < 0
                       ? "custom.steps"
                       : absl::StrCat("custom.steps[", violation.step, "].",
                                      violation.field),
                   violation.description);
  }
  if (absl::Status status = violations.ToStatus(); !status.ok()) return status;
  TimeRoutine(planning, breath, routine);
  return routine;
}

}  // namespace yoga::planner
