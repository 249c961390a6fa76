#include "services/session/wake_scheduler.h"

#include <sys/resource.h>

#include <atomic>
#include <vector>

#include "absl/synchronization/notification.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace yoga::session {
namespace {

class Recorder final : public Wakeable {
 public:
  Recorder(int id, std::vector<int>& log, absl::Mutex& mutex)
      : id_(id), log_(log), mutex_(mutex) {}
  void Wake() override {
    absl::MutexLock lock(&mutex_);
    log_.push_back(id_);
  }

 private:
  const int id_;
  std::vector<int>& log_;
  absl::Mutex& mutex_;
};

// Waits (in real time, bounded) until `log` has `count` entries.
bool WaitForWakes(absl::Mutex& mutex, const std::vector<int>& log,
                  size_t count) {
  auto enough = [&] { return log.size() >= count; };
  absl::MutexLock lock(&mutex);
  return mutex.AwaitWithTimeout(absl::Condition(&enough), absl::Seconds(10));
}

double CpuSeconds() {
  rusage usage;
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_utime.tv_sec + usage.ru_utime.tv_usec / 1e6 +
         usage.ru_stime.tv_sec + usage.ru_stime.tv_usec / 1e6;
}

TEST(WakeSchedulerTest, WakesEachTargetWhenItsTimeComesAndSkipsTheGone) {
  FakeClock clock;
  absl::Mutex mutex;
  std::vector<int> log;
  WakeScheduler scheduler(clock, /*threads=*/1);
  auto early = std::make_shared<Recorder>(1, log, mutex);
  auto late = std::make_shared<Recorder>(2, log, mutex);
  auto gone = std::make_shared<Recorder>(3, log, mutex);
  scheduler.WakeAt(clock.Now() + absl::Seconds(5), late);
  scheduler.WakeAt(clock.Now() + absl::Seconds(2), early);
  scheduler.WakeAt(clock.Now() + absl::Seconds(3), gone);
  gone.reset();
  absl::SleepFor(absl::Milliseconds(30));
  {
    absl::MutexLock lock(&mutex);
    EXPECT_TRUE(log.empty()) << "nothing is due before the clock moves";
  }
  clock.Advance(absl::Seconds(4));
  ASSERT_TRUE(WaitForWakes(mutex, log, 1));
  clock.Advance(absl::Seconds(1));
  ASSERT_TRUE(WaitForWakes(mutex, log, 2));
  absl::MutexLock lock(&mutex);
  EXPECT_THAT(log, ::testing::ElementsAre(1, 2));
}

TEST(WakeSchedulerTest, RunsHousekeepingEveryPeriodAndIdlesQuietly) {
  FakeClock clock;
  std::atomic<int> sweeps{0};
  WakeScheduler scheduler(clock, /*threads=*/2, absl::Seconds(10),
                          [&] { ++sweeps; });
  // 35 s of clock time in 1 s steps, each given time to be noticed.
  for (int i = 0; i < 35; ++i) {
    clock.Advance(absl::Seconds(1));
    absl::SleepFor(absl::Milliseconds(10));
  }
  EXPECT_EQ(sweeps, 3);
  // Idle threads wait rather than spin, also after the period has passed.
  clock.Advance(absl::Seconds(25));
  const double before = CpuSeconds();
  absl::SleepFor(absl::Milliseconds(300));
  EXPECT_LT(CpuSeconds() - before, 0.15);
}

}  // namespace
}  // namespace yoga::session
