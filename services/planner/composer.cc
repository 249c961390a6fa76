#include "services/planner/composer.h"

#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "services/catalog/effective_pose.h"
#include "services/common/enum_label.h"
#include "services/common/proto_time.h"
#include "services/common/slug.h"
#include "services/planner/hold_fit.h"
#include "services/planner/pose_candidates.h"
#include "services/planner/routine_rules.h"
#include "services/planner/routine_timing.h"
#include "services/shared/class_order.h"

namespace yoga::planner {
namespace {

using yoga::catalog::v1::Pose;
using yoga::planner::v1::Constraints;
using yoga::type::v1::BodyArea;
using yoga::type::v1::Routine;
using yoga::type::v1::RoutinePhase;
using yoga::type::v1::RoutineStep;

absl::Duration FromProto(const google::protobuf::Duration& duration) {
  return FromProtoDuration(duration);
}

std::string AreaLabel(int area) { return EnumLabel<BodyArea>(area); }

enum class Role { kWarmUp, kMain, kCounterpose, kCoolDown };

// One pose in the plan: a version done `sets` times (each set on both sides
// when sided). Reasons are written only when the routine is final.
struct Entry {
  Version version;
  Role role = Role::kMain;
  uint32_t sets = 1;
  uint32_t hold_count = 0;  // 0 until fitted: the default hold.
  // For a counterpose: the pose it follows.
  const std::string* after = nullptr;
  // In the ordered plan: which time through its body height's sequence, and
  // the index of the planned entry it copies (-1 for a counterpose).
  uint32_t round = 1;
  int source = -1;
};

// What a body height's poses are called when their sequence is repeated.
const char* HeightName(int height) {
  switch (height) {
    case 3:
      return "standing";
    case 2:
      return "kneeling and all-fours";
    case 1:
      return "seated";
    default:
      return "lying";
  }
}

// Within one body height: flows first (they warm that position up), then
// stretches, then backbends and strength holds (so their neutralising pose can
// lead on to the next height), the easier of those first (seed 004: Locust
// before Bow, Reverse Tabletop before Reverse Plank; see IntenseLevel).
int EffortRank(const Version& version) {
  if (version.pose->kind() == yoga::catalog::v1::POSE_KIND_DYNAMIC_FLOW)
    return 0;
  return IsIntense(*version.pose, version.variation) ? 2 : 1;
}

// The level of a backbend or strength hold, to do the easier first; 0 for
// other poses, which keep their order by score.
int IntenseLevel(const Version& version) {
  return IsIntense(*version.pose, version.variation)
             ? catalog::LevelOf(*version.pose, version.variation)
             : 0;
}

class Composer {
 public:
  Composer(const PlanningCatalog& planning, const Constraints& constraints)
      : planning_(planning),
        constraints_(constraints),
        focus_(FocusAreas(constraints)),
        candidates_(CollectCandidates(planning, constraints)) {
    target_ = FromProto(constraints.target_duration());
    tolerance_ = DurationTolerance(target_);
    breath_ = constraints.has_breath_length()
                  ? FromProto(constraints.breath_length())
                  : kDefaultBreath;
    timing_breath_ = absl::Trunc(breath_, absl::Milliseconds(1));
  }

