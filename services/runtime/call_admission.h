// Refusing calls an access policy did not admit, and knowing whom an admitted
// call acts for. gRPC 1.51's server interceptors see every call but cannot
// refuse one, and its AuthMetadataProcessor works on TLS ports only. So the
// host's call interceptor decides before the handler runs and records the
// decision here, and every handler of our services begins with:
//
//   if (absl::Status admitted = CallAdmission(*context); !admitted.ok())
//     ... finish the call with `admitted`;
//
// A test calls every method of every service without a key, so a handler
// that forgets to ask fails it.
//
// The owner of a call is whose sessions, routines and history it makes and
// may see: the id of the API key it presented; for our own services' calls
// (in-process, or with a key that has the "peer" permission) the key id they
// name in "yoga-on-behalf-of"; "" for a keyless call on a server without
// --api_keys (local use, where everything is everyone's).
#ifndef YOGA_SERVICES_RUNTIME_CALL_ADMISSION_H_
#define YOGA_SERVICES_RUNTIME_CALL_ADMISSION_H_

#include <string>

#include "absl/status/status.h"
#include "grpcpp/server_context.h"

namespace yoga {

// Our services' calls for a partner name the partner's key id here.
inline constexpr char kOnBehalfOfMetadata[] = "yoga-on-behalf-of";

// OK, or why the call was refused (UNAUTHENTICATED, PERMISSION_DENIED,
// RESOURCE_EXHAUSTED, INVALID_ARGUMENT for a malformed yoga-on-behalf-of).
absl::Status CallAdmission(const grpc::ServerContextBase& context);

// The owner of the call on `context` ("" when it has none).
std::string CallOwner(const grpc::ServerContextBase& context);

// The permissions (api_keys.h) of the key the call on `context` presented;
// 0 for a keyless or in-process call.
unsigned CallPermissions(const grpc::ServerContextBase& context);

// For the call interceptor: records the decision on the call on `context`
// (a refusal, or OK, its owner and its key's permissions), and forgets it
// when the call ends.
void RecordAdmission(const grpc::ServerContextBase* context,
                     absl::Status refusal, std::string owner,
                     unsigned permissions = 0);
void ForgetAdmission(const grpc::ServerContextBase* context);

}  // namespace yoga

#endif  // YOGA_SERVICES_RUNTIME_CALL_ADMISSION_H_
