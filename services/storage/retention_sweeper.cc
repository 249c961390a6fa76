#include "services/storage/retention_sweeper.h"

#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "services/common/log.h"

namespace yoga::storage {
namespace {

// Calls `batch` until it deletes fewer than `limit` rows or `stopping`;
// adds what it deleted to `total`.
absl::Status DeleteInBatches(
    int limit, absl::FunctionRef<bool()> stopping, int64_t& total,
    absl::FunctionRef<absl::StatusOr<int64_t>(int)> batch) {
  for (;;) {
    if (stopping()) return absl::OkStatus();
    absl::StatusOr<int64_t> deleted = batch(limit);
    if (!deleted.ok()) return deleted.status();
    total += *deleted;
    if (*deleted < limit) return absl::OkStatus();
  }
}

}  // namespace

absl::StatusOr<SweepCounts> SweepOnce(Store& store,
                                      const RetentionPolicy& policy,
                                      absl::Time now,
                                      absl::FunctionRef<bool()> stopping) {
  SweepCounts counts;
  const int limit = policy.batch > 0 ? policy.batch : 1;
  if (policy.keep_finished_sessions > absl::ZeroDuration()) {
    const absl::Time before = now - policy.keep_finished_sessions;
    if (absl::Status status = DeleteInBatches(
            limit, stopping, counts.sessions,
            [&](int n) { return store.DeleteFinishedSessions(before, n); });
        !status.ok()) {
      return status;
    }
  }
  if (policy.keep_practice_records > absl::ZeroDuration()) {
    const absl::Time before = now - policy.keep_practice_records;
    if (absl::Status status = DeleteInBatches(
            limit, stopping, counts.practice_records,
            [&](int n) { return store.DeletePracticeRecords(before, n); });
        !status.ok()) {
      return status;
    }
  }
  if (policy.keep_unused_routines > absl::ZeroDuration()) {
    const absl::Time since = now - policy.keep_unused_routines;
    if (absl::Status status =
            DeleteInBatches(limit, stopping, counts.routine_readers,
                            [&](int n) -> absl::StatusOr<int64_t> {
                              absl::StatusOr<SweptRoutines> swept =
                                  store.DeleteUnusedRoutines(since, n);
                              if (!swept.ok()) return swept.status();
                              counts.routines += swept->routines;
                              return swept->readers;
                            });
        !status.ok()) {
      return status;
    }
  }
  return counts;
}

RetentionSweeper::RetentionSweeper(Store& store, RetentionPolicy policy,
                                   std::function<absl::Time()> now)
    : store_(store), policy_(std::move(policy)), now_(std::move(now)) {
  if (!policy_.KeepsEverything()) thread_ = std::thread([this] { Loop(); });
}

RetentionSweeper::~RetentionSweeper() {
  {
    absl::MutexLock lock(&mutex_);
    stopping_ = true;
  }
  if (thread_.joinable()) thread_.join();
}

int64_t RetentionSweeper::sweeps() const {
  absl::MutexLock lock(&mutex_);
  return sweeps_;
}

bool RetentionSweeper::Stopping() const {
  absl::MutexLock lock(&mutex_);
  return stopping_;
}

void RetentionSweeper::Loop() {
  for (;;) {
    const absl::Time started = absl::Now();
    absl::StatusOr<SweepCounts> counts =
        SweepOnce(store_, policy_, now_(), [this] { return Stopping(); });
    if (!counts.ok()) {
      Log(LogLevel::kWarning, "retention_sweep",
          {{"state", "failing"},
           {"store", store_.Describe()},
           {"error", counts.status().ToString()}});
    } else if (counts->Any()) {
      Log(LogLevel::kInfo, "retention_sweep",
          {{"store", store_.Describe()},
           {"sessions", absl::StrCat(counts->sessions)},
           {"practice_records", absl::StrCat(counts->practice_records)},
           {"routine_readers", absl::StrCat(counts->routine_readers)},
           {"routines", absl::StrCat(counts->routines)},
           {"ms",
            absl::StrCat(absl::ToInt64Milliseconds(absl::Now() - started))}});
    }
    absl::MutexLock lock(&mutex_);
    ++sweeps_;
    auto stopping = [this]() ABSL_SHARED_LOCKS_REQUIRED(mutex_) {
      return stopping_;
    };
    if (mutex_.AwaitWithTimeout(absl::Condition(&stopping), policy_.every)) {
      return;
    }
  }
}

}  // namespace yoga::storage
