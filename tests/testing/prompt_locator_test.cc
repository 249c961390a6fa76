#include "tests/testing/prompt_locator.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "client/audio/clip.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace yoga::testing {
namespace {

using ::testing::Each;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::yoga::client::audio::Clip;
using ::yoga::client::audio::ClipPtr;

constexpr int kRate = 48000;
constexpr float kPi = 3.14159265f;

// Uniform in [-1, 1) from the standard-defined mt19937 sequence, so every
// platform builds the same prompts.
float Uniform(std::mt19937& rng) {
  return static_cast<float>(rng() >> 8) / 8388608.0f - 1.0f;
}

// A speech-like prompt: a gliding voiced tone with a few harmonics plus
// smoothed noise, rising from near silence over 20 ms (the quiet start a
// trimmed recording keeps), then 100 ms of near silence at the end. The strong
// low frequencies make neighbouring frames look alike, as in speech.
ClipPtr MakePrompt(uint32_t seed, int body_ms) {
  std::mt19937 rng(seed);
  const float f0 = 110.0f + 15.0f * static_cast<float>(seed % 7);
  const float f1 = f0 * (1.2f + 0.05f * static_cast<float>(seed % 3));
  const int body = kRate * body_ms / 1000;
  const int rise = kRate * 20 / 1000;
  const int tail = kRate / 10;
  auto clip = std::make_shared<Clip>();
  clip->sample_rate = kRate;
  clip->samples.reserve(body + tail);
  float phase = 0.0f;
  float noise = 0.0f;
  for (int i = 0; i < body; ++i) {
    const float progress = static_cast<float>(i) / static_cast<float>(body);
    phase += 2.0f * kPi * (f0 + (f1 - f0) * progress) / kRate;
    noise = 0.95f * noise + 0.05f * Uniform(rng);
    const float voiced = std::sin(phase) + 0.5f * std::sin(2.0f * phase) +
                         0.25f * std::sin(3.0f * phase + 1.0f);
    const float level =
        i < rise ? 0.002f + 0.5f * static_cast<float>(i) / rise : 0.5f;
    clip->samples.push_back(level * (0.6f * voiced + 2.0f * noise));
  }
  for (int i = 0; i < tail; ++i) clip->samples.push_back(0.001f * Uniform(rng));
  return clip;
}

// A clip placed on a recording frame.
struct Placement {
  ClipPtr clip;
  int64_t frame = 0;
};

// What the mixer and the sound server make of the placements: each clip faded
// in and out over 2.5 ms as Mixer::Envelope does, scaled by `gain`, plus
// uniform noise of `noise` peak, optionally quantised to 16 bits.
std::vector<float> Render(const std::vector<Placement>& placements,
                          int64_t frames, float gain, float noise,
                          bool quantise) {
  std::vector<float> out(frames, 0.0f);
  const int64_t fade = kRate * 2500 / 1000000;
  for (const Placement& p : placements) {
    const int64_t length = static_cast<int64_t>(p.clip->samples.size());
    for (int64_t i = 0; i < length; ++i) {
      float envelope = 1.0f;
      if (i < fade) envelope *= static_cast<float>(i + 1) / fade;
      if (length - i < fade) envelope *= static_cast<float>(length - i) / fade;
      out[p.frame + i] += gain * envelope * p.clip->samples[i];
    }
  }
  std::mt19937 rng(12345);
  for (float& s : out) {
    s += noise * Uniform(rng);
    if (quantise) s = std::round(std::clamp(s, -1.0f, 1.0f) * 32767) / 32767;
  }
  return out;
}

class PromptLocatorTest : public ::testing::Test {
 protected:
  // The player's clock starts elsewhere than the recording.
  static constexpr int64_t kClockOrigin = 1'000'000;

  PromptLocatorTest() {
    for (uint32_t seed = 1; seed <= 6; ++seed) {
      prompts_.push_back(MakePrompt(seed, 250 + 40 * static_cast<int>(seed)));
    }
    // Small gaps, one of them 0 (prompts 1 and 2 back to back) and one of a
    // single frame.
    const std::vector<int64_t> gaps = {0, 2400, 0, 1, 9000, 480, 0};
    int64_t frame = kRate / 5;
    for (size_t i = 0; i < prompts_.size(); ++i) {
      frame += gaps[i];
      placements_.push_back({prompts_[i], frame});
      frame += static_cast<int64_t>(prompts_[i]->samples.size());
    }
    frames_ = frame + kRate / 5;
  }

