// The retention sweep (services/storage/retention_sweeper.h) over a real
// SQLite store, on a clock the test moves, and the flags that set it.
#include <stdlib.h>

#include <atomic>
#include <filesystem>
#include <memory>
#include <string>

#include "absl/flags/declare.h"
#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/planner/planner_flags.h"
#include "services/session/session_flags.h"
#include "services/storage/retention_sweeper.h"
#include "services/storage/store.h"
#include "tests/testing/forwarding_store.h"

ABSL_DECLARE_FLAG(absl::Duration, keep_finished_sessions);
ABSL_DECLARE_FLAG(absl::Duration, keep_practice_records);
ABSL_DECLARE_FLAG(absl::Duration, keep_unused_routines);

namespace yoga::storage {
namespace {

using ::testing::HasSubstr;

const absl::Time kStart = absl::FromUnixSeconds(1'800'000'000);

class RetentionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    directory_ =
        (std::filesystem::temp_directory_path() / "yoga-retention-XXXXXX");
    ASSERT_NE(mkdtemp(directory_.data()), nullptr);
    absl::StatusOr<std::unique_ptr<Store>> store =
        OpenStore({.url = "sqlite:" + directory_ + "/yoga.db"});
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = std::move(*store);
  }
  void TearDown() override {
    store_.reset();
    std::error_code ignored;
    std::filesystem::remove_all(directory_, ignored);
  }

  // A session that ended at `ended`, with its practice record from `started`.
  void AddFinished(const std::string& id, absl::Time started,
                   absl::Time ended) {
    SessionRow row;
    row.id = id;
    row.profile_id = "runner-1";
    row.updated_at = started;
    row.ends_at = ended;
    row.data = "session " + id;
    ASSERT_TRUE(store_->CreateSession(row).ok());
    row.version = 2;
    row.phase = SessionPhase::kCompleted;
    row.ends_at = absl::InfiniteFuture();
    row.updated_at = ended;
    row.finished = true;
    PracticeRecord record;
    record.session_id = id;
    record.profile_id = "runner-1";
    record.routine_id = "r";
    record.start_time = started;
    record.end_time = ended;
    absl::Status updated = store_->UpdateSession(row, &record);
    ASSERT_TRUE(updated.ok()) << updated;
  }

  bool HasSession(const std::string& id) {
    absl::StatusOr<std::optional<SessionRow>> row = store_->GetSession(id);
    return row.ok() && row->has_value();
  }

  int64_t Records() {
    PracticeQuery query;
    query.profile_id = "runner-1";
    query.limit = 1000;
    return store_->ListPracticeRecords(query)->size();
  }

