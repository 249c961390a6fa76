#include "services/runtime/server_main.h"

#include <pthread.h>
#include <signal.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "services/common/log.h"
#include "services/runtime/health_probe.h"
#include "services/runtime/listen_address.h"
#include "services/runtime/server_options.h"

ABSL_FLAG(bool, health_check, false,
          "do not serve: ask the server at --health_listen (or else --listen) "
          "whether it serves; print SERVING and exit 0, or exit 1");
ABSL_FLAG(std::string, health_check_service, "",
          "with --health_check: the service to ask about, e.g. "
          "yoga.planner.v1.PlannerService (ready once it has a catalog); "
          "empty: the server as a whole (up)");

namespace yoga {
namespace {

// The --health_check mode: the process exit code.
int CheckHealthOfRunningServer(absl::string_view program) {
  absl::StatusOr<ServerOptions> options = ServerOptionsFromFlags();
  if (!options.ok()) return ExitOnStartupError(program, options.status());
  if (options->health_listen.empty() && !options->tls_cert_path.empty()) {
    return ExitOnStartupError(
        program, absl::InvalidArgumentError(
                     "--health_check asks in plaintext: give the server's "
                     "--health_listen when --listen serves TLS"));
  }
  absl::StatusOr<ListenAddress> listen = ParseListenAddress(
      options->health_listen.empty() ? options->listen
                                     : options->health_listen);
  if (!listen.ok()) return ExitOnStartupError(program, listen.status());
  absl::Status health =
      ProbeHealth(ProbeAddressFor(*listen),
                  absl::GetFlag(FLAGS_health_check_service), absl::Seconds(2));
  if (!health.ok()) return ExitOnStartupError(program, health);
  std::puts("SERVING");
  return 0;
}

sigset_t ShutdownSignals() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  return signals;
}

const char* SignalName(int signal_number) {
  return signal_number == SIGTERM ? "SIGTERM" : "SIGINT";
}

}  // namespace

void InitServerMain(int argc, char** argv, absl::string_view default_listen,
                    absl::string_view usage) {
  // Threads inherit the mask, so gRPC's threads never take these signals;
  // ServeUntilSignalled collects them with sigwait.
  sigset_t signals = ShutdownSignals();
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  // Debian builds abseil without NDEBUG, so every Mutex lock would also update
  // a global lock-order graph: a debugging aid that cost the session server
  // about 8% of its CPU under load. Tests keep it on.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  // --help prints the flag's compiled-in default; say this program's own.
  absl::SetProgramUsageMessage(absl::StrCat(usage, "\n(--listen defaults to ",
                                            default_listen, " here)"));
  SetDefaultListenAddress(default_listen);
  std::vector<char*> args = absl::ParseCommandLine(argc, argv);
  if (absl::GetFlag(FLAGS_health_check)) {
    std::string program(absl::string_view(args[0]).substr(
        absl::string_view(args[0]).rfind('/') + 1));
    std::exit(CheckHealthOfRunningServer(program));
  }
}

int ExitOnStartupError(absl::string_view program, const absl::Status& status) {
  std::string line = absl::StrCat(program, ": ", status.message(), "\n");
  std::fputs(line.c_str(), stderr);
  return 1;
}

int ServeUntilSignalled(
    absl::string_view program, const std::vector<HostedService>& services,
    const std::function<absl::Status(ServiceHost&)>& on_started,
    const std::function<void()>& on_stopping) {
  absl::StatusOr<ServerOptions> options = ServerOptionsFromFlags();
  if (!options.ok()) return ExitOnStartupError(program, options.status());
  absl::StatusOr<std::unique_ptr<ServiceHost>> host =
      ServiceHost::Start(*options, services);
  if (!host.ok()) return ExitOnStartupError(program, host.status());
  if (on_started) {
    if (absl::Status started = on_started(**host); !started.ok()) {
      if (on_stopping) on_stopping();
      (*host)->Shutdown();
      return ExitOnStartupError(program, started);
    }
  }

  std::printf("listening on %s\n", (*host)->address().c_str());
  std::fflush(stdout);

  const sigset_t signals = ShutdownSignals();
  int signal_number = 0;
  sigwait(&signals, &signal_number);
  Log(LogLevel::kInfo, "signal",
      {{"signal", SignalName(signal_number)}, {"action", "drain"}});
  // A second signal during the drain stops at once, as a second Ctrl-C should.
  std::thread([signals] {
    int second = 0;
    sigwait(&signals, &second);
    Log(LogLevel::kWarning, "signal",
        {{"signal", SignalName(second)}, {"action", "exit_now"}});
    std::_Exit(1);
  }).detach();
  if (on_stopping) on_stopping();
  (*host)->Shutdown();
  (*host)->Wait();
  return 0;
}

}  // namespace yoga
