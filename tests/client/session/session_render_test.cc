#include "client/session/session_render.h"

#include <unistd.h>

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "client/audio/audio_file.h"
#include "client/audio/clip.h"
#include "client/audio/voice_pack_audio.h"
#include "gmock/gmock.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"
#include "services/common/proto_time.h"
#include "services/planner/custom_routine.h"
#include "services/session/timeline_builder.h"
#include "services/session/voice_pack.h"
#include "tests/services/planner/planner_test_catalog.h"
#include "tests/testing/prompt_locator.h"

namespace yoga::client {
namespace {

using ::testing::HasSubstr;
using yoga::session::v1::SessionTimeline;

constexpr int kRate = 48000;
constexpr int kFramesPerMs = kRate / 1000;
constexpr int64_t kTailMs = 500;         // Silence after the timeline.
constexpr int kEdge = 3 * kFramesPerMs;  // Past the mixer's 2.5 ms fades.
// One step of 16-bit quantisation, and float rounding.
constexpr float kQuantum = 1.0f / 32767 + 1e-6f;

// A short custom routine, built and timed by the planner as the session
// service has it built for an inline routine: a 10 s standing hold, then a
// seated twist on each side, with a 3 s breath and a 1 s lead-in, spoken in
// full.
constexpr char kRoutine[] = R"pb(
  title: "Render check"
  breath_length { seconds: 3 }
  steps { pose_id: "standing-hamstring-stretch" hold_count: 10 }
  steps { pose_id: "seated-twist" side: SIDE_RIGHT hold_count: 5 }
  steps { pose_id: "seated-twist" side: SIDE_LEFT hold_count: 5 }
)pb";

const SessionTimeline& ShortTimeline() {
  static const SessionTimeline* timeline = [] {
    yoga::planner::v1::CustomRoutine custom;
    if (!google::protobuf::TextFormat::ParseFromString(kRoutine, &custom)) {
      std::abort();
    }
    auto routine = planner::BuildCustomRoutine(
        planner::testing::ShippedPlanningCatalog(), custom);
    if (!routine.ok()) {
      std::cerr << routine.status() << "\n";
      std::abort();
    }
    auto packs = session::LoadVoicePacks(YOGA_SOURCE_DIR "/assets/voice");
    if (!packs.ok()) {
      std::cerr << packs.status() << "\n";
      std::abort();
    }
    const session::PromptDurations& durations =
        *packs->at(session::kDefaultVoicePack);
    session::TimelineBuilder builder(planner::testing::ShippedCatalog(),
                                     durations);
    auto built = builder.Build(*routine, {.lead_in = absl::Seconds(1)});
    if (!built.ok()) {
      std::cerr << built.status() << "\n";
      std::abort();
    }
    return new SessionTimeline(built->ToProto());
  }();
  return *timeline;
}

absl::flat_hash_set<std::string> KeysOf(const SessionTimeline& timeline) {
  absl::flat_hash_set<std::string> keys;
  for (const auto& cue : timeline.cues()) keys.insert(cue.prompt_key());
  return keys;
}

// Every prompt of the short timeline, at 48 kHz.
const audio::VoicePackAudio& Voice() {
  static const audio::VoicePackAudio* voice = [] {
    auto loaded =
        audio::LoadVoicePackAudio(YOGA_SOURCE_DIR "/assets/voice/default",
                                  kRate, KeysOf(ShortTimeline()));
    if (!loaded.ok()) {
      std::cerr << loaded.status() << "\n";
      std::abort();
    }
    return new audio::VoicePackAudio(*std::move(loaded));
  }();
  return *voice;
}

// The first frame of [from, to) that is not exactly silent; `to` if none.
int64_t FirstSound(const std::vector<float>& out, int64_t from, int64_t to) {
  for (int64_t f = from; f < to; ++f) {
    if (out[f] != 0.0f) return f;
  }
  return to;
}

// The first sample p of [kEdge, length - kEdge) where `out` from `frame`
// differs from `clip` by more than kQuantum; length - kEdge if none.
int64_t FirstDifference(const std::vector<float>& out, int64_t frame,
                        const audio::Clip& clip) {
  const int64_t length = static_cast<int64_t>(clip.samples.size());
  for (int64_t p = kEdge; p < length - kEdge; ++p) {
    if (std::abs(out[frame + p] - clip.samples[p]) > kQuantum) return p;
  }
  return length - kEdge;
}

class SessionRenderTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { Voice(); }

  SessionRenderTest()
      : dir_(std::filesystem::path(::testing::TempDir()) /
             absl::StrCat("session_render_test.", getpid())) {
    std::filesystem::create_directories(dir_);
  }
  ~SessionRenderTest() override {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }

  std::string PathOf(const std::string& name) const {
    return (dir_ / name).string();
  }

  std::filesystem::path dir_;
};

