#include "services/runtime/peer_channel.h"

#include <utility>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "services/common/text_proto_file.h"
#include "services/runtime/access_policy.h"
#include "services/runtime/metadata_interceptor.h"

ABSL_FLAG(std::string, peer_tls_ca, "",
          "PEM CA certificate: call the other services over TLS, trusting it");
ABSL_FLAG(std::string, peer_api_key_file, "",
          "file holding the API key to send when calling the other services");

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
  return options;
}

std::shared_ptr<grpc::Channel> MakePeerChannel(const std::string& address,
                                               const PeerOptions& options) {
  grpc::ChannelArguments arguments;
  arguments.SetLoadBalancingPolicyName("round_robin");
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
      address, credentials, arguments, std::move(interceptors));
}

}  // namespace yoga
