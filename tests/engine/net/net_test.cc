#include <gtest/gtest.h>

#include <chrono>
#include <mutex>

#include "livefire/net/address.h"
#include "livefire/net/conn.h"
#include "livefire/net/dns.h"
#include "livefire/net/http.h"
#include "livefire/testing/loopback_server.h"

namespace livefire::net {
namespace {

using namespace std::chrono_literals;
using testsupport::DeadPort;
using testsupport::ReadRequest;
using testsupport::Send;
using testsupport::SleepUnlessStopped;
using testsupport::TcpServer;
using testsupport::UdpServer;

const std::string kLo = "127.0.0.1";
constexpr Duration kShort = Duration::Millis(300);
// Generous: the tests run under ASan on two busy cores. Only "it did not
// hang" is asserted, never how fast.
constexpr auto kHangBound = 10s;

// ---- IPv4 / CIDR rules -----------------------------------------------------------

TEST(Ipv4, ParsesDottedQuads) {
  auto a = ParseIpv4("10.64.1.10");
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  EXPECT_EQ(a->value, 0x0a40010au);
  EXPECT_EQ(a->ToString(), "10.64.1.10");
  EXPECT_TRUE(ParseIpv4("0.0.0.0").ok());
  EXPECT_EQ(ParseIpv4("255.255.255.255")->value, 0xffffffffu);
}

TEST(Ipv4, RefusesGarbageLeadingZerosAndWhitespace) {
  for (const char* bad : {"", "10.0.0", "10.0.0.1.2", "10.0.0.256", "a.b.c.d", "10.0.0.-1",
                          "010.0.0.1", "10.00.0.1", " 10.0.0.1", "10.0.0.1 ", "10.0.0.1\n",
                          "10..0.1", "10.0.0.", "0x0a.0.0.1", "1000.0.0.1", "::1"}) {
    auto a = ParseIpv4(bad);
    EXPECT_FALSE(a.ok()) << "'" << bad << "'";
    if (!a.ok()) {
      EXPECT_EQ(a.status().code(), StatusCode::kInvalidArgument) << bad;
    }
  }
}

TEST(Cidr, ParsesPrefixesZeroTo32) {
  auto all = ParseCidr("0.0.0.0/0");
  ASSERT_TRUE(all.ok()) << all.status().ToString();
  EXPECT_EQ(all->size(), uint64_t{1} << 32);
  EXPECT_TRUE(all->Contains(ParseIpv4("203.0.113.9").value()));
  auto host = ParseCidr("10.1.2.3/32");
  ASSERT_TRUE(host.ok());
  EXPECT_EQ(host->size(), 1u);
  EXPECT_EQ(host->first(), host->last());
  auto c = ParseCidr("10.64.0.0/16");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->ToString(), "10.64.0.0/16");
  EXPECT_EQ(c->size(), 65536u);
  EXPECT_EQ(c->Nth(1).ToString(), "10.64.0.1");
  EXPECT_EQ(Ipv4{c->last()}.ToString(), "10.64.255.255");
  EXPECT_TRUE(c->Contains(ParseCidr("10.64.3.0/24").value()));
  EXPECT_FALSE(ParseCidr("10.64.3.0/24")->Contains(*c));
  EXPECT_TRUE(c->Overlaps(ParseCidr("10.0.0.0/8").value()));
  EXPECT_FALSE(c->Overlaps(ParseCidr("10.65.0.0/16").value()));
  EXPECT_TRUE(IsAligned(c->base, 16));
  EXPECT_FALSE(IsAligned(ParseIpv4("10.64.1.0")->value, 16));
}

TEST(Cidr, RefusesHostBitsSuggestingTheNetwork) {
  auto c = ParseCidr("10.64.1.5/24");
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(c.status().message(), "host bits are set (did you mean 10.64.1.0/24?)");
  EXPECT_EQ(ParseCidr("10.0.0.1/0").status().message(),
            "host bits are set (did you mean 0.0.0.0/0?)");
  // NetworkOf is the explicit way to clear them (an interface and its prefix).
  EXPECT_EQ(NetworkOf(ParseIpv4("10.64.1.5").value(), 24)->ToString(), "10.64.1.0/24");
  EXPECT_FALSE(NetworkOf(Ipv4{}, 33).ok());
}

TEST(Cidr, RefusesBadPrefixesAndGarbage) {
  for (const char* bad :
       {"10.0.0.0", "10.0.0.0/", "10.0.0.0/33", "10.0.0.0/-1", "10.0.0.0/08", "10.0.0.0/ 8",
        "10.0.0.0 /8", " 10.0.0.0/8", "10.0.0.0/8 ", "10.0.0.0/8/8", "10.0.0.0/a", "10.0.0.0/100",
        "/8", "web", "10.0.0.300/24", "010.0.0.0/8"}) {
    auto c = ParseCidr(bad);
    EXPECT_FALSE(c.ok()) << "'" << bad << "'";
    if (!c.ok()) {
      EXPECT_EQ(c.status().code(), StatusCode::kInvalidArgument) << bad;
    }
  }
  EXPECT_EQ(ParseCidr("10.0.0.0/33").status().message(), "the prefix must be 0..32");
  EXPECT_EQ(ParseCidr("10.0.0.0").status().message(), "missing /prefix");
}

// ---- TcpConn ---------------------------------------------------------------------

TEST(TcpConn, RefusedPortIsUnavailable) {
  DeadPort dead;
  auto t0 = Clock::now();
  auto c = TcpConn::Connect(kLo, dead.port(), DeadlineAfter(kShort));
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(c.status().message(), "connect: Connection refused");
  EXPECT_LT(Clock::now() - t0, kHangBound);
}

TEST(TcpConn, BadAddressOrPortIsInvalidArgument) {
  EXPECT_EQ(TcpConn::Connect("portal.example", 80, DeadlineAfter(kShort)).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(TcpConn::Connect(kLo, 0, DeadlineAfter(kShort)).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(TcpConn::Connect(kLo, 70000, DeadlineAfter(kShort)).status().code(),
            StatusCode::kInvalidArgument);
}

TEST(TcpConn, HungServerExceedsTheDeadline) {
  TcpServer hung([](int, const std::atomic<bool>& stop) { SleepUnlessStopped(20000, stop); });
  auto d = DeadlineAfter(kShort);
  auto c = TcpConn::Connect(kLo, hung.port(), d);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  std::string pending;
  auto t0 = Clock::now();
  auto line = c->ReadLine(&pending, d);
  ASSERT_FALSE(line.ok());
  EXPECT_EQ(line.status().code(), StatusCode::kDeadlineExceeded);
  EXPECT_GE(Clock::now(), d);  // it waited for the whole budget, not less
  EXPECT_LT(Clock::now() - t0, kHangBound);
}

TEST(TcpConn, SlowDripWithinTheDeadlineArrivesPastItExpires) {
  // One byte every 50 ms: "hello\n" takes ~300 ms.
  TcpServer drip([](int fd, const std::atomic<bool>& stop) {
    for (char ch : std::string("hello\n")) {
      if (stop) return;
      Send(fd, std::string_view(&ch, 1));
      std::this_thread::sleep_for(50ms);
    }
    SleepUnlessStopped(20000, stop);
  });
  {
    auto d = DeadlineAfter(Duration::Seconds(20));
    auto c = TcpConn::Connect(kLo, drip.port(), d);
    ASSERT_TRUE(c.ok());
    std::string pending;
    auto line = c->ReadLine(&pending, d);
    ASSERT_TRUE(line.ok()) << line.status().ToString();
    EXPECT_EQ(*line, "hello");
  }
  {
    auto d = DeadlineAfter(Duration::Millis(60));
    auto c = TcpConn::Connect(kLo, drip.port(), d);
    ASSERT_TRUE(c.ok());
    std::string pending;
    auto t0 = Clock::now();
    auto line = c->ReadLine(&pending, d);
    ASSERT_FALSE(line.ok());
    EXPECT_EQ(line.status().code(), StatusCode::kDeadlineExceeded);
    EXPECT_LT(Clock::now() - t0, kHangBound);
  }
}

TEST(TcpConn, WritesReadsLinesAndSeesTheEnd) {
  TcpServer echo([](int fd, const std::atomic<bool>&) {
    std::string req = ReadRequest(fd, "\n");
    Send(fd, "one\r\ntwo\n" + req);
  });
  auto d = DeadlineAfter(Duration::Seconds(20));
  auto c = TcpConn::Connect(kLo, echo.port(), d);
  ASSERT_TRUE(c.ok());
  ASSERT_TRUE(c->Write("ping\n", d).ok());
  std::string pending;
  EXPECT_EQ(c->ReadLine(&pending, d).value_or("?"), "one");
  EXPECT_EQ(c->ReadLine(&pending, d).value_or("?"), "two");
  EXPECT_EQ(c->ReadLine(&pending, d).value_or("?"), "ping");
  bool eof = false;
  std::string rest;
  EXPECT_TRUE(c->ReadUntil(
                   &rest, [](const std::string&) { return false; }, d, 1024, &eof)
                  .ok());
  EXPECT_TRUE(eof);
  auto closed = c->ReadLine(&rest, d);
  EXPECT_EQ(closed.status().code(), StatusCode::kUnavailable);
}

TEST(TcpConn, GarbageFloodIsBoundedByTheByteLimit) {
  TcpServer flood([](int fd, const std::atomic<bool>& stop) {
    std::string junk(4096, 'x');
    for (int i = 0; i < 100 && !stop; ++i) Send(fd, junk);
  });
  auto d = DeadlineAfter(Duration::Seconds(20));
  auto c = TcpConn::Connect(kLo, flood.port(), d);
  ASSERT_TRUE(c.ok());
  std::string pending;
  auto line = c->ReadLine(&pending, d, 16 * 1024);
  ASSERT_FALSE(line.ok());
  EXPECT_EQ(line.status().code(), StatusCode::kResourceExhausted);
}

TEST(TcpConnects, ProbesOpenAndClosedPorts) {
  TcpServer open([](int, const std::atomic<bool>&) {});
  DeadPort dead;
  EXPECT_TRUE(TcpConnects(kLo, open.port(), DeadlineAfter(Duration::Seconds(5))));
  EXPECT_FALSE(TcpConnects(kLo, dead.port(), DeadlineAfter(Duration::Seconds(5))));
}

// ---- HTTP ------------------------------------------------------------------------

TEST(HttpGet, ReturnsStatusBodyAndSendsHostAndHeaders) {
  std::mutex mu;
  std::string seen;
  TcpServer web([&](int fd, const std::atomic<bool>&) {
    std::string req = ReadRequest(fd, "\r\n\r\n");
    {
      std::lock_guard lock(mu);
      seen = req;
    }
    Send(fd, "HTTP/1.1 404 Not Found\r\nContent-Length: 5\r\nConnection: close\r\n\r\nnope!");
  });
  HttpRequest r;
  r.address = kLo;
  r.port = web.port();
  r.path = "/a/b?c=1";
  r.host = "portal.tinh.gov.vn";
  r.headers = {{"X-Livefire", "yes"}};
  r.timeout = Duration::Seconds(20);
  auto res = HttpGet(r);
  ASSERT_TRUE(res.ok()) << res.status().ToString();
  EXPECT_EQ(res->status, 404);
  EXPECT_EQ(res->body, "nope!");
  std::lock_guard lock(mu);
  EXPECT_EQ(seen.rfind("GET /a/b?c=1 HTTP/1.1\r\n", 0), 0u) << seen;
  EXPECT_NE(seen.find("Host: portal.tinh.gov.vn\r\n"), std::string::npos) << seen;
  EXPECT_NE(seen.find("X-Livefire: yes\r\n"), std::string::npos) << seen;
}

TEST(HttpGet, CapsTheBodyAt1MiB) {
  TcpServer big([](int fd, const std::atomic<bool>& stop) {
    ReadRequest(fd, "\r\n\r\n");
    Send(fd, "HTTP/1.0 200 OK\r\n\r\n");
    std::string chunk(64 * 1024, 'a');
    for (int i = 0; i < 40 && !stop; ++i) Send(fd, chunk);  // 2.5 MiB
  });
  auto res = HttpGet(kLo, big.port(), "/", Duration::Seconds(20));
  ASSERT_TRUE(res.ok()) << res.status().ToString();
  EXPECT_EQ(res->body.size(), kMaxHttpBody);
  EXPECT_TRUE(res->truncated);
}

TEST(HttpGet, DeadHungSlowAndGarbageServers) {
  DeadPort dead;
  auto refused = HttpGet(kLo, dead.port(), "/", kShort);
  EXPECT_EQ(refused.status().code(), StatusCode::kUnavailable) << refused.status().ToString();
  EXPECT_NE(refused.status().message().find("connect: Connection refused"), std::string::npos)
      << refused.status().message();

  TcpServer hung([](int, const std::atomic<bool>& stop) { SleepUnlessStopped(20000, stop); });
  auto t0 = Clock::now();
  auto h = HttpGet(kLo, hung.port(), "/", kShort);
  EXPECT_EQ(h.status().code(), StatusCode::kDeadlineExceeded) << h.status().ToString();
  EXPECT_NE(h.status().message().find("(no data)"), std::string::npos) << h.status().message();
  EXPECT_LT(Clock::now() - t0, kHangBound);

  // Headers at once, then a body that drips past the deadline.
  TcpServer drip([](int fd, const std::atomic<bool>& stop) {
    ReadRequest(fd, "\r\n\r\n");
    Send(fd, "HTTP/1.0 200 OK\r\nContent-Length: 100\r\n\r\n");
    for (int i = 0; i < 100 && !stop; ++i) {
      Send(fd, "x");
      std::this_thread::sleep_for(50ms);
    }
  });
  auto s = HttpGet(kLo, drip.port(), "/", kShort);
  EXPECT_EQ(s.status().code(), StatusCode::kDeadlineExceeded) << s.status().ToString();

  TcpServer garbage([](int fd, const std::atomic<bool>&) {
    ReadRequest(fd, "\r\n\r\n");
    Send(fd, "\x16\x03\x01garbage\r\n\r\n");
  });
  auto g = HttpGet(kLo, garbage.port(), "/", Duration::Seconds(20));
  EXPECT_EQ(g.status().code(), StatusCode::kDataLoss) << g.status().ToString();

  TcpServer empty([](int fd, const std::atomic<bool>&) { ReadRequest(fd, "\r\n\r\n"); });
  auto e = HttpGet(kLo, empty.port(), "/", Duration::Seconds(20));
  EXPECT_EQ(e.status().code(), StatusCode::kDataLoss) << e.status().ToString();
  EXPECT_NE(e.status().message().find("empty HTTP response"), std::string::npos);
}

TEST(HttpGet, RefusesBadPathsAndAddresses) {
  EXPECT_EQ(HttpGet(kLo, 80, "/a b", kShort).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(HttpGet(kLo, 80, "x", kShort).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(HttpGet("portal.example", 80, "/", kShort).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(HttpGet(kLo, 0, "/", kShort).status().code(), StatusCode::kInvalidArgument);
}

// ---- DNS -------------------------------------------------------------------------

// A response to `query` (echoing its id and question) with A records.
std::string DnsAnswerFor(const std::string& query, std::vector<std::array<uint8_t, 4>> ips,
                         int rcode = 0) {
  if (query.size() < 12) return "";
  std::string r = query.substr(0, 2);
  r += static_cast<char>(0x81);
  r += static_cast<char>(0x80 | rcode);
  r += std::string("\x00\x01", 2);
  r += static_cast<char>(0);
  r += static_cast<char>(ips.size());
  r += std::string("\x00\x00\x00\x00", 4);
  r += query.substr(12);  // the question
  for (const auto& ip : ips) {
    r += std::string("\xc0\x0c\x00\x01\x00\x01\x00\x00\x00\x3c\x00\x04", 12);  // ptr to qname
    r.append(reinterpret_cast<const char*>(ip.data()), 4);
  }
  return r;
}

TEST(DnsQueryA, ReturnsAddressesAndRcodes) {
  UdpServer ok([](const std::string& q) {
    return DnsAnswerFor(q, {{10, 64, 1, 10}, {10, 64, 1, 11}});
  });
  auto a = DnsQueryA(kLo, ok.port(), "portal.tinh.gov.vn", Duration::Seconds(20));
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  EXPECT_EQ(a->rcode, "NOERROR");
  EXPECT_EQ(a->addresses, (std::vector<std::string>{"10.64.1.10", "10.64.1.11"}));

  UdpServer nx([](const std::string& q) { return DnsAnswerFor(q, {}, 3); });
  auto n = DnsQueryA(kLo, nx.port(), "nope.gov.vn", Duration::Seconds(20));
  ASSERT_TRUE(n.ok()) << n.status().ToString();
  EXPECT_EQ(n->rcode, "NXDOMAIN");
  EXPECT_TRUE(n->addresses.empty());

  UdpServer empty([](const std::string& q) { return DnsAnswerFor(q, {}); });
  auto e = DnsQueryA(kLo, empty.port(), "mail.gov.vn", Duration::Seconds(20));
  ASSERT_TRUE(e.ok()) << e.status().ToString();
  EXPECT_EQ(e->rcode, "NOERROR");
  EXPECT_TRUE(e->addresses.empty());
}

TEST(DnsQueryA, SilentDeadAndGarbageServers) {
  UdpServer silent([](const std::string&) { return std::string(); });
  auto t0 = Clock::now();
  auto s = DnsQueryA(kLo, silent.port(), "portal.gov.vn", kShort);
  EXPECT_EQ(s.status().code(), StatusCode::kDeadlineExceeded) << s.status().ToString();
  EXPECT_LT(Clock::now() - t0, kHangBound);

  int dead_port = 0;
  ::close(testsupport::BindLoopback(SOCK_DGRAM, &dead_port));  // nothing listens there now
  auto d = DnsQueryA(kLo, dead_port, "portal.gov.vn", Duration::Seconds(5));
  EXPECT_FALSE(d.ok());
  // Port unreachable is reported as refused; on a host that drops the ICMP
  // it is a timeout. Both are "down", neither hangs.
  EXPECT_TRUE(d.status().code() == StatusCode::kUnavailable ||
              d.status().code() == StatusCode::kDeadlineExceeded)
      << d.status().ToString();

  // An answer with the query's id and question whose record runs past the end.
  UdpServer cut([](const std::string& q) {
    std::string r = DnsAnswerFor(q, {{1, 2, 3, 4}});
    r.resize(r.size() - 2);
    return r;
  });
  auto c = DnsQueryA(kLo, cut.port(), "x.vn", Duration::Seconds(20));
  EXPECT_EQ(c.status().code(), StatusCode::kDataLoss) << c.status().ToString();

  // Noise that does not match the query is ignored (c-ares' anti-spoofing),
  // so a server answering only noise is silent: a timeout.
  UdpServer noise([](const std::string&) { return std::string("\x16\x03\x01garbage"); });
  auto g = DnsQueryA(kLo, noise.port(), "x.vn", kShort);
  EXPECT_FALSE(g.ok());
  EXPECT_EQ(g.status().code(), StatusCode::kDeadlineExceeded) << g.status().ToString();
}

TEST(DnsQueryA, RefusesBadNamesAndServers) {
  EXPECT_EQ(DnsQueryA(kLo, 53, "a..b", kShort).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(DnsQueryA(kLo, 53, std::string(64, 'a'), kShort).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(DnsQueryA(kLo, 53, "", kShort).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(DnsQueryA("dns.example", 53, "x.vn", kShort).status().code(),
            StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace livefire::net
