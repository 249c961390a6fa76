// A class on a studio's Snapcast speakers, end to end: Debian's snapserver
// (on loopback, its own config, port and state in a temporary folder) with a
// pipe source, a snapclient whose file player records what it would play as
// raw PCM, yoga-studio, and `yoga-guide play --output=pipe:FIFO` of the short
// routine. The session's first prompts must all be found in the recording, in
// order (tests/testing/prompt_locator.h), and the gaps between them must be
// the timeline's. Only the start of the session is played, to keep the test
// short: it stops once the guide has started kPrompts prompts and they have
// had time to reach the client. Skipped where snapserver is not installed
// (./dev installs it).
// Also, without snapserver: a reader of the pipe that goes away mid-session
// ends `play` with a clear error, and the session nobody hears is stopped.
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "grpcpp/create_channel.h"
#include "gtest/gtest.h"
#include "tests/integration/server_process.h"
#include "tests/integration/session_prompts.h"
#include "tests/testing/prompt_locator.h"
#include "yoga/session/v1/session_service.grpc.pb.h"

namespace yoga {
namespace {

using ::testing::HasSubstr;
using yoga::testing::ChildProcess;
using yoga::testing::SessionIdOf;

const std::string kBin = YOGA_BINARY_DIR "/bin/";
const std::string kShortRoutine =
    YOGA_SOURCE_DIR "/tests/integration/testdata/short_routine.textproto";
const std::string kSnapserver = "/usr/bin/snapserver";
const std::string kSnapclient = "/usr/bin/snapclient";
constexpr int kRate = 48000;
// The routine's first five prompts start within 17 s of session time.
constexpr int kPrompts = 5;
// snapserver's end-to-end buffer (its default is 1000 ms).
constexpr int kBufferMs = 500;

std::string TempDir(const std::string& name) {
  const std::string dir =
      std::filesystem::path(::testing::TempDir()) / ("snapcast_test." + name);
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

// A port free on loopback now (snapclient must be told the server's port, so
// port 0 will not do). Another program could take it meanwhile; unlikely.
int FreeLoopbackPort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t size = sizeof(address);
  if (bind(fd, reinterpret_cast<sockaddr*>(&address), size) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&address), &size) != 0) {
    close(fd);
    return -1;
  }
  close(fd);
  return ntohs(address.sin_port);
}

// Waits (bounded) until `done`.
template <typename Done>
bool WaitFor(Done done, absl::Duration timeout) {
  const absl::Time give_up = absl::Now() + timeout;
  while (!done()) {
    if (absl::Now() > give_up) return false;
    absl::SleepFor(absl::Milliseconds(50));
  }
  return true;
}

// The guide's cue lines ("00:04.161  session-start This practice ..."), one
// for each prompt that began to play.
int PromptLines(const std::string& out) {
  int lines = 0;
  for (absl::string_view line : absl::StrSplit(out, '\n')) {
    if (line.size() > 11 && line[2] == ':' && line[5] == '.' &&
        line.substr(9, 2) == "  ")
      ++lines;
  }
  return lines;
}

int64_t FileSize(const std::string& path) {
  std::error_code error;
  const auto size = std::filesystem::file_size(path, error);
  return error ? -1 : static_cast<int64_t>(size);
}

