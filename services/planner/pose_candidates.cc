#include "services/planner/pose_candidates.h"

#include <algorithm>
#include <optional>
#include <utility>

#include "services/catalog/effective_pose.h"
#include "services/planner/routine_rules.h"
#include "services/shared/class_order.h"

namespace yoga::planner {
namespace {

using yoga::catalog::v1::Pose;
using yoga::catalog::v1::PoseKind;
using yoga::catalog::v1::Variation;
using yoga::planner::v1::Constraints;
using yoga::planner::v1::Moment;

// splitmix64: a tiny, fully specified generator, so a seed means the same
// routine on every machine and compiler.
uint64_t Mix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// A number in [0, 1) fixed by the seed and a name.
double Jitter(uint64_t seed, absl::string_view name) {
  uint64_t hash = 1469598103934665603ULL;  // FNV-1a
  for (char c : name)
    hash = (hash ^ static_cast<unsigned char>(c)) * 1099511628211ULL;
  return static_cast<double>(Mix(seed ^ hash) >> 11) /
         static_cast<double>(1ULL << 53);
}

class Collector {
 public:
  Collector(const PlanningCatalog& planning, const Constraints& constraints)
      : planning_(planning),
        catalog_(planning.catalog()),
        constraints_(constraints),
        focus_(FocusAreas(constraints)) {
    max_level_ = constraints.max_level() == yoga::type::v1::LEVEL_UNSPECIFIED
                     ? yoga::type::v1::LEVEL_BEGINNER
                     : constraints.max_level();
    moment_ = constraints.moment() == yoga::planner::v1::MOMENT_UNSPECIFIED
                  ? yoga::planner::v1::MOMENT_POST_RUN
                  : constraints.moment();
    if (constraints.has_props_available()) {
      for (int prop : constraints.props_available().props())
        props_.insert(prop);
    } else {
      props_ = {yoga::type::v1::PROP_MAT};
    }
    for (int condition : constraints.conditions())
      conditions_.insert(condition);
    for (const std::string& id : constraints.excluded_pose_ids()) {
      if (const Pose* pose = catalog_.FindPose(id)) excluded_.insert(pose);
    }
  }

  Candidates Run() && {
    Collect();
    return std::move(candidates_);
  }

 private:
  // Why a version is ruled out, as the request field that rules it out.
  const char* RuledOutBy(const Pose& pose, const Variation* variation) const {
    if (excluded_.contains(&pose)) return "constraints.excluded_pose_ids";
    for (const auto* cautions :
         {&pose.cautions(), variation ? &variation->cautions() : nullptr}) {
      if (cautions == nullptr) continue;
      for (const auto& caution : *cautions) {
        if (!conditions_.contains(caution.condition())) continue;
        if (caution.action() == yoga::catalog::v1::CAUTION_ACTION_AVOID) {
          return "constraints.conditions";
        }
        if (caution.action() ==
                yoga::catalog::v1::CAUTION_ACTION_USE_VARIATION &&
            (variation == nullptr ||
             variation->id() != caution.variation_id())) {
          return "constraints.conditions";
        }
      }
    }
    if (catalog::LevelOf(pose, variation) > max_level_)
      return "constraints.max_level";
    if (constraints_.no_floor() && catalog::NeedsFloor(pose, variation)) {
      return "constraints.no_floor";
    }
    if (constraints_.standing_only() &&
        (pose.position() != yoga::type::v1::BODY_POSITION_STANDING ||
         catalog::NeedsFloor(pose, variation))) {
      return "constraints.standing_only";
    }
    auto missing_prop = [&](const auto& uses) {
      for (const auto& use : uses) {
        if (use.required() && !props_.contains(use.prop())) return true;
      }
      return false;
    };
    if (missing_prop(pose.props()) ||
        (variation && missing_prop(variation->props()))) {
      return "constraints.props_available";
    }
    return nullptr;
  }

  Version Make(const Pose& pose, const Variation* variation) const {
    return Version{&pose, variation, &planning_.TimesOf(pose, variation)};
  }

