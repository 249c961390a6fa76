#include "services/common/page_token.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace yoga {
namespace {


TEST(PageTokenTest, ReadsBackThePositionForItsScope) {
  FieldViolations violations;
  const std::string token = MakePageToken("scope-a", "1605697200:b:c");
  EXPECT_EQ(ReadPageToken(token, "scope-a", "other", violations),
            "1605697200:b:c");
  EXPECT_TRUE(violations.empty());
  EXPECT_EQ(ReadPageToken("", "scope-a", "other", violations), std::nullopt);
  EXPECT_TRUE(violations.empty());
}

TEST(PageTokenTest, AnotherScopeGetsItsOwnReason) {
  FieldViolations violations;
  const std::string token = MakePageToken("scope-a", "pose-id");
  EXPECT_EQ(ReadPageToken(token, "scope-b", "was made for another listing",
                          violations),
            std::nullopt);
  EXPECT_THAT(violations.ToStatus().message(),
              ::testing::HasSubstr("page_token: was made for another listing"));
}

TEST(PageTokenTest, CutShortOrMistypedTokensAreRefused) {
  const std::string token = MakePageToken("scope-a", "pose-id");
  for (const std::string& bad :
       {token.substr(1), token.substr(0, token.size() - 1), token + "x",
        std::string("not a token"), MakePageToken("scope-a", "")}) {
    FieldViolations violations;
    EXPECT_EQ(ReadPageToken(bad, "scope-a", "other", violations), std::nullopt)
        << bad;
    EXPECT_THAT(violations.ToStatus().message(),
                ::testing::HasSubstr("is not a token this server made"))
        << bad;
  }
}

}  // namespace
}  // namespace yoga