  // Tries the warm-ups in a teacher's order (WarmUpOptions); the first that
  // gives a class of the target's length wins. Only a target under
  // kNoSeparateWarmUpBelow that no warm-up fits is composed without one.
  absl::StatusOr<Routine> Run() {
    const std::vector<Version> options = WarmUpOptions();
    if (options.empty())
      return Blocked("no warm-up flow is left", candidates_.warm_up_blocks);
    std::optional<absl::Status> first_refusal;
    bool length_refused = false;
    absl::Duration shortest = absl::InfiniteDuration();
    for (const Version& warm_up : options) {
      Outcome outcome = Compose(&warm_up);
      if (outcome.routine.ok()) return std::move(outcome.routine);
      if (!first_refusal) {
        first_refusal = outcome.routine.status();
        length_refused = outcome.too_long;
      }
      if (outcome.too_long) shortest = std::min(shortest, outcome.shortest);
    }
    if (!length_refused) return *first_refusal;
    absl::Duration shortest_without = absl::InfiniteDuration();
    if (target_ < kNoSeparateWarmUpBelow) {
      Outcome outcome = Compose(nullptr);
      if (outcome.routine.ok()) return std::move(outcome.routine);
      if (outcome.too_long) shortest_without = outcome.shortest;
    }
    return absl::FailedPreconditionError(absl::StrCat(
        "constraints.target_duration: ", absl::FormatDuration(target_),
        " is too short: with these constraints a warm-up, main work and a "
        "finish take at least ",
        absl::FormatDuration(shortest),
        shortest_without == absl::InfiniteDuration()
            ? ""
            : absl::StrCat(", and main work and a finish without a separate "
                           "warm-up at least ",
                           absl::FormatDuration(shortest_without))));
  }

 private:
  static constexpr int kMaxAttempts = 400;
  // A warm-up at its default rounds, with its spoken entry (at FULL the
  // flow's slow first round), takes at most this share of the class when it
  // can: a short class starts with the shorter version (the half sun
  // salutation).
  static constexpr int kWarmUpShareDivisor = 4;
  // Below this target, and only when no warm-up leaves room for main work
  // and a finish, the class goes straight into its main work.
  static constexpr absl::Duration kNoSeparateWarmUpBelow = absl::Minutes(7);

  // One try at the class with one warm-up (or none): the routine, or the
  // refusal and whether it was for the length (`shortest`: the class at its
  // shortest holds with the fewest poses).
  struct Outcome {
    explicit Outcome(absl::StatusOr<Routine> result)
        : routine(std::move(result)) {}
    static Outcome TooLong(absl::Duration shortest) {
      Outcome outcome(absl::FailedPreconditionError("too long"));
      outcome.too_long = true;
      outcome.shortest = shortest;
      return outcome;
    }
    absl::StatusOr<Routine> routine;
    bool too_long = false;
    absl::Duration shortest;
  };

  // The warm-ups a teacher would lead with, best first: the highest (a class
  // after a run starts on its feet), then lower, gentler ones; within one
  // height those whose default rounds and spoken entry take at most a
  // quarter of the target, best scored first, then the rest, shortest first.
  std::vector<Version> WarmUpOptions() const {
    struct Option {
      Version version;
      absl::Duration lead_in;
      bool roomy;
    };
    std::vector<Option> options;
    for (const Version& version : candidates_.warm_ups) {
      absl::Duration lead_in;
      Entry entry{version, Role::kWarmUp};
      ForEachStep({entry}, [&](const Entry& step, uint32_t, auto,
                               absl::Duration transition) {
        lead_in +=
            transition + HoldDuration(catalog::HoldOf(*step.version.pose,
                                                      step.version.variation),
                                      CountOf(step), breath_);
      });
      options.push_back(
          {version, lead_in, lead_in * kWarmUpShareDivisor <= target_});
    }
    std::stable_sort(options.begin(), options.end(),
                     [](const Option& a, const Option& b) {
                       const int ha = HeightOf(a.version);
                       const int hb = HeightOf(b.version);
                       if (ha != hb) return ha > hb;
                       if (a.roomy != b.roomy) return a.roomy;
                       if (a.roomy) return a.version.score > b.version.score;
                       return a.lead_in < b.lead_in;
                     });
    std::vector<Version> versions;
    for (const Option& option : options) versions.push_back(option.version);
    return versions;
  }

