// A TCP proxy on loopback for network tests: forwards every connection made
// to its port to `upstream`, and can play the network in between.
//  - Delay: each direction adds `base` plus a random jitter in [0, jitter] to
//    every chunk it reads, as a link between a mat and the studio would; the
//    two directions may differ and SetDelay changes them while running (for
//    chunks read from then on). Order is kept as TCP keeps it: a chunk never
//    overtakes an earlier one of its direction, it waits for it instead; a
//    FIN follows the data before it. The jitter is drawn from `seed`, one
//    stream per connection and direction.
//  - Cut: CutAll resets every open connection at once (a network drop, a
//    Wi-Fi hiccup), dropping what was still on its way; new connections are
//    forwarded again afterwards.
//  - Stall: connections stay open but nothing is forwarded either way (a hung
//    peer, a black-holed route) until Resume; then what waited flows.
// A direction holding more than `max_queued_bytes` stops reading its sender
// until it drains, so a fast writer meets TCP's backpressure, not unbounded
// memory. Each connection has a reader and one delivering thread per
// direction, which sleeps until the next chunk is due on a monotonic clock.
//
//   using absl::Milliseconds;
//   TcpProxy proxy("127.0.0.1:50051",     // listens on 127.0.0.1:<port()>
//                  {.to_upstream = {Milliseconds(30), Milliseconds(10)},
//                   .to_client = {Milliseconds(10), Milliseconds(5)},
//                   .seed = 7});
//   ... client connects to proxy.address() ...
//   proxy.SetDelay({Milliseconds(5)}, {Milliseconds(40)});  // turned around
//   proxy.CutAll();                       // every open connection is reset
//   proxy.Stall(); ... proxy.Resume();    // silence, then what waited flows
#ifndef YOGA_TESTS_TESTING_TCP_PROXY_H_
#define YOGA_TESTS_TESTING_TCP_PROXY_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace yoga::testing {

// What one direction of the link adds to each chunk: base + [0, jitter].
// Negative values count as zero.
struct LinkDelay {
  absl::Duration base = absl::ZeroDuration();
  absl::Duration jitter = absl::ZeroDuration();
};

struct TcpProxyOptions {
  LinkDelay to_upstream;  // client -> upstream
  LinkDelay to_client;    // upstream -> client
  uint64_t seed = 1;      // the same seed draws the same jitters
  size_t max_queued_bytes = size_t{4} << 20;  // per connection and direction
};

class TcpProxy {
 public:
  // `upstream` is "127.0.0.1:PORT". Aborts the test program if it cannot
  // listen (loopback always can).
  explicit TcpProxy(const std::string& upstream, TcpProxyOptions options = {});
  ~TcpProxy();  // Closes everything and joins its threads.

  TcpProxy(const TcpProxy&) = delete;
  TcpProxy& operator=(const TcpProxy&) = delete;

  std::string address() const;  // "127.0.0.1:PORT"
  void SetDelay(LinkDelay to_upstream, LinkDelay to_client);
  void CutAll();
  void Stall();
  void Resume();
  // Connections accepted so far; each is counted once CutAll reaches it.
  int connections() const { return connections_.load(); }

 private:
  struct Connection;  // one forwarded connection, with its queues

  void Accept();
  void Pump(std::shared_ptr<Connection> connection);
  void Read(Connection& connection);
  void Deliver(Connection& connection, int direction);

  int upstream_port_ = 0;
  int listener_ = -1;
  int port_ = 0;
  const uint64_t seed_;
  const size_t max_queued_bytes_;
  std::atomic<bool> stopping_{false};
  std::atomic<bool> stalled_{false};
  std::atomic<int> connections_{0};
  absl::Mutex delay_mutex_;
  LinkDelay delay_[2] ABSL_GUARDED_BY(delay_mutex_);  // by direction
  absl::Mutex mutex_;
  std::vector<std::shared_ptr<Connection>> open_ ABSL_GUARDED_BY(mutex_);
  std::vector<std::thread> pumps_ ABSL_GUARDED_BY(mutex_);
  std::thread acceptor_;
};

}  // namespace yoga::testing

#endif  // YOGA_TESTS_TESTING_TCP_PROXY_H_
