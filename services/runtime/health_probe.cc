#include "services/runtime/health_probe.h"

#include "absl/strings/str_cat.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/client_context.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"

namespace yoga {

std::string ProbeAddressFor(const ListenAddress& listen) {
  ListenAddress probe = listen;
  if (probe.host == "0.0.0.0") probe.host = "127.0.0.1";
  if (probe.host == "::") probe.host = "::1";
  return probe.ToString();
}

absl::Status ProbeHealth(const std::string& address, absl::string_view service,
                         absl::Duration timeout) {
  auto stub = grpc::health::v1::Health::NewStub(
      grpc::CreateChannel(address, grpc::InsecureChannelCredentials()));
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + timeout));
  grpc::health::v1::HealthCheckRequest request;
  request.set_service(std::string(service));
  grpc::health::v1::HealthCheckResponse response;
  const grpc::Status status = stub->Check(&context, request, &response);
  const std::string what =
      service.empty() ? address : absl::StrCat(service, " at ", address);
  if (!status.ok()) {
    return absl::UnavailableError(
        absl::StrCat("cannot ask ", what, ": ", status.error_message()));
  }
  if (response.status() != grpc::health::v1::HealthCheckResponse::SERVING) {
    return absl::UnavailableError(
        absl::StrCat(what, " reports ",
                     grpc::health::v1::HealthCheckResponse::ServingStatus_Name(
                         response.status())));
  }
  return absl::OkStatus();
}

}  // namespace yoga
