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
ABSL_DECLARE_FLAG(int, max_concurrent_streams);
ABSL_DECLARE_FLAG(int, max_request_bytes);
ABSL_DECLARE_FLAG(int, memory_quota_mib);

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
  // Bounded by default: Envoy's 100 streams a connection, requests fitted to
  // the API, and a memory quota.
  EXPECT_EQ(options->max_concurrent_streams, 100);
  EXPECT_EQ(options->max_request_bytes, 256 * 1024);
  EXPECT_EQ(options->memory_quota_mib, 1024);
}

TEST_F(ServerOptionsTest, NamesALimitOutOfItsRange) {
  absl::SetFlag(&FLAGS_max_concurrent_streams, 0);
  EXPECT_EQ(ServerOptionsFromFlags().status().message(),
            "--max_concurrent_streams must be 1 to 10000, not 0");
  absl::SetFlag(&FLAGS_max_concurrent_streams, 100);
  absl::SetFlag(&FLAGS_max_request_bytes, 64 * 1024 * 1024);
  EXPECT_EQ(ServerOptionsFromFlags().status().message(),
            "--max_request_bytes must be 4096 to 16777216, not 67108864");
  absl::SetFlag(&FLAGS_max_request_bytes, 256 * 1024);
  absl::SetFlag(&FLAGS_memory_quota_mib, 1);
  EXPECT_EQ(ServerOptionsFromFlags().status().message(),
            "--memory_quota_mib must be 64 to 65536, not 1");
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
