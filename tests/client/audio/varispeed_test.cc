#include "client/audio/varispeed.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <thread>
#include <vector>

#include "client/audio/clip.h"
#include "client/audio/mixer.h"
#include "gtest/gtest.h"
#include "tests/client/audio/speech_clips.h"

namespace yoga::client::audio {
namespace {

constexpr double kPi = 3.14159265358979323846;

std::unique_ptr<Varispeed> MakeVarispeed(Mixer& mixer) {
  absl::StatusOr<std::unique_ptr<Varispeed>> varispeed =
      Varispeed::Create(mixer);
  EXPECT_TRUE(varispeed.ok()) << varispeed.status();
  return varispeed.ok() ? *std::move(varispeed) : nullptr;
}

// `frames` of a sine of `hz` at `rate`, amplitude 0.5, phase 0 at frame 0.
ClipPtr Sine(double hz, int frames, int rate) {
  auto clip = std::make_shared<Clip>();
  clip->sample_rate = rate;
  clip->samples.resize(frames);
  for (int i = 0; i < frames; ++i) {
    clip->samples[i] =
        static_cast<float>(0.5 * std::sin(2 * kPi * hz * i / rate));
  }
  return clip;
}

TEST(VarispeedTest, AtZeroPpmPlaysTheMixersOutput) {
  constexpr int kRate = 48000;
  absl::StatusOr<std::vector<ClipPtr>> speech = LoadSpeech(kRate);
  ASSERT_TRUE(speech.ok()) << speech.status();
  Mixer direct(kRate);
  Mixer mixer(kRate);
  std::unique_ptr<Varispeed> varispeed = MakeVarispeed(mixer);
  ASSERT_NE(varispeed, nullptr);
  int64_t start = 1000;
  for (const ClipPtr& clip : *speech) {
    ASSERT_TRUE(direct.Schedule(clip, start, 1));
    ASSERT_TRUE(mixer.Schedule(clip, start, 1));
    start += static_cast<int64_t>(clip->samples.size()) + kRate / 4;
  }
  const int frames = static_cast<int>(start);
  constexpr int kChannels = 2;
  constexpr int kBuffer = 480;
  std::vector<float> expected(frames), out(static_cast<size_t>(frames) * 2);
  for (int done = 0; done < frames; done += kBuffer) {
    const int n = std::min(kBuffer, frames - done);
    direct.Render(expected.data() + done, n, 1);
    varispeed->Render(out.data() + static_cast<size_t>(done) * kChannels, n,
                      kChannels);
    // No delay and no drift: output frame f plays schedule frame f.
    ASSERT_EQ(varispeed->MixerPositionAt(done + n), done + n);
    ASSERT_EQ(varispeed->MixerPositionAt(done), done);
  }
  double error_energy = 0.0, signal_energy = 0.0, largest_error = 0.0;
  for (int f = 0; f < frames; ++f) {
    ASSERT_EQ(out[2 * f], out[2 * f + 1]) << f;
    const double error = double{out[2 * f]} - expected[f];
    error_energy += error * error;
    signal_energy += double{expected[f]} * expected[f];
    largest_error = std::max(largest_error, std::abs(error));
  }
  const double snr_db = 10 * std::log10(signal_energy / error_energy);
  std::printf(
      "0 ppm vs Mixer::Render, %d frames of speech: SNR %.1f dB, "
      "largest error %.2e\n",
      frames, snr_db, largest_error);
  EXPECT_GT(snr_db, 60.0);
  EXPECT_LT(largest_error, 2e-3);
  EXPECT_EQ(mixer.stats().late, 0);
}

TEST(VarispeedTest, RampsToTheTargetWithoutSteps) {
  constexpr int kRate = 48000;
  constexpr int kBuffer = 480;  // 10 ms.
  Mixer mixer(kRate);
  std::unique_ptr<Varispeed> varispeed = MakeVarispeed(mixer);
  ASSERT_NE(varispeed, nullptr);
  std::vector<float> out(kBuffer);
  varispeed->Render(out.data(), kBuffer, 1);
  EXPECT_EQ(varispeed->speed_ppm(), 0.0);

  // At most kRampPpmPerSecond * 10 ms a buffer, never past the target.
  const double most = Varispeed::kRampPpmPerSecond * kBuffer / kRate + 1e-9;
  auto ramp = [&](double target, int buffers) {
    varispeed->SetSpeedPpm(target);
    for (int i = 0; i < buffers; ++i) {
      const double before = varispeed->speed_ppm();
      varispeed->Render(out.data(), kBuffer, 1);
      const double after = varispeed->speed_ppm();
      ASSERT_LE(std::abs(after - before), most) << i;
      ASSERT_LE(std::abs(after - target), std::abs(before - target)) << i;
    }
  };
  // 300 ppm takes 0.6 s.
  ramp(300.0, 59);
  EXPECT_LT(varispeed->speed_ppm(), 300.0);
  ramp(300.0, 2);
  EXPECT_EQ(varispeed->speed_ppm(), 300.0);
  EXPECT_DOUBLE_EQ(varispeed->position().mixer_frames_per_frame, 1.0003);

  // Clamped to -1000: 1300 ppm down takes 2.6 s.
  varispeed->SetSpeedPpm(-2000.0);
  EXPECT_EQ(varispeed->target_ppm(), -Varispeed::kMaxPpm);
  ramp(-Varispeed::kMaxPpm, 261);
  EXPECT_EQ(varispeed->speed_ppm(), -Varispeed::kMaxPpm);

  varispeed->SetSpeedPpm(std::nan(""));
  EXPECT_EQ(varispeed->target_ppm(), 0.0);
}

TEST(VarispeedTest, SpeedSetBeforeTheFirstRenderAppliesAtOnce) {
  Mixer mixer(48000);
  std::unique_ptr<Varispeed> varispeed = MakeVarispeed(mixer);
  ASSERT_NE(varispeed, nullptr);
  varispeed->SetSpeedPpm(-120.0);
  std::vector<float> out(256);
  varispeed->Render(out.data(), 256, 1);
  EXPECT_EQ(varispeed->speed_ppm(), -120.0);
  EXPECT_DOUBLE_EQ(varispeed->MixerPositionAt(256), 256 * (1 - 120e-6));
}

// A continuous sine (back-to-back clips of whole cycles) through a speed that
// swings between -500 and +500 ppm for two minutes: every output sample is
// the sine at the position Varispeed says plays there, so no frame was lost,
// repeated or misplaced.
TEST(VarispeedTest, PositionStaysExactOverALongRun) {
  constexpr int kRate = 16000;
  constexpr double kHz = 500.0;
  constexpr int kClipFrames = kRate;  // 500 whole cycles.
  constexpr int kMinutes = 2;
  Mixer mixer(kRate);
  std::unique_ptr<Varispeed> varispeed = MakeVarispeed(mixer);
  ASSERT_NE(varispeed, nullptr);
  const ClipPtr sine = Sine(kHz, kClipFrames, kRate);
  int64_t next_clip = 0;

  const double targets[] = {500, -500, 37, 0, -260, 499, -1, 120};
  std::vector<float> out(Varispeed::kStepFrames);
  int64_t written = 0;
  int64_t checked = 0;
  double largest_error = 0.0;
  double expected_position = 0.0;  // Sum of the speeds, frame by frame.
  for (int second = 0; second < kMinutes * 60; ++second) {
    varispeed->SetSpeedPpm(targets[(second / 15) % std::size(targets)]);
    for (int block = 0; block < kRate / Varispeed::kStepFrames; ++block) {
      while (next_clip < mixer.frames_rendered() + 4 * kClipFrames) {
        ASSERT_TRUE(mixer.Schedule(sine, next_clip, 1));
        next_clip += kClipFrames;
      }
      varispeed->Render(out.data(), Varispeed::kStepFrames, 1);
      // One step: one speed throughout.
      const Varispeed::Position end = varispeed->position();
      ASSERT_EQ(end.output_frame, written + Varispeed::kStepFrames);
      expected_position += Varispeed::kStepFrames * end.mixer_frames_per_frame;
      for (int i = 0; i < Varispeed::kStepFrames; ++i) {
        const double position =
            end.mixer_frame -
            (end.output_frame - (written + i)) * end.mixer_frames_per_frame;
        // Away from the clips' fades and the filter's reach over them.
        const double in_clip = std::fmod(position, kClipFrames);
        if (in_clip < 400 || in_clip > kClipFrames - 400) continue;
        const double want = 0.5 * std::sin(2 * kPi * kHz * position / kRate);
        largest_error = std::max(largest_error, std::abs(out[i] - want));
        ++checked;
      }
      written += Varispeed::kStepFrames;
    }
    mixer.Collect();
  }
  const double position = varispeed->MixerPositionAt(written);
  std::printf(
      "%d min at +-500 ppm: %lld frames checked, largest error %.2e, "
      "position %.6f (sum of speeds %.6f, output %lld)\n",
      kMinutes, static_cast<long long>(checked), largest_error, position,
      expected_position, static_cast<long long>(written));
  EXPECT_GT(checked, written * 9 / 10);
  // A whole frame off would be an error of 0.5 * 2 pi * 500 / 16000 = 0.1.
  EXPECT_LT(largest_error, 1e-3);
  EXPECT_NEAR(position, expected_position, 1e-5);
  EXPECT_EQ(mixer.stats().late, 0);
}

// While the Mixer is paused its clock stands still, and so does the position;
// a clip scheduled after the pause starts on the output frame whose position
// is its start frame.
TEST(VarispeedTest, PositionFollowsTheMixersPauses) {
  constexpr int kRate = 48000;
  Mixer mixer(kRate);
  std::unique_ptr<Varispeed> varispeed = MakeVarispeed(mixer);
  ASSERT_NE(varispeed, nullptr);
  varispeed->SetSpeedPpm(200.0);
  constexpr int kBlock = 64;
  std::vector<float> out;
  std::vector<Varispeed::Position> ends;  // After each block.
  auto render = [&](int blocks) {
    for (int i = 0; i < blocks; ++i) {
      out.resize(out.size() + kBlock);
      varispeed->Render(out.data() + out.size() - kBlock, kBlock, 1);
      ends.push_back(varispeed->position());
    }
  };
  render(kRate / kBlock);  // 1 s.
  mixer.SetPaused(true);
  render(kRate / 2 / kBlock);
  const double paused_at = varispeed->position().mixer_frame;
  EXPECT_EQ(paused_at, static_cast<double>(mixer.frames_rendered()));
  EXPECT_EQ(varispeed->position().mixer_frames_per_frame, 0.0);
  render(kRate / 2 / kBlock);
  EXPECT_EQ(varispeed->position().mixer_frame, paused_at);

  const int64_t start = mixer.frames_rendered() + kRate / 10;
  ASSERT_TRUE(mixer.Schedule(
      std::make_shared<Clip>(Clip{std::vector<float>(kRate / 10, 0.5f), kRate}),
      start, 1));
  mixer.SetPaused(false);
  render(kRate / kBlock);
  const auto first_sound =
      std::find_if(out.begin(), out.end(), [](float s) { return s > 1e-3f; });
  // Not before the resume.
  ASSERT_GE(first_sound - out.begin(), 2 * kRate);
  const auto onset = std::find_if(first_sound, out.end(), [](float s) {
    return s > 0.5f / 120 / 2;  // Half the fade-in's first step.
  });
  const int64_t onset_frame = onset - out.begin();
  const Varispeed::Position& end = ends[onset_frame / kBlock];
  const double position = end.mixer_frame - (end.output_frame - onset_frame) *
                                                end.mixer_frames_per_frame;
  // The converter's filter smears the onset over a frame or two.
  EXPECT_NEAR(position, static_cast<double>(start), 2.0);
}

TEST(VarispeedTest, ReadersNeverSeeATornPosition) {
  Mixer mixer(48000);
  std::unique_ptr<Varispeed> varispeed = MakeVarispeed(mixer);
  ASSERT_NE(varispeed, nullptr);
  std::atomic<bool> done{false};
  int64_t reads = 0, torn = 0, backwards = 0;
  std::thread reader([&] {
    int64_t last = 0;
    while (!done.load()) {
      const Varispeed::Position now = varispeed->position();
      // At 0 ppm, unpaused, from the start: the position is the frame.
      if (now.mixer_frame != static_cast<double>(now.output_frame)) ++torn;
      if (now.output_frame < last) ++backwards;
      last = now.output_frame;
      ++reads;
    }
  });
  std::vector<float> out(64);
  for (int i = 0; i < 5000; ++i) varispeed->Render(out.data(), 64, 1);
  done.store(true);
  reader.join();
  EXPECT_GT(reads, 0);
  EXPECT_EQ(torn, 0);
  EXPECT_EQ(backwards, 0);
}

}  // namespace
}  // namespace yoga::client::audio