  // The version to use for `pose` asked as `variation`: itself, the variation a
  // condition asks for, or the pose's alternative for what rules it out.
  std::optional<Version> Resolve(const Pose& pose, const Variation* variation,
                                 std::map<std::string, int>* blocks) const {
    const char* blocker = RuledOutBy(pose, variation);
    if (blocker == nullptr) return Make(pose, variation);
    // A condition that asks for a variation: use it if it is allowed.
    for (const auto& caution : pose.cautions()) {
      if (conditions_.contains(caution.condition()) &&
          caution.action() == yoga::catalog::v1::CAUTION_ACTION_USE_VARIATION) {
        const Variation* asked =
            catalog::FindVariation(pose, caution.variation_id());
        if (asked != nullptr && asked != variation &&
            RuledOutBy(pose, asked) == nullptr) {
          return Make(pose, asked);
        }
      }
    }
    // A variation that is ruled out is simply not used; the pose's base
    // version and its alternatives stand for the pose.
    if (variation != nullptr) return std::nullopt;
    if (std::string_view(blocker) != "constraints.excluded_pose_ids") {
      for (const auto& alternative : pose.alternatives()) {
        if (!AnswersBlocker(alternative, blocker)) continue;
        const Pose* other = catalog_.FindPose(alternative.pose_id());
        if (other == nullptr) continue;
        const Variation* other_variation =
            catalog::FindVariation(*other, alternative.variation_id());
        if (RuledOutBy(*other, other_variation) != nullptr) continue;
        Version version = Make(*other, other_variation);
        version.replaced_name = variation ? &variation->name() : &pose.name();
        version.blocker = blocker;
        return version;
      }
    }
    if (blocks != nullptr) ++(*blocks)[blocker];
    return std::nullopt;
  }

  // Whether an alternative is meant for what ruled the pose out.
  bool AnswersBlocker(const yoga::catalog::v1::Alternative& alternative,
                      std::string_view blocker) const {
    switch (alternative.reason()) {
      case yoga::catalog::v1::ALTERNATIVE_REASON_NO_FLOOR:
        // The alternative is checked again, so one that is not standing
        // never answers standing_only.
        return blocker == "constraints.no_floor" ||
               blocker == "constraints.standing_only";
      case yoga::catalog::v1::ALTERNATIVE_REASON_NO_PROP:
        return blocker == "constraints.props_available";
      case yoga::catalog::v1::ALTERNATIVE_REASON_EASIER:
        return blocker == "constraints.max_level";
      case yoga::catalog::v1::ALTERNATIVE_REASON_CONDITION:
        return blocker == "constraints.conditions" &&
               conditions_.contains(alternative.condition());
      default:
        return false;
    }
  }

  void Collect() {
    for (const Pose& pose : catalog_.poses()) {
      const PoseKind kind = pose.kind();
      if (kind == yoga::catalog::v1::POSE_KIND_NEUTRAL) continue;
      auto& blocks = kind == yoga::catalog::v1::POSE_KIND_DYNAMIC_FLOW
                         ? candidates_.warm_up_blocks
                     : kind == yoga::catalog::v1::POSE_KIND_RESTORATIVE
                         ? candidates_.cool_down_blocks
                         : candidates_.main_blocks;
      for (int v = -1; v < pose.variations_size(); ++v) {
        const Variation* variation = v < 0 ? nullptr : &pose.variations(v);
        std::optional<Version> version =
            Resolve(pose, variation, v < 0 ? &blocks : nullptr);
        if (!version) continue;
        version->score = Score(*version) + (v < 0 ? 0.3 : 0.0) +
                         0.9 * Jitter(constraints_.seed(), version->Key());
        const PoseKind resolved_kind = version->pose->kind();
        if (resolved_kind == yoga::catalog::v1::POSE_KIND_DYNAMIC_FLOW) {
          candidates_.warm_ups.push_back(*version);
          candidates_.mains.push_back(
              *version);  // Also main work, scored by the moment.
        } else if (resolved_kind == yoga::catalog::v1::POSE_KIND_RESTORATIVE) {
          candidates_.cool_downs.push_back(*version);
        } else if (resolved_kind != yoga::catalog::v1::POSE_KIND_NEUTRAL) {
          candidates_.mains.push_back(*version);
          // A gentle stretch can close the routine when no restorative pose is
          // left.
          if (!IsIntense(*version->pose, version->variation)) {
            Version finish = *version;
            finish.score -= 2.0;
            candidates_.cool_downs.push_back(finish);
          }
        }
      }
    }
    // A backbend or strength hold is only usable with a neutralising pose.
    std::vector<Version> usable;
    for (Version& version : candidates_.mains) {
      if (IsIntense(*version.pose, version.variation)) {
        std::optional<Version> neutraliser = Neutraliser(version);
        if (!neutraliser) continue;
        version.neutraliser = static_cast<int>(candidates_.neutralisers.size());
        candidates_.neutralisers.push_back(*neutraliser);
      }
      usable.push_back(version);
    }
    candidates_.mains = std::move(usable);
  }

