// Channels from one of our servers to another (planner -> catalog, session ->
// planner and catalog), set by two flags every such program shares:
//   --peer_tls_ca=FILE        speak TLS to peers, trusting this PEM CA
//   --peer_api_key_file=FILE  send this key (x-api-key) on every call, for
//                             peers that run with --api_keys
// Calls are spread round-robin over every address the peer's name resolves
// to: with a headless Kubernetes Service ("dns:///yoga-planner:50053") that
// is every pod, re-resolved when servers close old connections
// (--max_connection_age).
#ifndef YOGA_SERVICES_RUNTIME_PEER_CHANNEL_H_
#define YOGA_SERVICES_RUNTIME_PEER_CHANNEL_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "grpcpp/channel.h"

namespace yoga {

struct PeerOptions {
  std::string tls_ca_pem;  // Empty for plaintext.
  std::string api_key;     // Empty to send none.
};

// The flags, read and checked: errors name the flag and file.
absl::StatusOr<PeerOptions> PeerOptionsFromFlags();

std::shared_ptr<grpc::Channel> MakePeerChannel(const std::string& address,
                                               const PeerOptions& options);

}  // namespace yoga

#endif  // YOGA_SERVICES_RUNTIME_PEER_CHANNEL_H_
