// StreamCues at scale: N concurrent cue streams (1,000, 5,000 and 10,000) on
// one yoga-studio child process over loopback, driven by a load client in this
// file (gRPC's callback API, no thread per stream, streams spread over
// kChannels TCP connections). Each N gets a fresh server, so that its idle
// state is the baseline for memory and CPU, and N sessions started evenly over
// kStartSpread, one stream each. For each N it reports:
//   - lateness of each cue against its schedule. A cue is due to be sent at
//     session time offset_ms - lookahead (DESIGN.md, "Timing model"). The
//     server stamps session_time_ms when it sends a cue, so "send" lateness is
//     session_time_ms - due (whole milliseconds, rounded down: the wake
//     scheduler's slip). "recv" lateness is when this client read the cue
//     minus the due time on the wall clock (create_time + due; no pauses), so
//     it adds gRPC's write path and this client's own queueing. Only cues due
//     inside the measured window, after every stream is open, are counted:
//     cues released in a burst at connect were never on time to begin with;
//   - server RSS per stream: growth of VmRSS from the idle server to the end of
//     the window, divided by N, split into the sessions' share (after
//     StartSession) and the streams' share;
//   - CPU over the window, in % of one core, of the server, of its busiest
//     thread (one near 100 % is a ceiling that more cores do not lift), of this
//     client (the two share the machine's cores, so a busy client delays
//     reads) and of every other process (a build or test run next to the
//     bench makes its lateness meaningless).
// Ratios are against the 1,000-stream run. Then one class of 1,000 mats (one
// session, 1,000 streams: a studio's group class) beside 1,000 separate
// sessions: the same lateness, memory per mat and CPU per stream, so the cost
// of fanning one class out shows against that of as many sessions. A class
// releases its cues --class_cue_lead (25 ms) before a session's due time, so
// that the fan-out to every mat ends by then; its lateness is still counted
// against the session's due time (what a mat is promised: the cue a full
// lookahead before it plays), and its row adds the fan-out itself: for each
// cue, the last mat's send and receive time minus the first's. Run with
// ./dev bench; the numbers are reported, never asserted. `--only_class` runs
// just the class and the 1,000 sessions it is compared with.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/support/channel_arguments.h"
#include "services/common/errors.h"
#include "services/common/proto_time.h"
#include "tests/bench/process_cpu.h"
#include "yoga/session/v1/session_service.grpc.pb.h"

namespace yoga {
namespace {

using yoga::bench::CpuSeconds;
using yoga::bench::OthersCpuSeconds;
using yoga::bench::OwnCpuSeconds;
using yoga::bench::ThreadCpu;
using yoga::bench::ThreadCpus;
using yoga::session::v1::CueEvent;
using yoga::session::v1::SessionService;

constexpr int kStreamCounts[] = {1000, 5000, 10000};
// Mats in the one class measured beside as many sessions.
constexpr int kClassMats = 1000;
constexpr int kChannels = 16;
constexpr int kStartThreads = 32;
// The server's default --cue_lookahead; the server is started with it.
constexpr int64_t kLookaheadMs = 1500;
constexpr absl::Duration kLeadIn = absl::Seconds(2);
constexpr absl::Duration kWindow = absl::Seconds(20);
constexpr absl::Duration kIdleWindow = absl::Seconds(2);
// Sessions start evenly over kStartSpread, not as fast as the server takes
// them: every session plays the same timeline, so how tightly the starts are
// packed sets how many cues fall due at once. A fixed spread keeps the load the
// same from run to run (and from a faster StartSession to a slower one).
constexpr absl::Duration kStartSpread = absl::Seconds(2);
constexpr absl::Duration kStartBudget = absl::Seconds(60);
constexpr absl::Duration kOpenBudget = absl::Seconds(30);
constexpr absl::Duration kDrainBudget = absl::Seconds(15);
constexpr char kPreset[] = "runners-lower-back-four";

// ---------------------------------------------------------------------------
// The server under test.

// yoga-studio as a child process that dies with the bench.
class Studio {
 public:
  // Starts it and reads "listening on HOST:PORT"; nullptr when it fails.
  static std::unique_ptr<Studio> Start();
  ~Studio() {
    Stop();
    close(out_);
  }

  pid_t pid() const { return pid_; }
  const std::string& address() const { return address_; }
  // SIGTERM, a bounded wait, then SIGKILL.
  void Stop();
  void Kill();

