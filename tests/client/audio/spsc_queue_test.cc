#include "client/audio/spsc_queue.h"

#include <cstdint>
#include <memory>
#include <thread>

#include "gtest/gtest.h"

namespace yoga::client::audio {
namespace {

TEST(SpscQueueTest, RoundsTheCapacityUpToAPowerOfTwo) {
  EXPECT_EQ(SpscQueue<int>(1).capacity(), 1u);
  EXPECT_EQ(SpscQueue<int>(5).capacity(), 8u);
  EXPECT_EQ(SpscQueue<int>(64).capacity(), 64u);
  EXPECT_EQ(SpscQueue<int>(0).capacity(), 1u);
}

TEST(SpscQueueTest, PopsInOrderAndRefusesWhenFullOrEmpty) {
  SpscQueue<int> queue(4);
  int value = -1;
  EXPECT_FALSE(queue.TryPop(value));
  EXPECT_EQ(value, -1);
  for (int i = 0; i < 4; ++i) EXPECT_TRUE(queue.TryPush(i));
  EXPECT_FALSE(queue.TryPush(4));
  for (int i = 0; i < 4; ++i) {
    ASSERT_TRUE(queue.TryPop(value));
    EXPECT_EQ(value, i);
  }
  EXPECT_FALSE(queue.TryPop(value));
}

TEST(SpscQueueTest, WrapsAroundManyTimes) {
  SpscQueue<int> queue(4);
  int expected = 0;
  for (int i = 0; i < 1000; ++i) {
    ASSERT_TRUE(queue.TryPush(2 * i));
    ASSERT_TRUE(queue.TryPush(2 * i + 1));
    int value;
    ASSERT_TRUE(queue.TryPop(value));
    EXPECT_EQ(value, expected++);
    ASSERT_TRUE(queue.TryPop(value));
    EXPECT_EQ(value, expected++);
  }
}

TEST(SpscQueueTest, MovesOnlyWhenThePushSucceeds) {
  SpscQueue<std::unique_ptr<int>> queue(1);
  auto first = std::make_unique<int>(1);
  auto second = std::make_unique<int>(2);
  EXPECT_TRUE(queue.TryPush(std::move(first)));
  EXPECT_EQ(first, nullptr);
  EXPECT_FALSE(queue.TryPush(std::move(second)));
  ASSERT_NE(second, nullptr);
  EXPECT_EQ(*second, 2);

  std::unique_ptr<int> out;
  ASSERT_TRUE(queue.TryPop(out));
  EXPECT_EQ(*out, 1);
}

TEST(SpscQueueTest, LeavesNoReferenceBehindInItsSlot) {
  SpscQueue<std::shared_ptr<int>> queue(2);
  auto shared = std::make_shared<int>(7);
  ASSERT_TRUE(queue.TryPush(shared));
  EXPECT_EQ(shared.use_count(), 2);
  std::shared_ptr<int> out;
  ASSERT_TRUE(queue.TryPop(out));
  out.reset();
  EXPECT_EQ(shared.use_count(), 1);
}

TEST(SpscQueueTest, TwoThreadsTransferAMillionItemsInOrder) {
  constexpr uint64_t kItems = 1'000'000;
  SpscQueue<uint64_t> queue(64);
  std::thread producer([&queue] {
    for (uint64_t i = 0; i < kItems; ++i) {
      while (!queue.TryPush(i)) std::this_thread::yield();
    }
  });
  uint64_t expected = 0;
  uint64_t mismatches = 0;
  while (expected < kItems) {
    uint64_t value;
    if (!queue.TryPop(value)) {
      std::this_thread::yield();
      continue;
    }
    if (value != expected) ++mismatches;
    ++expected;
  }
  producer.join();
  EXPECT_EQ(mismatches, 0u);
  uint64_t extra;
  EXPECT_FALSE(queue.TryPop(extra));
}

}  // namespace
}  // namespace yoga::client::audio
