#include "client/session/retry.h"

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace yoga::client {
namespace {

// Tiny waits, so that the tests sleep a few milliseconds at most; the random
// draw is fixed at 0, so each wait is the schedule's longest.
RetryPolicy Quick(absl::Duration give_up_after) {
  RetryPolicy policy;
  policy.first_wait = absl::Milliseconds(1);
  policy.longest_wait = absl::Milliseconds(4);
  policy.give_up_after = give_up_after;
  policy.uniform = [] { return 0.0; };
  return policy;
}

RetryPolicy Drawing(double draw) {
  RetryPolicy policy;
  policy.uniform = [draw] { return draw; };
  return policy;
}

struct Retry {
  std::string why;
  absl::Duration wait;
};

TEST(RetryTest, OnlyUnavailableIsRetried) {
  EXPECT_TRUE(IsRetryable(absl::UnavailableError("connection refused")));
  EXPECT_FALSE(IsRetryable(absl::OkStatus()));
  EXPECT_FALSE(IsRetryable(absl::DeadlineExceededError("slow")));
  EXPECT_FALSE(IsRetryable(absl::InvalidArgumentError("bad")));
  EXPECT_FALSE(IsRetryable(absl::NotFoundError("no session")));
}

TEST(RetryTest, WaitsDoubleUpToTheLongest) {
  const RetryPolicy policy;  // 250 ms, doubling, at most 4 s.
  EXPECT_EQ(RetryWait(policy, 1), absl::Milliseconds(250));
  EXPECT_EQ(RetryWait(policy, 2), absl::Milliseconds(500));
  EXPECT_EQ(RetryWait(policy, 3), absl::Seconds(1));
  EXPECT_EQ(RetryWait(policy, 4), absl::Seconds(2));
  EXPECT_EQ(RetryWait(policy, 5), absl::Seconds(4));
  EXPECT_EQ(RetryWait(policy, 6), absl::Seconds(4));
  EXPECT_EQ(RetryWait(policy, 1000000), absl::Seconds(4));

  RetryPolicy odd;
  odd.first_wait = absl::Milliseconds(300);
  odd.longest_wait = absl::Seconds(1);
  EXPECT_EQ(RetryWait(odd, 2), absl::Milliseconds(600));
  EXPECT_EQ(RetryWait(odd, 3), absl::Seconds(1));  // Capped, not 1.2 s.

  RetryPolicy backwards;  // A first wait above the longest is capped too.
  backwards.first_wait = absl::Seconds(10);
  backwards.longest_wait = absl::Seconds(1);
  EXPECT_EQ(RetryWait(backwards, 1), absl::Seconds(1));
}

TEST(RetryTest, JitterCutsEachWaitByTheDrawnPart) {
  // 0.4 of the wait at most: a draw of 0.5 cuts a fifth.
  EXPECT_EQ(JitteredRetryWait(Drawing(0.5), 1), absl::Milliseconds(200));
  EXPECT_EQ(JitteredRetryWait(Drawing(0.5), 2), absl::Milliseconds(400));
  EXPECT_EQ(JitteredRetryWait(Drawing(0.5), 9), absl::Milliseconds(3200));
  EXPECT_EQ(JitteredRetryWait(Drawing(0.0), 1), absl::Milliseconds(250));
  // Whole milliseconds, rounded up: never below 60% of the schedule.
  EXPECT_EQ(JitteredRetryWait(Drawing(0.999), 1), absl::Milliseconds(151));
  // Draws out of range are clamped, not trusted.
  EXPECT_EQ(JitteredRetryWait(Drawing(7.0), 1), absl::Milliseconds(150));
  EXPECT_EQ(JitteredRetryWait(Drawing(-1.0), 1), absl::Milliseconds(250));

  RetryPolicy none = Drawing(0.9);
  none.jitter = 0;
  EXPECT_EQ(JitteredRetryWait(none, 3), absl::Seconds(1));

  RetryPolicy tiny = Drawing(0.9);  // Never rounded down to no wait at all.
  tiny.first_wait = absl::Microseconds(300);
  EXPECT_EQ(JitteredRetryWait(tiny, 1), absl::Microseconds(300));
  tiny.first_wait = absl::Milliseconds(1);
  EXPECT_EQ(JitteredRetryWait(tiny, 1), absl::Milliseconds(1));
}

TEST(RetryTest, ClientsCutOffTogetherComeBackSpreadOut) {
  // The system's generator, as every client uses it: 200 clients' first
  // retries fall between 150 and 250 ms and do not bunch. (A draw lands in a
  // given fifth of the range with probability 0.2; missing one fifth in 200
  // draws has probability 0.8^200, about 4e-20.)
  const RetryPolicy policy;
  int low = 0;
  int high = 0;
  for (int i = 0; i < 200; ++i) {
    const absl::Duration wait = JitteredRetryWait(policy, 1);
    ASSERT_GE(wait, absl::Milliseconds(150));
    ASSERT_LE(wait, absl::Milliseconds(250));
    low += wait < absl::Milliseconds(170);
    high += wait > absl::Milliseconds(230);
  }
  EXPECT_GT(low, 0);
  EXPECT_GT(high, 0);
}

TEST(RetryTest, TheRunnerIsToldTheJitteredWait) {
  RetryPolicy policy = Drawing(0.5);
  policy.first_wait = absl::Milliseconds(10);
  policy.longest_wait = absl::Milliseconds(40);
  int calls = 0;
  std::vector<absl::Duration> waits;
  const absl::Time start = absl::Now();
  const absl::Status status = CallWithRetry(
      [&] {
        return ++calls < 4 ? absl::UnavailableError("down") : absl::OkStatus();
      },
      policy,
      [&](const absl::Status&, absl::Duration wait) { waits.push_back(wait); });
  EXPECT_TRUE(status.ok()) << status;
  EXPECT_THAT(waits, ::testing::ElementsAre(absl::Milliseconds(8),
                                            absl::Milliseconds(16),
                                            absl::Milliseconds(32)));
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(8 + 16 + 32));
}

TEST(RetryTest, RetriesUnavailableUntilItSucceeds) {
  int calls = 0;
  std::vector<Retry> retries;
  const absl::Status status = CallWithRetry(
      [&] {
        ++calls;
        return calls < 4 ? absl::UnavailableError(absl::StrCat("down ", calls))
                         : absl::OkStatus();
      },
      Quick(absl::Seconds(10)),
      [&](const absl::Status& why, absl::Duration wait) {
        retries.push_back({std::string(why.message()), wait});
      });
  EXPECT_TRUE(status.ok()) << status;
  EXPECT_EQ(calls, 4);
  ASSERT_EQ(retries.size(), 3u);
  EXPECT_EQ(retries[0].why, "down 1");
  EXPECT_EQ(retries[1].why, "down 2");
  EXPECT_EQ(retries[2].why, "down 3");
  EXPECT_EQ(retries[0].wait, absl::Milliseconds(1));
  EXPECT_EQ(retries[1].wait, absl::Milliseconds(2));
  EXPECT_EQ(retries[2].wait, absl::Milliseconds(4));
}

TEST(RetryTest, WorksWithoutOnRetry) {
  int calls = 0;
  const absl::Status status = CallWithRetry(
      [&] {
        return ++calls < 3 ? absl::UnavailableError("down") : absl::OkStatus();
      },
      Quick(absl::Seconds(10)), nullptr);
  EXPECT_TRUE(status.ok()) << status;
  EXPECT_EQ(calls, 3);
}

TEST(RetryTest, OtherErrorsAreReturnedAtOnce) {
  int calls = 0;
  int retries = 0;
  const absl::Status status = CallWithRetry(
      [&] {
        ++calls;
        return absl::NotFoundError("no session s1");
      },
      Quick(absl::Seconds(10)),
      [&](const absl::Status&, absl::Duration) { ++retries; });
  EXPECT_EQ(status, absl::NotFoundError("no session s1"));
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(retries, 0);
}

TEST(RetryTest, AnErrorAfterRetriesIsFinal) {
  int calls = 0;
  const absl::Status status = CallWithRetry(
      [&] {
        return ++calls < 3 ? absl::UnavailableError("down")
                           : absl::InvalidArgumentError("bad routine");
      },
      Quick(absl::Seconds(10)), nullptr);
  EXPECT_EQ(status, absl::InvalidArgumentError("bad routine"));
  EXPECT_EQ(calls, 3);
}

TEST(RetryTest, GivesUpWithTheLastUnavailable) {
  constexpr absl::Duration kGiveUp = absl::Milliseconds(40);
  int calls = 0;
  std::vector<Retry> retries;
  const absl::Time start = absl::Now();
  const absl::Status status = CallWithRetry(
      [&] { return absl::UnavailableError(absl::StrCat("down ", ++calls)); },
      Quick(kGiveUp),
      [&](const absl::Status& why, absl::Duration wait) {
        retries.push_back({std::string(why.message()), wait});
      });
  const absl::Duration took = absl::Now() - start;

  EXPECT_EQ(status, absl::UnavailableError(absl::StrCat("down ", calls)));
  // 1 + 2 + 4 ms, then 4 ms a time: at most twelve calls fit in 40 ms (fewer
  // when sleeps overrun on a busy machine).
  EXPECT_GE(calls, 2);
  EXPECT_LE(calls, 12);
  // Told before every retry, never after the last call.
  ASSERT_EQ(retries.size(), static_cast<size_t>(calls - 1));
  for (int i = 0; i < calls - 1; ++i) {
    EXPECT_EQ(retries[i].why, absl::StrCat("down ", i + 1));
    EXPECT_EQ(retries[i].wait, absl::Milliseconds(i == 0 ? 1 : i == 1 ? 2 : 4));
  }
  // It gives up no sooner than one longest wait before the bound, and does not
  // sleep past it (the slack is for a busy machine's late wake-ups).
  EXPECT_GE(took, kGiveUp - absl::Milliseconds(4));
  EXPECT_LT(took, kGiveUp + absl::Milliseconds(50));
}

TEST(RetryTest, NoTimeToRetryMeansOneCall) {
  int calls = 0;
  int retries = 0;
  const absl::Status status = CallWithRetry(
      [&] {
        ++calls;
        return absl::UnavailableError("down");
      },
      Quick(absl::ZeroDuration()),
      [&](const absl::Status&, absl::Duration) { ++retries; });
  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(retries, 0);
}

}  // namespace
}  // namespace yoga::client
