// Settings every server program shares, and the command-line flags that set
// them: --listen, --tls_cert, --tls_key, --tls_client_ca, --api_keys,
// --health_listen, --keepalive_time, --keepalive_timeout, --max_connection_age,
// --shutdown_grace.
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
};

// Sets the program's default for --listen. Call before parsing the command
// line.
void SetDefaultListenAddress(absl::string_view address);

// The options given on the command line, checked: INVALID_ARGUMENT names the
// flag.
absl::StatusOr<ServerOptions> ServerOptionsFromFlags();

}  // namespace yoga

#endif  // YOGA_SERVICES_RUNTIME_SERVER_OPTIONS_H_
