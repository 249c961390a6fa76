#include "services/planner/presets.h"

#include <algorithm>
#include <filesystem>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "services/common/slug.h"
#include "services/planner/routine_rules.h"
#include "services/planner/routine_timing.h"

namespace yoga::planner {

using yoga::planner::v1::Preset;

absl::StatusOr<std::vector<PresetFile>> ReadPresetFiles(
    const std::string& directory) {
  absl::StatusOr<std::vector<std::string>> paths =
      ListTextProtoFiles(directory, "presets");
  if (!paths.ok()) return paths.status();
  std::vector<PresetFile> files;
  std::vector<std::string> problems;
  for (const std::string& path : *paths) {
    absl::StatusOr<PresetFile> file = ReadTextProtoFile<Preset>(path);
    if (file.ok()) {
      files.push_back(*std::move(file));
    } else {
      problems.emplace_back(file.status().message());
    }
  }
  if (!problems.empty())
    return absl::FailedPreconditionError(absl::StrJoin(problems, "\n"));
  return files;
}

absl::StatusOr<std::vector<Preset>> BuildPresets(
    const std::vector<PresetFile>& files, const PlanningCatalog& catalog) {
  std::vector<std::string> problems;
  std::set<std::string> ids;
  std::vector<Preset> presets;
  for (const PresetFile& file : files) {
    auto report = [&](const FieldPath& path, absl::string_view reason) {
      problems.push_back(
          absl::StrCat(file.path, ":", file.LineOf(path), ": ", reason));
    };
    const Preset& preset = file.message;
    const std::string stem = std::filesystem::path(file.path).stem().string();
    if (!IsSlug(preset.id()) || preset.id() != stem) {
      report({{"id"}}, absl::StrCat("id \"", preset.id(),
                                    "\" must be a slug equal to the file "
                                    "name \"",
                                    stem, "\""));
    } else if (!ids.insert(preset.id()).second) {
      report({{"id"}},
             absl::StrCat("duplicate preset id \"", preset.id(), "\""));
    }
    if (preset.title().empty()) report({{"title"}}, "title is required");
    if (preset.source().empty())
      report({{"source"}}, "source (the seed file) is required");
    if (preset.routine().steps().empty())
      report({{"routine"}}, "the routine has no steps");
    for (const RuleViolation& violation :
         CheckRoutineRules(catalog.catalog(), preset.routine().steps())) {
      report({{"routine"}, {"steps", violation.step}, {violation.field}},
             violation.description);
    }
    Preset built = preset;
    auto& routine = *built.mutable_routine();
    if (routine.title().empty()) routine.set_title(preset.title());
    routine.set_preset_id(preset.id());
    presets.push_back(std::move(built));
  }
  if (!problems.empty())
    return absl::FailedPreconditionError(absl::StrJoin(problems, "\n"));
  for (Preset& preset : presets)
    TimeRoutine(catalog, kDefaultBreath, *preset.mutable_routine());
  std::stable_sort(
      presets.begin(), presets.end(),
      [](const Preset& a, const Preset& b) { return a.source() < b.source(); });
  return presets;
}

}  // namespace yoga::planner
