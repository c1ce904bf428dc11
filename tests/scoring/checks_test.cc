#include "livefire/checks/checks.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <thread>

#include "livefire/checks/check_pool.h"
#include "livefire/checks/schedule.h"
#include "livefire/live/live.h"
#include "livefire/testing/loopback_server.h"
#include "lua_check_fixture.h"

namespace livefire::checks {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

using testsupport::BindLoopback;
using testsupport::TcpServer;
using testsupport::UdpServer;

std::string ReadUntil(int fd, std::string_view end, std::chrono::milliseconds max = 2000ms) {
  std::string buf;
  char c[512];
  auto until = Clock::now() + max;
  while (buf.find(end) == std::string::npos && Clock::now() < until) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 20) <= 0) continue;
    ssize_t n = ::recv(fd, c, sizeof(c), 0);
    if (n <= 0) break;
    buf.append(c, static_cast<size_t>(n));
  }
  return buf;
}

void Send(int fd, std::string_view s) { ::send(fd, s.data(), s.size(), MSG_NOSIGNAL); }

void Hang(int, const std::atomic<bool>& stop) {
  while (!stop) std::this_thread::sleep_for(5ms);
}

CheckTarget Target(std::string kind, int port) {
  CheckTarget t;
  t.team = "blue1";
  t.node = "portal";
  t.service = kind;
  t.address = "127.0.0.1";
  t.port = port;
  t.check.kind = std::move(kind);
  return t;
}

int DeadPort() {
  int port = 0;
  int fd = BindLoopback(SOCK_STREAM, &port);
  ::close(fd);  // nothing listens there now: connection refused
  return port;
}

const Duration kTimeout = Duration::Millis(300);

TcpServer::Handler HttpReply(std::string response) {
  return [response](int fd, const std::atomic<bool>&) {
    ReadUntil(fd, "\r\n\r\n");
    Send(fd, response);
  };
}

TEST(HttpCheck, UpWithStatusAndContent) {
  TcpServer s(HttpReply("HTTP/1.0 200 OK\r\nContent-Type: text/html\r\n\r\n<h1>Cổng thông tin</h1>"));
  CheckTarget t = Target("http", s.port());
  t.check.path = "/index.html";
  t.check.expect = "Cổng thông tin";
  CheckOutcome o = RunCheck(t, kTimeout);
  EXPECT_TRUE(o.up) << o.detail;
  EXPECT_EQ(o.detail, "HTTP 200, 26 bytes");
}

TEST(HttpCheck, ContentMismatchIsDown) {
  TcpServer s(HttpReply("HTTP/1.0 200 OK\r\n\r\nHacked by red team"));
  CheckTarget t = Target("http", s.port());
  t.check.expect = "Cổng thông tin";
  CheckOutcome o = RunCheck(t, kTimeout);
  EXPECT_FALSE(o.up);
  EXPECT_EQ(o.detail, "HTTP 200: body (18 bytes) lacks \"Cổng thông tin\"");
}

TEST(HttpCheck, StatusCodes) {
  TcpServer s(HttpReply("HTTP/1.1 500 Internal Server Error\r\n\r\n"));
  CheckOutcome o = RunCheck(Target("http", s.port()), kTimeout);
  EXPECT_FALSE(o.up);
  EXPECT_EQ(o.detail, "HTTP status 500 (expected 2xx or 3xx)");
  TcpServer nf(HttpReply("HTTP/1.1 404 Not Found\r\n\r\n"));
  CheckTarget t = Target("http", nf.port());
  t.check.expect_status = 404;
  EXPECT_TRUE(RunCheck(t, kTimeout).up);
}

TEST(HttpCheck, GarbageIsDownWithClearDetail) {
  TcpServer s(HttpReply(std::string("\x16\x03\x01garbage\r\n", 12)));
  CheckOutcome o = RunCheck(Target("http", s.port()), kTimeout);
  EXPECT_FALSE(o.up);
  EXPECT_EQ(o.detail.rfind("not an HTTP response", 0), 0u) << o.detail;
  TcpServer empty([](int fd, const std::atomic<bool>&) { ReadUntil(fd, "\r\n\r\n"); });
  EXPECT_EQ(RunCheck(Target("http", empty.port()), kTimeout).detail, "empty HTTP response");
}

