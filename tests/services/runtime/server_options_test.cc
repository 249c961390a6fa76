#include "services/runtime/server_options.h"

#include "absl/flags/declare.h"
#include "absl/flags/flag.h"
#include "absl/flags/reflection.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

ABSL_DECLARE_FLAG(std::string, listen);
ABSL_DECLARE_FLAG(std::string, tls_cert);
ABSL_DECLARE_FLAG(absl::Duration, keepalive_time);
ABSL_DECLARE_FLAG(absl::Duration, shutdown_grace);

namespace yoga {
namespace {

using ::testing::HasSubstr;

class ServerOptionsTest : public ::testing::Test {
 private:
  absl::FlagSaver saver_;  // Restores every flag after each test.
};

TEST_F(ServerOptionsTest, DefaultsAreSane) {
  SetDefaultListenAddress("127.0.0.1:50052");
  auto options = ServerOptionsFromFlags();
  ASSERT_TRUE(options.ok()) << options.status();
  EXPECT_EQ(options->listen, "127.0.0.1:50052");
  EXPECT_TRUE(options->tls_cert_path.empty());
  EXPECT_GT(options->shutdown_grace, absl::ZeroDuration());
}

TEST_F(ServerOptionsTest, NamesTheBadFlag) {
  absl::SetFlag(&FLAGS_listen, "nowhere");
  EXPECT_THAT(std::string(ServerOptionsFromFlags().status().message()),
              HasSubstr("--listen"));
}

TEST_F(ServerOptionsTest, NeedsCertificateAndKeyTogether) {
  absl::SetFlag(&FLAGS_tls_cert, "/tmp/cert.pem");
  EXPECT_THAT(std::string(ServerOptionsFromFlags().status().message()),
              HasSubstr("--tls_cert and --tls_key must be given together"));
}

TEST_F(ServerOptionsTest, RejectsNonPositiveKeepalive) {
  absl::SetFlag(&FLAGS_keepalive_time, absl::ZeroDuration());
  EXPECT_THAT(std::string(ServerOptionsFromFlags().status().message()),
              HasSubstr("--keepalive_time"));
}

TEST_F(ServerOptionsTest, RejectsAnEndlessShutdownGrace) {
  absl::SetFlag(&FLAGS_shutdown_grace, absl::InfiniteDuration());
  EXPECT_THAT(std::string(ServerOptionsFromFlags().status().message()),
              HasSubstr("--shutdown_grace"));
}

}  // namespace
}  // namespace yoga
