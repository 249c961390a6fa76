#include "tests/bench/call_load.h"

#include <algorithm>
#include <atomic>
#include <optional>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "services/common/errors.h"
#include "tests/bench/process_cpu.h"

namespace yoga::bench {

CpuMeter::CpuMeter(pid_t server)
    : server_(server),
      start_(absl::Now()),
      server_start_(CpuSeconds(server, /*reaped=*/true)),
      own_start_(OwnCpuSeconds()),
      others_start_(OthersCpuSeconds(server)) {}

CpuShare CpuMeter::Read() const {
  const double elapsed = absl::ToDoubleSeconds(absl::Now() - start_);
  return {
      100 * (CpuSeconds(server_, /*reaped=*/true) - server_start_) / elapsed,
      100 * (OwnCpuSeconds() - own_start_) / elapsed,
      100 * (OthersCpuSeconds(server_) - others_start_) / elapsed};
}

namespace {

// Counts, rate and percentiles from latencies_ms and measured.
void Summarize(Phase& phase) {
  std::vector<float>& all = phase.latencies_ms;
  std::sort(all.begin(), all.end());
  phase.calls = static_cast<int64_t>(all.size());
  if (phase.measured > absl::ZeroDuration())
    phase.per_second = phase.calls / absl::ToDoubleSeconds(phase.measured);
  if (!all.empty()) {
    phase.p50_ms = all[all.size() / 2];
    phase.p99_ms = all[std::min(all.size() - 1, all.size() * 99 / 100)];
  }
}

}  // namespace

Phase Measure(const LoadPlan& plan, pid_t server, const Call& call) {
  const bool counted_calls = plan.calls > 0;
  const absl::Time begin = absl::Now();
  const absl::Time window_begin = counted_calls ? begin : begin + plan.warm_up;
  const absl::Time end = window_begin + plan.window;
  std::atomic<int64_t> next{0};
  std::vector<std::vector<float>> latencies(plan.callers);
  std::vector<std::map<int, int64_t>> failures(plan.callers);
  std::optional<CpuMeter> meter;
  if (counted_calls) meter.emplace(server);
  std::vector<std::thread> threads;
  for (int t = 0; t < plan.callers; ++t) {
    threads.emplace_back([&, t] {
      while (absl::Now() < end && (!counted_calls || next++ < plan.calls)) {
        grpc::ClientContext context;
        context.set_deadline(
            absl::ToChronoTime(absl::Now() + plan.call_deadline));
        const absl::Time sent = absl::Now();
        const grpc::Status status = call(t, context);
        const absl::Time done = absl::Now();
        if (!status.ok()) {
          ++failures[t][status.error_code()];
        } else if (sent >= window_begin && done <= end) {
          latencies[t].push_back(
              static_cast<float>(absl::ToDoubleMilliseconds(done - sent)));
        }
      }
    });
  }
  Phase phase;
  absl::Duration measured = plan.window;
  if (counted_calls) {
    for (std::thread& thread : threads) thread.join();
    measured = absl::Now() - begin;
    phase.cpu = meter->Read();
  } else {
    absl::SleepFor(window_begin - absl::Now());
    meter.emplace(server);
    absl::SleepFor(end - absl::Now());
    phase.cpu = meter->Read();
    for (std::thread& thread : threads) thread.join();
  }
  for (int t = 0; t < plan.callers; ++t) {
    phase.latencies_ms.insert(phase.latencies_ms.end(), latencies[t].begin(),
                              latencies[t].end());
    for (const auto& [code, count] : failures[t]) phase.failures[code] += count;
  }
  phase.measured = measured;
  Summarize(phase);
  return phase;
}

Phase Combine(const std::vector<Phase>& rounds) {
  Phase all;
  for (const Phase& round : rounds) {
    all.latencies_ms.insert(all.latencies_ms.end(), round.latencies_ms.begin(),
                            round.latencies_ms.end());
    for (const auto& [code, count] : round.failures)
      all.failures[code] += count;
    const double seconds = absl::ToDoubleSeconds(round.measured);
    all.cpu.server += round.cpu.server * seconds;
    all.cpu.client += round.cpu.client * seconds;
    all.cpu.others += round.cpu.others * seconds;
    all.measured += round.measured;
  }
  const double seconds = absl::ToDoubleSeconds(all.measured);
  if (seconds > 0) {
    all.cpu.server /= seconds;
    all.cpu.client /= seconds;
    all.cpu.others /= seconds;
  }
  Summarize(all);
  return all;
}

std::string Failures(const std::map<int, int64_t>& failures) {
  std::vector<std::string> parts;
  for (const auto& [code, count] : failures)
    parts.push_back(absl::StrCat(
        StatusCodeName(static_cast<grpc::StatusCode>(code)), " x", count));
  return absl::StrJoin(parts, ", ");
}

}  // namespace yoga::bench
