#include "services/runtime/request_id.h"

#include <set>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace yoga {
namespace {

TEST(RequestIdTest, KeepsAWellFormedIdTheCallerChose) {
  EXPECT_EQ(RequestIdFor("a"), "a");
  EXPECT_EQ(RequestIdFor("acme-run_2026.12.07-0001"),
            "acme-run_2026.12.07-0001");
  const std::string longest(kMaxRequestIdLength, 'Z');
  EXPECT_EQ(RequestIdFor(longest), longest);
}

TEST(RequestIdTest, ReplacesAbsentLongOrOddIds) {
  for (const std::string& presented :
       {std::string(""), std::string(kMaxRequestIdLength + 1, 'a'),
        std::string("two words"), std::string("line\nbreak"),
        std::string("key=value"), std::string("caf\xc3\xa9")}) {
    EXPECT_FALSE(IsWellFormedRequestId(presented)) << presented;
    EXPECT_THAT(RequestIdFor(presented),
                ::testing::MatchesRegex("[0-9a-f]{16}"))
        << presented;
  }
}

TEST(RequestIdTest, NewIdsDiffer) {
  std::set<std::string> ids;
  for (int i = 0; i < 1000; ++i) ids.insert(RequestIdFor(""));
  EXPECT_EQ(ids.size(), 1000u);
}

}  // namespace
}  // namespace yoga