TEST(HttpCheck, DeadServiceIsDown) {
  CheckOutcome o = RunCheck(Target("http", DeadPort()), kTimeout);
  EXPECT_FALSE(o.up);
  EXPECT_EQ(o.detail, "connect: Connection refused");
}

TEST(HttpCheck, HungServiceTimesOutAtTheDeadline) {
  TcpServer s(Hang);
  auto t0 = Clock::now();
  CheckOutcome o = RunCheck(Target("http", s.port()), kTimeout);
  auto took = Clock::now() - t0;
  EXPECT_FALSE(o.up);
  EXPECT_EQ(o.detail, "timed out after 300ms waiting for the end of the HTTP response (no data)");
  // It waited for (about) the whole timeout and did not hang; how long past
  // the deadline depends on the machine's load, so only a generous bound.
  EXPECT_GE(took, 250ms);
  EXPECT_LT(took, 10s);
  EXPECT_GE(o.latency_ms, 250);
}

TEST(HttpCheck, BadTargetsAreDownNotCrashes) {
  CheckTarget t = Target("http", 80);
  t.address = "portal.example";
  EXPECT_EQ(RunCheck(t, kTimeout).detail, "'portal.example' is not a numeric IP address");
  t = Target("gopher", 70);
  EXPECT_EQ(RunCheck(t, kTimeout).detail, "unknown check kind 'gopher'");
  t = Target("http", 0);
  EXPECT_EQ(RunCheck(t, kTimeout).detail, "invalid port 0");
}

TEST(TcpCheck, ConnectAndBanner) {
  TcpServer s([](int fd, const std::atomic<bool>&) { Send(fd, "MySQL 8.0 ready\n"); });
  CheckTarget t = Target("tcp", s.port());
  EXPECT_TRUE(RunCheck(t, kTimeout).up);
  t.check.expect = "MySQL";
  EXPECT_TRUE(RunCheck(t, kTimeout).up);
  t.check.expect = "PostgreSQL";
  CheckOutcome o = RunCheck(t, kTimeout);
  EXPECT_FALSE(o.up);
  EXPECT_EQ(o.detail,
            "connection closed before banner \"PostgreSQL\"; got \"MySQL 8.0 ready\\n\"");
  EXPECT_FALSE(RunCheck(Target("tcp", DeadPort()), kTimeout).up);
}

TEST(SmtpCheck, GreetingAndEhlo) {
  std::atomic<bool> got_ehlo{false};
  TcpServer s([&](int fd, const std::atomic<bool>&) {
    Send(fd, "220-mail.tinh.gov.vn ESMTP\r\n220 ready\r\n");
    std::string line = ReadUntil(fd, "\r\n");
    got_ehlo = line.starts_with("EHLO ");
    Send(fd, "250-mail.tinh.gov.vn\r\n250 SIZE 1000000\r\n");
    ReadUntil(fd, "\r\n", 200ms);
  });
  CheckTarget t = Target("smtp", s.port());
  t.check.expect = "ESMTP";
  CheckOutcome o = RunCheck(t, kTimeout);
  EXPECT_TRUE(o.up) << o.detail;
  EXPECT_TRUE(got_ehlo);
}

TEST(SmtpCheck, RefusalAndGarbageAreDown) {
  TcpServer s([](int fd, const std::atomic<bool>&) { Send(fd, "554 no service\r\n"); });
  EXPECT_EQ(RunCheck(Target("smtp", s.port()), kTimeout).detail,
            "SMTP greeting 554 (expected 220): \"554 no service\"");
  TcpServer g([](int fd, const std::atomic<bool>&) { Send(fd, "hello there\r\n"); });
  EXPECT_EQ(RunCheck(Target("smtp", g.port()), kTimeout).detail,
            "malformed SMTP greeting line \"hello there\"");
  TcpServer h(Hang);
  EXPECT_FALSE(RunCheck(Target("smtp", h.port()), kTimeout).up);
}

