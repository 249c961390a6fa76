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
#include "services/common/enum_label.h"
#include "services/common/proto_time.h"
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
  return FromProtoDuration(duration);
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

std::string AreaLabel(int area) { return EnumLabel<BodyArea>(area); }

// One version of a pose, ready to use, and why it stands where it does.
struct Version {
  const Pose* pose = nullptr;
  const Variation* variation = nullptr;
  const CueTimes* cue_times = nullptr;
  // When an alternative replaced the asked-for version: its name and why.
  const std::string* replaced_name = nullptr;
  const char* blocker = nullptr;
  double score = 0;
  int neutraliser =
      -1;  // Index in Composer::neutralisers_, for intense versions.

  const std::string& Name() const {
    return variation != nullptr ? variation->name() : pose->name();
  }
  const std::string& Key() const {
    return variation != nullptr ? variation->id() : pose->id();
  }
};

enum class Role { kWarmUp, kMain, kCounterpose, kCoolDown };

// One pose in the plan: a version done `sets` times (each set on both sides
// when sided). Reasons are written only when the routine is final.
struct Entry {
  Version version;
  Role role = Role::kMain;
  uint32_t sets = 1;
  uint32_t hold_count = 0;  // 0 until fitted: the default hold.
  const std::string* after =
      nullptr;  // For a counterpose: the pose it follows.
};

class Composer {
 public:
  Composer(const PlanningCatalog& planning, const Constraints& constraints)
      : planning_(planning),
        catalog_(planning.catalog()),
        constraints_(constraints) {
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
    for (const std::string& id : constraints.excluded_pose_ids()) {
      if (const Pose* pose = catalog_.FindPose(id)) excluded_.insert(pose);
    }
  }

