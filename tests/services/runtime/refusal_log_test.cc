// The refusal log's limit on its own clock: at most N lines of refusals and of
// calls without a request a second, one summary of the rest when the second
// is over, other lines never held.
// (tests/peer/abuse_peer_test.py floods a real server and reads its log.)
#include "services/runtime/refusal_log.h"

#include <map>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace yoga {
namespace {

using Summary = std::map<std::string, std::string>;

class RefusalLogTest : public ::testing::Test {
 protected:
  RefusalLog Make(int lines_per_second) {
    return RefusalLog(lines_per_second, [this](const LogFields& fields) {
      Summary summary;
      for (const auto& [key, value] : fields) summary[std::string(key)] = value;
      summaries_.push_back(summary);
    });
  }
  // How many of `count` refusals with `code` at `at` may be written.
  static int Written(RefusalLog& log, const char* code, int count,
                     absl::Time at) {
    int written = 0;
    for (int i = 0; i < count; ++i)
      written += log.MayWrite(code, /*request_arrived=*/true, at);
    return written;
  }

  const absl::Time t0_ = absl::FromUnixSeconds(1800000000);
  std::vector<Summary> summaries_;
};

TEST_F(RefusalLogTest, RefusalCodes) {
  EXPECT_TRUE(RefusalLog::IsRefusal("UNAUTHENTICATED"));
  EXPECT_TRUE(RefusalLog::IsRefusal("PERMISSION_DENIED"));
  EXPECT_TRUE(RefusalLog::IsRefusal("RESOURCE_EXHAUSTED"));
  EXPECT_FALSE(RefusalLog::IsRefusal("OK"));
  EXPECT_FALSE(RefusalLog::IsRefusal("INVALID_ARGUMENT"));
  EXPECT_FALSE(RefusalLog::IsRefusal("CANCELLED"));
  EXPECT_FALSE(RefusalLog::IsRefusal("UNIMPLEMENTED"));
}

TEST_F(RefusalLogTest, CallsToMethodsTheServerDoesNotHaveAreLimited) {
  RefusalLog log = Make(3);
  EXPECT_EQ(Written(log, "UNIMPLEMENTED", 50, t0_), 3);
  EXPECT_TRUE(log.MayWrite("OK", true, t0_ + absl::Seconds(1)));
  ASSERT_EQ(summaries_.size(), 1u);
  EXPECT_EQ(summaries_[0], (Summary{{"suppressed", "47"},
                                    {"unimplemented", "47"},
                                    {"over_ms", "1000"}}));
}

TEST(BoundedForLogTest, LongTextIsCutAndSaysHowMuchWasLeftOut) {
  EXPECT_EQ(BoundedForLog("/yoga.catalog.v1.CatalogService/GetPose"),
            "/yoga.catalog.v1.CatalogService/GetPose");
  EXPECT_EQ(BoundedForLog(std::string(200, 'x')), std::string(200, 'x'));
  EXPECT_EQ(BoundedForLog(std::string(8000, 'x')),
            absl::StrCat(std::string(200, 'x'), "...(+7800 bytes)"));
  EXPECT_EQ(BoundedForLog("abcdef", 2), "ab...(+4 bytes)");
}

TEST_F(RefusalLogTest, AtMostNLinesASecondThenOneSummary) {
  RefusalLog log = Make(3);
  EXPECT_EQ(Written(log, "UNAUTHENTICATED", 1000, t0_), 3);
  EXPECT_EQ(Written(log, "PERMISSION_DENIED", 5, t0_ + absl::Milliseconds(400)),
            0);
  EXPECT_EQ(
      Written(log, "RESOURCE_EXHAUSTED", 5, t0_ + absl::Milliseconds(999)), 0);
  EXPECT_TRUE(summaries_.empty());  // The second is not over.

  // The next second: the summary first, then lines again up to the limit.
  EXPECT_EQ(Written(log, "UNAUTHENTICATED", 10, t0_ + absl::Seconds(1)), 3);
  ASSERT_EQ(summaries_.size(), 1u);
  EXPECT_EQ(summaries_[0], (Summary{{"suppressed", "1007"},
                                    {"unauthenticated", "997"},
                                    {"permission_denied", "5"},
                                    {"resource_exhausted", "5"},
                                    {"over_ms", "1000"}}));
}

TEST_F(RefusalLogTest, ErrorsOfCallsWhoseRequestNeverArrivedAreLimitedToo) {
  RefusalLog log = Make(2);
  int written = 0;
  for (const char* code : {"CANCELLED", "INVALID_ARGUMENT", "INTERNAL",
                           "CANCELLED", "CANCELLED"}) {
    written += log.MayWrite(code, /*request_arrived=*/false, t0_);
  }
  EXPECT_EQ(written, 2);
  // The same codes with their request are the handler's answers: all written.
  EXPECT_EQ(Written(log, "INVALID_ARGUMENT", 20, t0_), 20);
  // A client stream that ended with no message and OK is no error.
  EXPECT_TRUE(log.MayWrite("OK", /*request_arrived=*/false, t0_));
  EXPECT_TRUE(log.MayWrite("OK", true, t0_ + absl::Seconds(1)));
  ASSERT_EQ(summaries_.size(), 1u);
  EXPECT_EQ(
      summaries_[0],
      (Summary{{"suppressed", "3"}, {"no_request", "3"}, {"over_ms", "1000"}}));
}

TEST_F(RefusalLogTest, OtherLinesAreNeverHeldBack) {
  RefusalLog log = Make(1);
  EXPECT_EQ(Written(log, "UNAUTHENTICATED", 50, t0_), 1);
  EXPECT_EQ(Written(log, "OK", 500, t0_), 500);
  EXPECT_EQ(Written(log, "INVALID_ARGUMENT", 500, t0_), 500);
  EXPECT_TRUE(summaries_.empty());
}

TEST_F(RefusalLogTest, TheSummaryComesWithTheNextLineOfAnyCall) {
  RefusalLog log = Make(2);
  EXPECT_EQ(Written(log, "UNAUTHENTICATED", 12, t0_), 2);
  EXPECT_TRUE(log.MayWrite("OK", true, t0_ + absl::Seconds(3)));
  ASSERT_EQ(summaries_.size(), 1u);
  EXPECT_EQ(summaries_[0]["suppressed"], "10");
  EXPECT_EQ(summaries_[0]["over_ms"], "3000");
  // Told once.
  EXPECT_TRUE(log.MayWrite("OK", true, t0_ + absl::Seconds(4)));
  EXPECT_EQ(summaries_.size(), 1u);
}

TEST_F(RefusalLogTest, WhatIsStillCountedIsWrittenAtTheEnd) {
  {
    RefusalLog log = Make(2);
    EXPECT_EQ(Written(log, "PERMISSION_DENIED", 7, t0_), 2);
  }
  ASSERT_EQ(summaries_.size(), 1u);
  EXPECT_EQ(summaries_[0]["suppressed"], "5");
  EXPECT_EQ(summaries_[0]["permission_denied"], "5");
  EXPECT_EQ(summaries_[0].count("unauthenticated"), 0u);
}

TEST_F(RefusalLogTest, NothingCountedNothingWritten) {
  {
    RefusalLog log = Make(2);
    EXPECT_EQ(Written(log, "OK", 3, t0_), 3);
  }
  EXPECT_TRUE(summaries_.empty());
}

}  // namespace
}  // namespace yoga
