#pragma once
// Service checks: what the engine runs against every blue team's copy of the
// range to score availability. Each check is a small protocol client over
// engine/net (net::TcpConn, net::HttpGet on libcurl, net::DnsQueryA on
// c-ares) with one deadline for the whole exchange, so a hung service costs
// at most its timeout and never blocks the caller longer.
//
// Kinds (scenario HealthCheck.kind):
//   http    GET path (libcurl); status expect_status (0 = any 2xx/3xx);
//           the body must contain `expect` when set
//   tcp     connect; when `expect` is set, the banner must contain it
//   dns     A query for `query` over UDP (c-ares); `expect` (an IPv4 address) must be
//           among the answers, else any A answer will do
//   smtp    220 greeting, then EHLO answered with 250
//   ftp     220 greeting
//   ssh     identification line "SSH-2.0-..." (or "SSH-1.99-")
//   telnet  any bytes (option negotiation is refused politely); when
//           `expect` is set, the text must contain it (e.g. "login:")
//   lua     a callback the runtime provides (a check function in scenario.lua)
// Addresses are numeric (the plan's); no name resolution happens here.

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "livefire/event.h"
#include "livefire/model/model.h"
#include "livefire/status.h"
#include "livefire/time.h"

namespace livefire::topology {
struct RangePlan;
}

namespace livefire::checks {

// One service of one team's copy, as the engine checks it.
struct CheckTarget {
  std::string team;     // blue team
  std::string node;     // scenario node name
  std::string service;  // scenario service name
  std::string address;  // numeric IPv4/IPv6 address in the team's copy
  int port = 0;
  model::HealthCheck check;
};

struct CheckOutcome {
  bool up = false;
  int64_t latency_ms = 0;
  std::string detail;  // why it is down, or what was seen when up
};

// Runs a kind "lua" check; the runtime provides it (the sandboxed scenario).
// It must honour the timeout itself.
using LuaCheckFn = std::function<CheckOutcome(const CheckTarget&, Duration timeout)>;

// Runs one check, blocking the calling thread for at most about `timeout`.
// Never throws; every failure is a down outcome with a clear detail.
CheckOutcome RunCheck(const CheckTarget& target, Duration timeout, const LuaCheckFn& lua = nullptr);

// The check.result event for an outcome (seq/hash are the store's business).
Event MakeCheckEvent(const CheckTarget& target, const CheckOutcome& outcome, SimTime time);

// Every checked service of every blue team's copy: scenario services with a
// check kind, at the node's first interface address in that team's copy.
// Sorted by (team, node, service) so that scheduling is deterministic.
std::vector<CheckTarget> CheckTargets(const model::Scenario& s, const topology::RangePlan& plan);

}  // namespace livefire::checks
