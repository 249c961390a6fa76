// The one server runtime: hosts gRPC services on one port with health checking
// (a status per service), reflection, keepalive, optional TLS (and client
// certificates), partner API keys with quotas (access_policy.h), a log line
// per call, an optional plaintext health-only port, graceful shutdown, and
// yoga.server.v1.ServerInfoService (the build's version and API revision).
// Every server program is a thin main() around it.
//
//   CatalogServiceImpl catalog(...);
//   auto host = ServiceHost::Start(options, {{"yoga.catalog.v1.CatalogService",
//   &catalog}}); if (!host.ok()) ...;
//   (*host)->address();   // the bound address, e.g. "127.0.0.1:41235"
//   (*host)->Shutdown();  // health NOT_SERVING, in-flight calls drain until
//   the grace deadline
//   (*host)->Wait();
#ifndef YOGA_SERVICES_RUNTIME_SERVICE_HOST_H_
#define YOGA_SERVICES_RUNTIME_SERVICE_HOST_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "grpcpp/server.h"
#include "services/runtime/server_options.h"

namespace yoga {

// The shortest interval at which a client may ping a connection, with or
// without calls in flight; a client pinging more often gets a GOAWAY
// ("too_many_pings") after two strikes. Peer channels (peer_channel.h) and
// clients following a cue stream ping less often than this.
inline constexpr absl::Duration kMinPingInterval = absl::Seconds(10);

struct HostedService {
  std::string name;        // Full service name, as health checks ask for it.
  grpc::Service* service;  // Not owned; must outlive the host.
  bool serving = true;     // Initial health status.
};

class ServiceHost {
 public:
  // Binds and starts serving. Errors name the address or file that failed.
  static absl::StatusOr<std::unique_ptr<ServiceHost>> Start(
      const ServerOptions& options, const std::vector<HostedService>& services);

  ~ServiceHost();

  // The address actually bound (port 0 resolved), as HOST:PORT.
  const std::string& address() const { return address_; }
  // The health port's bound address; empty without --health_listen.
  const std::string& health_address() const { return health_address_; }

  // Sets one service's health status.
  void SetServing(absl::string_view service_name, bool serving);

  // Health goes NOT_SERVING for every service, new calls are refused, and calls
  // in flight may finish until options.shutdown_grace has passed; then they are
  // cancelled. Safe to call more than once and from any thread.
  void Shutdown();

  // Blocks until the server has shut down.
  void Wait();

  // A channel to this server that does not leave the process.
  std::shared_ptr<grpc::Channel> InProcessChannel();

 private:
  ServiceHost(std::unique_ptr<grpc::Server> server, std::string address,
              std::unique_ptr<grpc::Server> health_server,
              std::string health_address, std::string in_process_token,
              absl::Duration shutdown_grace,
              std::unique_ptr<grpc::Service> server_info);

  // yoga.server.v1.ServerInfoService; declared first so it outlives server_.
  std::unique_ptr<grpc::Service> server_info_;
  std::unique_ptr<grpc::Server> server_;
  const std::string address_;
  std::unique_ptr<grpc::Server> health_server_;  // May be null.
  const std::string health_address_;
  // Marks calls on InProcessChannel(), which the access policy admits.
  const std::string in_process_token_;
  const absl::Duration shutdown_grace_;
  absl::Mutex mutex_;
  bool shut_down_ ABSL_GUARDED_BY(mutex_) = false;
};

}  // namespace yoga

#endif  // YOGA_SERVICES_RUNTIME_SERVICE_HOST_H_
