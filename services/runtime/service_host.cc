#include "services/runtime/service_host.h"

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>

#include <chrono>
#include <fstream>
#include <optional>
#include <sstream>
#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "grpc/health/v1/health.pb.h"
#include "grpcpp/ext/proto_server_reflection_plugin.h"
#include "grpcpp/health_check_service_interface.h"
#include "grpcpp/resource_quota.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/server_builder.h"
#include "services/common/log.h"
#include "services/runtime/access_policy.h"
#include "services/runtime/api_keys.h"
#include "services/runtime/call_interceptor.h"
#include "services/runtime/listen_address.h"
#include "services/runtime/metadata_interceptor.h"
#include "services/runtime/server_info_service.h"

namespace yoga {
namespace {

absl::StatusOr<std::string> ReadFile(const std::string& path,
                                     absl::string_view flag) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return absl::NotFoundError(
        absl::StrCat(flag, "=", path, ": cannot open the file"));
  std::stringstream content;
  content << in.rdbuf();
  if (content.str().empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(flag, "=", path, ": the file is empty"));
  }
  return content.str();
}

std::unique_ptr<BIO, decltype(&BIO_free)> MemoryBio(const std::string& pem) {
  return std::unique_ptr<BIO, decltype(&BIO_free)>(
      BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), &BIO_free);
}

std::unique_ptr<X509, decltype(&X509_free)> ReadCertificate(
    const std::string& pem) {
  return std::unique_ptr<X509, decltype(&X509_free)>(
      PEM_read_bio_X509(MemoryBio(pem).get(), nullptr, nullptr, nullptr),
      &X509_free);
}

absl::Status CheckCertificate(const std::string& pem, absl::string_view flag,
                              const std::string& path) {
  if (ReadCertificate(pem) != nullptr) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat(flag, "=", path, ": not a PEM certificate"));
}

// Checks that the files hold a PEM certificate and its private key. gRPC would
// only fail to bind, which reads like a busy port.
absl::Status CheckKeyPair(const std::string& cert_pem,
                          const std::string& key_pem,
                          const ServerOptions& options) {
  std::unique_ptr<X509, decltype(&X509_free)> cert = ReadCertificate(cert_pem);
  if (cert == nullptr) {
    return CheckCertificate(cert_pem, "--tls_cert", options.tls_cert_path);
  }
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(
      PEM_read_bio_PrivateKey(MemoryBio(key_pem).get(), nullptr, nullptr,
                              nullptr),
      &EVP_PKEY_free);
  if (key == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--tls_key=", options.tls_key_path, ": not a PEM private key"));
  }
  if (X509_check_private_key(cert.get(), key.get()) != 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("--tls_key=", options.tls_key_path,
                     ": does not belong to the certificate in --tls_cert=",
                     options.tls_cert_path));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> MakeCredentials(
    const ServerOptions& options) {
  if (options.tls_cert_path.empty()) return grpc::InsecureServerCredentials();
  absl::StatusOr<std::string> cert =
      ReadFile(options.tls_cert_path, "--tls_cert");
  if (!cert.ok()) return cert.status();
  absl::StatusOr<std::string> key = ReadFile(options.tls_key_path, "--tls_key");
  if (!key.ok()) return key.status();
  if (absl::Status pair = CheckKeyPair(*cert, *key, options); !pair.ok()) {
    return pair;
  }
  grpc::SslServerCredentialsOptions ssl;
  ssl.pem_key_cert_pairs.push_back({*key, *cert});
  if (!options.tls_client_ca_path.empty()) {
    absl::StatusOr<std::string> ca =
        ReadFile(options.tls_client_ca_path, "--tls_client_ca");
    if (!ca.ok()) return ca.status();
    if (absl::Status parsed = CheckCertificate(*ca, "--tls_client_ca",
                                               options.tls_client_ca_path);
        !parsed.ok()) {
      return parsed;
    }
    ssl.pem_root_certs = *ca;
    ssl.client_certificate_request =
        GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY;
  }
  return grpc::SslServerCredentials(ssl);
}

// The access policy of --api_keys; null when every call is admitted.
absl::StatusOr<std::shared_ptr<AccessPolicy>> MakeAccessPolicy(
    const ServerOptions& options) {
  if (options.api_keys_path.empty()) return nullptr;
  absl::StatusOr<std::vector<ApiKey>> keys = ReadApiKeys(options.api_keys_path);
  if (!keys.ok()) {
    return absl::Status(keys.status().code(),
                        absl::StrCat("--api_keys: ", keys.status().message()));
  }
  return std::make_shared<AccessPolicy>(*std::move(keys), absl::Now());
}

// A plaintext server with nothing but the health service, on its own port.
absl::StatusOr<std::unique_ptr<grpc::Server>> StartHealthServer(
    const ListenAddress& listen, std::string* bound) {
  grpc::ServerBuilder builder;
  int selected_port = 0;
  builder.AddListeningPort(listen.ToString(), grpc::InsecureServerCredentials(),
                           &selected_port);
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || selected_port == 0) {
    return absl::UnavailableError(
        absl::StrCat("--health_listen: cannot listen on ", listen.ToString(),
                     " (address in use or not available here)"));
  }
  ListenAddress resolved = listen;
  resolved.port = selected_port;
  *bound = resolved.ToString();
  return server;
}