  // The class with `warm_up` (none: main work first), fitted to the target.
  Outcome Compose(const Version* warm_up) {
    entries_.clear();
    pool_.clear();
    used_.clear();
    rounds_.clear();
    correction_ = absl::ZeroDuration();
    compact_ = false;
    warm_up_ = warm_up != nullptr;
    const int top = warm_up != nullptr
                        ? HeightOf(*warm_up)
                        : BodyHeight(yoga::type::v1::BODY_POSITION_STANDING);
    std::optional<Version> cool_down = RestorativeFinish(warm_up);
    // Main work lies between the warm-up's height and the finish's, so the
    // class only ever moves down; a restorative finish is one last rise when
    // it stands higher, so main work can go all the way down before it.
    int lowest = 0;
    if (!cool_down) {
      cool_down = LowestFinish(warm_up, top);
      if (!cool_down)
        return Outcome(Blocked("no restorative finish is left",
                               candidates_.cool_down_blocks));
      lowest = HeightOf(*cool_down);
    }
    // Without a warm-up, entries_[0] only holds the place: it is never done.
    entries_ = {
        Entry{warm_up != nullptr ? *warm_up : *cool_down, Role::kWarmUp},
        Entry{*cool_down, Role::kCoolDown}};
    used_ = {cool_down->pose};
    if (warm_up != nullptr) used_.insert(warm_up->pose);
    for (const Version& version : candidates_.mains) {
      const int height = HeightOf(version);
      if (height <= top && height >= lowest && !used_.contains(version.pose)) {
        pool_.push_back(version);
      }
    }
    std::stable_sort(
        pool_.begin(), pool_.end(),
        [](const Version& a, const Version& b) { return a.score > b.score; });
    if (pool_.empty()) return Outcome(NoMainPose());

    // Main poses, best first, while the class with every hold at its
    // default, timed as the session speaks it, still fits the target: a
    // short class gets fewer poses rather than every pose at its shortest.
    Calibrate();
    for (const Version& version : pool_) {
      if (used_.contains(version.pose)) continue;
      AddMain(version);
      if (MainCount() > 1 && DefaultLength() > target_)
        RemoveMain(entries_.size() - 1);
    }
    Calibrate();
    for (int attempt = 0; attempt < kMaxAttempts; ++attempt) {
      switch (FitToTarget()) {
        case HoldFit::kFitted: {
          Routine routine = Finish();
          const absl::Duration real = FromProto(routine.total_duration());
          if (absl::AbsDuration(real - target_) <= tolerance_)
            return Outcome(std::move(routine));
          // The timing functions count something the plan's measure does not
          // (the opening and closing words) and the poses now in the plan
          // change it: take the difference as it is now (PlannedLength leaves
          // the correction out, so it is set, not added to) and fit again.
          correction_ = real - PlannedLength();
          continue;
        }
        case HoldFit::kTooLong:
          if (Shrink()) continue;
          // Before refusing, what the plan as it now stands adds: fewer
          // poses are fewer names in the opening.
          if (Recalibrated() < absl::ZeroDuration()) continue;
          return Outcome::TooLong(LengthAtLimit(false));
        case HoldFit::kTooShort:
          if (Grow()) continue;
          if (Recalibrated() > absl::ZeroDuration()) continue;
          return Outcome(TooLittleLeft());
      }
    }
    return Outcome(absl::FailedPreconditionError(
        absl::StrCat("constraints.target_duration: no mix of the allowed poses "
                     "comes within ",
                     absl::FormatDuration(tolerance_), " of ",
                     absl::FormatDuration(target_))));
  }

  // What the timed routine adds to the plan's own measure (the opening and
  // closing words, the cautions of the runner's conditions), measured by
  // timing the plan as a routine, so every decision counts it.
  void Calibrate() {
    correction_ = absl::ZeroDuration();
    correction_ = FromProto(Finish(/*with_words=*/false).total_duration()) -
                  PlannedLength();
  }

  // Calibrates again; returns by how much the correction changed.
  absl::Duration Recalibrated() {
    const absl::Duration before = correction_;
    Calibrate();
    return correction_ - before;
  }

