#include "services/planner/composer.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <optional>
#include <set>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "google/protobuf/util/time_util.h"
#include "services/catalog/effective_pose.h"
#include "services/common/slug.h"
#include "services/planner/routine_rules.h"
#include "services/planner/routine_timing.h"

namespace yoga::planner {
namespace {

using google::protobuf::util::TimeUtil;
using yoga::catalog::v1::Pose;
using yoga::catalog::v1::PoseKind;
using yoga::catalog::v1::Variation;
using yoga::planner::v1::Constraints;
using yoga::planner::v1::Moment;
using yoga::type::v1::BodyArea;
using yoga::type::v1::Routine;
using yoga::type::v1::RoutinePhase;
using yoga::type::v1::RoutineStep;

absl::Duration FromProto(const google::protobuf::Duration& duration) {
  return absl::Milliseconds(TimeUtil::DurationToMilliseconds(duration));
}

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

// A lower-case label of an enum value name without its prefix.
std::string Label(const std::string& enum_name, absl::string_view prefix) {
  std::string label = enum_name.substr(prefix.size());
  std::replace(label.begin(), label.end(), '_', ' ');
  return absl::AsciiStrToLower(label);
}

std::string AreaLabel(int area) {
  return Label(yoga::type::v1::BodyArea_Name(static_cast<BodyArea>(area)),
               "BODY_AREA_");
}

// One version of a pose, ready to use, and why it stands where it does.
struct Version {
  const Pose* pose = nullptr;
  const Variation* variation = nullptr;
  std::string instead_of;  // Why an alternative replaced the asked-for pose.
  double score = 0;

  std::string Name() const {
    return variation != nullptr ? variation->name() : pose->name();
  }
  std::string Key() const {
    return variation != nullptr ? variation->id() : pose->id();
  }
};

// One pose in the plan: a version done `sets` times (each set on both sides
// when sided).
struct Entry {
  Version version;
  RoutinePhase phase;
  std::string reason;
  uint32_t sets = 1;
  uint32_t hold_count = 0;
};

class Composer {
 public:
  Composer(const catalog::Catalog& catalog, const Constraints& constraints)
      : catalog_(catalog), constraints_(constraints) {
    for (int area : constraints.focus_areas()) focus_.insert(area);
    if (focus_.empty()) {
      focus_ = {yoga::type::v1::BODY_AREA_LOWER_BACK,
                yoga::type::v1::BODY_AREA_HIPS};
    }
    target_ = FromProto(constraints.target_duration());
    tolerance_ = DurationTolerance(target_);
    breath_ = constraints.has_breath_length()
                  ? FromProto(constraints.breath_length())
                  : kDefaultBreath;
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
    for (const std::string& id : constraints.excluded_pose_ids())
      excluded_.insert(id);
  }

  absl::StatusOr<Routine> Run() {
    CollectCandidates();
    std::optional<Version> warm_up = Best(warm_ups_, "warm-up flow");
    std::optional<Version> cool_down = Best(cool_downs_, "restorative finish");
    if (!warm_up) return Blocked("no warm-up flow is left", warm_up_blocks_);
    if (!cool_down)
      return Blocked("no restorative finish is left", cool_down_blocks_);
    used_.insert(warm_up->pose->id());
    used_.insert(cool_down->pose->id());
    std::sort(
        mains_.begin(), mains_.end(),
        [](const Version& a, const Version& b) { return a.score > b.score; });

    std::vector<Entry> main;
    Entry first{*warm_up, yoga::type::v1::ROUTINE_PHASE_WARM_UP,
                WarmUpReason(*warm_up)};
    Entry last{*cool_down, yoga::type::v1::ROUTINE_PHASE_COOL_DOWN,
               CoolDownReason(*cool_down)};
    // Add main poses, best first, while the default holds still fit the target.
    size_t next = 0;
    while (next < mains_.size()) {
      std::vector<Entry> trial = main;
      if (!TryAddMain(trial, next)) break;
      if (EstimatedLength(first, trial, last) > target_ && !main.empty()) break;
      main = std::move(trial);
    }
    // Then fit: move holds; add poses or sets when too short, drop when too
    // long.
    for (int attempt = 0; attempt < 64; ++attempt) {
      // Transitions and counterposes stay as they are; the other holds move.
      const absl::Duration fixed =
          FromProto(Build(first, main, last).total_duration()) -
          FittedLength(first, main, last);
      const std::optional<bool> fitted =
          FitHolds(first, main, last, target_ - fixed);
      if (fitted.has_value() && *fitted) return Finish(first, main, last);
      if (!fitted.has_value()) {
        // Too long even at the shortest holds: drop the weakest main pose.
        if (main.size() <= 1 && !compact_) {
          // A short target: take the shortest warm-up, main pose and finish.
          compact_ = true;
          Compact(first, main, last);
          continue;
        }
        if (main.size() <= 1) {
          return absl::FailedPreconditionError(absl::StrCat(
              "constraints.target_duration: ", absl::FormatDuration(target_),
              " is too short: with these constraints a warm-up, main work and "
              "a "
              "finish take at least ",
              absl::FormatDuration(ShortestLength(first, main, last))));
        }
        DropWeakest(main);
        continue;
      }
      // Too short even at the longest holds: more poses, then more sets.
      if (TryAddMain(main, next) || AddSet(main)) continue;
      return Blocked(
          absl::StrCat("the poses that fit these constraints fill at most ",
                       absl::FormatDuration(LongestLength(first, main, last)),
                       ", short of the ", absl::FormatDuration(target_),
                       " asked"),
          main_blocks_, "constraints.target_duration");
    }
    return absl::InternalError("the composer did not settle on a routine");
  }

