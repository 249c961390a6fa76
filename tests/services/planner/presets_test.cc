// The five presets against golden files: any change to a preset, the catalog
// or the timing rules shows up here as a diff. Regenerate on purpose with
// UPDATE_GOLDEN=1 and review the diff.
#include "services/planner/presets.h"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "google/protobuf/text_format.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "services/catalog/effective_pose.h"
#include "tests/services/planner/planner_test_catalog.h"
#include "tests/testing/seed_text.h"

namespace yoga::planner {
namespace {

using ::testing::HasSubstr;

const std::string kPresetsDir = YOGA_SOURCE_DIR "/assets/presets";
const std::string kGoldenDir = YOGA_SOURCE_DIR "/tests/services/planner/golden";

std::vector<yoga::planner::v1::Preset> ShippedPresets() {
  auto files = ReadPresetFiles(kPresetsDir);
  EXPECT_TRUE(files.ok()) << files.status();
  if (!files.ok()) return {};
  auto presets = BuildPresets(*files, testing::ShippedPlanningCatalog());
  EXPECT_TRUE(presets.ok()) << presets.status();
  return presets.ok() ? *presets : std::vector<yoga::planner::v1::Preset>();
}

TEST(PresetsTest, HasOnePresetPerSeedInSeedOrder) {
  std::vector<std::string> ids;
  for (const auto& preset : ShippedPresets()) ids.push_back(preset.id());
  EXPECT_THAT(ids, ::testing::ElementsAre(
                       "runners-lower-back-four", "low-back-tight-hips-short",
                       "postrun-low-back-stretches",
                       "lower-back-relief-session", "backside-strength"));
}

TEST(PresetsTest, MatchTheGoldenRoutines) {
  const bool update = std::getenv("UPDATE_GOLDEN") != nullptr;
  for (const auto& preset : ShippedPresets()) {
    SCOPED_TRACE(preset.id());
    const std::string path =
        absl::StrCat(kGoldenDir, "/", preset.id(), ".textproto");
    std::string text;
    google::protobuf::TextFormat::PrintToString(preset, &text);
    if (update) {
      std::filesystem::create_directories(kGoldenDir);
      std::ofstream(path) << text;
      continue;
    }
    std::ifstream in(path);
    ASSERT_TRUE(in) << "no golden file " << path
                    << " (run with UPDATE_GOLDEN=1)";
    std::stringstream golden_text;
    golden_text << in.rdbuf();
    yoga::planner::v1::Preset golden;
    ASSERT_TRUE(google::protobuf::TextFormat::ParseFromString(golden_text.str(),
                                                              &golden));
    std::string differences;
    google::protobuf::util::MessageDifferencer differencer;
    differencer.ReportDifferencesToString(&differences);
    EXPECT_TRUE(differencer.Compare(golden, preset)) << differences;
  }
}

using yoga::type::v1::RoutineStep;

// The steps of one preset, by id; empty (and a failure) if there is none.
std::vector<RoutineStep> StepsOf(const std::string& id) {
  for (const auto& preset : ShippedPresets()) {
    if (preset.id() == id)
      return {preset.routine().steps().begin(), preset.routine().steps().end()};
  }
  ADD_FAILURE() << "no preset " << id;
  return {};
}

// Pose ids in order, a run of steps of one pose counted once.
std::vector<std::string> PoseOrder(const std::vector<RoutineStep>& steps) {
  std::vector<std::string> order;
  for (const auto& step : steps) {
    if (order.empty() || order.back() != step.pose_id())
      order.push_back(step.pose_id());
  }
  return order;
}

// The steps of one pose and version.
std::vector<RoutineStep> Version(const std::vector<RoutineStep>& steps,
                                 const std::string& pose_id,
                                 const std::string& variation_id = "") {
  std::vector<RoutineStep> found;
  for (const auto& step : steps) {
    if (step.pose_id() == pose_id && step.variation_id() == variation_id)
      found.push_back(step);
  }
  return found;
}

// A step that deepens the hold of the step before it: same pose, side and
// set, another version. The guide flows from one into the other.
bool Deepens(const RoutineStep& before, const RoutineStep& step) {
  return step.pose_id() == before.pose_id() && step.side() == before.side() &&
         step.set() == before.set() &&
         step.variation_id() != before.variation_id();
}

int FlowCount(const std::vector<RoutineStep>& steps) {
  int flows = 0;
  for (size_t i = 1; i < steps.size(); ++i)
    flows += Deepens(steps[i - 1], steps[i]);
  return flows;
}

std::vector<std::string> Keys(
    const google::protobuf::RepeatedPtrField<yoga::catalog::v1::Cue>& cues) {
  std::vector<std::string> keys;
  for (const auto& cue : cues) keys.push_back(cue.key());
  return keys;
}

// Seed 000: Down Dog 30 s to a minute, the lunge 30 s a side, the twist one
// to two minutes a side, Child's Pose one to two minutes (or longer) to end.
TEST(PresetsTest, RunnersLowerBackFourFollowsSeed000) {
  const auto steps = StepsOf("runners-lower-back-four");
  EXPECT_THAT(PoseOrder(steps),
              ::testing::ElementsAre("downward-facing-dog", "low-lunge",
                                     "supine-twist", "childs-pose"));
  for (const auto& step : steps) {
    SCOPED_TRACE(step.pose_id());
    const uint32_t count = step.hold_count();
    EXPECT_EQ(step.hold_unit(), yoga::type::v1::HOLD_UNIT_SECONDS);
    if (step.pose_id() == "downward-facing-dog") {
      EXPECT_TRUE(count >= 30 && count <= 60) << count;
    } else if (step.pose_id() == "low-lunge") {
      EXPECT_EQ(step.variation_id(), "low-lunge-side-stretch");
      EXPECT_EQ(count, 30u);
    } else {
      EXPECT_TRUE(count >= 60 && count <= 120) << count;
    }
  }
  EXPECT_EQ(Version(steps, "low-lunge", "low-lunge-side-stretch")[0].side(),
            yoga::type::v1::SIDE_RIGHT);
}

// Seed 001: tabletop; the right deep hip stretch walking forward into the fold
// (about 60 s) in one hold; cat-cow ten times; the left side; tabletop; Child's
// Pose as long as needed.
TEST(PresetsTest, LowBackTightHipsShortFollowsSeed001) {
  const auto steps = StepsOf("low-back-tight-hips-short");
  EXPECT_THAT(
      PoseOrder(steps),
      ::testing::ElementsAre("tabletop", "deep-hip-stretch", "cat-cow",
                             "deep-hip-stretch", "tabletop", "childs-pose"));
  for (size_t i = 0; i < steps.size(); ++i) {
    const auto& step = steps[i];
    if (step.pose_id() == "cat-cow") {
      EXPECT_EQ(step.hold_count(), 10u);
    }
    if (step.variation_id() == "deep-hip-stretch-forward-fold") {
      ASSERT_GT(i, 0u);
      EXPECT_EQ(steps[i - 1].pose_id(), "deep-hip-stretch");
      EXPECT_EQ(steps[i - 1].variation_id(), "");
      EXPECT_TRUE(Deepens(steps[i - 1], step)) << "the fold is the same hold";
      EXPECT_EQ(step.hold_count(), 60u);
    }
  }
  const auto folds =
      Version(steps, "deep-hip-stretch", "deep-hip-stretch-forward-fold");
  ASSERT_EQ(folds.size(), 2u);
  EXPECT_EQ(folds[0].side(), yoga::type::v1::SIDE_RIGHT);
  EXPECT_EQ(folds[1].side(), yoga::type::v1::SIDE_LEFT);
  EXPECT_EQ(FlowCount(steps), 2);
  EXPECT_EQ(steps.back().pose_id(), "childs-pose");
}

// Seed 002: the butterfly five breaths, then a few more with the arms forward;
// the reclining twist at least five breaths a side, legs extended; the seated
// twist five or more breaths a side; the hip flexor stretch at least 30 s,
// deepened by the side bend in the same hold, each side.
TEST(PresetsTest, PostrunLowBackStretchesFollowsSeed002) {
  const auto steps = StepsOf("postrun-low-back-stretches");
  EXPECT_THAT(
      PoseOrder(steps),
      ::testing::ElementsAre("bound-angle", "supine-twist", "seated-twist",
                             "kneeling-hip-flexor-stretch"));
  ASSERT_GE(steps.size(), 2u);
  EXPECT_EQ(steps[0].hold_unit(), yoga::type::v1::HOLD_UNIT_BREATHS);
  EXPECT_EQ(steps[0].hold_count(), 5u);
  EXPECT_EQ(steps[1].variation_id(), "bound-angle-arms-forward");
  EXPECT_TRUE(Deepens(steps[0], steps[1]));
  EXPECT_EQ(steps[1].hold_unit(), yoga::type::v1::HOLD_UNIT_BREATHS);
  EXPECT_TRUE(steps[1].hold_count() >= 2 && steps[1].hold_count() <= 5);
  for (const auto& twist :
       Version(steps, "supine-twist", "supine-twist-legs-extended")) {
    EXPECT_EQ(twist.hold_unit(), yoga::type::v1::HOLD_UNIT_BREATHS);
    EXPECT_GE(twist.hold_count(), 5u);
  }
  EXPECT_EQ(Version(steps, "supine-twist", "supine-twist-legs-extended").size(),
            2u);
  for (const auto& twist : Version(steps, "seated-twist")) {
    EXPECT_EQ(twist.hold_unit(), yoga::type::v1::HOLD_UNIT_BREATHS);
    EXPECT_GE(twist.hold_count(), 5u);
  }
  int side_bends = 0;
  for (size_t i = 0; i < steps.size(); ++i) {
    if (steps[i].variation_id() != "kneeling-hip-flexor-stretch-side-bend")
      continue;
    ++side_bends;
    ASSERT_GT(i, 0u);
    EXPECT_EQ(steps[i - 1].variation_id(), "");
    EXPECT_TRUE(Deepens(steps[i - 1], steps[i])) << "side " << steps[i].side();
    EXPECT_GE(steps[i - 1].hold_count(), 30u);
  }
  EXPECT_EQ(side_bends, 2);
  EXPECT_EQ(FlowCount(steps), 3);
}

// Seed 003: the standing hamstring stretch 10 to 20 s; "at least 15-20
// minutes per session" (fully guided, with every entry and exit spoken, it
// takes up to 25).
TEST(PresetsTest, LowerBackReliefSessionFollowsSeed003) {
  for (const auto& preset : ShippedPresets()) {
    if (preset.id() != "lower-back-relief-session") continue;
    const int64_t seconds = preset.routine().total_duration().seconds();
    EXPECT_GE(seconds, 15 * 60);
    EXPECT_LE(seconds, 25 * 60);
  }
  const auto steps = StepsOf("lower-back-relief-session");
  for (const auto& step : Version(steps, "standing-hamstring-stretch")) {
    EXPECT_TRUE(step.hold_count() >= 10 && step.hold_count() <= 20);
  }
  for (const auto& step : steps) {
    if (step.hold_unit() == yoga::type::v1::HOLD_UNIT_SECONDS) {
      EXPECT_LE(step.hold_count(), 60u) << step.pose_id() << ": up to a minute";
    }
  }
  EXPECT_EQ(FlowCount(steps), 0);
}

// Seed 004: Locust, Bow, Reverse Tabletop, Reverse Plank; each held five to
// eight breaths in one to three sets, a different version each set; Bow starts
// without hands and holds the feet only in the later set.
TEST(PresetsTest, BacksideStrengthFollowsSeed004) {
  const auto steps = StepsOf("backside-strength");
  const auto& catalog = testing::ShippedCatalog();
  std::vector<std::string> strength;
  for (const auto& id : PoseOrder(steps)) {
    const auto* pose = catalog.FindPose(id);
    ASSERT_NE(pose, nullptr) << id;
    if (pose->kind() == yoga::catalog::v1::POSE_KIND_STRENGTH_HOLD)
      strength.push_back(id);
  }
  EXPECT_THAT(strength,
              ::testing::ElementsAre("locust", "bow", "reverse-tabletop",
                                     "reverse-plank"));
  for (const std::string& id : strength) {
    SCOPED_TRACE(id);
    std::map<uint32_t, std::set<std::string>> versions_by_set;
    for (const auto& step : steps) {
      if (step.pose_id() != id) continue;
      EXPECT_EQ(step.hold_unit(), yoga::type::v1::HOLD_UNIT_BREATHS);
      EXPECT_TRUE(step.hold_count() >= 5 && step.hold_count() <= 8)
          << step.hold_count();
      EXPECT_TRUE(step.set() >= 1 && step.set() <= 3) << step.set();
      versions_by_set[step.set()].insert(step.variation_id());
    }
    std::set<std::string> versions;
    for (const auto& [set, in_set] : versions_by_set) {
      EXPECT_EQ(in_set.size(), 1u) << "set " << set << " is one version";
      EXPECT_TRUE(versions.insert(*in_set.begin()).second)
          << "set " << set << " repeats " << *in_set.begin();
    }
  }
  const auto no_hands = Version(steps, "bow", "bow-no-hands");
  const auto full = Version(steps, "bow");
  ASSERT_EQ(no_hands.size(), 1u);
  ASSERT_EQ(full.size(), 1u);
  EXPECT_LT(no_hands[0].set(), full[0].set()) << "no hands first";
  // One-leg versions: both sides, one after the other, in the same set.
  for (size_t i = 0; i < steps.size(); ++i) {
    if (steps[i].side() != yoga::type::v1::SIDE_UNSPECIFIED &&
        steps[i].pose_id() != "supine-twist") {
      const size_t other =
          (i > 0 && steps[i - 1].variation_id() == steps[i].variation_id())
              ? i - 1
              : i + 1;
      ASSERT_LT(other, steps.size());
      EXPECT_EQ(steps[other].variation_id(), steps[i].variation_id());
      EXPECT_NE(steps[other].side(), steps[i].side());
      EXPECT_EQ(steps[other].set(), steps[i].set());
    }
  }
  EXPECT_EQ(FlowCount(steps), 0);
}

// Where a preset deepens a hold (the guide goes on without an exit and a new
// entry), the deeper version's setup is the first version's setup followed by
// the deepening, and its release first undoes the deepening, then ends as the
// first version ends.
TEST(PresetsTest, ADeepeningBuildsOnTheHoldItDeepens) {
  const auto& catalog = testing::ShippedCatalog();
  int flows = 0;
  for (const auto& preset : ShippedPresets()) {
    const auto& steps = preset.routine().steps();
    for (int i = 1; i < steps.size(); ++i) {
      if (!Deepens(steps[i - 1], steps[i])) continue;
      ++flows;
      SCOPED_TRACE(absl::StrCat(preset.id(), " step ", i));
      const auto* pose = catalog.FindPose(steps[i].pose_id());
      ASSERT_NE(pose, nullptr);
      const auto* before =
          catalog::FindVariation(*pose, steps[i - 1].variation_id());
      const auto* deeper =
          catalog::FindVariation(*pose, steps[i].variation_id());
      const auto first_setup = Keys(catalog::SetupCuesOf(*pose, before));
      const auto setup = Keys(catalog::SetupCuesOf(*pose, deeper));
      ASSERT_GT(setup.size(), first_setup.size());
      EXPECT_TRUE(
          std::equal(first_setup.begin(), first_setup.end(), setup.begin()))
          << "setup does not start with the setup of the hold it deepens";
      const auto first_release = Keys(catalog::ReleaseCuesOf(*pose, before));
      const auto release = Keys(catalog::ReleaseCuesOf(*pose, deeper));
      ASSERT_FALSE(release.empty());
      EXPECT_EQ(release.back(), first_release.back());
      EXPECT_THAT(first_release,
                  ::testing::Not(::testing::Contains(release[0])))
          << "the release starts by undoing the deepening";
      bool in_base = false;
      for (const std::string& key : release) {
        const bool base = std::find(first_release.begin(), first_release.end(),
                                    key) != first_release.end();
        EXPECT_FALSE(in_base && !base) << key << " undoes the deepening late";
        in_base = in_base || base;
      }
    }
  }
  EXPECT_EQ(flows, 5) << "seed 001: two sides; seed 002: butterfly, two sides";
}

// "Four poses" counts poses, not the versions of a pose.
TEST(PresetsTest, SummariesCountPosesNotVersions) {
  const std::map<std::string, int> numbers = {
      {"two", 2},   {"three", 3}, {"four", 4}, {"five", 5}, {"six", 6},
      {"seven", 7}, {"eight", 8}, {"nine", 9}, {"ten", 10}};
  for (const auto& preset : ShippedPresets()) {
    SCOPED_TRACE(preset.id());
    std::set<std::string> poses;
    for (const auto& step : preset.routine().steps())
      poses.insert(step.pose_id());
    const std::vector<std::string> words = yoga::testing::Words(
        absl::StrCat(preset.title(), " ", preset.summary()));
    for (size_t i = 0; i + 1 < words.size(); ++i) {
      const auto number = numbers.find(words[i]);
      if (number == numbers.end()) continue;
      if (words[i + 1] == "poses" || words[i + 1] == "stretches") {
        EXPECT_EQ(number->second, static_cast<int>(poses.size()))
            << words[i] << " " << words[i + 1];
      }
    }
  }
}

TEST(PresetsTest, KnowTheirPresetIdAndSource) {
  for (const auto& preset : ShippedPresets()) {
    EXPECT_EQ(preset.routine().preset_id(), preset.id());
    EXPECT_FALSE(preset.source().empty());
  }
}

TEST(PresetsTest, AreWrittenInOurOwnWords) {
  const std::set<std::string> seed_runs = yoga::testing::SeedRuns();
  if (seed_runs.empty()) GTEST_SKIP() << "no seed folder at " << YOGA_SEEDS_DIR;
  for (const auto& preset : ShippedPresets()) {
    std::vector<std::string> texts = {preset.title(), preset.summary()};
    texts.insert(texts.end(), preset.notes().begin(), preset.notes().end());
    for (const auto& step : preset.routine().steps())
      texts.push_back(step.reason());
    for (const std::string& text : texts) {
      EXPECT_EQ(yoga::testing::CopiedRun(text, seed_runs), "")
          << preset.id() << ": " << text;
    }
  }
}

// A folder with one preset file, removed afterwards.
class PresetDir {
 public:
  explicit PresetDir(const std::string& text)
      : path_(std::filesystem::temp_directory_path() /
              absl::StrCat("yoga-presets-", getpid())) {
    std::filesystem::create_directories(path_);
    std::ofstream(path_ / "broken.textproto") << text;
  }
  ~PresetDir() { std::filesystem::remove_all(path_); }
  std::string path() const { return path_.string(); }

