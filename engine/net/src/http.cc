#include "livefire/net/http.h"

#include <arpa/inet.h>
#include <fmt/format.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

namespace livefire::net {
// ---- HttpGet -----------------------------------------------------------------------

namespace {
class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};
}  // namespace

Result<HttpResponse> HttpGet(const std::string& address, int port, const std::string& path,
                             Duration timeout) {
  using Clock = std::chrono::steady_clock;
  auto deadline = Clock::now() + std::chrono::nanoseconds(timeout.nanos());
  auto remaining_ms = [&] {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    return static_cast<int>(std::max<int64_t>(0, left.count()));
  };
  std::string where = fmt::format("http://{}:{}{}", address, port, path);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(static_cast<uint16_t>(port));
  if (inet_pton(AF_INET, address.c_str(), &sa.sin_addr) != 1) {
    return Status::InvalidArgument(fmt::format("{}: not an IPv4 address", where));
  }
  Fd fd(::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (fd.get() < 0) return Status::Internal(fmt::format("socket: {}", std::strerror(errno)));
  if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0 &&
      errno != EINPROGRESS) {
    return Status::Unavailable(fmt::format("{}: {}", where, std::strerror(errno)));
  }
  pollfd p{fd.get(), POLLOUT, 0};
  if (::poll(&p, 1, remaining_ms()) <= 0) {
    return Status::DeadlineExceeded(fmt::format("{}: connect timed out", where));
  }
  int err = 0;
  socklen_t len = sizeof err;
  getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &err, &len);
  if (err) return Status::Unavailable(fmt::format("{}: {}", where, std::strerror(err)));
  std::string req = fmt::format("GET {} HTTP/1.0\r\nHost: {}\r\nUser-Agent: livefire\r\n\r\n",
                                path.empty() ? "/" : path, address);
  size_t sent = 0;
  while (sent < req.size()) {
    p = {fd.get(), POLLOUT, 0};
    if (::poll(&p, 1, remaining_ms()) <= 0) {
      return Status::DeadlineExceeded(fmt::format("{}: send timed out", where));
    }
    ssize_t n = ::send(fd.get(), req.data() + sent, req.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && errno != EAGAIN) {
      return Status::Unavailable(fmt::format("{}: {}", where, std::strerror(errno)));
    }
    if (n > 0) sent += static_cast<size_t>(n);
  }
  constexpr size_t kMax = size_t{1} << 20;
  std::string data;
  char buf[16384];
  while (data.size() < kMax + 4096) {
    p = {fd.get(), POLLIN, 0};
    int pr = ::poll(&p, 1, remaining_ms());
    if (pr <= 0) return Status::DeadlineExceeded(fmt::format("{}: no complete answer in time", where));
    ssize_t n = ::recv(fd.get(), buf, sizeof buf, 0);
    if (n == 0) break;
    if (n < 0) {
      if (errno == EAGAIN || errno == EINTR) continue;
      return Status::Unavailable(fmt::format("{}: {}", where, std::strerror(errno)));
    }
    data.append(buf, static_cast<size_t>(n));
  }
  // Status line: HTTP/1.x NNN ...
  if (data.rfind("HTTP/1.", 0) != 0 || data.size() < 12) {
    return Status::Unavailable(fmt::format("{}: not an HTTP response", where));
  }
  HttpResponse out;
  out.status = std::atoi(data.substr(9, 3).c_str());
  if (out.status < 100 || out.status > 599) {
    return Status::Unavailable(fmt::format("{}: bad status line", where));
  }
  size_t body = data.find("\r\n\r\n");
  if (body != std::string::npos) out.body = data.substr(body + 4, kMax);
  return out;
}


}  // namespace livefire::net