 private:
  // --- Which versions of which poses are allowed -------------------------

  // Why a version is ruled out, as the request field that rules it out.
  std::optional<std::string> RuledOutBy(const Pose& pose,
                                        const Variation* variation) const {
    if (excluded_.contains(pose.id())) return "constraints.excluded_pose_ids";
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
    return std::nullopt;
  }

  // The version to use for `pose` asked as `variation`: itself, the variation a
  // condition asks for, or the pose's alternative for what rules it out.
  std::optional<Version> Resolve(const Pose& pose, const Variation* variation,
                                 std::map<std::string, int>& blocks) const {
    std::optional<std::string> blocker = RuledOutBy(pose, variation);
    if (!blocker) return Version{&pose, variation};
    // A condition that asks for a variation: use it if it is allowed.
    for (const auto& caution : pose.cautions()) {
      if (conditions_.contains(caution.condition()) &&
          caution.action() == yoga::catalog::v1::CAUTION_ACTION_USE_VARIATION) {
        const Variation* asked =
            catalog::FindVariation(pose, caution.variation_id());
        if (asked != nullptr && asked != variation &&
            !RuledOutBy(pose, asked)) {
          return Version{&pose, asked};
        }
      }
    }
    if (*blocker != "constraints.excluded_pose_ids") {
      for (const auto& alternative : pose.alternatives()) {
        const Pose* other = catalog_.FindPose(alternative.pose_id());
        if (other == nullptr) continue;
        const Variation* other_variation =
            catalog::FindVariation(*other, alternative.variation_id());
        if (RuledOutBy(*other, other_variation)) continue;
        Version version{other, other_variation};
        version.instead_of = absl::StrCat(
            "In place of ", variation ? variation->name() : pose.name(), " (",
            BlockerText(*blocker), "). ");
        return version;
      }
    }
    ++blocks[*blocker];
    return std::nullopt;
  }

  static std::string BlockerText(const std::string& field) {
    if (field == "constraints.no_floor")
      return "you asked not to lie on the floor";
    if (field == "constraints.conditions")
      return "not right for your condition";
    if (field == "constraints.max_level") return "above your level";
    if (field == "constraints.props_available")
      return "it needs a prop you don't have";
    return "excluded";
  }

  void CollectCandidates() {
    CollectVersions();
    // A backbend or strength hold is only usable with a neutralising pose.
    std::erase_if(mains_, [&](const Version& version) {
      return IsIntense(*version.pose, version.variation) &&
             !Neutraliser(version).has_value();
    });
  }

