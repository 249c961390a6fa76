#include "services/common/log.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace yoga {
namespace {

using ::testing::EndsWith;
using ::testing::MatchesRegex;

TEST(LogTest, FormatsOneLogfmtLine) {
  const std::string line = FormatLogRecord(
      LogLevel::kInfo, "rpc", {{"method", "/a.B/C"}, {"code", "OK"}});
  EXPECT_THAT(
      line, MatchesRegex(
                "ts=[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z level=info event=rpc "
                "method=/a.B/C code=OK"));
}

TEST(LogTest, QuotesValuesThatWouldBreakTheLine) {
  const std::string line =
      FormatLogRecord(LogLevel::kWarning, "rpc",
                      {{"error", "no pose \"x\"\nsecond line"}, {"peer", ""}});
  EXPECT_THAT(
      line,
      EndsWith(
          "level=warning event=rpc error=\"no pose \\\"x\\\"\\nsecond line\" "
          "peer=\"\""));
  EXPECT_EQ(line.find('\n'), std::string::npos);
}

}  // namespace
}  // namespace yoga
