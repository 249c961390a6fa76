// What a database costs the session and planner services: one yoga-studio
// child process per backend (--database=memory, the SQLite file in a temporary
// --data_dir, and a PostgreSQL server of our own on 127.0.0.1), each loaded
// over loopback by kThreads threads with blocking stubs, one channel each. For
// each backend, after a warm-up, for a fixed window, it reports throughput
// and p50/p99 latency of
//   - StartSession of a preset with a profile: one session row written;
//   - ControlSession, PAUSE and RESUME in turn on sessions each thread started:
//     one session row updated (with PostgreSQL, shared by replicas, also one
//     read of the row first);
//   - ComposeRoutine from constraints, a new seed and a length of 5 to 15
//     minutes each call: one routine row written (a call that makes a routine
//     already made writes nothing new; the bench counts the distinct ones).
// Throughputs are ratios of the memory row of the same run, so that the
// machine's speed cancels out (its load does not: the CPU of every other
// process is printed too). SQLite runs as the product runs it (WAL,
// synchronous=FULL: an fsync per write); the PostgreSQL test server runs with
// fsync off, so its row is the cost of the protocol and the pool, not of the
// disk. Run with ./dev bench; the numbers are reported, never asserted.
#include <sys/statfs.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/support/channel_arguments.h"
#include "services/common/errors.h"
#include "services/common/proto_time.h"
#include "tests/bench/call_load.h"
#include "tests/integration/server_process.h"
#include "tests/testing/postgres_server.h"
#include "yoga/planner/v1/planner_service.grpc.pb.h"
#include "yoga/session/v1/session_service.grpc.pb.h"