 private:
  std::filesystem::path path_;
};

TEST(PresetsTest, ABrokenRuleNamesFileAndLine) {
  PresetDir dir(R"(id: "broken"
title: "Broken"
source: "000_03556a3cf9a37679.txt"
routine {
  steps { pose_id: "low-lunge" side: SIDE_RIGHT hold_count: 30 }
  steps { pose_id: "childs-pose" hold_count: 5 }
}
)");
  auto files = ReadPresetFiles(dir.path());
  ASSERT_TRUE(files.ok()) << files.status();
  auto presets = BuildPresets(*files, testing::ShippedPlanningCatalog());
  ASSERT_EQ(presets.status().code(), absl::StatusCode::kFailedPrecondition);
  const std::string file = dir.path() + "/broken.textproto";
  EXPECT_THAT(std::string(presets.status().message()),
              HasSubstr(file + ":6: hold 5 is outside 60 to 120"));
  EXPECT_THAT(
      std::string(presets.status().message()),
      HasSubstr(file +
                ":5: \"low-lunge\" has 1 right side(s) and 0 left side(s)"));
}

TEST(PresetsTest, AParseErrorNamesFileLineAndColumn) {
  PresetDir dir("id: \"broken\"\ntitle \"Broken\"\n");
  auto files = ReadPresetFiles(dir.path());
  ASSERT_EQ(files.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(files.status().message()),
              HasSubstr(dir.path() + "/broken.textproto:2:"));
}

}  // namespace
}  // namespace yoga::planner
