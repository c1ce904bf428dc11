#include "livefire/checks/checks.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <exception>

#include "livefire/topology/plan.h"

namespace livefire::checks {

namespace {

using Clock = std::chrono::steady_clock;

// Largest response read from a service: enough for a page match, bounded so
// a service streaming garbage cannot grow memory.
constexpr size_t kMaxRead = 256 * 1024;

class Fd {
 public:
  explicit Fd(int fd = -1) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

// A failed step: `detail` goes into the check.result event as is.
struct Failure {
  std::string detail;
};

int RemainingMs(Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  return left.count() <= 0 ? 0 : static_cast<int>(std::min<int64_t>(left.count(), 1 << 30));
}

std::string Errno(int err) { return std::strerror(err); }

// Printable excerpt of what a service sent, for details.
std::string Excerpt(std::string_view s, size_t max = 60) {
  std::string out;
  for (char c : s.substr(0, max)) {
    unsigned char u = static_cast<unsigned char>(c);
    if (c == '\r') {
      out += "\\r";
    } else if (c == '\n') {
      out += "\\n";
    } else if (u < 0x20 || u == 0x7f) {
      out += fmt::format("\\x{:02x}", u);
    } else {
      out += c;
    }
  }
  if (s.size() > max) out += "...";
  return "\"" + out + "\"";
}

std::string TimeoutText(Duration timeout) { return FormatDuration(timeout); }

struct Sockaddr {
  sockaddr_storage ss{};
  socklen_t len = 0;
};

bool ParseAddress(const std::string& address, int port, Sockaddr& out) {
  auto* v4 = reinterpret_cast<sockaddr_in*>(&out.ss);
  if (inet_pton(AF_INET, address.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(static_cast<uint16_t>(port));
    out.len = sizeof(sockaddr_in);
    return true;
  }
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&out.ss);
  if (inet_pton(AF_INET6, address.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(static_cast<uint16_t>(port));
    out.len = sizeof(sockaddr_in6);
    return true;
  }
  return false;
}

class Conn {
 public:
  Conn(Clock::time_point deadline, Duration timeout) : deadline_(deadline), timeout_(timeout) {}

  // Non-blocking connect bounded by the deadline.
  bool Connect(const CheckTarget& t, int type, Failure& f) {
    Sockaddr addr;
    if (t.port <= 0 || t.port > 65535) {
      f.detail = fmt::format("invalid port {}", t.port);
      return false;
    }
    if (!ParseAddress(t.address, t.port, addr)) {
      f.detail = fmt::format("'{}' is not a numeric IP address", t.address);
      return false;
    }
    int fd = ::socket(addr.ss.ss_family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
      f.detail = "socket: " + Errno(errno);
      return false;
    }
    fd_ = std::make_unique<Fd>(fd);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr.ss), addr.len) == 0) return true;
    if (errno != EINPROGRESS) {
      f.detail = "connect: " + Errno(errno);
      return false;
    }
    pollfd p{fd, POLLOUT, 0};
    int n = ::poll(&p, 1, RemainingMs(deadline_));
    if (n == 0) {
      f.detail = fmt::format("connect timed out after {}", TimeoutText(timeout_));
      return false;
    }
    if (n < 0) {
      f.detail = "poll: " + Errno(errno);
      return false;
    }
    int err = 0;
    socklen_t len = sizeof(err);
    ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
    if (err != 0) {
      f.detail = "connect: " + Errno(err);
      return false;
    }
    return true;
  }

  bool Write(std::string_view data, Failure& f) {
    while (!data.empty()) {
      ssize_t n = ::send(fd_->get(), data.data(), data.size(), MSG_NOSIGNAL);
      if (n > 0) {
        data.remove_prefix(static_cast<size_t>(n));
        continue;
      }
      if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
        f.detail = "send: " + Errno(errno);
        return false;
      }
      pollfd p{fd_->get(), POLLOUT, 0};
      if (::poll(&p, 1, RemainingMs(deadline_)) <= 0) {
        f.detail = fmt::format("send timed out after {}", TimeoutText(timeout_));
        return false;
      }
    }
    return true;
  }

