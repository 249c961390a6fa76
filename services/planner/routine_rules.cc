#include "services/planner/routine_rules.h"

#include <algorithm>
#include <map>
#include <set>
#include <tuple>

#include "absl/strings/str_cat.h"
#include "services/catalog/effective_pose.h"

namespace yoga::planner {
namespace {

using yoga::catalog::v1::Pose;
using yoga::catalog::v1::Variation;
using yoga::type::v1::RoutineStep;

bool Contains(const google::protobuf::RepeatedField<int>& values, int value) {
  return std::find(values.begin(), values.end(), value) != values.end();
}

// Every prop the version cannot do without.
std::vector<yoga::type::v1::Prop> RequiredProps(const Pose& pose,
                                                const Variation* variation) {
  std::vector<yoga::type::v1::Prop> props;
  for (const auto& use : pose.props()) {
    if (use.required()) props.push_back(use.prop());
  }
  if (variation != nullptr) {
    for (const auto& use : variation->props()) {
      if (use.required()) props.push_back(use.prop());
    }
  }
  return props;
}

}  // namespace

bool IsIntense(const Pose& pose, const Variation* variation) {
  if (pose.kind() == yoga::catalog::v1::POSE_KIND_STRENGTH_HOLD) return true;
  if (pose.kind() == yoga::catalog::v1::POSE_KIND_DYNAMIC_FLOW) return false;
  const auto& actions =
      variation != nullptr && !variation->spinal_actions().empty()
          ? variation->spinal_actions()
          : pose.spinal_actions();
  return Contains(actions, yoga::type::v1::SPINAL_ACTION_EXTENSION);
}

bool Neutralises(const Pose& pose, const Pose& after) {
  if (pose.kind() == yoga::catalog::v1::POSE_KIND_RESTORATIVE ||
      pose.kind() == yoga::catalog::v1::POSE_KIND_NEUTRAL) {
    return true;
  }
  return std::find(after.counterposes().begin(), after.counterposes().end(),
                   pose.id()) != after.counterposes().end();
}

std::vector<RuleViolation> CheckRoutineRules(
    const catalog::Catalog& catalog,
    const google::protobuf::RepeatedPtrField<RoutineStep>& steps) {
  std::vector<RuleViolation> violations;
  // Sides seen per (pose, variation, set): right and left steps, in order.
  struct SideSteps {
    std::vector<int> right;
    std::vector<int> left;
  };
  std::map<std::tuple<std::string, std::string, uint32_t>, SideSteps> sides;
  const Pose* unneutralised =
      nullptr;  // Last intense pose not yet neutralised.
  int unneutralised_step = -1;
  int last_phase = 0;
  for (int i = 0; i < steps.size(); ++i) {
    const RoutineStep& step = steps[i];
    const Pose* pose = catalog.FindPose(step.pose_id());
    if (pose == nullptr) {
      violations.push_back(
          {i, "pose_id",
           absl::StrCat("no pose \"", step.pose_id(), "\" in the catalog")});
      continue;
    }
    const Variation* variation =
        catalog::FindVariation(*pose, step.variation_id());
    if (!step.variation_id().empty() && variation == nullptr) {
      violations.push_back(
          {i, "variation_id",
           absl::StrCat("pose \"", pose->id(), "\" has no variation \"",
                        step.variation_id(), "\"")});
      continue;
    }
    const bool sided = catalog::IsSided(*pose, variation);
    const bool has_side = step.side() == yoga::type::v1::SIDE_LEFT ||
                          step.side() == yoga::type::v1::SIDE_RIGHT;
    if (sided && !has_side) {
      violations.push_back({i, "side",
                            absl::StrCat("\"", pose->name(),
                                         "\" is done per side: say SIDE_RIGHT "
                                         "or SIDE_LEFT")});
    } else if (!sided && step.side() != yoga::type::v1::SIDE_UNSPECIFIED) {
      violations.push_back(
          {i, "side",
           absl::StrCat("\"", pose->name(), "\" is not done per side")});
    }
    const auto& range = catalog::HoldOf(*pose, variation);
    if (step.hold_unit() != yoga::type::v1::HOLD_UNIT_UNSPECIFIED &&
        step.hold_unit() != range.unit()) {
      violations.push_back(
          {i, "hold_unit",
           absl::StrCat("\"", pose->name(), "\" is held in ",
                        yoga::type::v1::HoldUnit_Name(range.unit()))});
    }
    if (step.hold_count() < range.min_count() ||
        step.hold_count() > range.max_count()) {
      violations.push_back(
          {i, "hold_count",
           absl::StrCat("hold ", step.hold_count(), " is outside ",
                        range.min_count(), " to ", range.max_count(), " for \"",
                        pose->name(), "\"")});
    }
    const uint32_t max_sets = std::max<uint32_t>(range.max_sets(), 1);
    if (step.set() > max_sets) {
      violations.push_back(
          {i, "set",
           absl::StrCat("\"", pose->name(), "\" is done in at most ", max_sets,
                        " set(s)")});
    }
    if (sided && has_side) {
      SideSteps& seen = sides[{step.pose_id(), step.variation_id(),
                               std::max<uint32_t>(step.set(), 1)}];
      (step.side() == yoga::type::v1::SIDE_RIGHT ? seen.right : seen.left)
          .push_back(i);
    }
    if (step.phase() != yoga::type::v1::ROUTINE_PHASE_UNSPECIFIED) {
      if (step.phase() < last_phase) {
        violations.push_back(
            {i, "phase", "phases must run warm-up, main, then cool-down"});
      }
      last_phase = step.phase();
    }
    // The neutralising rule works on blocks: consecutive steps of one pose.
    const bool new_block = i == 0 || steps[i - 1].pose_id() != step.pose_id();
    if (!new_block) continue;
    if (unneutralised != nullptr && unneutralised->id() != pose->id()) {
      if (Neutralises(*pose, *unneutralised)) {
        unneutralised = nullptr;
      } else if (IsIntense(*pose, variation)) {
        violations.push_back(
            {i, "pose_id",
             absl::StrCat("\"", pose->name(), "\" follows \"",
                          unneutralised->name(),
                          "\" with no neutralising pose between them")});
      }
    }
    if (IsIntense(*pose, variation)) {
      unneutralised = pose;
      unneutralised_step = i;
    }
  }
  if (unneutralised != nullptr) {
    violations.push_back(
        {unneutralised_step, "pose_id",
         absl::StrCat("\"", unneutralised->name(),
                      "\" needs a neutralising pose after it")});
  }
  for (const auto& [key, seen] : sides) {
    const std::vector<int>& right = seen.right;
    const std::vector<int>& left = seen.left;
    auto hold_of = [&](int index) { return steps[index].hold_count(); };
    auto step_of = [](int index) { return index; };
    const std::string& pose_id = std::get<0>(key);
    if (right.size() != left.size()) {
      const auto& more = right.size() > left.size() ? right : left;
      violations.push_back(
          {step_of(more.back()), "side",
           absl::StrCat("\"", pose_id, "\" has ", right.size(),
                        " right side(s) and ", left.size(),
                        " left side(s) in set ", std::get<2>(key))});
      continue;
    }
    for (size_t k = 0; k < right.size(); ++k) {
      if (hold_of(right[k]) != hold_of(left[k])) {
        violations.push_back(
            {step_of(left[k]), "hold_count",
             absl::StrCat("both sides of \"", pose_id,
                          "\" need the same hold (right ", hold_of(right[k]),
                          ", left ", hold_of(left[k]), ")")});
      }
    }
  }
  return violations;
}

std::vector<RuleViolation> ConstraintViolations(
    const catalog::Catalog& catalog,
    const yoga::planner::v1::Constraints& constraints,
    const yoga::type::v1::Routine& routine) {
  std::vector<RuleViolation> violations;
  const std::set<std::string> excluded(constraints.excluded_pose_ids().begin(),
                                       constraints.excluded_pose_ids().end());
  const std::set<int> conditions(constraints.conditions().begin(),
                                 constraints.conditions().end());
  std::set<int> props = {yoga::type::v1::PROP_MAT};
  if (constraints.has_props_available()) {
    props = std::set<int>(constraints.props_available().props().begin(),
                          constraints.props_available().props().end());
  }
  const int max_level =
      constraints.max_level() == yoga::type::v1::LEVEL_UNSPECIFIED
          ? yoga::type::v1::LEVEL_BEGINNER
          : constraints.max_level();
  for (int i = 0; i < routine.steps_size(); ++i) {
    const RoutineStep& step = routine.steps(i);
    const Pose* pose = catalog.FindPose(step.pose_id());
    if (pose == nullptr) continue;  // CheckRoutineRules reports it.
    const Variation* variation =
        catalog::FindVariation(*pose, step.variation_id());
    if (excluded.contains(pose->id())) {
      violations.push_back({i, "pose_id", "the pose is excluded"});
    }
    if (constraints.no_floor() && catalog::NeedsFloor(*pose, variation)) {
      violations.push_back(
          {i, "pose_id", "lies on the floor, but no_floor is set"});
    }
    if (constraints.standing_only() &&
        (pose->position() != yoga::type::v1::BODY_POSITION_STANDING ||
         catalog::NeedsFloor(*pose, variation))) {
      violations.push_back(
          {i, "pose_id", "is not done standing, but standing_only is set"});
    }
    if (catalog::LevelOf(*pose, variation) > max_level) {
      violations.push_back({i, "variation_id", "above the runner's level"});
    }
    for (auto prop : RequiredProps(*pose, variation)) {
      if (!props.contains(prop)) {
        violations.push_back(
            {i, "pose_id",
             absl::StrCat("needs ", yoga::type::v1::Prop_Name(prop))});
      }
    }
    auto check_cautions = [&](const auto& cautions) {
      for (const auto& caution : cautions) {
        if (!conditions.contains(caution.condition())) continue;
        if (caution.action() == yoga::catalog::v1::CAUTION_ACTION_AVOID) {
          violations.push_back({i, "pose_id",
                                absl::StrCat("to be avoided with ",
                                             yoga::type::v1::Condition_Name(
                                                 caution.condition()))});
        } else if (caution.action() ==
                       yoga::catalog::v1::CAUTION_ACTION_USE_VARIATION &&
                   step.variation_id() != caution.variation_id()) {
          violations.push_back(
              {i, "variation_id",
               absl::StrCat(
                   "use \"", caution.variation_id(), "\" with ",
                   yoga::type::v1::Condition_Name(caution.condition()))});
        }
      }
    };
    check_cautions(pose->cautions());
    if (variation != nullptr) check_cautions(variation->cautions());
  }
  return violations;
}

}  // namespace yoga::planner