namespace yoga {
namespace {

using yoga::bench::CpuShare;
using yoga::bench::Failures;
using yoga::bench::Phase;
using yoga::planner::v1::PlannerService;
using yoga::session::v1::SessionService;

constexpr int kThreads = 8;
constexpr absl::Duration kWarmUp = absl::Milliseconds(500);
constexpr absl::Duration kWindow = absl::Seconds(3);
// Sessions each thread keeps for the control phase: controls spread over many
// rows, and each session stays far below its limit of controls.
constexpr size_t kControlSessions = 64;
// Past this, the backends not yet run are skipped: the bench stays bounded.
constexpr absl::Duration kBudget = absl::Seconds(50);
constexpr char kPreset[] = "runners-lower-back-four";
constexpr char kProfile[] = "bench";

// ---------------------------------------------------------------------------
// The load client.

// One thread's connection to the server.
struct Client {
  std::shared_ptr<grpc::Channel> channel;
  std::unique_ptr<SessionService::Stub> sessions;
  std::unique_ptr<PlannerService::Stub> planner;
  std::vector<std::string> session_ids;  // Started by this thread.
  std::vector<bool> paused;              // Of session_ids.
  size_t next_control = 0;
  std::set<std::string> routine_ids;  // Composed by this thread.
  int64_t composed = 0;
};

std::vector<std::unique_ptr<Client>> Connect(const std::string& address) {
  std::vector<std::unique_ptr<Client>> clients;
  for (int i = 0; i < kThreads; ++i) {
    // A distinct argument gives each channel its own TCP connection.
    grpc::ChannelArguments args;
    args.SetInt("yoga.bench.channel", i);
    auto client = std::make_unique<Client>();
    client->channel = grpc::CreateCustomChannel(
        address, grpc::InsecureChannelCredentials(), args);
    client->channel->WaitForConnected(
        absl::ToChronoTime(absl::Now() + absl::Seconds(5)));
    client->sessions = SessionService::NewStub(client->channel);
    client->planner = PlannerService::NewStub(client->channel);
    clients.push_back(std::move(client));
  }
  return clients;
}

// One call of a phase on `client`, with its deadline already set.
using Call =
    std::function<grpc::Status(Client& client, grpc::ClientContext& context)>;

// Runs `call` in a loop on every client for kWarmUp + kWindow; counts the
// calls that succeed and end inside the window.
Phase Measure(std::vector<std::unique_ptr<Client>>& clients, pid_t server,
              const Call& call) {
  const bench::LoadPlan plan = {.callers = static_cast<int>(clients.size()),
                                .warm_up = kWarmUp,
                                .window = kWindow};
  return bench::Measure(plan, server,
                        [&](int caller, grpc::ClientContext& context) {
                          return call(*clients[caller], context);
                        });
}

yoga::session::v1::StartSessionRequest StartRequest() {
  yoga::session::v1::StartSessionRequest request;
  request.mutable_compose()->set_preset_id(kPreset);
  request.set_profile_id(kProfile);
  return request;
}

// ---------------------------------------------------------------------------
// One backend.

struct BackendRun {
  std::string name;
  std::string skipped;  // Why, when it did not run.
  Phase start, control, compose;
  int64_t composed = 0;  // Warm-up included.
  int64_t distinct_routines = 0;
};

BackendRun Skipped(const std::string& name, const std::string& why) {
  BackendRun run;
  run.name = name;
  run.skipped = why;
  return run;
}

BackendRun Run(const std::string& name, const std::string& database,
               const std::string& data_dir) {
  BackendRun run;
  run.name = name;
  std::vector<std::string> args = {
      "--listen=127.0.0.1:0", absl::StrCat("--database=", database),
      // Every session started stays held for the control phase.
      "--max_sessions=1000000", "--shutdown_grace=2s"};
  if (!data_dir.empty()) args.push_back(absl::StrCat("--data_dir=", data_dir));
  // Its log (one line per call) goes to a temporary file that it removes.
  testing::ChildProcess studio(YOGA_BINARY_DIR "/bin/yoga-studio", args);
  absl::StatusOr<std::string> address =
      studio.WaitForAddress(absl::Seconds(30));
  if (!address.ok()) {
    run.skipped =
        absl::StrCat("yoga-studio did not start: ", address.status().message());
    return run;
  }
  std::vector<std::unique_ptr<Client>> clients = Connect(*address);

  const auto start_request = StartRequest();
  run.start = Measure(
      clients, studio.pid(), [&](Client& client, grpc::ClientContext& context) {
        yoga::session::v1::Session session;
        grpc::Status status =
            client.sessions->StartSession(&context, start_request, &session);
        if (status.ok() && client.session_ids.size() < kControlSessions) {
          client.session_ids.push_back(session.id());
          client.paused.push_back(false);
        }
        return status;
      });

  run.control = Measure(
      clients, studio.pid(), [&](Client& client, grpc::ClientContext& context) {
        if (client.session_ids.empty()) {
          absl::SleepFor(absl::Milliseconds(10));  // Counted, not spun on.
          return grpc::Status(grpc::StatusCode::FAILED_PRECONDITION,
                              "no session started");
        }
        const size_t i = client.next_control++ % client.session_ids.size();
        yoga::session::v1::ControlSessionRequest request;
        request.set_session_id(client.session_ids[i]);
        request.set_action(client.paused[i]
                               ? yoga::session::v1::CONTROL_ACTION_RESUME
                               : yoga::session::v1::CONTROL_ACTION_PAUSE);
        yoga::session::v1::Session session;
        grpc::Status status =
            client.sessions->ControlSession(&context, request, &session);
        // FAILED_PRECONDITION: it was already in the other state.
        if (status.ok() ||
            status.error_code() == grpc::StatusCode::FAILED_PRECONDITION)
          client.paused[i] = !client.paused[i];
        return status;
      });

  std::atomic<uint64_t> seed{1};
  run.compose = Measure(
      clients, studio.pid(), [&](Client& client, grpc::ClientContext& context) {
        yoga::planner::v1::ComposeRoutineRequest request;
        auto& constraints = *request.mutable_constraints();
        // A seed alone makes a few hundred routines: the length varies too,
        // to the second, so that most calls make a new one.
        const uint64_t n = seed++;
        *constraints.mutable_target_duration() = ToProtoDuration(
            absl::Minutes(5) + absl::Seconds(static_cast<int64_t>(n % 601)));
        constraints.set_seed(n);
        yoga::type::v1::Routine routine;
        grpc::Status status =
            client.planner->ComposeRoutine(&context, request, &routine);
        if (status.ok()) {
          client.routine_ids.insert(routine.id());
          ++client.composed;
        }
        return status;
      });
  std::set<std::string> routine_ids;
  for (const auto& client : clients) {
    routine_ids.insert(client->routine_ids.begin(), client->routine_ids.end());
    run.composed += client->composed;
  }
  run.distinct_routines = static_cast<int64_t>(routine_ids.size());

  clients.clear();
  if (!studio.Stop(SIGTERM, absl::Seconds(10)).has_value())
    std::printf(
        "  (%s: yoga-studio did not stop within 10 s of SIGTERM; "
        "killed it)\n",
        name.c_str());
  return run;
}

// ---------------------------------------------------------------------------
// Report.

std::string Ratio(double value, double base) {
  return base > 0 ? absl::StrFormat("%.2f", value / base) : "-";
}

std::string Columns(const Phase& phase, const Phase& base) {
  return absl::StrFormat("%8.0f  %5s  %6.2f  %6.2f", phase.per_second,
                         Ratio(phase.per_second, base.per_second), phase.p50_ms,
                         phase.p99_ms);
}

void PrintTables(const std::vector<BackendRun>& runs) {
  const BackendRun* memory = nullptr;
  for (const BackendRun& run : runs)
    if (run.name == "memory" && run.skipped.empty()) memory = &run;
  const BackendRun none;
  const BackendRun& base = memory != nullptr ? *memory : none;
  std::printf("  %-11s %8s  %5s  %6s  %6s   %9s  %5s  %6s  %6s\n", "backend",
              "start/s", "ratio", "p50 ms", "p99 ms", "control/s", "ratio",
              "p50 ms", "p99 ms");
  for (const BackendRun& run : runs) {
    if (!run.skipped.empty()) {
      std::printf("  %-11s (skipped: %s)\n", run.name.c_str(),
                  run.skipped.c_str());
      continue;
    }
    std::printf("  %-11s %s    %s\n", run.name.c_str(),
                Columns(run.start, base.start).c_str(),
                Columns(run.control, base.control).c_str());
  }
  std::printf("  %-11s %11s  %5s  %6s  %6s\n", "backend", "compose/s", "ratio",
              "p50 ms", "p99 ms");
  for (const BackendRun& run : runs) {
    if (!run.skipped.empty()) continue;
    std::printf("  %-11s %s   (%lld distinct routines of %lld composed)\n",
                run.name.c_str(), Columns(run.compose, base.compose).c_str(),
                static_cast<long long>(run.distinct_routines),
                static_cast<long long>(run.composed));
  }
  std::printf(
      "CPU in the windows, %% of one core, start / control / compose:\n");
  for (const BackendRun& run : runs) {
    if (!run.skipped.empty()) continue;
    const Phase* phases[] = {&run.start, &run.control, &run.compose};
    auto shares = [&](double CpuShare::*field) {
      return absl::StrFormat("%3.0f / %3.0f / %3.0f", phases[0]->cpu.*field,
                             phases[1]->cpu.*field, phases[2]->cpu.*field);
    };
    std::printf(
        "  %-11s yoga-studio %s   this client %s   other processes %s\n",
        run.name.c_str(), shares(&CpuShare::server).c_str(),
        shares(&CpuShare::client).c_str(), shares(&CpuShare::others).c_str());
  }
  for (const BackendRun& run : runs) {
    const std::pair<const char*, const Phase*> phases[] = {
        {"StartSession", &run.start},
        {"ControlSession", &run.control},
        {"ComposeRoutine", &run.compose}};
    for (const auto& [rpc, phase] : phases) {
      if (!phase->failures.empty())
        std::printf("  (%s: %s failed: %s)\n", run.name.c_str(), rpc,
                    Failures(phase->failures).c_str());
    }
  }
}

// The file system type of `path`, when writes there cost no disk.
std::string MemoryFileSystemNote(const std::string& path) {
  struct statfs info;
  if (statfs(path.c_str(), &info) != 0) return "";
  constexpr long kTmpfs = 0x01021994;
  constexpr long kRamfs = 0x858458f6;
  if (info.f_type == kTmpfs || info.f_type == kRamfs)
    return " (on a memory file system: its fsyncs cost nothing)";
  return "";
}

int Main() {
  const absl::Time begin = absl::Now();
  namespace fs = std::filesystem;
  std::string data_dir =
      (fs::temp_directory_path() / "yoga-store-bench-XXXXXX").string();
  if (mkdtemp(data_dir.data()) == nullptr) {
    std::printf("cannot make a temporary directory\n");
    return 1;
  }
  std::printf(
      "Database cost on one yoga-studio over loopback: %d threads, blocking "
      "stubs, one channel each; %s warm-up, %s window per RPC;\n"
      "StartSession of %s (one row written), ControlSession PAUSE/RESUME "
      "(one row updated), ComposeRoutine of 5-15 min, new seed each call\n"
      "SQLite in %s, WAL, synchronous=FULL%s; PostgreSQL's test server runs "
      "with "
      "fsync=off\n",
      kThreads, absl::FormatDuration(kWarmUp).c_str(),
      absl::FormatDuration(kWindow).c_str(), kPreset, data_dir.c_str(),
      MemoryFileSystemNote(data_dir).c_str());
  std::fflush(stdout);

  std::vector<BackendRun> runs;
  runs.push_back(Run("memory", "memory", ""));
  runs.push_back(Run("sqlite", "", data_dir));
  std::error_code ignored;
  fs::remove_all(data_dir, ignored);

  if (!testing::PostgresServer::Available()) {
    runs.push_back(Skipped(
        "postgresql", "no PostgreSQL server installed (package postgresql)"));
  } else if (absl::Now() - begin > kBudget) {
    runs.push_back(Skipped("postgresql", "out of time for this bench"));
  } else {
    absl::StatusOr<std::unique_ptr<testing::PostgresServer>> server =
        testing::PostgresServer::Start();
    if (!server.ok()) {
      runs.push_back(
          Skipped("postgresql", absl::StrCat("PostgreSQL did not start: ",
                                             server.status().message())));
    } else {
      runs.push_back(Run("postgresql", (*server)->url(), ""));
    }
  }
  PrintTables(runs);
  std::printf("Ratios are against memory in this run; %.0f s in all\n",
              absl::ToDoubleSeconds(absl::Now() - begin));
  return 0;
}

}  // namespace
}  // namespace yoga

int main() { return yoga::Main(); }