  // The plan's length with every fitted hold at its default.
  absl::Duration DefaultLength() const {
    Measured measured = Measure();
    absl::Duration total = measured.fixed;
    for (size_t i = 0; i < entries_.size(); ++i) {
      const auto& range = *measured.holds[i].range;
      total +=
          measured.holds[i].occurrences *
          HoldDuration(range, NearestSpokenCount(range, range.default_count()),
                       breath_);
    }
    return total;
  }

  // FAILED_PRECONDITION on the field that rules out the most poses (on
  // target_duration when none does), with what each field rules out.
  static absl::Status Blocked(absl::string_view what,
                              const std::map<std::string, int>& blocks) {
    std::string blocker = "constraints.target_duration";
    int most = 0;
    for (const auto& [name, count] : blocks) {
      if (count > most) {
        most = count;
        blocker = name;
      }
    }
    std::vector<std::string> counts;
    for (const auto& [name, count] : blocks) {
      counts.push_back(absl::StrCat(name, " rules out ", count));
    }
    return absl::FailedPreconditionError(absl::StrCat(
        blocker, ": ", what,
        counts.empty() ? ""
                       : absl::StrCat(" (", absl::StrJoin(counts, "; "), ")")));
  }

  // --- Warm-up and finish --------------------------------------------------

  // A restorative pose to end on, whatever its height: a teacher ends a class
  // after a run resting in child's pose even after lying work (seeds 000 and
  // 001), so the class comes up onto its knees for this one last step. The
  // lowest allowed (no rise when the catalog has one lying), the best scored
  // of those. None when the runner's constraints rule out every restorative
  // pose (child's pose is excluded, or standing_only).
  std::optional<Version> RestorativeFinish(const Version* warm_up) const {
    const Version* best = nullptr;
    for (const Version& version : candidates_.cool_downs) {
      if ((warm_up != nullptr && version.pose == warm_up->pose) ||
          version.pose->kind() != yoga::catalog::v1::POSE_KIND_RESTORATIVE) {
        continue;
      }
      if (best == nullptr || HeightOf(version) < HeightOf(*best) ||
          (HeightOf(version) == HeightOf(*best) &&
           version.score > best->score)) {
        best = &version;
      }
    }
    if (best == nullptr) return std::nullopt;
    return *best;
  }

  // Without a restorative pose: the gentle stretch at the lowest height the
  // warm-up (at `top`) can lead down to, so main work can use every height in
  // between; of those the one main work misses least (the lowest scored), so
  // the best stretches get the main work's sets and repeats.
  std::optional<Version> LowestFinish(const Version* warm_up, int top) const {
    const Version* best = nullptr;
    for (const Version& version : candidates_.cool_downs) {
      if ((warm_up != nullptr && version.pose == warm_up->pose) ||
          HeightOf(version) > top) {
        continue;
      }
      if (best == nullptr || HeightOf(version) < HeightOf(*best) ||
          (HeightOf(version) == HeightOf(*best) &&
           version.score < best->score)) {
        best = &version;
      }
    }
    if (best == nullptr) return std::nullopt;
    return *best;
  }

  // --- The main entries ----------------------------------------------------

  // entries_[0] is the warm-up, entries_[1] the finish, the rest main work in
  // the order chosen.
  static constexpr size_t kFirstMain = 2;
  static constexpr int kNoHeight = -1;

  void AddMain(const Version& version) {
    used_.insert(version.pose);
    entries_.push_back(Entry{version, Role::kMain});
  }

  void RemoveMain(size_t index) {
    used_.erase(entries_[index].version.pose);
    entries_.erase(entries_.begin() + static_cast<std::ptrdiff_t>(index));
  }

  size_t MainCount() const { return entries_.size() - kFirstMain; }

  static uint32_t MaxSets(const Entry& entry) {
    return std::max<uint32_t>(
        catalog::HoldOf(*entry.version.pose, entry.version.variation)
            .max_sets(),
        1);
  }

  uint32_t RoundsAt(int height) const {
    auto it = rounds_.find(height);
    return it == rounds_.end() ? 1 : it->second;
  }

