// The server runtime against real gRPC on loopback: health per service, the
// request log, TLS, a busy port, and graceful shutdown that drains calls.
#include "services/runtime/service_host.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpc/testing/test.grpc.pb.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "gtest/gtest.h"
#include "services/common/errors.h"
#include "services/runtime/request_id.h"
#include "services/runtime/server_info_service.h"
#include "yoga/planner/v1/planner_service.grpc.pb.h"
#include "yoga/server/v1/server_info_service.grpc.pb.h"

namespace yoga {
namespace {

using ::grpc::health::v1::HealthCheckRequest;
using ::grpc::health::v1::HealthCheckResponse;
using ::testing::HasSubstr;

constexpr char kTestService[] = "grpc.testing.TestService";

// UnaryCall holds the call for response_size milliseconds, or until the client
// cancels, so tests can have calls in flight during a shutdown.
class SlowTestService final : public grpc::testing::TestService::Service {
 public:
  // Reads the client's stream to its end and answers nothing.
  grpc::Status FullDuplexCall(
      grpc::ServerContext*,
      grpc::ServerReaderWriter<grpc::testing::StreamingOutputCallResponse,
                               grpc::testing::StreamingOutputCallRequest>*
          stream) override {
    grpc::testing::StreamingOutputCallRequest request;
    while (stream->Read(&request)) {
    }
    return grpc::Status::OK;
  }
  grpc::Status EmptyCall(grpc::ServerContext*, const grpc::testing::Empty*,
                         grpc::testing::Empty*) override {
    return grpc::Status::OK;
  }
  grpc::Status UnaryCall(grpc::ServerContext* context,
                         const grpc::testing::SimpleRequest* request,
                         grpc::testing::SimpleResponse*) override {
    // Once: calls entering together must not both notify (that aborts).
    if (!entered_once_.exchange(true)) entered_.Notify();
    const int now_in_flight = ++in_flight_;
    for (int most = most_in_flight_.load();
         now_in_flight > most &&
         !most_in_flight_.compare_exchange_weak(most, now_in_flight);) {
    }
    struct Leave {
      std::atomic<int>& in_flight;
      ~Leave() { --in_flight; }
    } leave{in_flight_};
    const absl::Time until =
        absl::Now() + absl::Milliseconds(request->response_size());
    while (absl::Now() < until) {
      if (context->IsCancelled()) return grpc::Status::CANCELLED;
      absl::SleepFor(absl::Milliseconds(5));
    }
    return grpc::Status::OK;
  }
  // Waits until a UnaryCall has started.
  void WaitForCall() { entered_.WaitForNotification(); }
  // The most UnaryCalls that ran at once.
  int most_in_flight() const { return most_in_flight_.load(); }

 private:
  absl::Notification entered_;
  std::atomic<bool> entered_once_{false};
  std::atomic<int> in_flight_{0};
  std::atomic<int> most_in_flight_{0};
};

ServerOptions LoopbackOptions() {
  ServerOptions options;
  options.listen = "127.0.0.1:0";
  options.shutdown_grace = absl::Seconds(5);
  return options;
}

std::shared_ptr<grpc::Channel> Connect(const ServiceHost& host) {
  return grpc::CreateChannel(host.address(),
                             grpc::InsecureChannelCredentials());
}

grpc::Status CheckHealth(std::shared_ptr<grpc::Channel> channel,
                         const std::string& service,
                         HealthCheckResponse* response) {
  auto stub = grpc::health::v1::Health::NewStub(channel);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::seconds(5));
  HealthCheckRequest request;
  request.set_service(service);
  return stub->Check(&context, request, response);
}

HealthCheckResponse::ServingStatus HealthOf(
    std::shared_ptr<grpc::Channel> channel, const std::string& service) {
  HealthCheckResponse response;
  grpc::Status status = CheckHealth(channel, service, &response);
  EXPECT_TRUE(status.ok()) << service << ": " << status.error_message();
  return response.status();
}

grpc::Status CallSlow(std::shared_ptr<grpc::Channel> channel, int millis) {
  auto stub = grpc::testing::TestService::NewStub(channel);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::seconds(20));
  grpc::testing::SimpleRequest request;
  request.set_response_size(millis);
  grpc::testing::SimpleResponse response;
  return stub->UnaryCall(&context, request, &response);
}