  void CollectVersions() {
    for (const Pose& pose : catalog_.poses()) {
      const PoseKind kind = pose.kind();
      if (kind == yoga::catalog::v1::POSE_KIND_NEUTRAL) continue;
      std::vector<const Variation*> versions = {nullptr};
      for (const auto& variation : pose.variations())
        versions.push_back(&variation);
      for (const Variation* variation : versions) {
        const bool base = variation == nullptr;
        auto& blocks = kind == yoga::catalog::v1::POSE_KIND_DYNAMIC_FLOW
                           ? warm_up_blocks_
                       : kind == yoga::catalog::v1::POSE_KIND_RESTORATIVE
                           ? cool_down_blocks_
                           : main_blocks_;
        std::map<std::string, int> ignored;
        std::optional<Version> version =
            Resolve(pose, variation, base ? blocks : ignored);
        if (!version) continue;
        version->score = Score(*version) + (base ? 0.3 : 0.0) +
                         0.9 * Jitter(constraints_.seed(), version->Key());
        const PoseKind resolved_kind = version->pose->kind();
        if (resolved_kind == yoga::catalog::v1::POSE_KIND_DYNAMIC_FLOW) {
          warm_ups_.push_back(*version);
          mains_.push_back(*version);  // Also main work, scored by the moment.
        } else if (resolved_kind == yoga::catalog::v1::POSE_KIND_RESTORATIVE) {
          cool_downs_.push_back(*version);
        } else if (resolved_kind != yoga::catalog::v1::POSE_KIND_NEUTRAL) {
          mains_.push_back(*version);
          // A gentle stretch can close the routine when no restorative pose is
          // left.
          if (!IsIntense(*version->pose, version->variation)) {
            Version finish = *version;
            finish.score -= 2.0;
            cool_downs_.push_back(finish);
          }
        }
      }
    }
  }

  double Score(const Version& version) const {
    double score = 0;
    const bool strength_counts = moment_ == yoga::planner::v1::MOMENT_REST_DAY;
    for (int area : version.pose->stretches())
      score += focus_.contains(area) ? 1.0 : 0.0;
    for (int area : version.pose->strengthens()) {
      score += focus_.contains(area) ? (strength_counts ? 1.0 : 0.5) : 0.0;
    }
    switch (version.pose->kind()) {
      case yoga::catalog::v1::POSE_KIND_STRENGTH_HOLD:
        score += moment_ == yoga::planner::v1::MOMENT_REST_DAY ? 1.0 : -1.0;
        break;
      case yoga::catalog::v1::POSE_KIND_STATIC_STRETCH:
        score += moment_ == yoga::planner::v1::MOMENT_PRE_RUN ? -0.5 : 0.5;
        break;
      case yoga::catalog::v1::POSE_KIND_DYNAMIC_FLOW:
        score += moment_ == yoga::planner::v1::MOMENT_PRE_RUN ? 1.0 : 0.0;
        break;
      default:
        break;
    }
    return score;
  }

  std::optional<Version> Best(const std::vector<Version>& versions,
                              absl::string_view) const {
    const Version* best = nullptr;
    for (const Version& version : versions) {
      if (used_.contains(version.pose->id())) continue;
      if (best == nullptr || version.score > best->score) best = &version;
    }
    if (best == nullptr) return std::nullopt;
    return *best;
  }

  absl::Status Blocked(absl::string_view what,
                       const std::map<std::string, int>& blocks,
                       std::string field = "") const {
    std::string blocker = field;
    int most = 0;
    for (const auto& [name, count] : blocks) {
      if (count > most) {
        most = count;
        if (field.empty()) blocker = name;
      }
    }
    if (blocker.empty()) blocker = "constraints";
    std::vector<std::string> counts;
    for (const auto& [name, count] : blocks) {
      counts.push_back(absl::StrCat(name, " rules out ", count));
    }
    return absl::FailedPreconditionError(absl::StrCat(
        blocker, ": ", what,
        counts.empty() ? ""
                       : absl::StrCat(" (", absl::StrJoin(counts, "; "), ")")));
  }

  // --- Reasons -------------------------------------------------------------

  std::string FocusText(const Version& version) const {
    std::vector<std::string> areas;
    for (const auto* list :
         {&version.pose->stretches(), &version.pose->strengthens()}) {
      for (int area : *list) {
        if (focus_.contains(area) &&
            std::find(areas.begin(), areas.end(), AreaLabel(area)) ==
                areas.end()) {
          areas.push_back(AreaLabel(area));
        }
      }
    }
    return absl::StrJoin(areas, " and ");
  }

