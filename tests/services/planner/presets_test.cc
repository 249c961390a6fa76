// The five presets against golden files: any change to a preset, the catalog
// or the timing rules shows up here as a diff. Regenerate on purpose with
// UPDATE_GOLDEN=1 and review the diff.
#include "services/planner/presets.h"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "google/protobuf/text_format.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
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

TEST(PresetsTest, FollowTheirArticles) {
  for (const auto& preset : ShippedPresets()) {
    SCOPED_TRACE(preset.id());
    const auto& steps = preset.routine().steps();
    if (preset.id() == "low-back-tight-hips-short") {
      // Right side of the hip stretch, cat-cow ten times, then the left side.
      std::vector<std::string> order;
      for (const auto& step : steps) {
        if (order.empty() || order.back() != step.pose_id())
          order.push_back(step.pose_id());
      }
      EXPECT_THAT(order, ::testing::ElementsAre("tabletop", "deep-hip-stretch",
                                                "cat-cow", "deep-hip-stretch",
                                                "tabletop", "childs-pose"));
      for (const auto& step : steps) {
        if (step.pose_id() == "cat-cow") {
          EXPECT_EQ(step.hold_count(), 10u);
        }
      }
    }
    if (preset.id() == "lower-back-relief-session") {
      const int64_t seconds = preset.routine().total_duration().seconds();
      EXPECT_GE(seconds, 15 * 60);
      EXPECT_LE(seconds, 20 * 60);
    }
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
