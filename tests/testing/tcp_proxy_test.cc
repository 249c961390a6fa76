#include "tests/testing/tcp_proxy.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"

namespace yoga::testing {
namespace {

// Sender, echo server and receiver share the process, so one monotonic clock
// times both directions.
int64_t NowNanos() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// A timed message: the client writes when it sent it, the echo server when
// it received it, and echoes it back.
struct Stamps {
  int64_t sequence;
  int64_t sent;
  int64_t echoed;
};
constexpr size_t kStampedBytes = sizeof(Stamps);

void NoDelay(int socket) {
  const int on = 1;
  setsockopt(socket, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
}

int Connect(const std::string& address) {
  const int port = std::stoi(address.substr(address.rfind(':') + 1));
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(static_cast<uint16_t>(port));
  to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const int socket = ::socket(AF_INET, SOCK_STREAM, 0);
  if (connect(socket, reinterpret_cast<sockaddr*>(&to), sizeof(to)) != 0) {
    close(socket);
    return -1;
  }
  NoDelay(socket);
  return socket;
}

bool SendAll(int socket, const void* data, size_t size) {
  const char* bytes = static_cast<const char*>(data);
  for (size_t sent = 0; sent < size;) {
    const ssize_t wrote = send(socket, bytes + sent, size - sent, MSG_NOSIGNAL);
    if (wrote <= 0) return false;
    sent += static_cast<size_t>(wrote);
  }
  return true;
}

// Reads exactly `size` bytes unless the peer closes, fails, or `within`
// passes; returns how many it got.
size_t ReadExactly(int socket, void* data, size_t size, absl::Duration within) {
  char* bytes = static_cast<char*>(data);
  const absl::Time deadline = absl::Now() + within;
  size_t got = 0;
  while (got < size) {
    const absl::Duration left = deadline - absl::Now();
    if (left <= absl::ZeroDuration()) break;
    pollfd readable = {socket, POLLIN, 0};
    if (poll(&readable, 1,
             static_cast<int>(absl::ToInt64Milliseconds(left)) + 1) <= 0) {
      continue;
    }
    const ssize_t read_now = read(socket, bytes + got, size - got);
    if (read_now <= 0) break;
    got += static_cast<size_t>(read_now);
  }
  return got;
}

// Echoes every connection on loopback. With `stamped`, it reads whole
// Stamps and writes its receive time into each before echoing it. When
// `held`, it reads nothing until StartReading.
class EchoServer {
 public:
  explicit EchoServer(bool stamped = false, bool held = false)
      : stamped_(stamped) {
    if (!held) reading_.Notify();
    listener_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof(address);
    const bool listening =
        listener_ >= 0 &&
        bind(listener_, reinterpret_cast<sockaddr*>(&address), length) == 0 &&
        listen(listener_, 16) == 0 &&
        getsockname(listener_, reinterpret_cast<sockaddr*>(&address),
                    &length) == 0;
    EXPECT_TRUE(listening);
    port_ = ntohs(address.sin_port);
    acceptor_ = std::thread([this] { Accept(); });
  }

  ~EchoServer() {
    stopping_ = true;
    acceptor_.join();
    StartReading();
    absl::MutexLock lock(&mutex_);
    for (int socket : sockets_) shutdown(socket, SHUT_RDWR);
    for (std::thread& echo : echoes_) echo.join();  // Echo takes no lock.
    for (int socket : sockets_) close(socket);
    close(listener_);
  }

  void StartReading() {
    if (!reading_.HasBeenNotified()) reading_.Notify();
  }

  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }

 private:
  void Accept() {
    while (!stopping_) {
      pollfd waiting = {listener_, POLLIN, 0};
      if (poll(&waiting, 1, 20) <= 0) continue;
      const int socket = accept(listener_, nullptr, nullptr);
      if (socket < 0) continue;
      NoDelay(socket);
      absl::MutexLock lock(&mutex_);
      sockets_.push_back(socket);
      echoes_.emplace_back([this, socket] { Echo(socket); });
    }
  }

  void Echo(int socket) {
    reading_.WaitForNotification();
    std::vector<char> buffer(1 << 16);
    std::string pending;  // a Stamps not yet whole
    while (true) {
      const ssize_t got = read(socket, buffer.data(), buffer.size());
      if (got <= 0) return;
      if (!stamped_) {
        if (!SendAll(socket, buffer.data(), static_cast<size_t>(got))) return;
        continue;
      }
      const int64_t now = NowNanos();
      pending.append(buffer.data(), static_cast<size_t>(got));
      const size_t whole = pending.size() / kStampedBytes * kStampedBytes;
      for (size_t at = 0; at < whole; at += kStampedBytes) {
        std::memcpy(pending.data() + at + offsetof(Stamps, echoed), &now,
                    sizeof(now));
      }
      if (!SendAll(socket, pending.data(), whole)) return;
      pending.erase(0, whole);
    }
  }

  const bool stamped_;
  absl::Notification reading_;
  int listener_ = -1;
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  absl::Mutex mutex_;
  std::vector<int> sockets_ ABSL_GUARDED_BY(mutex_);
  std::vector<std::thread> echoes_ ABSL_GUARDED_BY(mutex_);
  std::thread acceptor_;
};

struct OneWayDelays {
  std::vector<absl::Duration> to_upstream;
  std::vector<absl::Duration> to_client;
};

// Sends `count` stamped messages `spacing` apart (each its own chunk) while
// reading their echoes, and returns each one's delay either way.
OneWayDelays MeasureOneWay(int socket, int count, absl::Duration spacing) {
  std::thread sender([&] {
    for (int i = 0; i < count; ++i) {
      const Stamps stamps = {i, NowNanos(), 0};
      if (!SendAll(socket, &stamps, sizeof(stamps))) return;
      absl::SleepFor(spacing);
    }
  });
  OneWayDelays delays;
  for (int i = 0; i < count; ++i) {
    Stamps stamps;
    if (ReadExactly(socket, &stamps, sizeof(stamps), absl::Seconds(3)) !=
        sizeof(stamps)) {
      ADD_FAILURE() << "echo " << i << " did not come back";
      break;
    }
    const int64_t received = NowNanos();
    EXPECT_EQ(stamps.sequence, i);
    delays.to_upstream.push_back(
        absl::Nanoseconds(stamps.echoed - stamps.sent));
    delays.to_client.push_back(absl::Nanoseconds(received - stamps.echoed));
  }
  sender.join();
  return delays;
}

absl::Duration Percentile(std::vector<absl::Duration> values, int percent) {
  if (values.empty()) return absl::ZeroDuration();
  std::sort(values.begin(), values.end());
  return values[(values.size() - 1) * percent / 100];
}

std::string Precision(const std::vector<absl::Duration>& delays,
                      absl::Duration intended) {
  std::vector<absl::Duration> late;
  for (absl::Duration delay : delays) late.push_back(delay - intended);
  return "late by p50 " + absl::FormatDuration(Percentile(late, 50)) +
         ", p99 " + absl::FormatDuration(Percentile(late, 99)) + ", max " +
         absl::FormatDuration(Percentile(late, 100));
}

TEST(TcpProxyTest, EachDirectionAddsItsOwnDelaySetWhileRunning) {
  EchoServer echo(/*stamped=*/true);
  TcpProxy proxy(echo.address());  // no delay at first
  const int socket = Connect(proxy.address());
  ASSERT_GE(socket, 0);
  // The connection is open before the link slows down, as a mat's would be.
  const Stamps hello = {-1, NowNanos(), 0};
  ASSERT_TRUE(SendAll(socket, &hello, sizeof(hello)));
  Stamps echoed;
  ASSERT_EQ(ReadExactly(socket, &echoed, sizeof(echoed), absl::Seconds(3)),
            sizeof(echoed));

  const absl::Duration up = absl::Milliseconds(30);
  const absl::Duration down = absl::Milliseconds(8);
  proxy.SetDelay({.base = up}, {.base = down});
  const OneWayDelays delays = MeasureOneWay(socket, 60, absl::Milliseconds(3));
  close(socket);
  ASSERT_EQ(delays.to_upstream.size(), 60u);
  for (absl::Duration delay : delays.to_upstream) {
    EXPECT_GE(delay, up);
    EXPECT_LT(delay, up + absl::Milliseconds(50));
  }
  for (absl::Duration delay : delays.to_client) {
    EXPECT_GE(delay, down);
    EXPECT_LT(delay, down + absl::Milliseconds(50));
  }
  // Asymmetric: the fast way back is mostly quicker than even the slow way's
  // base.
  EXPECT_LT(Percentile(delays.to_client, 50), up);
  std::printf("to upstream (%s): %s\nto client (%s): %s\n",
              absl::FormatDuration(up).c_str(),
              Precision(delays.to_upstream, up).c_str(),
              absl::FormatDuration(down).c_str(),
              Precision(delays.to_client, down).c_str());
}

TEST(TcpProxyTest, JitterStaysWithinItsBoundAndVaries) {
  EchoServer echo(/*stamped=*/true);
  const LinkDelay up = {absl::Milliseconds(10), absl::Milliseconds(10)};
  const LinkDelay down = {absl::Milliseconds(5), absl::Milliseconds(2)};
  TcpProxy proxy(echo.address(),
                 {.to_upstream = up, .to_client = down, .seed = 42});
  const int socket = Connect(proxy.address());
  ASSERT_GE(socket, 0);
  // Spaced wider than the jitter, so no message waits for the one before.
  const OneWayDelays delays = MeasureOneWay(socket, 20, absl::Milliseconds(12));
  close(socket);
  ASSERT_EQ(delays.to_upstream.size(), 20u);
  for (absl::Duration delay : delays.to_upstream) {
    EXPECT_GE(delay, up.base);
    EXPECT_LT(delay, up.base + up.jitter + absl::Milliseconds(50));
  }
  for (absl::Duration delay : delays.to_client) {
    EXPECT_GE(delay, down.base);
    EXPECT_LT(delay, down.base + down.jitter + absl::Milliseconds(50));
  }
  // Twenty draws in [0, 10 ms] spread over more than a quarter of it.
  EXPECT_GT(
      Percentile(delays.to_upstream, 100) - Percentile(delays.to_upstream, 0),
      up.jitter / 4);
}

TEST(TcpProxyTest, ManySmallWritesArriveWholeAndInOrderUnderJitter) {
  EchoServer echo;
  // Jitter far wider than the gap between writes: later chunks often draw
  // an earlier due time than the one before them, and must wait for it.
  TcpProxy proxy(echo.address(),
                 {.to_upstream = {absl::Milliseconds(5), absl::Milliseconds(8)},
                  .to_client = {absl::Milliseconds(12), absl::Milliseconds(6)},
                  .seed = 7});
  const int socket = Connect(proxy.address());
  ASSERT_GE(socket, 0);
  std::mt19937 random(3);
  std::string sent;
  std::vector<size_t> writes;
  for (int i = 0; i < 400; ++i) {
    const size_t size = 1 + random() % 200;
    writes.push_back(size);
    for (size_t b = 0; b < size; ++b) {
      sent.push_back(static_cast<char>(random()));
    }
  }
  std::thread sender([&] {
    size_t at = 0;
    for (size_t size : writes) {
      if (!SendAll(socket, sent.data() + at, size)) return;
      at += size;
      absl::SleepFor(absl::Microseconds(200));
    }
  });
  std::string received(sent.size(), '\0');
  const size_t got =
      ReadExactly(socket, received.data(), received.size(), absl::Seconds(5));
  sender.join();
  close(socket);
  ASSERT_EQ(got, sent.size());
  EXPECT_TRUE(received == sent) << "bytes reordered or changed";
}

TEST(TcpProxyTest, CutAllDropsWhatIsOnItsWayAndNewConnectionsAreForwarded) {
  EchoServer echo;
  TcpProxy proxy(echo.address(), {.to_upstream = {absl::Milliseconds(500)},
                                  .to_client = {absl::Milliseconds(500)}});
  const int cut = Connect(proxy.address());
  ASSERT_GE(cut, 0);
  ASSERT_TRUE(SendAll(cut, "lost", 4));
  // connect() returns once the kernel has the connection; the proxy takes
  // it a moment later.
  const absl::Time accepting = absl::Now();
  while (proxy.connections() < 1 &&
         absl::Now() - accepting < absl::Seconds(3)) {
    absl::SleepFor(absl::Milliseconds(1));
  }
  proxy.CutAll();
  // The client sees its connection end at once, not after the delay, and
  // what was on its way never arrives.
  char buffer[8];
  const absl::Time start = absl::Now();
  EXPECT_EQ(ReadExactly(cut, buffer, 4, absl::Seconds(3)), 0u);
  EXPECT_LT(absl::Now() - start, absl::Seconds(3));
  close(cut);

  proxy.SetDelay({absl::Milliseconds(10), absl::Milliseconds(5)},
                 {absl::Milliseconds(10), absl::Milliseconds(5)});
  const int again = Connect(proxy.address());
  ASSERT_GE(again, 0);
  ASSERT_TRUE(SendAll(again, "again", 5));
  ASSERT_EQ(ReadExactly(again, buffer, 5, absl::Seconds(3)), 5u);
  EXPECT_EQ(std::string(buffer, 5), "again");
  close(again);
  EXPECT_EQ(proxy.connections(), 2);
}

TEST(TcpProxyTest, StallHoldsDelayedBytesUntilResume) {
  EchoServer echo;
  TcpProxy proxy(echo.address(), {.to_upstream = {absl::Milliseconds(5)},
                                  .to_client = {absl::Milliseconds(5)}});
  const int socket = Connect(proxy.address());
  ASSERT_GE(socket, 0);
  proxy.Stall();
  ASSERT_TRUE(SendAll(socket, "wait", 4));
  char buffer[4];
  // Twenty times the delay, and nothing: the proxy holds it.
  EXPECT_EQ(ReadExactly(socket, buffer, 4, absl::Milliseconds(100)), 0u);
  proxy.Resume();
  ASSERT_EQ(ReadExactly(socket, buffer, 4, absl::Seconds(3)), 4u);
  EXPECT_EQ(std::string(buffer, 4), "wait");
  close(socket);
}

// The byte at `offset` of a long stream: any loss, repeat or swap shows.
char PatternAt(uint64_t offset) {
  return static_cast<char>((offset * 0x9E3779B97F4A7C15ull) >> 56);
}

TEST(TcpProxyTest, ABackedUpDirectionStopsReadingUntilItDrains) {
  EchoServer echo(/*stamped=*/false, /*held=*/true);
  const size_t cap = 256 << 10;
  TcpProxy proxy(echo.address(), {.to_upstream = {absl::Milliseconds(5)},
                                  .to_client = {absl::Milliseconds(5)},
                                  .max_queued_bytes = cap});
  const int socket = Connect(proxy.address());
  ASSERT_GE(socket, 0);
  fcntl(socket, F_SETFL, fcntl(socket, F_GETFL) | O_NONBLOCK);
  // The echo server reads nothing yet: the client fills the kernel's buffers
  // and the proxy's queue, and then must wait. Were the queue unbounded, the
  // proxy would take all of `limit` into its memory.
  const size_t limit = size_t{64} << 20;
  std::string block(64 << 10, '\0');
  size_t written = 0;
  absl::Time last_progress = absl::Now();
  while (written < limit &&
         absl::Now() - last_progress < absl::Milliseconds(150)) {
    for (size_t b = 0; b < block.size(); ++b) block[b] = PatternAt(written + b);
    const ssize_t wrote =
        send(socket, block.data(), block.size(), MSG_NOSIGNAL);
    if (wrote > 0) {
      written += static_cast<size_t>(wrote);
      last_progress = absl::Now();
    } else {
      pollfd writable = {socket, POLLOUT, 0};
      poll(&writable, 1, 10);
    }
  }
  EXPECT_LT(written, limit) << "the proxy kept reading";
  std::printf("the client wrote %zu KiB before it had to wait\n",
              written >> 10);

  // Once the server reads, everything flows, in order.
  echo.StartReading();
  fcntl(socket, F_SETFL, fcntl(socket, F_GETFL) & ~O_NONBLOCK);
  std::string received(written, '\0');
  ASSERT_EQ(ReadExactly(socket, received.data(), written, absl::Seconds(10)),
            written);
  for (size_t at = 0; at < written; ++at) {
    ASSERT_EQ(received[at], PatternAt(at)) << "at byte " << at;
  }
  close(socket);
}

}  // namespace
}  // namespace yoga::testing
