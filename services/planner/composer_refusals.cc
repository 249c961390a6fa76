#include "services/planner/composer_refusals.h"

#include <cstddef>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "services/common/errors.h"

namespace yoga::planner {
namespace {

// The poses in the plan, the warm-up and finish marked, for a refusal to say
// what is left.
std::string WhatIsLeft(const ClassPlan& plan) {
  std::vector<std::string> names;
  for (size_t i = plan.warm_up ? 0 : 1; i < plan.entries.size(); ++i) {
    names.push_back(
        absl::StrCat(plan.entries[i].version.Name(), i == 0   ? " (warm-up)"
                                                     : i == 1 ? " (finish)"
                                                              : ""));
  }
  return absl::StrJoin(names, ", ");
}

}  // namespace

absl::Status RuledOut(absl::string_view what,
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
  return WithReason(
      absl::FailedPreconditionError(absl::StrCat(
          blocker, ": ", what,
          counts.empty()
              ? ""
              : absl::StrCat(" (", absl::StrJoin(counts, "; "), ")"))),
      "CONSTRAINTS_TOO_NARROW");
}

absl::Status NoMainPose(const ClassRequest& request, const ClassPlan& plan) {
  return RuledOut(absl::StrCat("no main pose is left between the warm-up and "
                               "the finish; the poses left are ",
                               WhatIsLeft(plan)),
                  request.candidates.main_blocks);
}

absl::Status TooLittleLeft(const ClassRequest& request, const ClassPlan& plan,
                           absl::Duration longest, bool repeatable) {
  return RuledOut(
      absl::StrCat("the poses left (", WhatIsLeft(plan), ") fill at most ",
                   absl::FormatDuration(longest),
                   " with every hold and set at its limit, short of the ",
                   absl::FormatDuration(request.target), " asked, and ",
                   repeatable ? "repeating a sequence would overshoot it"
                              : "no body height has two poses to repeat as a "
                                "sequence"),
      request.candidates.main_blocks);
}

absl::Status TooShort(absl::Duration target, absl::Duration shortest,
                      absl::Duration shortest_without) {
  return WithReason(
      absl::FailedPreconditionError(absl::StrCat(
          "constraints.target_duration: ", absl::FormatDuration(target),
          " is too short: with these constraints a warm-up, main work and a "
          "finish take at least ",
          absl::FormatDuration(shortest),
          shortest_without == absl::InfiniteDuration()
              ? ""
              : absl::StrCat(", and main work and a finish without a separate "
                             "warm-up at least ",
                             absl::FormatDuration(shortest_without)))),
      "TARGET_DURATION_TOO_SHORT");
}

absl::Status NoMixFits(absl::Duration target, absl::Duration tolerance) {
  return WithReason(
      absl::FailedPreconditionError(absl::StrCat(
          "constraints.target_duration: no mix of the allowed poses "
          "comes within ",
          absl::FormatDuration(tolerance), " of ",
          absl::FormatDuration(target))),
      "TARGET_DURATION_NOT_REACHABLE");
}

}  // namespace yoga::planner
