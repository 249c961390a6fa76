#include "services/runtime/peer_channel.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <algorithm>
#include <cstdint>
#include <utility>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "services/common/text_proto_file.h"
#include "services/runtime/access_policy.h"
#include "services/runtime/metadata_interceptor.h"

ABSL_FLAG(std::string, peer_tls_ca, "",
          "PEM CA certificate: call the other services over TLS, trusting it");
ABSL_FLAG(std::string, peer_api_key_file, "",
          "file holding the API key to send when calling the other services");
ABSL_FLAG(bool, peer_allow_plaintext_key, false,
          "send --peer_api_key_file's key without --peer_tls_ca to peers that "
          "are not on loopback (only on a network no one else can read)");

namespace yoga {
namespace {

absl::StatusOr<std::string> ReadFlagFile(const std::string& path,
                                         absl::string_view flag) {
  absl::StatusOr<std::string> text = ReadWholeFile(path);
  if (!text.ok()) {
    return absl::Status(text.status().code(),
                        absl::StrCat(flag, "=", text.status().message()));
  }
  return text;
}

int ToMilliseconds(absl::Duration duration) {
  return static_cast<int>(
      std::clamp<int64_t>(absl::ToInt64Milliseconds(duration), 1, INT32_MAX));
}

// Retries apply to the two services peers call; every method of both is safe
// to repeat (see the header). Only UNAVAILABLE is retried, and gRPC retries
// only until the peer has sent response headers, so a call the peer began
// answering is never repeated. retryThrottling stops retries while most calls
// fail, so a down peer does not get kPeerMaxAttempts times the load.
std::string PeerServiceConfig() {
  return absl::StrCat(R"({
  "methodConfig": [{
    "name": [
      {"service": "yoga.catalog.v1.CatalogService"},
      {"service": "yoga.planner.v1.PlannerService"}
    ],
    "retryPolicy": {
      "maxAttempts": )",
                      kPeerMaxAttempts, R"(,
      "initialBackoff": "0.1s",
      "maxBackoff": "1s",
      "backoffMultiplier": 2,
      "retryableStatusCodes": ["UNAVAILABLE"]
    }
  }],
  "retryThrottling": {"maxTokens": 10, "tokenRatio": 0.1}
})");
}

// The host of one address ("[::1]:50053", "127.0.0.1:1", "localhost",
// "::1"), without brackets or port.
absl::string_view HostOf(absl::string_view address) {
  if (absl::ConsumePrefix(&address, "[")) {
    return address.substr(0, address.find(']'));
  }
  const size_t colon = address.rfind(':');
  if (colon == absl::string_view::npos) return address;
  // Two colons or more without brackets: an IPv6 address without a port.
  if (address.find(':') != colon) return address;
  return address.substr(0, colon);
}

bool IsLoopbackHost(absl::string_view host) {
  if (absl::EqualsIgnoreCase(host, "localhost")) return true;
  const std::string text(host);
  in_addr v4;
  if (inet_pton(AF_INET, text.c_str(), &v4) == 1) {
    return (ntohl(v4.s_addr) >> 24) == 127;  // 127.0.0.0/8
  }
  in6_addr v6;
  if (inet_pton(AF_INET6, text.c_str(), &v6) == 1) {
    if (IN6_IS_ADDR_LOOPBACK(&v6)) return true;
    return IN6_IS_ADDR_V4MAPPED(&v6) && v6.s6_addr[12] == 127;
  }
  return false;
}

}  // namespace

absl::StatusOr<PeerOptions> PeerOptionsFromFlags() {
  PeerOptions options;
  if (std::string path = absl::GetFlag(FLAGS_peer_tls_ca); !path.empty()) {
    absl::StatusOr<std::string> pem = ReadFlagFile(path, "--peer_tls_ca");
    if (!pem.ok()) return pem.status();
    options.tls_ca_pem = *std::move(pem);
  }
  if (std::string path = absl::GetFlag(FLAGS_peer_api_key_file);
      !path.empty()) {
    absl::StatusOr<std::string> key = ReadFlagFile(path, "--peer_api_key_file");
    if (!key.ok()) return key.status();
    // Secrets mounted from files often end in a newline.
    options.api_key = std::string(absl::StripAsciiWhitespace(*key));
    if (options.api_key.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("--peer_api_key_file=", path, ": the file is empty"));
    }
  }
  options.allow_plaintext_key = absl::GetFlag(FLAGS_peer_allow_plaintext_key);
  return options;
}