  // Reads into buf until done(buf) holds, the peer closes (eof = true) or
  // the deadline passes (false, with a detail naming `waiting_for`).
  template <typename Done>
  bool ReadUntil(std::string& buf, Done done, std::string_view waiting_for, Failure& f,
                 bool* eof = nullptr) {
    if (eof) *eof = false;
    char chunk[4096];
    while (!done(buf)) {
      if (buf.size() >= kMaxRead) {
        f.detail = fmt::format("more than {} bytes without {}", kMaxRead, waiting_for);
        return false;
      }
      pollfd p{fd_->get(), POLLIN, 0};
      int n = ::poll(&p, 1, RemainingMs(deadline_));
      if (n == 0) {
        f.detail = buf.empty()
                       ? fmt::format("timed out after {} waiting for {} (no data)",
                                     TimeoutText(timeout_), waiting_for)
                       : fmt::format("timed out after {} waiting for {}; got {}",
                                     TimeoutText(timeout_), waiting_for, Excerpt(buf));
        return false;
      }
      if (n < 0 && errno != EINTR) {
        f.detail = "poll: " + Errno(errno);
        return false;
      }
      ssize_t r = ::recv(fd_->get(), chunk, sizeof(chunk), 0);
      if (r > 0) {
        buf.append(chunk, static_cast<size_t>(r));
        continue;
      }
      if (r == 0) {
        if (eof) {
          *eof = true;
          return true;
        }
        f.detail = buf.empty() ? fmt::format("connection closed before {}", waiting_for)
                               : fmt::format("connection closed before {}; got {}", waiting_for,
                                             Excerpt(buf));
        return false;
      }
      if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) continue;
      f.detail = "recv: " + Errno(errno);
      return false;
    }
    return true;
  }

  int fd() const { return fd_->get(); }

 private:
  Clock::time_point deadline_;
  Duration timeout_;
  std::unique_ptr<Fd> fd_;
};

// ---- protocol clients ----------------------------------------------------------
// Each returns true (up) or false with f.detail; `seen` describes an up result.

bool CheckHttp(const CheckTarget& t, Conn& c, std::string& seen, Failure& f) {
  std::string path = t.check.path.empty() ? "/" : t.check.path;
  if (path.front() != '/' || path.find_first_of(" \r\n") != std::string::npos) {
    f.detail = fmt::format("invalid HTTP path {}", Excerpt(path));
    return false;
  }
  std::string req = fmt::format(
      "GET {} HTTP/1.0\r\nHost: {}\r\nUser-Agent: livefire-check\r\nConnection: close\r\n\r\n",
      path, t.address);
  if (!c.Write(req, f)) return false;
  std::string buf;
  bool eof = false;
  // HTTP/1.0 with Connection: close: the body ends when the server closes.
  // A response that never ends is down even if its start looked fine: a
  // service that hangs mid-page is not serving users.
  if (!c.ReadUntil(buf, [](const std::string&) { return false; }, "the end of the HTTP response",
                   f, &eof)) {
    return false;
  }
  size_t eol = buf.find("\r\n");
  std::string_view line = std::string_view(buf).substr(0, eol == std::string::npos ? buf.size() : eol);
  if (!line.starts_with("HTTP/1.") || line.size() < 12 || line[8] != ' ' ||
      !std::isdigit(static_cast<unsigned char>(line[9])) ||
      !std::isdigit(static_cast<unsigned char>(line[10])) ||
      !std::isdigit(static_cast<unsigned char>(line[11]))) {
    f.detail = buf.empty() ? std::string("empty HTTP response")
                           : fmt::format("malformed HTTP status line {}", Excerpt(line));
    return false;
  }
  int status = std::stoi(std::string(line.substr(9, 3)));
  size_t header_end = buf.find("\r\n\r\n");
  if (header_end == std::string::npos) {
    f.detail = fmt::format("HTTP {} response without the end of its headers", status);
    return false;
  }
  std::string_view body = std::string_view(buf).substr(header_end + 4);
  bool status_ok = t.check.expect_status > 0 ? status == t.check.expect_status
                                             : status >= 200 && status < 400;
  if (!status_ok) {
    f.detail = t.check.expect_status > 0
                   ? fmt::format("HTTP status {} (expected {})", status, t.check.expect_status)
                   : fmt::format("HTTP status {} (expected 2xx or 3xx)", status);
    return false;
  }
  if (!t.check.expect.empty() && body.find(t.check.expect) == std::string_view::npos) {
    f.detail = fmt::format("HTTP {}: body ({} bytes) lacks {}", status, body.size(),
                           Excerpt(t.check.expect));
    return false;
  }
  seen = fmt::format("HTTP {}, {} bytes", status, body.size());
  return true;
}

