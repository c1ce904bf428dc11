#include "livefire/net/dns.h"

#include <ares.h>
#include <arpa/inet.h>
#include <fmt/format.h>
#include <poll.h>

#include <chrono>
#include <memory>
#include <mutex>

#include "livefire/net/conn.h"

namespace livefire::net {

namespace {

struct ChannelDeleter {
  void operator()(ares_channel c) const { ares_destroy(c); }
};
using Channel = std::unique_ptr<std::remove_pointer_t<ares_channel>, ChannelDeleter>;

std::string RcodeName(int rcode) {
  switch (rcode) {
    case 0:
      return "NOERROR";
    case 1:
      return "FORMERR";
    case 2:
      return "SERVFAIL";
    case 3:
      return "NXDOMAIN";
    case 4:
      return "NOTIMP";
    case 5:
      return "REFUSED";
    default:
      return fmt::format("RCODE{}", rcode);
  }
}

struct Outcome {
  bool done = false;
  int status = ARES_SUCCESS;
  std::string rcode;
  std::vector<std::string> addresses;
  bool malformed = false;
};

void OnAnswer(void* arg, int status, int, unsigned char* abuf, int alen) {
  auto* o = static_cast<Outcome*>(arg);
  o->done = true;
  o->status = status;
  // c-ares maps a negative rcode to an error status but still hands over the
  // answer; the rcode comes from the header (RFC 1035 4.1.1).
  if (abuf != nullptr && alen >= 12) o->rcode = RcodeName(abuf[3] & 0x0f);
  if (status != ARES_SUCCESS || abuf == nullptr) return;
  hostent* host = nullptr;
  ares_addrttl ttls[64];
  int nttls = 64;
  int pr = ares_parse_a_reply(abuf, alen, &host, ttls, &nttls);
  if (pr == ARES_ENODATA) return;  // NOERROR without A records
  if (pr != ARES_SUCCESS) {
    o->malformed = true;
    o->status = pr;
    return;
  }
  ares_free_hostent(host);
  for (int i = 0; i < nttls; ++i) {
    char buf[INET_ADDRSTRLEN];
    if (inet_ntop(AF_INET, &ttls[i].ipaddr, buf, sizeof buf)) o->addresses.emplace_back(buf);
  }
}

}  // namespace

Result<DnsAnswer> DnsQueryA(const std::string& server, int port, const std::string& name,
                            Duration timeout) {
  std::string where = fmt::format("DNS {} at {}:{}", name, server, port);
  in_addr probe{};
  if (inet_pton(AF_INET, server.c_str(), &probe) != 1) {
    return Status::InvalidArgument(fmt::format("{}: server is not a numeric IPv4 address", where));
  }
  if (port <= 0 || port > 65535) {
    return Status::InvalidArgument(fmt::format("{}: invalid port {}", where, port));
  }
  std::string n = name;
  if (!n.empty() && n.back() == '.') n.pop_back();
  if (n.empty() || n.size() > 253) {
    return Status::InvalidArgument(fmt::format("{}: not a valid DNS name", where));
  }
  for (size_t start = 0; start <= n.size();) {
    size_t dot = n.find('.', start);
    if (dot == std::string::npos) dot = n.size();
    if (dot - start == 0 || dot - start > 63) {
      return Status::InvalidArgument(
          fmt::format("{}: a label of {} bytes (1..63 allowed)", where, dot - start));
    }
    start = dot + 1;
  }
  static std::once_flag once;
  static int init_rc = ARES_SUCCESS;
  std::call_once(once, [] { init_rc = ares_library_init(ARES_LIB_INIT_ALL); });
  if (init_rc != ARES_SUCCESS) return Status::Internal(ares_strerror(init_rc));

  Deadline deadline = DeadlineAfter(timeout);
  ares_options opts{};
  // One try for the whole timeout: the caller's deadline is the budget.
  opts.timeout = static_cast<int>(std::max<int64_t>(1, timeout.nanos() / 1'000'000));
  opts.tries = 1;
  opts.flags = ARES_FLAG_NOCHECKRESP | ARES_FLAG_NOSEARCH;
  ares_channel raw = nullptr;
  int rc = ares_init_options(&raw, &opts, ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES | ARES_OPT_FLAGS);
  if (rc != ARES_SUCCESS) return Status::Internal(fmt::format("ares_init: {}", ares_strerror(rc)));
  Channel channel(raw);
  rc = ares_set_servers_ports_csv(raw, fmt::format("{}:{}", server, port).c_str());
  if (rc != ARES_SUCCESS) {
    return Status::InvalidArgument(fmt::format("{}: {}", where, ares_strerror(rc)));
  }
  Outcome o;
  ares_query(raw, n.c_str(), 1 /* C_IN */, 1 /* T_A */, OnAnswer, &o);
  while (!o.done) {
    if (Clock::now() >= deadline) break;
    ares_socket_t socks[ARES_GETSOCK_MAXNUM];
    int bits = ares_getsock(raw, socks, ARES_GETSOCK_MAXNUM);
    pollfd pfds[ARES_GETSOCK_MAXNUM];
    int count = 0;
    for (int i = 0; i < ARES_GETSOCK_MAXNUM; ++i) {
      short ev = 0;
      if (ARES_GETSOCK_READABLE(bits, i)) ev |= POLLIN;
      if (ARES_GETSOCK_WRITABLE(bits, i)) ev |= POLLOUT;
      if (ev) pfds[count++] = {socks[i], ev, 0};
    }
    auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now());
    timeval max{static_cast<time_t>(left.count() / 1000),
                static_cast<suseconds_t>(left.count() % 1000 * 1000)};
    timeval tv{};
    timeval* t = ares_timeout(raw, &max, &tv);
    int wait_ms = static_cast<int>(t->tv_sec * 1000 + (t->tv_usec + 999) / 1000);
    int pr = ::poll(pfds, static_cast<nfds_t>(count), std::max(0, wait_ms));
    if (pr < 0 && errno != EINTR) return Status::Internal("poll failed");
    if (pr <= 0) {
      ares_process_fd(raw, ARES_SOCKET_BAD, ARES_SOCKET_BAD);  // timeouts
      continue;
    }
    for (int i = 0; i < count; ++i) {
      ares_process_fd(
          raw, (pfds[i].revents & (POLLIN | POLLERR | POLLHUP)) ? pfds[i].fd : ARES_SOCKET_BAD,
          (pfds[i].revents & POLLOUT) ? pfds[i].fd : ARES_SOCKET_BAD);
    }
  }
  if (!o.done) {
    // Cancel while `o` is alive: the callback runs now, not at destruction.
    ares_cancel(raw);
    return Status::DeadlineExceeded(
        fmt::format("{}: no answer within {}", where, FormatDuration(timeout)));
  }
  if (o.malformed) return Status::DataLoss(fmt::format("{}: malformed response", where));
  if (!o.rcode.empty() && o.rcode != "NOERROR") return DnsAnswer{o.rcode, {}};
  switch (o.status) {
    case ARES_SUCCESS:
    case ARES_ENODATA:
      return DnsAnswer{o.rcode.empty() ? "NOERROR" : o.rcode, std::move(o.addresses)};
    case ARES_ETIMEOUT:
      return Status::DeadlineExceeded(
          fmt::format("{}: no answer within {}", where, FormatDuration(timeout)));
    case ARES_ECONNREFUSED:
      return Status::Unavailable(fmt::format("{}: Connection refused", where));
    case ARES_EBADRESP:
    case ARES_EFORMERR:
      return Status::DataLoss(fmt::format("{}: malformed response", where));
    default:
      return Status::Unavailable(fmt::format("{}: {}", where, ares_strerror(o.status)));
  }
}

}  // namespace livefire::net