  std::string directory_;
  std::unique_ptr<Store> store_;
};

TEST_F(RetentionTest, EachKindGoesOnlyWhenThePolicyLimitsIt) {
  AddFinished("s1", kStart - absl::Hours(24 * 3), kStart - absl::Hours(2));
  ASSERT_TRUE(store_->PutRoutine("acme", "r1", "routine").ok());
  const auto never = [] { return false; };

  RetentionPolicy policy;  // Keeps everything.
  absl::StatusOr<SweepCounts> counts =
      SweepOnce(*store_, policy, kStart + absl::Hours(24 * 365), never);
  ASSERT_TRUE(counts.ok()) << counts.status();
  EXPECT_FALSE(counts->Any());

  policy.keep_finished_sessions = absl::Hours(1);
  counts = SweepOnce(*store_, policy, kStart, never);
  ASSERT_TRUE(counts.ok()) << counts.status();
  EXPECT_EQ(counts->sessions, 1);
  EXPECT_EQ(counts->practice_records, 0);
  EXPECT_FALSE(HasSession("s1"));
  EXPECT_EQ(Records(), 1);  // The history stays.

  policy.keep_practice_records = absl::Hours(24 * 3);
  counts = SweepOnce(*store_, policy, kStart, never);
  EXPECT_EQ(counts->practice_records, 0);  // Started exactly 3 days ago.
  counts = SweepOnce(*store_, policy, kStart + absl::Seconds(1), never);
  EXPECT_EQ(counts->practice_records, 1);
  EXPECT_EQ(Records(), 0);
  EXPECT_TRUE(store_->GetRoutine("acme", "r1")->has_value());

  // PutRoutine marks the routine used on the real clock.
  policy.keep_unused_routines = absl::Hours(72);
  counts = SweepOnce(*store_, policy, absl::Now() + absl::Hours(71), never);
  EXPECT_EQ(counts->routines, 0);
  counts = SweepOnce(*store_, policy, absl::Now() + absl::Hours(73), never);
  EXPECT_EQ(counts->routine_readers, 1);
  EXPECT_EQ(counts->routines, 1);
  EXPECT_FALSE(store_->GetRoutine("acme", "r1")->has_value());
}

TEST_F(RetentionTest, ASweepGoesInBatchesAndStopsBetweenThem) {
  for (int i = 0; i < 7; ++i) {
    AddFinished(absl::StrCat("s", i), kStart - absl::Hours(3),
                kStart - absl::Hours(2) + absl::Minutes(i));
  }
  RetentionPolicy policy;
  policy.keep_finished_sessions = absl::Hours(1);
  policy.batch = 3;
  int asked = 0;
  absl::StatusOr<SweepCounts> counts =
      SweepOnce(*store_, policy, kStart, [&] { return ++asked > 1; });
  ASSERT_TRUE(counts.ok()) << counts.status();
  EXPECT_EQ(counts->sessions, 3);  // One batch, then asked to stop.
  EXPECT_FALSE(HasSession("s2"));  // Oldest first.
  EXPECT_TRUE(HasSession("s3"));
  counts = SweepOnce(*store_, policy, kStart, [] { return false; });
  EXPECT_EQ(counts->sessions, 4);  // 3 + 1, and a short batch ends it.
}

// Counts the store's deletes, and fails them when asked.
class WatchedStore : public testing::ForwardingStore {
 public:
  using ForwardingStore::ForwardingStore;
  absl::StatusOr<int64_t> DeleteFinishedSessions(absl::Time before,
                                                 int limit) override {
    deletes_.fetch_add(1);
    if (failing_.load()) return absl::UnavailableError("database away");
    return ForwardingStore::DeleteFinishedSessions(before, limit);
  }
  std::atomic<int> deletes_{0};
  std::atomic<bool> failing_{false};
};

// Waits up to 5 s for `done`.
template <typename Done>
bool Eventually(Done done) {
  const absl::Time deadline = absl::Now() + absl::Seconds(5);
  while (!done()) {
    if (absl::Now() > deadline) return false;
    absl::SleepFor(absl::Milliseconds(5));
  }
  return true;
}

TEST_F(RetentionTest, TheSweeperSweepsAtStartThenEveryPeriodOnItsClock) {
  AddFinished("s1", kStart - absl::Hours(1), kStart);
  WatchedStore store(std::move(store_));
  absl::Mutex mutex;
  absl::Time now = kStart + absl::Minutes(30);
  RetentionPolicy policy;
  policy.keep_finished_sessions = absl::Hours(1);
  policy.every = absl::Milliseconds(20);
  {
    RetentionSweeper sweeper(store, policy, [&] {
      absl::MutexLock lock(&mutex);
      return now;
    });
    ASSERT_TRUE(Eventually([&] { return sweeper.sweeps() >= 3; }));
    EXPECT_TRUE(store.GetSession("s1")->has_value());  // Not an hour yet.
    {
      absl::MutexLock lock(&mutex);
      now = kStart + absl::Hours(1) + absl::Seconds(1);
    }
    EXPECT_TRUE(
        Eventually([&] { return !store.GetSession("s1")->has_value(); }));

    // A failing store is tried again at the next period.
    store.failing_ = true;
    const int before = store.deletes_.load();
    EXPECT_TRUE(
        Eventually([&] { return store.deletes_.load() >= before + 3; }));
  }
  // Stopped: no sweep after the destructor.
  const int stopped_at = store.deletes_.load();
  absl::SleepFor(absl::Milliseconds(60));
  EXPECT_EQ(store.deletes_.load(), stopped_at);
}

TEST_F(RetentionTest, APolicyThatKeepsEverythingStartsNoSweep) {
  WatchedStore store(std::move(store_));
  RetentionPolicy keep_everything;
  keep_everything.every = absl::Milliseconds(1);
  {
    RetentionSweeper sweeper(store, keep_everything);
    absl::SleepFor(absl::Milliseconds(50));
    EXPECT_EQ(sweeper.sweeps(), 0);
  }
  EXPECT_EQ(store.deletes_.load(), 0);
}

// Restores the retention flags' defaults after each test.
class RetentionFlagsTest : public ::testing::Test {
 protected:
  void TearDown() override {
    absl::SetFlag(&FLAGS_keep_finished_sessions, absl::Hours(24 * 30));
    absl::SetFlag(&FLAGS_keep_practice_records, absl::ZeroDuration());
    absl::SetFlag(&FLAGS_keep_unused_routines, absl::Hours(24 * 90));
  }
};

TEST_F(RetentionFlagsTest, DefaultsKeepSessions30DaysRoutines90RecordsForEver) {
  absl::StatusOr<RetentionPolicy> sessions =
      session::SessionRetentionFromFlags();
  ASSERT_TRUE(sessions.ok()) << sessions.status();
  EXPECT_EQ(sessions->keep_finished_sessions, absl::Hours(24 * 30));
  EXPECT_EQ(sessions->keep_practice_records, absl::ZeroDuration());
  EXPECT_EQ(sessions->keep_unused_routines, absl::ZeroDuration());
  absl::StatusOr<RetentionPolicy> routines =
      planner::RoutineRetentionFromFlags();
  ASSERT_TRUE(routines.ok()) << routines.status();
  EXPECT_EQ(routines->keep_unused_routines, absl::Hours(24 * 90));
  EXPECT_EQ(routines->keep_finished_sessions, absl::ZeroDuration());
}

TEST_F(RetentionFlagsTest, ZeroKeepsForEverAndTooShortIsRefusedByName) {
  absl::SetFlag(&FLAGS_keep_finished_sessions, absl::ZeroDuration());
  absl::SetFlag(&FLAGS_keep_unused_routines, absl::ZeroDuration());
  EXPECT_TRUE(session::SessionRetentionFromFlags().ok());
  EXPECT_TRUE(planner::RoutineRetentionFromFlags().ok());

  for (absl::Duration bad : {absl::Minutes(59), -absl::Hours(24)}) {
    absl::SetFlag(&FLAGS_keep_finished_sessions, bad);
    absl::Status status = session::SessionRetentionFromFlags().status();
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_THAT(status.message(),
                HasSubstr("--keep_finished_sessions: must be "
                          "0 (keep for ever) or at least 1h"));
  }
  absl::SetFlag(&FLAGS_keep_finished_sessions, absl::Hours(1));
  absl::SetFlag(&FLAGS_keep_practice_records, absl::Hours(23));
  absl::Status status = session::SessionRetentionFromFlags().status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("--keep_practice_records"));

  absl::SetFlag(&FLAGS_keep_unused_routines, absl::Hours(71));
  status = planner::RoutineRetentionFromFlags().status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(),
              HasSubstr("--keep_unused_routines: must be 0 (keep for ever) or "
                        "at least 72h"));
  absl::SetFlag(&FLAGS_keep_unused_routines, absl::Hours(72));
  EXPECT_TRUE(planner::RoutineRetentionFromFlags().ok());
}

}  // namespace
}  // namespace yoga::storage