TEST(ServiceHostTest, BindsAFreePortAndReportsHealthPerService) {
  SlowTestService service;
  yoga::planner::v1::PlannerService::Service unbuilt;
  auto host = ServiceHost::Start(LoopbackOptions(),
                                 {{kTestService, &service},
                                  {"yoga.planner.v1.PlannerService", &unbuilt,
                                   /*serving=*/false}});
  ASSERT_TRUE(host.ok()) << host.status();
  EXPECT_THAT((*host)->address(), ::testing::StartsWith("127.0.0.1:"));
  EXPECT_NE((*host)->address(), "127.0.0.1:0");

  auto channel = Connect(**host);
  EXPECT_EQ(HealthOf(channel, ""), HealthCheckResponse::SERVING);
  EXPECT_EQ(HealthOf(channel, kTestService), HealthCheckResponse::SERVING);
  EXPECT_EQ(HealthOf(channel, "yoga.planner.v1.PlannerService"),
            HealthCheckResponse::NOT_SERVING);

  (*host)->SetServing(kTestService, false);
  EXPECT_EQ(HealthOf(channel, kTestService), HealthCheckResponse::NOT_SERVING);

  HealthCheckResponse response;
  EXPECT_EQ(CheckHealth(channel, "no.such.Service", &response).error_code(),
            grpc::StatusCode::NOT_FOUND);
}

// True when a plain socket can bind [::1]; some containers have no IPv6.
bool HasIpv6Loopback() {
  const int fd = socket(AF_INET6, SOCK_STREAM, 0);
  if (fd < 0) return false;
  sockaddr_in6 address{};
  address.sin6_family = AF_INET6;
  address.sin6_addr = in6addr_loopback;
  const bool bound =
      bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0;
  close(fd);
  return bound;
}

TEST(ServiceHostTest, RefusesARequestLargerThanTheLimitBeforeDecodingIt) {
  SlowTestService service;
  ServerOptions options = LoopbackOptions();
  options.max_request_bytes = 16 * 1024;
  auto host = ServiceHost::Start(options, {{kTestService, &service}});
  ASSERT_TRUE(host.ok()) << host.status();
  auto stub = grpc::testing::TestService::NewStub(Connect(**host));
  for (const auto& [size, code] :
       {std::pair{8 * 1024, grpc::StatusCode::OK},
        std::pair{64 * 1024, grpc::StatusCode::RESOURCE_EXHAUSTED}}) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() +
                         std::chrono::seconds(5));
    grpc::testing::SimpleRequest request;
    request.mutable_payload()->set_body(std::string(size, 'x'));
    grpc::testing::SimpleResponse response;
    EXPECT_EQ(stub->UnaryCall(&context, request, &response).error_code(), code)
        << size << " bytes";
  }
}

TEST(ServiceHostTest, HoldsCallsOnOneConnectionToTheStreamLimit) {
  SlowTestService service;
  ServerOptions options = LoopbackOptions();
  options.max_concurrent_streams = 2;
  auto host = ServiceHost::Start(options, {{kTestService, &service}});
  ASSERT_TRUE(host.ok()) << host.status();
  auto channel = Connect(**host);
  // Six calls of 300 ms on one connection: two run at a time, the rest wait
  // for a slot on the client (and all succeed).
  std::vector<std::thread> callers;
  std::atomic<int> succeeded{0};
  for (int i = 0; i < 6; ++i) {
    callers.emplace_back([&] {
      if (CallSlow(channel, 300).ok()) ++succeeded;
    });
  }
  for (std::thread& caller : callers) caller.join();
  EXPECT_EQ(succeeded.load(), 6);
  EXPECT_EQ(service.most_in_flight(), 2);
}

