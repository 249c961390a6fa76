// --presets_dir and --keep_unused_routines, shared by every program that
// hosts the planner service.
#ifndef YOGA_SERVICES_PLANNER_PLANNER_FLAGS_H_
#define YOGA_SERVICES_PLANNER_PLANNER_FLAGS_H_

#include <vector>

#include "absl/status/statusor.h"
#include "services/planner/presets.h"
#include "services/storage/retention_sweeper.h"

namespace yoga::planner {

// The preset files in --presets_dir (default: the source tree's
// assets/presets).
absl::StatusOr<std::vector<PresetFile>> ReadPresetFilesFromFlags();

// What the planner deletes from its store (the routines part of the policy);
// INVALID_ARGUMENT naming the flag.
absl::StatusOr<storage::RetentionPolicy> RoutineRetentionFromFlags();

}  // namespace yoga::planner

#endif  // YOGA_SERVICES_PLANNER_PLANNER_FLAGS_H_
