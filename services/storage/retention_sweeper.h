// Retention: deletes what a store keeps only for a while, as a policy says,
// on a thread of its own. The session service sweeps finished sessions and
// (optionally) old practice records, the planner routines no reader has used
// for long; yoga-studio does both.
//
// Contract:
//  - A zero duration keeps that kind of row for ever (nothing is asked of the
//    store for it).
//  - A sweep deletes in batches of RetentionPolicy::batch rows, one short
//    transaction each (store.h), until a batch comes back short; stopping
//    waits for at most the batch running.
//  - Each sweep that deleted something writes one log line with the counts;
//    a failing sweep one warning, and the next sweep tries again.
#ifndef YOGA_SERVICES_STORAGE_RETENTION_SWEEPER_H_
#define YOGA_SERVICES_STORAGE_RETENTION_SWEEPER_H_

#include <cstdint>
#include <functional>
#include <thread>

#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "services/storage/store.h"

namespace yoga::storage {

struct RetentionPolicy {
  // Sessions finished (written for the last time) longer ago than this.
  absl::Duration keep_finished_sessions = absl::ZeroDuration();
  // Practice records of sessions started longer ago than this.
  absl::Duration keep_practice_records = absl::ZeroDuration();
  // A reader's hold on a routine it has not put or read for this long
  // (never a preset's); a routine goes with its last reader.
  absl::Duration keep_unused_routines = absl::ZeroDuration();
  // How often to sweep; the first sweep runs at start.
  absl::Duration every = absl::Hours(1);
  // Rows per delete statement.
  int batch = 500;

  // True when the policy keeps everything for ever.
  bool KeepsEverything() const {
    return keep_finished_sessions == absl::ZeroDuration() &&
           keep_practice_records == absl::ZeroDuration() &&
           keep_unused_routines == absl::ZeroDuration();
  }
};

// What one sweep deleted.
struct SweepCounts {
  int64_t sessions = 0;
  int64_t practice_records = 0;
  int64_t routine_readers = 0;
  int64_t routines = 0;

  bool Any() const {
    return sessions + practice_records + routine_readers + routines > 0;
  }
};

// One sweep of `store` as `policy` says, as of `now`. `stopping` is asked
// between batches; true ends the sweep early (OK, with what was deleted).
// The first error ends it.
absl::StatusOr<SweepCounts> SweepOnce(Store& store,
                                      const RetentionPolicy& policy,
                                      absl::Time now,
                                      absl::FunctionRef<bool()> stopping);

// Runs SweepOnce every policy.every until destroyed. Starts no thread for a
// policy that keeps everything.
class RetentionSweeper {
 public:
  // `store` must outlive the sweeper. `now` is the clock (tests give their
  // own).
  RetentionSweeper(
      Store& store, RetentionPolicy policy,
      std::function<absl::Time()> now = [] { return absl::Now(); });
  ~RetentionSweeper();  // Stops the thread, between two batches.

  RetentionSweeper(const RetentionSweeper&) = delete;
  RetentionSweeper& operator=(const RetentionSweeper&) = delete;

  // Sweeps finished so far (for tests and logs).
  int64_t sweeps() const;

 private:
  void Loop();
  bool Stopping() const;

  Store& store_;
  const RetentionPolicy policy_;
  const std::function<absl::Time()> now_;
  mutable absl::Mutex mutex_;
  bool stopping_ ABSL_GUARDED_BY(mutex_) = false;
  int64_t sweeps_ ABSL_GUARDED_BY(mutex_) = 0;
  std::thread thread_;
};

}  // namespace yoga::storage

#endif  // YOGA_SERVICES_STORAGE_RETENTION_SWEEPER_H_
