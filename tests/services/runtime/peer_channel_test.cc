// Peer channels against real servers on loopback (the runtime's ServiceHost):
// a call that ends UNAVAILABLE is retried a bounded number of times and no
// other code is, for both services peers call; a key is refused in plaintext
// to a peer off loopback unless allowed; keepalive and reconnect backoff are
// set, and ping no more often than our servers allow. (peer_keepalive_test.cc
// has a peer that hangs.)
#include "services/runtime/peer_channel.h"

#include <atomic>
#include <chrono>
#include <deque>
#include <string>
#include <utility>

#include "absl/synchronization/mutex.h"
#include "gmock/gmock.h"
#include "grpc/grpc.h"
#include "grpcpp/client_context.h"
#include "gtest/gtest.h"
#include "services/runtime/service_host.h"
#include "yoga/catalog/v1/catalog_service.grpc.pb.h"
#include "yoga/planner/v1/planner_service.grpc.pb.h"

namespace yoga {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// Answers each call with the next scripted status (OK once the script is
// used up) and counts the calls.
class ScriptedAnswers {
 public:
  void Script(std::initializer_list<grpc::StatusCode> codes) {
    absl::MutexLock lock(&mutex_);
    codes_.assign(codes.begin(), codes.end());
  }
  grpc::Status Next() {
    ++calls_;
    absl::MutexLock lock(&mutex_);
    if (codes_.empty()) return grpc::Status::OK;
    const grpc::StatusCode code = codes_.front();
    codes_.pop_front();
    return grpc::Status(code, "scripted");
  }
  int calls() const { return calls_.load(); }

 private:
  std::atomic<int> calls_{0};
  absl::Mutex mutex_;
  std::deque<grpc::StatusCode> codes_ ABSL_GUARDED_BY(mutex_);
};

class ScriptedCatalog final
    : public yoga::catalog::v1::CatalogService::Service {
 public:
  grpc::Status ListPoses(
      grpc::ServerContext*, const yoga::catalog::v1::ListPosesRequest*,
      yoga::catalog::v1::ListPosesResponse* response) override {
    grpc::Status status = answers.Next();
    if (status.ok()) response->set_etag("e1");
    return status;
  }
  ScriptedAnswers answers;
};

class ScriptedPlanner final
    : public yoga::planner::v1::PlannerService::Service {
 public:
  grpc::Status GetRoutine(grpc::ServerContext*,
                          const yoga::planner::v1::GetRoutineRequest*,
                          yoga::type::v1::Routine* routine) override {
    grpc::Status status = answers.Next();
    if (status.ok()) routine->set_id("0123456789abcdef");
    return status;
  }
  ScriptedAnswers answers;
};

class PeerChannelTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ServerOptions options;
    options.listen = "127.0.0.1:0";
    options.shutdown_grace = absl::Seconds(1);
    auto host = ServiceHost::Start(
        options, {{"yoga.catalog.v1.CatalogService", &catalog_},
                  {"yoga.planner.v1.PlannerService", &planner_}});
    ASSERT_TRUE(host.ok()) << host.status();
    host_ = *std::move(host);
    auto channel = MakePeerChannel(host_->address(), PeerOptions());
    ASSERT_TRUE(channel.ok()) << channel.status();
    channel_ = *std::move(channel);
  }

  grpc::Status ListPoses() {
    auto stub = yoga::catalog::v1::CatalogService::NewStub(channel_);
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() +
                         std::chrono::seconds(10));
    yoga::catalog::v1::ListPosesRequest request;
    yoga::catalog::v1::ListPosesResponse response;
    grpc::Status status = stub->ListPoses(&context, request, &response);
    if (status.ok()) {
      EXPECT_EQ(response.etag(), "e1");
    }
    return status;
  }

  ScriptedCatalog catalog_;
  ScriptedPlanner planner_;
  std::unique_ptr<ServiceHost> host_;
  std::shared_ptr<grpc::Channel> channel_;
};

TEST_F(PeerChannelTest, ACallThatFailedUnavailableOnceSucceedsOnItsRetry) {
  catalog_.answers.Script({grpc::StatusCode::UNAVAILABLE});
  const grpc::Status status = ListPoses();
  EXPECT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(catalog_.answers.calls(), 2);
}