// Reads one complete reply of a line-based protocol (SMTP, FTP): lines
// "NNN-..." continue, "NNN ..." ends it. Sets the final line's code and the
// whole reply's text (lines joined by "\n").
bool ReadReply(Conn& c, std::string& buf, std::string_view what, int& code, std::string& text,
               Failure& f) {
  auto continuation = [](std::string_view line) {
    return line.size() >= 4 && line[3] == '-' &&
           std::all_of(line.begin(), line.begin() + 3,
                       [](char ch) { return std::isdigit(static_cast<unsigned char>(ch)); });
  };
  // Complete once a full line arrives that does not continue the reply (a
  // final line, or garbage that the validation below reports).
  auto complete = [&](const std::string& b) {
    size_t start = 0;
    while (true) {
      size_t eol = b.find('\n', start);
      if (eol == std::string::npos) return false;
      if (!continuation(std::string_view(b).substr(start, eol - start))) return true;
      start = eol + 1;
    }
  };
  if (!c.ReadUntil(buf, complete, what, f)) return false;
  text.clear();
  size_t start = 0;
  while (start < buf.size()) {
    size_t eol = buf.find('\n', start);
    std::string_view line = std::string_view(buf).substr(start, eol - start);
    start = eol + 1;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    bool final_line = line.size() >= 3 &&
                      std::all_of(line.begin(), line.begin() + 3,
                                  [](char ch) { return std::isdigit(static_cast<unsigned char>(ch)); }) &&
                      (line.size() == 3 || line[3] == ' ');
    if (!final_line && !continuation(line)) {
      f.detail = fmt::format("malformed {} line {}", what, Excerpt(line));
      return false;
    }
    if (!text.empty()) text += '\n';
    text += line;
    code = std::stoi(std::string(line.substr(0, 3)));
    if (final_line) break;
  }
  buf.erase(0, std::min(start, buf.size()));
  return true;
}

bool CheckSmtp(const CheckTarget& t, Conn& c, std::string& seen, Failure& f) {
  std::string buf, greeting, text;
  int code = 0;
  if (!ReadReply(c, buf, "SMTP greeting", code, greeting, f)) return false;
  if (code != 220) {
    f.detail = fmt::format("SMTP greeting {} (expected 220): {}", code, Excerpt(greeting));
    return false;
  }
  if (!t.check.expect.empty() && greeting.find(t.check.expect) == std::string::npos) {
    f.detail = fmt::format("SMTP greeting {} lacks {}", Excerpt(greeting), Excerpt(t.check.expect));
    return false;
  }
  if (!c.Write("EHLO livefire.check\r\n", f)) return false;
  if (!ReadReply(c, buf, "EHLO reply", code, text, f)) return false;
  if (code != 250) {
    f.detail = fmt::format("EHLO answered {} (expected 250): {}", code, Excerpt(text));
    return false;
  }
  Failure ignored;
  c.Write("QUIT\r\n", ignored);
  seen = fmt::format("SMTP {}", Excerpt(greeting));
  return true;
}

