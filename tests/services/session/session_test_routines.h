// Routines for session tests: the shipped presets and composed routines,
// made with the planner library against the shipped catalog.
#ifndef YOGA_TESTS_SERVICES_SESSION_SESSION_TEST_ROUTINES_H_
#define YOGA_TESTS_SERVICES_SESSION_SESSION_TEST_ROUTINES_H_

#include <cstdlib>
#include <iostream>
#include <memory>
#include <vector>

#include "services/planner/presets.h"
#include "services/session/timeline_builder.h"
#include "tests/services/planner/planner_test_catalog.h"

namespace yoga::session::testing {

using planner::testing::ShippedCatalog;

inline const std::vector<yoga::planner::v1::Preset>& ShippedPresets() {
  static const auto* presets = [] {
    auto files = planner::ReadPresetFiles(YOGA_SOURCE_DIR "/assets/presets");
    if (!files.ok()) {
      std::cerr << files.status() << "\n";
      std::abort();
    }
    auto built = planner::BuildPresets(
        *files, planner::testing::ShippedPlanningCatalog());
    if (!built.ok()) {
      std::cerr << built.status() << "\n";
      std::abort();
    }
    return new std::vector<yoga::planner::v1::Preset>(*std::move(built));
  }();
  return *presets;
}

inline const yoga::type::v1::Routine& PresetRoutine(absl::string_view id) {
  for (const auto& preset : ShippedPresets()) {
    if (preset.id() == id) return preset.routine();
  }
  std::cerr << "no preset " << id << "\n";
  std::abort();
}

// The timeline of runners-lower-back-four at FULL with estimated prompt
// durations (not the voice pack's: tests of sessions and logs do not change
// when a prompt is re-recorded), built once.
inline std::shared_ptr<const Timeline> PresetTimeline() {
  static const auto* timeline = [] {
    const PromptDurations durations(kDefaultVoicePack);
    TimelineBuilder builder(ShippedCatalog(), durations);
    auto built = builder.Build(PresetRoutine("runners-lower-back-four"), {});
    if (!built.ok()) {
      std::cerr << built.status() << "\n";
      std::abort();
    }
    return new std::shared_ptr<const Timeline>(
        std::make_shared<const Timeline>(*std::move(built)));
  }();
  return *timeline;
}

}  // namespace yoga::session::testing

#endif  // YOGA_TESTS_SERVICES_SESSION_SESSION_TEST_ROUTINES_H_
