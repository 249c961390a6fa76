// The planner's logic behind PlannerService, without gRPC: presets, composing,
// custom routines and the store of routines made. With a database, every
// routine composed or validated is written there before its id is returned,
// and GetRoutine reads it back (memory keeps the recent ones). It plans against
// the newest catalog it was given (UseCatalog) and answers UNAVAILABLE until it
// has one. Thread-safe.
#ifndef YOGA_SERVICES_PLANNER_PLANNER_H_
#define YOGA_SERVICES_PLANNER_PLANNER_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "services/catalog/catalog.h"
#include "services/planner/planning_catalog.h"
#include "services/planner/presets.h"
#include "services/planner/routine_store.h"
#include "services/storage/store.h"
#include "yoga/planner/v1/planner_service.pb.h"

namespace yoga::planner {

inline constexpr size_t kDefaultStoreCapacity = 10000;

class Planner {
 public:
  // `database` may be null: routines are then kept in memory only. Not owned.
  Planner(std::vector<PresetFile> preset_files,
          size_t store_capacity = kDefaultStoreCapacity,
          storage::Store* database = nullptr);

  // Plans against `catalog` from now on. FAILED_PRECONDITION (and the old
  // catalog kept) when the presets do not fit it.
  absl::Status UseCatalog(std::shared_ptr<const catalog::Catalog> catalog);

  // Whether a catalog has been accepted.
  bool ready() const;
  // Whether routines are kept in a database (composing and finding them
  // may then wait on it).
  bool has_database() const { return database_ != nullptr; }

  absl::StatusOr<yoga::planner::v1::ListPresetsResponse> ListPresets() const;
  // A routine composed is `owner`'s (the calling API key's id; "" for
  // keyless use): GetRoutine finds it for that owner only. Presets are
  // everyone's.
  absl::StatusOr<yoga::type::v1::Routine> ComposeRoutine(
      const yoga::planner::v1::ComposeRoutineRequest& request,
      absl::string_view owner = "");
  // NOT_FOUND for a routine another owner composed.
  absl::StatusOr<yoga::type::v1::Routine> GetRoutine(
      const yoga::planner::v1::GetRoutineRequest& request,
      absl::string_view owner = "");

 private:
  struct Snapshot {
    PlanningCatalog catalog;
    std::vector<yoga::planner::v1::Preset> presets;
  };
  absl::StatusOr<std::shared_ptr<const Snapshot>> Current() const;
  // For a routine held in memory past storage::kRoutineUseRefresh: renews
  // the database's mark that `owner` uses it, so the retention sweep keeps it.
  void RenewDatabaseCopy(absl::string_view owner,
                         const yoga::type::v1::Routine& routine);

  const std::vector<PresetFile> preset_files_;
  RoutineStore store_;
  storage::Store* const database_;
  mutable absl::Mutex mutex_;
  std::shared_ptr<const Snapshot> snapshot_ ABSL_GUARDED_BY(mutex_);
};

}  // namespace yoga::planner

#endif  // YOGA_SERVICES_PLANNER_PLANNER_H_
