#include "services/runtime/server_options.h"

#include <tuple>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "services/runtime/listen_address.h"

ABSL_FLAG(std::string, listen, "127.0.0.1:50051",
          "HOST:PORT to serve on; port 0 picks a free port (printed as the "
          "first line)");
ABSL_FLAG(std::string, tls_cert, "",
          "PEM certificate chain; with --tls_key, serve TLS");
ABSL_FLAG(std::string, tls_key, "",
          "PEM private key; with --tls_cert, serve TLS");
ABSL_FLAG(std::string, tls_client_ca, "",
          "PEM CA certificate; with TLS, clients must present a certificate "
          "it signed (mutual TLS)");
ABSL_FLAG(std::string, api_keys, "",
          "partner key file (KEY_ID sha256=HEX permissions=planner[,sessions] "
          "rate=N burst=N a line); with it every call but health checks and "
          "reflection needs an x-api-key");
ABSL_FLAG(std::string, health_listen, "",
          "HOST:PORT of a second, plaintext port serving only health checks "
          "(for probes that cannot speak TLS)");
ABSL_FLAG(absl::Duration, keepalive_time, absl::Seconds(30),
          "ping idle connections this often");
ABSL_FLAG(absl::Duration, keepalive_timeout, absl::Seconds(10),
          "drop a connection whose ping is not answered within this time");
ABSL_FLAG(
    absl::Duration, max_connection_age, absl::InfiniteDuration(),
    "close connections older than this so clients rebalance (inf for never)");
ABSL_FLAG(absl::Duration, shutdown_grace, absl::Seconds(10),
          "on SIGTERM/SIGINT, how long in-flight calls may finish");
ABSL_FLAG(int, max_concurrent_streams,
          yoga::ServerOptions().max_concurrent_streams,
          "calls open at once on one connection; more wait for a slot");
ABSL_FLAG(int, max_request_bytes, yoga::ServerOptions().max_request_bytes,
          "largest request decoded; larger ones get RESOURCE_EXHAUSTED");
ABSL_FLAG(int, memory_quota_mib, yoga::ServerOptions().memory_quota_mib,
          "memory gRPC may use for connections and calls, in MiB");

namespace yoga {

void SetDefaultListenAddress(absl::string_view address) {
  absl::SetFlag(&FLAGS_listen, std::string(address));
}

absl::StatusOr<ServerOptions> ServerOptionsFromFlags() {
  ServerOptions options;
  options.listen = absl::GetFlag(FLAGS_listen);
  options.tls_cert_path = absl::GetFlag(FLAGS_tls_cert);
  options.tls_key_path = absl::GetFlag(FLAGS_tls_key);
  options.tls_client_ca_path = absl::GetFlag(FLAGS_tls_client_ca);
  options.api_keys_path = absl::GetFlag(FLAGS_api_keys);
  options.health_listen = absl::GetFlag(FLAGS_health_listen);
  options.keepalive_time = absl::GetFlag(FLAGS_keepalive_time);
  options.keepalive_timeout = absl::GetFlag(FLAGS_keepalive_timeout);
  options.max_connection_age = absl::GetFlag(FLAGS_max_connection_age);
  options.shutdown_grace = absl::GetFlag(FLAGS_shutdown_grace);
  options.max_concurrent_streams = absl::GetFlag(FLAGS_max_concurrent_streams);
  options.max_request_bytes = absl::GetFlag(FLAGS_max_request_bytes);
  options.memory_quota_mib = absl::GetFlag(FLAGS_memory_quota_mib);

  if (absl::StatusOr<ListenAddress> address =
          ParseListenAddress(options.listen);
      !address.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("--listen: ", address.status().message()));
  }
  if (!options.health_listen.empty()) {
    if (absl::StatusOr<ListenAddress> address =
            ParseListenAddress(options.health_listen);
        !address.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("--health_listen: ", address.status().message()));
    }
  }
  if (options.tls_cert_path.empty() != options.tls_key_path.empty()) {
    return absl::InvalidArgumentError(
        "--tls_cert and --tls_key must be given together");
  }
  if (!options.tls_client_ca_path.empty() && options.tls_cert_path.empty()) {
    return absl::InvalidArgumentError(
        "--tls_client_ca needs TLS: give --tls_cert and --tls_key too");
  }
  const std::pair<absl::string_view, absl::Duration> positive[] = {
      {"--keepalive_time", options.keepalive_time},
      {"--keepalive_timeout", options.keepalive_timeout},
      {"--max_connection_age", options.max_connection_age}};
  for (const auto& [flag, value] : positive) {
    if (value <= absl::ZeroDuration()) {
      return absl::InvalidArgumentError(
          absl::StrCat(flag, " must be positive"));
    }
  }
  if (options.shutdown_grace < absl::ZeroDuration() ||
      options.shutdown_grace == absl::InfiniteDuration()) {
    return absl::InvalidArgumentError(
        "--shutdown_grace must be zero or a finite duration");
  }
  const std::tuple<absl::string_view, int, const int*> limits[] = {
      {"--max_concurrent_streams", options.max_concurrent_streams,
       kMaxConcurrentStreamsRange},
      {"--max_request_bytes", options.max_request_bytes, kMaxRequestBytesRange},
      {"--memory_quota_mib", options.memory_quota_mib, kMemoryQuotaMibRange}};
  for (const auto& [flag, value, range] : limits) {
    if (value < range[0] || value > range[1]) {
      return absl::InvalidArgumentError(absl::StrCat(
          flag, " must be ", range[0], " to ", range[1], ", not ", value));
    }
  }
  return options;
}

}  // namespace yoga