  std::string WarmUpReason(const Version& version) const {
    return absl::StrCat(
        version.instead_of,
        "Warm-up: a flow with the breath to get the body moving.");
  }
  std::string CoolDownReason(const Version& version) const {
    return absl::StrCat(version.instead_of,
                        "Cool-down: a restful finish to let the body settle.");
  }
  std::string MainReason(const Version& version) const {
    const std::string focus = FocusText(version);
    const bool strength =
        version.pose->kind() == yoga::catalog::v1::POSE_KIND_STRENGTH_HOLD;
    return absl::StrCat(
        version.instead_of, "Main work: ", strength ? "strengthens" : "works",
        focus.empty() ? " the whole body" : absl::StrCat(" your ", focus), ".");
  }

  // --- Building ------------------------------------------------------------

  // Adds the next unused main candidate; false when none is left.
  bool TryAddMain(std::vector<Entry>& main, size_t& next) {
    while (next < mains_.size()) {
      const Version& version = mains_[next++];
      if (used_.contains(version.pose->id())) continue;
      used_.insert(version.pose->id());
      main.push_back(
          {version, yoga::type::v1::ROUTINE_PHASE_MAIN, MainReason(version)});
      return true;
    }
    return false;
  }

  // The shortest any version can be held (both sides when sided).
  absl::Duration ShortestHold(const Version& version) const {
    return HoldsLength(Entry{version, yoga::type::v1::ROUTINE_PHASE_MAIN, ""},
                       Holds::kMin);
  }

  const Version* Shortest(const std::vector<Version>& versions,
                          bool allow_intense) const {
    const Version* best = nullptr;
    for (const Version& version : versions) {
      if (!allow_intense && IsIntense(*version.pose, version.variation))
        continue;
      if (best == nullptr || ShortestHold(version) < ShortestHold(*best))
        best = &version;
    }
    return best;
  }

  void Compact(Entry& first, std::vector<Entry>& main, Entry& last) {
    used_.clear();
    if (const Version* warm_up = Shortest(warm_ups_, true)) {
      first = Entry{*warm_up, yoga::type::v1::ROUTINE_PHASE_WARM_UP,
                    WarmUpReason(*warm_up)};
      used_.insert(warm_up->pose->id());
    }
    // A restorative finish if there is one, else the gentlest short stretch.
    std::vector<Version> restorative;
    for (const Version& version : cool_downs_) {
      if (version.pose->kind() == yoga::catalog::v1::POSE_KIND_RESTORATIVE) {
        restorative.push_back(version);
      }
    }
    if (const Version* cool_down =
            Shortest(restorative.empty() ? cool_downs_ : restorative, false);
        cool_down != nullptr && !used_.contains(cool_down->pose->id())) {
      last = Entry{*cool_down, yoga::type::v1::ROUTINE_PHASE_COOL_DOWN,
                   CoolDownReason(*cool_down)};
    }
    used_.insert(last.version.pose->id());
    std::vector<Version> unused;
    for (const Version& version : mains_) {
      if (!used_.contains(version.pose->id())) unused.push_back(version);
    }
    main.clear();
    if (const Version* pose = Shortest(unused, false)) {
      main.push_back(
          {*pose, yoga::type::v1::ROUTINE_PHASE_MAIN, MainReason(*pose)});
      used_.insert(pose->pose->id());
    }
  }

  void DropWeakest(std::vector<Entry>& main) {
    auto weakest = std::min_element(main.begin(), main.end(),
                                    [](const Entry& a, const Entry& b) {
                                      return a.version.score < b.version.score;
                                    });
    main.erase(weakest);
  }

  // One more set of a main pose that allows it; false when none does.
  bool AddSet(std::vector<Entry>& main) {
    for (Entry& entry : main) {
      const auto& range =
          catalog::HoldOf(*entry.version.pose, entry.version.variation);
      if (entry.sets < std::max<uint32_t>(range.max_sets(), 1)) {
        ++entry.sets;
        return true;
      }
    }
    return false;
  }

  // Body positions in the order a class moves through them: from standing
  // down to the floor.
  static int PositionRank(yoga::type::v1::BodyPosition position) {
    switch (position) {
      case yoga::type::v1::BODY_POSITION_STANDING:
        return 0;
      case yoga::type::v1::BODY_POSITION_KNEELING:
        return 1;
      case yoga::type::v1::BODY_POSITION_TABLETOP:
        return 2;
      case yoga::type::v1::BODY_POSITION_PRONE:
        return 3;
      case yoga::type::v1::BODY_POSITION_SEATED:
        return 4;
      default:
        return 5;
    }
  }

