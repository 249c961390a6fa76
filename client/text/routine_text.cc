#include "client/text/routine_text.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "client/text/pose_text.h"

namespace yoga::client {
namespace {

std::string HoldText(const yoga::type::v1::RoutineStep& step) {
  switch (step.hold_unit()) {
    case yoga::type::v1::HOLD_UNIT_BREATHS:
      return absl::StrCat(step.hold_count(),
                          step.hold_count() == 1 ? " breath" : " breaths");
    case yoga::type::v1::HOLD_UNIT_REPETITIONS:
      // As the guide says them: "ten rounds, moving with the breath".
      return absl::StrCat(step.hold_count(),
                          step.hold_count() == 1 ? " round" : " rounds");
    default:
      return absl::StrCat(step.hold_count(), " s");
  }
}

}  // namespace

std::string FormatMinutes(int64_t seconds) {
  return absl::StrFormat("%d:%02d", seconds / 60, seconds % 60);
}

std::string FormatRoutine(const yoga::type::v1::Routine& routine,
                          const std::map<std::string, std::string>& names) {
  auto name_of = [&](const std::string& id) {
    auto it = names.find(id);
    return it == names.end() ? id : it->second;
  };
  std::string out = absl::StrCat(
      routine.title(), "  (", FormatMinutes(routine.total_duration().seconds()),
      ", routine ", routine.id(), ")\n");
  int64_t at = 0;
  for (const auto& step : routine.steps()) {
    at += step.transition().seconds();
    std::string what = name_of(
        step.variation_id().empty() ? step.pose_id() : step.variation_id());
    if (step.side() == yoga::type::v1::SIDE_RIGHT)
      absl::StrAppend(&what, ", right side");
    if (step.side() == yoga::type::v1::SIDE_LEFT)
      absl::StrAppend(&what, ", left side");
    absl::StrAppendFormat(&out, "  %6s  %-44s %-12s %s\n", FormatMinutes(at),
                          what, HoldText(step), step.reason());
    at += step.hold().seconds();
  }
  absl::StrAppend(&out, "  ", FormatMinutes(at), "  end\n");
  return out;
}

std::string FormatPresets(
    const yoga::planner::v1::ListPresetsResponse& presets) {
  std::string out;
  for (const auto& preset : presets.presets()) {
    absl::StrAppendFormat(
        &out, "%-28s %6s  %-26s %s\n", preset.id(),
        FormatMinutes(preset.routine().total_duration().seconds()),
        preset.source(), preset.title());
  }
  return out;
}

}  // namespace yoga::client
