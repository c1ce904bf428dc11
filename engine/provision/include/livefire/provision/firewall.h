#pragma once
// The packet filter a team router enforces: the plan's router_rules as one
// nftables ruleset for the micro template (vm-templates/micro/README.md,
// "Router firewall"). Pure text generation; nothing here touches a kernel.
//
// Shape of the ruleset (table inet livefire, replaced as a whole in one
// transaction):
//   input   policy drop: loopback, established/related, and ICMP from the
//           router's own legs (each leg only from its own network).
//   forward policy = router_default_policy:
//           1. ct state established,related accept; ct state invalid drop
//           2. anti-spoofing: a leg forwards only packets sourced in its own
//              network (logged "lf-drop spoof ethN ")
//           3. nothing goes from a shared leg to a shared leg (logged
//              "lf-drop shared "): the red zone is one network per team
//              router, and teams never reach each other through it
//           4. router_rules in order (first match wins), each with a counter;
//              denies are logged with prefix "lf-drop rN " (N = 1-based rule
//              index, the rule's comment names scenario file:line)
//           5. the default policy, counted (and logged "lf-drop default ")
// Drop logging is rate limited (20/s, burst 40) so a scan cannot flood the
// guest. Interface names are eth0..N in plan order (guest.h).

#include <string>
#include <string_view>

#include "livefire/status.h"
#include "livefire/topology/plan.h"

namespace livefire::provision {

// Where the engine pushes a router's ruleset, and the guest helper that
// loads it: `firewall-apply FILE` exits 0 when FILE is in force, 1 with nft's
// error on stderr otherwise (then the previous ruleset, or a forward-nothing
// baseline, stays in force).
inline constexpr std::string_view kRouterRulesetPath = "/etc/lf/firewall.nft";
inline constexpr std::string_view kFirewallApply = "/usr/libexec/lf/firewall-apply";
// Kernel log prefix of every dropped packet the router logs.
inline constexpr std::string_view kDropLogPrefix = "lf-drop ";

// The complete nft ruleset for `router` (a PlannedDomain with is_router).
// Deterministic: the same domain gives the same bytes. InvalidArgument when
// the domain is not a router, has no interfaces, or a leg address, rule
// CIDR, protocol or port range is malformed (rule errors name the rule's
// scenario file:line).
Result<std::string> RouterRuleset(const topology::PlannedDomain& router);

}  // namespace livefire::provision
