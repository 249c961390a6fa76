// What the servers' limits cost (issue 17): three yoga-studio child processes
// on 127.0.0.1, run side by side and loaded in turn, with --database=memory:
//   unlimited       the limits raised as far as their flags go
//                   (--max_concurrent_streams, --max_request_bytes,
//                   --memory_quota_mib at the top of their ranges);
//   default limits  the defaults;
//   default + key   the defaults and --api_keys with one key whose quota
//                   never refuses (every call admitted, counted, and owned).
// It reports calls a second and p50/p99 latency of
//   - unary calls (GetPose, and ComposeRoutine of a preset) from kCallers
//     threads over kChannels connections, and GetPose from
//     kOverCapCallers threads on one connection, more calls at once than the
//     default --max_concurrent_streams lets a connection carry: the one shape
//     where that limit can cost anything;
//   - StartSession then GetSession of the new session, turns of
//     kSessionPairs pairs at each of kHeldLevels sessions already held (on
//     the keyed server, all the key's: what its per-key session limit costs
//     as the key holds more).
// Each row is kRounds turns (kSessionRounds for sessions) taken in a rotated
// order with the other servers of its comparison, so that a machine busy for
// a while slows them alike. Ratios: default limits against unlimited,
// default + key against default limits, each measured in the same run. The
// numbers are reported, never asserted; the CPU of other processes says how
// far to trust them, and the server's CPU time per call is the figure such
// load changes least. Run with ./dev bench.
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/support/channel_arguments.h"
#include "services/common/content_hash.h"
#include "services/runtime/access_policy.h"
#include "services/runtime/server_options.h"
#include "tests/bench/call_load.h"
#include "tests/integration/server_process.h"
#include "yoga/catalog/v1/catalog_service.grpc.pb.h"
#include "yoga/planner/v1/planner_service.grpc.pb.h"
#include "yoga/session/v1/session_service.grpc.pb.h"

namespace yoga {
namespace {

using yoga::bench::Failures;
using yoga::bench::LoadPlan;
using yoga::bench::Phase;
using yoga::catalog::v1::CatalogService;
using yoga::planner::v1::PlannerService;
using yoga::session::v1::SessionService;

constexpr int kChannels = 4;
constexpr int kCallers = 32;
// One and a half times the default --max_concurrent_streams (100).
constexpr int kOverCapCallers = 150;
constexpr int kRounds = 3;
// Session turns are short (a few hundred calls): more of them, so that the
// server's CPU, read in 10 ms clock ticks, is counted closely enough.
constexpr int kSessionRounds = 5;
constexpr absl::Duration kWarmUp = absl::Milliseconds(200);
constexpr absl::Duration kWindow = absl::Seconds(1);
// Sessions held before each session row, and the pairs each turn makes (so
// a row holds from N to N + kSessionRounds * kSessionPairs). Below the
// default per-key cap of 5,000.
constexpr int kHeldLevels[] = {100, 2000, 3800};
constexpr int kSessionPairs = 200;
constexpr int kSessionCallers = 16;
constexpr absl::Duration kSessionBound = absl::Seconds(10);
constexpr char kPreset[] = "runners-lower-back-four";
constexpr char kPoseId[] = "locust";
constexpr char kKeyId[] = "bench-partner";
// Any 64 characters: the server keeps only its SHA-256.
constexpr char kKey[] =
    "6c696d6974732d62656e63682d6b65792d6e6f742d612d7265616c2d6f6e6521";

// ---------------------------------------------------------------------------
// The servers.

struct Stubs {
  std::unique_ptr<CatalogService::Stub> catalog;
  std::unique_ptr<PlannerService::Stub> planner;
  std::unique_ptr<SessionService::Stub> sessions;
};

struct Target {
  std::string name;
  std::unique_ptr<testing::ChildProcess> process;
  std::string key;            // Sent as x-api-key; empty for none.
  std::vector<Stubs> spread;  // kChannels connections.
  std::vector<Stubs> one;     // One connection of its own.
  int held = 0;               // Sessions started so far.

