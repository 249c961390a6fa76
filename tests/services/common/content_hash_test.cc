#include "services/common/content_hash.h"

#include "gtest/gtest.h"
#include "yoga/catalog/v1/pose.pb.h"

namespace yoga {
namespace {

TEST(ContentHashTest, IsTheFirst64BitsOfSha256InHex) {
  // SHA-256("abc") = ba7816bf8f01cfea414140de5dae2223...
  EXPECT_EQ(ContentHash("abc"), "ba7816bf8f01cfea");
  EXPECT_EQ(ContentHash(""), "e3b0c44298fc1c14");
}

TEST(ContentHashTest, FollowsMessageContent) {
  yoga::catalog::v1::Pose a;
  a.set_id("bow");
  yoga::catalog::v1::Pose b = a;
  EXPECT_EQ(ContentHashOf(a), ContentHashOf(b));
  b.set_name("Bow Pose");
  EXPECT_NE(ContentHashOf(a), ContentHashOf(b));
}

TEST(SameSecretTest, EqualOnlyForTheSameBytes) {
  EXPECT_TRUE(SameSecret("s3cret-token", "s3cret-token"));
  EXPECT_FALSE(SameSecret("s3cret-token", "s3cret-tokem"));
  EXPECT_FALSE(SameSecret("s3cret-token", "s3cret-token-longer"));
  EXPECT_FALSE(SameSecret("", "s3cret-token"));
  EXPECT_TRUE(SameSecret("", ""));
  EXPECT_FALSE(
      SameSecret(absl::string_view("a\0b", 3), absl::string_view("a\0c", 3)));
}

}  // namespace
}  // namespace yoga
