// The server interceptor every call passes through. It writes one log line per
// call when it ends:
//   event=rpc method=/pkg.Service/Method code=OK latency_ms=0.42
//   peer=ipv4:127.0.0.1:53122 request_id=5f0c3a9e7d21b846
// (the request id is also sent back in the "x-request-id" initial metadata,
// see request_id.h), gives every error status a google.rpc.ErrorInfo (errors.h)
// and answers a request whose bytes do not decode with INVALID_ARGUMENT (gRPC's
// callback API would say UNIMPLEMENTED, which misleads the caller). With an
// access policy it also decides, before the handler runs, whether the call is
// admitted (see call_admission.h), and logs the caller's key id as key=ID
// (never the key). Lines of refused calls are rate-limited (refusal_log.h).
// Calls that carry the host's in-process token (its
// InProcessChannel adds it) are always admitted: they never left the process.
#ifndef YOGA_SERVICES_RUNTIME_CALL_INTERCEPTOR_H_
#define YOGA_SERVICES_RUNTIME_CALL_INTERCEPTOR_H_

#include <memory>

#include "grpcpp/support/server_interceptor.h"
#include "services/runtime/access_policy.h"

namespace yoga {

std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>
MakeCallInterceptorFactory(std::shared_ptr<AccessPolicy> policy,
                           std::string in_process_token);

}  // namespace yoga

#endif  // YOGA_SERVICES_RUNTIME_CALL_INTERCEPTOR_H_