  // The neutralising pose to follow `after`: a counterpose that is allowed,
  // else the cool-down pose when it neutralises, else any restorative pose.
  std::optional<Version> Neutraliser(const Version& after) const {
    std::map<std::string, int> ignored;
    for (const std::string& id : after.pose->counterposes()) {
      const Pose* pose = catalog_.FindPose(id);
      if (pose == nullptr || IsIntense(*pose, nullptr)) continue;
      if (std::optional<Version> version = Resolve(*pose, nullptr, ignored);
          version && Neutralises(*version->pose, *after.pose)) {
        return version;
      }
    }
    for (const Version& version : cool_downs_) {
      if (Neutralises(*version.pose, *after.pose)) return version;
    }
    for (const Pose& pose :
         catalog_.poses()) {  // A neutral position (tabletop).
      if (pose.kind() != yoga::catalog::v1::POSE_KIND_NEUTRAL) continue;
      if (std::optional<Version> version = Resolve(pose, nullptr, ignored))
        return version;
    }
    return std::nullopt;
  }

  void AppendSteps(const Entry& entry, Routine& routine) const {
    const bool sided =
        catalog::IsSided(*entry.version.pose, entry.version.variation);
    const auto& range =
        catalog::HoldOf(*entry.version.pose, entry.version.variation);
    const uint32_t count =
        entry.hold_count != 0 ? entry.hold_count : range.default_count();
    for (uint32_t set = 1; set <= entry.sets; ++set) {
      for (int side = 0; side < (sided ? 2 : 1); ++side) {
        RoutineStep* step = routine.add_steps();
        step->set_pose_id(entry.version.pose->id());
        if (entry.version.variation)
          step->set_variation_id(entry.version.variation->id());
        if (sided) {
          step->set_side(side == 0 ? yoga::type::v1::SIDE_RIGHT
                                   : yoga::type::v1::SIDE_LEFT);
        }
        step->set_hold_count(count);
        step->set_set(set);
        step->set_phase(entry.phase);
        if (set == 1 && side == 0) {
          step->set_reason(entry.reason);
        } else if (side == 1) {
          step->set_reason("Left side, the same hold as the right.");
        } else {
          step->set_reason(absl::StrCat("Set ", set, " of ", entry.sets, "."));
        }
      }
    }
  }

  // The main entries in class order, with a neutralising pose after every
  // backbend or strength hold (unless the cool-down already neutralises it).
  std::vector<Entry> Ordered(const std::vector<Entry>& main,
                             const Entry& last) const {
    std::vector<Entry> ordered = main;
    std::stable_sort(ordered.begin(), ordered.end(),
                     [](const Entry& a, const Entry& b) {
                       return PositionRank(a.version.pose->position()) <
                              PositionRank(b.version.pose->position());
                     });
    std::vector<Entry> result;
    for (size_t i = 0; i < ordered.size(); ++i) {
      result.push_back(ordered[i]);
      const Version& version = ordered[i].version;
      if (!IsIntense(*version.pose, version.variation)) continue;
      const bool is_last = i + 1 == ordered.size();
      if (is_last && Neutralises(*last.version.pose, *version.pose)) continue;
      if (!is_last && Neutralises(*ordered[i + 1].version.pose, *version.pose))
        continue;
      if (std::optional<Version> neutraliser = Neutraliser(version)) {
        Entry counter{*neutraliser, yoga::type::v1::ROUTINE_PHASE_MAIN,
                      absl::StrCat("Counterpose after ", version.Name(),
                                   ": brings the spine back to neutral.")};
        const auto& range =
            catalog::HoldOf(*neutraliser->pose, neutraliser->variation);
        counter.hold_count = range.min_count();
        result.push_back(counter);
      }
    }
    return result;
  }

  Routine Build(const Entry& first, const std::vector<Entry>& main,
                const Entry& last) const {
    Routine routine;
    AppendSteps(first, routine);
    for (const Entry& entry : Ordered(main, last)) AppendSteps(entry, routine);
    AppendSteps(last, routine);
    TimeRoutine(catalog_, breath_, routine);
    return routine;
  }