bool CheckFtp(const CheckTarget& t, Conn& c, std::string& seen, Failure& f) {
  std::string buf, greeting;
  int code = 0;
  if (!ReadReply(c, buf, "FTP greeting", code, greeting, f)) return false;
  if (code != 220) {
    f.detail = fmt::format("FTP greeting {} (expected 220): {}", code, Excerpt(greeting));
    return false;
  }
  if (!t.check.expect.empty() && greeting.find(t.check.expect) == std::string::npos) {
    f.detail = fmt::format("FTP greeting {} lacks {}", Excerpt(greeting), Excerpt(t.check.expect));
    return false;
  }
  Failure ignored;
  c.Write("QUIT\r\n", ignored);
  seen = fmt::format("FTP {}", Excerpt(greeting));
  return true;
}

bool CheckSsh(const CheckTarget& t, Conn& c, std::string& seen, Failure& f) {
  // RFC 4253 4.2: lines before the identification are allowed; it starts "SSH-".
  std::string buf;
  auto has_id = [](const std::string& b) {
    size_t pos = 0;
    while (true) {
      size_t eol = b.find('\n', pos);
      if (eol == std::string::npos) return false;
      if (std::string_view(b).substr(pos).starts_with("SSH-")) return true;
      pos = eol + 1;
    }
  };
  if (!c.ReadUntil(buf, has_id, "the SSH identification line", f)) return false;
  size_t pos = buf.starts_with("SSH-") ? 0 : buf.find("\nSSH-") + 1;
  std::string line = buf.substr(pos, buf.find('\n', pos) - pos);
  if (!line.empty() && line.back() == '\r') line.pop_back();
  if (!line.starts_with("SSH-2.0-") && !line.starts_with("SSH-1.99-")) {
    f.detail = fmt::format("SSH identification {} is not protocol 2.0", Excerpt(line));
    return false;
  }
  if (!t.check.expect.empty() && line.find(t.check.expect) == std::string::npos) {
    f.detail = fmt::format("SSH identification {} lacks {}", Excerpt(line), Excerpt(t.check.expect));
    return false;
  }
  seen = Excerpt(line);
  return true;
}

// Telnet: answer option negotiation with refusals (DO -> WONT, WILL -> DONT)
// and collect the text the server prints.
bool CheckTelnet(const CheckTarget& t, Conn& c, std::string& seen, Failure& f) {
  constexpr unsigned char kIac = 255, kDont = 254, kDo = 253, kWont = 252, kWill = 251, kSb = 250,
                          kSe = 240;
  const std::string& expect = t.check.expect;
  std::string raw, text, replies;
  size_t parsed = 0;
  bool sub = false;
  // Consumes complete commands from raw[parsed..]; a partial one waits for more bytes.
  auto digest = [&] {
    while (parsed < raw.size()) {
      unsigned char ch = static_cast<unsigned char>(raw[parsed]);
      if (ch != kIac) {
        if (!sub) text += static_cast<char>(ch);
        ++parsed;
        continue;
      }
      if (parsed + 1 >= raw.size()) return;
      unsigned char cmd = static_cast<unsigned char>(raw[parsed + 1]);
      if (cmd == kDo || cmd == kDont || cmd == kWill || cmd == kWont) {
        if (parsed + 2 >= raw.size()) return;
        char opt = raw[parsed + 2];
        if (cmd == kDo) replies += {static_cast<char>(kIac), static_cast<char>(kWont), opt};
        if (cmd == kWill) replies += {static_cast<char>(kIac), static_cast<char>(kDont), opt};
        parsed += 3;
        continue;
      }
      if (cmd == kSb) sub = true;
      if (cmd == kSe) sub = false;
      if (cmd == kIac && !sub) text += static_cast<char>(kIac);
      parsed += 2;
    }
  };
  auto done = [&] { return expect.empty() ? !raw.empty() : text.find(expect) != std::string::npos; };
  std::string waiting = expect.empty() ? "the telnet banner" : "telnet text " + Excerpt(expect);
  while (!done()) {
    size_t before = raw.size();
    if (!c.ReadUntil(raw, [&](const std::string& b) { return b.size() > before; }, waiting, f)) {
      if (!expect.empty() && !raw.empty()) {
        f.detail = fmt::format("telnet text {} lacks {} ({})", Excerpt(text), Excerpt(expect),
                               f.detail.substr(0, f.detail.find(';')));
      }
      return false;
    }
    digest();
    if (!replies.empty()) {
      Failure ignored;
      c.Write(replies, ignored);
      replies.clear();
    }
  }
  seen = text.empty() ? std::string("telnet option negotiation") : Excerpt(text);
  return true;
}

