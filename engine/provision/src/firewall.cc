#include "livefire/provision/firewall.h"

#include <fmt/format.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "livefire/net/address.h"

namespace livefire::provision {
namespace {

constexpr std::string_view kFtpHelper = "ftp-standard";

struct Cidr {
  uint32_t base = 0;  // host bits cleared
  int prefix = 32;
};

std::optional<uint32_t> ParseAddress(std::string_view s) {
  auto a = net::ParseIpv4(s);
  if (!a.ok()) return std::nullopt;
  return a->value;
}

// "a.b.c.d/n" or a bare address (= /32), by net's rules: a rule endpoint
// with host bits set is refused rather than silently widened.
Result<Cidr> ParseCidr(std::string_view s) {
  if (s.find('/') == std::string_view::npos) {
    auto a = net::ParseIpv4(s);
    if (!a.ok()) return a.status();
    return Cidr{a->value, 32};
  }
  auto c = net::ParseCidr(s);
  if (!c.ok()) return c.status();
  return Cidr{c->base, c->prefix};
}

std::string FormatCidr(const Cidr& c) {
  std::string a = fmt::format("{}.{}.{}.{}", c.base >> 24, (c.base >> 16) & 255,
                              (c.base >> 8) & 255, c.base & 255);
  return c.prefix == 32 ? a : fmt::format("{}/{}", a, c.prefix);
}

// nft quoted strings end at the next '"' and cannot escape it; comments are
// at most 128 bytes. Keeps UTF-8 (Vietnamese descriptions) whole.
std::string QuotedText(std::string_view s, size_t max_bytes = 120) {
  std::string out;
  for (size_t i = 0; i < s.size();) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    size_t len = c < 0x80 ? 1 : c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
    if (i + len > s.size()) break;
    if (out.size() + len > max_bytes) break;
    if (len == 1) {
      if (c < 0x20 || c == 0x7F) {
        out += ' ';
      } else if (c == '"' || c == '\\') {
        out += '\'';
      } else if (c < 0x80) {
        out += static_cast<char>(c);
      }  // a stray continuation byte is dropped
    } else {
      out.append(s.substr(i, len));
    }
    i += len;
  }
  return out;
}

// Text for a '#' comment line: one line, printable.
std::string CommentLine(std::string_view s) { return QuotedText(s, 200); }

struct Leg {
  std::string name;  // ethN
  std::string network_key;
  std::string address;
  Cidr net;
  bool shared = false;
};

std::string NameSet(const std::vector<std::string>& names) {
  if (names.size() == 1) return "\"" + names.front() + "\"";
  std::string out = "{ ";
  for (size_t i = 0; i < names.size(); ++i) {
    if (i > 0) out += ", ";
    out += "\"" + names[i] + "\"";
  }
  return out + " }";
}

// A drop that a defender can see: rate-limited kernel log line, then the
// counted drop. Two rules, because a limit that does not match ends its rule
// and the packet would go on to the rules below.
std::string LoggedDrop(std::string_view match, std::string_view prefix, std::string_view comment) {
  std::string m = match.empty() ? "" : std::string(match) + " ";
  std::string c = comment.empty() ? "" : fmt::format(" comment \"{}\"", comment);
  return fmt::format(
      "    {}limit rate 20/second burst 40 packets log prefix \"{}{}\" level warn{}\n"
      "    {}counter drop{}\n",
      m, kDropLogPrefix, prefix, c, m, c);
}

Result<std::string> PortMatch(const model::FirewallRule& r, const std::string& where) {
  std::string proto = r.protocol.empty() ? "any" : r.protocol;
  if (r.port_min < 0 || r.port_max < 0 || r.port_min > 65535 || r.port_max > 65535) {
    return Status::InvalidArgument(
        fmt::format("{}: port {}-{} out of range 0..65535", where, r.port_min, r.port_max));
  }
  int lo = r.port_min;
  int hi = r.port_max == 0 ? r.port_min : r.port_max;
  if (hi < lo) {
    return Status::InvalidArgument(
        fmt::format("{}: port range {}-{} is reversed", where, r.port_min, r.port_max));
  }
  bool all_ports = lo == 0 && hi == 0;
  std::string ports = lo == hi ? std::to_string(lo) : fmt::format("{}-{}", lo, hi);
  if (proto == "tcp" || proto == "udp") {
    if (all_ports) return "meta l4proto " + proto;
    return fmt::format("{} dport {}", proto, ports);
  }
  if (proto == "icmp") {
    if (!all_ports) {
      return Status::InvalidArgument(fmt::format("{}: protocol icmp has no ports", where));
    }
    return std::string("meta l4proto icmp");
  }
  if (proto == "any") {
    if (all_ports) return std::string();
    return fmt::format("meta l4proto {{ tcp, udp }} th dport {}", ports);
  }
  return Status::InvalidArgument(
      fmt::format("{}: unknown protocol '{}' (tcp, udp, icmp or any)", where, r.protocol));
}

Result<std::string> AddressMatch(std::string_view field, const std::string& endpoint,
                                 const std::string& where) {
  if (endpoint == "*") return std::string();
  Result<Cidr> c = ParseCidr(endpoint);
  if (!c.ok()) {
    return Status::InvalidArgument(fmt::format("{}: '{}' is not a CIDR (a.b.c.d/n) or '*': {}",
                                               where, endpoint, c.status().message()));
  }
  if (c->prefix == 0) return std::string("meta nfproto ipv4");
  return fmt::format("ip {} {}", field, FormatCidr(*c));
}

std::string Join(const std::vector<std::string>& parts) {
  std::string out;
  for (const std::string& p : parts) {
    if (p.empty()) continue;
    if (!out.empty()) out += ' ';
    out += p;
  }
  return out;
}

}  // namespace