TEST_F(PeerChannelTest, RetriesStopAfterTheMaximumAttempts) {
  catalog_.answers.Script(
      {grpc::StatusCode::UNAVAILABLE, grpc::StatusCode::UNAVAILABLE,
       grpc::StatusCode::UNAVAILABLE, grpc::StatusCode::UNAVAILABLE,
       grpc::StatusCode::UNAVAILABLE});
  const grpc::Status status = ListPoses();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(catalog_.answers.calls(), kPeerMaxAttempts);
}

TEST_F(PeerChannelTest, OnlyUnavailableIsRetried) {
  for (grpc::StatusCode code :
       {grpc::StatusCode::INTERNAL, grpc::StatusCode::DEADLINE_EXCEEDED,
        grpc::StatusCode::RESOURCE_EXHAUSTED, grpc::StatusCode::NOT_FOUND}) {
    const int before = catalog_.answers.calls();
    catalog_.answers.Script({code});
    EXPECT_EQ(ListPoses().error_code(), code);
    EXPECT_EQ(catalog_.answers.calls(), before + 1) << "code " << code;
  }
}

TEST_F(PeerChannelTest, PlannerCallsAreRetriedToo) {
  planner_.answers.Script({grpc::StatusCode::UNAVAILABLE});
  auto stub = yoga::planner::v1::PlannerService::NewStub(channel_);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::seconds(10));
  yoga::planner::v1::GetRoutineRequest request;
  request.set_id("0123456789abcdef");
  yoga::type::v1::Routine routine;
  const grpc::Status status = stub->GetRoutine(&context, request, &routine);
  EXPECT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(routine.id(), "0123456789abcdef");
  EXPECT_EQ(planner_.answers.calls(), 2);
}

TEST(PeerChannelKeyTest, AKeyInPlaintextToAPeerOffLoopbackIsRefused) {
  PeerOptions options;
  options.api_key = "secret-peer-key-123";
  for (const char* target :
       {"10.1.2.3:50053", "yoga-planner:50053", "dns:///yoga-planner:50053",
        "[2001:db8::1]:50053", "127.0.0.1.example.org:50053",
        "ipv4:127.0.0.1:1,10.0.0.1:1"}) {
    auto channel = MakePeerChannel(target, options);
    ASSERT_FALSE(channel.ok()) << target;
    EXPECT_EQ(channel.status().code(), absl::StatusCode::kFailedPrecondition);
    const std::string message(channel.status().message());
    EXPECT_THAT(message, HasSubstr(target));
    EXPECT_THAT(message, HasSubstr("--peer_api_key_file"));
    EXPECT_THAT(message, HasSubstr("--peer_tls_ca"));
    EXPECT_THAT(message, HasSubstr("--peer_allow_plaintext_key"));
    EXPECT_THAT(message, Not(HasSubstr(options.api_key)));
  }
}

TEST(PeerChannelKeyTest, AKeyMayGoInPlaintextToLoopbackOrWhenAllowed) {
  PeerOptions options;
  options.api_key = "secret-peer-key-123";
  for (const char* target :
       {"127.0.0.1:50053", "127.8.9.10:50053", "localhost:50053", "[::1]:50053",
        "dns:///localhost:50053", "ipv4:127.0.0.1:50053", "ipv6:[::1]:50053",
        "unix:/tmp/yoga-planner.sock"}) {
    EXPECT_TRUE(MakePeerChannel(target, options).ok()) << target;
  }
  options.allow_plaintext_key = true;
  EXPECT_TRUE(MakePeerChannel("10.1.2.3:50053", options).ok());
  options.allow_plaintext_key = false;
  options.tls_ca_pem = "a CA";  // Only checked by the first handshake.
  EXPECT_TRUE(MakePeerChannel("10.1.2.3:50053", options).ok());
  // Without a key there is nothing to leak.
  EXPECT_TRUE(MakePeerChannel("10.1.2.3:50053", PeerOptions()).ok());
}

