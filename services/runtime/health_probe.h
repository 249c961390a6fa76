// The health-check mode of every server program (--health_check): ask a
// running server's grpc.health.v1 service whether it serves, as container
// health checks do, with nothing but our own binary in the image.
#ifndef YOGA_SERVICES_RUNTIME_HEALTH_PROBE_H_
#define YOGA_SERVICES_RUNTIME_HEALTH_PROBE_H_

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "services/runtime/listen_address.h"

namespace yoga {

// Where to reach a server that listens on `listen`: a wildcard host
// (0.0.0.0, ::) is reached on loopback.
std::string ProbeAddressFor(const ListenAddress& listen);

// OK when the server at `address` (plaintext) reports `service` ("" for the
// whole server) SERVING within `timeout`; otherwise UNAVAILABLE saying what it
// reported or why it could not be asked.
absl::Status ProbeHealth(const std::string& address, absl::string_view service,
                         absl::Duration timeout);

}  // namespace yoga

#endif  // YOGA_SERVICES_RUNTIME_HEALTH_PROBE_H_