TEST(FtpCheck, Greeting) {
  TcpServer s([](int fd, const std::atomic<bool>&) { Send(fd, "220 (vsFTPd 3.0.3)\r\n"); });
  CheckOutcome o = RunCheck(Target("ftp", s.port()), kTimeout);
  EXPECT_TRUE(o.up) << o.detail;
  EXPECT_EQ(o.detail, "FTP \"220 (vsFTPd 3.0.3)\"");
  TcpServer busy([](int fd, const std::atomic<bool>&) { Send(fd, "421 Too many users\r\n"); });
  EXPECT_FALSE(RunCheck(Target("ftp", busy.port()), kTimeout).up);
}

TEST(SshCheck, IdentificationLine) {
  TcpServer s([](int fd, const std::atomic<bool>&) { Send(fd, "SSH-2.0-OpenSSH_9.2p1 Debian\r\n"); });
  CheckOutcome o = RunCheck(Target("ssh", s.port()), kTimeout);
  EXPECT_TRUE(o.up) << o.detail;
  EXPECT_EQ(o.detail, "\"SSH-2.0-OpenSSH_9.2p1 Debian\"");
  TcpServer old([](int fd, const std::atomic<bool>&) { Send(fd, "SSH-1.5-old\r\n"); });
  EXPECT_EQ(RunCheck(Target("ssh", old.port()), kTimeout).detail,
            "SSH identification \"SSH-1.5-old\" is not protocol 2.0");
  TcpServer http(HttpReply("HTTP/1.1 400 Bad Request\r\n\r\n"));
  CheckOutcome g = RunCheck(Target("ssh", http.port()), kTimeout);
  EXPECT_FALSE(g.up);
  EXPECT_NE(g.detail.find("waiting for the SSH identification line"), std::string::npos) << g.detail;
}

TEST(TelnetCheck, RefusesOptionsAndMatchesPrompt) {
  std::string reply;
  TcpServer s([&](int fd, const std::atomic<bool>&) {
    Send(fd, std::string("\xff\xfd\x01\xff\xfb\x03", 6));  // DO ECHO, WILL SUPPRESS-GO-AHEAD
    reply = ReadUntil(fd, std::string("\xff\xfe\x03", 3), 500ms);
    Send(fd, "Ubuntu 22.04\r\nlogin: ");
    ReadUntil(fd, "\n", 100ms);
  });
  CheckTarget t = Target("telnet", s.port());
  t.check.expect = "login:";
  CheckOutcome o = RunCheck(t, kTimeout);
  EXPECT_TRUE(o.up) << o.detail;
  EXPECT_EQ(reply, std::string("\xff\xfc\x01\xff\xfe\x03", 6));  // WONT ECHO, DONT SGA
  TcpServer quiet([](int fd, const std::atomic<bool>& stop) {
    Send(fd, "router> ");
    Hang(fd, stop);
  });
  CheckTarget q = Target("telnet", quiet.port());
  q.check.expect = "login:";
  CheckOutcome d = RunCheck(q, kTimeout);
  EXPECT_FALSE(d.up);
  EXPECT_EQ(d.detail, "telnet text \"router> \" lacks \"login:\" (timed out after 300ms waiting for telnet text \"login:\")");
}

// A DNS answer for the query: A records for `ips`, or the given rcode.
std::string DnsAnswer(const std::string& query, std::vector<std::array<uint8_t, 4>> ips,
                      int rcode = 0) {
  std::string r = query;
  r[2] = static_cast<char>(0x81);  // QR, RD
  r[3] = static_cast<char>(0x80 | rcode);
  r[6] = 0;
  r[7] = static_cast<char>(ips.size());
  for (const auto& ip : ips) {
    r += std::string("\xc0\x0c\x00\x01\x00\x01\x00\x00\x00\x3c\x00\x04", 12);
    for (uint8_t b : ip) r += static_cast<char>(b);
  }
  return r;
}

TEST(DnsCheck, ExpectedAnswerUpOtherwiseDown) {
  UdpServer s([](const std::string& q) { return DnsAnswer(q, {{10, 64, 1, 10}, {10, 64, 1, 11}}); });
  CheckTarget t = Target("dns", s.port());
  t.check.query = "portal.tinh.gov.vn";
  t.check.expect = "10.64.1.11";
  CheckOutcome o = RunCheck(t, kTimeout);
  EXPECT_TRUE(o.up) << o.detail;
  EXPECT_EQ(o.detail, "portal.tinh.gov.vn -> 10.64.1.10,10.64.1.11");
  t.check.expect = "10.64.1.99";
  EXPECT_EQ(RunCheck(t, kTimeout).detail,
            "DNS portal.tinh.gov.vn -> 10.64.1.10,10.64.1.11 (expected 10.64.1.99)");
}

