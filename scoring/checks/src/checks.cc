#include "livefire/checks/checks.h"

#include <arpa/inet.h>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <chrono>
#include <exception>
#include <optional>

#include "livefire/net/address.h"
#include "livefire/net/conn.h"
#include "livefire/net/dns.h"
#include "livefire/net/http.h"
#include "livefire/topology/plan.h"

namespace livefire::checks {

namespace {

using Clock = std::chrono::steady_clock;

// Largest response read from a service: enough for a page match, bounded so
// a service streaming garbage cannot grow memory.
constexpr size_t kMaxRead = 256 * 1024;

// A failed step: `detail` goes into the check.result event as is.
struct Failure {
  std::string detail;
};

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

// Where a check's message from engine/net starts after "http://...: ".
std::string AfterWhere(const std::string& message) {
  size_t sep = message.find(": ");
  return sep == std::string::npos ? message : message.substr(sep + 2);
}

// The target's port and address, checked before any I/O so that every check
// kind reports them the same way.
bool ValidTarget(const CheckTarget& t, Failure& f) {
  if (t.port <= 0 || t.port > 65535) {
    f.detail = fmt::format("invalid port {}", t.port);
    return false;
  }
  unsigned char buf[16];
  if (!net::ParseIpv4(t.address).ok() && inet_pton(AF_INET6, t.address.c_str(), buf) != 1) {
    f.detail = fmt::format("'{}' is not a numeric IP address", t.address);
    return false;
  }
  return true;
}

// A net::TcpConn that turns its errors into check details ("timed out after
// 3s waiting for the SMTP greeting; got ...").
class Conn {
 public:
  Conn(net::Deadline deadline, Duration timeout) : deadline_(deadline), timeout_(timeout) {}

  bool Connect(const CheckTarget& t, Failure& f) {
    auto c = net::TcpConn::Connect(t.address, t.port, deadline_);
    if (!c.ok()) {
      f.detail = c.status().code() == StatusCode::kDeadlineExceeded
                     ? fmt::format("connect timed out after {}", TimeoutText(timeout_))
                     : c.status().message();
      return false;
    }
    conn_.emplace(std::move(c).value());
    return true;
  }

  bool Write(std::string_view data, Failure& f) {
    Status s = conn_->Write(data, deadline_);
    if (s.ok()) return true;
    f.detail = s.code() == StatusCode::kDeadlineExceeded
                   ? fmt::format("send timed out after {}", TimeoutText(timeout_))
                   : s.message();
    return false;
  }

  // Reads into buf until done(buf) holds, the peer closes (eof = true) or
  // the deadline passes (false, with a detail naming `waiting_for`).
  template <typename Done>
  bool ReadUntil(std::string& buf, Done done, std::string_view waiting_for, Failure& f,
                 bool* eof = nullptr) {
    Status s = conn_->ReadUntil(&buf, done, deadline_, kMaxRead, eof);
    if (s.ok()) return true;
    switch (s.code()) {
      case StatusCode::kResourceExhausted:
        f.detail = fmt::format("more than {} bytes without {}", kMaxRead, waiting_for);
        break;
      case StatusCode::kDeadlineExceeded:
        f.detail = buf.empty() ? fmt::format("timed out after {} waiting for {} (no data)",
                                             TimeoutText(timeout_), waiting_for)
                               : fmt::format("timed out after {} waiting for {}; got {}",
                                             TimeoutText(timeout_), waiting_for, Excerpt(buf));
        break;
      case StatusCode::kUnavailable:
        if (s.message() == "connection closed") {
          f.detail = buf.empty() ? fmt::format("connection closed before {}", waiting_for)
                                 : fmt::format("connection closed before {}; got {}", waiting_for,
                                               Excerpt(buf));
          break;
        }
        [[fallthrough]];
      default:
        f.detail = s.message();
    }
    return false;
  }

