#include "tests/testing/tcp_proxy.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <random>
#include <utility>

namespace yoga::testing {
namespace {

using Clock = std::chrono::steady_clock;

// Direction d reads Connection::socket[d] and writes socket[1 - d].
constexpr int kToUpstream = 0;
constexpr int kToClient = 1;
constexpr size_t kChunkBytes = 64 * 1024;

sockaddr_in Loopback(int port) {
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return address;
}

// The proxy forwards each chunk when it is due: Nagle must not hold it back
// for an acknowledgement.
void NoDelay(int socket) {
  const int on = 1;
  setsockopt(socket, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
}

// Wakes the reader's poll. An eventfd stays readable until read, so a wake
// given between the reader's look at the queues and its poll is not lost.
void Wake(int event) {
  const uint64_t one = 1;
  (void)!write(event, &one, sizeof(one));
}

Clock::duration ToClock(absl::Duration duration) {
  return std::chrono::duration_cast<Clock::duration>(
      absl::ToChronoNanoseconds(std::max(duration, absl::ZeroDuration())));
}

// A chunk on its way; `end` carries its sender's FIN.
struct Chunk {
  Clock::time_point due;
  std::string bytes;
  bool end = false;
};

}  // namespace

struct TcpProxy::Connection {
  Connection(int client, int server, uint64_t seed, int index)
      : socket{client, server}, wake(eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) {
    for (int d = 0; d < 2; ++d) {
      // std::seed_seq is specified exactly, so a seed draws the same
      // jitters everywhere; each connection and direction has its own.
      std::seed_seq sequence{
          static_cast<uint32_t>(seed), static_cast<uint32_t>(seed >> 32),
          static_cast<uint32_t>(index), static_cast<uint32_t>(d)};
      jitter[d].seed(sequence);
    }
  }

  // Resets both ends now: what is queued is dropped, every thread wakes.
  void Cut() {
    absl::MutexLock lock(&mutex);
    if (cut) return;
    cut = true;
    // shutdown(), not close(): the descriptors stay ours until Pump ends.
    shutdown(socket[0], SHUT_RDWR);
    shutdown(socket[1], SHUT_RDWR);
    ready[0].SignalAll();
    ready[1].SignalAll();
    Wake(wake);
  }

