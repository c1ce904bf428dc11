// RouterRuleset on hand-built router domains, and on the routers of the
// provincial-portal plan. When nft is installed, every generated ruleset is
// checked by the real parser with `nft -c` (check mode: the host's ruleset
// is never changed).

#include "livefire/provision/firewall.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "livefire/scenario/loader.h"
#include "livefire/testing/firewall_rules.h"
#include "livefire/testing/temp_dir.h"
#include "livefire/topology/plan.h"

namespace livefire::provision {
namespace {

namespace fs = std::filesystem;
using model::FirewallRule;
using model::RuleAction;
using topology::PlannedDomain;

FirewallRule Rule(RuleAction action, std::string from, std::string to, std::string proto,
                  int lo = 0, int hi = 0, int line = 0, std::string description = "") {
  return testsupport::MakeRule(action, std::move(from), std::move(to), std::move(proto), lo, hi,
                               {"scenarios/unit/scenario.lua", line}, std::move(description));
}

// blue1's router: legs on blue1.dmz (eth0), blue1.lan (eth1) and the shared
// networks red (eth2) and internet (eth3).
PlannedDomain Router() {
  PlannedDomain r;
  r.key = "blue1.lf-router";
  r.node = "lf-router";
  r.team = "blue1";
  r.template_name = "micro";
  r.is_router = true;
  r.value = 0;
  r.interfaces = {{"blue1.dmz", "10.64.1.254", 24, "52:54:00:00:00:01"},
                  {"blue1.lan", "10.64.2.254", 24, "52:54:00:00:00:02"},
                  {"red", "172.16.0.250", 24, "52:54:00:00:00:03"},
                  {"internet", "198.51.100.250", 24, "52:54:00:00:00:04"}};
  r.router_default_policy = RuleAction::kDeny;
  return r;
}

std::string Ruleset(const PlannedDomain& d) {
  Result<std::string> r = RouterRuleset(d);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? *r : std::string();
}

// Lines of the chain `name` (between "chain name {" and its closing "  }").
std::vector<std::string> Chain(const std::string& ruleset, const std::string& name) {
  std::vector<std::string> out;
  std::istringstream in(ruleset);
  std::string line;
  bool inside = false;
  while (std::getline(in, line)) {
    if (line == "  chain " + name + " {") {
      inside = true;
      continue;
    }
    if (inside && line == "  }") break;
    if (inside && !line.empty()) out.push_back(line.substr(line.find_first_not_of(' ')));
  }
  return out;
}

// Index of the first line containing `needle`, or -1.
int Find(const std::vector<std::string>& lines, const std::string& needle) {
  for (size_t i = 0; i < lines.size(); ++i) {
    if (lines[i].find(needle) != std::string::npos) return static_cast<int>(i);
  }
  return -1;
}

TEST(RouterRuleset, KeepsRuleOrderAfterEstablished) {
  PlannedDomain d = Router();
  d.router_rules = {
      Rule(RuleAction::kAllow, "172.16.0.0/24", "10.64.1.10/32", "tcp", 443, 443, 7),
      Rule(RuleAction::kDeny, "172.16.0.0/24", "10.64.1.0/24", "any", 0, 0, 8),
      Rule(RuleAction::kAllow, "10.64.1.0/24", "10.64.2.20/32", "tcp", 5432, 5432, 9)};
  std::vector<std::string> fwd = Chain(Ruleset(d), "forward");
  ASSERT_FALSE(fwd.empty());
  EXPECT_EQ(fwd[0], "type filter hook forward priority filter; policy drop;");
  EXPECT_EQ(fwd[1], "ct state established,related accept");
  int r1 = Find(fwd, "ip saddr 172.16.0.0/24 ip daddr 10.64.1.10 tcp dport 443 counter accept");
  int r2 = Find(fwd, "ip saddr 172.16.0.0/24 ip daddr 10.64.1.0/24 counter drop");
  int r3 = Find(fwd, "ip saddr 10.64.1.0/24 ip daddr 10.64.2.20 tcp dport 5432 counter accept");
  ASSERT_GE(r1, 0);
  ASSERT_GE(r2, 0);
  ASSERT_GE(r3, 0);
  EXPECT_LT(r1, r2);
  EXPECT_LT(r2, r3);
  // Each rule names its scenario line, so a counter leads back to the source.
  EXPECT_NE(fwd[r1].find("comment \"r1 scenario.lua:7\""), std::string::npos);
  EXPECT_NE(fwd[r3].find("comment \"r3 scenario.lua:9\""), std::string::npos);
}

TEST(RouterRuleset, FtpDataConnectionsAreRelatedThroughTheHelper) {
  PlannedDomain d = Router();
  d.router_rules = {Rule(RuleAction::kAllow, "172.16.0.0/24", "10.64.1.10/32", "tcp", 21, 21, 7)};
  const std::string text = Ruleset(d);
  EXPECT_NE(text.find("  ct helper ftp-standard {\n    type \"ftp\" protocol tcp;\n  }\n"),
            std::string::npos)
      << text;
  std::vector<std::string> pre = Chain(text, "helpers");
  ASSERT_EQ(pre.size(), 2u) << text;
  // Before conntrack confirms the connection: prerouting, for forwarded traffic.
  EXPECT_EQ(pre[0], "type filter hook prerouting priority filter; policy accept;");
  EXPECT_EQ(pre[1], "tcp dport 21 ct helper set \"ftp-standard\"");
  // The data connection then passes as related, ahead of every scenario rule.
  std::vector<std::string> fwd = Chain(text, "forward");
  EXPECT_EQ(Find(fwd, "ct state established,related accept"), 1);
  EXPECT_LT(Find(fwd, "ct state established,related accept"), Find(fwd, "comment \"r1"));
}

TEST(RouterRuleset, WildcardHasNoAddressMatch) {
  PlannedDomain d = Router();
  d.router_rules = {Rule(RuleAction::kAllow, "*", "10.64.1.10/32", "tcp", 80, 80),
                    Rule(RuleAction::kAllow, "10.64.2.0/24", "*", "any"),
                    Rule(RuleAction::kDeny, "*", "*", "any")};
  std::vector<std::string> fwd = Chain(Ruleset(d), "forward");
  EXPECT_GE(Find(fwd, "ip daddr 10.64.1.10 tcp dport 80 counter accept comment \"r1"), 0);
  int r1 = Find(fwd, "comment \"r1");
  EXPECT_EQ(fwd[r1].find("saddr"), std::string::npos);
  EXPECT_GE(Find(fwd, "ip saddr 10.64.2.0/24 counter accept comment \"r2"), 0);
  // "*" to "*": the match is empty, only the log and the drop remain.
  EXPECT_GE(Find(fwd, "limit rate 20/second burst 40 packets log prefix \"lf-drop r3 \""), 0);
  EXPECT_GE(Find(fwd, "counter drop comment \"r3"), 0);
  EXPECT_EQ(fwd[Find(fwd, "counter drop comment \"r3")].rfind("counter drop", 0), 0u);
}

TEST(RouterRuleset, PortsRangesAndProtocols) {
  PlannedDomain d = Router();
  d.router_rules = {Rule(RuleAction::kAllow, "*", "10.64.1.0/24", "tcp", 8000, 8080),
                    Rule(RuleAction::kAllow, "*", "10.64.1.53/32", "udp", 53, 53),
                    Rule(RuleAction::kAllow, "*", "10.64.1.0/24", "udp"),
                    Rule(RuleAction::kAllow, "*", "10.64.1.0/24", "icmp"),
                    Rule(RuleAction::kAllow, "*", "10.64.1.0/24", "any", 20, 21),
                    Rule(RuleAction::kAllow, "*", "10.64.1.0/24", "tcp", 22, 0)};
  std::vector<std::string> fwd = Chain(Ruleset(d), "forward");
  EXPECT_GE(Find(fwd, "ip daddr 10.64.1.0/24 tcp dport 8000-8080 counter accept"), 0);
  EXPECT_GE(Find(fwd, "ip daddr 10.64.1.53 udp dport 53 counter accept"), 0);
  EXPECT_GE(Find(fwd, "ip daddr 10.64.1.0/24 meta l4proto udp counter accept"), 0);
  EXPECT_GE(Find(fwd, "ip daddr 10.64.1.0/24 meta l4proto icmp counter accept"), 0);
  EXPECT_GE(Find(fwd, "ip daddr 10.64.1.0/24 meta l4proto { tcp, udp } th dport 20-21 counter"), 0);
  EXPECT_GE(Find(fwd, "ip daddr 10.64.1.0/24 tcp dport 22 counter accept"), 0);
}

TEST(RouterRuleset, DefaultPolicy) {
  PlannedDomain d = Router();
  std::vector<std::string> deny = Chain(Ruleset(d), "forward");
  EXPECT_EQ(deny[0], "type filter hook forward priority filter; policy drop;");
  ASSERT_GE(deny.size(), 2u);
  EXPECT_NE(deny[deny.size() - 2].find("log prefix \"lf-drop default \""), std::string::npos);
  EXPECT_EQ(deny.back(), "counter drop comment \"default deny\"");

  d.router_default_policy = RuleAction::kAllow;
  std::vector<std::string> allow = Chain(Ruleset(d), "forward");
  EXPECT_EQ(allow[0], "type filter hook forward priority filter; policy accept;");
  EXPECT_EQ(allow.back(), "counter accept comment \"default allow\"");
}

TEST(RouterRuleset, DeniesAreCountedAndLogged) {
  PlannedDomain d = Router();
  d.router_rules = {Rule(RuleAction::kDeny, "172.16.0.0/24", "10.64.2.0/24", "tcp", 23, 23, 12)};
  std::vector<std::string> fwd = Chain(Ruleset(d), "forward");
  int log = Find(fwd, "log prefix \"lf-drop r1 \"");
  ASSERT_GE(log, 0);
  EXPECT_EQ(fwd[log],
            "ip saddr 172.16.0.0/24 ip daddr 10.64.2.0/24 tcp dport 23 limit rate 20/second burst "
            "40 packets log prefix \"lf-drop r1 \" level warn comment \"r1 scenario.lua:12\"");
  EXPECT_EQ(fwd[log + 1],
            "ip saddr 172.16.0.0/24 ip daddr 10.64.2.0/24 tcp dport 23 counter drop comment \"r1 "
            "scenario.lua:12\"");
}

TEST(RouterRuleset, InputAcceptsOnlyEstablishedAndIcmpFromLegs) {
  std::vector<std::string> in = Chain(Ruleset(Router()), "input");
  std::vector<std::string> want = {
      "type filter hook input priority filter; policy drop;",
      "iif \"lo\" accept",
      "ct state established,related accept",
      "iifname \"eth0\" ip saddr 10.64.1.0/24 meta l4proto icmp counter accept",
      "iifname \"eth1\" ip saddr 10.64.2.0/24 meta l4proto icmp counter accept",
      "iifname \"eth2\" ip saddr 172.16.0.0/24 meta l4proto icmp counter accept",
      "iifname \"eth3\" ip saddr 198.51.100.0/24 meta l4proto icmp counter accept",
      "limit rate 20/second burst 40 packets log prefix \"lf-drop input \" level warn",
      "counter drop"};
  EXPECT_EQ(in, want);
}

TEST(RouterRuleset, TeamsNeverReachEachOther) {
  // Even "allow everything" cannot route between shared legs or let a leg
  // forward a source address from elsewhere: those drops come first.
  PlannedDomain d = Router();
  d.router_default_policy = RuleAction::kAllow;
  d.router_rules = {Rule(RuleAction::kAllow, "*", "*", "any")};
  std::vector<std::string> fwd = Chain(Ruleset(d), "forward");
  int shared =
      Find(fwd, "iifname { \"eth2\", \"eth3\" } oifname { \"eth2\", \"eth3\" } counter drop");
  int spoof0 = Find(fwd, "iifname \"eth0\" ip saddr != 10.64.1.0/24 counter drop");
  int spoof2 = Find(fwd, "iifname \"eth2\" ip saddr != 172.16.0.0/24 counter drop");
  int rule = Find(fwd, "counter accept comment \"r1");
  ASSERT_GE(shared, 0);
  ASSERT_GE(spoof0, 0);
  ASSERT_GE(spoof2, 0);
  ASSERT_GE(rule, 0);
  EXPECT_LT(shared, rule);
  EXPECT_LT(spoof0, rule);
  EXPECT_LT(spoof2, rule);
  EXPECT_GE(Find(fwd, "log prefix \"lf-drop shared \""), 0);
  EXPECT_GE(Find(fwd, "log prefix \"lf-drop spoof eth2 \""), 0);

  // One shared leg: a packet must not hairpin back out of it either.
  d.interfaces.pop_back();
  fwd = Chain(Ruleset(d), "forward");
  EXPECT_GE(Find(fwd, "iifname \"eth2\" oifname \"eth2\" counter drop"), 0);
}

TEST(RouterRuleset, ReplacesOnlyItsOwnTableAtomically) {
  std::string text = Ruleset(Router());
  EXPECT_NE(text.find("table inet livefire\ndelete table inet livefire\ntable inet livefire {\n"),
            std::string::npos);
  EXPECT_EQ(text.find("flush ruleset"), std::string::npos);
  EXPECT_EQ(text, Ruleset(Router()));  // deterministic
}

TEST(RouterRuleset, HostBitsAreRefusedAndCommentsSanitised) {
  PlannedDomain d = Router();
  // net's CIDR rules: a block with host bits set is an error naming the
  // network, not silently widened to it.
  d.router_rules = {Rule(RuleAction::kAllow, "10.64.1.77/24", "*", "tcp", 80, 80, 3)};
  Result<std::string> bad = RouterRuleset(d);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("did you mean 10.64.1.0/24?"), std::string::npos)
      << bad.status().message();
  d.router_rules = {Rule(RuleAction::kAllow, "10.64.1.0/24", "10.64.2.5", "tcp", 80, 80, 3,
                         "Cho phép \"web\"\nvà \\ quản trị")};
  std::vector<std::string> fwd = Chain(Ruleset(d), "forward");
  int r = Find(fwd, "ip saddr 10.64.1.0/24 ip daddr 10.64.2.5 tcp dport 80 counter accept");
  ASSERT_GE(r, 0);
  EXPECT_NE(fwd[r].find("comment \"r1 scenario.lua:3 Cho phép 'web' và ' quản "
                        "trị\""),
            std::string::npos)
      << fwd[r];
}

TEST(RouterRuleset, LongUtf8CommentIsCutOnACharacterBoundary) {
  PlannedDomain d = Router();
  std::string longtext;
  for (int i = 0; i < 100; ++i) longtext += "ệ";  // 3 bytes each
  d.router_rules = {Rule(RuleAction::kAllow, "*", "*", "icmp", 0, 0, 1, longtext)};
  std::vector<std::string> fwd = Chain(Ruleset(d), "forward");
  int r = Find(fwd, "comment \"r1");
  ASSERT_GE(r, 0);
  std::string c = fwd[r].substr(fwd[r].find("comment \"") + 9);
  c.pop_back();  // closing quote
  EXPECT_LE(c.size(), 120u);
  std::string body = c.substr(c.find("scenario.lua:1 ") + 15);
  EXPECT_EQ(body.size() % 3, 0u);
}

TEST(RouterRuleset, BadInputNamesThePlace) {
  PlannedDomain not_router = Router();
  not_router.is_router = false;
  EXPECT_EQ(RouterRuleset(not_router).status().code(), StatusCode::kInvalidArgument);

  PlannedDomain no_legs = Router();
  no_legs.interfaces.clear();
  EXPECT_EQ(RouterRuleset(no_legs).status().code(), StatusCode::kInvalidArgument);

  PlannedDomain bad_leg = Router();
  bad_leg.interfaces[1].address = "10.64.2";
  Result<std::string> leg = RouterRuleset(bad_leg);
  EXPECT_EQ(leg.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(leg.status().message().find("blue1.lan"), std::string::npos);

  struct Case {
    FirewallRule rule;
    std::string says;
  };
  std::vector<Case> cases = {
      {Rule(RuleAction::kAllow, "10.64.1.300/24", "*", "tcp", 80, 80, 41), "not a CIDR"},
      {Rule(RuleAction::kAllow, "*", "10.64.1.0/33", "tcp", 80, 80, 41), "not a CIDR"},
      {Rule(RuleAction::kAllow, "*", "web", "tcp", 80, 80, 41), "not a CIDR"},
      {Rule(RuleAction::kAllow, "*", "*", "icmp", 8, 8, 41), "icmp has no ports"},
      {Rule(RuleAction::kAllow, "*", "*", "sctp", 0, 0, 41), "unknown protocol 'sctp'"},
      {Rule(RuleAction::kAllow, "*", "*", "tcp", 90, 80, 41), "reversed"},
      {Rule(RuleAction::kAllow, "*", "*", "udp", 1, 70000, 41), "out of range"},
  };
  for (const Case& c : cases) {
    PlannedDomain d = Router();
    d.router_rules = {Rule(RuleAction::kAllow, "*", "*", "icmp"), c.rule};
    Result<std::string> r = RouterRuleset(d);
    ASSERT_FALSE(r.ok()) << c.says;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(r.status().message().find("scenarios/unit/scenario.lua:41: firewall rule 2"),
              std::string::npos)
        << r.status().message();
    EXPECT_NE(r.status().message().find(c.says), std::string::npos) << r.status().message();
  }
}

// ---- the real parser ------------------------------------------------------------

std::string NftBinary() {
  for (const char* p : {"/usr/sbin/nft", "/sbin/nft", "/usr/bin/nft"}) {
    if (access(p, X_OK) == 0) return p;
  }
  return "";
}

class NftCheck : public ::testing::Test {
 protected:
  void SetUp() override {
    nft_ = NftBinary();
    if (nft_.empty())
      GTEST_FAIL() << "nft not installed (apt-get install -y nftables; bash .ci/setup installs it)";
    // nft -c still asks the kernel to validate (and then aborts the
    // transaction): needs CAP_NET_ADMIN and nf_tables on the host.
    std::string probe;
    if (Check("table inet lf_probe {\n  chain c {\n    type filter hook forward priority 0;\n  "
              "}\n}\n",
              &probe) != 0) {
      GTEST_FAIL() << "nft -c cannot validate here (run as root with nf_tables): " << probe;
    }
  }
  // nft -c -f on `text`; returns the exit status, output in *out.
  int Check(const std::string& text, std::string* out) {
    fs::path file = dir_ / ("ruleset-" + std::to_string(n_++) + ".nft");
    std::ofstream(file) << text;
    std::string cmd = nft_ + " -c -f " + file.string() + " 2>&1";
    FILE* p = popen(cmd.c_str(), "r");
    if (p == nullptr) return -1;
    char buf[512];
    out->clear();
    while (fgets(buf, sizeof buf, p) != nullptr) *out += buf;
    return pclose(p);
  }

  std::string nft_;
  testsupport::TempDir tmp_{"lf-firewall-test"};
  const fs::path& dir_ = tmp_.path();
  int n_ = 0;
};

TEST_F(NftCheck, AcceptsEveryHandBuiltRuleset) {
  std::vector<PlannedDomain> routers;
  PlannedDomain d = Router();
  routers.push_back(d);  // no rules, default deny
  d.router_default_policy = RuleAction::kAllow;
  d.router_rules = {Rule(RuleAction::kAllow, "172.16.0.0/24", "10.64.1.10/32", "tcp", 443, 443, 7),
                    Rule(RuleAction::kDeny, "*", "10.64.2.0/24", "tcp", 8000, 8080, 8),
                    Rule(RuleAction::kAllow, "10.64.1.0/24", "*", "udp", 53, 53, 9),
                    Rule(RuleAction::kAllow, "*", "*", "icmp", 0, 0, 10, "ping \"everything\""),
                    Rule(RuleAction::kAllow, "*", "10.64.2.5/32", "any", 20, 21, 11),
                    Rule(RuleAction::kDeny, "0.0.0.0/0", "*", "any", 0, 0, 12, "Chặn tất cả")};
  routers.push_back(d);
  PlannedDomain team_only = d;
  team_only.interfaces.resize(2);  // no shared legs
  routers.push_back(team_only);
  PlannedDomain one_shared = d;
  one_shared.interfaces.resize(3);
  routers.push_back(one_shared);
  for (const PlannedDomain& r : routers) {
    std::string text = Ruleset(r);
    std::string out;
    EXPECT_EQ(Check(text, &out), 0) << out << "\n" << text;
  }
}

TEST_F(NftCheck, AcceptsTheProvincialPortalRouters) {
  Result<model::Scenario> s = scenario::LoadValidScenario(std::string(LIVEFIRE_SOURCE_DIR) +
                                                          "/scenarios/provincial-portal");
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  topology::PlanOptions opt;
  opt.team_count = 3;
  Result<topology::RangePlan> plan = topology::MakePlan(*s, opt);
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  int routers = 0;
  for (const PlannedDomain& d : plan->domains) {
    if (!d.is_router) continue;
    ++routers;
    ASSERT_FALSE(d.router_rules.empty()) << d.key;
    std::string text = Ruleset(d);
    // Every planned rule became one counted rule.
    size_t counted = 0;
    for (std::vector<std::string> fwd = Chain(text, "forward"); const std::string& l : fwd) {
      if (l.find("comment \"r") != std::string::npos && l.find("counter ") != std::string::npos)
        ++counted;
    }
    EXPECT_EQ(counted, d.router_rules.size()) << d.key;
    std::string out;
    EXPECT_EQ(Check(text, &out), 0) << d.key << ": " << out << "\n" << text;
  }
  EXPECT_EQ(routers, 3);
}

}  // namespace
}  // namespace livefire::provision