// 128 random bits in hex: the in-process token, unguessable from outside.
absl::StatusOr<std::string> RandomToken() {
  unsigned char bytes[16];
  if (RAND_bytes(bytes, sizeof(bytes)) != 1)
    return absl::InternalError("OpenSSL could not draw random bytes");
  return absl::BytesToHexString(
      absl::string_view(reinterpret_cast<const char*>(bytes), sizeof(bytes)));
}

int ToMilliseconds(absl::Duration duration) {
  return static_cast<int>(
      std::min<int64_t>(absl::ToInt64Milliseconds(duration), INT32_MAX));
}

}  // namespace

absl::StatusOr<std::unique_ptr<ServiceHost>> ServiceHost::Start(
    const ServerOptions& options, const std::vector<HostedService>& services) {
  absl::StatusOr<ListenAddress> listen = ParseListenAddress(options.listen);
  if (!listen.ok()) return listen.status();
  absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> credentials =
      MakeCredentials(options);
  if (!credentials.ok()) return credentials.status();
  absl::StatusOr<std::shared_ptr<AccessPolicy>> policy =
      MakeAccessPolicy(options);
  if (!policy.ok()) return policy.status();
  std::optional<ListenAddress> health_listen;
  if (!options.health_listen.empty()) {
    absl::StatusOr<ListenAddress> parsed =
        ParseListenAddress(options.health_listen);
    if (!parsed.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("--health_listen: ", parsed.status().message()));
    }
    health_listen = *parsed;
  }

  // Reflection can describe grpc.health.v1 only if its descriptors are linked
  // in; gRPC's own health service does not bring them.
  (void)grpc::health::v1::HealthCheckRequest::descriptor();
  // Both are process-wide switches that must be set before a builder is made.
  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();

  grpc::ServerBuilder builder;
  int selected_port = 0;
  builder.AddListeningPort(listen->ToString(), *credentials, &selected_port);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIME_MS,
                             ToMilliseconds(options.keepalive_time));
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIMEOUT_MS,
                             ToMilliseconds(options.keepalive_timeout));
  // Clients following a cue stream and peer channels ping to keep connections
  // alive.
  builder.AddChannelArgument(
      GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS,
      ToMilliseconds(kMinPingInterval));
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  // Two servers must not share a port silently: the second one fails to start.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  builder.AddChannelArgument(GRPC_ARG_MAX_CONCURRENT_STREAMS,
                             options.max_concurrent_streams);
  builder.SetMaxReceiveMessageSize(options.max_request_bytes);
  grpc::ResourceQuota quota("yoga-server");
  quota.Resize(static_cast<size_t>(options.memory_quota_mib) * 1024 * 1024);
  builder.SetResourceQuota(quota);
  if (options.max_connection_age != absl::InfiniteDuration()) {
    builder.AddChannelArgument(GRPC_ARG_MAX_CONNECTION_AGE_MS,
                               ToMilliseconds(options.max_connection_age));
    builder.AddChannelArgument(GRPC_ARG_MAX_CONNECTION_AGE_GRACE_MS,
                               ToMilliseconds(options.shutdown_grace));
  }
  std::vector<
      std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>>
      interceptors;
  absl::StatusOr<std::string> in_process_token = RandomToken();
  if (!in_process_token.ok()) return in_process_token.status();
  interceptors.push_back(
      MakeCallInterceptorFactory(*policy, *in_process_token));
  builder.experimental().SetInterceptorCreators(std::move(interceptors));
  std::vector<std::string> service_names;
  for (const HostedService& hosted : services) {
    builder.RegisterService(hosted.service);
    service_names.push_back(hosted.name);
  }
  // Every server says which build and API revision it serves.
  auto server_info = std::make_unique<ServerInfoService>(service_names);
  builder.RegisterService(server_info.get());

  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || selected_port == 0) {
    return absl::UnavailableError(
        absl::StrCat("cannot listen on ", listen->ToString(),
                     " (address in use or not available here)"));
  }
  ListenAddress bound = *listen;
  bound.port = selected_port;
  std::unique_ptr<grpc::Server> health_server;
  std::string health_address;
  if (health_listen.has_value()) {
    absl::StatusOr<std::unique_ptr<grpc::Server>> started =
        StartHealthServer(*health_listen, &health_address);
    if (!started.ok()) {
      server->Shutdown();
      return started.status();
    }
    health_server = *std::move(started);
  }
  auto host = std::unique_ptr<ServiceHost>(new ServiceHost(
      std::move(server), bound.ToString(), std::move(health_server),
      std::move(health_address), *std::move(in_process_token),
      options.shutdown_grace, std::move(server_info)));
  for (const HostedService& hosted : services)
    host->SetServing(hosted.name, hosted.serving);
  LogFields fields = {
      {"address", host->address()},
      {"tls", options.tls_cert_path.empty()        ? "off"
              : options.tls_client_ca_path.empty() ? "on"
                                                   : "mutual"},
      {"api_keys", options.api_keys_path.empty() ? "off" : "on"}};
  if (!host->health_address().empty())
    fields.emplace_back("health_address", host->health_address());
  Log(LogLevel::kInfo, "server_started", fields);
  return host;
}

