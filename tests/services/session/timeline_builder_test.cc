#include "services/session/timeline_builder.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <random>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/common/enum_label.h"
#include "services/common/proto_time.h"
#include "services/planner/composer.h"
#include "services/shared/cue_text.h"
#include "tests/services/planner/random_constraints.h"
#include "tests/services/session/guidance_checker.h"
#include "tests/services/session/session_test_routines.h"

namespace yoga::session {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using yoga::session::v1::CueEvent;
using yoga::session::v1::Verbosity;
using yoga::type::v1::Routine;

const std::string kGoldenDir = YOGA_SOURCE_DIR "/tests/services/session/golden";

// The shipped default voice pack's durations: what a runner really hears.
const PromptDurations& ShippedVoice() {
  static const PromptDurations* durations = [] {
    auto packs = LoadVoicePacks(YOGA_SOURCE_DIR "/assets/voice");
    if (!packs.ok()) {
      std::cerr << packs.status() << "\n";
      std::abort();
    }
    return new PromptDurations(*packs->at(kDefaultVoicePack));
  }();
  return *durations;
}

Timeline BuildOrDie(const Routine& routine, TimelineOptions options = {},
                    const PromptDurations& durations = ShippedVoice()) {
  TimelineBuilder builder(testing::ShippedCatalog(), durations);
  absl::StatusOr<Timeline> timeline = builder.Build(routine, options);
  EXPECT_TRUE(timeline.ok()) << timeline.status();
  return timeline.ok() ? *std::move(timeline) : Timeline();
}

std::string GoldenText(const Timeline& timeline) {
  std::string text;
  for (const CueEvent& cue : timeline.cues) {
    absl::StrAppend(
        &text, absl::StrFormat("%s %6d  %-42s %s\n", ClockText(cue.offset_ms()),
                               cue.duration_ms(), cue.prompt_key(),
                               CueLine(cue).substr(11)));
  }
  return text;
}

int64_t Ms(const google::protobuf::Duration& duration) {
  return absl::ToInt64Milliseconds(FromProtoDuration(duration));
}

// Every guarantee of timeline_builder.h, for one routine.
void ExpectTimelineKeepsItsPromises(const Routine& routine,
                                    const Timeline& timeline,
                                    int64_t lead_in_ms = 5000) {
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
  // Each hold lasts its planned time, to the chime that ends it; the hold is
  // announced at its start (a flow's just before its first movement).
  std::map<std::pair<std::string, std::string>, std::map<int, int64_t>> sides;
  int64_t planned = lead_in_ms;
  for (int i = 0; i < routine.steps_size(); ++i) {
    const auto& step = routine.steps(i);
    const TimelineStep& placed = timeline.steps[i];
    const CueEvent& start = timeline.cues[placed.hold_start_cue];
    const CueEvent& end = timeline.cues[placed.hold_end_cue];
    EXPECT_EQ(start.kind(), yoga::session::v1::CUE_KIND_HOLD_START);
    // The bell, or the word to go deeper when the next step deepens the hold.
    EXPECT_EQ(end.kind(), end.prompt_key() == "transition.deepen"
                              ? yoga::session::v1::CUE_KIND_TRANSITION
                              : yoga::session::v1::CUE_KIND_CHIME);
    EXPECT_EQ(start.step_index(), i);
    EXPECT_EQ(end.step_index(), i);
    EXPECT_LE(start.offset_ms(), placed.hold_start_ms);
    EXPECT_EQ(end.offset_ms(), placed.hold_end_ms);
    EXPECT_EQ(placed.hold_end_ms - placed.hold_start_ms, Ms(step.hold()))
        << "step " << i;
    EXPECT_EQ(timeline.cues[placed.first_cue].step_index(), i);
    EXPECT_EQ(timeline.cues[placed.first_cue].offset_ms(), placed.begin_ms);
    // The hold starts where the planner put it, or later.
    planned += Ms(step.transition());
    EXPECT_GE(placed.hold_start_ms, planned) << "step " << i;
    planned = placed.hold_end_ms;
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

// With the default voice pack the planner's budget holds: every hold starts
// exactly where the routine puts it and the session lasts total_duration.
void ExpectPlannedTiming(const Routine& routine, const Timeline& timeline,
                         int64_t lead_in_ms = 5000) {
  int64_t planned = lead_in_ms;
  for (int i = 0; i < routine.steps_size(); ++i) {
    planned += Ms(routine.steps(i).transition());
    EXPECT_EQ(timeline.steps[i].hold_start_ms, planned)
        << "step " << i << " (" << routine.steps(i).pose_id()
        << ") starts late: the planner's budget is too small";
    planned += Ms(routine.steps(i).hold());
  }
  EXPECT_EQ(timeline.end_ms, lead_in_ms + Ms(routine.total_duration()));
}

void ExpectGoodGuidance(const Routine& routine, const Timeline& timeline,
                        Verbosity verbosity) {
  const std::vector<std::string> findings = testing::CheckGuidance(
      testing::ShippedCatalog(), routine, timeline, verbosity);
  EXPECT_THAT(findings, ::testing::IsEmpty()) << GoldenText(timeline) << "\n"
                                              << absl::StrJoin(findings, "\n");
}

constexpr Verbosity kVerbosities[] = {yoga::session::v1::VERBOSITY_FULL,
                                      yoga::session::v1::VERBOSITY_BRIEF,
                                      yoga::session::v1::VERBOSITY_MINIMAL};

TEST(TimelineBuilderTest, PresetsMatchTheGoldenTimelinesAtEachVerbosity) {
  const bool update = std::getenv("UPDATE_GOLDEN") != nullptr;
  for (const auto& preset : testing::ShippedPresets()) {
    for (Verbosity verbosity : kVerbosities) {
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

TEST(TimelineBuilderTest, PresetsGuideAsATeacherWouldAtEachVerbosity) {
  for (const auto& preset : testing::ShippedPresets()) {
    for (Verbosity verbosity : kVerbosities) {
      SCOPED_TRACE(absl::StrCat(preset.id(), " verbosity ", verbosity));
      const Timeline timeline =
          BuildOrDie(preset.routine(), {.verbosity = verbosity});
      ExpectGoodGuidance(preset.routine(), timeline, verbosity);
      ExpectPlannedTiming(preset.routine(), timeline);
    }
  }
}

TEST(TimelineBuilderTest, ComposedRoutinesKeepEveryPromiseAndGuideWell) {
  std::mt19937_64 random(4);
  int built = 0;
  for (int i = 0; i < 500; ++i) {
    const auto constraints = planner::testing::RandomConstraints(random);
    auto routine = planner::ComposeRoutine(
        planner::testing::ShippedPlanningCatalog(), constraints);
    if (!routine.ok()) continue;
    SCOPED_TRACE(constraints.ShortDebugString());
    const auto verbosity = kVerbosities[i % 3];
    const int64_t lead_in = random() % 10000;
    const Timeline timeline = BuildOrDie(
        *routine,
        {.verbosity = verbosity, .lead_in = absl::Milliseconds(lead_in)});
    ExpectTimelineKeepsItsPromises(*routine, timeline, lead_in);
    ExpectGoodGuidance(*routine, timeline, verbosity);
    ExpectPlannedTiming(*routine, timeline, lead_in);
    if (HasFailure()) return;
    ++built;
  }
  EXPECT_GT(built, 300);
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
  // Holds, sides and chimes in every verbosity, the same number.
  for (int kind : {CUE_KIND_HOLD_START, CUE_KIND_CHIME, CUE_KIND_SIDE_SWITCH,
                   CUE_KIND_END}) {
    EXPECT_EQ(full_counts[kind], minimal_counts[kind]) << kind;
    EXPECT_EQ(brief_counts[kind], minimal_counts[kind]) << kind;
  }
  // Counts too, but a flow's "last round" gives way to its movements where
  // they fill every half breath.
  EXPECT_GE(minimal_counts[CUE_KIND_COUNTDOWN],
            full_counts[CUE_KIND_COUNTDOWN]);
  EXPECT_GT(full_counts[CUE_KIND_COUNTDOWN], 0);
  // Every verbosity lasts as long: the holds are where FULL has them.
  EXPECT_EQ(full.end_ms, brief.end_ms);
  EXPECT_EQ(full.end_ms, minimal.end_ms);
  EXPECT_GT(minimal_counts[CUE_KIND_POSE], 0);
  EXPECT_EQ(minimal_counts[CUE_KIND_INSTRUCTION], 0);
  EXPECT_EQ(minimal_counts[CUE_KIND_RELEASE], 0);
  EXPECT_EQ(minimal_counts[CUE_KIND_CAUTION], 0);
  EXPECT_GT(brief_counts[CUE_KIND_INSTRUCTION], 0);
  EXPECT_EQ(brief_counts[CUE_KIND_CAUTION], full_counts[CUE_KIND_CAUTION]);
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
  step->set_set(1);
  *step->mutable_hold() = ToProtoDuration(hold);
  *step->mutable_transition() = ToProtoDuration(absl::Seconds(60));
  return routine;
}

// The hold's cues other than instructions and breaths, as "key@ms after the
// hold starts".
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

TEST(TimelineBuilderTest, StrengthHoldsInSecondsGetHalfwayCountsAndACountdown) {
  const Timeline timeline =
      BuildOrDie(OneStep("bridge", 50, absl::Seconds(50)),
                 {.verbosity = yoga::session::v1::VERBOSITY_MINIMAL});
  EXPECT_THAT(HoldMarks(timeline),
              ElementsAre("hold.seconds.50@0", "count.halfway@25000",
                          "count.seconds-left.10@40000", "count.down.3@47000",
                          "count.down.2@48000", "count.down.1@49000",
                          "chime.hold-end@50000"));
}

TEST(TimelineBuilderTest, StrengthHoldsInBreathsCountBreaths) {
  const Timeline timeline =
      BuildOrDie(OneStep("locust", 8, absl::Seconds(40)),
                 {.verbosity = yoga::session::v1::VERBOSITY_MINIMAL});
  EXPECT_THAT(HoldMarks(timeline),
              ElementsAre("hold.breaths.8@0", "count.breaths-left.3@25000",
                          "count.last-breath@35000", "chime.hold-end@40000"));
}

TEST(TimelineBuilderTest, StaticHoldsAreCalmAndNeverQuietForLong) {
  const Routine routine = OneStep("childs-pose", 120, absl::Seconds(120));
  const Timeline minimal =
      BuildOrDie(routine, {.verbosity = yoga::session::v1::VERBOSITY_MINIMAL});
  // No countdown, no halfway: a soft bell ends it. Said as a person says it.
  EXPECT_THAT(HoldMarks(minimal),
              ElementsAre("stay.seconds.120@0", "chime.hold-end@120000"));
  const Timeline full = BuildOrDie(routine);
  EXPECT_EQ(full.cues[full.steps[0].hold_start_cue].text(),
            "Stay here for two minutes.");
  ExpectGoodGuidance(routine, full, yoga::session::v1::VERBOSITY_FULL);
  // The longest silence inside the hold.
  int64_t quiet_from = full.steps[0].hold_start_ms, longest = 0;
  for (int i = full.steps[0].hold_start_cue; i <= full.steps[0].hold_end_cue;
       ++i) {
    longest = std::max(longest, full.cues[i].offset_ms() - quiet_from);
    quiet_from = full.EndOf(i);
  }
  EXPECT_LE(longest, kMaxQuietMs);
  EXPECT_GT(longest, 3000);  // Calm, not chattering.
}

TEST(TimelineBuilderTest, MovementsLandOnTheirBreathAndTheHoldWaitsABreath) {
  // The supine twist: knees lower on an out-breath, then a settle breath.
  Routine routine = OneStep("supine-twist", 60, absl::Seconds(60));
  routine.mutable_steps(0)->set_side(yoga::type::v1::SIDE_RIGHT);
  const Timeline timeline = BuildOrDie(routine);
  ExpectGoodGuidance(routine, timeline, yoga::session::v1::VERBOSITY_FULL);
  const TimelineStep& step = timeline.steps[0];
  const CueEvent* lower = nullptr;
  for (const CueEvent& cue : timeline.cues) {
    if (cue.prompt_key() == "supine-twist.setup.knees-to-right") lower = &cue;
  }
  ASSERT_NE(lower, nullptr) << GoldenText(timeline);
  EXPECT_EQ(lower->breath(), yoga::catalog::v1::BREATH_EXHALE);
  // Out-breaths start half a breath after the planned hold's in-breaths.
  EXPECT_EQ((step.hold_start_ms - lower->offset_ms()) % 5000, 2500);
  EXPECT_GE(step.hold_start_ms - lower->offset_ms(), 5000);
}

TEST(TimelineBuilderTest, FlowsNameEveryMovementOnItsHalfBreath) {
  // Ten rounds of cat-cow, one breath each: a movement every half breath,
  // in and out in turn, from the first movement to the chime.
  const Timeline timeline =
      BuildOrDie(OneStep("cat-cow", 10, absl::Seconds(50)));
  const TimelineStep& step = timeline.steps[0];
  std::vector<std::string> beats;
  for (const CueEvent& cue : timeline.cues) {
    if (cue.offset_ms() < step.hold_start_ms ||
        cue.offset_ms() >= step.hold_end_ms ||
        cue.kind() != yoga::session::v1::CUE_KIND_BREATH)
      continue;
    EXPECT_EQ((cue.offset_ms() - step.hold_start_ms) % 2500, 0)
        << cue.prompt_key() << " off the beat";
    beats.push_back(cue.prompt_key());
  }
  ASSERT_EQ(beats.size(), 20u) << GoldenText(timeline);
  // Taught once slowly in the catalog's words, then in short words.
  for (size_t i = 0; i < beats.size(); ++i) {
    EXPECT_EQ(beats[i], i % 2 == 0 ? "cat-cow.hold.round.short"
                                   : "cat-cow.hold.arch.short");
  }
  std::vector<std::string> slow;
  for (int i = step.first_cue; i < step.hold_start_cue; ++i) {
    if (absl::StartsWith(timeline.cues[i].prompt_key(), "cat-cow.hold."))
      slow.push_back(timeline.cues[i].prompt_key());
  }
  EXPECT_THAT(slow, ElementsAre("cat-cow.hold.round", "cat-cow.hold.arch"));
  // The hold is announced before the first movement; the chime closes the
  // last round.
  EXPECT_LT(timeline.EndOf(step.hold_start_cue), step.hold_start_ms);
  EXPECT_EQ(step.hold_end_ms - step.hold_start_ms, 50000);
  ExpectGoodGuidance(OneStep("cat-cow", 10, absl::Seconds(50)), timeline,
                     yoga::session::v1::VERBOSITY_FULL);
}

TEST(TimelineBuilderTest, LongFlowsNameEachMovementInShortWordsAndCountRounds) {
  // Three sun salutations of six breaths: twelve movements a round, each
  // named inside its half breath; "last round" before the round, never on a
  // movement's breath.
  const Routine routine = OneStep("sun-salutation", 3, absl::Seconds(90));
  const Timeline timeline = BuildOrDie(routine);
  ExpectGoodGuidance(routine, timeline, yoga::session::v1::VERBOSITY_FULL);
  const TimelineStep& step = timeline.steps[0];
  int named = 0;
  int64_t last_round_at = -1;
  for (const CueEvent& cue : timeline.cues) {
    if (cue.offset_ms() < step.hold_start_ms ||
        cue.offset_ms() >= step.hold_end_ms)
      continue;
    if (cue.kind() == yoga::session::v1::CUE_KIND_BREATH) {
      EXPECT_TRUE(absl::StartsWith(cue.prompt_key(), "sun-salutation."))
          << cue.prompt_key() << " names no movement";
      EXPECT_LE(cue.duration_ms(), 2500) << cue.prompt_key();
      ++named;
    }
    if (cue.prompt_key() == "count.last-round") last_round_at = cue.offset_ms();
  }
  EXPECT_EQ(named, 36) << GoldenText(timeline);
  ASSERT_GE(last_round_at, 0);
  EXPECT_LE(last_round_at + 800, step.hold_start_ms + 60000);
  EXPECT_GE(last_round_at, step.hold_start_ms + 57500);
}

TEST(TimelineBuilderTest, SideTwoComesAfterSideOnesExit) {
  const Routine& routine = testing::PresetRoutine("runners-lower-back-four");
  const Timeline timeline = BuildOrDie(routine);
  // The lunge: side one steps back before "switch sides".
  int switch_at = -1, release_at = -1;
  for (size_t i = 0; i < timeline.cues.size(); ++i) {
    const CueEvent& cue = timeline.cues[i];
    if (cue.kind() == yoga::session::v1::CUE_KIND_SIDE_SWITCH && switch_at < 0)
      switch_at = static_cast<int>(i);
    if (cue.kind() == yoga::session::v1::CUE_KIND_RELEASE &&
        cue.pose_id() == "low-lunge" && switch_at < 0)
      release_at = static_cast<int>(i);
  }
  ASSERT_GE(switch_at, 0);
  EXPECT_GE(release_at, 0) << "no exit before the side switch";
  EXPECT_LT(release_at, switch_at);
}

TEST(TimelineBuilderTest, ConditionsAddTheirCautions) {
  Routine routine = OneStep("downward-facing-dog", 60, absl::Seconds(60));
  const Timeline plain = BuildOrDie(routine);
  routine.add_conditions(yoga::type::v1::CONDITION_SENSITIVE_WRISTS);
  const Timeline wrists = BuildOrDie(routine);
  auto says = [](const Timeline& timeline, absl::string_view key) {
    for (const CueEvent& cue : timeline.cues)
      if (cue.prompt_key() == key) return true;
    return false;
  };
  EXPECT_FALSE(says(plain, "downward-facing-dog.caution.wrists"));
  EXPECT_TRUE(says(wrists, "downward-facing-dog.caution.wrists"));
  ExpectGoodGuidance(routine, wrists, yoga::session::v1::VERBOSITY_FULL);
}

TEST(TimelineBuilderTest, LongRecordedPromptsDelayTheHoldByWholeBreaths) {
  const Routine& routine = testing::PresetRoutine("runners-lower-back-four");
  yoga::session::v1::VoicePackManifest manifest;
  manifest.set_id("slow");
  // Every catalog instruction recorded at 9 s: far longer than budgeted.
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
  for (size_t i = 0; i < slow.steps.size(); ++i) {
    EXPECT_EQ(
        (slow.steps[i].hold_start_ms - normal.steps[i].hold_start_ms) % 5000, 0)
        << "step " << i;
  }
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