TEST(ServiceHostTest, ServesIpv6Loopback) {
  SlowTestService service;
  ServerOptions options = LoopbackOptions();
  options.listen = "[::1]:0";
  if (!HasIpv6Loopback()) GTEST_SKIP() << "this machine has no ::1";
  auto host = ServiceHost::Start(options, {{kTestService, &service}});
  ASSERT_TRUE(host.ok()) << host.status();
  EXPECT_THAT((*host)->address(), ::testing::StartsWith("[::1]:"));
  EXPECT_EQ(HealthOf(Connect(**host), kTestService),
            HealthCheckResponse::SERVING);
}

TEST(ServiceHostTest, RefusesABusyPort) {
  SlowTestService service;
  auto first =
      ServiceHost::Start(LoopbackOptions(), {{kTestService, &service}});
  ASSERT_TRUE(first.ok()) << first.status();
  ServerOptions options = LoopbackOptions();
  options.listen = (*first)->address();
  auto second = ServiceHost::Start(options, {{kTestService, &service}});
  ASSERT_FALSE(second.ok());
  EXPECT_THAT(std::string(second.status().message()),
              HasSubstr("cannot listen on " + (*first)->address()));
}

TEST(ServiceHostTest, RejectsAMalformedListenAddress) {
  SlowTestService service;
  ServerOptions options = LoopbackOptions();
  options.listen = "localhost";
  auto host = ServiceHost::Start(options, {{kTestService, &service}});
  ASSERT_FALSE(host.ok());
  EXPECT_EQ(host.status().code(), absl::StatusCode::kInvalidArgument);
}

// Captures what this process writes to stderr while alive.
class StderrCapture {
 public:
  StderrCapture()
      : path_(std::filesystem::temp_directory_path() /
              absl::StrCat("yoga-stderr-", getpid(), ".log")) {
    saved_ = dup(STDERR_FILENO);
    int fd = open(path_.c_str(), O_CREAT | O_TRUNC | O_WRONLY, 0600);
    dup2(fd, STDERR_FILENO);
    close(fd);
  }
  ~StderrCapture() {
    Restore();
    std::filesystem::remove(path_);
  }
  std::string Restore() {
    if (saved_ >= 0) {
      dup2(saved_, STDERR_FILENO);
      close(saved_);
      saved_ = -1;
    }
    std::ifstream in(path_);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }

 private:
  std::filesystem::path path_;
  int saved_ = -1;
};

TEST(ServiceHostTest, LogsOneLinePerCallWithMethodStatusAndLatency) {
  SlowTestService service;
  auto host = ServiceHost::Start(LoopbackOptions(), {{kTestService, &service}});
  ASSERT_TRUE(host.ok()) << host.status();
  auto stub = grpc::testing::TestService::NewStub(Connect(**host));

  StderrCapture capture;
  {
    grpc::ClientContext context;
    grpc::testing::Empty empty;
    ASSERT_TRUE(stub->EmptyCall(&context, empty, &empty).ok());
  }
  {
    grpc::ClientContext context;
    // UnimplementedCall is not overridden: the log shows the error code.
    grpc::testing::Empty empty;
    EXPECT_EQ(stub->UnimplementedCall(&context, empty, &empty).error_code(),
              grpc::StatusCode::UNIMPLEMENTED);
  }
  const std::string log = capture.Restore();
  EXPECT_THAT(log,
              ::testing::ContainsRegex(
                  "level=info event=rpc "
                  "method=/grpc.testing.TestService/EmptyCall code=OK "
                  "latency_ms=[0-9]+\\.[0-9]{3} peer=ipv4:127.0.0.1:[0-9]+ "
                  "request_id=[0-9a-f]{16}\n"));
  EXPECT_THAT(log,
              ::testing::ContainsRegex(
                  "level=warning event=rpc method=/grpc.testing.TestService/"
                  "UnimplementedCall code=UNIMPLEMENTED latency_ms="));
}

// The x-request-id the server sent back: in the call's initial metadata, or
// in its trailers when it failed at once (so that retry policies may retry).
std::string RequestIdOf(const grpc::ClientContext& context) {
  for (const auto* metadata : {&context.GetServerInitialMetadata(),
                               &context.GetServerTrailingMetadata()}) {
    auto found = metadata->find(kRequestIdMetadata);
    if (found != metadata->end())
      return std::string(found->second.data(), found->second.size());
  }
  return "";
}

