#include "services/planner/planner_flags.h"

#include <string>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"

ABSL_FLAG(std::string, presets_dir, YOGA_DEFAULT_PRESETS_DIR,
          "folder of *.textproto preset routines");

ABSL_FLAG(absl::Duration, keep_unused_routines, absl::Hours(24 * 90),
          "with a database: a composed routine nobody has composed or read "
          "for this long is deleted (presets never are); 0 keeps them for "
          "ever");

namespace yoga::planner {

absl::StatusOr<std::vector<PresetFile>> ReadPresetFilesFromFlags() {
  return ReadPresetFiles(absl::GetFlag(FLAGS_presets_dir));
}

}  // namespace yoga::planner

namespace yoga::planner {

absl::StatusOr<storage::RetentionPolicy> RoutineRetentionFromFlags() {
  storage::RetentionPolicy policy;
  policy.keep_unused_routines = absl::GetFlag(FLAGS_keep_unused_routines);
  // A routine in use has its mark renewed at most every
  // kRoutineUseRefresh by the database and again by each planner's memory
  // (planner.cc): up to twice that old while in use; a third for margin.
  const absl::Duration least = 3 * storage::kRoutineUseRefresh;
  if (policy.keep_unused_routines != absl::ZeroDuration() &&
      policy.keep_unused_routines < least) {
    return absl::InvalidArgumentError(
        absl::StrCat("--keep_unused_routines: must be 0 (keep for ever) or "
                     "at least ",
                     absl::FormatDuration(least),
                     " (a routine in use is marked so only once a day)"));
  }
  return policy;
}

}  // namespace yoga::planner