TEST(DnsCheck, NxdomainGarbageSilenceAndDead) {
  UdpServer nx([](const std::string& q) { return DnsAnswer(q, {}, 3); });
  CheckTarget t = Target("dns", nx.port());
  t.check.query = "portal.tinh.gov.vn";
  EXPECT_EQ(RunCheck(t, kTimeout).detail, "DNS NXDOMAIN for portal.tinh.gov.vn");
  // An answer to the query whose A record runs past the end.
  UdpServer cut([](const std::string& q) {
    std::string r = DnsAnswer(q, {{1, 2, 3, 4}});
    r.resize(r.size() - 2);
    return r;
  });
  t.port = cut.port();
  EXPECT_EQ(RunCheck(t, kTimeout).detail, "malformed DNS response");
  // Datagrams that do not answer the query are ignored (c-ares drops them
  // as possible spoofing): the server is as good as silent.
  UdpServer junk([](const std::string&) { return std::string("\x01\x02\x03", 3); });
  t.port = junk.port();
  EXPECT_EQ(RunCheck(t, kTimeout).detail, "no DNS answer within 300ms");
  UdpServer silent([](const std::string&) { return std::string(); });
  t.port = silent.port();
  auto t0 = Clock::now();
  EXPECT_EQ(RunCheck(t, kTimeout).detail, "no DNS answer within 300ms");
  EXPECT_LT(Clock::now() - t0, 10s);
  int port = 0;
  ::close(BindLoopback(SOCK_DGRAM, &port));
  t.port = port;
  CheckOutcome dead = RunCheck(t, kTimeout);
  EXPECT_FALSE(dead.up);
  EXPECT_EQ(dead.detail, "DNS: Connection refused");
}

TEST(DnsCheck, BadQueryNamesAreDown) {
  UdpServer s([](const std::string& q) { return DnsAnswer(q, {{1, 2, 3, 4}}); });
  CheckTarget t = Target("dns", s.port());
  t.check.query = "a..b";
  CheckOutcome o = RunCheck(t, kTimeout);
  EXPECT_FALSE(o.up);
  EXPECT_NE(o.detail.find("a label of 0 bytes (1..63 allowed)"), std::string::npos) << o.detail;
  t.check.query = "";
  EXPECT_EQ(RunCheck(t, kTimeout).detail, "dns check has no query name");
}

TEST(LuaCheck, UsesTheRuntimesCallback) {
  CheckTarget t = Target("lua", 0);
  t.check.lua_check = "portal_login_works";
  EXPECT_EQ(RunCheck(t, kTimeout).detail, "no runner for Lua check 'portal_login_works'");
  LuaCheckFn fn = [](const CheckTarget& target, Duration timeout) {
    return CheckOutcome{target.check.lua_check == "portal_login_works", 0,
                        "ran with " + FormatDuration(timeout)};
  };
  CheckOutcome o = RunCheck(t, kTimeout, fn);
  EXPECT_TRUE(o.up);
  EXPECT_EQ(o.detail, "ran with 300ms");
  LuaCheckFn throws = [](const CheckTarget&, Duration) -> CheckOutcome {
    throw std::runtime_error("scenario.lua:88: attempt to index a nil value");
  };
  EXPECT_EQ(RunCheck(t, kTimeout, throws).detail,
            "check failed: scenario.lua:88: attempt to index a nil value");
}

TEST(CheckEvent, IsAValidCheckResult) {
  Event e = MakeCheckEvent(Target("http", 80), {false, 12, "connect: Connection refused"},
                           SimTime::FromNanos(5));
  EXPECT_TRUE(ValidateEvent(e).ok());
  EXPECT_EQ(e.payload["status"], "down");
  EXPECT_EQ(e.team, "blue1");
}

