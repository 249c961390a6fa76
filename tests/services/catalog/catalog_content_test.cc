// The shipped catalog (assets/catalog/) against the seed articles: it loads,
// holds every pose and variation the seeds name, cites seeds that exist, and
// speaks in its own words rather than the articles'.
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/catalog/catalog_loader.h"
#include "tests/testing/seed_text.h"

namespace yoga::catalog {
namespace {

using yoga::catalog::v1::Cue;
using yoga::catalog::v1::Pose;

const Catalog& Shipped() {
  static const Catalog* catalog = [] {
    auto loaded = LoadCatalog(YOGA_SOURCE_DIR "/assets/catalog");
    if (!loaded.ok()) {
      ADD_FAILURE() << loaded.status();
      return new Catalog({});
    }
    return new Catalog(*std::move(loaded));
  }();
  return *catalog;
}

std::vector<const Cue*> AllCues(const Pose& pose) {
  std::vector<const Cue*> cues;
  auto add = [&](const auto& list) {
    for (const Cue& cue : list) cues.push_back(&cue);
  };
  add(pose.setup_cues());
  add(pose.hold_cues());
  add(pose.release_cues());
  for (const auto& caution : pose.cautions()) cues.push_back(&caution.cue());
  for (const auto& variation : pose.variations()) {
    add(variation.setup_cues());
    add(variation.hold_cues());
    add(variation.release_cues());
    for (const auto& caution : variation.cautions())
      cues.push_back(&caution.cue());
  }
  return cues;
}

struct Expected {
  const char* pose_id;
  std::vector<const char*> variation_ids;
  std::vector<const char*> seeds;  // Seed numbers the pose must cite.
};

// Every pose and variation the seed articles name (issue 2's list).
const std::vector<Expected>& ExpectedPoses() {
  static const auto* expected = new std::vector<Expected>{
      {"downward-facing-dog",
       {"downward-facing-dog-knees-bent", "downward-facing-dog-split"},
       {"000", "003"}},
      {"low-lunge", {"low-lunge-side-stretch"}, {"000"}},
      {"supine-twist", {"supine-twist-legs-extended"}, {"000", "002"}},
      {"childs-pose", {}, {"000", "001", "003"}},
      {"tabletop", {}, {"001"}},
      {"deep-hip-stretch", {"deep-hip-stretch-forward-fold"}, {"001"}},
      {"cat-cow", {}, {"001", "003"}},
      {"bound-angle", {"bound-angle-arms-forward"}, {"002"}},
      {"seated-twist", {}, {"002"}},
      {"kneeling-hip-flexor-stretch",
       {"kneeling-hip-flexor-stretch-side-bend"},
       {"002"}},
      {"standing-hamstring-stretch", {}, {"003"}},
      {"pelvic-tilts", {}, {"003"}},
      {"bird-dog", {}, {"003"}},
      {"bridge", {}, {"003"}},
      {"pigeon", {}, {"003"}},
      {"squat", {}, {"003"}},
      {"locust",
       {"locust-goal-post-arms", "locust-airplane-arms",
        "locust-opposite-lifts"},
       {"004"}},
      {"bow", {"bow-no-hands"}, {"004"}},
      {"reverse-tabletop", {"reverse-tabletop-leg-lifted"}, {"004"}},
      {"reverse-plank",
       {"reverse-plank-knee-to-chest", "reverse-plank-leg-lifted"},
       {"004"}},
      {"sun-salutation", {"sun-salutation-half"}, {"004"}},
  };
  return *expected;
}

TEST(CatalogContentTest, HoldsEveryPoseAndVariationOfTheSeeds) {
  for (const Expected& expected : ExpectedPoses()) {
    const Pose* pose = Shipped().FindPose(expected.pose_id);
    ASSERT_NE(pose, nullptr) << expected.pose_id;
    for (const char* variation_id : expected.variation_ids) {
      EXPECT_EQ(Shipped().FindPoseOfVariation(variation_id), pose)
          << variation_id;
    }
    for (const char* seed : expected.seeds) {
      EXPECT_TRUE(std::any_of(
          pose->sources().begin(), pose->sources().end(),
          [&](const std::string& s) { return s.rfind(seed, 0) == 0; }))
          << expected.pose_id << " does not cite seed " << seed;
    }
  }
}

TEST(CatalogContentTest, EveryPoseCanBeGuidedByVoice) {
  for (const Pose& pose : Shipped().poses()) {
    SCOPED_TRACE(pose.id());
    EXPECT_FALSE(pose.setup_cues().empty());
    EXPECT_FALSE(pose.hold_cues().empty());
    EXPECT_FALSE(pose.release_cues().empty());
    EXPECT_FALSE(pose.benefit().empty());
    EXPECT_GT(pose.hold().default_count(), 0u);
    for (const Cue* cue : AllCues(pose)) {
      // Short enough to say in one breath or two.
      const size_t words =
          std::vector<std::string>(absl::StrSplit(cue->text(), ' ')).size();
      EXPECT_LE(words, 20u) << cue->key() << ": " << cue->text();
    }
  }
}

// A setup or release cue that is a movement on a breath says which breath, in
// words the runner hears, and one that is not tagged does not pretend to be.
TEST(CatalogContentTest, MovementCuesSayTheirBreath) {
  int tagged = 0;
  auto check = [&](const auto& cues) {
    for (const Cue& cue : cues) {
      SCOPED_TRACE(cue.key());
      const std::string& text = cue.text();
      switch (cue.breath()) {
        case yoga::catalog::v1::BREATH_INHALE:
          ++tagged;
          EXPECT_THAT(text, ::testing::StartsWith("Breathe in and "));
          break;
        case yoga::catalog::v1::BREATH_EXHALE:
          ++tagged;
          EXPECT_THAT(text, ::testing::StartsWith("Breathe out and "));
          break;
        default:
          EXPECT_THAT(text,
                      ::testing::Not(::testing::StartsWith("Breathe in")));
          EXPECT_THAT(text,
                      ::testing::Not(::testing::StartsWith("Breathe out")));
      }
    }
  };
  for (const Pose& pose : Shipped().poses()) {
    check(pose.setup_cues());
    check(pose.release_cues());
    for (const auto& variation : pose.variations()) {
      check(variation.setup_cues());
      check(variation.release_cues());
    }
  }
  EXPECT_GT(tagged, 40) << "the main movements of the poses are on a breath";
}

// The modifications the seeds give out loud ("if X, do Y") are said to
// everyone as the pose is set up: cautions with no condition.
TEST(CatalogContentTest, TheSeedsModificationsAreSaidToEveryone) {
  auto everyone_cautions = [](const auto& cautions) {
    std::set<std::string> keys;
    for (const auto& caution : cautions) {
      if (caution.condition() == yoga::type::v1::CONDITION_UNSPECIFIED &&
          caution.action() == yoga::catalog::v1::CAUTION_ACTION_MENTION)
        keys.insert(caution.cue().key());
    }
    return keys;
  };
  auto pose_cautions = [&](const char* id) {
    const Pose* pose = Shipped().FindPose(id);
    return pose == nullptr ? std::set<std::string>()
                           : everyone_cautions(pose->cautions());
  };
  // Seed 000: knees slightly bent in Down Dog when the hamstrings are tight.
  EXPECT_THAT(pose_cautions("downward-facing-dog"),
              ::testing::Contains("downward-facing-dog.caution.bend-knees"));
  // Seed 001: a prop under the higher sit bone.
  EXPECT_THAT(pose_cautions("deep-hip-stretch"),
              ::testing::Contains("deep-hip-stretch.caution.high-sit-bone"));
  // Seed 002: bent legs make the reclining twist easier.
  const Pose* twist =
      Shipped().FindPoseOfVariation("supine-twist-legs-extended");
  ASSERT_NE(twist, nullptr);
  for (const auto& variation : twist->variations()) {
    if (variation.id() != "supine-twist-legs-extended") continue;
    EXPECT_THAT(
        everyone_cautions(variation.cautions()),
        ::testing::Contains("supine-twist-legs-extended.caution.easier"));
  }
  // Seed 004: soft elbows, cramping arches, no pain in the low back.
  EXPECT_THAT(pose_cautions("reverse-tabletop"),
              ::testing::Contains("reverse-tabletop.caution.elbows"));
  EXPECT_THAT(pose_cautions("reverse-plank"),
              ::testing::IsSupersetOf({"reverse-plank.caution.elbows",
                                       "reverse-plank.caution.arches"}));
  EXPECT_THAT(pose_cautions("bow"),
              ::testing::Contains("bow.caution.low-back-pain"));
}

TEST(CatalogContentTest, SeatedTwistReplacesTheReclingTwistWithoutFloor) {
  const Pose* twist = Shipped().FindPose("supine-twist");
  ASSERT_NE(twist, nullptr);
  EXPECT_TRUE(twist->needs_floor());
  EXPECT_TRUE(std::any_of(
      twist->alternatives().begin(), twist->alternatives().end(),
      [](const auto& a) {
        return a.pose_id() == "seated-twist" &&
               a.reason() == yoga::catalog::v1::ALTERNATIVE_REASON_NO_FLOOR;
      }));
  EXPECT_FALSE(Shipped().FindPose("seated-twist")->needs_floor());
}

TEST(CatalogContentTest, BackbendsAvoidExtensionSensitiveBacks) {
  for (const char* id : {"locust", "bow"}) {
    const Pose* pose = Shipped().FindPose(id);
    ASSERT_NE(pose, nullptr);
    EXPECT_TRUE(std::any_of(
        pose->cautions().begin(), pose->cautions().end(),
        [](const auto& c) {
          return c.condition() ==
                     yoga::type::v1::CONDITION_EXTENSION_SENSITIVE_BACK &&
                 c.action() == yoga::catalog::v1::CAUTION_ACTION_AVOID;
        }))
        << id;
    EXPECT_FALSE(pose->counterposes().empty()) << id;
  }
}

TEST(CatalogContentTest, CuesAreOurOwnWordsNotTheSeeds) {
  const std::set<std::string> seed_runs = yoga::testing::SeedRuns();
  if (seed_runs.empty()) GTEST_SKIP() << "no seed folder at " << YOGA_SEEDS_DIR;
  for (const Pose& pose : Shipped().poses()) {
    for (const Cue* cue : AllCues(pose)) {
      EXPECT_EQ(yoga::testing::CopiedRun(cue->text(), seed_runs), "")
          << cue->key() << " copies the seed";
    }
    EXPECT_EQ(yoga::testing::CopiedRun(pose.benefit(), seed_runs), "")
        << pose.id();
  }
}

TEST(CatalogContentTest, SourcesAreSeedFilesThatExist) {
  const std::filesystem::path seeds(YOGA_SEEDS_DIR);
  if (!std::filesystem::exists(seeds))
    GTEST_SKIP() << "no seed folder at " << seeds;
  for (const Pose& pose : Shipped().poses()) {
    for (const std::string& source : pose.sources()) {
      EXPECT_TRUE(std::filesystem::exists(seeds / source))
          << pose.id() << ": " << source;
    }
    for (const auto& variation : pose.variations()) {
      for (const std::string& source : variation.sources()) {
        EXPECT_TRUE(std::filesystem::exists(seeds / source))
            << variation.id() << ": " << source;
      }
    }
  }
}

}  // namespace
}  // namespace yoga::catalog