TEST(ServiceHostTest, AnswersEveryCallWithARequestIdAndLogsIt) {
  SlowTestService service;
  auto host = ServiceHost::Start(LoopbackOptions(), {{kTestService, &service}});
  ASSERT_TRUE(host.ok()) << host.status();
  auto stub = grpc::testing::TestService::NewStub(Connect(**host));

  StderrCapture capture;
  std::string generated[2];
  for (std::string& id : generated) {
    grpc::ClientContext context;
    grpc::testing::Empty empty;
    ASSERT_TRUE(stub->EmptyCall(&context, empty, &empty).ok());
    id = RequestIdOf(context);
    EXPECT_THAT(id, ::testing::MatchesRegex("[0-9a-f]{16}"));
  }
  EXPECT_NE(generated[0], generated[1]);
  std::string chosen;
  {
    // A caller's own well-formed id is kept, also on an error.
    grpc::ClientContext context;
    context.AddMetadata(kRequestIdMetadata, "partner-call.42");
    grpc::testing::Empty empty;
    EXPECT_EQ(stub->UnimplementedCall(&context, empty, &empty).error_code(),
              grpc::StatusCode::UNIMPLEMENTED);
    chosen = RequestIdOf(context);
  }
  EXPECT_EQ(chosen, "partner-call.42");
  std::string replaced;
  {
    // A long or odd one is replaced, so it never reaches the log.
    grpc::ClientContext context;
    context.AddMetadata(kRequestIdMetadata, std::string(65, 'a'));
    grpc::testing::Empty empty;
    ASSERT_TRUE(stub->EmptyCall(&context, empty, &empty).ok());
    replaced = RequestIdOf(context);
  }
  EXPECT_THAT(replaced, ::testing::MatchesRegex("[0-9a-f]{16}"));
  const std::string log = capture.Restore();
  for (const std::string& id : {generated[0], generated[1], replaced}) {
    EXPECT_THAT(log, HasSubstr(absl::StrCat("request_id=", id, "\n")));
  }
  EXPECT_THAT(log, ::testing::ContainsRegex(
                       "code=UNIMPLEMENTED [^\n]*request_id=partner-call.42"));
  EXPECT_THAT(log, ::testing::Not(HasSubstr(std::string(65, 'a'))));
}

TEST(ServiceHostTest, GivesErrorsMadeByGrpcAnErrorInfo) {
  SlowTestService service;
  auto host = ServiceHost::Start(LoopbackOptions(), {{kTestService, &service}});
  ASSERT_TRUE(host.ok()) << host.status();
  auto stub = grpc::testing::TestService::NewStub(Connect(**host));
  grpc::ClientContext context;
  grpc::testing::Empty empty;
  grpc::Status status = stub->UnimplementedCall(&context, empty, &empty);
  ASSERT_EQ(status.error_code(), grpc::StatusCode::UNIMPLEMENTED);
  google::rpc::Status details;
  ASSERT_TRUE(details.ParseFromString(status.error_details()));
  ASSERT_EQ(details.details_size(), 1);
  google::rpc::ErrorInfo info;
  ASSERT_TRUE(details.details(0).UnpackTo(&info));
  EXPECT_EQ(info.reason(), "UNIMPLEMENTED");
  EXPECT_EQ(info.domain(), kErrorDomain);
}

TEST(ServiceHostTest, EveryServerSaysItsVersionAndApiRevision) {
  SlowTestService service;
  auto host = ServiceHost::Start(LoopbackOptions(), {{kTestService, &service}});
  ASSERT_TRUE(host.ok()) << host.status();
  auto stub = yoga::server::v1::ServerInfoService::NewStub(Connect(**host));
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::seconds(5));
  yoga::server::v1::GetServerInfoResponse info;
  grpc::Status status = stub->GetServerInfo(
      &context, yoga::server::v1::GetServerInfoRequest(), &info);
  ASSERT_TRUE(status.ok()) << status.error_message();
  // The project version from CMake, then the git revision when known.
  EXPECT_THAT(info.version(),
              ::testing::MatchesRegex("[0-9]+\\.[0-9]+\\.[0-9]+(\\+.+)?"));
  EXPECT_EQ(info.version(), ServerVersion());
  EXPECT_THAT(info.api_revision(),
              ::testing::MatchesRegex("20[0-9][0-9]-[01][0-9]-[0-3][0-9]"));
  EXPECT_THAT(info.services(), ::testing::ElementsAre(kTestService));
}