 private:
  net::Deadline deadline_;
  Duration timeout_;
  std::optional<net::TcpConn> conn_;
};

// ---- protocol clients ----------------------------------------------------------
// Each returns true (up) or false with f.detail; `seen` describes an up result.

bool CheckHttp(const CheckTarget& t, Duration timeout, std::string& seen, Failure& f) {
  std::string path = t.check.path.empty() ? "/" : t.check.path;
  if (path.front() != '/' || path.find_first_of(" \r\n") != std::string::npos) {
    f.detail = fmt::format("invalid HTTP path {}", Excerpt(path));
    return false;
  }
  net::HttpRequest req;
  req.address = t.address;
  req.port = t.port;
  req.path = path;
  req.timeout = timeout;
  req.headers = {{"User-Agent", "livefire-check"}};
  // A response that never completes is down even if its start looked fine:
  // a service that hangs mid-page is not serving users.
  auto res = net::HttpGet(req);
  if (!res.ok()) {
    std::string why = AfterWhere(res.status().message());
    f.detail =
        res.status().code() == StatusCode::kDeadlineExceeded
            ? fmt::format("timed out after {} waiting for the end of the HTTP response{}",
                          TimeoutText(timeout), why.ends_with("(no data)") ? " (no data)" : "")
            : why;
    return false;
  }
  int status = res->status;
  std::string_view body = res->body;
  bool status_ok =
      t.check.expect_status > 0 ? status == t.check.expect_status : status >= 200 && status < 400;
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
    bool final_line =
        line.size() >= 3 &&
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
    f.detail =
        fmt::format("SSH identification {} lacks {}", Excerpt(line), Excerpt(t.check.expect));
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
  auto done = [&] {
    return expect.empty() ? !raw.empty() : text.find(expect) != std::string::npos;
  };
  std::string waiting = expect.empty() ? "the telnet banner" : "telnet text " + Excerpt(expect);
  while (!done()) {
    size_t before = raw.size();
    if (!c.ReadUntil(
            raw, [&](const std::string& b) { return b.size() > before; }, waiting, f)) {
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
  if (!c.ReadUntil(
          buf, [&](const std::string& b) { return b.find(expect) != std::string::npos; },
          "banner " + Excerpt(expect), f)) {
    return false;
  }
  seen = fmt::format("banner {}", Excerpt(buf));
  return true;
}

bool CheckDns(const CheckTarget& t, Duration timeout, std::string& seen, Failure& f) {
  if (t.check.query.empty()) {
    f.detail = "dns check has no query name";
    return false;
  }
  auto r = net::DnsQueryA(t.address, t.port, t.check.query, timeout);
  if (!r.ok()) {
    switch (r.status().code()) {
      case StatusCode::kDeadlineExceeded:
        f.detail = fmt::format("no DNS answer within {}", FormatDuration(timeout));
        break;
      case StatusCode::kDataLoss:
        f.detail = "malformed DNS response";
        break;
      case StatusCode::kUnavailable:
        f.detail = "DNS: " + AfterWhere(r.status().message());
        break;
      default:
        f.detail = r.status().message();
    }
    return false;
  }
  if (r->rcode != "NOERROR") {
    f.detail = fmt::format("DNS {} for {}", r->rcode, t.check.query);
    return false;
  }
  const std::vector<std::string>& a = r->addresses;
  if (a.empty()) {
    f.detail = fmt::format("DNS answer for {} has no A record", t.check.query);
    return false;
  }
  if (!t.check.expect.empty() && std::find(a.begin(), a.end(), t.check.expect) == a.end()) {
    f.detail =
        fmt::format("DNS {} -> {} (expected {})", t.check.query, fmt::join(a, ","), t.check.expect);
    return false;
  }
  seen = fmt::format("{} -> {}", t.check.query, fmt::join(a, ","));
  return true;
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
          out.latency_ms =
              std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started).count();
        }
        return out;
      }
    } else if (kind == "dns") {
      up = ValidTarget(t, f) && CheckDns(t, timeout, seen, f);
    } else if (kind == "http") {
      up = ValidTarget(t, f) && CheckHttp(t, timeout, seen, f);
    } else if (kind == "tcp" || kind == "smtp" || kind == "ftp" || kind == "ssh" ||
               kind == "telnet") {
      Conn c(deadline, timeout);
      if (ValidTarget(t, f) && c.Connect(t, f)) {
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
  e.payload = {{"service", t.service},       {"node", t.node},     {"status", o.up ? "up" : "down"},
               {"latency_ms", o.latency_ms}, {"detail", o.detail}, {"check", t.check.kind}};
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

}  // namespace livefire::checks