ServiceHost::ServiceHost(std::unique_ptr<grpc::Server> server,
                         std::string address,
                         std::unique_ptr<grpc::Server> health_server,
                         std::string health_address,
                         std::string in_process_token,
                         absl::Duration shutdown_grace,
                         std::unique_ptr<grpc::Service> server_info)
    : server_info_(std::move(server_info)),
      server_(std::move(server)),
      address_(std::move(address)),
      health_server_(std::move(health_server)),
      health_address_(std::move(health_address)),
      in_process_token_(std::move(in_process_token)),
      shutdown_grace_(shutdown_grace) {}

ServiceHost::~ServiceHost() {
  Shutdown();
  Wait();
}

void ServiceHost::SetServing(absl::string_view service_name, bool serving) {
  for (grpc::Server* server : {server_.get(), health_server_.get()}) {
    if (server == nullptr) continue;
    server->GetHealthCheckService()->SetServingStatus(std::string(service_name),
                                                      serving);
  }
}

void ServiceHost::Shutdown() {
  {
    absl::MutexLock lock(&mutex_);
    if (shut_down_) return;
    shut_down_ = true;
  }
  Log(LogLevel::kInfo, "server_stopping",
      {{"address", address_},
       {"grace_ms", absl::StrCat(absl::ToInt64Milliseconds(shutdown_grace_))}});
  // Every service reports NOT_SERVING from now on, and later changes are
  // ignored.
  server_->GetHealthCheckService()->Shutdown();
  // The health port answers NOT_SERVING until the drain is over, so probes
  // see a draining server rather than a dead one.
  if (health_server_ != nullptr)
    health_server_->GetHealthCheckService()->Shutdown();
  server_->Shutdown(std::chrono::system_clock::now() +
                    absl::ToChronoMilliseconds(shutdown_grace_));
  if (health_server_ != nullptr)
    health_server_->Shutdown(std::chrono::system_clock::now());
  Log(LogLevel::kInfo, "server_stopped", {{"address", address_}});
}

void ServiceHost::Wait() {
  server_->Wait();
  if (health_server_ != nullptr) health_server_->Wait();
}

std::shared_ptr<grpc::Channel> ServiceHost::InProcessChannel() {
  std::vector<
      std::unique_ptr<grpc::experimental::ClientInterceptorFactoryInterface>>
      interceptors;
  interceptors.push_back(MakeMetadataInterceptorFactory(kInProcessTokenMetadata,
                                                        in_process_token_));
  return server_->experimental().InProcessChannelWithInterceptors(
      grpc::ChannelArguments(), std::move(interceptors));
}

}  // namespace yoga