 private:
  Studio(pid_t pid, int out) : pid_(pid), out_(out) {}
  bool WaitForExit(absl::Duration timeout);
  bool ReadAddress(absl::Duration timeout);

  const pid_t pid_;
  const int out_;  // Read end of the child's stdout.
  std::string address_;
  bool exited_ = false;
};

std::unique_ptr<Studio> Studio::Start() {
  const std::string program = YOGA_BINARY_DIR "/bin/yoga-studio";
  // The load client carries thousands of runners' streams over kChannels
  // connections, where each runner's own client would have one: the
  // per-connection stream limit is raised to fit them. Sessions stay in
  // memory: this measures the streams (store_bench the database), and
  // thousands of streams opened in one burst would overflow the database
  // executor's queue (UNAVAILABLE SERVER_BUSY, as designed) where runners'
  // clients, opening at their own pace, would retry.
  const std::vector<std::string> args = {
      program,
      "--listen=127.0.0.1:0",
      "--database=memory",
      "--max_sessions=20000",
      "--heartbeat=1s",
      "--shutdown_grace=2s",
      absl::StrCat("--max_concurrent_streams=", 10000 / kChannels + 100)};
  std::vector<char*> argv;
  for (const std::string& arg : args)
    argv.push_back(const_cast<char*>(arg.c_str()));
  argv.push_back(nullptr);
  int pipe_fds[2];
  if (pipe2(pipe_fds, O_CLOEXEC) != 0) return nullptr;
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid == 0) {  // Only async-signal-safe calls until execv.
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(127);
    const int null = open("/dev/null", O_RDWR);
    dup2(null, STDIN_FILENO);
    dup2(pipe_fds[1], STDOUT_FILENO);
    // One log line per RPC: its cost stays in the server, its text goes away.
    dup2(null, STDERR_FILENO);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    execv(program.c_str(), argv.data());
    _exit(127);
  }
  close(pipe_fds[1]);
  if (pid < 0) {
    close(pipe_fds[0]);
    return nullptr;
  }
  std::unique_ptr<Studio> studio(new Studio(pid, pipe_fds[0]));
  if (!studio->ReadAddress(absl::Seconds(30))) {
    std::printf("  yoga-studio (%s) did not report its address\n",
                program.c_str());
    return nullptr;
  }
  return studio;
}

bool Studio::ReadAddress(absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  std::string out;
  while (out.find('\n') == std::string::npos) {
    const absl::Duration left = deadline - absl::Now();
    if (left <= absl::ZeroDuration()) return false;
    pollfd fd = {out_, POLLIN, 0};
    if (poll(&fd, 1, static_cast<int>(absl::ToInt64Milliseconds(left)) + 1) <=
        0)
      continue;
    char buffer[256];
    const ssize_t n = read(out_, buffer, sizeof(buffer));
    if (n <= 0) return false;  // The server exited.
    out.append(buffer, static_cast<size_t>(n));
  }
  absl::string_view first(out.data(), out.find('\n'));
  if (!absl::ConsumePrefix(&first, "listening on ")) return false;
  address_ = std::string(first);
  return true;
}

bool Studio::WaitForExit(absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (!exited_) {
    if (waitpid(pid_, nullptr, WNOHANG) == pid_) {
      exited_ = true;
    } else if (absl::Now() >= deadline) {
      return false;
    } else {
      absl::SleepFor(absl::Milliseconds(10));
    }
  }
  return true;
}

void Studio::Stop() {
  if (exited_) return;
  kill(pid_, SIGTERM);
  if (!WaitForExit(absl::Seconds(10))) {
    std::printf("  (yoga-studio did not stop within 10 s of SIGTERM)\n");
    Kill();
  }
}

void Studio::Kill() {
  if (exited_) return;
  kill(pid_, SIGKILL);
  WaitForExit(absl::Seconds(10));
}

// ---------------------------------------------------------------------------
// Process readings.

int64_t RssKiB(pid_t pid) { return bench::StatusField(pid, "VmRSS"); }
int64_t Threads(pid_t pid) { return bench::StatusField(pid, "Threads"); }

// CPU of the server and of this process over a stretch of wall time.
class CpuMeter {
 public:
  explicit CpuMeter(pid_t server)
      : server_(server),
        start_(absl::Now()),
        server_start_(CpuSeconds(server)),
        threads_start_(ThreadCpus(server)),
        own_start_(OwnCpuSeconds()),
        others_start_(OthersCpuSeconds(server)) {}
  // % of one core since construction.
  double ServerPercent() const {
    return 100 * (CpuSeconds(server_) - server_start_) / Elapsed();
  }
  double OwnPercent() const {
    return 100 * (OwnCpuSeconds() - own_start_) / Elapsed();
  }
  // Every other process on the machine: the numbers are only as good as this
  // is small.
  double OthersPercent() const {
    return 100 * (OthersCpuSeconds(server_) - others_start_) / Elapsed();
  }
  // The server thread that used the most CPU since construction, with its
  // share of one core: one thread near 100 % is a ceiling more cores do not
  // lift.
  ThreadCpu BusiestServerThread() const {
    ThreadCpu busiest;
    for (const auto& [tid, now] : ThreadCpus(server_)) {
      auto before = threads_start_.find(tid);
      const double used =
          now.seconds -
          (before == threads_start_.end() ? 0 : before->second.seconds);
      if (used > busiest.seconds) busiest = {now.name, used};
    }
    busiest.seconds = 100 * busiest.seconds / Elapsed();
    return busiest;
  }