  // The heights whose sequence can be done again: at least two different
  // poses in it (the warm-up flow joins the repeats of its own height), so a
  // repeat is a sequence and not one pose over and over.
  std::vector<int> RepeatableHeights() const {
    std::map<int, std::set<const Pose*>> poses;
    for (size_t i = kFirstMain; i < entries_.size(); ++i) {
      const Version& version = entries_[i].version;
      poses[HeightOf(version)].insert(version.pose);
    }
    std::vector<int> heights;
    for (auto& [height, set] : poses) {
      if (warm_up_ && height == HeightOf(entries_[0].version))
        set.insert(entries_[0].version.pose);
      if (set.size() >= 2) heights.push_back(height);
    }
    // Fewest repeats first, then the higher: repeats spread over the class.
    std::stable_sort(heights.begin(), heights.end(), [&](int a, int b) {
      return std::make_pair(RoundsAt(a), -a) < std::make_pair(RoundsAt(b), -b);
    });
    return heights;
  }

  // Too short even at the longest holds: the first change, in a teacher's
  // order, that does not make the routine too long at its shortest holds:
  // another pose, another set, then the sequence of one height again.
  bool Grow() {
    auto fits = [&] { return LengthAtLimit(false) <= target_ + tolerance_; };
    for (const Version& version : pool_) {
      if (used_.contains(version.pose)) continue;
      AddMain(version);
      if (fits()) return true;
      RemoveMain(entries_.size() - 1);
    }
    std::vector<size_t> by_sets;
    for (size_t i = kFirstMain; i < entries_.size(); ++i) by_sets.push_back(i);
    std::stable_sort(by_sets.begin(), by_sets.end(), [&](size_t a, size_t b) {
      return entries_[a].sets < entries_[b].sets;
    });
    for (size_t i : by_sets) {
      Entry& entry = entries_[i];
      if (entry.sets >= MaxSets(entry)) continue;
      ++entry.sets;
      if (fits()) return true;
      --entry.sets;
    }
    // A repeat takes the place of extra sets at its height: sets already
    // added there go back to one, and come back only if still short.
    for (int height : RepeatableHeights()) {
      std::vector<std::pair<size_t, uint32_t>> sets;
      for (size_t i = kFirstMain; i < entries_.size(); ++i) {
        if (HeightOf(entries_[i].version) != height) continue;
        sets.emplace_back(i, entries_[i].sets);
        entries_[i].sets = 1;
      }
      rounds_[height] = RoundsAt(height) + 1;
      if (fits()) return true;
      rounds_[height] = RoundsAt(height) - 1;
      for (const auto& [i, count] : sets) entries_[i].sets = count;
    }
    return false;
  }

  // Too long even at the shortest holds: fewer repeats, fewer sets, then
  // fewer poses; at last the single shortest main pose.
  bool Shrink() {
    for (auto& [height, rounds] : rounds_) {
      if (rounds > 1) {
        --rounds;
        return true;
      }
    }
    for (size_t i = entries_.size(); i-- > kFirstMain;) {
      if (entries_[i].sets > 1) {
        --entries_[i].sets;
        return true;
      }
    }
    if (MainCount() > 1) {
      size_t weakest = kFirstMain;
      for (size_t i = kFirstMain; i < entries_.size(); ++i) {
        if (entries_[i].version.score < entries_[weakest].version.score)
          weakest = i;
      }
      RemoveMain(weakest);
      return true;
    }
    if (compact_) return false;
    compact_ = true;
    // The one main pose that makes the shortest class, timed as spoken (a
    // pose's setup takes longer than most holds); the best scored on a tie.
    const Version current = entries_[kFirstMain].version;
    std::optional<Version> chosen;
    absl::Duration chosen_length;
    for (const Version& version : pool_) {
      if (IsIntense(*version.pose, version.variation)) continue;
      RemoveMain(kFirstMain);
      AddMain(version);
      const absl::Duration length = LengthAtLimit(false);
      if (!chosen || length < chosen_length) {
        chosen = version;
        chosen_length = length;
      }
    }
    RemoveMain(kFirstMain);
    AddMain(chosen ? *chosen : current);
    return chosen.has_value();
  }

