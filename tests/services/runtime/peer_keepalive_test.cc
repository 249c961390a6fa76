// Peer channel keepalive against a peer that hangs: two catalog servers behind
// one name, one behind a proxy that stops forwarding without closing (a
// stopped pod: TCP stays up, only an unanswered ping tells). With keepalive
// the hung one leaves the round-robin after one unanswered ping; without, it
// keeps taking every other call until their deadlines.

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "grpc/grpc.h"
#include "grpcpp/client_context.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/server_builder.h"
#include "gtest/gtest.h"
#include "services/runtime/peer_channel.h"
#include "tests/testing/tcp_proxy.h"
#include "yoga/catalog/v1/catalog_service.grpc.pb.h"

namespace yoga {
namespace {

// Answers every ListPoses and counts them.
class CountingCatalog final
    : public yoga::catalog::v1::CatalogService::Service {
 public:
  grpc::Status ListPoses(grpc::ServerContext*,
                         const yoga::catalog::v1::ListPosesRequest*,
                         yoga::catalog::v1::ListPosesResponse*) override {
    ++calls_;
    return grpc::Status::OK;
  }
  int calls() const { return calls_.load(); }

 private:
  std::atomic<int> calls_{0};
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
  CountingCatalog catalog;
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
  // Stalled, it keeps every socket open, so the client's TCP connection
  // stays up and only an unanswered ping can tell.
  yoga::testing::TcpProxy proxy("127.0.0.1:" + std::to_string(hung.port));
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
  ASSERT_GT(hung.catalog.calls(), 0);

  proxy.Stall();
  const absl::Time frozen = absl::Now();
  // Calls that go to the hung pod wait out their deadline; once the ping goes
  // unanswered (1 s idle + 1 s timeout) every call goes to the live one.
  int in_a_row = 0;
  // (Generous bounds: a loaded CI machine or the sanitizer build must not
  // make a healthy call look hung.)
  while (in_a_row < 10 && absl::Now() - frozen < absl::Seconds(15)) {
    const bool ok = ListPosesWithin(*with_keepalive, absl::Seconds(1)).ok();
    in_a_row = ok ? in_a_row + 1 : 0;
  }
  const absl::Duration dropped_after = absl::Now() - frozen;
  EXPECT_EQ(in_a_row, 10) << "the hung pod still takes calls after "
                          << dropped_after;
  EXPECT_LT(dropped_after, absl::Seconds(15));
  std::printf("hung pod dropped from the round-robin %s after it froze\n",
              absl::FormatDuration(dropped_after).c_str());

  // Without keepalive the hung pod still gets every other call.
  int failed = 0;
  for (int i = 0; i < 4; ++i) {
    failed += !ListPosesWithin(*without_keepalive, absl::Seconds(1)).ok();
  }
  EXPECT_GE(failed, 1);
}

}  // namespace
}  // namespace yoga
