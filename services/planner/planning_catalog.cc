#include "services/planner/planning_catalog.h"

#include <utility>

#include "services/catalog/effective_pose.h"
#include "services/catalog/prop_words.h"
#include "services/planner/routine_timing.h"

namespace yoga::planner {

absl::Duration SpeakingTime(absl::string_view text) {
  // Festival's voice takes at most 0.4 s a word, hyphenated parts counted
  // apart ("Downward-Facing"), plus 0.85 s (measured on the default pack;
  // planning_catalog_test holds every prompt to it).
  constexpr absl::Duration kPerWord = absl::Milliseconds(380);
  constexpr absl::Duration kPerSentence = absl::Milliseconds(600);
  int64_t words = 0;
  bool in_word = false;
  for (char c : text) {
    const bool apart = c == ' ' || c == '-';
    if (!apart && !in_word) ++words;
    in_word = !apart;
  }
  return words * kPerWord + kPerSentence;
}

namespace {

using yoga::catalog::v1::Cue;

// The timeline leaves this much after an instruction, to do it.
constexpr absl::Duration kDoIt = absl::Milliseconds(2000);
// ... and this much after a name or a short word.
constexpr absl::Duration kGap = absl::Milliseconds(500);

// Adds each cue's time to every side it is said on. `skip_first` leaves out
// the starting position (an unsided, untagged first cue); `tail` gets the
// time from the last movement's start to the end.
void AddCues(const google::protobuf::RepeatedPtrField<Cue>& cues,
             absl::Duration (&all)[3], int (&movements)[3],
             absl::Duration (*sided)[3], bool skip_first,
             absl::Duration (*tail)[3] = nullptr) {
  for (int i = 0; i < cues.size(); ++i) {
    const Cue& cue = cues[i];
    if (skip_first && i == 0 &&
        cue.breath() == yoga::catalog::v1::BREATH_UNSPECIFIED &&
        cue.side() == yoga::type::v1::SIDE_UNSPECIFIED)
      continue;
    // Setting up a prop takes longer (timeline_builder.h).
    const absl::Duration time =
        SpeakingTime(cue.text()) + kDoIt +
        (catalog::NamesAProp(cue.text()) ? kPlacingAProp
                                         : absl::ZeroDuration());
    for (int side = 0; side < 3; ++side) {
      const bool applies =
          cue.side() == yoga::type::v1::SIDE_UNSPECIFIED || cue.side() == side;
      if (!applies) continue;
      all[side] += time;
      const bool movement =
          cue.breath() != yoga::catalog::v1::BREATH_UNSPECIFIED;
      if (movement) ++movements[side];
      if (tail != nullptr) {
        if (movement) {
          (*tail)[side] = time;
        } else if ((*tail)[side] > absl::ZeroDuration()) {
          (*tail)[side] += time;
        }
      }
      if (sided != nullptr && cue.side() != yoga::type::v1::SIDE_UNSPECIFIED) {
        (*sided)[side] += time;
      }
    }
  }
}

CueTimes Compute(const yoga::catalog::v1::Pose& pose,
                 const yoga::catalog::v1::Variation* variation) {
  CueTimes times;
  const auto& setup = catalog::SetupCuesOf(pose, variation);
  AddCues(setup, times.setup, times.setup_movements, &times.setup_sided, false,
          &times.after_last_movement);
  AddCues(setup, times.setup_again, times.setup_again_movements, nullptr, true);
  AddCues(catalog::ReleaseCuesOf(pose, variation), times.release,
          times.release_movements, nullptr, false);
  times.name =
      SpeakingTime(variation != nullptr ? variation->name() : pose.name()) +
      kGap;
  auto add_cautions = [&](const auto& cautions) {
    for (const auto& caution : cautions) {
      if (caution.action() == yoga::catalog::v1::CAUTION_ACTION_MENTION &&
          caution.condition() == yoga::type::v1::CONDITION_UNSPECIFIED)
        times.cautions += SpeakingTime(caution.cue().text()) + kDoIt;
    }
  };
  add_cautions(pose.cautions());
  if (variation != nullptr) add_cautions(variation->cautions());
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
