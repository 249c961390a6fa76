#include "client/session/drift_controller.h"

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include "absl/time/time.h"
#include "gtest/gtest.h"

namespace yoga::client {
namespace {

// A mat against the server: its error grows by (the crystal's drift + the
// correction) every second, the correction taking effect at once.
struct Mat {
  double drift_ppm = 0.0;
  double error_s = 0.0;  // + ahead of the server.
};

struct Step {
  double time_s;
  double error_s;  // Before the update.
  double ppm;      // The update's correction.
};

// Runs `seconds` of measurements every `interval` (1 s unless given), each
// with `noise` added to what the controller is told.
std::vector<Step> Measure(DriftController& controller, Mat& mat, double seconds,
                          double start_s = 0.0, double noise_s = 0.0,
                          double interval_s = 1.0) {
  std::mt19937 random(7);
  std::normal_distribution<double> gaussian(0.0, noise_s);
  std::vector<Step> steps;
  for (double t = start_s; t < start_s + seconds; t += interval_s) {
    const double told = mat.error_s + (noise_s > 0 ? gaussian(random) : 0.0);
    const DriftController::Correction correction = controller.Update(
        absl::UnixEpoch() + absl::Seconds(t), absl::Seconds(told));
    EXPECT_FALSE(correction.reanchor) << t;
    steps.push_back({t, mat.error_s, correction.ppm});
    mat.error_s += (mat.drift_ppm + correction.ppm) * 1e-6 * interval_s;
  }
  return steps;
}

double LargestError(const std::vector<Step>& steps, double from_s) {
  double largest = 0.0;
  for (const Step& step : steps) {
    if (step.time_s >= from_s) {
      largest = std::max(largest, std::abs(step.error_s));
    }
  }
  return largest;
}

// Times the correction turned back (moved one way, then the other), ignoring
// moves below 0.01 ppm.
int Reversals(const std::vector<Step>& steps) {
  int reversals = 0, direction = 0;
  for (size_t i = 1; i < steps.size(); ++i) {
    const double move = steps[i].ppm - steps[i - 1].ppm;
    if (std::abs(move) < 0.01) continue;
    const int now = move > 0 ? 1 : -1;
    if (direction != 0 && now != direction) ++reversals;
    direction = now;
  }
  return reversals;
}

// The loop as it runs after its young period, at one time constant (30 s):
// what the arithmetic in drift_controller.h describes.
DriftController::Options Settled() {
  DriftController::Options options;
  options.young_period = absl::ZeroDuration();
  return options;
}

// A mat's first clock estimate 2 ms off the next: the young loop (4 s) takes
// it out within seconds, where the settled one (30 s) leaves much of it for
// most of a minute.
TEST(DriftControllerTest, AYoungLoopFollowsAnEarlyPhaseErrorInSeconds) {
  for (bool young : {true, false}) {
    DriftController controller(young ? DriftController::Options() : Settled());
    Mat mat{.drift_ppm = 0.0, .error_s = 2e-3};
    const std::vector<Step> steps =
        Measure(controller, mat, 120.0, 0.0, 0.0, 0.5);
    // Young: 0.20 ms from 12 s on, 0.11 from 40 s; settled: 0.87 and 0.26.
    if (young) {
      EXPECT_LT(LargestError(steps, 12.0), 0.3e-3);
      EXPECT_LT(LargestError(steps, 40.0), 0.15e-3);
    } else {
      EXPECT_GT(LargestError(steps, 12.0), 0.6e-3);
      EXPECT_GT(LargestError(steps, 40.0), 0.2e-3);
    }
  }
}

// A card 175 ppm fast whose rate is known (fed forward) is slowed at once,
// past the slew limit, and the controller learns nothing of it; the same
// card unknown is chased for a minute, nearly 2 ms off at worst.
TEST(DriftControllerTest, AFedForwardRateIsFollowedAtOnce) {
  for (bool fed : {true, false}) {
    DriftController controller(Settled());
    Mat mat{.drift_ppm = 175.0};
    double largest_s = 0.0;
    for (double t = 0; t < 180; t += 0.5) {
      const DriftController::Correction correction =
          controller.Update(absl::UnixEpoch() + absl::Seconds(t),
                            absl::Seconds(mat.error_s), fed ? -175.0 : 0.0);
      ASSERT_FALSE(correction.reanchor) << t;
      if (fed && t == 0) EXPECT_DOUBLE_EQ(correction.ppm, -175.0);
      mat.error_s += (mat.drift_ppm + correction.ppm) * 1e-6 * 0.5;
      largest_s = std::max(largest_s, std::abs(mat.error_s));
    }
    if (fed) {
      EXPECT_LT(largest_s, 1e-9);
      EXPECT_NEAR(controller.learned_drift_ppm(), 0.0, 1e-6);
      EXPECT_NEAR(controller.ppm(), -175.0, 1e-6);
    } else {
      EXPECT_GT(largest_s, 1.5e-3);
      EXPECT_NEAR(controller.learned_drift_ppm(), 175.0, 5.0);
    }
  }
}

// With a feed-forward the whole correction still stays within max_ppm.
TEST(DriftControllerTest, AFeedForwardBeyondTheLimitIsClamped) {
  DriftController controller(Settled());
  Mat mat{.drift_ppm = 1100.0};
  for (double t = 0; t < 60; t += 0.5) {
    const DriftController::Correction correction =
        controller.Update(absl::UnixEpoch() + absl::Seconds(t),
                          absl::Seconds(mat.error_s), -1100.0);
    if (correction.reanchor) break;  // 100 ppm beyond reach: 20 ms in 200 s.
    EXPECT_GE(correction.ppm, -1000.0) << t;
    mat.error_s += (mat.drift_ppm + correction.ppm) * 1e-6 * 0.5;
  }
  EXPECT_DOUBLE_EQ(controller.ppm(), -1000.0);
}

// The feed-forward jumps while the controller's own part is held by its
// slew limit: the sum still stays within max_ppm.
TEST(DriftControllerTest, AFeedForwardJumpStaysWithinTheLimit) {
  DriftController controller(Settled());
  absl::Time now = absl::UnixEpoch();
  for (int i = 0; i < 10; ++i, now += absl::Milliseconds(500)) {
    controller.Update(now, absl::Milliseconds(4), 0.0);
  }
  ASSERT_LT(controller.ppm(), -200.0);  // Its own part, steering 4 ms.
  EXPECT_EQ(controller.Update(now, absl::Milliseconds(4), -900.0).ppm, -1000.0);
}

// While the mapping is moved instead, the speed is the feed-forward and the
// drift learned, and the silence adds nothing to the integral.
TEST(DriftControllerTest, HoldAppliesTheFeedForwardAndWhatWasLearned) {
  DriftController controller(Settled());
  Mat mat{.drift_ppm = 40.0};
  Measure(controller, mat, 600);
  const double learned = controller.learned_drift_ppm();
  ASSERT_NEAR(learned, 40.0, 1.0);
  EXPECT_NEAR(controller.Hold(-200.0).ppm, -200.0 - learned, 1e-9);
  EXPECT_NEAR(controller.Hold(0.0).ppm, -learned, 1e-9);
  EXPECT_EQ(controller.learned_drift_ppm(), learned);
}

// A drift learned comes to be fed forward (a class mat's clock sync came to
// know it): let go of, the correction stands where it stood, at once.
TEST(DriftControllerTest, ALearnedDriftHandedToTheFeedForwardCountsOnce) {
  DriftController controller(Settled());
  Mat mat{.drift_ppm = 40.0};
  Measure(controller, mat, 600);
  ASSERT_NEAR(controller.learned_drift_ppm(), 40.0, 1.0);
  const double before = controller.ppm();
  controller.SetLearnedDrift(0.0);
  EXPECT_EQ(controller.learned_drift_ppm(), 0.0);
  // A tenth of a second on: the slew limit (10 ppm then) moved with it.
  const double after = controller
                           .Update(absl::UnixEpoch() + absl::Seconds(599.1),
                                   absl::Seconds(mat.error_s), -40.0)
                           .ppm;
  EXPECT_NEAR(after, before, 1.0);
}

TEST(DriftControllerTest, FollowsACrystalFastOrSlowWithoutWobble) {
  for (const double drift : {100.0, -100.0, 60.0}) {
    SCOPED_TRACE(drift);
    DriftController controller(Settled());
    Mat mat{drift, 0.0};
    const std::vector<Step> steps = Measure(controller, mat, 20 * 60);
    // tau * drift / e = 1.1 ms for 100 ppm and the default 30 s.
    EXPECT_LT(LargestError(steps, 0), std::abs(drift) * 1.2e-5);
    EXPECT_LT(LargestError(steps, 180), 0.06e-3);
    EXPECT_LT(LargestError(steps, 300), 2e-6);
    EXPECT_NEAR(controller.ppm(), -drift, 0.01);
    EXPECT_NEAR(controller.learned_drift_ppm(), drift, 0.01);
    // One overshoot of the correction, of about e^-2.
    double most = 0.0;
    for (const Step& step : steps) most = std::max(most, std::abs(step.ppm));
    EXPECT_LT(most, std::abs(drift) * 1.16);
    EXPECT_LE(Reversals(steps), 1);
  }
}

TEST(DriftControllerTest, CorrectsAPhaseErrorWithOneSmallUndershoot) {
  DriftController::Options options = Settled();
  options.reanchor_beyond = absl::Milliseconds(20);  // 8 ms is steered.
  DriftController controller(options);
  Mat mat{0.0, 8e-3};
  const std::vector<Step> steps = Measure(controller, mat, 10 * 60);
  double lowest = 0.0;
  for (const Step& step : steps) lowest = std::min(lowest, step.error_s);
  EXPECT_GT(lowest, -0.2 * 8e-3);  // e^-2 = 14%.
  EXPECT_LT(LargestError(steps, 300), 10e-6);
  EXPECT_NEAR(controller.ppm(), 0.0, 0.05);
  EXPECT_LE(Reversals(steps), 2);
}

TEST(DriftControllerTest, CorrectionIsSlewLimitedAndBoundedWithoutWindup) {
  DriftController::Options options = Settled();
  options.max_ppm = 150.0;
  options.max_slew_ppm_per_second = 5.0;
  options.reanchor_beyond = absl::Milliseconds(20);
  DriftController controller(options);
  // 19 ms: just under the re-anchor threshold, 1270 ppm of proportional
  // correction asked for at once.
  Mat mat{0.0, 19e-3};
  const std::vector<Step> steps = Measure(controller, mat, 15 * 60);
  for (size_t i = 1; i < steps.size(); ++i) {
    ASSERT_LE(std::abs(steps[i].ppm - steps[i - 1].ppm), 5.0 + 1e-9) << i;
    ASSERT_LE(std::abs(steps[i].ppm), 150.0) << i;
  }
  EXPECT_EQ(steps[31].ppm, -150.0);  // At the limit after 30 s of slewing.
  double lowest = 0.0;
  for (const Step& step : steps) lowest = std::min(lowest, step.error_s);
  // The integral did not wind up while the limits held.
  EXPECT_GT(lowest, -0.2 * 19e-3);
  EXPECT_LT(LargestError(steps, 600), 20e-6);
}

TEST(DriftControllerTest, LargeErrorsAskForAReanchorAndTheDriftIsKept) {
  DriftController controller(Settled());
  Mat mat{100.0, 0.0};
  Measure(controller, mat, 600);
  const double learned = controller.learned_drift_ppm();
  const double ppm = controller.ppm();
  ASSERT_NEAR(learned, 100.0, 0.1);

  // A stall: the mat is 40 ms behind.
  for (const double error : {-40e-3, -40e-3, 25e-3}) {
    const DriftController::Correction correction = controller.Update(
        absl::UnixEpoch() + absl::Seconds(601), absl::Seconds(error));
    EXPECT_TRUE(correction.reanchor);
    EXPECT_EQ(correction.ppm, ppm);
    EXPECT_EQ(controller.learned_drift_ppm(), learned);
  }
  controller.Reanchored();
  mat.error_s = 0.0;
  // The crystal's drift is still corrected: the error stays tiny at once.
  const std::vector<Step> steps = Measure(controller, mat, 300, 602);
  EXPECT_LT(LargestError(steps, 0), 5e-6);
}

TEST(DriftControllerTest, IrregularMeasurementsAndGapsStillConverge) {
  DriftController controller(Settled());
  Mat mat{-80.0, 2e-3};
  std::mt19937 random(3);
  std::uniform_real_distribution<double> interval(0.3, 2.5);
  double t = 0.0;
  double largest_late = 0.0;
  while (t < 20 * 60) {
    const double dt = t > 400 && t < 401 ? 90.0 : interval(random);  // A gap.
    const DriftController::Correction correction = controller.Update(
        absl::UnixEpoch() + absl::Seconds(t), absl::Seconds(mat.error_s));
    ASSERT_FALSE(correction.reanchor) << t;
    if (t > 600) largest_late = std::max(largest_late, std::abs(mat.error_s));
    mat.error_s += (mat.drift_ppm + correction.ppm) * 1e-6 * dt;
    t += dt;
  }
  EXPECT_LT(largest_late, 0.1e-3);
  EXPECT_NEAR(controller.learned_drift_ppm(), -80.0, 1.0);
}

TEST(DriftControllerTest, NoisyMeasurementsKeepTheErrorSmall) {
  // 0.3 ms of Gaussian noise on every measurement (timestamps, the server's
  // clock as estimated).
  DriftController controller(Settled());
  Mat mat{100.0, 0.0};
  const std::vector<Step> steps =
      Measure(controller, mat, 20 * 60, 0.0, 0.3e-3);
  EXPECT_LT(LargestError(steps, 300), 0.5e-3);
  EXPECT_NEAR(controller.learned_drift_ppm(), 100.0, 5.0);
  double farthest = 0.0;
  for (const Step& step : steps) {
    if (step.time_s >= 300) {
      farthest = std::max(farthest, std::abs(step.ppm + 100.0));
    }
  }
  // The proportional part moves 2 / 30 ppm a microsecond: 20 ppm for one
  // standard deviation of the noise.
  EXPECT_LT(farthest, 70.0);
}

}  // namespace
}  // namespace yoga::client
