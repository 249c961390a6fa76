#include "services/runtime/token_bucket.h"

#include "gtest/gtest.h"

namespace yoga {
namespace {

const absl::Time kStart = absl::FromUnixSeconds(1700000000);

TEST(TokenBucketTest, StartsFullAndRefusesPastTheBurst) {
  TokenBucket bucket(/*rate=*/2, /*burst=*/3, kStart);
  for (int i = 0; i < 3; ++i)
    EXPECT_EQ(bucket.TryTake(kStart), absl::ZeroDuration()) << i;
  // Empty: one token flows in every 500 ms.
  EXPECT_EQ(bucket.TryTake(kStart), absl::Milliseconds(500));
}

TEST(TokenBucketTest, RefillsAtTheRateAndSaysHowLongToWait) {
  TokenBucket bucket(/*rate=*/2, /*burst=*/1, kStart);
  EXPECT_EQ(bucket.TryTake(kStart), absl::ZeroDuration());
  const absl::Time later = kStart + absl::Milliseconds(200);
  EXPECT_EQ(bucket.TryTake(later), absl::Milliseconds(300));
  // Waiting exactly the delay it gave is enough.
  EXPECT_EQ(bucket.TryTake(later + absl::Milliseconds(300)),
            absl::ZeroDuration());
}

TEST(TokenBucketTest, NeverHoldsMoreThanTheBurst) {
  TokenBucket bucket(/*rate=*/10, /*burst=*/2, kStart);
  const absl::Time much_later = kStart + absl::Hours(1);
  EXPECT_EQ(bucket.TryTake(much_later), absl::ZeroDuration());
  EXPECT_EQ(bucket.TryTake(much_later), absl::ZeroDuration());
  EXPECT_GT(bucket.TryTake(much_later), absl::ZeroDuration());
}

TEST(TokenBucketTest, AClockThatStepsBackTakesNothingAway) {
  TokenBucket bucket(/*rate=*/1, /*burst=*/1, kStart);
  EXPECT_EQ(bucket.TryTake(kStart), absl::ZeroDuration());
  EXPECT_EQ(bucket.TryTake(kStart - absl::Seconds(5)), absl::Seconds(1));
  EXPECT_EQ(bucket.TryTake(kStart + absl::Seconds(1)), absl::ZeroDuration());
}

TEST(TokenBucketTest, SlowRatesRoundTheWaitUpToTheMillisecond) {
  TokenBucket bucket(/*rate=*/3, /*burst=*/1, kStart);
  EXPECT_EQ(bucket.TryTake(kStart), absl::ZeroDuration());
  // 1/3 s is 333.33 ms: waiting 333 ms would find two thirds of a token.
  EXPECT_EQ(bucket.TryTake(kStart), absl::Milliseconds(334));
}

}  // namespace
}  // namespace yoga