TEST(SnapcastTest, EveryPromptReachesASnapclientInOrderThroughAPipeSource) {
  if (!std::filesystem::exists(kSnapserver) ||
      !std::filesystem::exists(kSnapclient)) {
    GTEST_SKIP() << "needs Debian's snapserver and snapclient (`./dev` "
                    "installs them): not installed here";
  }
  const std::string dir = TempDir("snapserver");
  const std::string fifo = dir + "/snapfifo";
  const std::string recording_path = dir + "/snapclient.raw";
  const int port = FreeLoopbackPort();
  ASSERT_GT(port, 0);
  std::filesystem::create_directories(dir + "/state");
  // Loopback only; no HTTP or JSON-RPC control ports; PCM, so what the
  // client plays is bit for bit what was sent.
  std::ofstream(dir + "/snapserver.conf")
      << "[server]\ndatadir = " << dir << "/state\n"
      << "[http]\nenabled = false\n[tcp]\nenabled = false\n"
      << "[stream]\nbind_to_address = 127.0.0.1\nport = " << port << "\n"
      << "source = pipe://" << fifo
      << "?name=Yoga class&sampleformat=48000:16:2&codec=pcm\n"
      << "buffer = " << kBufferMs << "\n"
      << "[logging]\nsink = stderr\n";
  ChildProcess snapserver(kSnapserver, {"-c", dir + "/snapserver.conf"});
  ASSERT_TRUE(
      WaitFor([&] { return std::filesystem::exists(fifo); }, absl::Seconds(10)))
      << snapserver.Stderr();
  ChildProcess snapclient(
      kSnapclient, {"--host", "127.0.0.1", "--port", absl::StrCat(port),
                    "--hostID", "yoga-snapcast-test", "--player",
                    "file:filename=" + recording_path, "--logsink", "stderr"});
  ChildProcess studio(kBin + "yoga-studio",
                      {"--listen=127.0.0.1:0", "--database=memory"});
  auto address = studio.WaitForAddress();
  ASSERT_TRUE(address.ok()) << address.status();
  // The client plays (silence, until the class starts) once its file grows.
  ASSERT_TRUE(
      WaitFor([&] { return FileSize(recording_path) > 0; }, absl::Seconds(10)))
      << snapclient.Stderr() << snapserver.Stderr();

  ChildProcess guide(
      kBin + "yoga-guide",
      {"--server=" + *address, "play", "--routine=" + kShortRoutine,
       "--lead_in=1", "--keys=false", "--profile=", "--output=pipe:" + fifo});
  const bool started = WaitFor(
      [&] {
        return PromptLines(guide.Stdout()) >= kPrompts ||
               guide.WaitForExit(absl::ZeroDuration()).has_value();
      },
      absl::Seconds(40));
  // The last prompt's first half second through snapserver's buffer.
  absl::SleepFor(absl::Milliseconds(kBufferMs + 700));
  guide.Stop(SIGTERM);
  snapclient.Stop(SIGTERM);
  snapserver.Stop(SIGTERM);
  ASSERT_TRUE(started) << guide.Stdout() << guide.Stderr();
  ASSERT_GE(PromptLines(guide.Stdout()), kPrompts)
      << guide.Stdout() << guide.Stderr();
  EXPECT_THAT(guide.Stdout(), HasSubstr("on pipe:" + fifo));

  // The session's first prompts, from the server's timeline.
  const std::string session_id = SessionIdOf(guide.Stdout());
  ASSERT_FALSE(session_id.empty()) << guide.Stdout();
  auto timeline_prompts =
      yoga::testing::TimelinePrompts(*address, session_id, kRate, kPrompts);
  ASSERT_TRUE(timeline_prompts.ok()) << timeline_prompts.status();
  const std::vector<yoga::testing::ExpectedPrompt>& expected =
      *timeline_prompts;
  ASSERT_EQ(expected.size(), kPrompts);

  // What snapclient played: 48000:16:2, little-endian, both channels alike
  // (whole frames: one cut short by the stop is left out).
  std::ifstream in(recording_path, std::ios::binary);
  const std::vector<char> bytes((std::istreambuf_iterator<char>(in)),
                                std::istreambuf_iterator<char>());
  std::vector<float> left;
  int64_t channels_differ = 0;
  for (size_t i = 0; i + 3 < bytes.size(); i += 4) {
    const auto sample = [&](size_t at) {
      return static_cast<int16_t>(static_cast<uint8_t>(bytes[at]) |
                                  static_cast<uint8_t>(bytes[at + 1]) << 8);
    };
    left.push_back(sample(i) / 32768.0f);
    channels_differ += sample(i) != sample(i + 2);
  }
  EXPECT_EQ(channels_differ, 0);
  auto located = yoga::testing::LocatePrompts(left, kRate, expected);
  ASSERT_TRUE(located.ok()) << located.status();
  const std::vector<int64_t> errors =
      yoga::testing::IntervalErrors(*located, expected);
  // snapclient keeps time by now and then dropping or repeating a frame;
  // on one machine that is rare.
  for (size_t i = 0; i < errors.size(); ++i) {
    EXPECT_LE(std::abs(errors[i]), kRate * 5 / 1000)
        << "between prompts " << i << " and " << i + 1 << ": " << errors[i]
        << " frames";
  }
  const auto summary = yoga::testing::Summarize(errors);
  std::printf(
      "%zu prompts through snapserver and snapclient, %.1f s recorded; "
      "interval error p50 %.0f, max %.0f frames\n",
      expected.size(), static_cast<double>(left.size()) / kRate, summary.p50,
      summary.max);
}

TEST(SnapcastTest, AReaderThatGoesAwayEndsPlayClearlyAndStopsTheSession) {
  const std::string fifo = TempDir("reader_gone") + "/snapfifo";
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  ChildProcess studio(kBin + "yoga-studio",
                      {"--listen=127.0.0.1:0", "--database=memory"});
  auto address = studio.WaitForAddress();
  ASSERT_TRUE(address.ok()) << address.status();
  // A reader that takes 1.5 s of the session (the lead-in is 1 s), then
  // goes.
  std::thread reader([&] {
    const int fd = open(fifo.c_str(), O_RDONLY);
    std::vector<char> buffer(4096);
    int64_t taken = 0;
    while (taken < kRate * 4 * 3 / 2) {
      const ssize_t n = read(fd, buffer.data(), buffer.size());
      if (n <= 0) break;
      taken += n;
    }
    close(fd);
  });
  ChildProcess guide(
      kBin + "yoga-guide",
      {"--server=" + *address, "play", "--routine=" + kShortRoutine,
       "--lead_in=1", "--keys=false", "--profile=", "--output=pipe:" + fifo});
  const std::optional<int> exit_code = guide.WaitForExit(absl::Seconds(30));
  if (!exit_code.has_value()) {
    guide.Stop(SIGKILL);
    close(open(fifo.c_str(), O_WRONLY | O_NONBLOCK));  // Frees the reader.
  }
  reader.join();
  ASSERT_EQ(exit_code, 1) << guide.Stdout() << guide.Stderr();
  EXPECT_THAT(guide.Stderr(),
              HasSubstr("yoga-guide: FAILED_PRECONDITION: the reader of " +
                        fifo + " went away"));

  const std::string session_id = SessionIdOf(guide.Stdout());
  ASSERT_FALSE(session_id.empty()) << guide.Stdout();
  auto stub = yoga::session::v1::SessionService::NewStub(
      grpc::CreateChannel(*address, grpc::InsecureChannelCredentials()));
  grpc::ClientContext context;
  yoga::session::v1::GetSessionRequest request;
  request.set_id(session_id);
  yoga::session::v1::Session session;
  ASSERT_TRUE(stub->GetSession(&context, request, &session).ok());
  EXPECT_EQ(session.state(), yoga::session::v1::SESSION_STATE_STOPPED);
}

}  // namespace
}  // namespace yoga
