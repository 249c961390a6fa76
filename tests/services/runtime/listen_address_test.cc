#include "services/runtime/listen_address.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace yoga {
namespace {

using ::testing::HasSubstr;

TEST(ListenAddressTest, ParsesHostAndPort) {
  auto address = ParseListenAddress("127.0.0.1:50051");
  ASSERT_TRUE(address.ok()) << address.status();
  EXPECT_EQ(address->host, "127.0.0.1");
  EXPECT_EQ(address->port, 50051);
  EXPECT_EQ(address->ToString(), "127.0.0.1:50051");
}

TEST(ListenAddressTest, ParsesBracketedIpv6AndPrintsItBack) {
  auto address = ParseListenAddress("[::1]:0");
  ASSERT_TRUE(address.ok()) << address.status();
  EXPECT_EQ(address->host, "::1");
  EXPECT_EQ(address->port, 0);
  EXPECT_EQ(address->ToString(), "[::1]:0");
}

// Found by tests/fuzz/listen_address_fuzz.cc: "[[2]]:0" was taken as host
// "[2]", which printed as "[2]:0" and read back as host "2".
TEST(ListenAddressTest, RefusesBracketsInsideTheHost) {
  for (absl::string_view text : {"[[2]]:0", "[[::1]]:80", "a]b:1", "[a[b]:1"}) {
    EXPECT_THAT(std::string(ParseListenAddress(text).status().message()),
                HasSubstr("brackets"))
        << text;
  }
}

TEST(ListenAddressTest, SaysWhatIsWrong) {
  EXPECT_THAT(std::string(ParseListenAddress("localhost").status().message()),
              HasSubstr("no port"));
  EXPECT_THAT(std::string(ParseListenAddress(":80").status().message()),
              HasSubstr("no host"));
  EXPECT_THAT(std::string(ParseListenAddress("::1:80").status().message()),
              HasSubstr("brackets"));
  EXPECT_THAT(std::string(ParseListenAddress("host:70000").status().message()),
              HasSubstr("0 to 65535"));
  EXPECT_THAT(std::string(ParseListenAddress("host:-1").status().message()),
              HasSubstr("0 to 65535"));
  EXPECT_THAT(std::string(ParseListenAddress("host:http").status().message()),
              HasSubstr("0 to 65535"));
  EXPECT_EQ(ParseListenAddress("host:").status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace yoga
