#include "services/session/flow_beats.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/catalog/effective_pose.h"
#include "tests/services/session/session_test_routines.h"

namespace yoga::session {
namespace {

// Slots and spans of a pose's (or variation's) flow, as "key@slot+span".
std::vector<std::string> Layout(const std::string& pose_id,
                                const std::string& variation_id = "") {
  const auto& pose = *testing::ShippedCatalog().FindPose(pose_id);
  const auto* variation = catalog::FindVariation(pose, variation_id);
  auto beats = FlowBeats(
      catalog::HoldCuesOf(pose, variation), yoga::type::v1::SIDE_UNSPECIFIED,
      static_cast<int>(
          catalog::HoldOf(pose, variation).breaths_per_repetition()));
  EXPECT_TRUE(beats.ok()) << beats.status();
  std::vector<std::string> laid;
  for (const Beat& beat : *beats) {
    laid.push_back(beat.cue->key() + "@" + std::to_string(beat.slot) + "+" +
                   std::to_string(beat.span) +
                   (beat.holding != nullptr ? " holding" : ""));
  }
  return laid;
}

TEST(FlowBeatsTest, CatCowIsOneBreathOutThenIn) {
  EXPECT_THAT(Layout("cat-cow"),
              ::testing::ElementsAre("cat-cow.hold.round@0+1",
                                     "cat-cow.hold.arch@1+1"));
}

TEST(FlowBeatsTest, BirdDogsHoldIsPartOfItsPhase) {
  // Four breaths a round: reach (in), a still breath, lower (out), for each
  // side; the still moment takes the round's spare breath.
  EXPECT_THAT(Layout("bird-dog"),
              ::testing::ElementsAre(
                  "bird-dog.hold.reach-right-arm-left-leg@0+3 holding",
                  "bird-dog.hold.lower-right-arm-left-leg@3+1",
                  "bird-dog.hold.reach-left-arm-right-leg@4+3 holding",
                  "bird-dog.hold.lower-left-arm-right-leg@7+1"));
}

TEST(FlowBeatsTest, TheSunSalutationFillsEveryHalfBreath) {
  const auto laid = Layout("sun-salutation");
  ASSERT_EQ(laid.size(), 12u);
  for (size_t i = 0; i < laid.size(); ++i) {
    EXPECT_THAT(laid[i], ::testing::EndsWith("@" + std::to_string(i) + "+1"));
  }
}

TEST(FlowBeatsTest, MovementsThatNeedMoreBreathsThanTheRoundAreRefused) {
  const auto& pose = *testing::ShippedCatalog().FindPose("sun-salutation");
  auto beats = FlowBeats(pose.hold_cues(), yoga::type::v1::SIDE_UNSPECIFIED,
                         /*breaths_per_round=*/3);
  EXPECT_EQ(beats.status().code(), absl::StatusCode::kInternal);
}

}  // namespace
}  // namespace yoga::session
