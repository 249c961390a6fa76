#include "services/runtime/api_keys.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/common/content_hash.h"

namespace yoga {
namespace {

using ::testing::HasSubstr;

const std::string kHash = Sha256Hex("secret-one");
const std::string kOtherHash = Sha256Hex("secret-two");

std::string ErrorOf(const std::string& text) {
  auto keys = ParseApiKeys("keys.txt", text);
  EXPECT_FALSE(keys.ok()) << text;
  return std::string(keys.status().message());
}

TEST(ApiKeysTest, ReadsKeysWithPermissionsAndQuotas) {
  auto keys =
      ParseApiKeys("keys.txt",
                   "# partners\n"
                   "\n"
                   "acme-run  sha256=" +
                       kHash +
                       "  permissions=planner rate=5 burst=10\n"
                       "coachco sha256=" +
                       kOtherHash + " permissions=planner,sessions # new\n");
  ASSERT_TRUE(keys.ok()) << keys.status();
  ASSERT_EQ(keys->size(), 2u);
  EXPECT_EQ((*keys)[0].id, "acme-run");
  EXPECT_EQ((*keys)[0].sha256_hex, kHash);
  EXPECT_EQ((*keys)[0].permissions, kPlannerPermission);
  EXPECT_EQ((*keys)[0].rate, 5);
  EXPECT_EQ((*keys)[0].burst, 10);
  EXPECT_EQ((*keys)[1].permissions, kPlannerPermission | kSessionsPermission);
  EXPECT_EQ((*keys)[1].rate, kDefaultRate);
  EXPECT_EQ((*keys)[1].burst, kDefaultBurst);
}

// Found by tests/fuzz/api_keys_fuzz.cc: a bare "permissions" (no '=') was
// taken as a key that may call nothing.
TEST(ApiKeysTest, PermissionsNeedAValue) {
  EXPECT_EQ(ErrorOf("acme sha256=" + kHash + " permissions\n"),
            "keys.txt:1: permissions= needs planner, sessions or "
            "planner,sessions");
  EXPECT_THAT(ErrorOf("acme sha256=" + kHash + " permissions=\n"),
              HasSubstr("keys.txt:1: permissions= needs planner"));
}

TEST(ApiKeysTest, ErrorsNameTheFileLineAndWhatIsWrong) {
  EXPECT_EQ(ErrorOf("\nacme sha256=abc permissions=planner\n"),
            "keys.txt:2: sha256 must be 64 lowercase hex digits (printf %s "
            "\"$KEY\" | sha256sum)");
  EXPECT_THAT(ErrorOf("acme sha256=" + kHash + "\n"),
              HasSubstr("keys.txt:1: permissions= is required"));
  EXPECT_THAT(ErrorOf("acme permissions=planner\n"),
              HasSubstr("keys.txt:1: sha256= is required"));
  EXPECT_THAT(ErrorOf("acme sha256=" + kHash + " permissions=admin\n"),
              HasSubstr("keys.txt:1: unknown permission \"admin\""));
  EXPECT_THAT(ErrorOf("acme sha256=" + kHash + " permissions=planner rate=0"),
              HasSubstr("keys.txt:1: rate must be"));
  EXPECT_THAT(
      ErrorOf("acme sha256=" + kHash + " permissions=planner burst=1.5"),
      HasSubstr("keys.txt:1: burst must be a whole number"));
  EXPECT_THAT(ErrorOf("acme sha256=" + kHash + " permissions=planner quota=9"),
              HasSubstr("keys.txt:1: unknown field \"quota=9\""));
  EXPECT_THAT(ErrorOf("acme/1 sha256=" + kHash + " permissions=planner"),
              HasSubstr("keys.txt:1: key id \"acme/1\" must be"));
}

TEST(ApiKeysTest, RefusesReusedIdsAndHashes) {
  EXPECT_THAT(ErrorOf("a sha256=" + kHash + " permissions=planner\n" +
                      "a sha256=" + kOtherHash + " permissions=planner\n"),
              HasSubstr("keys.txt:2: key id \"a\" is already used"));
  EXPECT_THAT(ErrorOf("a sha256=" + kHash + " permissions=planner\n" +
                      "b sha256=" + kHash + " permissions=planner\n"),
              HasSubstr("keys.txt:2: this sha256 is already another key's"));
}

TEST(ApiKeysTest, AFileWithoutKeysIsAnError) {
  EXPECT_THAT(ErrorOf("# nobody yet\n"), HasSubstr("keys.txt:1: no keys"));
}

TEST(ApiKeysTest, AMissingFileIsNamed) {
  auto keys = ReadApiKeys("/nonexistent/api_keys");
  EXPECT_EQ(keys.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(keys.status().message()),
              HasSubstr("/nonexistent/api_keys"));
}

TEST(ApiKeysTest, Sha256IsTheStandardDigest) {
  // printf %s abc | sha256sum
  EXPECT_EQ(Sha256Hex("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

}  // namespace
}  // namespace yoga
