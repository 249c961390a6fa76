// One failing fixture per rule of assets/catalog/README.md, each asserting the
// exact "file:line: reason" the loader prints.
#include "services/catalog/catalog_validation.h"

#include <utility>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/services/catalog/catalog_fixtures.h"

namespace yoga::catalog {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using testing::kAlpha;
using testing::kBeta;
using testing::Replace;

std::vector<std::string> Validate(
    const std::vector<std::pair<std::string, std::string>>& files) {
  std::vector<PoseFile> parsed;
  for (const auto& [path, text] : files) {
    auto file = ParsePoseText(path, text);
    EXPECT_TRUE(file.ok()) << file.status();
    if (file.ok()) parsed.push_back(*std::move(file));
  }
  return ValidateCatalog(parsed);
}

std::vector<std::string> ValidateAlpha(const std::string& text) {
  return Validate({{"alpha.textproto", text}, {"beta.textproto", kBeta}});
}

std::vector<std::string> ValidateBeta(const std::string& text) {
  return Validate({{"alpha.textproto", kAlpha}, {"beta.textproto", text}});
}

TEST(CatalogValidationTest, ValidFixturesPass) {
  EXPECT_THAT(
      Validate({{"alpha.textproto", kAlpha}, {"beta.textproto", kBeta}}),
      IsEmpty());
}

TEST(CatalogValidationTest, IdMustMatchFileName) {
  EXPECT_THAT(
      Validate({{"dir/gamma.textproto", kAlpha}}),
      ElementsAre(
          "dir/gamma.textproto:1: id \"alpha\" must match the file name "
          "\"gamma.textproto\""));
}

TEST(CatalogValidationTest, IdMustBeASlug) {
  EXPECT_THAT(Validate({{"Alpha.textproto",
                         Replace(kAlpha, "id: \"alpha\"", "id: \"Alpha\"")}}),
              ::testing::Contains(
                  "Alpha.textproto:1: id \"Alpha\" must be a slug (a-z, 0-9, "
                  "single dashes)"));
}

TEST(CatalogValidationTest, PoseIdsAreUnique) {
  EXPECT_THAT(
      Validate({{"a/alpha.textproto", kAlpha}, {"b/alpha.textproto", kAlpha}}),
      ElementsAre("b/alpha.textproto:1: duplicate pose id \"alpha\""));
}

TEST(CatalogValidationTest, RequiredFieldsAreNamed) {
  EXPECT_THAT(ValidateAlpha(Replace(kAlpha, "name: \"Alpha\"\n", "")),
              ElementsAre("alpha.textproto:1: name is required"));
  EXPECT_THAT(
      ValidateAlpha(Replace(kAlpha, "position: BODY_POSITION_STANDING\n", "")),
      ElementsAre("alpha.textproto:1: position is required"));
  EXPECT_THAT(
      ValidateAlpha(Replace(kAlpha, "kind: POSE_KIND_STATIC_STRETCH\n", "")),
      ElementsAre("alpha.textproto:1: kind is required"));
  EXPECT_THAT(ValidateAlpha(Replace(kAlpha, "level: LEVEL_BEGINNER\n", "")),
              ElementsAre("alpha.textproto:1: level is required"));
  EXPECT_THAT(
      ValidateAlpha(
          Replace(kAlpha, "spinal_actions: SPINAL_ACTION_NEUTRAL\n", "")),
      ElementsAre(
          "alpha.textproto:1: spinal_actions needs at least one value"));
}

TEST(CatalogValidationTest, HoldMinMustNotExceedMax) {
  EXPECT_THAT(
      ValidateAlpha(Replace(kAlpha, "min_count: 20", "min_count: 90")),
      ElementsAre(
          "alpha.textproto:8: hold.min_count 90 is greater than max_count 60"));
}

TEST(CatalogValidationTest, HoldDefaultMustBeInRange) {
  EXPECT_THAT(
      ValidateAlpha(Replace(kAlpha, "default_count: 30", "default_count: 10")),
      ElementsAre(
          "alpha.textproto:8: hold.default_count 10 is outside [20, 60]"));
}

TEST(CatalogValidationTest, HoldNeedsAUnitAndCounts) {
  EXPECT_THAT(ValidateAlpha(Replace(kAlpha, "unit: HOLD_UNIT_SECONDS ", "")),
              ElementsAre("alpha.textproto:8: hold.unit is required"));
  EXPECT_THAT(
      ValidateAlpha(Replace(kAlpha, "min_count: 20", "min_count: 0")),
      ElementsAre("alpha.textproto:8: hold counts must all be above zero"));
}

TEST(CatalogValidationTest, RepetitionsNeedBreathsPerRepetition) {
  EXPECT_THAT(ValidateAlpha(Replace(kAlpha, "HOLD_UNIT_SECONDS",
                                    "HOLD_UNIT_REPETITIONS")),
              ElementsAre("alpha.textproto:8: hold in repetitions needs "
                          "breaths_per_repetition"));
}

TEST(CatalogValidationTest, CueNeedsText) {
  EXPECT_THAT(
      ValidateAlpha(Replace(kAlpha, " text: \"Stand tall.\"", "")),
      ElementsAre("alpha.textproto:9: cue \"alpha.setup.stand\" has no text"));
}

TEST(CatalogValidationTest, CueKeyStartsWithOwnerAndPhase) {
  EXPECT_THAT(
      ValidateAlpha(Replace(kAlpha, "alpha.setup.stand", "beta.setup.stand")),
      ElementsAre("alpha.textproto:9: cue key \"beta.setup.stand\" must be "
                  "\"alpha.setup.<slug>\""));
  EXPECT_THAT(
      ValidateAlpha(Replace(kAlpha, "alpha.setup.stand", "alpha.hold.stand")),
      ElementsAre("alpha.textproto:9: cue key \"alpha.hold.stand\" must be "
                  "\"alpha.setup.<slug>\""));
}

TEST(CatalogValidationTest, CueKeysAreUniqueInAList) {
  const std::string twice = Replace(kAlpha, "sources:",
                                    "setup_cues { key: \"alpha.setup.stand\" "
                                    "text: \"Stand tall.\" }\nsources:");
  EXPECT_THAT(
      ValidateAlpha(twice),
      ElementsAre(
          "alpha.textproto:10: duplicate cue key \"alpha.setup.stand\""));
}

TEST(CatalogValidationTest, AReusedCueKeyKeepsItsText) {
  const std::string changed = Replace(
      kBeta,
      "  setup_cues { key: \"beta.setup.lie-down\" text: \"Lie on your back.\" "
      "}",
      "  setup_cues { key: \"beta.setup.lie-down\" text: \"Lie down.\" }");
  EXPECT_THAT(
      ValidateBeta(changed),
      ElementsAre(
          "beta.textproto:18: cue key \"beta.setup.lie-down\" has a different "
          "text at beta.textproto:11"));
}

TEST(CatalogValidationTest, SidedCuesOnlyInSidedPoses) {
  EXPECT_THAT(
      ValidateBeta(Replace(kBeta, "sided: true\n", "")),
      ElementsAre(
          "beta.textproto:11: cue \"beta.setup.knees-right\" has a side but "
          "the "
          "pose is not sided",
          "beta.textproto:12: cue \"beta.setup.knees-left\" has a side but the "
          "pose is not sided"));
}

TEST(CatalogValidationTest, EverySideGetsTheSameNumberOfCues) {
  const std::string no_left =
      Replace(kBeta,
              "setup_cues { key: \"beta.setup.knees-left\" text: \"Drop your "
              "knees to the left.\" side: "
              "SIDE_LEFT }\n",
              "");
  EXPECT_THAT(
      ValidateBeta(no_left),
      ElementsAre(
          "beta.textproto:11: setup_cues has 1 SIDE_RIGHT cues but 0 SIDE_LEFT "
          "cues"));
}

TEST(CatalogValidationTest, NeedsASetupCue) {
  EXPECT_THAT(
      ValidateAlpha(
          Replace(kAlpha,
                  "setup_cues { key: \"alpha.setup.stand\" text: \"Stand "
                  "tall.\" }\n",
                  "")),
      ElementsAre("alpha.textproto:1: at least one setup cue is required"));
}

TEST(CatalogValidationTest, CounterposesMustExist) {
  EXPECT_THAT(
      ValidateAlpha(std::string(kAlpha) + "counterposes: \"gamma\"\n"),
      ElementsAre(
          "alpha.textproto:11: unknown pose id \"gamma\" in counterposes"));
  EXPECT_THAT(
      ValidateAlpha(std::string(kAlpha) + "counterposes: \"alpha\"\n"),
      ElementsAre("alpha.textproto:11: a pose cannot be its own counterpose"));
}

TEST(CatalogValidationTest, AlternativesMustExist) {
  EXPECT_THAT(
      ValidateAlpha(std::string(kAlpha) +
                    "alternatives { pose_id: \"gamma\" reason: "
                    "ALTERNATIVE_REASON_EASIER }\n"),
      ElementsAre(
          "alpha.textproto:11: unknown pose id \"gamma\" in alternatives"));
  EXPECT_THAT(
      ValidateAlpha(
          std::string(kAlpha) +
          "alternatives { pose_id: \"beta\" variation_id: \"beta-nope\" "
          "reason: ALTERNATIVE_REASON_EASIER }\n"),
      ElementsAre("alpha.textproto:11: unknown variation \"beta-nope\" of pose "
                  "\"beta\""));
  EXPECT_THAT(
      ValidateAlpha(std::string(kAlpha) +
                    "alternatives { pose_id: \"beta\" }\n"),
      ElementsAre("alpha.textproto:11: alternative reason is required"));
  EXPECT_THAT(ValidateAlpha(std::string(kAlpha) +
                            "alternatives { pose_id: \"beta\" reason: "
                            "ALTERNATIVE_REASON_CONDITION }\n"),
              ElementsAre("alpha.textproto:11: ALTERNATIVE_REASON_CONDITION "
                          "needs a condition"));
  EXPECT_THAT(ValidateAlpha(std::string(kAlpha) +
                            "alternatives { pose_id: \"alpha\" reason: "
                            "ALTERNATIVE_REASON_NO_FLOOR }\n"),
              ElementsAre("alpha.textproto:11: a pose cannot be its own "
                          "alternative (name one of its "
                          "variations)"));
}

TEST(CatalogValidationTest, CautionsNameAnActionAndAnExistingVariation) {
  const std::string caution =
      "cautions { condition: CONDITION_TIGHT_HAMSTRINGS action: "
      "CAUTION_ACTION_USE_VARIATION "
      "variation_id: \"beta-nope\" cue { key: \"beta.caution.bend\" text: "
      "\"Bend.\" } }\n";
  EXPECT_THAT(ValidateBeta(std::string(kBeta) + caution),
              ElementsAre("beta.textproto:22: unknown variation \"beta-nope\" "
                          "of pose \"beta\""));
  EXPECT_THAT(
      ValidateBeta(
          std::string(kBeta) +
          "cautions { cue { key: \"beta.caution.bend\" text: \"Bend.\" } }\n"),
      ElementsAre("beta.textproto:22: caution.action is required"));
  EXPECT_THAT(ValidateBeta(std::string(kBeta) +
                           "cautions { action: CAUTION_ACTION_MENTION }\n"),
              ElementsAre("beta.textproto:22: caution needs a cue to speak"));
}

TEST(CatalogValidationTest, AvoidingOrSwappingAPoseNeedsACondition) {
  EXPECT_THAT(
      ValidateBeta(std::string(kBeta) +
                   "cautions { action: CAUTION_ACTION_AVOID cue { key: "
                   "\"beta.caution.skip\" text: \"Skip it.\" } }\n"),
      ElementsAre("beta.textproto:22: CAUTION_ACTION_AVOID needs a condition"));
}

TEST(CatalogValidationTest, ANoFloorAlternativeDoesNotLieOnTheFloor) {
  const std::string to_beta =
      "alternatives { pose_id: \"beta\" reason: ALTERNATIVE_REASON_NO_FLOOR "
      "}\n";
  EXPECT_THAT(
      ValidateAlpha(std::string(kAlpha) + to_beta),
      ElementsAre("alpha.textproto:11: a NO_FLOOR alternative must not lie on "
                  "the floor itself"));
  // A variation that stands up is a fine alternative.
  const std::string standing_variation =
      Replace(kBeta, "  level: LEVEL_ADVANCED",
              "  level: LEVEL_ADVANCED\n  needs_floor: false");
  EXPECT_THAT(
      Validate(
          {{"alpha.textproto",
            std::string(kAlpha) +
                "alternatives { pose_id: \"beta\" variation_id: "
                "\"beta-legs-long\" reason: ALTERNATIVE_REASON_NO_FLOOR }\n"},
           {"beta.textproto", standing_variation}}),
      IsEmpty());
}

TEST(CatalogValidationTest, VariationIdsArePrefixedAndUnique) {
  EXPECT_THAT(
      ValidateBeta(
          Replace(kBeta, "id: \"beta-legs-long\"", "id: \"legs-long\"")),
      ElementsAre(
          "beta.textproto:15: variation id \"legs-long\" must start with "
          "\"beta-\""));
  const std::string twice =
      Replace(kBeta, "props {",
              "variations { id: \"beta-legs-long\" name: \"Again\" level: "
              "LEVEL_BEGINNER }\nprops {");
  EXPECT_THAT(
      ValidateBeta(twice),
      ElementsAre("beta.textproto:20: duplicate id \"beta-legs-long\""));
}

TEST(CatalogValidationTest, SourcesNameSeedFiles) {
  EXPECT_THAT(
      ValidateAlpha(
          Replace(kAlpha, "sources: \"000_03556a3cf9a37679.txt\"\n", "")),
      ElementsAre(
          "alpha.textproto:1: sources must name at least one seed file"));
  EXPECT_THAT(
      ValidateAlpha(
          Replace(kAlpha, "000_03556a3cf9a37679.txt", "yoga-journal.html")),
      ElementsAre(
          "alpha.textproto:10: source \"yoga-journal.html\" is not a seed file "
          "name (NNN_<16 hex digits>.txt)"));
}

TEST(CatalogValidationTest, EnumsMustBeKnownAndSpecified) {
  EXPECT_THAT(
      ValidateAlpha(Replace(kAlpha, "BODY_POSITION_STANDING", "42")),
      ElementsAre(
          "alpha.textproto:3: position: unknown BodyPosition value 42"));
  EXPECT_THAT(
      ValidateAlpha(Replace(kAlpha, "stretches: BODY_AREA_HAMSTRINGS",
                            "stretches: BODY_AREA_UNSPECIFIED")),
      ElementsAre(
          "alpha.textproto:6: stretches must not hold the UNSPECIFIED value"));
}

TEST(CatalogValidationTest, PropsAreNamedOnce) {
  EXPECT_THAT(
      ValidateBeta(Replace(
          kBeta, "props { prop: PROP_BLANKET required: true }",
          "props { prop: PROP_BLANKET }\nprops { prop: PROP_BLANKET }")),
      ElementsAre("beta.textproto:21: prop PROP_BLANKET is listed twice"));
}

TEST(CatalogValidationTest, ReportsEveryProblemAtOnce) {
  std::string broken = Replace(kAlpha, "min_count: 20", "min_count: 90");
  broken = Replace(broken, " text: \"Stand tall.\"", "");
  EXPECT_EQ(ValidateAlpha(broken).size(), 2u);
}

}  // namespace
}  // namespace yoga::catalog