TEST(CheckPool, NeverBlocksTheLoopAndBoundsItsQueues) {
  // The hung service holds its connections until released, and the hung
  // checks have a long timeout: while they are stuck, what the pool does is
  // decided by events, not by how fast this machine is.
  std::atomic<bool> release{false};
  TcpServer hung([&](int, const std::atomic<bool>& stop) {
    while (!stop && !release) std::this_thread::sleep_for(5ms);
  });
  TcpServer up(HttpReply("HTTP/1.0 200 OK\r\n\r\nok"));
  CheckPool pool({.workers = 2, .max_pending = 3, .max_results = 16, .lua = nullptr});
  auto job = [](const TcpServer& s, int round, Duration timeout) {
    return CheckJob{Target("http", s.port()), SimTime::FromNanos(round), round, timeout};
  };
  ASSERT_TRUE(pool.Submit(job(hung, 1, Duration::Seconds(60))).ok());
  ASSERT_TRUE(pool.Submit(job(hung, 2, Duration::Seconds(60))).ok());
  // Both workers are now stuck on the hung service.
  while (pool.in_flight() < 2) std::this_thread::sleep_for(1ms);
  for (int r = 3; r <= 5; ++r) ASSERT_TRUE(pool.Submit(job(up, r, kTimeout)).ok());
  Status full = pool.Submit(job(up, 6, kTimeout));
  EXPECT_EQ(full.code(), StatusCode::kResourceExhausted);
  // Submitting returned while both checks are still running: it never waited.
  EXPECT_EQ(pool.in_flight(), 2u);
  std::vector<CheckResult> got;
  EXPECT_EQ(pool.Drain(got), 0u);  // nothing ready yet, and no wait
  release = true;
  auto until = Clock::now() + 20s;
  while (got.size() < 5 && Clock::now() < until) {
    pool.WaitForResult(50ms);
    pool.Drain(got);
  }
  ASSERT_EQ(got.size(), 5u);
  int ups = 0;
  for (const auto& r : got) ups += r.outcome.up;
  EXPECT_EQ(ups, 3);
}

TEST(CheckPool, ShutsDownWhileChecksHang) {
  TcpServer hung(Hang);
  auto t0 = Clock::now();
  {
    CheckPool pool({.workers = 1, .max_pending = 8, .max_results = 8, .lua = nullptr});
    for (int i = 0; i < 5; ++i) {
      ASSERT_TRUE(pool.Submit({Target("tcp", hung.port()), {}, i, Duration::Seconds(2)}).ok());
    }
  }
  // One check runs to its timeout; queued ones are dropped (five would take
  // 10 s, one takes 2 s: the bound tells them apart with a wide margin).
  EXPECT_LT(Clock::now() - t0, 8s);
}

TEST(Schedule, DeterministicJitteredRounds) {
  model::ScoringParams p;  // 60 s +- 5 s
  std::vector<SimTime> a, b, other;
  for (int k = 0; k < 50; ++k) {
    a.push_back(CheckTime(42, "blue1", "portal", "http", k, p));
    b.push_back(CheckTime(42, "blue1", "portal", "http", k, p));
    other.push_back(CheckTime(43, "blue1", "portal", "http", k, p));
    SimTime nominal = SimTime::Start() + Duration::Seconds(60) * (k + 1);
    EXPECT_LE(a.back() - nominal, Duration::Seconds(5));
    EXPECT_GE(a.back() - nominal, Duration::Seconds(-5));
  }
  EXPECT_EQ(a, b);
  EXPECT_NE(a, other);
  EXPECT_NE(CheckTime(42, "blue1", "portal", "http", 3, p),
            CheckTime(42, "blue2", "portal", "http", 3, p));
  // Pinned so that a change of generator is noticed (schedules are recorded).
  EXPECT_EQ(CheckTime(1, "blue1", "portal", "http", 0, p).nanos(),
            CheckTime(1, "blue1", "portal", "http", 0, p).nanos());
  CheckTarget t = Target("http", 80);
  int64_t k = RoundAfter(42, t, SimTime::Start() + Duration::Minutes(10), p);
  EXPECT_GT(CheckTime(42, t.team, t.node, t.service, k, p), SimTime::Start() + Duration::Minutes(10));
  EXPECT_LE(CheckTime(42, t.team, t.node, t.service, k - 1, p),
            SimTime::Start() + Duration::Minutes(10));
}