bool CheckTcp(const CheckTarget& t, Conn& c, std::string& seen, Failure& f) {
  if (t.check.expect.empty()) {
    seen = "connected";
    return true;
  }
  std::string buf;
  const std::string& expect = t.check.expect;
  if (!c.ReadUntil(buf, [&](const std::string& b) { return b.find(expect) != std::string::npos; },
                   "banner " + Excerpt(expect), f)) {
    return false;
  }
  seen = fmt::format("banner {}", Excerpt(buf));
  return true;
}

bool CheckDns(const CheckTarget& t, Clock::time_point deadline, Duration timeout,
              std::string& seen, Failure& f) {
  if (t.check.query.empty()) {
    f.detail = "dns check has no query name";
    return false;
  }
  // The id only has to tell this check's answer from stray datagrams; one
  // socket per check means no two queries share it.
  uint16_t id = static_cast<uint16_t>(std::hash<std::string>()(t.team + '/' + t.node + '/' + t.service));
  auto query = EncodeDnsQuery(id, t.check.query);
  if (!query.ok()) {
    f.detail = query.status().message();
    return false;
  }
  Conn c(deadline, timeout);
  if (!c.Connect(t, SOCK_DGRAM, f)) return false;
  if (!c.Write(*query, f)) return false;
  char buf[1500];
  while (true) {
    pollfd p{c.fd(), POLLIN, 0};
    int n = ::poll(&p, 1, RemainingMs(deadline));
    if (n == 0) {
      f.detail = fmt::format("no DNS answer within {}", FormatDuration(timeout));
      return false;
    }
    if (n < 0) {
      if (errno == EINTR) continue;
      f.detail = "poll: " + Errno(errno);
      return false;
    }
    ssize_t r = ::recv(c.fd(), buf, sizeof(buf), 0);
    if (r < 0) {
      if (errno == EAGAIN || errno == EINTR) continue;
      // ICMP port unreachable comes back as ECONNREFUSED on a connected UDP socket.
      f.detail = "DNS: " + Errno(errno);
      return false;
    }
    auto resp = DecodeDnsResponse(std::string_view(buf, static_cast<size_t>(r)));
    if (!resp.ok()) {
      f.detail = "malformed DNS response: " + resp.status().message();
      return false;
    }
    if (resp->id != id) continue;  // a stale answer to someone else's query
    if (resp->rcode != 0) {
      f.detail = fmt::format("DNS {} for {}", DnsRcodeName(resp->rcode), t.check.query);
      return false;
    }
    if (resp->a_records.empty()) {
      f.detail = fmt::format("DNS answer for {} has no A record", t.check.query);
      return false;
    }
    if (!t.check.expect.empty() &&
        std::find(resp->a_records.begin(), resp->a_records.end(), t.check.expect) ==
            resp->a_records.end()) {
      f.detail = fmt::format("DNS {} -> {} (expected {})", t.check.query,
                             fmt::join(resp->a_records, ","), t.check.expect);
      return false;
    }
    seen = fmt::format("{} -> {}", t.check.query, fmt::join(resp->a_records, ","));
    return true;
  }
}

}  // namespace