  // --- Order -----------------------------------------------------------------

  // The whole plan in the order it is done: the warm-up; main work from the
  // highest body position to the lowest, each height's sequence done
  // RoundsAt(height) times (its repeats led by the warm-up flow when it stands
  // at that height); the finish. A neutralising pose follows every backbend
  // or strength hold unless the next pose already neutralises it.
  std::vector<Entry> Ordered() const {
    using Key = std::tuple<int, int, int, int>;
    std::vector<std::pair<Key, size_t>> keyed;
    keyed.reserve(entries_.size());
    for (size_t i = kFirstMain; i < entries_.size(); ++i) {
      const Version& version = entries_[i].version;
      keyed.emplace_back(
          Key{-HeightOf(version), ClassOrder(version.pose->position()),
              EffortRank(version), IntenseLevel(version)},
          i);
    }
    std::stable_sort(
        keyed.begin(), keyed.end(),
        [](const auto& a, const auto& b) { return a.first < b.first; });
    std::vector<size_t> main;
    main.reserve(keyed.size());
    for (const auto& [key, i] : keyed) main.push_back(i);
    auto copy = [&](size_t index, Role role, uint32_t round) {
      Entry entry = entries_[index];
      entry.role = role;
      entry.round = round;
      entry.source = static_cast<int>(index);
      return entry;
    };
    std::vector<Entry> flat;
    flat.reserve(entries_.size() * 2 + 4);
    if (warm_up_) flat.push_back(copy(0, Role::kWarmUp, 1));
    const int warm_up_height =
        warm_up_ ? HeightOf(entries_[0].version) : kNoHeight;
    for (size_t begin = 0; begin < main.size();) {
      const int height = HeightOf(entries_[main[begin]].version);
      size_t end = begin;
      while (end < main.size() &&
             HeightOf(entries_[main[end]].version) == height)
        ++end;
      const uint32_t rounds = RoundsAt(height);
      for (uint32_t round = 1; round <= rounds; ++round) {
        if (round > 1 && height == warm_up_height)
          flat.push_back(copy(0, Role::kMain, round));
        for (size_t k = begin; k < end; ++k)
          flat.push_back(copy(main[k], Role::kMain, round));
      }
      begin = end;
    }
    flat.push_back(copy(1, Role::kCoolDown, 1));

    std::vector<Entry> plan;
    plan.reserve(flat.size() * 2);
    for (size_t i = 0; i < flat.size(); ++i) {
      plan.push_back(flat[i]);
      const Version& version = flat[i].version;
      if (version.neutraliser < 0 || i + 1 == flat.size()) continue;
      if (Neutralises(*flat[i + 1].version.pose, *version.pose)) continue;
      Entry counter = CounterposeAfter(version);
      counter.round = flat[i].round;
      plan.push_back(counter);
    }
    return plan;
  }

  // The neutralising pose after a backbend or strength hold, held its
  // shortest: it rests the back, the work is in the poses around it.
  Entry CounterposeAfter(const Version& version) const {
    Entry counter{
        candidates_.neutralisers[static_cast<size_t>(version.neutraliser)],
        Role::kCounterpose};
    const auto& range =
        catalog::HoldOf(*counter.version.pose, counter.version.variation);
    counter.hold_count = SpokenCounts(range).front();
    counter.after = &version.Name();
    return counter;
  }