  static absl::Duration TransitionsOf(const Routine& routine) {
    absl::Duration total;
    for (const RoutineStep& step : routine.steps())
      total += FromProto(step.transition());
    return total;
  }

  // Holds of a plan at each entry's shortest, default or longest count.
  enum class Holds { kMin, kDefault, kMax };
  absl::Duration HoldsLength(const Entry& entry, Holds holds) const {
    const auto& range =
        catalog::HoldOf(*entry.version.pose, entry.version.variation);
    const uint32_t count = holds == Holds::kMin   ? range.min_count()
                           : holds == Holds::kMax ? range.max_count()
                                                  : range.default_count();
    const int sides =
        catalog::IsSided(*entry.version.pose, entry.version.variation) ? 2 : 1;
    return HoldDuration(range, count, breath_) *
           static_cast<int64_t>(sides * entry.sets);
  }

  absl::Duration EstimatedLength(const Entry& first,
                                 const std::vector<Entry>& main,
                                 const Entry& last) const {
    const Routine routine = Build(first, main, last);
    return FromProto(routine.total_duration());
  }

  // The fitted holds (warm-up, main, cool-down; not counterposes) as built now.
  absl::Duration FittedLength(const Entry& first,
                              const std::vector<Entry>& main,
                              const Entry& last) const {
    absl::Duration total = Length(first) + Length(last);
    for (const Entry& entry : main) total += Length(entry);
    return total;
  }

  // The routine's length with every fitted hold at its limit.
  absl::Duration LengthAt(const Entry& first, const std::vector<Entry>& main,
                          const Entry& last, Holds holds) const {
    absl::Duration total =
        FromProto(Build(first, main, last).total_duration()) -
        FittedLength(first, main, last);
    total += HoldsLength(first, holds) + HoldsLength(last, holds);
    for (const Entry& entry : main) total += HoldsLength(entry, holds);
    return total;
  }
  absl::Duration LongestLength(const Entry& first,
                               const std::vector<Entry>& main,
                               const Entry& last) const {
    return LengthAt(first, main, last, Holds::kMax);
  }
  absl::Duration ShortestLength(const Entry& first,
                                const std::vector<Entry>& main,
                                const Entry& last) const {
    return LengthAt(first, main, last, Holds::kMin);
  }

  // Sets hold counts so the holds add up to `budget` within the tolerance.
  // nullopt: too long even at the shortest holds; false: too short even at the
  // longest; true: fitted (counts stored in the entries).
  std::optional<bool> FitHolds(Entry& first, std::vector<Entry>& main,
                               Entry& last, absl::Duration budget) const {
    std::vector<Entry*> entries = {&first, &last};
    for (Entry& entry : main) entries.push_back(&entry);
    absl::Duration shortest, longest, usual;
    for (Entry* entry : entries) {
      shortest += HoldsLength(*entry, Holds::kMin);
      longest += HoldsLength(*entry, Holds::kMax);
      usual += HoldsLength(*entry, Holds::kDefault);
    }
    if (shortest > budget + tolerance_) return std::nullopt;
    if (longest < budget - tolerance_) return false;
    // Move every hold the same fraction of the way towards its limit...
    const bool longer = budget > usual;
    const double room =
        absl::ToDoubleSeconds(longer ? longest - usual : usual - shortest);
    const double fraction =
        room <= 0 ? 0
                  : std::clamp(absl::ToDoubleSeconds(longer ? budget - usual
                                                            : usual - budget) /
                                   room,
                               0.0, 1.0);
    absl::Duration total;
    for (Entry* entry : entries) {
      const auto& range =
          catalog::HoldOf(*entry->version.pose, entry->version.variation);
      const double limit = longer ? range.max_count() : range.min_count();
      entry->hold_count = static_cast<uint32_t>(std::lround(
          range.default_count() + fraction * (limit - range.default_count())));
      total += Length(*entry);
    }
    // ...then step single counts until the total is close enough.
    for (int round = 0;
         round < 200 && absl::AbsDuration(total - budget) > tolerance_ / 2;
         ++round) {
      const bool grow = total < budget;
      Entry* best = nullptr;
      absl::Duration best_step;
      for (Entry* entry : entries) {
        const auto& range =
            catalog::HoldOf(*entry->version.pose, entry->version.variation);
        if (grow ? entry->hold_count >= range.max_count()
                 : entry->hold_count <= range.min_count()) {
          continue;
        }
        const absl::Duration step = PerCount(*entry);
        if (best == nullptr || step < best_step) {
          best = entry;
          best_step = step;
        }
      }
      if (best == nullptr) break;
      best->hold_count += grow ? 1 : -1;
      total += grow ? best_step : -best_step;
    }
    return absl::AbsDuration(total - budget) <= tolerance_;
  }