TEST_F(SessionRenderTest, EveryPromptIsOnItsFrameAndNothingElseSounds) {
  const SessionTimeline& timeline = ShortTimeline();
  const int64_t duration_ms =
      absl::ToInt64Milliseconds(FromProtoDuration(timeline.duration()));
  ASSERT_GE(timeline.cues_size(), 20);
  const std::string path = PathOf("session.wav");
  std::vector<double> progress;
  absl::StatusOr<RenderResult> result = RenderSession(
      timeline, Voice(), path, [&](double done) { progress.push_back(done); });
  ASSERT_TRUE(result.ok()) << result.status();
  std::cout << timeline.cues_size() << " prompts, " << duration_ms
            << " ms of session rendered in " << result->took << "\n";

  const int64_t total = (duration_ms + kTailMs) * kFramesPerMs;
  EXPECT_EQ(result->frames, total);
  EXPECT_EQ(result->sample_rate, kRate);
  EXPECT_FALSE(std::filesystem::exists(path + ".part"));
  ASSERT_FALSE(progress.empty());
  for (size_t i = 1; i < progress.size(); ++i) {
    EXPECT_GT(progress[i], progress[i - 1]);
  }
  EXPECT_LE(progress.back(), 1.0);

  // Every prompt listed, in order, on FrameOf(offset) with 0 at frame 0.
  ASSERT_EQ(result->prompts.size(), static_cast<size_t>(timeline.cues_size()));
  for (int i = 0; i < timeline.cues_size(); ++i) {
    EXPECT_EQ(result->prompts[i].cue.seq(), timeline.cues(i).seq());
    EXPECT_EQ(result->prompts[i].frame,
              timeline.cues(i).offset_ms() * kFramesPerMs)
        << "cue " << timeline.cues(i).seq();
  }

  absl::StatusOr<audio::Clip> wav = audio::DecodeAudioFile(path);
  ASSERT_TRUE(wav.ok()) << wav.status();
  EXPECT_EQ(wav->sample_rate, kRate);
  ASSERT_EQ(static_cast<int64_t>(wav->samples.size()), total);

  // Each clip sample for sample between its fades; exact silence between.
  const std::vector<float>& out = wav->samples;
  std::vector<testing::ExpectedPrompt> expected;
  int64_t silent_from = 0;
  for (const auto& cue : timeline.cues()) {
    const audio::ClipPtr clip = Voice().Find(cue.prompt_key());
    ASSERT_NE(clip, nullptr) << cue.prompt_key();
    const int64_t frame = cue.offset_ms() * kFramesPerMs;
    const int64_t length = static_cast<int64_t>(clip->samples.size());
    ASSERT_LE(frame + length, total) << "cue " << cue.seq();
    ASSERT_GE(frame, silent_from)
        << "cue " << cue.seq() << " (" << cue.prompt_key()
        << ") starts before the prompt ahead of it ends";
    EXPECT_EQ(FirstSound(out, silent_from, frame), frame)
        << "before cue " << cue.seq() << " (" << cue.prompt_key() << ")";
    const int64_t bad = FirstDifference(out, frame, *clip);
    EXPECT_EQ(bad, length - kEdge)
        << "cue " << cue.seq() << " (" << cue.prompt_key() << ") at frame "
        << frame << ": sample " << bad << " is " << out[frame + bad]
        << ", want " << clip->samples[bad];
    silent_from = frame + length;
    expected.push_back({clip, frame});
  }
  EXPECT_EQ(FirstSound(out, silent_from, total), total) << "after the end";

  // And as the end-to-end test finds prompts in a recording: no drift.
  absl::StatusOr<std::vector<testing::LocatedPrompt>> located =
      testing::LocatePrompts(wav->samples, kRate, expected,
                             // 10 ms either way is plenty, and fast.
                             {.search_frames = 10 * kFramesPerMs});
  ASSERT_TRUE(located.ok()) << located.status();
  ASSERT_EQ(located->size(), expected.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ((*located)[i].frame, expected[i].frame) << "prompt " << i;
    EXPECT_GT((*located)[i].similarity, 0.99) << "prompt " << i;
  }
  const std::vector<int64_t> errors =
      testing::IntervalErrors(*located, expected);
  EXPECT_EQ(errors.size(), expected.size() - 1);
  EXPECT_THAT(errors, ::testing::Each(0));
}

TEST_F(SessionRenderTest, ATimelineWithoutCuesIsRefused) {
  SessionTimeline empty;
  *empty.mutable_duration() = ShortTimeline().duration();
  const std::string path = PathOf("empty.wav");
  EXPECT_EQ(RenderSession(empty, Voice(), path).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_FALSE(std::filesystem::exists(path));
  EXPECT_FALSE(std::filesystem::exists(path + ".part"));
}

TEST_F(SessionRenderTest, APromptTheVoiceLacksIsNotFoundAndWritesNothing) {
  SessionTimeline timeline = ShortTimeline();
  timeline.mutable_cues(3)->set_prompt_key("no.such.prompt");
  const std::string path = PathOf("lacking.wav");
  const absl::Status status = RenderSession(timeline, Voice(), path).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(status.message()), HasSubstr("no.such.prompt"));
  EXPECT_FALSE(std::filesystem::exists(path));
  EXPECT_FALSE(std::filesystem::exists(path + ".part"));
}

TEST_F(SessionRenderTest, AFolderThatIsNotThereIsUnavailable) {
  const std::string path = PathOf("missing/session.wav");
  const absl::Status status =
      RenderSession(ShortTimeline(), Voice(), path).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(std::string(status.message()), HasSubstr(path));
  EXPECT_FALSE(std::filesystem::exists(path + ".part"));
  EXPECT_FALSE(std::filesystem::exists(PathOf("missing")));
}

TEST_F(SessionRenderTest, APathThatCannotBeReplacedLeavesNoPartFile) {
  // A folder where the file should go: the render completes into the .part
  // file, whose rename then fails.
  const std::string path = PathOf("taken");
  std::filesystem::create_directories(std::filesystem::path(path) / "inside");
  const absl::Status status =
      RenderSession(ShortTimeline(), Voice(), path).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(std::string(status.message()), HasSubstr(path));
  EXPECT_FALSE(std::filesystem::exists(path + ".part"));
  EXPECT_TRUE(
      std::filesystem::is_directory(std::filesystem::path(path) / "inside"));
}

}  // namespace
}  // namespace yoga::client
