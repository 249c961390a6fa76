// OutputRate, which learns how fast a sound card takes frames from its
// reports of when frames play, on a simulated card: 175 ppm fast (as
// PulseAudio's null sink here), its reports jittered as through PulseAudio,
// with a stream's early first buffers, late callbacks and a stall.
#include "client/session/output_rate.h"

#include <cmath>
#include <cstdint>
#include <optional>
#include <random>
#include <vector>

#include "client/audio/dac_time.h"
#include "gtest/gtest.h"

namespace yoga::client {
namespace {

constexpr int kRate = 48000;
constexpr int kBuffer = 480;  // A callback every 10 ms.

class SimulatedCard {
 public:
  SimulatedCard(double ppm, double jitter_ms)
      : ppm_(ppm), jitter_(0, jitter_ms) {}

  // The report of the next callback: when its first frame plays, on the
  // monotonic clock, `late_ms` beyond the card's jitter.
  audio::DacTime Next(double late_ms = 0) {
    const double seconds = frames_ / (kRate * (1 + ppm_ / 1e6));
    const double ns = 1e9 * seconds + 1e6 * (jitter_(random_) + late_ms);
    audio::DacTime reading{frames_, start_ns_ + std::llround(ns)};
    frames_ += kBuffer;
    return reading;
  }
  // Runs `seconds` of callbacks into `rate`.
  void Play(OutputRate& rate, double seconds) {
    const int64_t end = frames_ + std::llround(seconds * kRate);
    while (frames_ < end) rate.Add(Next());
  }
  // The card stops for `ms`: every later frame plays that much later.
  void Stall(double ms) { start_ns_ += std::llround(ms * 1e6); }

 private:
  const double ppm_;
  std::mt19937 random_{7};
  std::normal_distribution<double> jitter_;
  int64_t frames_ = 0;
  int64_t start_ns_ = 5'000'000'000;
};

TEST(OutputRateTest, LearnsAFastCardWithinSecondsAndFinely) {
  OutputRate rate(kRate);
  SimulatedCard card(175.0, 0.1);
  card.Play(rate, 1.9);
  EXPECT_FALSE(rate.Ppm().has_value());  // The reports span under 2 s.
  card.Play(rate, 0.2);
  ASSERT_TRUE(rate.Ppm().has_value());
  EXPECT_NEAR(*rate.Ppm(), 175.0, 60.0);
  card.Play(rate, 8.0);
  EXPECT_NEAR(*rate.Ppm(), 175.0, 10.0);
  card.Play(rate, 110.0);  // The window is the last 20 s.
  EXPECT_NEAR(*rate.Ppm(), 175.0, 3.0);
  EXPECT_EQ(rate.restarts(), 0);
}

TEST(OutputRateTest, AStreamsEarlyFirstBuffersAndStrayReportsDoNotCount) {
  OutputRate rate(kRate);
  SimulatedCard card(-80.0, 0.1);
  // PulseAudio reports the first buffers (the prefill) 0.9 s before the
  // stream starts.
  for (int i = 0; i < 4; ++i) rate.Add(card.Next(-900.0));
  // Then one callback in ten is reported 3 ms late, and one 40 ms astray.
  for (int i = 0; i < 1000; ++i) {
    rate.Add(card.Next(i == 500 ? 40.0 : i % 10 == 3 ? 3.0 : 0.0));
  }
  ASSERT_TRUE(rate.Ppm().has_value());
  EXPECT_NEAR(*rate.Ppm(), -80.0, 10.0);
  EXPECT_EQ(rate.restarts(), 1);
}

TEST(OutputRateTest, AStallRestartsTheMeasurementAndKeepsTheRateMeanwhile) {
  OutputRate rate(kRate);
  SimulatedCard card(175.0, 0.1);
  card.Play(rate, 20.0);
  ASSERT_TRUE(rate.Ppm().has_value());
  card.Stall(50.0);
  card.Play(rate, 1.0);
  EXPECT_EQ(rate.restarts(), 1);
  ASSERT_TRUE(rate.Ppm().has_value());  // The last one, for half a window.
  EXPECT_NEAR(*rate.Ppm(), 175.0, 5.0);
  card.Play(rate, 8.0);
  EXPECT_NEAR(*rate.Ppm(), 175.0, 5.0);
  card.Play(rate, 2.0);
  // Across the stall every slope would be 2,500 ppm off.
  EXPECT_NEAR(*rate.Ppm(), 175.0, 10.0);
}

}  // namespace
}  // namespace yoga::client