Result<std::string> RouterRuleset(const topology::PlannedDomain& router) {
  if (!router.is_router) {
    return Status::InvalidArgument(fmt::format("domain {} is not a router", router.key));
  }
  if (router.interfaces.empty()) {
    return Status::InvalidArgument(fmt::format("router {} has no interfaces", router.key));
  }
  // Team legs are on the team's own networks ("blue1.lan"); the others are
  // shared networks ("red"), one leg per team router (plan.h).
  const std::string team_prefix = router.team + ".";
  std::vector<Leg> legs;
  std::vector<std::string> shared_names;
  for (size_t i = 0; i < router.interfaces.size(); ++i) {
    const topology::PlannedInterface& f = router.interfaces[i];
    std::optional<uint32_t> a = ParseAddress(f.address);
    if (!a || f.prefix < 1 || f.prefix > 32) {
      return Status::InvalidArgument(fmt::format("router {} leg {} on {}: bad address {}/{}",
                                                 router.key, i, f.network_key, f.address,
                                                 f.prefix));
    }
    Leg leg;
    leg.name = fmt::format("eth{}", i);
    leg.network_key = f.network_key;
    leg.address = f.address;
    leg.net = Cidr{net::NetworkOf(net::Ipv4{*a}, f.prefix)->base, f.prefix};
    leg.shared = router.team.empty() || f.network_key.rfind(team_prefix, 0) != 0;
    if (leg.shared) shared_names.push_back(leg.name);
    legs.push_back(std::move(leg));
  }

  // Scenario rules first, so that any error is reported before output.
  std::string rules;
  for (size_t i = 0; i < router.router_rules.size(); ++i) {
    const model::FirewallRule& r = router.router_rules[i];
    const size_t n = i + 1;
    std::string loc = r.loc.ToString();
    std::string where = fmt::format("{}: firewall rule {} of router {}",
                                    loc.empty() ? "(no location)" : loc, n, router.key);
    LF_ASSIGN_OR_RETURN(std::string from, AddressMatch("saddr", r.from, where));
    LF_ASSIGN_OR_RETURN(std::string to, AddressMatch("daddr", r.to, where));
    LF_ASSIGN_OR_RETURN(std::string ports, PortMatch(r, where));
    std::string match = Join({from, to, ports});
    // The file name only: comments hold 128 bytes, the description matters more.
    std::string short_loc =
        loc.substr(loc.rfind('/') == std::string::npos ? 0 : loc.rfind('/') + 1);
    std::string comment = QuotedText(
        fmt::format("r{} {}{}{}", n, short_loc, r.description.empty() ? "" : " ", r.description));
    bool allow = r.action == model::RuleAction::kAllow;
    rules += fmt::format("    # r{}: {} {} -> {} {}\n", n, allow ? "allow" : "deny",
                         CommentLine(r.from), CommentLine(r.to), ports.empty() ? "any" : ports);
    if (allow) {
      rules += fmt::format("    {}{}counter accept comment \"{}\"\n", match,
                           match.empty() ? "" : " ", comment);
    } else {
      rules += LoggedDrop(match, fmt::format("r{} ", n), comment);
    }
  }

  const bool default_allow = router.router_default_policy == model::RuleAction::kAllow;
  std::string out;
  out += fmt::format("# livefire router ruleset for {} (generated by the engine; load with\n",
                     CommentLine(router.key));
  out += fmt::format("# {} FILE). Legs:\n", kFirewallApply);
  for (const Leg& l : legs) {
    out += fmt::format("#   {} {} {} ({}{})\n", l.name, CommentLine(l.network_key), l.address,
                       FormatCidr(l.net), l.shared ? ", shared" : "");
  }
  out += fmt::format("# {} scenario rules, default policy {}.\n", router.router_rules.size(),
                     default_allow ? "allow" : "deny");
  // Creating, deleting and recreating the table in one file replaces it
  // atomically whether or not it existed.
  out += "table inet livefire\ndelete table inet livefire\n";
  out += "table inet livefire {\n";

  // FTP announces its data connection (PASV/PORT) inside the control
  // connection: the helper reads it, so the data connection is "related"
  // and passes the forward chain's first rule whenever port 21 does.
  out += fmt::format("  ct helper {} {{\n", kFtpHelper);
  out += "    type \"ftp\" protocol tcp;\n";
  out += "  }\n\n";
  out += "  chain helpers {\n";
  out += "    type filter hook prerouting priority filter; policy accept;\n";
  out += fmt::format("    tcp dport 21 ct helper set \"{}\"\n", kFtpHelper);
  out += "  }\n\n";

  out += "  chain input {\n";
  out += "    type filter hook input priority filter; policy drop;\n";
  out += "    iif \"lo\" accept\n";
  out += "    ct state established,related accept\n";
  for (const Leg& l : legs) {
    out += fmt::format("    iifname \"{}\" ip saddr {} meta l4proto icmp counter accept\n", l.name,
                       FormatCidr(l.net));
  }
  out += LoggedDrop("", "input ", "");
  out += "  }\n\n";

  out += "  chain forward {\n";
  out += fmt::format("    type filter hook forward priority filter; policy {};\n",
                     default_allow ? "accept" : "drop");
  out += "    ct state established,related accept\n";
  out += "    ct state invalid counter drop\n";
  out += "    # anti-spoofing: each leg forwards only packets from its own network\n";
  for (const Leg& l : legs) {
    out += LoggedDrop(fmt::format("iifname \"{}\" ip saddr != {}", l.name, FormatCidr(l.net)),
                      fmt::format("spoof {} ", l.name), "");
  }
  if (!shared_names.empty()) {
    out += "    # shared legs are never routed between: teams cannot reach each other\n";
    std::string set = NameSet(shared_names);
    out += LoggedDrop(fmt::format("iifname {} oifname {}", set, set), "shared ", "");
  }
  out += rules;
  out += fmt::format("    # default policy: {}\n", default_allow ? "allow" : "deny");
  if (default_allow) {
    out += "    counter accept comment \"default allow\"\n";
  } else {
    out += LoggedDrop("", "default ", "default deny");
  }
  out += "  }\n";
  out += "}\n";
  return out;
}

}  // namespace livefire::provision