TEST(ServiceHostTest, ShutdownTurnsHealthNotServingAndLetsInFlightCallsFinish) {
  SlowTestService service;
  ServerOptions options = LoopbackOptions();
  options.shutdown_grace = absl::Seconds(2);
  auto host = ServiceHost::Start(options, {{kTestService, &service}});
  ASSERT_TRUE(host.ok()) << host.status();
  auto channel = Connect(**host);

  // A health watcher sees every change of status as it happens.
  std::vector<HealthCheckResponse::ServingStatus> watched;
  absl::Notification first_status;
  grpc::ClientContext watch_context;
  auto health = grpc::health::v1::Health::NewStub(channel);
  std::thread watcher([&] {
    HealthCheckRequest request;
    request.set_service(kTestService);
    auto reader = health->Watch(&watch_context, request);
    HealthCheckResponse response;
    while (reader->Read(&response)) {
      watched.push_back(response.status());
      if (!first_status.HasBeenNotified()) first_status.Notify();
    }
    reader->Finish();
  });
  ASSERT_TRUE(first_status.WaitForNotificationWithTimeout(absl::Seconds(10)))
      << "the health watch sent no first status";

  grpc::Status slow_status;
  std::thread caller([&] { slow_status = CallSlow(channel, 400); });
  service.WaitForCall();

  (*host)->Shutdown();
  (*host)->Wait();
  caller.join();
  watch_context.TryCancel();
  watcher.join();

  EXPECT_TRUE(slow_status.ok()) << slow_status.error_message();
  ASSERT_GE(watched.size(), 2u);
  EXPECT_EQ(watched.front(), HealthCheckResponse::SERVING);
  EXPECT_EQ(watched.back(), HealthCheckResponse::NOT_SERVING);

  // Nothing is accepted after shutdown.
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::seconds(2));
  grpc::testing::Empty empty;
  EXPECT_FALSE(grpc::testing::TestService::NewStub(channel)
                   ->EmptyCall(&context, empty, &empty)
                   .ok());
}

TEST(ServiceHostTest, ShutdownCancelsCallsStillRunningAtTheGraceDeadline) {
  SlowTestService service;
  ServerOptions options = LoopbackOptions();
  options.shutdown_grace = absl::Milliseconds(300);
  auto host = ServiceHost::Start(options, {{kTestService, &service}});
  ASSERT_TRUE(host.ok()) << host.status();
  auto channel = Connect(**host);

  grpc::Status slow_status;
  std::thread caller([&] { slow_status = CallSlow(channel, 15000); });
  service.WaitForCall();
  const absl::Time start = absl::Now();
  (*host)->Shutdown();
  (*host)->Wait();
  caller.join();
  EXPECT_FALSE(slow_status.ok());
  // Bounded by the grace period, not by the 15 s call.
  EXPECT_LT(absl::Now() - start, absl::Seconds(10));
}

// Writes a self-signed certificate for localhost / 127.0.0.1 with openssl.
class TlsFiles {
 public:
  TlsFiles()
      : dir_(std::filesystem::temp_directory_path() /
             absl::StrCat("yoga-tls-", getpid(), "-", count_++)) {
    std::filesystem::create_directories(dir_);
    const std::string command = absl::StrCat(
        "openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=localhost"
        " -addext subjectAltName=DNS:localhost,IP:127.0.0.1 -keyout ",
        key(), " -out ", cert(), " >/dev/null 2>&1");
    ok_ = std::system(command.c_str()) == 0;
  }
  ~TlsFiles() { std::filesystem::remove_all(dir_); }
  bool ok() const { return ok_; }
  std::string cert() const { return (dir_ / "cert.pem").string(); }
  std::string key() const { return (dir_ / "key.pem").string(); }