  const int socket[2];        // client, server
  const int wake;             // eventfd in the reader's poll
  std::mt19937_64 jitter[2];  // drawn by the reader only
  absl::Mutex mutex;
  bool cut ABSL_GUARDED_BY(mutex) = false;
  std::deque<Chunk> queue[2] ABSL_GUARDED_BY(mutex);
  size_t queued_bytes[2] ABSL_GUARDED_BY(mutex) = {0, 0};
  absl::CondVar ready[2];  // a chunk queued, a Resume, a cut
};

TcpProxy::TcpProxy(const std::string& upstream, TcpProxyOptions options)
    : seed_(options.seed), max_queued_bytes_(options.max_queued_bytes) {
  SetDelay(options.to_upstream, options.to_client);
  upstream_port_ = std::atoi(upstream.substr(upstream.rfind(':') + 1).c_str());
  listener_ = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address = Loopback(0);
  socklen_t length = sizeof(address);
  if (listener_ < 0 ||
      bind(listener_, reinterpret_cast<sockaddr*>(&address), length) != 0 ||
      listen(listener_, 16) != 0 ||
      getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length) !=
          0) {
    std::perror("TcpProxy");
    std::abort();
  }
  port_ = ntohs(address.sin_port);
  acceptor_ = std::thread([this] { Accept(); });
}

TcpProxy::~TcpProxy() {
  stopping_ = true;
  acceptor_.join();  // First, so no connection is opened after the cut.
  CutAll();
  close(listener_);
  std::vector<std::thread> pumps;
  {
    absl::MutexLock lock(&mutex_);
    pumps.swap(pumps_);
  }
  for (std::thread& pump : pumps) pump.join();
}

std::string TcpProxy::address() const {
  return "127.0.0.1:" + std::to_string(port_);
}

void TcpProxy::SetDelay(LinkDelay to_upstream, LinkDelay to_client) {
  absl::MutexLock lock(&delay_mutex_);
  delay_[kToUpstream] = to_upstream;
  delay_[kToClient] = to_client;
}

void TcpProxy::CutAll() {
  absl::MutexLock lock(&mutex_);
  for (const std::shared_ptr<Connection>& connection : open_) {
    connection->Cut();
  }
}

void TcpProxy::Stall() { stalled_ = true; }

void TcpProxy::Resume() {
  stalled_ = false;
  absl::MutexLock lock(&mutex_);
  for (const std::shared_ptr<Connection>& connection : open_) {
    // Under the connection's lock, so a thread about to wait sees the flag.
    absl::MutexLock connection_lock(&connection->mutex);
    connection->ready[0].SignalAll();
    connection->ready[1].SignalAll();
    Wake(connection->wake);
  }
}

void TcpProxy::Accept() {
  while (!stopping_) {
    pollfd waiting = {listener_, POLLIN, 0};
    if (poll(&waiting, 1, 50) <= 0) continue;
    const int client = accept(listener_, nullptr, nullptr);
    if (client < 0) continue;
    const int server = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in upstream = Loopback(upstream_port_);
    if (connect(server, reinterpret_cast<sockaddr*>(&upstream),
                sizeof(upstream)) != 0) {
      close(client);
      close(server);
      continue;
    }
    NoDelay(client);
    NoDelay(server);
    auto connection = std::make_shared<Connection>(client, server, seed_,
                                                   connections_.load());
    if (connection->wake < 0) {
      std::perror("TcpProxy eventfd");
      std::abort();
    }
    absl::MutexLock lock(&mutex_);
    open_.push_back(connection);
    pumps_.emplace_back([this, connection] { Pump(connection); });
    // Counted once CutAll can reach it: a test that waits for the count
    // knows its cut will land.
    ++connections_;
  }
}

void TcpProxy::Pump(std::shared_ptr<Connection> connection) {
  std::thread to_upstream([&] { Deliver(*connection, kToUpstream); });
  std::thread to_client([&] { Deliver(*connection, kToClient); });
  Read(*connection);
  to_upstream.join();
  to_client.join();
  absl::MutexLock lock(&mutex_);
  // Out of open_ before closing, so CutAll never touches a reused fd.
  std::erase(open_, connection);
  for (int socket : connection->socket) {
    shutdown(socket, SHUT_RDWR);
    close(socket);
  }
  close(connection->wake);
}

// Reads both ends and queues each chunk with the time it is due. Returns
// once the connection is cut, or both ends have sent FIN (then the
// delivering threads end after forwarding what is queued).
void TcpProxy::Read(Connection& connection) {
  auto buffer = std::make_unique<char[]>(kChunkBytes);
  bool ended[2] = {false, false};
  while (!stopping_) {
    bool reading[2];
    {
      absl::MutexLock lock(&connection.mutex);
      if (connection.cut) return;
      for (int d = 0; d < 2; ++d) {
        // Stalled or backed up, read nothing: the kernel's buffers fill and
        // the sender waits, as TCP would make it.
        reading[d] = !ended[d] && !stalled_ &&
                     connection.queued_bytes[d] < max_queued_bytes_;
      }
    }
    if (ended[0] && ended[1]) return;
    pollfd polled[3] = {{connection.wake, POLLIN, 0},
                        {reading[0] ? connection.socket[0] : -1, POLLIN, 0},
                        {reading[1] ? connection.socket[1] : -1, POLLIN, 0}};
    if (poll(polled, 3, 100) <= 0) continue;
    if (polled[0].revents != 0) {
      uint64_t count;
      (void)!read(connection.wake, &count, sizeof(count));
    }
    for (int d = 0; d < 2; ++d) {
      if (polled[1 + d].revents == 0) continue;
      const ssize_t got = read(connection.socket[d], buffer.get(), kChunkBytes);
      const Clock::time_point arrival = Clock::now();
      if (got < 0 && (errno == EINTR || errno == EAGAIN)) continue;
      if (got < 0) {
        connection.Cut();
        return;
      }
      ended[d] = got == 0;
      LinkDelay delay;
      {
        absl::MutexLock lock(&delay_mutex_);
        delay = delay_[d];
      }
      // One draw per chunk whatever the jitter, so the n-th chunk of a
      // direction always gets the n-th number of its stream.
      const uint64_t draw = connection.jitter[d]();
      const Clock::rep span = ToClock(delay.jitter).count();
      Chunk chunk{.due = arrival + ToClock(delay.base) +
                         Clock::duration(span > 0 ? draw % (span + 1) : 0),
                  .bytes = std::string(buffer.get(), got),
                  .end = got == 0};
      absl::MutexLock lock(&connection.mutex);
      if (connection.cut) return;
      connection.queued_bytes[d] += chunk.bytes.size();
      connection.queue[d].push_back(std::move(chunk));
      // Only the front is waited for; a chunk behind it waits its turn.
      if (connection.queue[d].size() == 1) connection.ready[d].Signal();
    }
  }
  connection.Cut();
}

// Forwards direction d's chunks in order, each no earlier than it is due.
void TcpProxy::Deliver(Connection& connection, int d) {
  // Timers of a normal thread may fire up to 50 us late (the default
  // slack); this thread's only job is to be on time.
  prctl(PR_SET_TIMERSLACK, 1UL, 0UL, 0UL, 0UL);
  const int sink = connection.socket[1 - d];
  while (true) {
    Chunk chunk;
    {
      absl::MutexLock lock(&connection.mutex);
      while (true) {
        if (connection.cut) return;
        if (stalled_ || connection.queue[d].empty()) {
          connection.ready[d].Wait(&connection.mutex);
          continue;
        }
        // Due times are on the monotonic clock; the wait is re-measured
        // against it after every wake.
        const Clock::time_point now = Clock::now();
        const Clock::time_point due = connection.queue[d].front().due;
        if (due <= now) break;
        connection.ready[d].WaitWithTimeout(&connection.mutex,
                                            absl::FromChrono(due - now));
      }
      chunk = std::move(connection.queue[d].front());
      connection.queue[d].pop_front();
      const bool was_full = connection.queued_bytes[d] >= max_queued_bytes_;
      connection.queued_bytes[d] -= chunk.bytes.size();
      if (was_full && connection.queued_bytes[d] < max_queued_bytes_) {
        Wake(connection.wake);
      }
    }
    if (chunk.end) {
      shutdown(sink, SHUT_WR);  // The FIN, as late as the data before it.
      return;
    }
    for (size_t sent = 0; sent < chunk.bytes.size();) {
      // MSG_NOSIGNAL: a cut peer must not SIGPIPE the test.
      const ssize_t wrote = send(sink, chunk.bytes.data() + sent,
                                 chunk.bytes.size() - sent, MSG_NOSIGNAL);
      if (wrote < 0 && errno == EINTR) continue;
      if (wrote <= 0) {
        connection.Cut();
        return;
      }
      sent += static_cast<size_t>(wrote);
    }
  }
}

}  // namespace yoga::testing