  void Authorize(grpc::ClientContext& context) const {
    if (!key.empty()) context.AddMetadata(kApiKeyMetadata, key);
  }
};

// `count` connections to `address`; `tag` keeps them apart from others.
std::vector<Stubs> Connect(const std::string& address, int count, int tag) {
  std::vector<Stubs> stubs;
  for (int i = 0; i < count; ++i) {
    // A distinct argument gives each channel its own TCP connection.
    grpc::ChannelArguments args;
    args.SetInt("yoga.bench.channel", tag * 100 + i);
    auto channel = grpc::CreateCustomChannel(
        address, grpc::InsecureChannelCredentials(), args);
    channel->WaitForConnected(
        absl::ToChronoTime(absl::Now() + absl::Seconds(5)));
    stubs.push_back({CatalogService::NewStub(channel),
                     PlannerService::NewStub(channel),
                     SessionService::NewStub(channel)});
  }
  return stubs;
}

// Starts yoga-studio with `extra` flags; null (and a line saying why) if it
// does not start.
std::unique_ptr<Target> Start(const std::string& name,
                              const std::vector<std::string>& extra,
                              const std::string& key, int tag) {
  std::vector<std::string> args = {"--listen=127.0.0.1:0", "--database=memory",
                                   "--shutdown_grace=2s"};
  args.insert(args.end(), extra.begin(), extra.end());
  auto target = std::make_unique<Target>();
  target->name = name;
  target->key = key;
  // Its log (one line per call) goes to a temporary file that it removes.
  target->process = std::make_unique<testing::ChildProcess>(
      YOGA_BINARY_DIR "/bin/yoga-studio", args);
  absl::StatusOr<std::string> address =
      target->process->WaitForAddress(absl::Seconds(30));
  if (!address.ok()) {
    std::printf("  %s: yoga-studio did not start: %s\n%s\n", name.c_str(),
                std::string(address.status().message()).c_str(),
                target->process->Stderr().c_str());
    return nullptr;
  }
  target->spread = Connect(*address, kChannels, tag);
  target->one = Connect(*address, 1, tag + 50);
  return target;
}

// ---------------------------------------------------------------------------
// The phases.

LoadPlan Unary(int callers) {
  return {.callers = callers, .warm_up = kWarmUp, .window = kWindow};
}

Phase GetPose(const Target& target, const LoadPlan& plan,
              const std::vector<Stubs>& stubs) {
  yoga::catalog::v1::GetPoseRequest request;
  request.set_id(kPoseId);
  return bench::Measure(plan, target.process->pid(),
                        [&](int caller, grpc::ClientContext& context) {
                          target.Authorize(context);
                          yoga::catalog::v1::Pose pose;
                          return stubs[caller % stubs.size()].catalog->GetPose(
                              &context, request, &pose);
                        });
}

Phase ComposePreset(const Target& target) {
  yoga::planner::v1::ComposeRoutineRequest request;
  request.set_preset_id(kPreset);
  return bench::Measure(
      Unary(kCallers), target.process->pid(),
      [&](int caller, grpc::ClientContext& context) {
        target.Authorize(context);
        yoga::type::v1::Routine routine;
        return target.spread[caller % kChannels].planner->ComposeRoutine(
            &context, request, &routine);
      });
}

yoga::session::v1::StartSessionRequest StartRequest() {
  yoga::session::v1::StartSessionRequest request;
  request.mutable_compose()->set_preset_id(kPreset);
  return request;
}

// Starts sessions until the target holds `level` (uncounted).
void HoldSessions(Target& target, int level) {
  if (target.held >= level) return;
  const auto request = StartRequest();
  const Phase started = bench::Measure(
      {.callers = kSessionCallers,
       .window = absl::Seconds(60),
       .calls = level - target.held},
      target.process->pid(), [&](int caller, grpc::ClientContext& context) {
        target.Authorize(context);
        yoga::session::v1::Session session;
        return target.spread[caller % kChannels].sessions->StartSession(
            &context, request, &session);
      });
  target.held += static_cast<int>(started.calls);
  if (!started.failures.empty())
    std::printf("  (%s: holding %d sessions: StartSession failed: %s)\n",
                target.name.c_str(), level, Failures(started.failures).c_str());
}

// kSessionPairs of StartSession then GetSession of the session it made.
Phase StartAndGet(Target& target) {
  const auto request = StartRequest();
  const Phase phase = bench::Measure(
      {.callers = kSessionCallers,
       .window = kSessionBound,
       .calls = kSessionPairs},
      target.process->pid(), [&](int caller, grpc::ClientContext& context) {
        const Stubs& stubs = target.spread[caller % kChannels];
        target.Authorize(context);
        yoga::session::v1::Session session;
        grpc::Status status =
            stubs.sessions->StartSession(&context, request, &session);
        if (!status.ok()) return status;
        grpc::ClientContext get_context;
        get_context.set_deadline(context.deadline());
        target.Authorize(get_context);
        yoga::session::v1::GetSessionRequest get;
        get.set_id(session.id());
        return stubs.sessions->GetSession(&get_context, get, &session);
      });
  target.held += static_cast<int>(phase.calls);
  return phase;
}

// Runs `measure` on each target `rounds` times, each round in an order
// rotated by one; returns each target's rounds combined.
std::vector<Phase> InTurns(const std::vector<Target*>& targets,
                           const std::function<Phase(Target&)>& measure,
                           int rounds = kRounds) {
  std::vector<std::vector<Phase>> turns(targets.size());
  for (int round = 0; round < rounds; ++round) {
    for (size_t i = 0; i < targets.size(); ++i) {
      const size_t t = (i + round) % targets.size();
      turns[t].push_back(measure(*targets[t]));
    }
  }
  std::vector<Phase> combined;
  for (const auto& phases : turns) combined.push_back(bench::Combine(phases));
  return combined;
}

// ---------------------------------------------------------------------------
// Report.

std::string Ratio(double value, double base) {
  return base > 0 ? absl::StrFormat("%.2f", value / base) : "-";
}

void PrintHeading(const char* first) {
  std::printf("  %-16s %-16s %9s  %5s  %7s  %7s  %9s  %5s   %-15s\n", first,
              "server", "calls/s", "ratio", "p50 ms", "p99 ms", "srv us/call",
              "ratio", "CPU srv/cli/oth");
}

// The server's CPU time per counted call, in microseconds: the cost a busy
// machine changes least (it slows the calls, not what each one takes).
double ServerMicrosPerCall(const Phase& phase) {
  if (phase.calls == 0) return 0;
  return phase.cpu.server / 100 * absl::ToDoubleSeconds(phase.measured) /
         static_cast<double>(phase.calls) * 1e6;
}

// One row; `base` is the pair's baseline (null on the baseline's own row).
void PrintRow(const std::string& first, const std::string& server,
              const Phase& phase, const Phase* base) {
  const double micros = ServerMicrosPerCall(phase);
  std::printf(
      "  %-16s %-16s %9.0f  %5s  %7.2f  %7.2f  %11.1f  %5s   "
      "%3.0f/%3.0f/%3.0f %%\n",
      first.c_str(), server.c_str(), phase.per_second,
      base == nullptr ? "base"
                      : Ratio(phase.per_second, base->per_second).c_str(),
      phase.p50_ms, phase.p99_ms, micros,
      base == nullptr ? "base"
                      : Ratio(micros, ServerMicrosPerCall(*base)).c_str(),
      phase.cpu.server, phase.cpu.client, phase.cpu.others);
  if (!phase.failures.empty())
    std::printf("  %-16s (%s: failed: %s)\n", "", server.c_str(),
                Failures(phase.failures).c_str());
}

// The unlimited, default-limits and keyed rows of one measurement.
void PrintTrio(const std::string& rpc, const Phase& unlimited,
               const Phase& limited, const Phase& keyed) {
  PrintRow(rpc, "unlimited", unlimited, nullptr);
  PrintRow("", "default limits", limited, &unlimited);
  PrintRow("", "default + key", keyed, &limited);
}

int Main() {
  const absl::Time begin = absl::Now();
  namespace fs = std::filesystem;
  std::string dir =
      (fs::temp_directory_path() / "yoga-limits-bench-XXXXXX").string();
  if (mkdtemp(dir.data()) == nullptr) {
    std::printf("cannot make a temporary directory\n");
    return 1;
  }
  const std::string keys_path = dir + "/api_keys";
  std::ofstream(keys_path) << kKeyId << " sha256=" << Sha256Hex(kKey)
                           << " permissions=planner,sessions"
                           << " rate=100000 burst=100000\n";

  auto unlimited = Start(
      "unlimited",
      {absl::StrCat("--max_concurrent_streams=", kMaxConcurrentStreamsRange[1]),
       absl::StrCat("--max_request_bytes=", kMaxRequestBytesRange[1]),
       absl::StrCat("--memory_quota_mib=", kMemoryQuotaMibRange[1])},
      "", 1);
  auto limited = Start("default limits", {}, "", 2);
  auto keyed = Start("default + key", {"--api_keys=" + keys_path}, kKey, 3);
  std::error_code ignored;
  if (unlimited == nullptr || limited == nullptr || keyed == nullptr) {
    fs::remove_all(dir, ignored);
    return 1;
  }

  std::printf(
      "Limits cost: three yoga-studio processes on 127.0.0.1, "
      "--database=memory, loaded in turn;\n"
      "unlimited: --max_concurrent_streams=%d --max_request_bytes=%d "
      "--memory_quota_mib=%d; default limits: %d streams a connection, "
      "%d-byte requests, %d MiB;\n"
      "default + key: --api_keys with one key (rate and burst 100000). "
      "Ratios: default limits / unlimited, default + key / default limits.\n"
      "Each row: %d turns, in rotation with the other rows of its "
      "comparison. Unary: %d callers with blocking stubs over %d "
      "connections, %s warm-up and %s window a turn\n",
      kMaxConcurrentStreamsRange[1], kMaxRequestBytesRange[1],
      kMemoryQuotaMibRange[1], ServerOptions().max_concurrent_streams,
      ServerOptions().max_request_bytes, ServerOptions().memory_quota_mib,
      kRounds, kCallers, kChannels, absl::FormatDuration(kWarmUp).c_str(),
      absl::FormatDuration(kWindow).c_str());
  const std::vector<Target*> all = {unlimited.get(), limited.get(),
                                    keyed.get()};
  PrintHeading("RPC");
  {
    const auto rows = InTurns(all, [](const Target& target) {
      return GetPose(target, Unary(kCallers), target.spread);
    });
    PrintTrio("GetPose", rows[0], rows[1], rows[2]);
  }
  {
    const auto rows = InTurns(all, ComposePreset);
    PrintTrio("ComposeRoutine", rows[0], rows[1], rows[2]);
  }
  std::fflush(stdout);

  std::printf(
      "GetPose from %d callers on one connection (the default lets %d "
      "of them call at once)\n",
      kOverCapCallers, ServerOptions().max_concurrent_streams);
  PrintHeading("RPC");
  {
    const auto rows =
        InTurns({unlimited.get(), limited.get()}, [](const Target& target) {
          return GetPose(target, Unary(kOverCapCallers), target.one);
        });
    PrintRow("GetPose", "unlimited", rows[0], nullptr);
    PrintRow("", "default limits", rows[1], &rows[0]);
  }
  std::fflush(stdout);

  std::printf(
      "StartSession of %s then GetSession of it: %d turns of %d pairs from %d "
      "callers over %d connections; the keyed server's sessions are all the "
      "key's (calls/s are pairs)\n",
      kPreset, kSessionRounds, kSessionPairs, kSessionCallers, kChannels);
  PrintHeading("sessions held");
  for (const int level : kHeldLevels) {
    HoldSessions(*limited, level);
    HoldSessions(*keyed, level);
    const int held_before = limited->held;
    const auto rows =
        InTurns({limited.get(), keyed.get()}, StartAndGet, kSessionRounds);
    const std::string held = absl::StrCat(held_before, " to ", limited->held);
    PrintRow(held, "default limits", rows[0], nullptr);
    PrintRow("", "default + key", rows[1], &rows[0]);
    std::fflush(stdout);
  }

  for (Target* target : {unlimited.get(), limited.get(), keyed.get()}) {
    target->spread.clear();
    target->one.clear();
    if (!target->process->Stop(SIGTERM, absl::Seconds(10)).has_value())
      std::printf("  (%s: yoga-studio did not stop within 10 s of SIGTERM)\n",
                  target->name.c_str());
  }
  fs::remove_all(dir, ignored);
  std::printf(
      "CPU is %% of one core in the window: yoga-studio / this client "
      "/ every other process; %.0f s in all\n",
      absl::ToDoubleSeconds(absl::Now() - begin));
  return 0;
}

}  // namespace
}  // namespace yoga

int main() { return yoga::Main(); }
