#pragma once
// A TCP connection from the host in which every call is bounded by a
// deadline (POSIX non-blocking sockets and poll): a check or a readiness
// probe must never hang on a service that accepts and then says nothing.

#include <chrono>
#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

#include "livefire/status.h"
#include "livefire/time.h"

namespace livefire::net {

using Clock = std::chrono::steady_clock;
using Deadline = Clock::time_point;

inline Deadline DeadlineAfter(Duration timeout) {
  return Clock::now() + std::chrono::nanoseconds(timeout.nanos());
}

// An owned file descriptor (closed on destruction).
class Fd {
 public:
  explicit Fd(int fd = -1) : fd_(fd) {}
  ~Fd() { Reset(); }
  Fd(Fd&& o) noexcept : fd_(o.fd_) { o.fd_ = -1; }
  Fd& operator=(Fd&& o) noexcept;
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  void Reset();

 private:
  int fd_;
};

// Errors: InvalidArgument (address/port), Unavailable (refused, reset, closed
// early: message "connect: Connection refused", ...), DeadlineExceeded,
// ResourceExhausted (more than the caller's byte limit without the wanted data).
class TcpConn {
 public:
  // `address` is a numeric IPv4 or IPv6 address.
  static Result<TcpConn> Connect(const std::string& address, int port, Deadline deadline);

  Status Write(std::string_view data, Deadline deadline);

  // Appends whatever arrives (at least one byte) to *buf; 0 at end of stream.
  Result<size_t> ReadSome(std::string* buf, Deadline deadline);

  // Reads into *buf until done(*buf) holds. At end of stream: Ok with
  // *eof = true when eof is given, else Unavailable ("connection closed").
  Status ReadUntil(std::string* buf, const std::function<bool(const std::string&)>& done,
                   Deadline deadline, size_t max_bytes, bool* eof = nullptr);

  // One line without its "\n" (and "\r"); bytes after it stay buffered in
  // *pending for the next call.
  Result<std::string> ReadLine(std::string* pending, Deadline deadline, size_t max_bytes = 8192);

  int fd() const { return fd_.get(); }

 private:
  explicit TcpConn(Fd fd) : fd_(std::move(fd)) {}
  Fd fd_;
};

// True when a TCP connection to address:port is accepted before the
// deadline (a readiness probe).
bool TcpConnects(const std::string& address, int port, Deadline deadline);

}  // namespace livefire::net