 private:
  double Elapsed() const { return absl::ToDoubleSeconds(absl::Now() - start_); }
  const pid_t server_;
  const absl::Time start_;
  const double server_start_;
  const std::map<std::string, ThreadCpu> threads_start_;
  const double own_start_;
  const double others_start_;
};

double Ratio(double value, double base) { return base > 0 ? value / base : 0; }

// "x1.32", or the two values when a ratio would mislead (a baseline of 0, a
// value below 0).
std::string RatioText(double value, double base) {
  if (base > 0 && value >= 0) return absl::StrFormat("x%.2f", value / base);
  return absl::StrFormat("%.1f vs %.1f", value, base);
}

// "UNAVAILABLE x3, CANCELLED x1".
std::string Codes(const std::map<int, int>& codes) {
  std::vector<std::string> parts;
  for (const auto& [code, count] : codes)
    parts.push_back(absl::StrCat(
        StatusCodeName(static_cast<grpc::StatusCode>(code)), " x", count));
  return absl::StrJoin(parts, ", ");
}

// ---------------------------------------------------------------------------
// The load client.

std::vector<std::unique_ptr<SessionService::Stub>> Connect(
    const std::string& address) {
  std::vector<std::unique_ptr<SessionService::Stub>> stubs;
  for (int i = 0; i < kChannels; ++i) {
    // A distinct argument gives each channel its own subchannel, and so its
    // own TCP connection.
    grpc::ChannelArguments args;
    args.SetInt("yoga.bench.channel", i);
    stubs.push_back(SessionService::NewStub(grpc::CreateCustomChannel(
        address, grpc::InsecureChannelCredentials(), args)));
  }
  return stubs;
}

struct StartedSession {
  std::string id;
  absl::Time create_time;  // Session time 0.
};

yoga::session::v1::StartSessionRequest StartRequest(bool as_class) {
  yoga::session::v1::StartSessionRequest request;
  if (as_class) request.mutable_class_options();
  request.mutable_compose()->set_preset_id(kPreset);
  request.mutable_options()->set_verbosity(yoga::session::v1::VERBOSITY_FULL);
  *request.mutable_options()->mutable_lead_in() = ToProtoDuration(kLeadIn);
  return request;
}

// Starts up to `count` sessions from kStartThreads threads, evenly over
// kStartSpread, giving up after kStartBudget; returns those that started.
std::vector<StartedSession> StartSessions(
    const std::vector<std::unique_ptr<SessionService::Stub>>& stubs, int count,
    bool as_class = false) {
  const auto request = StartRequest(as_class);
  const absl::Time begin = absl::Now();
  const absl::Time give_up = begin + kStartBudget;
  std::vector<StartedSession> sessions(count);
  std::atomic<int> next{0};
  absl::Mutex mutex;
  std::map<int, int> failures;  // Status code -> count.
  std::vector<std::thread> threads;
  for (int t = 0; t < kStartThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = next++; i < count && absl::Now() < give_up; i = next++) {
        absl::SleepFor(begin + kStartSpread * i / count - absl::Now());
        grpc::ClientContext context;
        context.set_deadline(
            absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
        yoga::session::v1::Session session;
        const grpc::Status status =
            stubs[i % stubs.size()]->StartSession(&context, request, &session);
        if (status.ok()) {
          sessions[i] = {
              session.id(),
              absl::FromUnixSeconds(session.create_time().seconds()) +
                  absl::Nanoseconds(session.create_time().nanos())};
        } else {
          absl::MutexLock lock(&mutex);
          ++failures[status.error_code()];
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  if (!failures.empty()) {
    std::printf("  (StartSession failed: %s)\n", Codes(failures).c_str());
  }
  sessions.erase(
      std::remove_if(sessions.begin(), sessions.end(),
                     [](const StartedSession& s) { return s.id.empty(); }),
      sessions.end());
  return sessions;
}

// One counted cue.
struct CueSample {
  int64_t seq;
  absl::Time due;
  float send_late_ms;
  float recv_late_ms;
};

// What all streams of a run share.
class StreamTally {
 public:
  std::atomic<int> opened{0};  // Streams that got their first event.
  std::atomic<int64_t> events{0};
  std::atomic<int64_t> cues{0};

  void Done(grpc::StatusCode code) {
    absl::MutexLock lock(&mutex_);
    ++done_;
    ++codes_[code];
  }
  // Waits until `count` streams are done or `timeout` passes.
  bool WaitDone(int count, absl::Duration timeout) {
    absl::MutexLock lock(&mutex_);
    auto all_done = [&]() ABSL_SHARED_LOCKS_REQUIRED(mutex_) {
      return done_ >= count;
    };
    return mutex_.AwaitWithTimeout(absl::Condition(&all_done), timeout);
  }
  int done() {
    absl::MutexLock lock(&mutex_);
    return done_;
  }
  std::map<int, int> codes() {
    absl::MutexLock lock(&mutex_);
    return codes_;
  }

 private:
  absl::Mutex mutex_;
  int done_ ABSL_GUARDED_BY(mutex_) = 0;
  std::map<int, int> codes_ ABSL_GUARDED_BY(mutex_);
};

// One StreamCues call. Its samples may be read once OnDone has run.
class CueReader final : public grpc::ClientReadReactor<CueEvent> {
 public:
  CueReader(StreamTally& tally, const StartedSession& session)
      : tally_(tally), create_time_(session.create_time) {
    request_.set_session_id(session.id);
  }

  void Start(SessionService::Stub& stub, absl::Time deadline) {
    context_.set_deadline(absl::ToChronoTime(deadline));
    stub.async()->StreamCues(&context_, &request_, this);
    StartRead(&event_);
    StartCall();
  }
  void Cancel() { context_.TryCancel(); }

  void OnReadDone(bool ok) override {
    if (!ok) return;  // OnDone follows.
    const absl::Time now = absl::Now();
    if (first_event_ == absl::InfiniteFuture()) {
      first_event_ = now;
      ++tally_.opened;
    }
    ++tally_.events;
    if (event_.seq() > 0) {
      ++tally_.cues;
      Record(now);
    }
    StartRead(&event_);
  }
  void OnDone(const grpc::Status& status) override {
    tally_.Done(status.error_code());
  }

  const std::vector<CueSample>& samples() const { return samples_; }

 private:
  void Record(absl::Time now) {
    const int64_t due_ms = event_.offset_ms() - kLookaheadMs;
    const absl::Time due = create_time_ + absl::Milliseconds(due_ms);
    if (due <= first_event_) return;  // Released at connect.
    samples_.push_back(
        {event_.seq(), due,
         static_cast<float>(event_.session_time_ms() - due_ms),
         static_cast<float>(absl::ToDoubleMilliseconds(now - due))});
  }

  StreamTally& tally_;
  const absl::Time create_time_;
  grpc::ClientContext context_;
  yoga::session::v1::StreamCuesRequest request_;
  CueEvent event_;
  absl::Time first_event_ = absl::InfiniteFuture();
  std::vector<CueSample> samples_;
};

// ---------------------------------------------------------------------------
// One run.

struct Spread {
  double p50 = 0, p99 = 0, max = 0;
};

Spread SpreadOf(std::vector<float> values) {
  if (values.empty()) return {};
  std::sort(values.begin(), values.end());
  auto at = [&](size_t permille) {
    return values[std::min(values.size() - 1, values.size() * permille / 1000)];
  };
  return {at(500), at(990), values.back()};
}

struct RunResult {
  int streams = 0;
  int sessions = 0;
  int opened = 0;
  int64_t events = 0;
  int64_t cues = 0;
  int64_t counted = 0;
  Spread send_late;
  Spread recv_late;
  // A class: per cue, last mat minus first, sent and received.
  std::optional<Spread> send_fan_out;
  std::optional<Spread> recv_fan_out;
  int64_t idle_rss_kib = 0;
  int64_t open_rss_kib = 0;  // At the end of the window.
  double idle_cpu = 0;
  absl::Duration start_time;  // Starting every session.
  absl::Duration open_time;   // Until every stream had its first event.
  double session_kib = 0;     // RSS growth per session, before streams.
  double stream_kib = 0;      // RSS growth per stream, on top of its session.
  double server_cpu = 0;
  double client_cpu = 0;
  double others_cpu = 0;     // Every other process on the machine.
  ThreadCpu busiest_thread;  // seconds holds % of one core.
  int64_t threads = 0;
  std::map<int, int> codes;  // How streams ended, before the bench ended them.
  bool server_gone = false;  // Exited during the run: no memory numbers.
  bool stuck = false;  // Some streams never finished; their memory is leaked.
};

// Counts the samples due in [begin, end) of every reader into `result`;
// with `one_class`, also how far apart the mats got each cue.
void Summarize(const std::vector<std::unique_ptr<CueReader>>& readers,
               absl::Time begin, absl::Time end, bool one_class,
               RunResult& result) {
  std::vector<float> send, recv;
  // Per seq: earliest and latest send and receive lateness.
  struct Range {
    float send_min = 1e9, send_max = -1e9, recv_min = 1e9, recv_max = -1e9;
  };
  std::map<int64_t, Range> per_cue;
  for (const auto& reader : readers) {
    for (const CueSample& sample : reader->samples()) {
      if (sample.due < begin || sample.due >= end) continue;
      send.push_back(sample.send_late_ms);
      recv.push_back(sample.recv_late_ms);
      if (!one_class) continue;
      Range& range = per_cue[sample.seq];
      range.send_min = std::min(range.send_min, sample.send_late_ms);
      range.send_max = std::max(range.send_max, sample.send_late_ms);
      range.recv_min = std::min(range.recv_min, sample.recv_late_ms);
      range.recv_max = std::max(range.recv_max, sample.recv_late_ms);
    }
  }
  result.counted = static_cast<int64_t>(send.size());
  result.send_late = SpreadOf(std::move(send));
  result.recv_late = SpreadOf(std::move(recv));
  if (!one_class) return;
  std::vector<float> send_fan_out, recv_fan_out;
  for (const auto& [seq, range] : per_cue) {
    send_fan_out.push_back(range.send_max - range.send_min);
    recv_fan_out.push_back(range.recv_max - range.recv_min);
  }
  result.send_fan_out = SpreadOf(std::move(send_fan_out));
  result.recv_fan_out = SpreadOf(std::move(recv_fan_out));
}

// Cancels every stream and waits for them; kills the server if they hang.
bool Drain(std::vector<std::unique_ptr<CueReader>>& readers, StreamTally& tally,
           Studio& studio) {
  for (auto& reader : readers) reader->Cancel();
  const int count = static_cast<int>(readers.size());
  if (tally.WaitDone(count, kDrainBudget)) return true;
  std::printf(
      "  (%d of %d streams still open %s after cancelling; killing "
      "the server)\n",
      count - tally.done(), count, absl::FormatDuration(kDrainBudget).c_str());
  studio.Kill();
  return tally.WaitDone(count, kDrainBudget);
}

// `streams` streams: one session each, or with `one_class` all on one class.
std::optional<RunResult> Run(int streams, bool one_class = false) {
  std::unique_ptr<Studio> studio = Studio::Start();
  if (studio == nullptr) return std::nullopt;
  RunResult result;
  result.streams = streams;
  const pid_t pid = studio->pid();
  auto stubs = Connect(studio->address());

  absl::SleepFor(absl::Seconds(1));  // Let start-up settle.
  {
    CpuMeter idle(pid);
    absl::SleepFor(kIdleWindow);
    result.idle_cpu = idle.ServerPercent();
  }
  result.idle_rss_kib = RssKiB(pid);

  const absl::Time start_begin = absl::Now();
  std::vector<StartedSession> sessions =
      StartSessions(stubs, one_class ? 1 : streams, one_class);
  // Every mat follows the one class.
  if (one_class && !sessions.empty())
    sessions.assign(streams, sessions.front());
  result.start_time = absl::Now() - start_begin;
  result.sessions = static_cast<int>(sessions.size());
  const int64_t sessions_rss_kib = RssKiB(pid);

  StreamTally tally;
  std::vector<std::unique_ptr<CueReader>> readers;
  const absl::Time open_begin = absl::Now();
  const absl::Time stream_deadline =
      absl::Now() + kOpenBudget + kWindow + 2 * kDrainBudget;
  for (size_t i = 0; i < sessions.size(); ++i) {
    readers.push_back(std::make_unique<CueReader>(tally, sessions[i]));
    readers.back()->Start(*stubs[i % stubs.size()], stream_deadline);
  }
  const absl::Time open_by = open_begin + kOpenBudget;
  while (tally.opened + tally.done() < result.sessions && absl::Now() < open_by)
    absl::SleepFor(absl::Milliseconds(10));
  result.open_time = absl::Now() - open_begin;

  const absl::Time window_begin = absl::Now();
  CpuMeter meter(pid);
  absl::SleepFor(kWindow);
  result.server_cpu = meter.ServerPercent();
  result.client_cpu = meter.OwnPercent();
  result.others_cpu = meter.OthersPercent();
  result.busiest_thread = meter.BusiestServerThread();
  const absl::Time window_end = absl::Now();
  result.threads = Threads(pid);
  const int64_t open_rss_kib = RssKiB(pid);
  result.open_rss_kib = open_rss_kib;
  result.codes = tally.codes();
  result.opened = tally.opened;
  result.events = tally.events;
  result.cues = tally.cues;
  result.server_gone = open_rss_kib < 0;
  if (result.sessions > 0 && !result.server_gone) {
    result.session_kib =
        static_cast<double>(sessions_rss_kib - result.idle_rss_kib) /
        result.sessions;
    result.stream_kib =
        static_cast<double>(open_rss_kib - sessions_rss_kib) / result.sessions;
  }

  result.stuck = !Drain(readers, tally, *studio);
  if (result.stuck) {
    // gRPC may still call into them; better leaked than freed under it.
    for (auto& reader : readers) reader.release();
    for (auto& stub : stubs) stub.release();
    return result;
  }
  Summarize(readers, window_begin, window_end, one_class, result);
  readers.clear();
  studio->Stop();
  return result;
}

// ---------------------------------------------------------------------------
// Report.

void PrintRow(const RunResult& r) {
  int errors = 0;
  for (const auto& [code, count] : r.codes) errors += count;
  std::printf(
      "  %6d  %6d  %6d  %7lld  %5.0f /%5.0f /%5.0f  %6.1f /%6.1f /%6.1f  "
      "%5.1f + %5.1f = %5.1f  %6.1f  %6.1f  %4lld\n",
      r.streams, r.opened, errors, static_cast<long long>(r.counted),
      r.send_late.p50, r.send_late.p99, r.send_late.max, r.recv_late.p50,
      r.recv_late.p99, r.recv_late.max, r.session_kib, r.stream_kib,
      r.session_kib + r.stream_kib, r.server_cpu, r.client_cpu,
      static_cast<long long>(r.threads));
  if (r.sessions < r.streams)
    std::printf("          (only %d of %d sessions started)\n", r.sessions,
                r.streams);
  if (!r.codes.empty())
    std::printf("          (streams ended early: %s)\n",
                Codes(r.codes).c_str());
  std::printf(
      "          server RSS %.1f MiB, x%.1f its idle %.1f MiB; idle CPU %.1f "
      "%%; busiest thread \"%s\" %.1f %% of a core\n",
      r.open_rss_kib / 1024.0, Ratio(r.open_rss_kib, r.idle_rss_kib),
      r.idle_rss_kib / 1024.0, r.idle_cpu, r.busiest_thread.name.c_str(),
      r.busiest_thread.seconds);
  std::printf(
      "          sessions started in %.1f s, streams open in %.1f s; %lld "
      "events and %lld cues received in all; other processes %.1f %% CPU\n",
      absl::ToDoubleSeconds(r.start_time), absl::ToDoubleSeconds(r.open_time),
      static_cast<long long>(r.events), static_cast<long long>(r.cues),
      r.others_cpu);
  if (r.send_fan_out && r.recv_fan_out) {
    std::printf(
        "          fan-out of one cue to every mat (last minus first), p50 / "
        "p99 / max: sent %.0f / %.0f / %.0f ms, received %.1f / %.1f / %.1f "
        "ms\n",
        r.send_fan_out->p50, r.send_fan_out->p99, r.send_fan_out->max,
        r.recv_fan_out->p50, r.recv_fan_out->p99, r.recv_fan_out->max);
  }
  if (r.server_gone)
    std::printf("          (the server exited during the run)\n");
  if (r.stuck) std::printf("          (some streams never finished)\n");
}

void PrintRatios(const RunResult& r, const RunResult& base) {
  const double per_stream = r.session_kib + r.stream_kib;
  const double base_per_stream = base.session_kib + base.stream_kib;
  std::printf(
      "  %6d  p99 send-late %s   p99 recv-late %s   KiB/stream %s   "
      "server CPU per stream %s\n",
      r.streams, RatioText(r.send_late.p99, base.send_late.p99).c_str(),
      RatioText(r.recv_late.p99, base.recv_late.p99).c_str(),
      RatioText(per_stream, base_per_stream).c_str(),
      RatioText(r.server_cpu / std::max(r.opened, 1),
                base.server_cpu / std::max(base.opened, 1))
          .c_str());
}

// The load client needs few descriptors (kChannels sockets); the server, which
// inherits the limit, needs one per connection.
void RaiseFileLimit() {
  rlimit limit;
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return;
  limit.rlim_cur = limit.rlim_max;
  setrlimit(RLIMIT_NOFILE, &limit);
}

int Main(bool only_class) {
  RaiseFileLimit();
  std::printf(
      "StreamCues streams on one yoga-studio over loopback (%d channels; "
      "preset %s, FULL verbosity; sessions started evenly over %s);\n"
      "lateness counts cues due in the %s after all streams are open; "
      "KiB/stream is server RSS growth over idle, sessions + streams\n",
      kChannels, kPreset, absl::FormatDuration(kStartSpread).c_str(),
      absl::FormatDuration(kWindow).c_str());
  std::printf("  %6s  %6s  %6s  %7s  %-19s  %-22s  %-21s  %6s  %6s  %4s\n",
              "streams", "opened", "errors", "cues", "send-late ms",
              "recv-late ms", "KiB/stream sess+strm", "srv %", "cli %", "thr");
  std::printf("  %6s  %6s  %6s  %7s  %-19s  %-22s  %-21s  %6s  %6s  %4s\n", "",
              "", "", "", "p50 / p99 / max", "p50 / p99 / max", "", "core",
              "core", "");
  std::vector<RunResult> results;
  for (int streams : kStreamCounts) {
    if (only_class && streams != kClassMats) continue;
    std::optional<RunResult> result = Run(streams);
    if (!result) return 1;
    PrintRow(*result);
    std::fflush(stdout);
    results.push_back(*std::move(result));
    if (results.back().stuck) break;
  }
  if (results.size() > 1) {
    std::printf("Ratios against %d streams:\n", results.front().streams);
    for (size_t i = 1; i < results.size(); ++i)
      PrintRatios(results[i], results.front());
  }
  if (!results.back().stuck && results.front().streams == kClassMats) {
    std::printf(
        "One class of %d mats (one session, %d streams) beside %d sessions "
        "of one stream each:\n",
        kClassMats, kClassMats, kClassMats);
    std::optional<RunResult> group = Run(kClassMats, /*one_class=*/true);
    if (!group) return 1;
    PrintRow(*group);
    std::printf("Ratios of the class against %d sessions:\n", kClassMats);
    PrintRatios(*group, results.front());
    results.push_back(*std::move(group));
  }
  std::fflush(stdout);
  // Streams that never finished may hold gRPC up at exit.
  if (results.back().stuck) std::_Exit(0);
  return 0;
}

}  // namespace
}  // namespace yoga

int main(int argc, char** argv) {
  bool only_class = false;
  for (int i = 1; i < argc; ++i) {
    if (std::string(argv[i]) == "--only_class") {
      only_class = true;
    } else {
      std::fprintf(stderr, "usage: %s [--only_class]\n", argv[0]);
      return 2;
    }
  }
  return yoga::Main(only_class);
}
