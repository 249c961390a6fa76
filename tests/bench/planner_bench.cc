// Planner timings, each next to a baseline measured in the same run:
//   - in-process ComposeRoutine latency, p50 and p99 over many seeds, for 5,
//     20 and 60-minute targets (the 5-minute target is the baseline);
//   - over loopback gRPC, ComposeRoutine throughput from a small load client
//     (several threads, one channel) against a health Check on the same server.
// Run with ./dev bench; the numbers are reported, never asserted.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <thread>
#include <vector>

#include "google/protobuf/util/time_util.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/create_channel.h"
#include "services/catalog/catalog_loader.h"
#include "services/planner/composer.h"
#include "services/planner/planner_service.h"
#include "services/planner/presets.h"
#include "services/runtime/service_host.h"

namespace yoga {
namespace {

using Clock = std::chrono::steady_clock;

yoga::planner::v1::Constraints Target(int minutes, uint64_t seed) {
  yoga::planner::v1::Constraints constraints;
  *constraints.mutable_target_duration() =
      google::protobuf::util::TimeUtil::SecondsToDuration(minutes * 60);
  // A beginner's poses fill about 50 minutes; an hour needs every level.
  constraints.set_max_level(minutes > 45 ? yoga::type::v1::LEVEL_ADVANCED
                                         : yoga::type::v1::LEVEL_BEGINNER);
  constraints.set_seed(seed);
  return constraints;
}

struct Percentiles {
  double p50_us;
  double p99_us;
};

Percentiles ComposeLatency(const planner::PlanningCatalog& catalog,
                           int minutes) {
  constexpr int kRuns = 3000;
  std::vector<double> micros;
  micros.reserve(kRuns);
  int failed = 0;
  for (int i = 0; i < kRuns; ++i) {
    const auto constraints = Target(minutes, static_cast<uint64_t>(i));
    const auto start = Clock::now();
    auto routine = planner::ComposeRoutine(catalog, constraints);
    micros.push_back(
        std::chrono::duration<double, std::micro>(Clock::now() - start)
            .count());
    if (!routine.ok()) ++failed;
  }
  if (failed > 0)
    std::printf("  (%d of %d %d-minute requests refused)\n", failed, kRuns,
                minutes);
  std::sort(micros.begin(), micros.end());
  return {micros[micros.size() / 2], micros[micros.size() * 99 / 100]};
}

// Calls `call` from `threads` threads for `seconds`; returns calls per second.
template <typename Call>
double Throughput(int threads, double seconds, Call call) {
  std::atomic<bool> stop{false};
  std::atomic<int64_t> done{0};
  std::atomic<int64_t> failed{0};
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      uint64_t seed = static_cast<uint64_t>(t) << 32;
      while (!stop.load(std::memory_order_relaxed)) {
        if (call(seed++)) {
          done.fetch_add(1, std::memory_order_relaxed);
        } else {
          failed.fetch_add(1, std::memory_order_relaxed);
        }
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  stop = true;
  for (auto& worker : workers) worker.join();
  if (failed > 0)
    std::printf("  (%lld calls failed)\n",
                static_cast<long long>(failed.load()));
  return static_cast<double>(done.load()) / seconds;
}

int Run() {
  auto loaded = catalog::LoadCatalog(YOGA_SOURCE_DIR "/assets/catalog");
  auto preset_files =
      planner::ReadPresetFiles(YOGA_SOURCE_DIR "/assets/presets");
  if (!loaded.ok() || !preset_files.ok()) {
    std::fprintf(stderr, "cannot load the catalog or presets\n");
    return 1;
  }
  auto catalog = std::make_shared<const catalog::Catalog>(*std::move(loaded));

  std::printf(
      "In-process ComposeRoutine (3000 seeds each; baseline: the 5-minute "
      "target)\n");
  const planner::PlanningCatalog planning(catalog);
  const Percentiles base = ComposeLatency(planning, 5);
  for (int minutes : {5, 20, 60}) {
    const Percentiles p =
        minutes == 5 ? base : ComposeLatency(planning, minutes);
    std::printf(
        "  %2d min   p50 %7.1f us   p99 %7.1f us   p99 ratio to 5 min %.2f\n",
        minutes, p.p50_us, p.p99_us, p.p99_us / base.p99_us);
  }

  planner::Planner planner(*std::move(preset_files));
  if (!planner.UseCatalog(catalog).ok()) return 1;
  planner::PlannerServiceImpl service(planner);
  ServerOptions options;
  options.listen = "127.0.0.1:0";
  auto host =
      ServiceHost::Start(options, {{planner::kPlannerServiceName, &service}});
  if (!host.ok()) return 1;
  auto channel = grpc::CreateChannel((*host)->address(),
                                     grpc::InsecureChannelCredentials());
  auto health = grpc::health::v1::Health::NewStub(channel);
  auto stub = yoga::planner::v1::PlannerService::NewStub(channel);
  constexpr int kThreads = 8;
  constexpr double kSeconds = 3;
  const double check_qps = Throughput(kThreads, kSeconds, [&](uint64_t) {
    grpc::ClientContext context;
    grpc::health::v1::HealthCheckResponse response;
    return health->Check(&context, {}, &response).ok();
  });
  const double compose_qps = Throughput(kThreads, kSeconds, [&](uint64_t seed) {
    grpc::ClientContext context;
    yoga::planner::v1::ComposeRoutineRequest request;
    *request.mutable_constraints() = Target(20, seed);
    yoga::type::v1::Routine routine;
    return stub->ComposeRoutine(&context, request, &routine).ok();
  });
  // The same size of answer without composing: how much is the payload.
  yoga::planner::v1::ComposeRoutineRequest preset;
  preset.set_preset_id("lower-back-relief-session");
  const std::string routine_id = planner.ComposeRoutine(preset)->id();
  const double get_qps = Throughput(kThreads, kSeconds, [&](uint64_t) {
    grpc::ClientContext context;
    yoga::planner::v1::GetRoutineRequest request;
    request.set_id(routine_id);
    yoga::type::v1::Routine routine;
    return stub->GetRoutine(&context, request, &routine).ok();
  });
  std::printf(
      "Loopback gRPC, %d client threads, %.0f s each (baseline: health "
      "Check)\n",
      kThreads, kSeconds);
  std::printf(
      "  GetRoutine, a 20-minute routine, no work %8.0f calls/s   ratio %.2f\n",
      get_qps, get_qps / check_qps);
  std::printf("  health Check            %8.0f calls/s\n", check_qps);
  std::printf("  ComposeRoutine (20 min) %8.0f calls/s   ratio %.2f\n",
              compose_qps, compose_qps / check_qps);
  return 0;
}

}  // namespace
}  // namespace yoga

int main() { return yoga::Run(); }
