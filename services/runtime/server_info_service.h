// yoga.server.v1.ServerInfoService, which every server hosts through the one
// runtime (ServiceHost adds it): GetServerInfo answers with the build's
// version, the API revision and the names of the services the server hosts.
// Both values are fixed when CMake configures the build: the project version
// with `git describe --always --dirty`, and YOGA_API_REVISION from
// protos/CMakeLists.txt (bumped with every addition to v1).
#ifndef YOGA_SERVICES_RUNTIME_SERVER_INFO_SERVICE_H_
#define YOGA_SERVICES_RUNTIME_SERVER_INFO_SERVICE_H_

#include <string>
#include <vector>

#include "yoga/server/v1/server_info_service.grpc.pb.h"

namespace yoga {

inline constexpr char kServerInfoServiceName[] =
    "yoga.server.v1.ServerInfoService";

// "1.0.0+47d62d7", or just "1.0.0" when built outside a git checkout.
std::string ServerVersion();
// "YYYY-MM-DD": the last addition to the v1 API.
std::string ApiRevision();

class ServerInfoService final
    : public yoga::server::v1::ServerInfoService::CallbackService {
 public:
  // `services`: the full names of the services the server hosts.
  explicit ServerInfoService(const std::vector<std::string>& services);

  grpc::ServerUnaryReactor* GetServerInfo(
      grpc::CallbackServerContext* context,
      const yoga::server::v1::GetServerInfoRequest* request,
      yoga::server::v1::GetServerInfoResponse* response) override;

 private:
  yoga::server::v1::GetServerInfoResponse info_;
};

}  // namespace yoga

#endif  // YOGA_SERVICES_RUNTIME_SERVER_INFO_SERVICE_H_
