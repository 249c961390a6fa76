#include "services/session/phrases.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/planner/composer.h"
#include "services/session/timeline_builder.h"
#include "services/session/voice_pack.h"
#include "tests/services/planner/random_constraints.h"
#include "tests/services/session/session_test_routines.h"

namespace yoga::session {
namespace {

using ::testing::Contains;
using ::testing::StartsWith;
using yoga::session::v1::CueEvent;
using yoga::session::v1::Verbosity;
using yoga::type::v1::Routine;

const std::string kPhrasesPath = YOGA_SOURCE_DIR "/assets/voice/phrases.tsv";

// The shipped phrase list, as a map from key to text.
const std::map<std::string, std::string>& ShippedPhrases() {
  static const auto* by_key = [] {
    auto* map = new std::map<std::string, std::string>();
    for (const Phrase& phrase : PhraseList(testing::ShippedCatalog()))
      map->emplace(phrase.key, phrase.text);
    return map;
  }();
  return *by_key;
}

// Every cue of the timeline is a phrase of the list, with the same words.
void ExpectEveryCueIsListed(const Timeline& timeline) {
  const auto& listed = ShippedPhrases();
  for (const CueEvent& cue : timeline.cues) {
    auto found = listed.find(cue.prompt_key());
    ASSERT_NE(found, listed.end())
        << "the timeline says \"" << cue.prompt_key() << "\" (\"" << cue.text()
        << "\"), which PhraseList() lacks: no voice pack would record it";
    EXPECT_EQ(found->second, cue.text())
        << "key " << cue.prompt_key() << " says other words than the list";
  }
}

Timeline BuildOrDie(const Routine& routine, const TimelineOptions& options) {
  const PromptDurations durations(kDefaultVoicePack);
  TimelineBuilder builder(testing::ShippedCatalog(), durations);
  absl::StatusOr<Timeline> timeline = builder.Build(routine, options);
  EXPECT_TRUE(timeline.ok()) << timeline.status();
  return timeline.ok() ? *std::move(timeline) : Timeline();
}

TEST(PhraseListTest, CommittedListIsUpToDate) {
  const std::string text =
      PhraseListText(PhraseList(testing::ShippedCatalog()));
  if (std::getenv("UPDATE_PHRASES") != nullptr) {
    std::filesystem::create_directories(
        std::filesystem::path(kPhrasesPath).parent_path());
    std::ofstream out(kPhrasesPath, std::ios::binary);
    out << text;
    ASSERT_TRUE(out.good()) << "cannot write " << kPhrasesPath;
    GTEST_SKIP() << "rewrote " << kPhrasesPath;
  }
  std::ifstream in(kPhrasesPath, std::ios::binary);
  ASSERT_TRUE(in) << "no phrase list " << kPhrasesPath
                  << " (run with UPDATE_PHRASES=1 and review the diff)";
  std::stringstream committed;
  committed << in.rdbuf();
  if (committed.str() == text) return;
  // Name the first line that differs rather than print both files.
  const std::vector<std::string> want = absl::StrSplit(text, '\n');
  const std::vector<std::string> have = absl::StrSplit(committed.str(), '\n');
  size_t line = 0;
  while (line < want.size() && line < have.size() && want[line] == have[line])
    ++line;
  ADD_FAILURE() << kPhrasesPath << " is stale at line " << line + 1
                << ":\n  committed: "
                << (line < have.size() ? have[line] : "(end of file)")
                << "\n  expected:  "
                << (line < want.size() ? want[line] : "(end of file)")
                << "\nRun the test with UPDATE_PHRASES=1, review the diff and "
                   "re-record the prompts that changed.";
}

TEST(PhraseListTest, HoldsEveryPromptOfThePresetTimelines) {
  ASSERT_EQ(testing::ShippedPresets().size(), 5u);
  for (const auto& preset : testing::ShippedPresets()) {
    for (Verbosity verbosity :
         {yoga::session::v1::VERBOSITY_FULL, yoga::session::v1::VERBOSITY_BRIEF,
          yoga::session::v1::VERBOSITY_MINIMAL}) {
      SCOPED_TRACE(absl::StrCat(preset.id(), " verbosity ", verbosity));
      const Timeline timeline =
          BuildOrDie(preset.routine(), {.verbosity = verbosity});
      ASSERT_FALSE(timeline.cues.empty());
      ExpectEveryCueIsListed(timeline);
      if (HasFailure()) return;
    }
  }
}

TEST(PhraseListTest, HoldsEveryPromptOfComposedTimelines) {
  std::mt19937_64 random(11);
  int built = 0;
  std::set<std::string> said;
  for (int i = 0; i < 300; ++i) {
    const auto constraints = planner::testing::RandomConstraints(random);
    auto routine = planner::ComposeRoutine(
        planner::testing::ShippedPlanningCatalog(), constraints);
    if (!routine.ok()) continue;
    SCOPED_TRACE(constraints.ShortDebugString());
    for (Verbosity verbosity :
         {yoga::session::v1::VERBOSITY_FULL, yoga::session::v1::VERBOSITY_BRIEF,
          yoga::session::v1::VERBOSITY_MINIMAL}) {
      const Timeline timeline = BuildOrDie(
          *routine, {.verbosity = verbosity,
                     .lead_in = absl::Milliseconds(random() % 60'000)});
      ExpectEveryCueIsListed(timeline);
      if (HasFailure()) return;
      for (const CueEvent& cue : timeline.cues) said.insert(cue.prompt_key());
    }
    ++built;
  }
  EXPECT_GT(built, 200);
  // The routines were varied enough to exercise the fixed phrases.
  for (const Phrase& phrase :
       {phrases::SessionStart(), phrases::NextPose(), phrases::SwitchSides(),
        phrases::HoldEndChime(), phrases::BreatheIn(), phrases::SessionEnd()}) {
    EXPECT_THAT(said, Contains(phrase.key));
  }
}

bool IsKeyChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '-';
}

TEST(PhraseListTest, KeysAreUniqueSortedAndPlainAndTextsOneLine) {
  const std::vector<Phrase> list = PhraseList(testing::ShippedCatalog());
  ASSERT_FALSE(list.empty());
  std::set<std::string> keys;
  for (size_t i = 0; i < list.size(); ++i) {
    const Phrase& phrase = list[i];
    SCOPED_TRACE(phrase.key);
    EXPECT_FALSE(phrase.key.empty());
    for (char c : phrase.key) {
      EXPECT_TRUE(IsKeyChar(c)) << "key has '" << c << "'";
    }
    EXPECT_TRUE(keys.insert(phrase.key).second) << "key listed twice";
    if (i > 0) {
      EXPECT_LT(list[i - 1].key, phrase.key);
    }
    EXPECT_FALSE(phrase.text.empty());
    EXPECT_EQ(phrase.text.find_first_of("\t\n\r"), std::string::npos)
        << "text \"" << phrase.text << "\" is not a single line";
  }
}

TEST(PhraseListTest, ListsTheFixedPhrasesAndEveryNameAndCueOfTheCatalog) {
  const auto& listed = ShippedPhrases();
  for (const Phrase& phrase :
       {phrases::SessionStart(), phrases::SessionEnd(), phrases::HoldShort(),
        phrases::Countdown(1), phrases::Countdown(kCountdownFrom),
        phrases::SummaryMinutes(kMaxSummaryMinutes),
        phrases::SummaryPoses(kMaxSummaryPoses), phrases::HoldEndChime()}) {
    auto found = listed.find(phrase.key);
    ASSERT_NE(found, listed.end()) << phrase.key;
    EXPECT_EQ(found->second, phrase.text);
  }
  // Every name and cue of the catalog, with its own words: two cues sharing
  // a key with different texts would leave one of them unrecorded.
  auto expect_listed = [&](const Phrase& phrase) {
    auto found = listed.find(phrase.key);
    ASSERT_NE(found, listed.end()) << phrase.key;
    EXPECT_EQ(found->second, phrase.text) << phrase.key;
  };
  auto expect_cues_listed = [&](const auto& cues) {
    for (const auto& cue : cues) expect_listed({cue.key(), cue.text()});
  };
  for (const auto& pose : testing::ShippedCatalog().poses()) {
    expect_listed(phrases::NameOf(pose, nullptr));
    expect_cues_listed(pose.setup_cues());
    expect_cues_listed(pose.hold_cues());
    expect_cues_listed(pose.release_cues());
    for (const auto& variation : pose.variations()) {
      expect_listed(phrases::NameOf(pose, &variation));
      expect_cues_listed(variation.setup_cues());
      expect_cues_listed(variation.hold_cues());
      expect_cues_listed(variation.release_cues());
    }
  }
}

TEST(PhraseListTest, TextIsAHeaderThenOneTabSeparatedLineAPhrase) {
  const std::vector<Phrase> list = {{"a.b", "First."}, {"c", "Second one."}};
  const std::string text = PhraseListText(list);
  EXPECT_THAT(text, StartsWith("# "));
  EXPECT_TRUE(absl::EndsWith(text, "\na.b\tFirst.\nc\tSecond one.\n")) << text;
  std::istringstream lines(text);
  std::string line;
  int phrases_seen = 0;
  while (std::getline(lines, line)) {
    if (absl::StartsWith(line, "#")) {
      EXPECT_EQ(phrases_seen, 0) << "comment after the phrases: " << line;
      continue;
    }
    ++phrases_seen;
  }
  EXPECT_EQ(phrases_seen, 2);
}

TEST(NumberWordsTest, SpellsNumbers) {
  EXPECT_EQ(NumberWords(1), "one");
  EXPECT_EQ(NumberWords(13), "thirteen");
  EXPECT_EQ(NumberWords(20), "twenty");
  EXPECT_EQ(NumberWords(21), "twenty-one");
  EXPECT_EQ(NumberWords(40), "forty");
  EXPECT_EQ(NumberWords(99), "ninety-nine");
  EXPECT_EQ(NumberWords(100), "one hundred");
  EXPECT_EQ(NumberWords(115), "one hundred and fifteen");
  EXPECT_EQ(NumberWords(342), "three hundred and forty-two");
}

TEST(PhrasesTest, SaysExactWords) {
  using yoga::type::v1::HOLD_UNIT_BREATHS;
  using yoga::type::v1::HOLD_UNIT_REPETITIONS;
  using yoga::type::v1::HOLD_UNIT_SECONDS;
  EXPECT_EQ(phrases::HoldFor(HOLD_UNIT_BREATHS, 1),
            (Phrase{"hold.breaths.1", "Hold for one breath."}));
  EXPECT_EQ(phrases::HoldFor(HOLD_UNIT_BREATHS, 5),
            (Phrase{"hold.breaths.5", "Hold for five breaths."}));
  EXPECT_EQ(phrases::HoldFor(HOLD_UNIT_SECONDS, 30),
            (Phrase{"hold.seconds.30", "Hold for thirty seconds."}));
  EXPECT_EQ(phrases::HoldFor(HOLD_UNIT_REPETITIONS, 10),
            (Phrase{"hold.rounds.10", "Ten rounds, moving with the breath."}));
  EXPECT_EQ(phrases::BreathsLeft(3),
            (Phrase{"count.breaths-left.3", "Three more breaths."}));
  EXPECT_EQ(phrases::Countdown(2), (Phrase{"count.down.2", "Two."}));
  EXPECT_EQ(phrases::SetNumber(2), (Phrase{"set.2", "Set two."}));
  EXPECT_EQ(phrases::SideName(yoga::type::v1::SIDE_LEFT),
            (Phrase{"side.left", "Left side."}));
  EXPECT_EQ(phrases::SummaryMinutes(1),
            (Phrase{"summary.minutes.1", "You practised for one minute,"}));
  EXPECT_EQ(
      phrases::SummaryPoses(21),
      (Phrase{"summary.poses.21", "and moved through twenty-one poses."}));
  EXPECT_TRUE(absl::StartsWith(phrases::HoldEndChime().key, kChimeKeyPrefix));
}

}  // namespace
}  // namespace yoga::session