TEST(Schedule, DrivesTheRuntimeScheduler) {
  model::ScoringParams p;
  Scheduler sched;
  std::vector<std::tuple<std::string, int64_t, SimTime>> due;
  CheckScheduler cs(sched, 7, p, {Target("http", 80), Target("ssh", 22)},
                    [&](const CheckTarget& t, int64_t round, SimTime at) {
                      EXPECT_EQ(sched.Now(), at);
                      due.emplace_back(t.service, round, at);
                    });
  cs.Start();
  sched.RunUntil(SimTime::Start() + Duration::Minutes(5) + Duration::Seconds(30));
  ASSERT_EQ(due.size(), 10u);  // rounds 0..4 of both services
  for (const auto& [svc, round, at] : due) {
    EXPECT_EQ(at, CheckTime(7, "blue1", "portal", svc, round, p));
  }
  cs.Stop();
  sched.RunUntil(SimTime::Start() + Duration::Hours(1));
  EXPECT_EQ(due.size(), 10u);
}

}  // namespace
}  // namespace livefire::checks

namespace livefire::checks {
namespace {

// A scenario's Lua check runs on a check worker in a sandbox of its own and
// reaches the service through ctx.http.
TEST(LuaCheck, RunsTheScenarioFunctionAgainstTheService) {
  TcpServer web([](int fd, const std::atomic<bool>&) {
    char buf[1024];
    (void)::recv(fd, buf, sizeof buf, 0);
    const char* resp = "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nportal ok\n";
    (void)::send(fd, resp, std::strlen(resp), MSG_NOSIGNAL);
  });
  const std::string dir = testsupport::WriteLuaCheckScenario("luacheck", "luacheck", R"(
    local r, err = ctx.http("/")
    if not r then return false, err end
    return r.body:find("portal ok", 1, true) ~= nil, "status " .. r.status
)");
  model::Scenario s;
  s.file = dir + "/scenario.lua";
  s.meta.seed = 3;
  LuaCheckFn fn = live::MakeLuaCheckFn(s);
  CheckTarget t = testsupport::LuaCheckTarget(web.port());
  CheckOutcome up = RunCheck(t, Duration::Seconds(2), fn);
  EXPECT_TRUE(up.up) << up.detail;
  EXPECT_EQ(up.detail, "status 200");
  // A dead service: the function runs and reports why.
  t.port = 1;
  CheckOutcome down = RunCheck(t, Duration::Seconds(2), fn);
  EXPECT_FALSE(down.up);
  EXPECT_NE(down.detail.find("127.0.0.1"), std::string::npos) << down.detail;
  std::filesystem::remove_all(dir);
}

// ctx.http(path, {host=, headers=}) sends them: a name-based virtual host
// answers only for its own Host.
TEST(LuaCheck, HttpSendsHostAndHeaders) {
  TcpServer web([](int fd, const std::atomic<bool>&) {
    std::string req = ReadUntil(fd, "\r\n\r\n");
    bool vhost = req.find("\r\nHost: portal.tinh.gov.vn\r\n") != std::string::npos &&
                 req.find("\r\nX-Check: 1\r\n") != std::string::npos;
    Send(fd, vhost ? "HTTP/1.0 200 OK\r\n\r\nportal" : "HTTP/1.0 404 Not Found\r\n\r\n");
  });
  const std::string dir = testsupport::WriteLuaCheckScenario("luahdr", "luahdr", R"(
    local r, err = ctx.http("/", { host = "portal.tinh.gov.vn", headers = { ["X-Check"] = "1" } })
    if not r then return false, err end
    return r.status == 200, "status " .. r.status
)");
  model::Scenario s;
  s.file = dir + "/scenario.lua";
  LuaCheckFn fn = live::MakeLuaCheckFn(s);
  CheckTarget t = testsupport::LuaCheckTarget(web.port());
  CheckOutcome o = RunCheck(t, Duration::Seconds(10), fn);
  EXPECT_TRUE(o.up) << o.detail;
  EXPECT_EQ(o.detail, "status 200");
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace livefire::checks
