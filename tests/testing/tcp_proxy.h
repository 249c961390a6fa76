// A TCP proxy on loopback for fault tests: forwards every connection made to
// its port to `upstream`, and can cut them all at once, as a network drop or
// a Wi-Fi hiccup would. New connections are forwarded again after a cut.
// It can also stall: connections stay open but nothing is forwarded either
// way (a hung peer or a black-holed route), until Resume.
//
//   TcpProxy proxy("127.0.0.1:50051");   // listens on 127.0.0.1:<port()>
//   ... client connects to proxy.address() ...
//   proxy.CutAll();                       // every open connection is reset
//   proxy.Stall(); ... proxy.Resume();    // silence, then what waited flows
#ifndef YOGA_TESTS_TESTING_TCP_PROXY_H_
#define YOGA_TESTS_TESTING_TCP_PROXY_H_

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"

namespace yoga::testing {

class TcpProxy {
 public:
  // `upstream` is "127.0.0.1:PORT". Aborts the test program if it cannot
  // listen (loopback always can).
  explicit TcpProxy(const std::string& upstream);
  ~TcpProxy();  // Closes everything and joins its threads.

  std::string address() const;  // "127.0.0.1:PORT"
  void CutAll();
  void Stall() { stalled_ = true; }
  void Resume() { stalled_ = false; }
  int connections() const { return connections_.load(); }

 private:
  void Accept();
  void Pump(int client, int server);

  int upstream_port_ = 0;
  int listener_ = -1;
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<bool> stalled_{false};
  std::atomic<int> connections_{0};
  absl::Mutex mutex_;
  std::vector<int> sockets_ ABSL_GUARDED_BY(mutex_);
  std::vector<std::thread> pumps_ ABSL_GUARDED_BY(mutex_);
  std::thread acceptor_;
};

}  // namespace yoga::testing

#endif  // YOGA_TESTS_TESTING_TCP_PROXY_H_