 private:
  static inline int count_ = 0;
  std::filesystem::path dir_;
  bool ok_ = false;
};

TEST(ServiceHostTest, ServesTlsWhenGivenACertificateAndKey) {
  TlsFiles tls;
  ASSERT_TRUE(tls.ok()) << "openssl could not make a test certificate";
  SlowTestService service;
  ServerOptions options = LoopbackOptions();
  options.tls_cert_path = tls.cert();
  options.tls_key_path = tls.key();
  auto host = ServiceHost::Start(options, {{kTestService, &service}});
  ASSERT_TRUE(host.ok()) << host.status();

  std::ifstream in(tls.cert());
  std::stringstream pem;
  pem << in.rdbuf();
  grpc::SslCredentialsOptions ssl;
  ssl.pem_root_certs = pem.str();
  auto secure =
      grpc::CreateChannel((*host)->address(), grpc::SslCredentials(ssl));
  EXPECT_EQ(HealthOf(secure, kTestService), HealthCheckResponse::SERVING);

  // A plaintext client cannot talk to a TLS server.
  auto plain = Connect(**host);
  HealthCheckResponse response;
  EXPECT_FALSE(CheckHealth(plain, kTestService, &response).ok());
}

TEST(ServiceHostTest, NamesAMissingCertificateFile) {
  SlowTestService service;
  ServerOptions options = LoopbackOptions();
  options.tls_cert_path = "/nonexistent/cert.pem";
  options.tls_key_path = "/nonexistent/key.pem";
  auto host = ServiceHost::Start(options, {{kTestService, &service}});
  ASSERT_FALSE(host.ok());
  EXPECT_THAT(std::string(host.status().message()),
              HasSubstr("--tls_cert=/nonexistent/cert.pem"));
}

TEST(ServiceHostTest, AClientStreamThatEndsCleanlyIsLoggedAsOk) {
  SlowTestService service;
  auto host = ServiceHost::Start(LoopbackOptions(), {{kTestService, &service}});
  ASSERT_TRUE(host.ok()) << host.status();
  auto stub = grpc::testing::TestService::NewStub(Connect(**host));
  StderrCapture capture;
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::seconds(10));
  auto stream = stub->FullDuplexCall(&context);
  ASSERT_TRUE(stream->Write(grpc::testing::StreamingOutputCallRequest()));
  ASSERT_TRUE(stream->WritesDone());
  EXPECT_TRUE(stream->Finish().ok());
  EXPECT_THAT(
      capture.Restore(),
      HasSubstr("method=/grpc.testing.TestService/FullDuplexCall code=OK"));
}

TEST(ServiceHostTest, RejectsACertificateThatIsNotPem) {
  TlsFiles tls;
  ASSERT_TRUE(tls.ok());
  std::ofstream(tls.cert()) << "not a certificate";
  SlowTestService service;
  ServerOptions options = LoopbackOptions();
  options.tls_cert_path = tls.cert();
  options.tls_key_path = tls.key();
  auto host = ServiceHost::Start(options, {{kTestService, &service}});
  ASSERT_FALSE(host.ok());
  EXPECT_EQ(std::string(host.status().message()),
            "--tls_cert=" + tls.cert() + ": not a PEM certificate");
}

TEST(ServiceHostTest, RejectsTheKeyOfAnotherCertificate) {
  TlsFiles mine;
  TlsFiles other;
  ASSERT_TRUE(mine.ok() && other.ok());
  SlowTestService service;
  ServerOptions options = LoopbackOptions();
  options.tls_cert_path = mine.cert();
  options.tls_key_path = other.key();
  auto host = ServiceHost::Start(options, {{kTestService, &service}});
  ASSERT_FALSE(host.ok());
  EXPECT_THAT(std::string(host.status().message()),
              HasSubstr("does not belong to the certificate"));
}

}  // namespace
}  // namespace yoga
