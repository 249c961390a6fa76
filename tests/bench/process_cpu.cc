#include "tests/bench/process_cpu.h"

#include <sys/resource.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace yoga::bench {
namespace {

std::string ReadText(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// utime + stime, in seconds, from a /proc stat file; the name in `name`. With
// `reaped`, also the time of the children it has waited for.
double StatCpuSeconds(const std::string& path, std::string* name = nullptr,
                      bool reaped = false) {
  const std::string stat = ReadText(path);
  const size_t name_begin = stat.find('(');
  const size_t name_end = stat.rfind(')');
  if (name_begin == std::string::npos || name_end == std::string::npos)
    return 0;
  if (name != nullptr)
    *name = stat.substr(name_begin + 1, name_end - name_begin - 1);
  // After "pid (comm)": state is field 3; utime, stime, cutime and cstime are
  // fields 14 to 17.
  std::istringstream fields(stat.substr(name_end + 2));
  std::string field;
  unsigned long long ticks = 0;
  for (int i = 3; i <= (reaped ? 17 : 15) && fields >> field; ++i) {
    if (i >= 14) ticks += std::stoull(field);
  }
  return static_cast<double>(ticks) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

}  // namespace

int64_t StatusField(pid_t pid, absl::string_view name) {
  std::istringstream lines(ReadText(absl::StrCat("/proc/", pid, "/status")));
  for (std::string line; std::getline(lines, line);) {
    absl::string_view rest = line;
    if (absl::ConsumePrefix(&rest, name) && absl::ConsumePrefix(&rest, ":"))
      return std::strtoll(std::string(rest).c_str(), nullptr, 10);
  }
  return -1;
}

double CpuSeconds(pid_t pid, bool reaped) {
  return StatCpuSeconds(absl::StrCat("/proc/", pid, "/stat"), nullptr, reaped);
}

std::map<std::string, ThreadCpu> ThreadCpus(pid_t pid) {
  std::map<std::string, ThreadCpu> threads;
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(
           absl::StrCat("/proc/", pid, "/task"), error)) {
    ThreadCpu& thread = threads[entry.path().filename().string()];
    thread.seconds =
        StatCpuSeconds((entry.path() / "stat").string(), &thread.name);
  }
  return threads;
}

double OthersCpuSeconds(pid_t server) {
  double seconds = 0;
  std::error_code error;
  for (const auto& entry :
       std::filesystem::directory_iterator("/proc", error)) {
    int pid = 0;
    if (!absl::SimpleAtoi(entry.path().filename().string(), &pid)) continue;
    if (pid == server || pid == getpid()) continue;
    seconds += StatCpuSeconds((entry.path() / "stat").string(), nullptr,
                              /*reaped=*/true);
  }
  return seconds;
}

double OwnCpuSeconds() {
  rusage usage;
  getrusage(RUSAGE_SELF, &usage);
  auto seconds = [](const timeval& t) { return t.tv_sec + t.tv_usec / 1e6; };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

}  // namespace yoga::bench
