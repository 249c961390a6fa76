// Channels from one of our servers to another (planner -> catalog, session ->
// planner and catalog), set by flags every such program shares:
//   --peer_tls_ca=FILE        speak TLS to peers, trusting this PEM CA
//   --peer_api_key_file=FILE  send this key (x-api-key) on every call, for
//                             peers that run with --api_keys
//   --peer_allow_plaintext_key  send that key without TLS to a peer that is
//                             not on loopback (refused otherwise)
// Calls are spread round-robin over every address the peer's name resolves
// to: with a headless Kubernetes Service ("dns:///yoga-planner:50053") that
// is every pod, re-resolved when servers close old connections
// (--max_connection_age).
//
// Every connection is pinged (keepalive), so a pod that died without closing
// its connections leaves the round-robin within keepalive_time +
// keepalive_timeout rather than taking calls until their deadlines. Calls
// that end UNAVAILABLE before the peer answered anything are retried by gRPC
// (at most kPeerMaxAttempts attempts, throttled when most calls fail): every
// method a peer calls (the catalog's and the planner's) changes nothing, and
// ComposeRoutine of the same request gives the same routine id.
#ifndef YOGA_SERVICES_RUNTIME_PEER_CHANNEL_H_
#define YOGA_SERVICES_RUNTIME_PEER_CHANNEL_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "grpcpp/channel.h"
#include "grpcpp/support/channel_arguments.h"

namespace yoga {

// Attempts of one peer call, the first included.
inline constexpr int kPeerMaxAttempts = 3;

struct PeerOptions {
  std::string tls_ca_pem;  // Empty for plaintext.
  std::string api_key;     // Empty to send none.
  // Lets the key go in plaintext to a peer that is not on loopback.
  bool allow_plaintext_key = false;
  // Ping each connection this often, and drop it when a ping is not answered
  // within keepalive_timeout. Our servers accept a ping every 10 s
  // (kMinPingInterval in service_host.h); more often earns a GOAWAY.
  absl::Duration keepalive_time = absl::Seconds(15);
  absl::Duration keepalive_timeout = absl::Seconds(5);
  // Reconnect to a peer that went away after this, doubling (with gRPC's own
  // jitter) up to max_reconnect_backoff: a restarted pod is found again fast.
  absl::Duration initial_reconnect_backoff = absl::Milliseconds(250);
  absl::Duration max_reconnect_backoff = absl::Seconds(10);
};

// The flags, read and checked: errors name the flag and file.
absl::StatusOr<PeerOptions> PeerOptionsFromFlags();

// The channel to the peer at `target` (a gRPC target: "HOST:PORT",
// "dns:///HOST:PORT", "ipv4:...", "unix:..."). FAILED_PRECONDITION, naming
// the flags, when options carry a key, no TLS CA and no allow_plaintext_key,
// and the target is not on loopback: the key would cross the network in
// plaintext.
absl::StatusOr<std::shared_ptr<grpc::Channel>> MakePeerChannel(
    const std::string& target, const PeerOptions& options);

// The channel arguments of a peer channel (keepalive, reconnect backoff, the
// retrying service config). Exposed for tests.
grpc::ChannelArguments PeerChannelArguments(const PeerOptions& options);

// True when every address `target` names is on this machine: loopback IPs,
// "localhost" and Unix sockets. A name that DNS resolves ("yoga-planner") is
// not, whatever it resolves to today.
bool IsLoopbackTarget(absl::string_view target);

}  // namespace yoga

#endif  // YOGA_SERVICES_RUNTIME_PEER_CHANNEL_H_