  absl::Duration PerCount(const Entry& entry) const {
    const auto& range =
        catalog::HoldOf(*entry.version.pose, entry.version.variation);
    const int sides =
        catalog::IsSided(*entry.version.pose, entry.version.variation) ? 2 : 1;
    return HoldDuration(range, 1, breath_) *
           static_cast<int64_t>(sides * entry.sets);
  }

  // Hold time of an entry at its current count (default until fitted).
  absl::Duration Length(const Entry& entry) const {
    const auto& range =
        catalog::HoldOf(*entry.version.pose, entry.version.variation);
    const uint32_t count =
        entry.hold_count != 0 ? entry.hold_count : range.default_count();
    return PerCount(entry) * static_cast<int64_t>(count);
  }

  absl::StatusOr<Routine> Finish(const Entry& first,
                                 const std::vector<Entry>& main,
                                 const Entry& last) const {
    Routine routine = Build(first, main, last);
    routine.set_title(Title());
    // The title is part of the content, so the id is computed again.
    routine.set_id(RoutineId(routine));
    return routine;
  }

  std::string Title() const {
    std::vector<std::string> areas;
    for (int area : focus_) areas.push_back(AreaLabel(area));
    return absl::StrCat(absl::ToInt64Minutes(target_ + absl::Seconds(30)),
                        " minutes for your ", absl::StrJoin(areas, " and "));
  }

  const catalog::Catalog& catalog_;
  const Constraints& constraints_;
  std::set<int> focus_;
  absl::Duration target_;
  absl::Duration tolerance_;
  absl::Duration breath_;
  int max_level_;
  Moment moment_;
  std::set<int> props_;
  std::set<int> conditions_;
  std::set<std::string> excluded_;

  std::vector<Version> warm_ups_, mains_, cool_downs_;
  std::map<std::string, int> warm_up_blocks_, main_blocks_, cool_down_blocks_;
  std::set<std::string> used_;
  bool compact_ = false;
};

template <typename IsValid>
void CheckEnums(const google::protobuf::RepeatedField<int>& values,
                const std::string& field, IsValid is_valid,
                FieldViolations& violations) {
  if (values.size() > kMaxListSize) {
    violations.Add(field, absl::StrCat("at most ", kMaxListSize, " values"));
    return;
  }
  for (int i = 0; i < values.size(); ++i) {
    if (values[i] == 0 || !is_valid(values[i])) {
      violations.Add(absl::StrCat(field, "[", i, "]"),
                     absl::StrCat("unknown or unspecified value ", values[i]));
    }
  }
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
  CheckEnums(constraints.focus_areas(), field("focus_areas"),
             yoga::type::v1::BodyArea_IsValid, violations);
  if (!constraints.has_target_duration()) {
    violations.Add(field("target_duration"), "is required (2 to 60 minutes)");
  } else {
    const absl::Duration target = FromProto(constraints.target_duration());
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
    CheckEnums(constraints.props_available().props(),
               field("props_available.props"), yoga::type::v1::Prop_IsValid,
               violations);
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
  CheckEnums(constraints.conditions(), field("conditions"),
             yoga::type::v1::Condition_IsValid, violations);
  if (constraints.has_breath_length()) {
    const absl::Duration breath = FromProto(constraints.breath_length());
    if (breath < kMinBreath || breath > kMaxBreath) {
      violations.Add(field("breath_length"),
                     absl::StrCat("must be ", absl::FormatDuration(kMinBreath),
                                  " to ", absl::FormatDuration(kMaxBreath),
                                  ", not ", absl::FormatDuration(breath)));
    }
  }
}

absl::StatusOr<Routine> ComposeRoutine(const catalog::Catalog& catalog,
                                       const Constraints& constraints) {
  FieldViolations violations;
  CheckConstraints(catalog, constraints, "constraints", violations);
  if (absl::Status status = violations.ToStatus(); !status.ok()) return status;
  return Composer(catalog, constraints).Run();
}

}  // namespace yoga::planner
