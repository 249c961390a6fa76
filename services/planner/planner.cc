#include "services/planner/planner.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "services/common/errors.h"
#include "services/common/log.h"
#include "services/common/proto_time.h"
#include "services/common/slug.h"
#include "services/planner/composer.h"
#include "services/planner/custom_routine.h"
#include "services/planner/routine_timing.h"
#include "services/shared/breath_length.h"

namespace yoga::planner {

using yoga::type::v1::Routine;

namespace {

// Gives `spec` (constraints or a custom routine) the request's breath, which
// must equal the spec's own when that is set too.
template <typename Spec>
void SetBreathOf(const google::protobuf::Duration& breath,
                 absl::string_view spec_name, Spec& spec,
                 FieldViolations& violations) {
  if (!spec.has_breath_length()) {
    *spec.mutable_breath_length() = breath;
    return;
  }
  const absl::Duration own = FromProtoDuration(spec.breath_length());
  const absl::Duration asked = FromProtoDuration(breath);
  if (own == asked) return;
  violations.Add(
      "breath_length",
      absl::StrCat("is ", absl::FormatDuration(asked), " but ", spec_name,
                   ".breath_length is ", absl::FormatDuration(own),
                   "; set one of them, or both the same"));
}

}  // namespace

Planner::Planner(std::vector<PresetFile> preset_files, size_t store_capacity,
                 storage::Store* database)
    : preset_files_(std::move(preset_files)),
      store_(store_capacity),
      database_(database) {}

absl::Status Planner::UseCatalog(
    std::shared_ptr<const catalog::Catalog> catalog) {
  PlanningCatalog planning(std::move(catalog));
  absl::StatusOr<std::vector<yoga::planner::v1::Preset>> presets =
      BuildPresets(preset_files_, planning);
  if (!presets.ok()) return presets.status();
  for (const auto& preset : *presets) {
    store_.Put(storage::kEveryOwner, preset.routine());
    // So that a preset's id, taken from this catalog, stays found after the
    // catalog changes and on replicas that plan against another one.
    if (database_ != nullptr) {
      if (absl::Status status =
              database_->PutRoutine(storage::kEveryOwner, preset.routine().id(),
                                    preset.routine().SerializeAsString());
          !status.ok()) {
        Log(LogLevel::kWarning, "preset_not_stored",
            {{"preset", preset.id()}, {"error", status.ToString()}});
      }
    }
  }
  auto snapshot = std::make_shared<const Snapshot>(
      Snapshot{std::move(planning), *std::move(presets)});
  absl::MutexLock lock(&mutex_);
  snapshot_ = std::move(snapshot);
  return absl::OkStatus();
}

bool Planner::ready() const {
  absl::MutexLock lock(&mutex_);
  return snapshot_ != nullptr;
}

absl::StatusOr<std::shared_ptr<const Planner::Snapshot>> Planner::Current()
    const {
  absl::MutexLock lock(&mutex_);
  if (snapshot_ == nullptr) {
    return WithReason(absl::UnavailableError(
                          "the planner has not received the pose catalog yet"),
                      "CATALOG_NOT_READY");
  }
  return snapshot_;
}

absl::StatusOr<yoga::planner::v1::ListPresetsResponse> Planner::ListPresets()
    const {
  absl::StatusOr<std::shared_ptr<const Snapshot>> snapshot = Current();
  if (!snapshot.ok()) return snapshot.status();
  yoga::planner::v1::ListPresetsResponse response;
  for (const auto& preset : (*snapshot)->presets)
    *response.add_presets() = preset;
  return response;
}

absl::StatusOr<Routine> Planner::ComposeRoutine(
    const yoga::planner::v1::ComposeRoutineRequest& given,
    absl::string_view owner) {
  absl::StatusOr<std::shared_ptr<const Snapshot>> snapshot = Current();
  if (!snapshot.ok()) return snapshot.status();
  const PlanningCatalog& catalog = (*snapshot)->catalog;
  // The request's breath_length goes where the spec keeps its own.
  yoga::planner::v1::ComposeRoutineRequest request = given;
  FieldViolations violations;
  const bool has_breath =
      request.has_breath_length() &&
      CheckBreathLength(request.breath_length(), "breath_length", violations);
  if (has_breath && request.has_constraints()) {
    SetBreathOf(request.breath_length(), "constraints",
                *request.mutable_constraints(), violations);
  } else if (has_breath && request.has_custom()) {
    SetBreathOf(request.breath_length(), "custom", *request.mutable_custom(),
                violations);
  }
  absl::StatusOr<Routine> routine;
  switch (request.spec_case()) {
    case yoga::planner::v1::ComposeRoutineRequest::kPresetId: {
      if (!IsSlug(request.preset_id())) {
        violations.Add(
            "preset_id",
            "must be a preset id such as \"runners-lower-back-four\"");
        return violations.ToStatus();
      }
      if (!violations.empty()) return violations.ToStatus();
      const Routine* preset = nullptr;
      for (const auto& candidate : (*snapshot)->presets) {
        if (candidate.id() == request.preset_id()) {
          preset = &candidate.routine();
          break;
        }
      }
      if (preset == nullptr) {
        return WithReason(absl::NotFoundError(absl::StrCat(
                              "no preset \"", request.preset_id(), "\"")),
                          "PRESET_NOT_FOUND");
      }
      if (!has_breath || FromProtoDuration(request.breath_length()) ==
                             FromProtoDuration(preset->breath_length())) {
        return *preset;
      }
      // The preset at the runner's pace: holds in breaths and repetitions
      // follow the breath, holds in seconds stay.
      Routine paced = *preset;
      TimeRoutine(catalog, FromProtoDuration(request.breath_length()), paced);
      routine = std::move(paced);
      break;
    }
    case yoga::planner::v1::ComposeRoutineRequest::kConstraints:
      routine = planner::ComposeRoutine(catalog, request.constraints());
      break;
    case yoga::planner::v1::ComposeRoutineRequest::kCustom:
      routine = BuildCustomRoutine(catalog, request.custom());
      break;
    default:
      violations.Add("spec", "set one of preset_id, constraints or custom");
      return violations.ToStatus();
  }
  if (!violations.empty()) {
    // Every bad field at once: the breath's and the spec's own.
    if (!routine.ok()) {
      if (auto bad = BadRequestOf(routine.status())) {
        for (const auto& violation : bad->field_violations())
          violations.Add(violation.field(), violation.description());
      }
    }
    return violations.ToStatus();
  }
  if (!routine.ok()) return routine;
  // Written before the id is handed out, so that any replica (or this one
  // after a restart) can find it.
  if (database_ != nullptr) {
    if (absl::Status status = database_->PutRoutine(
            owner, routine->id(), routine->SerializeAsString());
        !status.ok()) {
      return status;
    }
  }
  store_.Put(owner, *routine);
  return routine;
}

void Planner::RenewDatabaseCopy(absl::string_view owner,
                                const Routine& routine) {
  // Reading marks the routine used for `owner` (store.h); a copy the
  // retention sweep took while this planner served it from memory is put
  // back, so other replicas and restarts still find it. Failures leave the
  // routine held but not renewed: the next call tries again.
  absl::StatusOr<std::optional<std::string>> read =
      database_->GetRoutine(owner, routine.id());
  if (!read.ok()) return;
  if (!read->has_value() &&
      !database_->PutRoutine(owner, routine.id(), routine.SerializeAsString())
           .ok()) {
    return;
  }
  store_.Put(owner, routine);
}

absl::StatusOr<Routine> Planner::GetRoutine(
    const yoga::planner::v1::GetRoutineRequest& request,
    absl::string_view owner) {
  // Routine ids are 16 lower-case hex digits (routine_timing.h).
  const std::string& id = request.id();
  const bool well_formed =
      id.size() == 16 && std::all_of(id.begin(), id.end(), [](char c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
      });
  if (!well_formed) {
    FieldViolations violations;
    violations.Add(
        "id", id.empty() ? "is required"
                         : "must be a routine id: 16 lower-case hex digits");
    return violations.ToStatus();
  }
  // Presets are always there, whatever the store has let go of.
  absl::StatusOr<std::shared_ptr<const Snapshot>> snapshot = Current();
  if (snapshot.ok()) {
    for (const auto& preset : (*snapshot)->presets) {
      if (preset.routine().id() == id) return preset.routine();
    }
  }
  if (std::optional<RoutineStore::Held> held = store_.Find(owner, id)) {
    if (database_ != nullptr &&
        absl::Now() - held->put_at >= storage::kRoutineUseRefresh) {
      RenewDatabaseCopy(held->owner, held->routine);
    }
    return std::move(held->routine);
  }
  std::optional<std::string> stored;
  if (database_ != nullptr) {
    auto read = database_->GetRoutine(owner, id);
    if (!read.ok()) return read.status();
    stored = *std::move(read);
  }
  if (!stored.has_value()) {
    // Without a catalog yet this planner does not know its presets either:
    // "try again", not "no such routine".
    if (!snapshot.ok()) return snapshot.status();
    return WithReason(
        absl::NotFoundError(absl::StrCat(
            "no routine \"", id, "\"",
            database_ == nullptr
                ? " (this planner keeps routines in memory only, while it runs)"
                : "")),
        "ROUTINE_NOT_FOUND");
  }
  Routine routine;
  if (!routine.ParseFromString(*stored)) {
    return WithReason(absl::DataLossError(absl::StrCat(
                          "routine ", id, ": its stored data is damaged")),
                      "STORED_DATA_DAMAGED");
  }
  store_.Put(owner, routine);
  return routine;
}

}  // namespace yoga::planner
