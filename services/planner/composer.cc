// The pieces, in the order a class is made: the request and the plan
// (composer_plan.h); the warm-up, finish and main poses chosen
// (composer_selection.h); the plan fitted to the target (composer_fill.h),
// measured in class order (composer_length.h, composer_order.h) and written
// out with its words (composer_routine.h, step_text.h); refusals
// (composer_refusals.h).

#include "services/planner/composer.h"

#include <algorithm>
#include <optional>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "services/common/proto_time.h"
#include "services/common/slug.h"
#include "services/planner/composer_fill.h"
#include "services/planner/composer_length.h"
#include "services/planner/composer_plan.h"
#include "services/planner/composer_refusals.h"
#include "services/planner/composer_selection.h"
#include "services/shared/breath_length.h"

namespace yoga::planner {
namespace {

using yoga::planner::v1::Constraints;
using yoga::type::v1::Routine;

// Below this target, and only when no warm-up leaves room for main work and a
// finish, the class goes straight into its main work.
constexpr absl::Duration kNoSeparateWarmUpBelow = absl::Minutes(7);

// The class with `warm_up` (none: main work first), fitted to the target.
FitOutcome Compose(const ClassRequest& request, const PlanLength& length,
                   const Version* warm_up) {
  absl::StatusOr<ClassPlan> plan = StartPlan(request, warm_up);
  if (!plan.ok()) return FitOutcome(plan.status());
  ChooseMainPoses(request, length, *plan);
  return FitPlan(request, length, *plan);
}

// Tries the warm-ups in a teacher's order (WarmUpOptions); the first that
// gives a class of the target's length wins. Only a target under
// kNoSeparateWarmUpBelow that no warm-up fits is composed without one.
absl::StatusOr<Routine> ComposeFitted(const ClassRequest& request) {
  const PlanLength length(request);
  const std::vector<Version> options = WarmUpOptions(request, length);
  if (options.empty()) {
    return RuledOut("no warm-up flow is left",
                    request.candidates.warm_up_blocks);
  }
  std::optional<absl::Status> first_refusal;
  bool length_refused = false;
  absl::Duration shortest = absl::InfiniteDuration();
  for (const Version& warm_up : options) {
    FitOutcome outcome = Compose(request, length, &warm_up);
    if (outcome.routine.ok()) return std::move(outcome.routine);
    if (!first_refusal) {
      first_refusal = outcome.routine.status();
      length_refused = outcome.too_long;
    }
    if (outcome.too_long) shortest = std::min(shortest, outcome.shortest);
  }
  if (!length_refused) return *first_refusal;
  absl::Duration shortest_without = absl::InfiniteDuration();
  if (request.target < kNoSeparateWarmUpBelow) {
    FitOutcome outcome = Compose(request, length, nullptr);
    if (outcome.routine.ok()) return std::move(outcome.routine);
    if (outcome.too_long) shortest_without = outcome.shortest;
  }
  return TooShort(request.target, shortest, shortest_without);
}

}  // namespace

absl::Duration DurationTolerance(absl::Duration target) {
  return std::max(target / 20, absl::Seconds(20));
}

void CheckConstraints(const catalog::Catalog& catalog,
                      const Constraints& constraints, const std::string& prefix,
                      FieldViolations& violations) {
  auto field = [&](absl::string_view name) {
    return absl::StrCat(prefix, ".", name);
  };
  CheckEnumList(constraints.focus_areas(), field("focus_areas"),
                yoga::type::v1::BodyArea_IsValid, kMaxListSize, violations);
  if (!constraints.has_target_duration()) {
    violations.Add(field("target_duration"), "is required (2 to 60 minutes)");
  } else {
    const absl::Duration target =
        FromProtoDuration(constraints.target_duration());
    if (target < kMinTarget || target > kMaxTarget) {
      violations.Add(field("target_duration"),
                     absl::StrCat("must be 2 to 60 minutes, not ",
                                  absl::FormatDuration(target)));
    }
  }
  if (!yoga::type::v1::Level_IsValid(constraints.max_level())) {
    violations.Add(field("max_level"),
                   absl::StrCat("unknown value ", constraints.max_level()));
  }
  if (!yoga::planner::v1::Moment_IsValid(constraints.moment())) {
    violations.Add(field("moment"),
                   absl::StrCat("unknown value ", constraints.moment()));
  }
  if (constraints.has_props_available()) {
    CheckEnumList(constraints.props_available().props(),
                  field("props_available.props"), yoga::type::v1::Prop_IsValid,
                  kMaxListSize, violations);
  }
  if (constraints.excluded_pose_ids_size() > kMaxListSize) {
    violations.Add(field("excluded_pose_ids"),
                   absl::StrCat("at most ", kMaxListSize, " ids"));
  } else {
    for (int i = 0; i < constraints.excluded_pose_ids_size(); ++i) {
      const std::string& id = constraints.excluded_pose_ids(i);
      if (!IsSlug(id)) {
        violations.Add(absl::StrCat(field("excluded_pose_ids"), "[", i, "]"),
                       "must be a pose id such as \"downward-facing-dog\"");
      } else if (catalog.FindPose(id) == nullptr) {
        violations.Add(absl::StrCat(field("excluded_pose_ids"), "[", i, "]"),
                       absl::StrCat("no pose \"", id, "\" in the catalog"));
      }
    }
  }
  CheckEnumList(constraints.conditions(), field("conditions"),
                yoga::type::v1::Condition_IsValid, kMaxListSize, violations);
  if (constraints.has_breath_length()) {
    const absl::Duration breath =
        FromProtoDuration(constraints.breath_length());
    if (breath < kMinBreath || breath > kMaxBreath) {
      violations.Add(field("breath_length"),
                     absl::StrCat("must be ", absl::FormatDuration(kMinBreath),
                                  " to ", absl::FormatDuration(kMaxBreath),
                                  ", not ", absl::FormatDuration(breath)));
    }
  }
}

absl::StatusOr<Routine> ComposeRoutine(const PlanningCatalog& catalog,
                                       const Constraints& constraints) {
  FieldViolations violations;
  CheckConstraints(catalog.catalog(), constraints, "constraints", violations);
  if (absl::Status status = violations.ToStatus(); !status.ok()) return status;
  const ClassRequest request(catalog, constraints);
  return ComposeFitted(request);
}

}  // namespace yoga::planner
