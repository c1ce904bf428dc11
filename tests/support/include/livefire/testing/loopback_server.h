#pragma once
// Tiny loopback (127.0.0.1) servers for tests of network code: each listens
// on an ephemeral port and runs `serve(fd)` for each accepted connection
// (TCP) or answers each datagram (UDP) on one thread until destroyed.

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <string>
#include <string_view>
#include <thread>

namespace livefire::testsupport {

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

// A socket on 127.0.0.1 and a thread that hands it to on_ready(fd, stop)
// each time it polls readable, until destroyed (`stop` turns true then).
class LoopbackServer {
 public:
  using Ready = std::function<void(int fd, const std::atomic<bool>& stop)>;
  LoopbackServer(int type, Ready on_ready)
      : fd_(BindLoopback(type, &port_)), on_ready_(std::move(on_ready)) {
    if (type == SOCK_STREAM) ::listen(fd_, 16);
    thread_ = std::thread([this] {
      while (!stop_) {
        pollfd p{fd_, POLLIN, 0};
        if (::poll(&p, 1, 20) > 0) on_ready_(fd_, stop_);
      }
    });
  }
  ~LoopbackServer() {
    stop_ = true;
    thread_.join();
    ::close(fd_);
  }
  int port() const { return port_; }

 private:
  int port_ = 0;
  int fd_;
  Ready on_ready_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

// Serves each accepted connection with serve(fd, stop), then closes it.
class TcpServer {
 public:
  using Handler = std::function<void(int fd, const std::atomic<bool>& stop)>;
  explicit TcpServer(Handler serve)
      : serve_(std::move(serve)),
        server_(SOCK_STREAM, [this](int fd, const std::atomic<bool>& stop) {
          int c = ::accept4(fd, nullptr, nullptr, SOCK_CLOEXEC);
          if (c < 0) return;
          ++accepted_;
          serve_(c, stop);
          ::close(c);
        }) {}
  int port() const { return server_.port(); }
  int accepted() const { return accepted_; }

 private:
  Handler serve_;
  std::atomic<int> accepted_{0};
  LoopbackServer server_;  // last: its thread stops before the members above go
};

// Answers each datagram with answer(query) ("" = stay silent).
class UdpServer {
 public:
  explicit UdpServer(std::function<std::string(const std::string&)> answer)
      : answer_(std::move(answer)), server_(SOCK_DGRAM, [this](int fd, const std::atomic<bool>&) {
          char buf[1500];
          sockaddr_in from{};
          socklen_t len = sizeof from;
          ssize_t n = ::recvfrom(fd, buf, sizeof buf, 0, reinterpret_cast<sockaddr*>(&from), &len);
          if (n <= 0) return;
          std::string out = answer_(std::string(buf, static_cast<size_t>(n)));
          if (!out.empty()) {
            ::sendto(fd, out.data(), out.size(), 0, reinterpret_cast<sockaddr*>(&from), len);
          }
        }) {}
  int port() const { return server_.port(); }

 private:
  std::function<std::string(const std::string&)> answer_;
  LoopbackServer server_;  // last: its thread stops before answer_ goes
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

}  // namespace livefire::testsupport
