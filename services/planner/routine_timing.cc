#include "services/planner/routine_timing.h"

#include <cmath>
#include <cstdlib>

#include "absl/strings/str_split.h"
#include "google/protobuf/util/time_util.h"
#include "services/catalog/effective_pose.h"
#include "services/common/content_hash.h"

namespace yoga::planner {
namespace {

using yoga::catalog::v1::Cue;
using yoga::catalog::v1::Pose;
using yoga::type::v1::BodyPosition;
using yoga::type::v1::RoutineStep;

// Speaking pace used to leave room for cues: about 150 words a minute, with a
// short pause after each sentence.
constexpr absl::Duration kPerWord = absl::Milliseconds(400);
constexpr absl::Duration kAfterCue = absl::Milliseconds(600);
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

absl::Duration SpeakingTime(const Cue& cue) {
  const size_t words = std::vector<absl::string_view>(
                           absl::StrSplit(cue.text(), ' ', absl::SkipEmpty()))
                           .size();
  return static_cast<int64_t>(words) * kPerWord + kAfterCue;
}

// Speaking time of the cues of one phase that apply on `side`.
absl::Duration CuesTime(const google::protobuf::RepeatedPtrField<Cue>& cues,
                        yoga::type::v1::Side side, bool only_sided) {
  absl::Duration total;
  for (const Cue& cue : cues) {
    const bool sided = cue.side() != yoga::type::v1::SIDE_UNSPECIFIED;
    if (sided && cue.side() != side) continue;
    if (only_sided && !sided) continue;
    total += SpeakingTime(cue);
  }
  return total;
}

absl::Duration RoundUpToSecond(absl::Duration duration) {
  return absl::Seconds(std::ceil(absl::ToDoubleSeconds(duration)));
}

google::protobuf::Duration ToProto(absl::Duration duration) {
  return google::protobuf::util::TimeUtil::MillisecondsToDuration(
      absl::ToInt64Milliseconds(duration));
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

absl::Duration TransitionDuration(const catalog::Catalog& catalog,
                                  const RoutineStep* previous,
                                  const RoutineStep& step) {
  const Pose& pose = *catalog.FindPose(step.pose_id());
  const auto* variation = catalog::FindVariation(pose, step.variation_id());
  const auto& setup = catalog::SetupCuesOf(pose, variation);
  if (previous == nullptr) {
    // The runner starts standing.
    const int drop = Height(yoga::type::v1::BODY_POSITION_STANDING) -
                     Height(pose.position());
    return RoundUpToSecond(kFirstStepSettle + drop * kPerLevelOfHeight +
                           CuesTime(setup, step.side(), false));
  }
  const bool same_version = previous->pose_id() == step.pose_id() &&
                            previous->variation_id() == step.variation_id();
  if (same_version && previous->side() != step.side()) {
    // The other side: switch and hear only what differs by side.
    return RoundUpToSecond(kSideSwitch + CuesTime(setup, step.side(), true));
  }
  if (same_version) return kRestBetweenSets;  // Another set.
  const Pose& before = *catalog.FindPose(previous->pose_id());
  const auto* before_variation =
      catalog::FindVariation(before, previous->variation_id());
  absl::Duration moving =
      std::abs(Height(before.position()) - Height(pose.position())) *
      kPerLevelOfHeight;
  if (before.position() != pose.position()) moving += kNewPosition;
  return RoundUpToSecond(
      CuesTime(catalog::ReleaseCuesOf(before, before_variation),
               previous->side(), false) +
      moving + CuesTime(setup, step.side(), false));
}

void TimeRoutine(const catalog::Catalog& catalog, absl::Duration breath,
                 yoga::type::v1::Routine& routine) {
  absl::Duration total;
  const RoutineStep* previous = nullptr;
  for (RoutineStep& step : *routine.mutable_steps()) {
    const Pose& pose = *catalog.FindPose(step.pose_id());
    const auto& range = catalog::HoldOf(
        pose, catalog::FindVariation(pose, step.variation_id()));
    step.set_hold_unit(range.unit());
    const absl::Duration hold = HoldDuration(range, step.hold_count(), breath);
    const absl::Duration transition =
        TransitionDuration(catalog, previous, step);
    *step.mutable_hold() = ToProto(hold);
    *step.mutable_transition() = ToProto(transition);
    if (step.set() == 0) step.set_set(1);
    total += hold + transition;
    previous = &step;
  }
  *routine.mutable_total_duration() = ToProto(total);
  *routine.mutable_breath_length() = ToProto(breath);
  routine.set_catalog_etag(catalog.etag());
  routine.set_id(RoutineId(routine));
}

std::string RoutineId(const yoga::type::v1::Routine& routine) {
  yoga::type::v1::Routine content = routine;
  content.clear_id();
  return ContentHashOf(content);
}

}  // namespace yoga::planner
