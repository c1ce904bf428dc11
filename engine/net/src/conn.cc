#include "livefire/net/conn.h"

#include <arpa/inet.h>
#include <fmt/format.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace livefire::net {

namespace {

std::string Errno(int err) { return std::strerror(err); }

int RemainingMs(Deadline deadline) {
  auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now());
  return left.count() <= 0 ? 0 : static_cast<int>(std::min<int64_t>(left.count(), 1 << 30));
}

// Waits for `events` on fd; Ok when ready, DeadlineExceeded when the
// deadline passed first.
Status WaitFor(int fd, short events, Deadline deadline, std::string_view what) {
  while (true) {
    pollfd p{fd, events, 0};
    int n = ::poll(&p, 1, RemainingMs(deadline));
    if (n > 0) return Status::Ok();
    if (n == 0) {
      // poll rounds to milliseconds: only give up once the deadline is past.
      if (Clock::now() >= deadline) return Status::DeadlineExceeded(std::string(what));
      continue;
    }
    if (errno != EINTR) return Status::Internal("poll: " + Errno(errno));
  }
}

}  // namespace

Fd& Fd::operator=(Fd&& o) noexcept {
  if (this != &o) {
    Reset();
    fd_ = o.fd_;
    o.fd_ = -1;
  }
  return *this;
}

void Fd::Reset() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

Result<TcpConn> TcpConn::Connect(const std::string& address, int port, Deadline deadline) {
  if (port <= 0 || port > 65535)
    return Status::InvalidArgument(fmt::format("invalid port {}", port));
  sockaddr_storage ss{};
  socklen_t len = 0;
  auto* v4 = reinterpret_cast<sockaddr_in*>(&ss);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&ss);
  if (inet_pton(AF_INET, address.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(static_cast<uint16_t>(port));
    len = sizeof(sockaddr_in);
  } else if (inet_pton(AF_INET6, address.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(static_cast<uint16_t>(port));
    len = sizeof(sockaddr_in6);
  } else {
    return Status::InvalidArgument(fmt::format("'{}' is not a numeric IP address", address));
  }
  Fd fd(::socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (fd.get() < 0) return Status::Internal("socket: " + Errno(errno));
  if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&ss), len) == 0)
    return TcpConn(std::move(fd));
  if (errno != EINPROGRESS) return Status::Unavailable("connect: " + Errno(errno));
  LF_RETURN_IF_ERROR(WaitFor(fd.get(), POLLOUT, deadline, "connect timed out"));
  int err = 0;
  socklen_t elen = sizeof(err);
  ::getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &err, &elen);
  if (err != 0) return Status::Unavailable("connect: " + Errno(err));
  return TcpConn(std::move(fd));
}

Status TcpConn::Write(std::string_view data, Deadline deadline) {
  while (!data.empty()) {
    ssize_t n = ::send(fd_.get(), data.data(), data.size(), MSG_NOSIGNAL);
    if (n > 0) {
      data.remove_prefix(static_cast<size_t>(n));
      continue;
    }
    if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
      return Status::Unavailable("send: " + Errno(errno));
    }
    LF_RETURN_IF_ERROR(WaitFor(fd_.get(), POLLOUT, deadline, "send timed out"));
  }
  return Status::Ok();
}

Result<size_t> TcpConn::ReadSome(std::string* buf, Deadline deadline) {
  char chunk[4096];
  while (true) {
    ssize_t r = ::recv(fd_.get(), chunk, sizeof(chunk), 0);
    if (r >= 0) {
      buf->append(chunk, static_cast<size_t>(r));
      return static_cast<size_t>(r);
    }
    if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
      return Status::Unavailable("recv: " + Errno(errno));
    }
    LF_RETURN_IF_ERROR(WaitFor(fd_.get(), POLLIN, deadline, "timed out"));
  }
}

Status TcpConn::ReadUntil(std::string* buf, const std::function<bool(const std::string&)>& done,
                          Deadline deadline, size_t max_bytes, bool* eof) {
  if (eof) *eof = false;
  while (!done(*buf)) {
    if (buf->size() >= max_bytes) {
      return Status::ResourceExhausted(fmt::format("more than {} bytes", max_bytes));
    }
    LF_ASSIGN_OR_RETURN(size_t n, ReadSome(buf, deadline));
    if (n == 0) {
      if (eof) {
        *eof = true;
        return Status::Ok();
      }
      return Status::Unavailable("connection closed");
    }
  }
  return Status::Ok();
}

Result<std::string> TcpConn::ReadLine(std::string* pending, Deadline deadline, size_t max_bytes) {
  LF_RETURN_IF_ERROR(ReadUntil(
      pending, [](const std::string& b) { return b.find('\n') != std::string::npos; }, deadline,
      max_bytes));
  size_t eol = pending->find('\n');
  std::string line = pending->substr(0, eol);
  pending->erase(0, eol + 1);
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

bool TcpConnects(const std::string& address, int port, Deadline deadline) {
  return TcpConn::Connect(address, port, deadline).ok();
}

}  // namespace livefire::net
