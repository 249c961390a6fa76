// Settings every server program shares, and the command-line flags that set
// them: --listen, --tls_cert, --tls_key, --tls_client_ca, --api_keys,
// --health_listen, --keepalive_time, --keepalive_timeout, --max_connection_age,
// --shutdown_grace, and the limits that keep a server up under abuse:
// --max_concurrent_streams, --max_request_bytes, --memory_quota_mib.
#ifndef YOGA_SERVICES_RUNTIME_SERVER_OPTIONS_H_
#define YOGA_SERVICES_RUNTIME_SERVER_OPTIONS_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace yoga {

struct ServerOptions {
  std::string listen = "127.0.0.1:50051";
  // PEM files; both empty for plaintext, both set for TLS.
  std::string tls_cert_path;
  std::string tls_key_path;
  // With TLS: a PEM CA; clients must then present a certificate it signed.
  std::string tls_client_ca_path;
  // The partner key file (api_keys.h); empty: every call is admitted.
  std::string api_keys_path;
  // A second, plaintext port serving only grpc.health.v1, for probes that
  // cannot speak TLS (Kubernetes'); empty for none.
  std::string health_listen;
  // Ping an idle connection this often, and drop it if the ping is not answered
  // within keepalive_timeout: finds clients that vanished (a phone put away).
  absl::Duration keepalive_time = absl::Seconds(30);
  absl::Duration keepalive_timeout = absl::Seconds(10);
  // Close connections older than this so clients rebalance; InfiniteDuration
  // for never.
  absl::Duration max_connection_age = absl::InfiniteDuration();
  // How long in-flight calls may finish after a shutdown signal.
  absl::Duration shutdown_grace = absl::Seconds(10);
  // Calls open at once on one connection (HTTP/2 SETTINGS); more wait for a
  // slot on the client. Envoy's edge default: one client cannot hold
  // thousands of streams on one connection.
  int max_concurrent_streams = 100;
  // The largest request a server decodes; larger ones are refused with
  // RESOURCE_EXHAUSTED before decoding. The API's largest request, an inline
  // routine of 100 steps with all its words, is under 64 KiB.
  int max_request_bytes = 256 * 1024;
  // Memory gRPC may use for connections and calls (its ResourceQuota); under
  // pressure it stops reading from connections rather than growing.
  int memory_quota_mib = 1024;
};

// The ranges the limits above may take.
inline constexpr int kMaxConcurrentStreamsRange[] = {1, 10000};
inline constexpr int kMaxRequestBytesRange[] = {4 * 1024, 16 * 1024 * 1024};
inline constexpr int kMemoryQuotaMibRange[] = {64, 64 * 1024};

// Sets the program's default for --listen. Call before parsing the command
// line.
void SetDefaultListenAddress(absl::string_view address);

// The options given on the command line, checked: INVALID_ARGUMENT names the
// flag.
absl::StatusOr<ServerOptions> ServerOptionsFromFlags();

}  // namespace yoga

#endif  // YOGA_SERVICES_RUNTIME_SERVER_OPTIONS_H_
