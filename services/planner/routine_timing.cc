#include "services/planner/routine_timing.h"

#include <cmath>
#include <cstdlib>

#include "google/protobuf/util/time_util.h"
#include "services/catalog/effective_pose.h"
#include "services/common/content_hash.h"
#include "services/common/proto_time.h"

namespace yoga::planner {
namespace {

using yoga::type::v1::BodyPosition;
using yoga::type::v1::RoutineStep;

constexpr absl::Duration kFirstStepSettle = absl::Seconds(3);
constexpr absl::Duration kSideSwitch = absl::Seconds(3);
constexpr absl::Duration kRestBetweenSets = absl::Seconds(10);
constexpr absl::Duration kPerLevelOfHeight = absl::Seconds(4);
constexpr absl::Duration kNewPosition = absl::Seconds(3);

// How high the body is, for the effort of moving between positions.
int Height(BodyPosition position) {
  switch (position) {
    case yoga::type::v1::BODY_POSITION_STANDING:
      return 3;
    case yoga::type::v1::BODY_POSITION_KNEELING:
    case yoga::type::v1::BODY_POSITION_TABLETOP:
      return 2;
    case yoga::type::v1::BODY_POSITION_SEATED:
      return 1;
    default:
      return 0;
  }
}

absl::Duration RoundUpToSecond(absl::Duration duration) {
  return absl::Ceil(duration, absl::Seconds(1));
}

google::protobuf::Duration ToProto(absl::Duration duration) {
  return ToProtoDuration(duration);
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
  if (previous == nullptr) {
    // The runner starts standing.
    const int drop = Height(yoga::type::v1::BODY_POSITION_STANDING) -
                     Height(step.pose->position());
    return RoundUpToSecond(kFirstStepSettle + drop * kPerLevelOfHeight +
                           times.setup[step.side]);
  }
  const bool same_version =
      previous->pose == step.pose && previous->variation == step.variation;
  if (same_version && previous->side != step.side) {
    // The other side: switch and hear only what differs by side.
    return RoundUpToSecond(kSideSwitch + times.setup_sided[step.side]);
  }
  if (same_version) return kRestBetweenSets;  // Another set.
  absl::Duration moving = std::abs(Height(previous->pose->position()) -
                                   Height(step.pose->position())) *
                          kPerLevelOfHeight;
  if (previous->pose->position() != step.pose->position())
    moving += kNewPosition;
  return RoundUpToSecond(previous->cue_times->release[previous->side] + moving +
                         times.setup[step.side]);
}

void TimeRoutine(const PlanningCatalog& planning, absl::Duration breath,
                 yoga::type::v1::Routine& routine) {
  absl::Duration total;
  TimedStep previous{};
  bool first = true;
  for (RoutineStep& step : *routine.mutable_steps()) {
    const auto& pose = *planning.catalog().FindPose(step.pose_id());
    const auto* variation = catalog::FindVariation(pose, step.variation_id());
    const TimedStep timed{&pose, variation, &planning.TimesOf(pose, variation),
                          step.side()};
    const auto& range = catalog::HoldOf(pose, variation);
    step.set_hold_unit(range.unit());
    const absl::Duration hold = HoldDuration(range, step.hold_count(), breath);
    const absl::Duration transition =
        TransitionDuration(first ? nullptr : &previous, timed);
    *step.mutable_hold() = ToProto(hold);
    *step.mutable_transition() = ToProto(transition);
    if (step.set() == 0) step.set_set(1);
    total += hold + transition;
    previous = timed;
    first = false;
  }
  *routine.mutable_total_duration() = ToProto(total);
  *routine.mutable_breath_length() = ToProto(breath);
  routine.set_catalog_etag(planning.catalog().etag());
  routine.clear_id();  // The id is a hash of everything else.
  routine.set_id(ContentHashOf(routine));
}

std::string RoutineId(const yoga::type::v1::Routine& routine) {
  yoga::type::v1::Routine content = routine;
  content.clear_id();
  return ContentHashOf(content);
}

}  // namespace yoga::planner
