// The whole clock-following loop, faster than real time: a 20-minute class of
// real prompts played by a Mixer through Varispeed into a simulated device
// whose crystal runs 100 ppm fast (or slow) against the server's clock, with
// a DriftController fed a measurement every second, as the client would.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <ctime>
#include <memory>
#include <random>
#include <vector>

#include "absl/time/time.h"
#include "client/audio/mixer.h"
#include "client/audio/varispeed.h"
#include "client/session/drift_controller.h"
#include "gtest/gtest.h"
#include "tests/client/audio/speech_clips.h"

namespace yoga::client {
namespace {

using audio::ClipPtr;
using audio::Mixer;
using audio::Varispeed;

// 8 kHz keeps the 20 minutes to about a second (the converter's cost is by
// the frame); nothing here depends on the rate.
constexpr int kRate = 8000;
constexpr int kBuffer = 128;  // Frames a device callback.
// Frames written but not yet at the DAC: the device's buffers.
constexpr int64_t kLatency = 3 * kBuffer;
constexpr double kClassSeconds = 20 * 60;
// What the measurements are off by: the DAC's timestamps and the server's
// clock as estimated (Gaussian, fixed seed).
constexpr double kNoiseSeconds = 0.1e-3;

struct ClassResult {
  double final_skew_s = 0.0;
  double largest_skew_s = 0.0;
  double largest_skew_after_3_min_s = 0.0;
  double final_ppm = 0.0;
  double learned_drift_ppm = 0.0;
  float largest_step = 0.0f;        // Of the output.
  float clips_largest_step = 0.0f;  // Of the prompts themselves.
  int64_t clips_scheduled = 0;
  int64_t clips_started = 0;
  int64_t clips_started_elsewhere = 0;  // Not on their scheduled frame.
  int64_t late = 0;
  int reanchors = 0;
  double render_seconds = 0.0;  // CPU time of the 20 minutes.
};

ClassResult PlayClass(double device_ppm) {
  ClassResult result;
  absl::StatusOr<std::vector<ClipPtr>> speech = audio::LoadSpeech(kRate);
  EXPECT_TRUE(speech.ok()) << speech.status();
  if (!speech.ok()) return result;
  for (const ClipPtr& clip : *speech) {
    result.clips_largest_step = std::max(
        result.clips_largest_step,
        audio::LargestStep(clip->samples.data(), clip->samples.size()));
  }

  Mixer mixer(kRate);
  absl::StatusOr<std::unique_ptr<Varispeed>> created = Varispeed::Create(mixer);
  EXPECT_TRUE(created.ok()) << created.status();
  if (!created.ok()) return result;
  Varispeed& varispeed = **created;
  DriftController controller;
  std::mt19937 random(11);
  std::normal_distribution<double> noise(0.0, kNoiseSeconds);

  // The timeline: the prompts in turn, 1.5 s of silence after each. Schedule
  // frame f is due at server time f / kRate (the anchor: frame 0 at time 0).
  int64_t next_start = kRate;
  size_t next_clip = 0;
  // Output frame n reaches the DAC at server time n / (kRate * (1 + ppm)).
  const double device_rate = kRate * (1.0 + device_ppm * 1e-6);
  double next_measurement_s = 1.0;
  std::vector<float> out(kBuffer);
  float previous = 0.0f;
  int64_t written = 0;

  const std::clock_t cpu_start = std::clock();
  for (;;) {
    while (next_start < mixer.frames_rendered() + 3 * kRate) {
      const ClipPtr& clip = (*speech)[next_clip++ % speech->size()];
      EXPECT_TRUE(mixer.Schedule(clip, next_start, next_clip));
      ++result.clips_scheduled;
      next_start += static_cast<int64_t>(clip->samples.size()) + kRate * 3 / 2;
    }
    varispeed.Render(out.data(), kBuffer, 1);
    written += kBuffer;
    for (float sample : out) {
      result.largest_step =
          std::max(result.largest_step, std::abs(sample - previous));
      previous = sample;
    }

    const int64_t dac_frame = written - kLatency;
    const double now_s = static_cast<double>(dac_frame) / device_rate;
    if (now_s < next_measurement_s) continue;
    next_measurement_s += 1.0;
    // Where the schedule clock is at the DAC against where the server's
    // clock says it should be.
    const double skew_s = varispeed.MixerPositionAt(dac_frame) / kRate - now_s;
    result.largest_skew_s = std::max(result.largest_skew_s, std::abs(skew_s));
    if (now_s >= 180) {
      result.largest_skew_after_3_min_s =
          std::max(result.largest_skew_after_3_min_s, std::abs(skew_s));
    }
    result.final_skew_s = skew_s;
    const DriftController::Correction correction =
        controller.Update(absl::UnixEpoch() + absl::Seconds(now_s),
                          absl::Seconds(skew_s + noise(random)));
    if (correction.reanchor) ++result.reanchors;
    varispeed.SetSpeedPpm(correction.ppm);
    for (const Mixer::Started& started : mixer.TakeStarted()) {
      ++result.clips_started;
      if (started.frame != started.scheduled_frame) {
        ++result.clips_started_elsewhere;
      }
    }
    if (now_s >= kClassSeconds) break;
  }
  result.render_seconds =
      static_cast<double>(std::clock() - cpu_start) / CLOCKS_PER_SEC;
  result.final_ppm = varispeed.speed_ppm();
  result.learned_drift_ppm = controller.learned_drift_ppm();
  result.late = mixer.stats().late;
  std::printf(
      "device %+.0f ppm, 20 min in %.2f s of CPU: skew %.1f us at the end, "
      "largest "
      "%.0f us (%.0f us after 3 min); speed %+.1f ppm, drift learned %+.2f "
      "ppm; largest step %.4f "
      "(prompts' own %.4f); %lld prompts\n",
      device_ppm, result.render_seconds, result.final_skew_s * 1e6,
      result.largest_skew_s * 1e6, result.largest_skew_after_3_min_s * 1e6,
      result.final_ppm, result.learned_drift_ppm, result.largest_step,
      result.clips_largest_step, static_cast<long long>(result.clips_started));
  return result;
}

void ExpectFollowsTheServer(const ClassResult& result, double device_ppm) {
  // Well inside 1 ms at the end, and after converging.
  EXPECT_LT(std::abs(result.final_skew_s), 0.1e-3);
  EXPECT_LT(result.largest_skew_after_3_min_s, 0.2e-3);
  // While converging: tau * 100 ppm / e = 1.1 ms at most.
  EXPECT_LT(result.largest_skew_s, 1.5e-3);
  // The correction is the crystal's drift, undone; the measurements' noise
  // moves it by 2 / tau ppm a microsecond (7 ppm for 0.1 ms).
  EXPECT_NEAR(result.learned_drift_ppm, device_ppm, 2.0);
  EXPECT_NEAR(result.final_ppm, -device_ppm, 30.0);
  // No click: the output never steps further than speech itself does.
  EXPECT_GT(result.clips_largest_step, 0.0f);
  EXPECT_LE(result.largest_step, result.clips_largest_step);
  // Every prompt began on its frame.
  EXPECT_GT(result.clips_started, 200);
  EXPECT_EQ(result.clips_started_elsewhere, 0);
  EXPECT_EQ(result.late, 0);
  EXPECT_EQ(result.reanchors, 0);
}

TEST(DriftLoopTest, ClassFollowsTheServerOnADevice100PpmFast) {
  ExpectFollowsTheServer(PlayClass(100.0), 100.0);
}

TEST(DriftLoopTest, ClassFollowsTheServerOnADevice100PpmSlow) {
  ExpectFollowsTheServer(PlayClass(-100.0), -100.0);
}

}  // namespace
}  // namespace yoga::client
