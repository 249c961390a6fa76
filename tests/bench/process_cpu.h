// CPU time of processes and threads, read from /proc (Linux), for the
// benches' load context: how busy the server under test, each of its threads,
// this process and every other process on the machine were. Each reading is
// the time used since the process or thread started, in seconds, in whole
// clock ticks (1 / sysconf(_SC_CLK_TCK)); what a stretch of time used is the
// difference of two readings. A process or thread that is gone, or a file
// that cannot be read, reads as 0 (and -1 for StatusField).
#ifndef YOGA_TESTS_BENCH_PROCESS_CPU_H_
#define YOGA_TESTS_BENCH_PROCESS_CPU_H_

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <string>

#include "absl/strings/string_view.h"

namespace yoga::bench {

// The number of a "Name:  value kB" line of /proc/PID/status, or -1.
int64_t StatusField(pid_t pid, absl::string_view name);

// utime + stime of `pid`. With `reaped`, also cutime + cstime: the time of the
// children it has waited for.
double CpuSeconds(pid_t pid, bool reaped = false);

struct ThreadCpu {
  std::string name;
  double seconds = 0;
};

// CPU of each thread of `pid`, by thread id.
std::map<std::string, ThreadCpu> ThreadCpus(pid_t pid);

// CPU seconds of every process but `server` and this one, reaped children
// included. A process that exits takes its time to the parent that reaps it,
// so short-lived ones (a compiler, a test) still count. (/proc/stat's
// tick-sampled totals miss most of an event-driven server's short bursts.)
double OthersCpuSeconds(pid_t server);

// User + system time of this process, from getrusage.
double OwnCpuSeconds();

}  // namespace yoga::bench

#endif  // YOGA_TESTS_BENCH_PROCESS_CPU_H_
