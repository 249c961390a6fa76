// The shared body of every server's main(): flags, start-up errors, the
// "listening on HOST:PORT" line, and shutdown on SIGTERM or SIGINT.
//
//   int main(int argc, char** argv) {
//     yoga::InitServerMain(argc, argv, "yoga-catalog", "127.0.0.1:50052",
//     "Serves ...");
//     ... build the services; on error: return
//     yoga::ExitOnStartupError("yoga-catalog", status); return
//     yoga::ServeUntilSignalled(services);
//   }
#ifndef YOGA_SERVICES_RUNTIME_SERVER_MAIN_H_
#define YOGA_SERVICES_RUNTIME_SERVER_MAIN_H_

#include <functional>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "services/runtime/service_host.h"

namespace yoga {

// Blocks SIGTERM and SIGINT in every thread (so one thread can wait for them),
// sets the default --listen and parses the command line. Call first in main().
// With --health_check it does not return: it asks the running server's health
// service and exits 0 (SERVING) or 1.
void InitServerMain(int argc, char** argv, absl::string_view default_listen,
                    absl::string_view usage);

// Prints "<program>: <message>" on stderr and returns the exit code 1.
int ExitOnStartupError(absl::string_view program, const absl::Status& status);

// Starts a host from the flags, prints "listening on HOST:PORT" as the first
// line of stdout, serves until SIGTERM or SIGINT, then shuts down gracefully;
// a second signal during the drain exits at once with code 1. Returns the
// process exit code: 0 after a clean shutdown, 1 if start-up failed.
// `on_started`, when given, runs once the host serves (to wire services that
// call each other through host.InProcessChannel()); an error stops the
// program as a start-up error. `on_stopping` runs when the host is about to
// shut down (or start-up failed after on_started): the place to stop anything
// on_started began that still uses the host.
int ServeUntilSignalled(
    absl::string_view program, const std::vector<HostedService>& services,
    const std::function<absl::Status(ServiceHost&)>& on_started = nullptr,
    const std::function<void()>& on_stopping = nullptr);

}  // namespace yoga

#endif  // YOGA_SERVICES_RUNTIME_SERVER_MAIN_H_
