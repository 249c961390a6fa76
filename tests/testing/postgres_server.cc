#include "tests/testing/postgres_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <vector>

#include "absl/algorithm/container.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

extern char** environ;

namespace yoga::testing {
namespace {

namespace fs = std::filesystem;

// nobody and nogroup on Debian.
constexpr uid_t kNobody = 65534;
constexpr char kSetpriv[] = "/usr/bin/setpriv";

bool RunningAsRoot() { return geteuid() == 0; }

// The bin directory of the newest PostgreSQL installed, or "".
std::string FindBinDirectory() {
  std::string best;
  int best_version = -1;
  std::error_code error;
  for (const fs::directory_entry& entry :
       fs::directory_iterator("/usr/lib/postgresql", error)) {
    int version = 0;
    if (!absl::SimpleAtoi(entry.path().filename().string(), &version)) continue;
    const std::string bin = (entry.path() / "bin").string();
    if (version > best_version &&
        access((bin + "/postgres").c_str(), X_OK) == 0 &&
        access((bin + "/initdb").c_str(), X_OK) == 0 &&
        access((bin + "/createdb").c_str(), X_OK) == 0 &&
        access((bin + "/psql").c_str(), X_OK) == 0) {
      best = bin;
      best_version = version;
    }
  }
  return best;
}

std::string ReadFile(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  std::stringstream contents;
  contents << file.rdbuf();
  return contents.str();
}

std::string Tail(const std::string& text, size_t bytes = 2000) {
  return text.size() <= bytes ? text : text.substr(text.size() - bytes);
}


struct SpawnRequest {
  std::vector<std::string> argv;  // argv[0] is an absolute path.
  bool as_cluster_owner = false;  // As nobody, when we are root.
  std::string stdout_path = "/dev/null";
  std::string stderr_path = "/dev/null";
  std::string directory = "/";  // The working directory.
};

absl::StatusOr<pid_t> Spawn(const SpawnRequest& request) {
  std::vector<std::string> argv;
  if (request.as_cluster_owner && RunningAsRoot()) {
    argv = {kSetpriv, absl::StrCat("--reuid=", kNobody),
            absl::StrCat("--regid=", kNobody), "--clear-groups"};
  }
  argv.insert(argv.end(), request.argv.begin(), request.argv.end());
  std::vector<char*> pointers;
  for (std::string& argument : argv) pointers.push_back(argument.data());
  pointers.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, request.stdout_path.c_str(),
                                   O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_addopen(&actions, 2, request.stderr_path.c_str(),
                                   O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_addchdir_np(&actions, request.directory.c_str());
  pid_t pid = -1;
  const int error = posix_spawn(&pid, pointers[0], &actions, nullptr,
                                pointers.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (error != 0) {
    return absl::InternalError(
        absl::StrCat("cannot start ", argv[0], ": ",
                     std::generic_category().message(error)));
  }
  return pid;
}

// The exit code (128 + signal if killed), or nullopt if still running after
// `timeout`.
std::optional<int> WaitForExit(pid_t pid, absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  for (;;) {
    int status = 0;
    const pid_t done = waitpid(pid, &status, WNOHANG);
    if (done == pid || (done < 0 && errno != EINTR)) {
      if (done < 0) return -1;
      return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }
    if (absl::Now() >= deadline) return std::nullopt;
    absl::SleepFor(absl::Milliseconds(5));
  }
}

// Runs a program to its end (killed after `timeout`); its stdout.
absl::StatusOr<std::string> RunToEnd(SpawnRequest request,
                                     absl::Duration timeout) {
  static std::atomic<int> runs{0};
  const std::string base =
      absl::StrCat(request.directory, "/run-", runs.fetch_add(1));
  request.stdout_path = base + ".out";
  request.stderr_path = base + ".err";
  absl::StatusOr<pid_t> pid = Spawn(request);
  if (!pid.ok()) return pid.status();
  std::optional<int> code = WaitForExit(*pid, timeout);
  if (!code) {
    kill(*pid, SIGKILL);
    WaitForExit(*pid, absl::Seconds(5));
  }
  std::string out = ReadFile(request.stdout_path);
  const std::string err = ReadFile(request.stderr_path);
  std::error_code ignored;
  fs::remove(request.stdout_path, ignored);
  fs::remove(request.stderr_path, ignored);
  if (code == 0) return out;
  return absl::InternalError(absl::StrCat(
      request.argv[0],
      code ? absl::StrCat(" exited with ", *code)
           : absl::StrCat(" took longer than ", absl::FormatDuration(timeout)),
      ": ", Tail(err + out)));
}

}  // namespace

int FreeLoopbackPort() {
  const int probe = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof(address);
  int port = 0;
  if (probe >= 0 &&
      bind(probe, reinterpret_cast<sockaddr*>(&address), length) == 0 &&
      getsockname(probe, reinterpret_cast<sockaddr*>(&address), &length) == 0) {
    port = ntohs(address.sin_port);
  }
  if (probe >= 0) close(probe);
  return port;
}

bool PostgresServer::Available() {
  return !FindBinDirectory().empty() &&
         (!RunningAsRoot() || access(kSetpriv, X_OK) == 0);
}

absl::StatusOr<std::unique_ptr<PostgresServer>> PostgresServer::Start() {
  const std::string bin_directory = FindBinDirectory();
  if (bin_directory.empty()) {
    return absl::FailedPreconditionError(
        "no PostgreSQL server under /usr/lib/postgresql/*/bin (Debian package "
        "postgresql)");
  }
  // As root the cluster belongs to nobody, who must reach it: /tmp, not a
  // TMPDIR under a private home.
  const std::string temp =
      RunningAsRoot() ? "/tmp" : fs::temp_directory_path().string();
  std::string directory = temp + "/yoga-pg-XXXXXX";
  if (mkdtemp(directory.data()) == nullptr) {
    return absl::InternalError(
        absl::StrCat("cannot make a directory in ", temp, ": ",
                     std::generic_category().message(errno)));
  }
  std::unique_ptr<PostgresServer> server(
      new PostgresServer(bin_directory, directory));
  if (RunningAsRoot() && chown(directory.c_str(), kNobody, kNobody) != 0) {
    return absl::InternalError(
        absl::StrCat("cannot give ", directory,
                     " to nobody: ", std::generic_category().message(errno)));
  }
  absl::StatusOr<std::string> initdb =
      RunToEnd({.argv = {bin_directory + "/initdb", "-D", directory + "/data",
                         "-U", "yoga", "-A", "trust", "-E", "UTF8",
                         "--locale=C", "--no-sync", "--no-instructions"},
                .as_cluster_owner = true,
                .directory = directory},
               absl::Seconds(60));
  if (!initdb.ok()) return initdb.status();
  // Another program may take the free port before postgres binds it: pick
  // another and try again.
  absl::Status started;
  for (int attempt = 0; attempt < 5; ++attempt) {
    server->port_ = FreeLoopbackPort();
    const size_t log_size = server->Log().size();
    started = server->StartServer();
    if (started.ok() ||
        !absl::StrContains(server->Log().substr(log_size), "could not bind")) {
      break;
    }
  }
  if (!started.ok()) return started;
  absl::StatusOr<std::string> database = server->CreateDatabase("yoga");
  if (!database.ok()) return database.status();
  return server;
}

PostgresServer::PostgresServer(std::string bin_directory, std::string directory)
    : bin_directory_(std::move(bin_directory)),
      directory_(std::move(directory)) {}

PostgresServer::~PostgresServer() {
  if (pid_ > 0) {
    kill(pid_, SIGQUIT);  // Immediate shutdown: the data does not matter.
    if (!WaitForExit(pid_, absl::Seconds(10))) {
      kill(pid_, SIGKILL);
      WaitForExit(pid_, absl::Seconds(5));
    }
  }
  std::error_code ignored;
  fs::remove_all(directory_, ignored);
}

std::string PostgresServer::DatabaseUrl(absl::string_view database) const {
  return absl::StrCat("postgresql://yoga@127.0.0.1:", port_, "/", database);
}

std::string PostgresServer::Log() const {
  return ReadFile(directory_ + "/postgres.log");
}

absl::Status PostgresServer::StartServer() {
  const std::string log = directory_ + "/postgres.log";
  absl::StatusOr<pid_t> pid = Spawn(
      {.argv = {bin_directory_ + "/postgres", "-D", directory_ + "/data", "-p",
                absl::StrCat(port_), "-c", "listen_addresses=127.0.0.1", "-c",
                "unix_socket_directories=" + directory_, "-c", "fsync=off",
                "-c", "synchronous_commit=off", "-c", "full_page_writes=off"},
       .as_cluster_owner = true,
       .stdout_path = log,
       .stderr_path = log,
       .directory = directory_});
  if (!pid.ok()) return pid.status();
  pid_ = *pid;
  // postgres writes "ready" on line 8 of postmaster.pid once it accepts
  // connections (what pg_ctl -w waits for).
  const absl::Time deadline = absl::Now() + absl::Seconds(30);
  while (absl::Now() < deadline) {
    if (std::optional<int> code = WaitForExit(pid_, absl::ZeroDuration())) {
      pid_ = -1;
      return absl::UnavailableError(absl::StrCat("postgres exited with ", *code,
                                                 " at start: ", Tail(Log())));
    }
    const std::vector<std::string> lines =
        absl::StrSplit(ReadFile(directory_ + "/data/postmaster.pid"), '\n');
    if (lines.size() >= 8 && lines[0] == absl::StrCat(pid_) &&
        absl::StripAsciiWhitespace(lines[7]) == "ready") {
      return absl::OkStatus();
    }
    absl::SleepFor(absl::Milliseconds(10));
  }
  kill(pid_, SIGKILL);
  WaitForExit(pid_, absl::Seconds(5));
  pid_ = -1;
  return absl::DeadlineExceededError(
      absl::StrCat("postgres was not ready within 30 s: ", Tail(Log())));
}

absl::Status PostgresServer::Stop() {
  if (pid_ <= 0)
    return absl::FailedPreconditionError("postgres is not running");
  kill(pid_, SIGINT);  // Fast shutdown.
  const std::optional<int> code = WaitForExit(pid_, absl::Seconds(30));
  if (!code) {
    kill(pid_, SIGKILL);
    WaitForExit(pid_, absl::Seconds(5));
  }
  pid_ = -1;
  if (!code) {
    return absl::DeadlineExceededError(
        "postgres did not stop within 30 s; killed it");
  }
  return absl::OkStatus();
}

absl::Status PostgresServer::Restart() {
  if (pid_ > 0) return absl::FailedPreconditionError("postgres is running");
  return StartServer();
}

absl::StatusOr<std::string> PostgresServer::CreateDatabase(
    absl::string_view name) {
  if (name.empty() || !absl::c_all_of(name, [](char c) {
        return absl::ascii_isalnum(c) || c == '_';
      })) {
    return absl::InvalidArgumentError(
        absl::StrCat("database name \"", name, "\": letters, digits, _"));
  }
  absl::StatusOr<std::string> created = RunToEnd(
      {.argv = {bin_directory_ + "/createdb", "-w", "-h", "127.0.0.1", "-p",
                absl::StrCat(port_), "-U", "yoga", std::string(name)},
       .directory = directory_},
      absl::Seconds(30));
  if (!created.ok()) return created.status();
  return DatabaseUrl(name);
}

absl::StatusOr<std::string> PostgresServer::RunSql(absl::string_view database,
                                                   absl::string_view sql) {
  return RunToEnd({.argv = {bin_directory_ + "/psql", "-X", "-q", "-A", "-t",
                            "-w", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1",
                            "-p", absl::StrCat(port_), "-U", "yoga", "-d",
                            std::string(database), "-c", std::string(sql)},
                   .directory = directory_},
                  absl::Seconds(30));
}

}  // namespace yoga::testing