  double Score(const Version& version) const {
    double score = 0;
    const bool rest_day = moment_ == yoga::planner::v1::MOMENT_REST_DAY;
    const bool pre_run = moment_ == yoga::planner::v1::MOMENT_PRE_RUN;
    for (int area : version.pose->stretches())
      score += focus_.contains(area) ? 1.0 : 0.0;
    for (int area : version.pose->strengthens()) {
      score += focus_.contains(area) ? (rest_day ? 1.0 : 0.5) : 0.0;
    }
    switch (version.pose->kind()) {
      case yoga::catalog::v1::POSE_KIND_STRENGTH_HOLD:
        score += rest_day ? 1.0 : -1.0;
        break;
      case yoga::catalog::v1::POSE_KIND_STATIC_STRETCH:
        score += pre_run ? -0.5 : 0.5;
        break;
      case yoga::catalog::v1::POSE_KIND_DYNAMIC_FLOW:
        score += pre_run ? 1.0 : 0.0;
        break;
      default:
        break;
    }
    return score;
  }

  // A resolved version (perhaps an alternative) that neutralises `after`
  // without being a backbend or strength hold itself, at the same height so
  // the class need not get up for it.
  static bool CanNeutralise(const Version& version, const Version& after) {
    return !IsIntense(*version.pose, version.variation) &&
           Neutralises(*version.pose, *after.pose) &&
           HeightOf(version) == HeightOf(after);
  }

  // The neutralising pose to follow `after`: at its own height, a counterpose
  // that is allowed, else a restorative pose, else a neutral position
  // (tabletop); failing those, a restorative pose the catalog lists among its
  // counterposes, however high (child's pose after Locust, Bow, Reverse
  // Tabletop and Reverse Plank: the class comes up onto its knees to rest the
  // back, then goes down again).
  std::optional<Version> Neutraliser(const Version& after) const {
    for (const std::string& id : after.pose->counterposes()) {
      const Pose* pose = catalog_.FindPose(id);
      if (pose == nullptr || IsIntense(*pose, nullptr)) continue;
      std::optional<Version> version = Resolve(*pose, nullptr, nullptr);
      if (version && CanNeutralise(*version, after)) return version;
    }
    for (const Version& version : candidates_.cool_downs) {
      if (CanNeutralise(version, after)) return version;
    }
    for (const Pose& pose : catalog_.poses()) {
      if (pose.kind() != yoga::catalog::v1::POSE_KIND_NEUTRAL) continue;
      std::optional<Version> version = Resolve(pose, nullptr, nullptr);
      if (version && CanNeutralise(*version, after)) return version;
    }
    for (const std::string& id : after.pose->counterposes()) {
      const Pose* pose = catalog_.FindPose(id);
      if (pose == nullptr ||
          pose->kind() != yoga::catalog::v1::POSE_KIND_RESTORATIVE) {
        continue;
      }
      std::optional<Version> version = Resolve(*pose, nullptr, nullptr);
      if (version && IsRestingCounterpose(*version, *after.pose))
        return version;
    }
    return std::nullopt;
  }

  const PlanningCatalog& planning_;
  const catalog::Catalog& catalog_;
  const Constraints& constraints_;
  const std::set<int> focus_;
  int max_level_;
  Moment moment_;
  std::set<int> props_;
  std::set<int> conditions_;
  std::set<const Pose*> excluded_;
  Candidates candidates_;
};

}  // namespace

Candidates CollectCandidates(const PlanningCatalog& planning,
                             const Constraints& constraints) {
  return Collector(planning, constraints).Run();
}

std::set<int> FocusAreas(const Constraints& constraints) {
  std::set<int> focus(constraints.focus_areas().begin(),
                      constraints.focus_areas().end());
  if (focus.empty()) {
    focus = {yoga::type::v1::BODY_AREA_LOWER_BACK,
             yoga::type::v1::BODY_AREA_HIPS};
  }
  return focus;
}

const char* BlockerText(std::string_view field) {
  if (field == "constraints.no_floor")
    return "you asked not to lie on the floor";
  if (field == "constraints.standing_only")
    return "you asked for standing poses only";
  if (field == "constraints.conditions") return "not right for your condition";
  if (field == "constraints.max_level") return "above your level";
  if (field == "constraints.props_available")
    return "it needs a prop you don't have";
  return "excluded";
}

int HeightOf(const Version& version) {
  return BodyHeight(version.pose->position());
}

bool IsRestingCounterpose(const Version& version, const Pose& after) {
  return version.pose->kind() == yoga::catalog::v1::POSE_KIND_RESTORATIVE &&
         std::find(after.counterposes().begin(), after.counterposes().end(),
                   version.pose->id()) != after.counterposes().end();
}

}  // namespace yoga::planner
