#pragma once
// Tiny loopback (127.0.0.1) servers for the net tests: each listens on an
// ephemeral port and runs `serve(fd)` for each accepted connection (TCP) or
// answers each datagram (UDP) on one thread until destroyed.

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <functional>
#include <string>
#include <thread>

namespace livefire::net::testing {

inline int BindLoopback(int type, int* port) {
  int fd = ::socket(AF_INET, type | SOCK_CLOEXEC, 0);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa);
  socklen_t len = sizeof sa;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&sa), &len);
  *port = ntohs(sa.sin_port);
  return fd;
}

// A port that refuses connections: bound, never listening.
class DeadPort {
 public:
  DeadPort() : fd_(BindLoopback(SOCK_STREAM, &port_)) {}
  ~DeadPort() { ::close(fd_); }
  int port() const { return port_; }

 private:
  int port_ = 0;
  int fd_;
};

class TcpServer {
 public:
  // serve(fd, stop): `stop` turns true when the server is being destroyed.
  explicit TcpServer(std::function<void(int, const std::atomic<bool>&)> serve)
      : fd_(BindLoopback(SOCK_STREAM, &port_)), serve_(std::move(serve)) {
    ::listen(fd_, 16);
    thread_ = std::thread([this] { Loop(); });
  }
  ~TcpServer() {
    stop_ = true;
    thread_.join();
    ::close(fd_);
  }
  int port() const { return port_; }

 private:
  void Loop() {
    while (!stop_) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 20) <= 0) continue;
      int c = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (c < 0) continue;
      serve_(c, stop_);
      ::close(c);
    }
  }
  int port_ = 0;
  int fd_;
  std::function<void(int, const std::atomic<bool>&)> serve_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

class UdpServer {
 public:
  // answer(query) -> datagram to send back ("" = stay silent).
  explicit UdpServer(std::function<std::string(const std::string&)> answer)
      : fd_(BindLoopback(SOCK_DGRAM, &port_)), answer_(std::move(answer)) {
    thread_ = std::thread([this] { Loop(); });
  }
  ~UdpServer() {
    stop_ = true;
    thread_.join();
    ::close(fd_);
  }
  int port() const { return port_; }

 private:
  void Loop() {
    char buf[1500];
    while (!stop_) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 20) <= 0) continue;
      sockaddr_in from{};
      socklen_t len = sizeof from;
      ssize_t n = ::recvfrom(fd_, buf, sizeof buf, 0, reinterpret_cast<sockaddr*>(&from), &len);
      if (n <= 0) continue;
      std::string out = answer_(std::string(buf, static_cast<size_t>(n)));
      if (!out.empty()) {
        ::sendto(fd_, out.data(), out.size(), 0, reinterpret_cast<sockaddr*>(&from), len);
      }
    }
  }
  int port_ = 0;
  int fd_;
  std::function<std::string(const std::string&)> answer_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

// Sleeps up to `ms` in small steps, returning early when stop is set.
inline void SleepUnlessStopped(int ms, const std::atomic<bool>& stop) {
  for (int i = 0; i < ms / 10 && !stop; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
}

// Reads until `end` arrives, the peer closes or ~2 s pass.
inline std::string ReadRequest(int fd, std::string_view end) {
  std::string got;
  char buf[4096];
  for (int i = 0; i < 200 && got.find(end) == std::string::npos; ++i) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 10) <= 0) continue;
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    got.append(buf, static_cast<size_t>(n));
  }
  return got;
}

inline void Send(int fd, std::string_view s) { ::send(fd, s.data(), s.size(), MSG_NOSIGNAL); }

}  // namespace livefire::net::testing
