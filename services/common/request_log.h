// A server interceptor that writes one log line per call when it ends:
//   event=rpc method=/pkg.Service/Method code=OK latency_ms=0.42 peer=ipv4:127.0.0.1:53122
#ifndef YOGA_SERVICES_COMMON_REQUEST_LOG_H_
#define YOGA_SERVICES_COMMON_REQUEST_LOG_H_

#include <memory>

#include "grpcpp/support/server_interceptor.h"

namespace yoga {

std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>
MakeRequestLogInterceptorFactory();

}  // namespace yoga

#endif  // YOGA_SERVICES_COMMON_REQUEST_LOG_H_
