#include "services/planner/step_text.h"

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "services/common/enum_label.h"
#include "services/planner/pose_candidates.h"

namespace yoga::planner {
namespace {

using yoga::type::v1::BodyArea;

std::string AreaLabel(int area) { return EnumLabel<BodyArea>(area); }

// The class's length in whole minutes, as the runner would say it.
int64_t Minutes(absl::Duration target) {
  return absl::ToInt64Minutes(target + absl::Seconds(30));
}

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

// The focus areas the pose stretches or strengthens, in that order.
std::string FocusText(const std::set<int>& focus, const Version& version) {
  std::vector<std::string> areas;
  for (const auto* list :
       {&version.pose->stretches(), &version.pose->strengthens()}) {
    for (int area : *list) {
      if (focus.contains(area) && std::find(areas.begin(), areas.end(),
                                            AreaLabel(area)) == areas.end()) {
        areas.push_back(AreaLabel(area));
      }
    }
  }
  return absl::StrJoin(areas, " and ");
}

// Why the entry's pose is in the class.
std::string Reason(const std::set<int>& focus, const PlanEntry& entry) {
  const Version& version = entry.version;
  const std::string instead =
      version.replaced_name == nullptr
          ? ""
          : absl::StrCat("In place of ", *version.replaced_name, " (",
                         BlockerText(version.blocker), "). ");
  switch (entry.role) {
    case EntryRole::kWarmUp:
      return absl::StrCat(
          instead, "Warm-up: a flow with the breath to get the body moving.");
    case EntryRole::kCoolDown:
      return absl::StrCat(
          instead, "Cool-down: a restful finish to let the body settle.");
    case EntryRole::kCounterpose:
      return absl::StrCat("Counterpose after ", *entry.after,
                          ": brings the spine back to neutral.");
    case EntryRole::kMain: {
      const std::string focus_text = FocusText(focus, version);
      const bool strength =
          version.pose->kind() == yoga::catalog::v1::POSE_KIND_STRENGTH_HOLD;
      return absl::StrCat(
          instead, "Main work: ", strength ? "strengthens" : "works",
          focus_text.empty() ? " the whole body"
                             : absl::StrCat(" your ", focus_text),
          ".");
    }
  }
  return "";
}

}  // namespace

std::string ClassTitle(absl::Duration target, const std::set<int>& focus) {
  std::vector<std::string> areas;
  for (int area : focus) areas.push_back(AreaLabel(area));
  return absl::StrCat(Minutes(target), " minutes for your ",
                      absl::StrJoin(areas, " and "));
}

std::string NoWarmUpReason(absl::Duration target) {
  return absl::StrCat("No separate warm-up: a ", Minutes(target),
                      "-minute class has room only for main work and a "
                      "finish, so it starts here. ");
}

std::string StepReason(const ClassPlan& plan, const std::set<int>& focus,
                       const PlanEntry& entry, uint32_t set,
                       yoga::type::v1::Side side) {
  if (side == yoga::type::v1::SIDE_LEFT)
    return "Left side, the same hold as the right.";
  if (set > 1) return absl::StrCat("Set ", set, " of ", entry.sets, ".");
  if (entry.round > 1 && entry.role == EntryRole::kMain) {
    const int height = HeightOf(entry.version);
    return absl::StrCat("Round ", entry.round, " of ", plan.RoundsAt(height),
                        " of the ", HeightName(height), " sequence. ",
                        Reason(focus, entry));
  }
  return Reason(focus, entry);
}

}  // namespace yoga::planner
