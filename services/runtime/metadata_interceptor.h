// A client interceptor factory that adds one metadata entry to every call made
// on a channel: the API key on peer channels, the in-process token on a host's
// in-process channel.
#ifndef YOGA_SERVICES_RUNTIME_METADATA_INTERCEPTOR_H_
#define YOGA_SERVICES_RUNTIME_METADATA_INTERCEPTOR_H_

#include <memory>
#include <string>

#include "grpcpp/support/client_interceptor.h"

namespace yoga {

std::unique_ptr<grpc::experimental::ClientInterceptorFactoryInterface>
MakeMetadataInterceptorFactory(std::string key, std::string value);

}  // namespace yoga

#endif  // YOGA_SERVICES_RUNTIME_METADATA_INTERCEPTOR_H_
