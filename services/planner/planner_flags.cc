#include "services/planner/planner_flags.h"

#include <string>

#include "absl/flags/flag.h"

ABSL_FLAG(std::string, presets_dir, YOGA_DEFAULT_PRESETS_DIR,
          "folder of *.textproto preset routines");

namespace yoga::planner {

absl::StatusOr<std::vector<PresetFile>> ReadPresetFilesFromFlags() {
  return ReadPresetFiles(absl::GetFlag(FLAGS_presets_dir));
}

}  // namespace yoga::planner
