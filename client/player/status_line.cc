#include "client/player/status_line.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "client/text/routine_text.h"

namespace yoga::client {
namespace {

// "m:ss", rounding up so that "0:00" shows only at the very end.
std::string Clock(int64_t ms) {
  return FormatMinutes((std::max<int64_t>(ms, 0) + 999) / 1000);
}

}  // namespace

std::string FormatStatusLine(const PlayerState& state,
                             const yoga::type::v1::Routine& routine,
                             const yoga::session::v1::SessionTimeline& timeline,
                             const std::map<std::string, std::string>& names) {
  std::string line = state.paused ? "|| paused · " : "▶ ";
  if (!state.join_code.empty()) {
    absl::StrAppend(&line, "class ", state.join_code, " · ");
    if (state.mats >= 0)
      absl::StrAppend(&line, state.mats,
                      state.mats == 1 ? " mat · " : " mats · ");
  }
  const int steps = routine.steps_size();
  if (state.step_index < 0 || state.step_index >= steps) {
    absl::StrAppend(&line,
                    state.now_ms < state.end_ms / 2 ? "settle in" : "closing");
  } else {
    const auto& step = routine.steps(state.step_index);
    const std::string& id =
        step.variation_id().empty() ? step.pose_id() : step.variation_id();
    auto name = names.find(id);
    absl::StrAppend(&line, name == names.end() ? id : name->second);
    if (step.side() == yoga::type::v1::SIDE_LEFT)
      absl::StrAppend(&line, ", left side");
    if (step.side() == yoga::type::v1::SIDE_RIGHT)
      absl::StrAppend(&line, ", right side");
    if (state.step_index < timeline.steps_size()) {
      const auto& timing = timeline.steps(state.step_index);
      const int64_t hold_start = timing.hold_start_ms() + state.shift_ms;
      const int64_t hold_end = timing.hold_end_ms() + state.shift_ms;
      if (state.now_ms >= hold_start && state.now_ms < hold_end)
        absl::StrAppend(&line, " · hold ", Clock(hold_end - state.now_ms));
    }
    absl::StrAppend(&line, " · step ", state.step_index + 1, " of ", steps);
  }
  absl::StrAppend(&line, " · ", Clock(state.end_ms - state.now_ms), " left");
  absl::StrAppend(&line, " · vol ",
                  static_cast<int>(std::lround(state.volume * 100)), "%");
  return line;
}

}  // namespace yoga::client