bool IsLoopbackTarget(absl::string_view target) {
  if (absl::StartsWith(target, "unix:") ||
      absl::StartsWith(target, "unix-abstract:")) {
    return true;
  }
  absl::string_view addresses = target;
  if (absl::ConsumePrefix(&addresses, "ipv4:") ||
      absl::ConsumePrefix(&addresses, "ipv6:")) {
    // A list: "ipv4:127.0.0.1:1,127.0.0.2:2".
    for (absl::string_view address : absl::StrSplit(addresses, ',')) {
      if (!IsLoopbackHost(HostOf(address))) return false;
    }
    return true;
  }
  if (absl::ConsumePrefix(&addresses, "dns:")) {
    // "dns:///host:port" or "dns://authority/host:port" (the authority is the
    // DNS server to ask).
    if (absl::ConsumePrefix(&addresses, "//")) {
      const size_t slash = addresses.find('/');
      if (slash == absl::string_view::npos) return false;
      addresses.remove_prefix(slash + 1);
    }
  } else if (addresses.find("://") != absl::string_view::npos) {
    return false;  // Another resolver's scheme: nothing known about it.
  }
  return IsLoopbackHost(HostOf(addresses));
}

grpc::ChannelArguments PeerChannelArguments(const PeerOptions& options) {
  grpc::ChannelArguments arguments;
  arguments.SetLoadBalancingPolicyName("round_robin");
  arguments.SetServiceConfigJSON(PeerServiceConfig());
  arguments.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS,
                   ToMilliseconds(options.keepalive_time));
  arguments.SetInt(GRPC_ARG_KEEPALIVE_TIMEOUT_MS,
                   ToMilliseconds(options.keepalive_timeout));
  // An idle planner channel (the session calls it only to start sessions) is
  // pinged too, so a dead pod is dropped before the next call picks it; our
  // servers permit that (GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS there).
  arguments.SetInt(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  // gRPC otherwise stops pinging after two pings with no data between them,
  // which on an idle connection is after two keepalive periods.
  arguments.SetInt(GRPC_ARG_HTTP2_MAX_PINGS_WITHOUT_DATA, 0);
  arguments.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS,
                   ToMilliseconds(options.initial_reconnect_backoff));
  arguments.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS,
                   ToMilliseconds(options.max_reconnect_backoff));
  return arguments;
}

absl::StatusOr<std::shared_ptr<grpc::Channel>> MakePeerChannel(
    const std::string& target, const PeerOptions& options) {
  if (!options.api_key.empty() && options.tls_ca_pem.empty() &&
      !options.allow_plaintext_key && !IsLoopbackTarget(target)) {
    return absl::FailedPreconditionError(absl::StrCat(
        "the peer \"", target,
        "\" is not on loopback and --peer_tls_ca is not set: the key of "
        "--peer_api_key_file would cross the network in plaintext. Set "
        "--peer_tls_ca, or --peer_allow_plaintext_key on a network no one "
        "else can read"));
  }
  std::shared_ptr<grpc::ChannelCredentials> credentials;
  if (options.tls_ca_pem.empty()) {
    credentials = grpc::InsecureChannelCredentials();
  } else {
    grpc::SslCredentialsOptions ssl;
    ssl.pem_root_certs = options.tls_ca_pem;
    credentials = grpc::SslCredentials(ssl);
  }
  std::vector<
      std::unique_ptr<grpc::experimental::ClientInterceptorFactoryInterface>>
      interceptors;
  if (!options.api_key.empty()) {
    // Call credentials would send the key on TLS channels only; inside a
    // cluster peers may speak plaintext.
    interceptors.push_back(
        MakeMetadataInterceptorFactory(kApiKeyMetadata, options.api_key));
  }
  return grpc::experimental::CreateCustomChannelWithInterceptors(
      target, credentials, PeerChannelArguments(options),
      std::move(interceptors));
}

}  // namespace yoga