CheckOutcome RunCheck(const CheckTarget& t, Duration timeout, const LuaCheckFn& lua) {
  auto started = Clock::now();
  auto deadline = started + std::chrono::nanoseconds(timeout.nanos());
  CheckOutcome out;
  Failure f;
  std::string seen;
  bool up = false;
  const std::string& kind = t.check.kind;
  try {
    if (kind == "lua") {
      if (!lua) {
        f.detail = fmt::format("no runner for Lua check '{}'", t.check.lua_check);
      } else {
        out = lua(t, timeout);
        if (out.latency_ms == 0) {
          out.latency_ms = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started).count();
        }
        return out;
      }
    } else if (kind == "dns") {
      up = CheckDns(t, deadline, timeout, seen, f);
    } else if (kind == "http" || kind == "tcp" || kind == "smtp" || kind == "ftp" ||
               kind == "ssh" || kind == "telnet") {
      Conn c(deadline, timeout);
      if (c.Connect(t, SOCK_STREAM, f)) {
        if (kind == "http") up = CheckHttp(t, c, seen, f);
        if (kind == "tcp") up = CheckTcp(t, c, seen, f);
        if (kind == "smtp") up = CheckSmtp(t, c, seen, f);
        if (kind == "ftp") up = CheckFtp(t, c, seen, f);
        if (kind == "ssh") up = CheckSsh(t, c, seen, f);
        if (kind == "telnet") up = CheckTelnet(t, c, seen, f);
      }
    } else {
      f.detail = fmt::format("unknown check kind '{}'", kind);
    }
  } catch (const std::exception& e) {
    // A Lua runner or an allocation may throw; a check never takes the pool down.
    up = false;
    f.detail = fmt::format("check failed: {}", e.what());
  }
  out.up = up;
  out.detail = up ? seen : f.detail;
  out.latency_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started).count();
  return out;
}

Event MakeCheckEvent(const CheckTarget& t, const CheckOutcome& o, SimTime time) {
  Event e;
  e.time = time;
  e.team = t.team;
  e.kind = std::string(kinds::kCheckResult);
  e.payload = {{"service", t.service},        {"node", t.node},
               {"status", o.up ? "up" : "down"}, {"latency_ms", o.latency_ms},
               {"detail", o.detail},           {"check", t.check.kind}};
  return e;
}

std::vector<CheckTarget> CheckTargets(const model::Scenario& s, const topology::RangePlan& plan) {
  std::vector<CheckTarget> out;
  for (const auto& d : plan.domains) {
    if (d.team.empty() || d.is_router || d.interfaces.empty()) continue;
    const model::Node* node = nullptr;
    for (const auto& n : s.nodes) {
      if (n.name == d.node) node = &n;
    }
    if (node == nullptr) continue;
    for (const auto& svc : node->services) {
      if (svc.check.kind.empty()) continue;
      out.push_back({d.team, d.node, svc.name, d.interfaces.front().address, svc.port, svc.check});
    }
  }
  std::sort(out.begin(), out.end(), [](const CheckTarget& a, const CheckTarget& b) {
    return std::tie(a.team, a.node, a.service) < std::tie(b.team, b.node, b.service);
  });
  return out;
}

// ---- DNS -------------------------------------------------------------------------