TEST(PeerChannelKeyTest, LoopbackTargets) {
  EXPECT_TRUE(IsLoopbackTarget("127.0.0.1:1"));
  EXPECT_TRUE(IsLoopbackTarget("LOCALHOST:1"));
  EXPECT_TRUE(IsLoopbackTarget("localhost"));
  EXPECT_TRUE(IsLoopbackTarget("::1"));
  EXPECT_TRUE(IsLoopbackTarget("[::ffff:127.0.0.1]:1"));
  EXPECT_TRUE(IsLoopbackTarget("dns://8.8.8.8/localhost:1"));
  EXPECT_TRUE(IsLoopbackTarget("dns:127.0.0.1:1"));
  EXPECT_TRUE(IsLoopbackTarget("unix-abstract:yoga"));
  EXPECT_FALSE(IsLoopbackTarget("128.0.0.1:1"));
  EXPECT_FALSE(IsLoopbackTarget("0.0.0.0:1"));
  EXPECT_FALSE(IsLoopbackTarget("[::]:1"));
  EXPECT_FALSE(IsLoopbackTarget("localhost.example.org:1"));
  EXPECT_FALSE(IsLoopbackTarget("dns://localhost"));  // No name after it.
  EXPECT_FALSE(IsLoopbackTarget("xds:///localhost:1"));
  EXPECT_FALSE(IsLoopbackTarget(""));
}

// The value of an integer channel argument, or -1 when it is not set.
int IntArgument(const grpc::ChannelArguments& arguments, const char* key) {
  grpc_channel_args args;
  arguments.SetChannelArgs(&args);
  for (size_t i = 0; i < args.num_args; ++i) {
    if (std::string(args.args[i].key) == key &&
        args.args[i].type == GRPC_ARG_INTEGER) {
      return args.args[i].value.integer;
    }
  }
  return -1;
}

std::string StringArgument(const grpc::ChannelArguments& arguments,
                           const char* key) {
  grpc_channel_args args;
  arguments.SetChannelArgs(&args);
  for (size_t i = 0; i < args.num_args; ++i) {
    if (std::string(args.args[i].key) == key &&
        args.args[i].type == GRPC_ARG_STRING) {
      return args.args[i].value.string;
    }
  }
  return "";
}

TEST(PeerChannelArgumentsTest, KeepaliveAndReconnectBackoffAreSet) {
  const PeerOptions options;
  const grpc::ChannelArguments arguments = PeerChannelArguments(options);
  EXPECT_EQ(IntArgument(arguments, GRPC_ARG_KEEPALIVE_TIME_MS), 15000);
  EXPECT_EQ(IntArgument(arguments, GRPC_ARG_KEEPALIVE_TIMEOUT_MS), 5000);
  EXPECT_EQ(IntArgument(arguments, GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS), 1);
  EXPECT_EQ(IntArgument(arguments, GRPC_ARG_HTTP2_MAX_PINGS_WITHOUT_DATA), 0);
  EXPECT_EQ(IntArgument(arguments, GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS), 250);
  EXPECT_EQ(IntArgument(arguments, GRPC_ARG_MAX_RECONNECT_BACKOFF_MS), 10000);
  const std::string config = StringArgument(arguments, GRPC_ARG_SERVICE_CONFIG);
  EXPECT_THAT(config, HasSubstr("\"retryableStatusCodes\": [\"UNAVAILABLE\"]"));
  EXPECT_THAT(config, HasSubstr("\"maxAttempts\": 3"));
  EXPECT_THAT(config, HasSubstr("retryThrottling"));
  EXPECT_EQ(StringArgument(arguments, GRPC_ARG_LB_POLICY_NAME), "round_robin");
}

TEST(PeerChannelArgumentsTest, PeersPingNoMoreOftenThanServersAllow) {
  const PeerOptions options;
  // A strike for each ping sooner than kMinPingInterval, and a GOAWAY after
  // two: the peer's pings must come later, with room for timer slack.
  EXPECT_GE(options.keepalive_time, kMinPingInterval + absl::Seconds(2));
  // "Quickly": a dead pod leaves the round-robin within half a minute.
  EXPECT_LE(options.keepalive_time + options.keepalive_timeout,
            absl::Seconds(30));
}

}  // namespace
}  // namespace yoga
