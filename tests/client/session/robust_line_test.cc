// The robust line fits shared by clock sync and the sound card's rate: each
// outvotes points far off the line, as delayed packets and late callbacks are.
#include "client/session/robust_line.h"

#include <random>
#include <vector>

#include "gtest/gtest.h"

namespace yoga::client {
namespace {

TEST(RobustLineTest, MedianOfAnEvenCountIsTheMeanOfTheMiddleTwo) {
  std::vector<double> values = {4.0, 1.0, 3.0, 2.0};
  EXPECT_DOUBLE_EQ(MedianOf(values), 2.5);
  std::vector<double> odd = {5.0, 1.0, 3.0};
  EXPECT_DOUBLE_EQ(MedianOf(odd), 3.0);
}

TEST(RobustLineTest, MedianSlopeAndInterceptOutvoteOutliers) {
  std::vector<double> x, y;
  for (int i = 0; i < 30; ++i) {
    x.push_back(i);
    y.push_back(2.0 * i - 7.0 + (i % 5 == 0 ? 100.0 : 0.0));
  }
  const double slope = MedianSlope(x, y, 3.0);
  EXPECT_DOUBLE_EQ(slope, 2.0);
  EXPECT_DOUBLE_EQ(MedianIntercept(x, y, slope), -7.0);
  // No pair spans 100: no slope.
  EXPECT_DOUBLE_EQ(MedianSlope(x, y, 100.0), 0.0);
}

TEST(RobustLineTest, HalvesMedianSlopeOutvotesOutliers) {
  std::vector<double> x, y;
  for (int i = 0; i < 100; ++i) {
    x.push_back(i);
    y.push_back(3.0 * i + 10.0 + (i % 7 == 0 ? 500.0 : 0.0));
  }
  EXPECT_DOUBLE_EQ(HalvesMedianSlope(x, y), 3.0);
  EXPECT_DOUBLE_EQ(HalvesMedianSlope({1.0}, {2.0}), 0.0);
  EXPECT_DOUBLE_EQ(HalvesMedianSlope({1.0, 3.0}, {2.0, 6.0}), 2.0);
}

// Delays: a floor rising 0.5 a step, every point but a few above it by up to
// 40, some far above. The floor's slope is found exactly, wherever asked.
TEST(RobustLineTest, FloorSlopeAtFindsTheFloorUnderPositiveNoise) {
  std::mt19937 random(3);
  std::uniform_real_distribution<double> noise(0.0, 40.0);
  std::vector<double> x, y;
  for (int i = 0; i < 200; ++i) {
    x.push_back(i);
    const bool on_floor = i == 5 || i == 90 || i == 120 || i == 195;
    y.push_back(0.5 * i + (on_floor ? 0.0 : noise(random)) +
                (i % 17 == 0 ? 5000.0 : 0.0));
  }
  EXPECT_DOUBLE_EQ(FloorSlopeAt(x, y, 100.0), 0.5);
  EXPECT_DOUBLE_EQ(FloorSlopeAt(x, y, 30.0), 0.5);
  EXPECT_DOUBLE_EQ(FloorSlopeAt(x, y, 190.0), 0.5);
  // A point under the rest bends the floor towards it.
  y[150] = 0.5 * 150 - 10;
  EXPECT_LT(FloorSlopeAt(x, y, 140.0), 0.5);
  EXPECT_GT(FloorSlopeAt(x, y, 160.0), 0.5);
  EXPECT_DOUBLE_EQ(FloorSlopeAt({1.0}, {2.0}, 1.0), 0.0);
  // Points out of order, or at one x: no 0 / 0.
  EXPECT_DOUBLE_EQ(
      FloorSlopeAt({0.0, 2.0, 1.0, 2.0}, {0.0, 2.0, 5.0, 1.0}, 1.0), 0.5);
}

}  // namespace
}  // namespace yoga::client
