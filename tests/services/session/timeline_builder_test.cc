#include "services/session/timeline_builder.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/common/enum_label.h"
#include "services/common/proto_time.h"
#include "services/planner/composer.h"
#include "services/session/cue_text.h"
#include "tests/services/planner/random_constraints.h"
#include "tests/services/session/session_test_routines.h"

namespace yoga::session {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using yoga::session::v1::CueEvent;
using yoga::session::v1::Verbosity;
using yoga::type::v1::Routine;

const std::string kGoldenDir = YOGA_SOURCE_DIR "/tests/services/session/golden";

Timeline BuildOrDie(
    const Routine& routine, TimelineOptions options = {},
    const PromptDurations& durations = PromptDurations(kDefaultVoicePack)) {
  TimelineBuilder builder(testing::ShippedCatalog(), durations);
  absl::StatusOr<Timeline> timeline = builder.Build(routine, options);
  EXPECT_TRUE(timeline.ok()) << timeline.status();
  return timeline.ok() ? *std::move(timeline) : Timeline();
}

int64_t Ms(const google::protobuf::Duration& duration) {
  return absl::ToInt64Milliseconds(FromProtoDuration(duration));
}

// Every guarantee of timeline_builder.h, for one routine.
void ExpectTimelineKeepsItsPromises(const Routine& routine,
                                    const Timeline& timeline) {
  ASSERT_FALSE(timeline.cues.empty());
  ASSERT_EQ(timeline.steps.size(), static_cast<size_t>(routine.steps_size()));
  for (size_t i = 0; i < timeline.cues.size(); ++i) {
    const CueEvent& cue = timeline.cues[i];
    ASSERT_EQ(cue.seq(), static_cast<int64_t>(i) + 1);
    ASSERT_GT(cue.duration_ms(), 0);
    ASSERT_FALSE(cue.prompt_key().empty());
    if (i == 0) continue;
    const CueEvent& before = timeline.cues[i - 1];
    ASSERT_GT(cue.offset_ms(), before.offset_ms()) << "cue " << i;
    ASSERT_GE(cue.offset_ms(), before.offset_ms() + before.duration_ms())
        << "cue " << i << " (" << cue.prompt_key() << ") starts while "
        << before.prompt_key() << " still plays";
  }
  EXPECT_EQ(timeline.cues.back().kind(), yoga::session::v1::CUE_KIND_END);
  EXPECT_EQ(timeline.end_ms, timeline.EndOf(timeline.cues.size() - 1));
  // Each hold lasts its planned time: HOLD_START to the chime that ends it.
  std::map<std::pair<std::string, std::string>, std::map<int, int64_t>> sides;
  for (int i = 0; i < routine.steps_size(); ++i) {
    const auto& step = routine.steps(i);
    const TimelineStep& placed = timeline.steps[i];
    const CueEvent& start = timeline.cues[placed.hold_start_cue];
    const CueEvent& end = timeline.cues[placed.hold_end_cue];
    EXPECT_EQ(start.kind(), yoga::session::v1::CUE_KIND_HOLD_START);
    EXPECT_EQ(end.kind(), yoga::session::v1::CUE_KIND_CHIME);
    EXPECT_EQ(start.step_index(), i);
    EXPECT_EQ(end.step_index(), i);
    EXPECT_NEAR(end.offset_ms() - start.offset_ms(), Ms(step.hold()), 50)
        << "step " << i;
    EXPECT_EQ(timeline.cues[placed.first_cue].step_index(), i);
    EXPECT_EQ(timeline.cues[placed.first_cue].offset_ms(), placed.begin_ms);
    // The transition is at least what the planner planned.
    const int64_t previous_end = i == 0 ? timeline.cues[0].offset_ms()
                                        : timeline.steps[i - 1].hold_end_ms;
    EXPECT_GE(placed.hold_start_ms - previous_end, Ms(step.transition()) - 1)
        << "step " << i;
    if (step.side() != yoga::type::v1::SIDE_UNSPECIFIED) {
      sides[{step.pose_id(), step.variation_id()}][step.side()] +=
          end.offset_ms() - start.offset_ms();
    }
  }
  // Both sides of every sided pose, for the same time.
  for (const auto& [version, by_side] : sides) {
    ASSERT_EQ(by_side.size(), 2u) << version.first << " has one side only";
    EXPECT_EQ(by_side.begin()->second, by_side.rbegin()->second)
        << version.first;
  }
}

std::string GoldenText(const Timeline& timeline) {
  std::string text;
  for (const CueEvent& cue : timeline.cues) {
    absl::StrAppend(
        &text, absl::StrFormat("%s %6d  %-42s %s\n",
                               SessionClock(cue.offset_ms()), cue.duration_ms(),
                               cue.prompt_key(), CueLine(cue).substr(11)));
  }
  return text;
}

TEST(TimelineBuilderTest, PresetsMatchTheGoldenTimelinesAtEachVerbosity) {
  const bool update = std::getenv("UPDATE_GOLDEN") != nullptr;
  for (const auto& preset : testing::ShippedPresets()) {
    for (Verbosity verbosity :
         {yoga::session::v1::VERBOSITY_FULL, yoga::session::v1::VERBOSITY_BRIEF,
          yoga::session::v1::VERBOSITY_MINIMAL}) {
      const std::string name = absl::StrCat(
          preset.id(), ".",
          EnumLabel<yoga::session::v1::Verbosity>(verbosity, '-'), ".txt");
      SCOPED_TRACE(name);
      const Timeline timeline =
          BuildOrDie(preset.routine(), {.verbosity = verbosity});
      ExpectTimelineKeepsItsPromises(preset.routine(), timeline);
      const std::string path = absl::StrCat(kGoldenDir, "/", name);
      const std::string text = GoldenText(timeline);
      if (update) {
        std::filesystem::create_directories(kGoldenDir);
        std::ofstream(path) << text;
        continue;
      }
      std::ifstream in(path);
      ASSERT_TRUE(in) << "no golden file " << path
                      << " (run with UPDATE_GOLDEN=1)";
      std::stringstream golden;
      golden << in.rdbuf();
      EXPECT_EQ(golden.str(), text) << "timeline differs from " << path
                                    << "; if that is intended, run with "
                                       "UPDATE_GOLDEN=1 and review the diff";
    }
  }
}

TEST(TimelineBuilderTest, ComposedRoutinesKeepEveryPromiseAtEveryVerbosity) {
  std::mt19937_64 random(4);
  int built = 0;
  for (int i = 0; i < 400; ++i) {
    const auto constraints = planner::testing::RandomConstraints(random);
    auto routine = planner::ComposeRoutine(
        planner::testing::ShippedPlanningCatalog(), constraints);
    if (!routine.ok()) continue;
    SCOPED_TRACE(constraints.ShortDebugString());
    const auto verbosity = static_cast<Verbosity>(1 + i % 3);
    const Timeline timeline =
        BuildOrDie(*routine, {.verbosity = verbosity,
                              .lead_in = absl::Milliseconds(random() % 10000)});
    ExpectTimelineKeepsItsPromises(*routine, timeline);
    if (HasFailure()) return;
    ++built;
  }
  EXPECT_GT(built, 250);
}

TEST(TimelineBuilderTest, LeadInIsSilence) {
  const Routine& routine = testing::PresetRoutine("runners-lower-back-four");
  const Timeline quick = BuildOrDie(routine, {.lead_in = absl::ZeroDuration()});
  const Timeline late = BuildOrDie(routine, {.lead_in = absl::Seconds(7)});
  EXPECT_EQ(quick.cues[0].offset_ms(), 0);
  EXPECT_EQ(quick.cues[0].kind(), yoga::session::v1::CUE_KIND_SESSION_START);
  ASSERT_EQ(quick.cues.size(), late.cues.size());
  for (size_t i = 0; i < quick.cues.size(); ++i)
    EXPECT_EQ(late.cues[i].offset_ms(), quick.cues[i].offset_ms() + 7000);
}

// What each verbosity says, counted by kind.
std::map<int, int> KindCounts(const Timeline& timeline) {
  std::map<int, int> counts;
  for (const CueEvent& cue : timeline.cues) ++counts[cue.kind()];
  return counts;
}

TEST(TimelineBuilderTest, VerbositySaysLessButKeepsNamesCountsAndChimes) {
  const Routine& routine = testing::PresetRoutine("lower-back-relief-session");
  const Timeline full =
      BuildOrDie(routine, {.verbosity = yoga::session::v1::VERBOSITY_FULL});
  const Timeline brief =
      BuildOrDie(routine, {.verbosity = yoga::session::v1::VERBOSITY_BRIEF});
  const Timeline minimal =
      BuildOrDie(routine, {.verbosity = yoga::session::v1::VERBOSITY_MINIMAL});
  EXPECT_GT(full.cues.size(), brief.cues.size());
  EXPECT_GT(brief.cues.size(), minimal.cues.size());
  auto full_counts = KindCounts(full);
  auto brief_counts = KindCounts(brief);
  auto minimal_counts = KindCounts(minimal);
  using namespace yoga::session::v1;
  // Names, holds, counts and chimes in every verbosity, the same number.
  for (int kind : {CUE_KIND_HOLD_START, CUE_KIND_CHIME, CUE_KIND_COUNTDOWN,
                   CUE_KIND_SIDE_SWITCH, CUE_KIND_END}) {
    EXPECT_EQ(full_counts[kind], minimal_counts[kind]) << kind;
    EXPECT_EQ(brief_counts[kind], minimal_counts[kind]) << kind;
  }
  EXPECT_GT(minimal_counts[CUE_KIND_POSE], 0);
  EXPECT_EQ(minimal_counts[CUE_KIND_INSTRUCTION], 0);
  EXPECT_EQ(minimal_counts[CUE_KIND_RELEASE], 0);
  EXPECT_GT(brief_counts[CUE_KIND_INSTRUCTION], 0);
  EXPECT_GT(full_counts[CUE_KIND_INSTRUCTION],
            brief_counts[CUE_KIND_INSTRUCTION]);
  EXPECT_GT(full_counts[CUE_KIND_BREATH], brief_counts[CUE_KIND_BREATH]);
  EXPECT_GT(full_counts[CUE_KIND_TRANSITION], 0);
  EXPECT_EQ(minimal_counts[CUE_KIND_TRANSITION], 0);
  EXPECT_EQ(full_counts[CUE_KIND_SUMMARY], 2);
}

// One step of `pose_id`, held `count` of its unit for `hold`.
Routine OneStep(const std::string& pose_id, int count, absl::Duration hold) {
  Routine routine;
  routine.set_id("test");
  *routine.mutable_breath_length() = ToProtoDuration(absl::Seconds(5));
  auto* step = routine.add_steps();
  step->set_pose_id(pose_id);
  step->set_hold_count(count);
  *step->mutable_hold() = ToProtoDuration(hold);
  *step->mutable_transition() = ToProtoDuration(absl::Seconds(20));
  return routine;
}

// The hold's cues other than instructions and breath pacing, as
// "key@ms after the hold starts".
std::vector<std::string> HoldMarks(const Timeline& timeline) {
  std::vector<std::string> marks;
  const TimelineStep& step = timeline.steps[0];
  for (const CueEvent& cue : timeline.cues) {
    if (cue.offset_ms() >= step.hold_start_ms &&
        cue.offset_ms() <= step.hold_end_ms &&
        cue.kind() != yoga::session::v1::CUE_KIND_INSTRUCTION &&
        cue.kind() != yoga::session::v1::CUE_KIND_BREATH) {
      marks.push_back(absl::StrCat(cue.prompt_key(), "@",
                                   cue.offset_ms() - step.hold_start_ms));
    }
  }
  return marks;
}

TEST(TimelineBuilderTest, HoldsInSecondsGetHalfwayCountsAndACountdown) {
  const Timeline timeline =
      BuildOrDie(OneStep("childs-pose", 50, absl::Seconds(50)),
                 {.verbosity = yoga::session::v1::VERBOSITY_MINIMAL});
  EXPECT_THAT(HoldMarks(timeline),
              ElementsAre("hold.seconds.50@0", "count.halfway@25000",
                          "count.seconds-left.10@40000", "count.down.3@47000",
                          "count.down.2@48000", "count.down.1@49000",
                          "chime.hold-end@50000"));
}

TEST(TimelineBuilderTest, HoldsInBreathsCountBreaths) {
  const Timeline timeline =
      BuildOrDie(OneStep("bound-angle", 8, absl::Seconds(40)),
                 {.verbosity = yoga::session::v1::VERBOSITY_MINIMAL});
  EXPECT_THAT(HoldMarks(timeline),
              ElementsAre("hold.breaths.8@0", "count.halfway@20000",
                          "count.breaths-left.3@25000",
                          "count.last-breath@35000", "chime.hold-end@40000"));
}

TEST(TimelineBuilderTest, FlowsRideTheBreath) {
  // Ten rounds of cat-cow, one breath each: the first round in the catalog's
  // words, every sentence said, then "Breathe in/out" on each half breath.
  const Timeline timeline =
      BuildOrDie(OneStep("cat-cow", 10, absl::Seconds(50)),
                 {.verbosity = yoga::session::v1::VERBOSITY_FULL});
  const TimelineStep& step = timeline.steps[0];
  std::vector<std::string> worded;
  int beats = 0;
  for (const CueEvent& cue : timeline.cues) {
    if (cue.kind() != yoga::session::v1::CUE_KIND_BREATH) continue;
    if (absl::StartsWith(cue.prompt_key(), "cat-cow.")) {
      worded.push_back(cue.prompt_key());
    } else {
      EXPECT_EQ((cue.offset_ms() - step.hold_start_ms) % 2500, 0)
          << cue.prompt_key() << " off the beat";
      ++beats;
    }
  }
  EXPECT_THAT(worded, ElementsAre("cat-cow.hold.round", "cat-cow.hold.arch"));
  EXPECT_GE(beats, 10);
  // BRIEF says the first round only.
  const Timeline brief =
      BuildOrDie(OneStep("cat-cow", 10, absl::Seconds(50)),
                 {.verbosity = yoga::session::v1::VERBOSITY_BRIEF});
  int brief_breaths = 0;
  for (const CueEvent& cue : brief.cues)
    brief_breaths += cue.kind() == yoga::session::v1::CUE_KIND_BREATH;
  EXPECT_EQ(brief_breaths, 2);
}

TEST(TimelineBuilderTest, LongRecordedPromptsLengthenTheTransitionNotTheHold) {
  const Routine& routine = testing::PresetRoutine("runners-lower-back-four");
  yoga::session::v1::VoicePackManifest manifest;
  manifest.set_id("slow");
  // Every catalog instruction recorded at 9 s: far longer than estimated.
  auto record_slowly = [&](const auto& cues) {
    for (const auto& cue : cues) {
      auto* prompt = manifest.add_prompts();
      prompt->set_key(cue.key());
      *prompt->mutable_duration() = ToProtoDuration(absl::Seconds(9));
    }
  };
  for (const auto& pose : testing::ShippedCatalog().poses()) {
    record_slowly(pose.setup_cues());
    for (const auto& variation : pose.variations())
      record_slowly(variation.setup_cues());
  }
  const Timeline normal = BuildOrDie(routine);
  const Timeline slow = BuildOrDie(routine, {}, PromptDurations(manifest));
  ExpectTimelineKeepsItsPromises(routine, slow);
  EXPECT_GT(slow.end_ms, normal.end_ms + 30000);
  for (const CueEvent& cue : slow.cues) {
    if (cue.kind() == yoga::session::v1::CUE_KIND_INSTRUCTION &&
        absl::StrContains(cue.prompt_key(), ".setup.")) {
      EXPECT_EQ(cue.duration_ms(), 9000) << cue.prompt_key();
    }
  }
}

TEST(TimelineBuilderTest, RoutineOutsideTheCatalogIsRefusedByStep) {
  Routine routine = testing::PresetRoutine("runners-lower-back-four");
  routine.mutable_steps(2)->set_pose_id("handstand");
  const PromptDurations durations(kDefaultVoicePack);
  TimelineBuilder builder(testing::ShippedCatalog(), durations);
  auto timeline = builder.Build(routine, {});
  EXPECT_EQ(timeline.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(timeline.status().message()),
              HasSubstr("routine.steps[2].pose_id"));
  routine = testing::PresetRoutine("runners-lower-back-four");
  routine.mutable_steps(0)->set_variation_id("downward-facing-dog-on-one-hand");
  timeline = builder.Build(routine, {});
  EXPECT_THAT(std::string(timeline.status().message()),
              HasSubstr("routine.steps[0].variation_id"));
  EXPECT_EQ(builder.Build(Routine(), {}).status().code(),
            absl::StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace yoga::session
