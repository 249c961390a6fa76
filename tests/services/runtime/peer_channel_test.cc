// Peer channels against real servers on loopback (the runtime's ServiceHost):
// a call that ends UNAVAILABLE is retried a bounded number of times and no
// other code is, for both services peers call; a key is refused in plaintext
// to a peer off loopback unless allowed; keepalive and reconnect backoff are
// set, and ping no more often than our servers allow; a peer that hangs
// (behind a proxy that stops forwarding) leaves the round-robin after one
// unanswered ping.
#include "services/runtime/peer_channel.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <deque>
#include <map>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "gmock/gmock.h"
#include "grpc/grpc.h"
#include "grpcpp/client_context.h"
#include "grpcpp/server_builder.h"
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

// A loopback TCP proxy that can hang like a stopped pod: Freeze() stops
// forwarding in both directions and keeps every socket open, so the client's
// TCP connection stays up and only an unanswered ping can tell.
class FreezingProxy {
 public:
  explicit FreezingProxy(int upstream_port) : upstream_port_(upstream_port) {
    listener_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address = Loopback(0);
    socklen_t length = sizeof(address);
    EXPECT_EQ(bind(listener_, reinterpret_cast<sockaddr*>(&address), length),
              0);
    EXPECT_EQ(listen(listener_, 16), 0);
    getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length);
    port_ = ntohs(address.sin_port);
    thread_ = std::thread([this] { Run(); });
  }
  ~FreezingProxy() {
    stopping_ = true;
    thread_.join();
    for (const auto& [from, to] : peer_of_) close(from);
    close(listener_);
  }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }
  void Freeze() { frozen_ = true; }

 private:
  static sockaddr_in Loopback(int port) {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<uint16_t>(port));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return address;
  }

  // One thread accepts and forwards; frozen, it only accepts (and holds).
  void Run() {
    while (!stopping_) {
      std::vector<pollfd> waiting = {{listener_, POLLIN, 0}};
      if (!frozen_) {
        for (const auto& [from, to] : peer_of_)
          waiting.push_back({from, POLLIN, 0});
      }
      if (poll(waiting.data(), waiting.size(), 20) <= 0) continue;
      if (waiting[0].revents & POLLIN) Accept();
      for (size_t i = 1; i < waiting.size() && !frozen_; ++i) {
        if (waiting[i].revents == 0) continue;
        char buffer[65536];
        const ssize_t got = read(waiting[i].fd, buffer, sizeof(buffer));
        if (got <= 0) continue;  // The test ends before any peer closes.
        const int to = peer_of_[waiting[i].fd];
        for (ssize_t sent = 0; sent < got;) {
          const ssize_t wrote = write(to, buffer + sent, got - sent);
          if (wrote <= 0) break;
          sent += wrote;
        }
      }
    }
  }

  void Accept() {
    const int client = accept(listener_, nullptr, nullptr);
    if (client < 0) return;
    if (frozen_) {  // A hung pod: the connection is taken, nothing answers.
      peer_of_[client] = -1;
      return;
    }
    const int server = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in upstream = Loopback(upstream_port_);
    if (connect(server, reinterpret_cast<sockaddr*>(&upstream),
                sizeof(upstream)) != 0) {
      close(client);
      close(server);
      return;
    }
    peer_of_[client] = server;
    peer_of_[server] = client;
  }

  const int upstream_port_;
  int listener_ = -1;
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<bool> frozen_{false};
  std::map<int, int> peer_of_;  // Only the proxy's thread touches it.
  std::thread thread_;
};

// A catalog server that lets clients ping as often as these tests do (our
// ServiceHost allows one ping in 10 s).
struct PermissiveCatalogServer {
  PermissiveCatalogServer() {
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(),
                             &port);
    builder.AddChannelArgument(
        GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS, 100);
    builder.AddChannelArgument(GRPC_ARG_HTTP2_MAX_PING_STRIKES, 0);
    builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
    builder.RegisterService(&catalog);
    server = builder.BuildAndStart();
  }
  ~PermissiveCatalogServer() {
    server->Shutdown(std::chrono::system_clock::now());
  }
  ScriptedCatalog catalog;
  int port = 0;
  std::unique_ptr<grpc::Server> server;
};

grpc::Status ListPosesWithin(const std::shared_ptr<grpc::Channel>& channel,
                             absl::Duration deadline) {
  auto stub = yoga::catalog::v1::CatalogService::NewStub(channel);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       absl::ToChronoMilliseconds(deadline));
  yoga::catalog::v1::ListPosesRequest request;
  yoga::catalog::v1::ListPosesResponse response;
  return stub->ListPoses(&context, request, &response);
}

TEST(PeerChannelKeepaliveTest,
     AHungPeerLeavesTheRoundRobinAfterOneUnansweredPing) {
  PermissiveCatalogServer hung;
  PermissiveCatalogServer live;
  ASSERT_NE(hung.server, nullptr);
  ASSERT_NE(live.server, nullptr);
  FreezingProxy proxy(hung.port);
  // Two pods behind one name, as a headless Service resolves it.
  const std::string target =
      "ipv4:" + proxy.address() + ",127.0.0.1:" + std::to_string(live.port);
  PeerOptions pinging;
  pinging.keepalive_time = absl::Seconds(1);
  pinging.keepalive_timeout = absl::Seconds(1);
  PeerOptions silent = pinging;  // What peer channels were: no keepalive.
  silent.keepalive_time = absl::Hours(1);
  auto with_keepalive = MakePeerChannel(target, pinging);
  auto without_keepalive = MakePeerChannel(target, silent);
  ASSERT_TRUE(with_keepalive.ok() && without_keepalive.ok());
  // Both channels reach both pods.
  for (int i = 0; i < 8; ++i) {
    ASSERT_TRUE(ListPosesWithin(*with_keepalive, absl::Seconds(5)).ok());
    ASSERT_TRUE(ListPosesWithin(*without_keepalive, absl::Seconds(5)).ok());
  }
  ASSERT_GT(hung.catalog.answers.calls(), 0);

  proxy.Freeze();
  const absl::Time frozen = absl::Now();
  // Calls that go to the hung pod wait out their deadline; once the ping goes
  // unanswered (1 s idle + 1 s timeout) every call goes to the live one.
  int in_a_row = 0;
  while (in_a_row < 10 && absl::Now() - frozen < absl::Seconds(8)) {
    const bool ok =
        ListPosesWithin(*with_keepalive, absl::Milliseconds(300)).ok();
    in_a_row = ok ? in_a_row + 1 : 0;
  }
  const absl::Duration dropped_after = absl::Now() - frozen;
  EXPECT_EQ(in_a_row, 10) << "the hung pod still takes calls after "
                          << dropped_after;
  EXPECT_LT(dropped_after, absl::Seconds(8));
  std::printf("hung pod dropped from the round-robin %s after it froze\n",
              absl::FormatDuration(dropped_after).c_str());

  // Without keepalive the hung pod still gets every other call.
  int failed = 0;
  for (int i = 0; i < 4; ++i) {
    failed +=
        !ListPosesWithin(*without_keepalive, absl::Milliseconds(300)).ok();
  }
  EXPECT_GE(failed, 1);
}

}  // namespace
}  // namespace yoga
