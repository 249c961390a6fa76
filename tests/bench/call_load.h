// A load of unary calls for the benches that time a server over gRPC: caller
// threads with blocking stubs call in a loop, either for a timed window after
// a warm-up, or until a given number of calls is made. A phase reports the
// calls that succeeded, calls a second, p50/p99 latency, the failures by
// status code, and the CPU of the server, of this client and of every other
// process over the measured stretch (the load context that tells a slower
// server from a busy machine). Numbers are for reports, never asserted.
#ifndef YOGA_TESTS_BENCH_CALL_LOAD_H_
#define YOGA_TESTS_BENCH_CALL_LOAD_H_

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "grpcpp/client_context.h"
#include "grpcpp/support/status.h"

namespace yoga::bench {

struct CpuShare {  // % of one core.
  double server = 0, client = 0, others = 0;
};

// CPU used since construction by the server (with the children it reaped),
// by this process and by every other process.
class CpuMeter {
 public:
  explicit CpuMeter(pid_t server);
  CpuShare Read() const;

 private:
  const pid_t server_;
  const absl::Time start_;
  const double server_start_;
  const double own_start_;
  const double others_start_;
};

struct LoadPlan {
  int callers = 8;  // Threads, each calling in a loop.
  // Calls ending before this are not counted (connections, caches).
  absl::Duration warm_up = absl::Milliseconds(500);
  // The measured stretch; with `calls`, only a bound on the phase.
  absl::Duration window = absl::Seconds(3);
  // When positive: the phase ends once this many calls are made, each one
  // counted (no warm-up), and its rate is over the time they took.
  int64_t calls = 0;
  absl::Duration call_deadline = absl::Seconds(5);
};

struct Phase {
  int64_t calls = 0;  // Succeeded inside the window.
  double per_second = 0;
  double p50_ms = 0, p99_ms = 0;
  std::map<int, int64_t> failures;  // Status code -> count, whole phase.
  CpuShare cpu;
  absl::Duration measured;          // The window, or the calls' time.
  std::vector<float> latencies_ms;  // Of the counted calls, sorted.
};

// One call by caller `caller` (0 to callers - 1), its deadline already set
// on `context`.
using Call =
    std::function<grpc::Status(int caller, grpc::ClientContext& context)>;

// Runs `call` from plan.callers threads as `plan` says, against the server
// process `server` (for its CPU).
Phase Measure(const LoadPlan& plan, pid_t server, const Call& call);

// Phases of the same load taken in turns with others (so that a machine
// busy for a while slows every server alike) as one: calls, failures and
// latencies together, rate and CPU over their summed time.
Phase Combine(const std::vector<Phase>& rounds);

// "UNAVAILABLE x3, CANCELLED x1".
std::string Failures(const std::map<int, int64_t>& failures);

}  // namespace yoga::bench

#endif  // YOGA_TESTS_BENCH_CALL_LOAD_H_
