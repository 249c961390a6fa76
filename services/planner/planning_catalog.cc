#include "services/planner/planning_catalog.h"

#include <utility>

#include "services/catalog/effective_pose.h"

namespace yoga::planner {
namespace {

using yoga::catalog::v1::Cue;

// Speaking pace used to leave room for cues: about 150 words a minute, with a
// short pause after each sentence.
constexpr absl::Duration kPerWord = absl::Milliseconds(400);
constexpr absl::Duration kAfterCue = absl::Milliseconds(600);

absl::Duration SpeakingTime(const Cue& cue) {
  int64_t words = 0;
  bool in_word = false;
  for (char c : cue.text()) {
    const bool space = c == ' ';
    if (!space && !in_word) ++words;
    in_word = !space;
  }
  return words * kPerWord + kAfterCue;
}

void AddCues(const google::protobuf::RepeatedPtrField<Cue>& cues,
             absl::Duration (&all)[3], absl::Duration (*sided)[3]) {
  for (const Cue& cue : cues) {
    const absl::Duration time = SpeakingTime(cue);
    for (int side = 0; side < 3; ++side) {
      const bool applies =
          cue.side() == yoga::type::v1::SIDE_UNSPECIFIED || cue.side() == side;
      if (!applies) continue;
      all[side] += time;
      if (sided != nullptr && cue.side() != yoga::type::v1::SIDE_UNSPECIFIED) {
        (*sided)[side] += time;
      }
    }
  }
}

CueTimes Compute(const yoga::catalog::v1::Pose& pose,
                 const yoga::catalog::v1::Variation* variation) {
  CueTimes times;
  AddCues(catalog::SetupCuesOf(pose, variation), times.setup,
          &times.setup_sided);
  AddCues(catalog::ReleaseCuesOf(pose, variation), times.release, nullptr);
  return times;
}

}  // namespace

PlanningCatalog::PlanningCatalog(
    std::shared_ptr<const catalog::Catalog> catalog)
    : catalog_(std::move(catalog)) {
  for (const auto& pose : catalog_->poses()) {
    times_.emplace(&pose, Compute(pose, nullptr));
    for (const auto& variation : pose.variations()) {
      times_.emplace(&variation, Compute(pose, &variation));
    }
  }
}

const CueTimes& PlanningCatalog::TimesOf(
    const yoga::catalog::v1::Pose& pose,
    const yoga::catalog::v1::Variation* variation) const {
  const void* key =
      variation != nullptr ? static_cast<const void*>(variation) : &pose;
  return times_.at(key);
}

}  // namespace yoga::planner
