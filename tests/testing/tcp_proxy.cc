#include "tests/testing/tcp_proxy.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>

namespace yoga::testing {
namespace {

sockaddr_in Loopback(int port) {
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return address;
}

}  // namespace

TcpProxy::TcpProxy(const std::string& upstream) {
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
  CutAll();
  acceptor_.join();
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

void TcpProxy::CutAll() {
  absl::MutexLock lock(&mutex_);
  // shutdown() wakes the pumps' polls; they close the sockets.
  for (int socket : sockets_) shutdown(socket, SHUT_RDWR);
  sockets_.clear();
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
    ++connections_;
    absl::MutexLock lock(&mutex_);
    sockets_.push_back(client);
    sockets_.push_back(server);
    pumps_.emplace_back([this, client, server] { Pump(client, server); });
  }
}

void TcpProxy::Pump(int client, int server) {
  char buffer[16384];
  pollfd ends[2] = {{client, POLLIN, 0}, {server, POLLIN, 0}};
  while (!stopping_) {
    if (stalled_) {
      // Read nothing: the kernel's buffers fill, and both ends wait.
      usleep(20'000);
      continue;
    }
    if (poll(ends, 2, 50) <= 0) continue;
    bool done = false;
    for (int i = 0; i < 2 && !done; ++i) {
      if (ends[i].revents == 0) continue;
      const ssize_t got = read(ends[i].fd, buffer, sizeof(buffer));
      if (got <= 0) {
        done = true;
        break;
      }
      const int to = ends[1 - i].fd;
      for (ssize_t sent = 0; sent < got && !done;) {
        // MSG_NOSIGNAL: a cut peer must not SIGPIPE the test.
        const ssize_t wrote = send(to, buffer + sent, got - sent, MSG_NOSIGNAL);
        if (wrote <= 0) done = true;
        sent += wrote;
      }
    }
    if (done) break;
  }
  absl::MutexLock lock(&mutex_);
  // Out of sockets_ before closing, so CutAll never touches a reused fd.
  std::erase(sockets_, client);
  std::erase(sockets_, server);
  shutdown(client, SHUT_RDWR);
  shutdown(server, SHUT_RDWR);
  close(client);
  close(server);
}

}  // namespace yoga::testing
