#include "services/common/bounded_executor.h"

#include <atomic>
#include <memory>
#include <thread>

#include "absl/synchronization/notification.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/common/errors.h"

namespace yoga {
namespace {

TEST(BoundedExecutorTest, RunsWorkOnItsOwnThreads) {
  BoundedExecutor executor("test", /*threads=*/2, /*max_queued=*/8);
  absl::Notification done;
  std::thread::id ran_on;
  ASSERT_TRUE(executor
                  .Schedule([&] {
                    ran_on = std::this_thread::get_id();
                    done.Notify();
                  })
                  .ok());
  done.WaitForNotification();
  EXPECT_NE(ran_on, std::this_thread::get_id());
}

TEST(BoundedExecutorTest, RefusesPastItsQueueWhileItsThreadsAreBusy) {
  BoundedExecutor executor("database", /*threads=*/1, /*max_queued=*/2);
  absl::Notification release;
  absl::Notification started;
  // The one thread is held, as by a database that stopped answering.
  ASSERT_TRUE(executor
                  .Schedule([&] {
                    started.Notify();
                    release.WaitForNotification();
                  })
                  .ok());
  started.WaitForNotification();
  std::atomic<int> ran{0};
  EXPECT_TRUE(executor.Schedule([&] { ++ran; }).ok());
  EXPECT_TRUE(executor.Schedule([&] { ++ran; }).ok());
  EXPECT_EQ(executor.queued(), 2);
  const absl::Status refused = executor.Schedule([&] { ++ran; });
  EXPECT_EQ(refused.code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(ReasonOf(refused), "SERVER_BUSY");
  EXPECT_THAT(refused.message(),
              ::testing::HasSubstr("2 database calls wait already"));
  release.Notify();
  // Queued work is never dropped: destroying the executor runs it first.
  auto owned = std::make_unique<BoundedExecutor>("x", 1, 4);
  std::atomic<int> drained{0};
  for (int i = 0; i < 4; ++i)
    ASSERT_TRUE(owned->Schedule([&] { ++drained; }).ok());
  owned.reset();
  EXPECT_EQ(drained.load(), 4);
}

}  // namespace
}  // namespace yoga
