// Holds a teacher says, and the fit that chooses them.
#include "services/planner/hold_fit.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace yoga::planner {
namespace {

using ::testing::ElementsAre;
using yoga::type::v1::HoldRange;

HoldRange Range(yoga::type::v1::HoldUnit unit, uint32_t min, uint32_t usual,
                uint32_t max) {
  HoldRange range;
  range.set_unit(unit);
  range.set_min_count(min);
  range.set_default_count(usual);
  range.set_max_count(max);
  return range;
}

TEST(HoldFitTest, SecondsMoveInFiveSecondStepsAndBreathsInWholeOnes) {
  EXPECT_THAT(
      SpokenCounts(Range(yoga::type::v1::HOLD_UNIT_SECONDS, 15, 30, 32)),
      ElementsAre(15, 20, 25, 30));
  EXPECT_THAT(
      SpokenCounts(Range(yoga::type::v1::HOLD_UNIT_SECONDS, 12, 13, 14)),
      ElementsAre(12));  // No multiple of 5 inside: the catalog's min.
  EXPECT_THAT(SpokenCounts(Range(yoga::type::v1::HOLD_UNIT_BREATHS, 3, 5, 6)),
              ElementsAre(3, 4, 5, 6));
  EXPECT_EQ(NearestSpokenCount(
                Range(yoga::type::v1::HOLD_UNIT_SECONDS, 20, 45, 60), 47),
            45u);
  EXPECT_EQ(NearestSpokenCount(
                Range(yoga::type::v1::HOLD_UNIT_SECONDS, 20, 45, 60), 23),
            25u);
}

TEST(HoldFitTest, FitsTheBudgetWithSpokenCounts) {
  const HoldRange seconds =
      Range(yoga::type::v1::HOLD_UNIT_SECONDS, 30, 60, 120);
  const HoldRange breaths = Range(yoga::type::v1::HOLD_UNIT_BREATHS, 1, 5, 8);
  std::vector<HoldToFit> holds = {{&seconds, 2, 0}, {&breaths, 3, 0}};
  // Default: 2 x 60 s + 3 x 5 x 5 s = 195 s. Ask for 300 s within 10 s.
  EXPECT_EQ(
      FitHolds(holds, absl::Seconds(300), absl::Seconds(10), absl::Seconds(5)),
      HoldFit::kFitted);
  const int64_t total = 2 * holds[0].count + 3 * 5 * holds[1].count;
  EXPECT_LE(std::abs(total - 300), 10) << total;
  EXPECT_EQ(holds[0].count % 5, 0u);
  EXPECT_GE(holds[0].count, 30u);
  EXPECT_LE(holds[0].count, 120u);
  EXPECT_LE(holds[1].count, 8u);
}

TEST(HoldFitTest, SaysWhichWayItCannotFit) {
  const HoldRange seconds =
      Range(yoga::type::v1::HOLD_UNIT_SECONDS, 30, 60, 120);
  std::vector<HoldToFit> holds = {{&seconds, 1, 0}};
  EXPECT_EQ(
      FitHolds(holds, absl::Seconds(10), absl::Seconds(5), absl::Seconds(5)),
      HoldFit::kTooLong);
  EXPECT_EQ(holds[0].count, 30u);
  EXPECT_EQ(
      FitHolds(holds, absl::Seconds(300), absl::Seconds(5), absl::Seconds(5)),
      HoldFit::kTooShort);
  EXPECT_EQ(holds[0].count, 120u);
  EXPECT_EQ(HoldsAtLimit(holds, absl::Seconds(5), true), absl::Seconds(120));
}

}  // namespace
}  // namespace yoga::planner
