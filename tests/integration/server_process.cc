#include "tests/integration/server_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"

namespace yoga::testing {
namespace {

std::string ReadAll(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string TempPath(absl::string_view what) {
  static std::atomic<int> counter{0};
  return (std::filesystem::temp_directory_path() /
          absl::StrCat("yoga-child-", getpid(), "-", counter++, ".", what))
      .string();
}

}  // namespace

ChildProcess::ChildProcess(const std::string& program,
                           const std::vector<std::string>& args)
    : stdout_path_(TempPath("out")), stderr_path_(TempPath("err")) {
  std::vector<char*> argv;
  argv.push_back(const_cast<char*>(program.c_str()));
  for (const std::string& arg : args)
    argv.push_back(const_cast<char*>(arg.c_str()));
  argv.push_back(nullptr);
  pid_ = fork();
  if (pid_ == 0) {
    int out = open(stdout_path_.c_str(), O_CREAT | O_TRUNC | O_WRONLY, 0600);
    int err = open(stderr_path_.c_str(), O_CREAT | O_TRUNC | O_WRONLY, 0600);
    dup2(out, STDOUT_FILENO);
    dup2(err, STDERR_FILENO);
    // Dies with the test, even when ctest kills the test at its timeout.
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    // The test runner may block signals; the child starts with a clean mask.
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    execv(program.c_str(), argv.data());
    _exit(127);
  }
}

ChildProcess::~ChildProcess() {
  if (pid_ > 0 && !exited_) {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
  std::filesystem::remove(stdout_path_);
  std::filesystem::remove(stderr_path_);
}

std::optional<int> ChildProcess::WaitForExit(absl::Duration timeout) {
  if (exited_) return exit_code_;
  const absl::Time deadline = absl::Now() + timeout;
  do {  // At least one look, even with a zero timeout.
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      exited_ = true;
      if (WIFEXITED(status)) exit_code_ = WEXITSTATUS(status);
      return exit_code_;
    }
    absl::SleepFor(absl::Milliseconds(10));
  } while (absl::Now() < deadline);
  return std::nullopt;
}

absl::StatusOr<std::string> ChildProcess::WaitForAddress(
    absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (absl::Now() < deadline) {
    const std::string out = Stdout();
    const size_t newline = out.find('\n');
    if (newline != std::string::npos) {
      absl::string_view first(out.data(), newline);
      if (absl::ConsumePrefix(&first, "listening on "))
        return std::string(first);
      return absl::InternalError(
          absl::StrCat("unexpected first line: ", first));
    }
    WaitForExit(absl::ZeroDuration());
    if (exited_) {
      return absl::InternalError(absl::StrCat("the server exited: ", Stderr()));
    }
    absl::SleepFor(absl::Milliseconds(20));
  }
  return absl::DeadlineExceededError(
      absl::StrCat("no address within ", absl::FormatDuration(timeout)));
}

std::optional<int> ChildProcess::Stop(int signal, absl::Duration timeout) {
  if (!exited_) kill(pid_, signal);
  return WaitForExit(timeout);
}

std::string ChildProcess::Stdout() const { return ReadAll(stdout_path_); }
std::string ChildProcess::Stderr() const { return ReadAll(stderr_path_); }

RunResult RunProgram(const std::string& program,
                     const std::vector<std::string>& args) {
  ChildProcess child(program, args);
  RunResult result;
  result.exit_code = child.WaitForExit(absl::Seconds(60)).value_or(-1);
  result.out = child.Stdout();
  result.err = child.Stderr();
  return result;
}

}  // namespace yoga::testing