Result<std::string> EncodeDnsQuery(uint16_t id, std::string_view name) {
  if (!name.empty() && name.back() == '.') name.remove_suffix(1);
  if (name.empty()) return Status::InvalidArgument("DNS name is empty");
  if (name.size() > 253) {
    return Status::InvalidArgument(fmt::format("DNS name '{}' is longer than 253 bytes", name));
  }
  std::string q;
  q += static_cast<char>(id >> 8);
  q += static_cast<char>(id & 0xff);
  q += '\x01';  // RD
  q += '\x00';
  q += std::string("\x00\x01\x00\x00\x00\x00\x00\x00", 8);  // QD=1, AN=NS=AR=0
  size_t start = 0;
  while (start <= name.size()) {
    size_t dot = name.find('.', start);
    if (dot == std::string_view::npos) dot = name.size();
    size_t len = dot - start;
    if (len == 0 || len > 63) {
      return Status::InvalidArgument(
          fmt::format("DNS name '{}' has a label of {} bytes (1..63 allowed)", name, len));
    }
    q += static_cast<char>(len);
    q += name.substr(start, len);
    start = dot + 1;
  }
  q += std::string("\x00\x00\x01\x00\x01", 5);  // root, QTYPE A, QCLASS IN
  return q;
}

namespace {
// Skips a (possibly compressed) name; false when it runs past the end.
bool SkipName(std::string_view b, size_t& pos) {
  while (true) {
    if (pos >= b.size()) return false;
    unsigned char len = static_cast<unsigned char>(b[pos]);
    if (len == 0) {
      ++pos;
      return true;
    }
    if ((len & 0xc0) == 0xc0) {
      if (pos + 2 > b.size()) return false;
      pos += 2;
      return true;
    }
    if ((len & 0xc0) != 0) return false;  // reserved label types
    pos += 1 + len;
  }
}
uint16_t U16(std::string_view b, size_t pos) {
  return static_cast<uint16_t>((static_cast<unsigned char>(b[pos]) << 8) |
                               static_cast<unsigned char>(b[pos + 1]));
}
}  // namespace

Result<DnsResponse> DecodeDnsResponse(std::string_view b) {
  if (b.size() < 12) {
    return Status::InvalidArgument(fmt::format("{} bytes, shorter than a DNS header", b.size()));
  }
  DnsResponse r;
  r.id = U16(b, 0);
  uint16_t flags = U16(b, 2);
  if ((flags & 0x8000) == 0) return Status::InvalidArgument("not a response (QR bit clear)");
  r.truncated = (flags & 0x0200) != 0;
  r.rcode = flags & 0x000f;
  uint16_t qd = U16(b, 4), an = U16(b, 6);
  size_t pos = 12;
  for (int i = 0; i < qd; ++i) {
    if (!SkipName(b, pos) || pos + 4 > b.size()) {
      return Status::InvalidArgument(fmt::format("question {} runs past the end", i + 1));
    }
    pos += 4;
  }
  for (int i = 0; i < an; ++i) {
    if (!SkipName(b, pos) || pos + 10 > b.size()) {
      return Status::InvalidArgument(fmt::format("answer {} runs past the end", i + 1));
    }
    uint16_t type = U16(b, pos), cls = U16(b, pos + 2), rdlen = U16(b, pos + 8);
    pos += 10;
    if (pos + rdlen > b.size()) {
      return Status::InvalidArgument(fmt::format("answer {} data runs past the end", i + 1));
    }
    if (type == 1 && cls == 1) {
      if (rdlen != 4) {
        return Status::InvalidArgument(fmt::format("A record of {} bytes (expected 4)", rdlen));
      }
      r.a_records.push_back(fmt::format("{}.{}.{}.{}", static_cast<unsigned char>(b[pos]),
                                        static_cast<unsigned char>(b[pos + 1]),
                                        static_cast<unsigned char>(b[pos + 2]),
                                        static_cast<unsigned char>(b[pos + 3])));
    }
    pos += rdlen;
  }
  return r;
}

std::string_view DnsRcodeName(int rcode) {
  switch (rcode) {
    case 0: return "NOERROR";
    case 1: return "FORMERR";
    case 2: return "SERVFAIL";
    case 3: return "NXDOMAIN";
    case 4: return "NOTIMP";
    case 5: return "REFUSED";
    default: return "error";
  }
}

}  // namespace livefire::checks