  // What the player was asked to do, on its own clock.
  std::vector<ExpectedPrompt> Expected() const {
    std::vector<ExpectedPrompt> expected;
    for (const Placement& p : placements_) {
      expected.push_back({p.clip, p.frame + kClockOrigin});
    }
    return expected;
  }

  // Through the sound server: gain 0.8, low noise, 16-bit.
  std::vector<float> Recorded(const std::vector<Placement>& placements) const {
    return Render(placements, frames_, 0.8f, 2e-4f, true);
  }

  std::vector<ClipPtr> prompts_;
  std::vector<Placement> placements_;
  int64_t frames_ = 0;
};

TEST_F(PromptLocatorTest, LocatesEveryPromptOnItsExactFrame) {
  const std::vector<ExpectedPrompt> expected = Expected();
  absl::StatusOr<std::vector<LocatedPrompt>> located =
      LocatePrompts(Recorded(placements_), kRate, expected);
  ASSERT_TRUE(located.ok()) << located.status();
  ASSERT_EQ(located->size(), placements_.size());
  for (size_t i = 0; i < placements_.size(); ++i) {
    EXPECT_EQ((*located)[i].frame, placements_[i].frame) << "prompt " << i;
    EXPECT_GT((*located)[i].similarity, 0.99) << "prompt " << i;
  }
  EXPECT_THAT(IntervalErrors(*located, expected), Each(0));
  EXPECT_EQ(IntervalErrors(*located, expected).size(), expected.size() - 1);
}

TEST_F(PromptLocatorTest, ExactFloatRenderMatchesPerfectly) {
  absl::StatusOr<std::vector<LocatedPrompt>> located = LocatePrompts(
      Render(placements_, frames_, 1.0f, 0.0f, false), kRate, Expected());
  ASSERT_TRUE(located.ok()) << located.status();
  for (size_t i = 0; i < placements_.size(); ++i) {
    EXPECT_EQ((*located)[i].frame, placements_[i].frame) << "prompt " << i;
    EXPECT_NEAR((*located)[i].similarity, 1.0, 1e-5) << "prompt " << i;
  }
}

TEST_F(PromptLocatorTest, HandlesASecondOfLeadingSilence) {
  std::vector<Placement> shifted = placements_;
  for (Placement& p : shifted) p.frame += kRate;
  frames_ += kRate;
  absl::StatusOr<std::vector<LocatedPrompt>> located =
      LocatePrompts(Recorded(shifted), kRate, Expected());
  ASSERT_TRUE(located.ok()) << located.status();
  for (size_t i = 0; i < shifted.size(); ++i) {
    EXPECT_EQ((*located)[i].frame, shifted[i].frame) << "prompt " << i;
  }
  EXPECT_THAT(IntervalErrors(*located, Expected()), Each(0));
}

TEST_F(PromptLocatorTest, LatePromptGivesOppositeErrorsAroundIt) {
  std::vector<Placement> moved = placements_;
  moved[4].frame += 7;  // Into the 480-frame gap after prompt 4.
  const std::vector<ExpectedPrompt> expected = Expected();
  absl::StatusOr<std::vector<LocatedPrompt>> located =
      LocatePrompts(Recorded(moved), kRate, expected);
  ASSERT_TRUE(located.ok()) << located.status();
  EXPECT_EQ((*located)[4].frame, moved[4].frame);
  EXPECT_THAT(IntervalErrors(*located, expected), ElementsAre(0, 0, 0, 7, -7));
}

TEST_F(PromptLocatorTest, WrongPromptIsNotFoundByIndex) {
  std::vector<Placement> wrong = placements_;
  // Same length as the prompt it replaces, so the next gap stays the same.
  ClipPtr other = MakePrompt(99, 250 + 40 * 4);
  ASSERT_EQ(other->samples.size(), prompts_[3]->samples.size());
  wrong[3].clip = other;
  absl::StatusOr<std::vector<LocatedPrompt>> located =
      LocatePrompts(Recorded(wrong), kRate, Expected());
  EXPECT_EQ(located.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(located.status().message(),
              HasSubstr(absl::StrCat("prompt 3 (scheduled at frame ",
                                     Expected()[3].frame, ")")));
}

TEST_F(PromptLocatorTest, MissingPromptIsNotFoundByIndex) {
  std::vector<Placement> missing = placements_;
  missing.erase(missing.begin() + 2);
  absl::StatusOr<std::vector<LocatedPrompt>> located =
      LocatePrompts(Recorded(missing), kRate, Expected());
  EXPECT_EQ(located.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(located.status().message(), HasSubstr("prompt 2 "));
}

TEST_F(PromptLocatorTest, SilenceIsNotFound) {
  absl::StatusOr<std::vector<LocatedPrompt>> located =
      LocatePrompts(Recorded({}), kRate, Expected());
  EXPECT_EQ(located.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(located.status().message(), HasSubstr("prompt 0 "));
}

TEST_F(PromptLocatorTest, DriftBeyondTheSearchWindowIsNotFound) {
  std::vector<Placement> late = placements_;
  late[5].frame += 2000;  // Into the 200 ms of silence after it.
  LocateOptions options;
  options.search_frames = 1000;
  absl::StatusOr<std::vector<LocatedPrompt>> located =
      LocatePrompts(Recorded(late), kRate, Expected(), options);
  EXPECT_EQ(located.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(located.status().message(), HasSubstr("prompt 5 "));
}

TEST_F(PromptLocatorTest, RejectsEmptyInputsAndRateMismatches) {
  const std::vector<float> recording = Recorded(placements_);
  EXPECT_EQ(LocatePrompts({}, kRate, Expected()).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(LocatePrompts(recording, kRate, {}).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(LocatePrompts(recording, 44100, Expected()).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(LocatePrompts(recording, 0, Expected()).status().code(),
            absl::StatusCode::kInvalidArgument);

  std::vector<ExpectedPrompt> expected = Expected();
  auto resampled = std::make_shared<Clip>(*expected[2].clip);
  resampled->sample_rate = 44100;
  expected[2].clip = resampled;
  absl::StatusOr<std::vector<LocatedPrompt>> located =
      LocatePrompts(recording, kRate, expected);
  EXPECT_EQ(located.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(located.status().message(), HasSubstr("prompt 2"));

  expected = Expected();
  expected[1].clip = nullptr;
  EXPECT_EQ(LocatePrompts(recording, kRate, expected).status().code(),
            absl::StatusCode::kInvalidArgument);
  expected[1].clip = std::make_shared<Clip>(Clip{{}, kRate});
  EXPECT_EQ(LocatePrompts(recording, kRate, expected).status().code(),
            absl::StatusCode::kInvalidArgument);
  // Silent, and too short to match past the fade-in.
  expected[1].clip =
      std::make_shared<Clip>(Clip{std::vector<float>(4800, 0.0f), kRate});
  EXPECT_EQ(LocatePrompts(recording, kRate, expected).status().code(),
            absl::StatusCode::kInvalidArgument);
  expected[1].clip =
      std::make_shared<Clip>(Clip{std::vector<float>(200, 0.5f), kRate});
  EXPECT_EQ(LocatePrompts(recording, kRate, expected).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(IntervalErrorsTest, OneLessThanTheShorterInput) {
  const std::vector<ExpectedPrompt> expected = {
      {nullptr, 100}, {nullptr, 300}, {nullptr, 600}};
  EXPECT_THAT(IntervalErrors({{10, 1.0}, {212, 1.0}, {509, 1.0}}, expected),
              ElementsAre(2, -3));
  EXPECT_THAT(IntervalErrors({{10, 1.0}, {212, 1.0}}, expected),
              ElementsAre(2));
  EXPECT_TRUE(IntervalErrors({{10, 1.0}}, expected).empty());
  EXPECT_TRUE(IntervalErrors({}, expected).empty());
}

TEST(SummarizeTest, NearestRankPercentilesOfMagnitudes) {
  // |errors| are 1..200, half of them negative.
  std::vector<int64_t> errors;
  for (int64_t e = 200; e >= 1; --e) errors.push_back(e % 2 == 0 ? e : -e);
  const ErrorSummary summary = Summarize(errors);
  EXPECT_EQ(summary.count, 200u);
  EXPECT_EQ(summary.p50, 100.0);
  EXPECT_EQ(summary.p99, 198.0);
  EXPECT_EQ(summary.max, 200.0);

  // Ranks round up: 10 values, p50 is the 5th and p99 the 10th.
  const ErrorSummary small = Summarize({-5, 1, 0, 3, -2, 7, 0, 0, 1, -1});
  EXPECT_EQ(small.count, 10u);
  EXPECT_EQ(small.p50, 1.0);
  EXPECT_EQ(small.p99, 7.0);
  EXPECT_EQ(small.max, 7.0);

  const ErrorSummary one = Summarize({-4});
  EXPECT_EQ(one.p50, 4.0);
  EXPECT_EQ(one.p99, 4.0);

  const ErrorSummary none = Summarize({});
  EXPECT_EQ(none.count, 0u);
  EXPECT_EQ(none.max, 0.0);
}

}  // namespace
}  // namespace yoga::testing