  absl::StatusOr<Routine> Run() {
    CollectCandidates();
    std::optional<Version> warm_up = Best(warm_ups_);
    std::optional<Version> cool_down = Best(cool_downs_);
    if (!warm_up) return Blocked("no warm-up flow is left", warm_up_blocks_);
    if (!cool_down)
      return Blocked("no restorative finish is left", cool_down_blocks_);
    used_.insert(warm_up->pose);
    used_.insert(cool_down->pose);
    std::stable_sort(
        mains_.begin(), mains_.end(),
        [](const Version& a, const Version& b) { return a.score > b.score; });

    Entry first{*warm_up, Role::kWarmUp};
    Entry last{*cool_down, Role::kCoolDown};
    std::vector<Entry> main;
    // Add main poses, best first, while a quick estimate of the length with
    // default holds still fits the target; the fitting below is exact.
    size_t next = 0;
    absl::Duration estimate = Estimate(first) + Estimate(last);
    while (TryAddMain(main, next)) {
      estimate += Estimate(main.back());
      if (estimate > target_ && main.size() > 1) {
        used_.erase(main.back().version.pose);
        main.pop_back();
        --next;
        break;
      }
    }
    // Then fit: move holds; add poses or sets when too short, drop when too
    // long.
    for (int attempt = 0; attempt < 64; ++attempt) {
      // Transitions and counterposes stay as they are; the other holds move.
      const absl::Duration fixed =
          PlanLength(first, main, last) - FittedLength(first, main, last);
      const std::optional<bool> fitted =
          FitHolds(first, main, last, target_ - fixed);
      if (fitted.has_value() && *fitted) {
        if (main.empty()) return Blocked("no main pose is left", main_blocks_);
        return Finish(first, main, last);
      }
      if (!fitted.has_value()) {
        // Too long even at the shortest holds.
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
              "a finish take "
              "at least ",
              absl::FormatDuration(LengthAt(first, main, last, Holds::kMin))));
        }
        DropWeakest(main);
        continue;
      }
      // Too short even at the longest holds: more poses, then more sets.
      if (TryAddMain(main, next) || AddSet(main)) continue;
      return Blocked(
          absl::StrCat(
              "the poses that fit these constraints fill at most ",
              absl::FormatDuration(LengthAt(first, main, last, Holds::kMax)),
              ", short of the ", absl::FormatDuration(target_), " asked"),
          main_blocks_, "constraints.target_duration");
    }
    return absl::FailedPreconditionError(
        absl::StrCat("constraints.target_duration: no mix of the allowed poses "
                     "comes within ",
                     absl::FormatDuration(tolerance_), " of ",
                     absl::FormatDuration(target_)));
  }

 private:
  // --- Which versions of which poses are allowed -------------------------

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
        return blocker == "constraints.no_floor";
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

  static const char* BlockerText(std::string_view field) {
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
    for (const Pose& pose : catalog_.poses()) {
      const PoseKind kind = pose.kind();
      if (kind == yoga::catalog::v1::POSE_KIND_NEUTRAL) continue;
      auto& blocks =
          kind == yoga::catalog::v1::POSE_KIND_DYNAMIC_FLOW  ? warm_up_blocks_
          : kind == yoga::catalog::v1::POSE_KIND_RESTORATIVE ? cool_down_blocks_
                                                             : main_blocks_;
      for (int v = -1; v < pose.variations_size(); ++v) {
        const Variation* variation = v < 0 ? nullptr : &pose.variations(v);
        std::optional<Version> version =
            Resolve(pose, variation, v < 0 ? &blocks : nullptr);
        if (!version) continue;
        version->score = Score(*version) + (v < 0 ? 0.3 : 0.0) +
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
    // A backbend or strength hold is only usable with a neutralising pose.
    std::vector<Version> usable;
    for (Version& version : mains_) {
      if (IsIntense(*version.pose, version.variation)) {
        std::optional<Version> neutraliser = Neutraliser(version);
        if (!neutraliser) continue;
        version.neutraliser = static_cast<int>(neutralisers_.size());
        neutralisers_.push_back(*neutraliser);
      }
      usable.push_back(version);
    }
    mains_ = std::move(usable);
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

  std::optional<Version> Best(const std::vector<Version>& versions) const {
    const Version* best = nullptr;
    for (const Version& version : versions) {
      if (used_.contains(version.pose)) continue;
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

  // --- Choosing poses --------------------------------------------------------

  // Adds the next unused main candidate; false when none is left.
  bool TryAddMain(std::vector<Entry>& main, size_t& next) {
    while (next < mains_.size()) {
      const Version& version = mains_[next++];
      if (used_.contains(version.pose)) continue;
      used_.insert(version.pose);
      main.push_back({version, Role::kMain});
      return true;
    }
    return false;
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

  // The shortest any version can be held (both sides when sided).
  absl::Duration ShortestHold(const Version& version) const {
    return HoldsLength(Entry{version}, Holds::kMin);
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
    if (const Version* warm_up = Shortest(warm_ups_, true))
      first = Entry{*warm_up, Role::kWarmUp};
    used_.insert(first.version.pose);
    // A restorative finish if there is one, else the gentlest short stretch.
    std::vector<Version> restorative;
    for (const Version& version : cool_downs_) {
      if (version.pose->kind() == yoga::catalog::v1::POSE_KIND_RESTORATIVE) {
        restorative.push_back(version);
      }
    }
    if (const Version* cool_down =
            Shortest(restorative.empty() ? cool_downs_ : restorative, false);
        cool_down != nullptr && !used_.contains(cool_down->pose)) {
      last = Entry{*cool_down, Role::kCoolDown};
    }
    used_.insert(last.version.pose);
    std::vector<Version> unused;
    for (const Version& version : mains_) {
      if (!used_.contains(version.pose)) unused.push_back(version);
    }
    main.clear();
    if (const Version* pose = Shortest(unused, false)) {
      main.push_back({*pose, Role::kMain});
      used_.insert(pose->pose);
    }
  }

  // --- Order and timing
  // -------------------------------------------------------

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

  // A resolved version (perhaps an alternative) that neutralises `after`
  // without being a backbend or strength hold itself.
  static bool CanNeutralise(const Version& version, const Version& after) {
    return !IsIntense(*version.pose, version.variation) &&
           Neutralises(*version.pose, *after.pose);
  }

  // The neutralising pose to follow `after`: a counterpose that is allowed,
  // else a restorative pose, else a neutral position (tabletop).
  std::optional<Version> Neutraliser(const Version& after) const {
    for (const std::string& id : after.pose->counterposes()) {
      const Pose* pose = catalog_.FindPose(id);
      if (pose == nullptr || IsIntense(*pose, nullptr)) continue;
      std::optional<Version> version = Resolve(*pose, nullptr, nullptr);
      if (version && CanNeutralise(*version, after)) return version;
    }
    for (const Version& version : cool_downs_) {
      if (CanNeutralise(version, after)) return version;
    }
    for (const Pose& pose : catalog_.poses()) {
      if (pose.kind() != yoga::catalog::v1::POSE_KIND_NEUTRAL) continue;
      std::optional<Version> version = Resolve(pose, nullptr, nullptr);
      if (version && CanNeutralise(*version, after)) return version;
    }
    return std::nullopt;
  }

  // The whole plan in order: warm-up, main entries grouped by body position
  // with a neutralising pose after every backbend or strength hold (unless the
  // next pose or the cool-down already neutralises it), cool-down.
  std::vector<Entry> Ordered(const Entry& first, const std::vector<Entry>& main,
                             const Entry& last) const {
    // Main work starts where the warm-up left the runner, then moves through
    // the other positions in class order.
    const auto start = first.version.pose->position();
    auto rank = [start](const Entry& entry) {
      const auto position = entry.version.pose->position();
      return position == start ? -1 : PositionRank(position);
    };
    std::vector<Entry> ordered = main;
    std::stable_sort(
        ordered.begin(), ordered.end(),
        [&](const Entry& a, const Entry& b) { return rank(a) < rank(b); });
    std::vector<Entry> plan = {first};
    for (size_t i = 0; i < ordered.size(); ++i) {
      plan.push_back(ordered[i]);
      const Version& version = ordered[i].version;
      if (version.neutraliser < 0) continue;
      const Entry& next = i + 1 == ordered.size() ? last : ordered[i + 1];
      if (Neutralises(*next.version.pose, *version.pose)) continue;
      Entry counter{neutralisers_[version.neutraliser], Role::kCounterpose};
      counter.hold_count =
          catalog::HoldOf(*counter.version.pose, counter.version.variation)
              .min_count();
      counter.after = &version.Name();
      plan.push_back(counter);
    }
    plan.push_back(last);
    return plan;
  }

  uint32_t CountOf(const Entry& entry) const {
    return entry.hold_count != 0
               ? entry.hold_count
               : catalog::HoldOf(*entry.version.pose, entry.version.variation)
                     .default_count();
  }

  // Calls `visit(entry, set, side, transition)` for every step of the plan.
  template <typename Visit>
  void ForEachStep(const std::vector<Entry>& plan, Visit visit) const {
    TimedStep previous{};
    bool first = true;
    for (const Entry& entry : plan) {
      const bool sided =
          catalog::IsSided(*entry.version.pose, entry.version.variation);
      for (uint32_t set = 1; set <= entry.sets; ++set) {
        for (int turn = 0; turn < (sided ? 2 : 1); ++turn) {
          const auto side = !sided      ? yoga::type::v1::SIDE_UNSPECIFIED
                            : turn == 0 ? yoga::type::v1::SIDE_RIGHT
                                        : yoga::type::v1::SIDE_LEFT;
          const TimedStep step{entry.version.pose, entry.version.variation,
                               entry.version.cue_times, side};
          visit(entry, set, side,
                TransitionDuration(first ? nullptr : &previous, step));
          previous = step;
          first = false;
        }
      }
    }
  }

  // About how long an entry takes with default holds: its holds, its cues and
  // a little moving, without working out the order.
  absl::Duration Estimate(const Entry& entry) const {
    constexpr absl::Duration kMoving = absl::Seconds(6);
    const CueTimes& times = *entry.version.cue_times;
    const bool sided =
        catalog::IsSided(*entry.version.pose, entry.version.variation);
    return Length(entry) + kMoving + times.release[0] +
           (sided ? times.setup[yoga::type::v1::SIDE_RIGHT] +
                        times.setup_sided[yoga::type::v1::SIDE_LEFT]
                  : times.setup[0]);
  }

  // The length of the whole plan with the entries' current holds.
  absl::Duration PlanLength(const Entry& first, const std::vector<Entry>& main,
                            const Entry& last) const {
    absl::Duration total;
    ForEachStep(
        Ordered(first, main, last),
        [&](const Entry& entry, uint32_t, auto, absl::Duration transition) {
          const auto& range =
              catalog::HoldOf(*entry.version.pose, entry.version.variation);
          total += transition + HoldDuration(range, CountOf(entry), breath_);
        });
    return total;
  }

  enum class Holds { kMin, kDefault, kMax };
  absl::Duration HoldsLength(const Entry& entry, Holds holds) const {
    const auto& range =
        catalog::HoldOf(*entry.version.pose, entry.version.variation);
    const uint32_t count = holds == Holds::kMin   ? range.min_count()
                           : holds == Holds::kMax ? range.max_count()
                                                  : range.default_count();
    return PerCount(entry) * static_cast<int64_t>(count);
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
    return PerCount(entry) * static_cast<int64_t>(CountOf(entry));
  }

  // The fitted holds (warm-up, main, cool-down; not counterposes) as they are
  // now.
  absl::Duration FittedLength(const Entry& first,
                              const std::vector<Entry>& main,
                              const Entry& last) const {
    absl::Duration total = Length(first) + Length(last);
    for (const Entry& entry : main) total += Length(entry);
    return total;
  }

  // The plan's length with every fitted hold at its limit.
  absl::Duration LengthAt(const Entry& first, const std::vector<Entry>& main,
                          const Entry& last, Holds holds) const {
    absl::Duration total =
        PlanLength(first, main, last) - FittedLength(first, main, last);
    total += HoldsLength(first, holds) + HoldsLength(last, holds);
    for (const Entry& entry : main) total += HoldsLength(entry, holds);
    return total;
  }

  // Sets hold counts so the holds add up to `budget` within the tolerance.
  // nullopt: too long even at the shortest holds; false: too short even at the
  // longest; true: fitted (counts stored in the entries).
  std::optional<bool> FitHolds(Entry& first, std::vector<Entry>& main,
                               Entry& last, absl::Duration budget) const {
    // Plain milliseconds: this loop runs often and absl::Duration arithmetic
    // does not inline here.
    struct Hold {
      Entry* entry;
      int64_t per_count;  // ms a count adds.
      int64_t min, usual, max;
    };
    std::vector<Hold> holds;
    holds.reserve(main.size() + 2);
    auto add = [&](Entry& entry) {
      const auto& range =
          catalog::HoldOf(*entry.version.pose, entry.version.variation);
      holds.push_back({&entry, absl::ToInt64Milliseconds(PerCount(entry)),
                       range.min_count(), range.default_count(),
                       range.max_count()});
    };
    add(first);
    add(last);
    for (Entry& entry : main) add(entry);
    const int64_t target = absl::ToInt64Milliseconds(budget);
    const int64_t tolerance = absl::ToInt64Milliseconds(tolerance_);
    int64_t shortest = 0, longest = 0, usual = 0;
    for (const Hold& hold : holds) {
      shortest += hold.per_count * hold.min;
      longest += hold.per_count * hold.max;
      usual += hold.per_count * hold.usual;
    }
    if (shortest > target + tolerance) return std::nullopt;
    if (longest < target - tolerance) return false;
    // Move every hold the same fraction of the way towards its limit...
    const bool longer = target > usual;
    const int64_t room = longer ? longest - usual : usual - shortest;
    const double fraction =
        room <= 0 ? 0
                  : std::clamp(static_cast<double>(longer ? target - usual
                                                          : usual - target) /
                                   static_cast<double>(room),
                               0.0, 1.0);
    int64_t total = 0;
    for (Hold& hold : holds) {
      const double limit = static_cast<double>(longer ? hold.max : hold.min);
      hold.entry->hold_count = static_cast<uint32_t>(
          std::lround(static_cast<double>(hold.usual) +
                      fraction * (limit - static_cast<double>(hold.usual))));
      total += hold.per_count * hold.entry->hold_count;
    }
    // ...then step single counts until the total is close enough.
    for (int round = 0; round < 200 && std::abs(total - target) > tolerance / 2;
         ++round) {
      const bool grow = total < target;
      Hold* best = nullptr;
      for (Hold& hold : holds) {
        const int64_t count = hold.entry->hold_count;
        if (grow ? count >= hold.max : count <= hold.min) continue;
        if (best == nullptr || hold.per_count < best->per_count) best = &hold;
      }
      if (best == nullptr) break;
      best->entry->hold_count += grow ? 1 : -1;
      total += grow ? best->per_count : -best->per_count;
    }
    return std::abs(total - target) <= tolerance;
  }

  // --- The routine
  // -------------------------------------------------------------

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

  std::string Reason(const Entry& entry) const {
    const Version& version = entry.version;
    const std::string instead =
        version.replaced_name == nullptr
            ? ""
            : absl::StrCat("In place of ", *version.replaced_name, " (",
                           BlockerText(version.blocker), "). ");
    switch (entry.role) {
      case Role::kWarmUp:
        return absl::StrCat(
            instead, "Warm-up: a flow with the breath to get the body moving.");
      case Role::kCoolDown:
        return absl::StrCat(
            instead, "Cool-down: a restful finish to let the body settle.");
      case Role::kCounterpose:
        return absl::StrCat("Counterpose after ", *entry.after,
                            ": brings the spine back to neutral.");
      case Role::kMain: {
        const std::string focus = FocusText(version);
        const bool strength =
            version.pose->kind() == yoga::catalog::v1::POSE_KIND_STRENGTH_HOLD;
        return absl::StrCat(
            instead, "Main work: ", strength ? "strengthens" : "works",
            focus.empty() ? " the whole body" : absl::StrCat(" your ", focus),
            ".");
      }
    }
    return "";
  }

  static RoutinePhase PhaseOf(Role role) {
    switch (role) {
      case Role::kWarmUp:
        return yoga::type::v1::ROUTINE_PHASE_WARM_UP;
      case Role::kCoolDown:
        return yoga::type::v1::ROUTINE_PHASE_COOL_DOWN;
      default:
        return yoga::type::v1::ROUTINE_PHASE_MAIN;
    }
  }

  absl::StatusOr<Routine> Finish(const Entry& first,
                                 const std::vector<Entry>& main,
                                 const Entry& last) const {
    Routine routine;
    routine.set_title(Title());
    ForEachStep(Ordered(first, main, last), [&](const Entry& entry,
                                                uint32_t set,
                                                yoga::type::v1::Side side,
                                                absl::Duration) {
      RoutineStep* step = routine.add_steps();
      step->set_pose_id(entry.version.pose->id());
      if (entry.version.variation)
        step->set_variation_id(entry.version.variation->id());
      step->set_side(side);
      step->set_hold_count(CountOf(entry));
      step->set_set(set);
      step->set_phase(PhaseOf(entry.role));
      if (side == yoga::type::v1::SIDE_LEFT) {
        step->set_reason("Left side, the same hold as the right.");
      } else if (set > 1) {
        step->set_reason(absl::StrCat("Set ", set, " of ", entry.sets, "."));
      } else {
        step->set_reason(Reason(entry));
      }
    });
    TimeRoutine(planning_, breath_, routine);
    return routine;
  }

  std::string Title() const {
    std::vector<std::string> areas;
    for (int area : focus_) areas.push_back(AreaLabel(area));
    return absl::StrCat(absl::ToInt64Minutes(target_ + absl::Seconds(30)),
                        " minutes for your ", absl::StrJoin(areas, " and "));
  }

  const PlanningCatalog& planning_;
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
  std::set<const Pose*> excluded_;

  std::vector<Version> warm_ups_, mains_, cool_downs_, neutralisers_;
  std::map<std::string, int> warm_up_blocks_, main_blocks_, cool_down_blocks_;
  std::set<const Pose*> used_;  // Poses already in the plan.
  bool compact_ = false;
};

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
    const absl::Duration breath = FromProto(constraints.breath_length());
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
  return Composer(catalog, constraints).Run();
}

}  // namespace yoga::planner
