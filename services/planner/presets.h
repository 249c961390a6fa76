// The presets: one yoga.planner.v1.Preset per file in assets/presets/, each a
// seed article's routine written step by step. The files are read once at
// start-up; the routines are checked against a catalog (and the routine rules)
// and timed whenever the planner gets a catalog.
#ifndef YOGA_SERVICES_PLANNER_PRESETS_H_
#define YOGA_SERVICES_PLANNER_PRESETS_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "services/common/text_proto_file.h"
#include "services/planner/planning_catalog.h"
#include "yoga/planner/v1/planner_service.pb.h"

namespace yoga::planner {

using PresetFile = TextProtoFile<yoga::planner::v1::Preset>;

// Every *.textproto in `directory`, ordered by file name. Parse errors are
// FAILED_PRECONDITION, "file:line:column: reason" each.
absl::StatusOr<std::vector<PresetFile>> ReadPresetFiles(
    const std::string& directory);

// The presets with their routines checked and timed, ordered by source seed.
// Every broken rule is FAILED_PRECONDITION, "file:line: reason" per line.
absl::StatusOr<std::vector<yoga::planner::v1::Preset>> BuildPresets(
    const std::vector<PresetFile>& files, const PlanningCatalog& catalog);

}  // namespace yoga::planner

#endif  // YOGA_SERVICES_PLANNER_PRESETS_H_
