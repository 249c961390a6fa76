// Runs one of our programs as a child process for integration tests: collects
// its stdout and stderr in files, finds the "listening on HOST:PORT" line, and
// stops it with a signal. Every wait is bounded.
#ifndef YOGA_TESTS_INTEGRATION_SERVER_PROCESS_H_
#define YOGA_TESTS_INTEGRATION_SERVER_PROCESS_H_

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace yoga::testing {

class ChildProcess {
 public:
  // Starts `program` (a path under build/bin) with `args`.
  ChildProcess(const std::string& program,
               const std::vector<std::string>& args);
  ~ChildProcess();  // Kills the child if it is still running.

  // Waits for the first stdout line "listening on HOST:PORT"; returns
  // HOST:PORT. Fails if the child exits first or the time runs out.
  absl::StatusOr<std::string> WaitForAddress(
      absl::Duration timeout = absl::Seconds(20));

  // Sends `signal`, then waits for the exit code (nullopt on timeout or if
  // killed by a signal).
  std::optional<int> Stop(int signal,
                          absl::Duration timeout = absl::Seconds(20));

  // Waits for the child to exit by itself.
  std::optional<int> WaitForExit(absl::Duration timeout = absl::Seconds(20));

  pid_t pid() const { return pid_; }
  std::string Stdout() const;
  std::string Stderr() const;

 private:
  pid_t pid_ = -1;
  std::string stdout_path_;
  std::string stderr_path_;
  std::optional<int> exit_code_;
  bool exited_ = false;
};

// Runs a program to completion; returns {exit code, stdout, stderr}.
struct RunResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};
RunResult RunProgram(const std::string& program,
                     const std::vector<std::string>& args);

}  // namespace yoga::testing

#endif  // YOGA_TESTS_INTEGRATION_SERVER_PROCESS_H_
