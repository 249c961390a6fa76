#include "services/runtime/server_info_service.h"

#include "absl/status/statusor.h"
#include "services/runtime/unary_call.h"

// Set for this file alone by services/runtime/CMakeLists.txt, so a new
// revision recompiles one file.
#ifndef YOGA_SERVER_VERSION
#error "YOGA_SERVER_VERSION must be defined by the build"
#endif
#ifndef YOGA_API_REVISION
#error "YOGA_API_REVISION must be defined by the build"
#endif

namespace yoga {

std::string ServerVersion() { return YOGA_SERVER_VERSION; }

std::string ApiRevision() { return YOGA_API_REVISION; }

ServerInfoService::ServerInfoService(const std::vector<std::string>& services) {
  info_.set_version(ServerVersion());
  info_.set_api_revision(ApiRevision());
  for (const std::string& service : services) info_.add_services(service);
}

grpc::ServerUnaryReactor* ServerInfoService::GetServerInfo(
    grpc::CallbackServerContext* context,
    const yoga::server::v1::GetServerInfoRequest*,
    yoga::server::v1::GetServerInfoResponse* response) {
  return AnswerUnary(
      context, response,
      [this]() -> absl::StatusOr<yoga::server::v1::GetServerInfoResponse> {
        return info_;
      });
}

}  // namespace yoga
