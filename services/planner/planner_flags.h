// --presets_dir, shared by every program that hosts the planner service.
#ifndef YOGA_SERVICES_PLANNER_PLANNER_FLAGS_H_
#define YOGA_SERVICES_PLANNER_PLANNER_FLAGS_H_

#include <vector>

#include "absl/status/statusor.h"
#include "services/planner/presets.h"

namespace yoga::planner {

// The preset files in --presets_dir (default: the source tree's
// assets/presets).
absl::StatusOr<std::vector<PresetFile>> ReadPresetFilesFromFlags();

}  // namespace yoga::planner

#endif  // YOGA_SERVICES_PLANNER_PLANNER_FLAGS_H_