  uint32_t CountOf(const Entry& entry) const {
    const auto& range =
        catalog::HoldOf(*entry.version.pose, entry.version.variation);
    return entry.hold_count != 0
               ? entry.hold_count
               : NearestSpokenCount(range, range.default_count());
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
          const TimedStep step{entry.version.pose,
                               entry.version.variation,
                               entry.version.cue_times,
                               side,
                               set,
                               timing_breath_};
          visit(entry, set, side,
                Transition(first ? nullptr : &previous, step));
          previous = step;
          first = false;
        }
      }
    }
  }

  // TransitionDuration, remembered for each pair of steps: a plan is timed
  // over and over while it is chosen and fitted, with the same moves.
  absl::Duration Transition(const TimedStep* previous,
                            const TimedStep& step) const {
    const TransitionKey key{
        previous != nullptr ? previous->pose : nullptr,
        previous != nullptr ? previous->variation : nullptr,
        previous != nullptr ? static_cast<int>(previous->side) : -1,
        previous != nullptr ? previous->set : 0u,
        step.pose,
        step.variation,
        static_cast<int>(step.side),
        step.set};
    auto [it, added] = transitions_.try_emplace(key);
    if (added) it->second = TransitionDuration(previous, step);
    return it->second;
  }

  // --- Length ----------------------------------------------------------------

  // The plan as the fit sees it: everything but the fitted holds (transitions
  // from the timing functions, counterposes' holds, the correction), and each
  // fitted hold with the number of steps that take it.
  struct Measured {
    absl::Duration fixed;
    std::vector<HoldToFit> holds;  // Index: entries_.
  };

  Measured Measure() const {
    Measured measured{correction_, {}};
    measured.holds.reserve(entries_.size());
    for (const Entry& entry : entries_) {
      measured.holds.push_back(
          {&catalog::HoldOf(*entry.version.pose, entry.version.variation), 0,
           entry.hold_count});
    }
    ForEachStep(Ordered(), [&](const Entry& entry, uint32_t, auto,
                               absl::Duration transition) {
      measured.fixed += transition;
      if (entry.source < 0) {
        measured.fixed += HoldDuration(
            catalog::HoldOf(*entry.version.pose, entry.version.variation),
            CountOf(entry), breath_);
      } else {
        ++measured.holds[static_cast<size_t>(entry.source)].occurrences;
      }
    });
    return measured;
  }

  // The plan's length with every fitted hold at its shortest or longest.
  absl::Duration LengthAtLimit(bool longest) const {
    const Measured measured = Measure();
    return measured.fixed + HoldsAtLimit(measured.holds, breath_, longest);
  }

  // The plan's length with its current holds, as the fit measures it.
  absl::Duration PlannedLength() const {
    const Measured measured = Measure();
    absl::Duration total = measured.fixed - correction_;
    for (size_t i = 0; i < entries_.size(); ++i) {
      total +=
          measured.holds[i].occurrences *
          HoldDuration(*measured.holds[i].range, CountOf(entries_[i]), breath_);
    }
    return total;
  }

  // Sets every fitted hold so the plan lasts the target.
  HoldFit FitToTarget() {
    Measured measured = Measure();
    const HoldFit fit =
        FitHolds(measured.holds, target_ - measured.fixed, tolerance_, breath_);
    for (size_t i = 0; i < entries_.size(); ++i)
      entries_[i].hold_count = measured.holds[i].count;
    return fit;
  }

  // --- Refusals --------------------------------------------------------------

  // The warm-up and finish that are left, for a refusal to say what remains.
  std::string WhatIsLeft() const {
    std::vector<std::string> names;
    for (size_t i = warm_up_ ? 0 : 1; i < entries_.size(); ++i) {
      names.push_back(
          absl::StrCat(entries_[i].version.Name(), i == 0   ? " (warm-up)"
                                                   : i == 1 ? " (finish)"
                                                            : ""));
    }
    return absl::StrJoin(names, ", ");
  }

  absl::Status NoMainPose() const {
    return Blocked(absl::StrCat("no main pose is left between the warm-up and "
                                "the finish; the poses left are ",
                                WhatIsLeft()),
                   candidates_.main_blocks);
  }

  absl::Status TooLittleLeft() const {
    return Blocked(
        absl::StrCat("the poses left (", WhatIsLeft(), ") fill at most ",
                     absl::FormatDuration(LengthAtLimit(true)),
                     " with every hold and set at its limit, short of the ",
                     absl::FormatDuration(target_), " asked, and ",
                     RepeatableHeights().empty()
                         ? "no body height has two poses to repeat as a "
                           "sequence"
                         : "repeating a sequence would overshoot it"),
        candidates_.main_blocks);
  }

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

  std::string StepReason(const Entry& entry, uint32_t set,
                         yoga::type::v1::Side side) const {
    if (side == yoga::type::v1::SIDE_LEFT)
      return "Left side, the same hold as the right.";
    if (set > 1) return absl::StrCat("Set ", set, " of ", entry.sets, ".");
    if (entry.round > 1 && entry.role == Role::kMain) {
      const int height = HeightOf(entry.version);
      return absl::StrCat("Round ", entry.round, " of ", RoundsAt(height),
                          " of the ", HeightName(height), " sequence. ",
                          Reason(entry));
    }
    return Reason(entry);
  }

  // The routine as planned, timed; without the words (title, reasons) when
  // only its length is wanted.
  Routine Finish(bool with_words = true) const {
    Routine routine;
    if (with_words) routine.set_title(Title());
    // The guide speaks the cautions of the runner's conditions.
    for (int condition : constraints_.conditions()) {
      routine.add_conditions(static_cast<yoga::type::v1::Condition>(condition));
    }
    ForEachStep(Ordered(), [&](const Entry& entry, uint32_t set,
                               yoga::type::v1::Side side, absl::Duration) {
      const bool first = routine.steps().empty();
      RoutineStep* step = routine.add_steps();
      step->set_pose_id(entry.version.pose->id());
      if (entry.version.variation)
        step->set_variation_id(entry.version.variation->id());
      step->set_side(side);
      step->set_hold_count(CountOf(entry));
      step->set_set(set);
      step->set_phase(PhaseOf(entry.role));
      if (!with_words) return;
      step->set_reason(
          !warm_up_ && first
              ? absl::StrCat(NoWarmUpReason(), StepReason(entry, set, side))
              : StepReason(entry, set, side));
    });
    TimeRoutine(planning_, breath_, routine);
    return routine;
  }

  // Said on the first step of a class without a warm-up, so the runner
  // knows why.
  std::string NoWarmUpReason() const {
    return absl::StrCat("No separate warm-up: a ", Minutes(),
                        "-minute class has room only for main work and a "
                        "finish, so it starts here. ");
  }

  int64_t Minutes() const {
    return absl::ToInt64Minutes(target_ + absl::Seconds(30));
  }

  std::string Title() const {
    std::vector<std::string> areas;
    for (int area : focus_) areas.push_back(AreaLabel(area));
    return absl::StrCat(Minutes(), " minutes for your ",
                        absl::StrJoin(areas, " and "));
  }

  const PlanningCatalog& planning_;
  const Constraints& constraints_;
  const std::set<int> focus_;
  absl::Duration target_;
  absl::Duration tolerance_;
  absl::Duration breath_;
  // The breath as the session's clock keeps it (TimeRoutine): for transitions.
  absl::Duration timing_breath_;
  const Candidates candidates_;

  // The plan being fitted (see kFirstMain), the main candidates between the
  // warm-up's and the finish's heights (best first), and the poses in use.
  std::vector<Entry> entries_;
  std::vector<Version> pool_;
  std::set<const Pose*> used_;
  // Times each body height's sequence is done; absent: once.
  std::map<int, uint32_t> rounds_;
  // Transition() results, per (previous step, step).
  using TransitionKey =
      std::tuple<const Pose*, const yoga::catalog::v1::Variation*, int,
                 uint32_t, const Pose*, const yoga::catalog::v1::Variation*,
                 int, uint32_t>;
  mutable std::map<TransitionKey, absl::Duration> transitions_;
  // What the timing functions add beyond the plan's own measure.
  absl::Duration correction_;
  bool compact_ = false;
  // False when the class goes straight into its main work (entries_[0] is
  // then never done).
  bool warm_up_ = true;
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
