#include "services/planner/routine_timing.h"

#include <cmath>
#include <cstdlib>
#include <map>
#include <set>
#include <string>

#include "google/protobuf/util/time_util.h"
#include "services/catalog/effective_pose.h"
#include "services/common/content_hash.h"
#include "services/common/proto_time.h"
#include "services/shared/class_order.h"
#include "services/shared/step_relation.h"

namespace yoga::planner {
namespace {

using yoga::type::v1::RoutineStep;

// Pieces of the timeline's speech the budget adds up (timeline_builder.h).
constexpr absl::Duration kGap = absl::Milliseconds(500);
constexpr absl::Duration kChime = absl::Milliseconds(2000);
constexpr absl::Duration kRestBeforeOtherSide = absl::Seconds(8);
constexpr absl::Duration kRestBetweenSets = absl::Seconds(12);

absl::Duration Said(absl::string_view text) {
  return SpeakingTime(text) + kGap;
}

absl::Duration RoundUpToSecond(absl::Duration duration) {
  return absl::Ceil(duration, absl::Seconds(1));
}

google::protobuf::Duration ToProto(absl::Duration duration) {
  return ToProtoDuration(duration);
}

// The setup cues of `step`'s version that `previous`'s did not have.
absl::Duration Deepening(const TimedStep& previous, const TimedStep& step,
                         int* movements) {
  absl::Duration time;
  const auto& before = catalog::SetupCuesOf(*previous.pose, previous.variation);
  for (const auto& cue : catalog::SetupCuesOf(*step.pose, step.variation)) {
    if (cue.side() != yoga::type::v1::SIDE_UNSPECIFIED &&
        cue.side() != step.side)
      continue;
    bool said = false;
    for (const auto& old : before) said |= old.key() == cue.key();
    if (said) continue;
    time += SpeakingTime(cue.text()) + absl::Milliseconds(2000);
    if (cue.breath() != yoga::catalog::v1::BREATH_UNSPECIFIED) ++*movements;
  }
  return time;
}

// A flow at FULL: one slow round in the catalog's words, each movement on the
// next start of its breath, then a settle and the announcement just before
// the first movement of the rounds (timeline_builder.h). Laid out here with
// the budget's speaking times.
absl::Duration SlowRoundAndAnnouncement(const TimedStep& step) {
  const absl::Duration breath = step.breath;
  const absl::Duration half = breath / 2;
  const auto& cues = catalog::HoldCuesOf(*step.pose, step.variation);
  absl::Duration free = Said("Let's take the first round slowly.");
  absl::Duration last_movement = -absl::InfiniteDuration();
  for (const auto& cue : cues) {
    if (cue.side() != yoga::type::v1::SIDE_UNSPECIFIED &&
        cue.side() != step.side)
      continue;
    if (cue.breath() != yoga::catalog::v1::BREATH_UNSPECIFIED) {
      // The first waits up to a breath; later ones start on the next
      // half breath of the other phase that is free.
      absl::Duration start = free + breath;
      if (last_movement != -absl::InfiniteDuration()) {
        const absl::Duration late = free - last_movement - half;
        start = last_movement + half +
                (late > absl::ZeroDuration() ? absl::Ceil(late, breath)
                                             : absl::ZeroDuration());
      }
      last_movement = start;
      free = start;
    }
    free += SpeakingTime(cue.text()) + absl::Milliseconds(2000);
  }
  if (last_movement != -absl::InfiniteDuration())
    free = std::max(free, last_movement + breath + half);
  return free + Said("Ten rounds, moving with the breath.") + half;
}

// The opening's words: welcome, length, the poses ahead, the props.
absl::Duration Opening(const PlanningCatalog& planning,
                       const yoga::type::v1::Routine& routine) {
  absl::Duration time = Said("Welcome. Let's begin your practice.") +
                        Said("This practice takes about twenty-five minutes.");
  std::set<std::string> poses;
  std::map<int, bool> props;
  absl::Duration names;
  for (const RoutineStep& step : routine.steps()) {
    const auto& pose = *planning.catalog().FindPose(step.pose_id());
    const auto* variation = catalog::FindVariation(pose, step.variation_id());
    if (poses.insert(pose.id()).second)
      names += Said(variation != nullptr ? variation->name() : pose.name());
    for (const auto& use : pose.props()) props[use.prop()] |= use.required();
    if (variation != nullptr)
      for (const auto& use : variation->props())
        props[use.prop()] |= use.required();
  }
  if (poses.size() <= kMaxOpeningNames) time += Said("Today's poses:") + names;
  time += static_cast<int64_t>(props.size()) *
          Said("If you have a cushion, keep it nearby.");
  return time;
}

// Cautions of the routine's conditions the entry of `step` says.
absl::Duration ConditionCautions(const TimedStep& step,
                                 const yoga::type::v1::Routine& routine) {
  absl::Duration time;
  auto add = [&](const auto& cautions) {
    for (const auto& caution : cautions) {
      if (caution.action() != yoga::catalog::v1::CAUTION_ACTION_MENTION)
        continue;
      for (int condition : routine.conditions()) {
        if (caution.condition() == condition)
          time += SpeakingTime(caution.cue().text()) + absl::Milliseconds(2000);
      }
    }
  };
  add(step.pose->cautions());
  if (step.variation != nullptr) add(step.variation->cautions());
  return time;
}

}  // namespace

absl::Duration HoldDuration(const yoga::type::v1::HoldRange& range,
                            uint32_t count, absl::Duration breath) {
  switch (range.unit()) {
    case yoga::type::v1::HOLD_UNIT_SECONDS:
      return absl::Seconds(count);
    case yoga::type::v1::HOLD_UNIT_BREATHS:
      return static_cast<int64_t>(count) * breath;
    case yoga::type::v1::HOLD_UNIT_REPETITIONS:
      return static_cast<int64_t>(count) *
             static_cast<int64_t>(
                 std::max<uint32_t>(range.breaths_per_repetition(), 1)) *
             breath;
    default:
      return absl::ZeroDuration();
  }
}

absl::Duration TransitionDuration(const TimedStep* previous,
                                  const TimedStep& step) {
  const CueTimes& times = *step.cue_times;
  const int side = step.side;
  const absl::Duration breath = step.breath;
  const StepRelation relation =
      previous == nullptr ? StepRelation::kFirst
                          : Relate(previous->pose, previous->variation,
                                   previous->side, previous->set, step.pose,
                                   step.variation, step.side, step.set);
  absl::Duration time;
  if (previous != nullptr && relation != StepRelation::kDeepen) {
    const CueTimes& before = *previous->cue_times;
    time += kChime + before.release[previous->side] +
            before.release_movements[previous->side] * breath;
  }
  const bool sided = step.side != yoga::type::v1::SIDE_UNSPECIFIED;
  const absl::Duration side_word =
      sided ? Said("Right side.") : absl::ZeroDuration();
  int movements = 0;
  switch (relation) {
    case StepRelation::kNewPose:
      time += Said("Next pose.");
      if (ChangesHeight(previous->pose->position(), step.pose->position()))
        time += Said("Roll onto your side and press yourself up slowly.") +
                kChangeOfHeight;
      [[fallthrough]];
    case StepRelation::kFirst:
      time += times.name + side_word + times.cautions + times.setup[side];
      movements = times.setup_movements[side];
      break;
    case StepRelation::kOtherSide:
      if (step.pose->kind() == yoga::catalog::v1::POSE_KIND_STRENGTH_HOLD)
        time += std::max(kRestBeforeOtherSide, 2 * breath) +
                Said("Rest for a breath or two.");
      time += Said("Switch sides.") + side_word + times.setup_again[side];
      if (previous->variation != step.variation) time += times.name;
      movements = times.setup_again_movements[side];
      break;
    case StepRelation::kNextSet:
      time += std::max(kRestBetweenSets, 3 * breath) +
              Said("Rest here for a few breaths.") + Said("Set three.") +
              times.name + side_word + times.setup_again[side];
      movements = times.setup_again_movements[side];
      break;
    case StepRelation::kDeepen:
      time += Said("From here, go a little deeper.") + times.name +
              Deepening(*previous, step, &movements);
      break;
  }
  // Each movement waits up to a breath for its own, and the hold starts a
  // breath and a half after the last one began (less what is said after
  // it). A flow first goes through one slow round, then is announced just
  // before its first movement.
  time += movements * breath;
  if (movements > 0) {
    // (A strength hold says what follows its lift inside the hold.)
    const absl::Duration after =
        relation == StepRelation::kDeepen ||
                step.pose->kind() == yoga::catalog::v1::POSE_KIND_STRENGTH_HOLD
            ? absl::ZeroDuration()
            : times.after_last_movement[side];
    time += std::max(absl::ZeroDuration(), breath + breath / 2 - after);
  }
  if (catalog::IsFlow(*step.pose, step.variation))
    time += SlowRoundAndAnnouncement(step);
  return RoundUpToSecond(time);
}

void TimeRoutine(const PlanningCatalog& planning, absl::Duration breath,
                 yoga::type::v1::Routine& routine) {
  // Whole milliseconds, the session's clock: breaths stay on their beat.
  breath = absl::Trunc(breath, absl::Milliseconds(1));
  *routine.mutable_breath_length() = ToProto(breath);
  absl::Duration total;
  TimedStep previous{};
  bool first = true;
  for (RoutineStep& step : *routine.mutable_steps()) {
    if (step.set() == 0) step.set_set(1);
    const auto& pose = *planning.catalog().FindPose(step.pose_id());
    const auto* variation = catalog::FindVariation(pose, step.variation_id());
    const TimedStep timed{
        &pose,       variation,  &planning.TimesOf(pose, variation),
        step.side(), step.set(), breath};
    const auto& range = catalog::HoldOf(pose, variation);
    step.set_hold_unit(range.unit());
    const absl::Duration hold = HoldDuration(range, step.hold_count(), breath);
    absl::Duration transition =
        TransitionDuration(first ? nullptr : &previous, timed);
    if (first) transition += RoundUpToSecond(Opening(planning, routine));
    if (first || previous.pose != timed.pose)
      transition += RoundUpToSecond(ConditionCautions(timed, routine));
    *step.mutable_hold() = ToProto(hold);
    *step.mutable_transition() = ToProto(transition);
    total += hold + transition;
    previous = timed;
    first = false;
  }
  total += ClosingDuration(planning, routine);
  *routine.mutable_total_duration() = ToProto(total);
  routine.set_catalog_etag(planning.catalog().etag());
  routine.clear_id();  // The id is a hash of everything else.
  routine.set_id(ContentHashOf(routine));
}

absl::Duration ClosingDuration(const PlanningCatalog& planning,
                               const yoga::type::v1::Routine& routine) {
  if (routine.steps().empty()) return absl::ZeroDuration();
  const RoutineStep& step = *routine.steps().rbegin();
  const auto& pose = *planning.catalog().FindPose(step.pose_id());
  const auto* variation = catalog::FindVariation(pose, step.variation_id());
  const CueTimes& last = planning.TimesOf(pose, variation);
  const absl::Duration breath = absl::Trunc(
      FromProtoDuration(routine.breath_length()), absl::Milliseconds(1));
  return RoundUpToSecond(kChime + last.release[step.side()] +
                         last.release_movements[step.side()] * breath +
                         Said("You practised for twenty-five minutes,") +
                         Said("and moved through twenty poses.") +
                         Said("Well done. Your practice is complete."));
}

std::string RoutineId(const yoga::type::v1::Routine& routine) {
  yoga::type::v1::Routine content = routine;
  content.clear_id();
  return ContentHashOf(content);
}

}  // namespace yoga::planner
