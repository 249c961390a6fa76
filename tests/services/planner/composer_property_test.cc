// Over 10,000 random requests, every composed routine keeps every rule and the
// duration bound, and every refusal names the constraint that blocks it.
#include <map>
#include <random>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/time_util.h"
#include "gtest/gtest.h"
#include "services/planner/composer.h"
#include "services/planner/routine_rules.h"
#include "tests/services/planner/planner_test_catalog.h"
#include "tests/services/planner/random_constraints.h"

namespace yoga::planner {
namespace {

using google::protobuf::util::TimeUtil;
using yoga::planner::v1::Constraints;
using yoga::type::v1::Routine;

absl::Duration Of(const google::protobuf::Duration& duration) {
  return absl::Milliseconds(TimeUtil::DurationToMilliseconds(duration));
}

// Through the warm-up and the main work, leaving out inserted counterposes,
// each body position is one contiguous run: the runner is not sent back to a
// position already left.
void ExpectGroupedByPosition(const Routine& routine) {
  const auto& catalog = testing::ShippedCatalog();
  std::vector<int> runs;
  for (const auto& step : routine.steps()) {
    if (step.phase() == yoga::type::v1::ROUTINE_PHASE_COOL_DOWN) continue;
    if (absl::StartsWith(step.reason(), "Counterpose")) continue;
    const int position = catalog.FindPose(step.pose_id())->position();
    if (runs.empty() || runs.back() != position) runs.push_back(position);
  }
  std::set<int> seen;
  for (int position : runs) {
    EXPECT_TRUE(seen.insert(position).second)
        << "position " << position << " comes back in "
        << routine.ShortDebugString();
  }
}

TEST(ComposerPropertyTest, TenThousandRandomRequestsKeepEveryRule) {
  const auto& catalog = testing::ShippedCatalog();
  std::mt19937_64 random(20261121);
  int composed = 0;
  std::map<std::string, int> refusals;
  for (int i = 0; i < 10000; ++i) {
    const Constraints constraints = testing::RandomConstraints(random);
    SCOPED_TRACE(constraints.ShortDebugString());
    absl::StatusOr<Routine> routine =
        ComposeRoutine(testing::ShippedPlanningCatalog(), constraints);
    if (!routine.ok()) {
      ASSERT_EQ(routine.status().code(), absl::StatusCode::kFailedPrecondition)
          << routine.status();
      const std::string message(routine.status().message());
      ASSERT_TRUE(absl::StartsWith(message, "constraints.")) << message;
      ++refusals[message.substr(0, message.find(':'))];
      continue;
    }
    ++composed;
    for (const RuleViolation& v :
         CheckRoutineRules(catalog, routine->steps())) {
      ADD_FAILURE() << "step " << v.step << " " << v.field << ": "
                    << v.description;
    }
    for (const RuleViolation& v :
         ConstraintViolations(catalog, constraints, *routine)) {
      ADD_FAILURE() << "step " << v.step << " " << v.field << ": "
                    << v.description;
    }
    const absl::Duration target = Of(constraints.target_duration());
    EXPECT_LE(absl::AbsDuration(Of(routine->total_duration()) - target),
              DurationTolerance(target));
    ASSERT_GE(routine->steps_size(), 2);
    EXPECT_EQ(routine->steps(0).phase(), yoga::type::v1::ROUTINE_PHASE_WARM_UP);
    EXPECT_EQ(routine->steps().rbegin()->phase(),
              yoga::type::v1::ROUTINE_PHASE_COOL_DOWN);
    int main_steps = 0;
    for (const auto& step : routine->steps()) {
      EXPECT_FALSE(step.reason().empty());
      if (step.phase() == yoga::type::v1::ROUTINE_PHASE_MAIN) ++main_steps;
    }
    EXPECT_GT(main_steps, 0);
    ExpectGroupedByPosition(*routine);
    if (i % 10 == 0) {  // Determinism: the same request gives the same bytes.
      EXPECT_EQ(ComposeRoutine(testing::ShippedPlanningCatalog(), constraints)
                    ->SerializeAsString(),
                routine->SerializeAsString());
    }
    if (::testing::Test::HasFailure()) return;
  }
  std::string summary;
  for (const auto& [field, count] : refusals)
    absl::StrAppend(&summary, field, "=", count, " ");
  std::cout << composed << " composed; refused: " << summary << "\n";
  EXPECT_GT(composed, 6000) << "refused: " << summary;
}

// Without constraints every length from 4 to 45 minutes can be composed, for
// every moment and level; shorter or longer targets either work or are refused
// on target_duration, saying what the catalog allows.
TEST(ComposerPropertyTest, EveryLengthWorksWithoutConstraints) {
  for (int seconds = 120; seconds <= 3600; seconds += 30) {
    Constraints constraints;
    *constraints.mutable_target_duration() =
        TimeUtil::SecondsToDuration(seconds);
    for (int moment = 1; moment <= 3; ++moment) {
      constraints.set_moment(static_cast<yoga::planner::v1::Moment>(moment));
      for (int level = 1; level <= 3; ++level) {
        constraints.set_max_level(static_cast<yoga::type::v1::Level>(level));
        auto routine =
            ComposeRoutine(testing::ShippedPlanningCatalog(), constraints);
        if (seconds >= 240 && seconds <= 45 * 60) {
          EXPECT_TRUE(routine.ok())
              << seconds << " s, moment " << moment << ", level " << level
              << ": " << routine.status();
        } else if (!routine.ok()) {
          EXPECT_THAT(std::string(routine.status().message()),
                      ::testing::StartsWith("constraints.target_duration: "));
        }
      }
    }
  }
}

}  // namespace
}  // namespace yoga::planner
