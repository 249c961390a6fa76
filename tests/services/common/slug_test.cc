#include "services/common/slug.h"

#include <string>

#include "gtest/gtest.h"

namespace yoga {
namespace {

TEST(SlugTest, AcceptsLowerCaseWordsJoinedByDashes) {
  EXPECT_TRUE(IsSlug("downward-facing-dog"));
  EXPECT_TRUE(IsSlug("bow"));
  EXPECT_TRUE(IsSlug("locust-2"));
  EXPECT_TRUE(IsSlug(std::string(kMaxSlugLength, 'a')));
}

TEST(SlugTest, RejectsEverythingElse) {
  EXPECT_FALSE(IsSlug(""));
  EXPECT_FALSE(IsSlug("Bow"));
  EXPECT_FALSE(IsSlug("-bow"));
  EXPECT_FALSE(IsSlug("bow-"));
  EXPECT_FALSE(IsSlug("child's-pose"));
  EXPECT_FALSE(IsSlug("two--dashes"));
  EXPECT_FALSE(IsSlug("with space"));
  EXPECT_FALSE(IsSlug("under_score"));
  EXPECT_FALSE(IsSlug(std::string(kMaxSlugLength + 1, 'a')));
}

}  // namespace
}  // namespace yoga
