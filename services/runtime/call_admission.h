// Refusing calls an access policy did not admit. gRPC 1.51's server
// interceptors see every call but cannot refuse one, and its
// AuthMetadataProcessor works on TLS ports only. So the host's call
// interceptor asks the AccessPolicy before the handler runs and records a
// refusal here, and every handler of our services begins with:
//
//   if (absl::Status admitted = CallAdmission(*context); !admitted.ok())
//     ... finish the call with `admitted`;
//
// A test calls every method of every service without a key, so a handler
// that forgets to ask fails it.
#ifndef YOGA_SERVICES_RUNTIME_CALL_ADMISSION_H_
#define YOGA_SERVICES_RUNTIME_CALL_ADMISSION_H_

#include "absl/status/status.h"
#include "grpcpp/server_context.h"

namespace yoga {

// OK, or why the call was refused (UNAUTHENTICATED, PERMISSION_DENIED,
// RESOURCE_EXHAUSTED).
absl::Status CallAdmission(const grpc::ServerContextBase& context);

// For the call interceptor: records that the call on `context` is refused,
// and forgets it when the call ends.
void RecordRefusal(const grpc::ServerContextBase* context,
                   absl::Status refusal);
void ForgetRefusal(const grpc::ServerContextBase* context);

}  // namespace yoga

#endif  // YOGA_SERVICES_RUNTIME_CALL_ADMISSION_H_
