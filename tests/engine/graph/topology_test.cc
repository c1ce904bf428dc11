#include "livefire/graph/topology.h"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "scenario_builder.h"

namespace livefire::graph {
namespace {

using model::NetworkZone;
using model::RuleAction;
using testsupport::AddService;
using testsupport::AddVuln;
using testsupport::Builder;
using testsupport::ThreeZones;

TEST(Reach, SameNetworkAlwaysAllowed) {
  Builder b = ThreeZones();
  b.Rule(RuleAction::kDeny, "*", "*", "any");
  Topology t = Topology::Build(b.s());
  ReachVerdict v = t.CanReach("portal", "web2", "tcp", 22);
  EXPECT_TRUE(v.reachable);
  EXPECT_EQ(v.rule, nullptr);
  EXPECT_EQ(v.reason, "same network dmz");
  EXPECT_TRUE(t.CanReach("dmz", "portal", "udp", 53).reachable);
}

TEST(Reach, DefaultPolicyDenyAndAllow) {
  Builder b = ThreeZones();
  Topology deny = Topology::Build(b.s());
  ReachVerdict v = deny.CanReach("red", "portal", "tcp", 80);
  EXPECT_FALSE(v.reachable);
  EXPECT_EQ(v.rule, nullptr);
  EXPECT_EQ(v.reason, "denied by default policy (red -> dmz)");

  b.s().meta.default_policy = RuleAction::kAllow;
  Topology allow = Topology::Build(b.s());
  EXPECT_TRUE(allow.CanReach("red", "portal", "tcp", 80).reachable);
  EXPECT_EQ(allow.CanReach("red", "portal", "tcp", 80).reason,
            "allowed by default policy (red -> dmz)");
}

TEST(Reach, AllowRuleNamesItsLocation) {
  Builder b = ThreeZones();
  b.Rule(RuleAction::kAllow, "red", "dmz", "tcp", 80, 80);
  Topology t = Topology::Build(b.s());
  ReachVerdict v = t.CanReach("red", "portal", "tcp", 80);
  ASSERT_TRUE(v.reachable);
  ASSERT_NE(v.rule, nullptr);
  EXPECT_EQ(v.rule->loc.line, 100);
  EXPECT_EQ(v.reason, "allowed by rule at scenario.lua:100 (red -> dmz)");
  EXPECT_FALSE(t.CanReach("red", "portal", "tcp", 443).reachable);
  EXPECT_FALSE(t.CanReach("red", "portal", "udp", 80).reachable);
  EXPECT_FALSE(t.CanReach("red", "db", "tcp", 80).reachable);
  // Direction matters: the rule does not allow dmz -> red.
  EXPECT_FALSE(t.CanReach("dmz", "attacker", "tcp", 80).reachable);
}

TEST(Reach, FirstMatchWins) {
  Builder b = ThreeZones();
  b.Rule(RuleAction::kDeny, "red", "portal", "tcp", 22, 22)
      .Rule(RuleAction::kAllow, "red", "dmz", "tcp", 1, 1024)
      .Rule(RuleAction::kDeny, "red", "dmz", "tcp", 80, 80);
  Topology t = Topology::Build(b.s());
  ReachVerdict ssh = t.CanReach("red", "portal", "tcp", 22);
  EXPECT_FALSE(ssh.reachable);
  ASSERT_NE(ssh.rule, nullptr);
  EXPECT_EQ(ssh.rule->loc.line, 100);
  EXPECT_TRUE(t.CanReach("red", "web2", "tcp", 22).reachable);  // node rule names portal only
  ReachVerdict http = t.CanReach("red", "portal", "tcp", 80);
  EXPECT_TRUE(http.reachable);  // the later deny never applies
  EXPECT_EQ(http.rule->loc.line, 101);
}

TEST(Reach, NodeLevelRuleMatchesOnlyThatNode) {
  Builder b = ThreeZones();
  b.Node("jump", {{"red", "172.16.0.11"}});
  b.Rule(RuleAction::kAllow, "attacker", "db", "tcp", 3306, 3306);
  Topology t = Topology::Build(b.s());
  EXPECT_TRUE(t.CanReach("attacker", "db", "tcp", 3306).reachable);
  EXPECT_FALSE(t.CanReach("jump", "db", "tcp", 3306).reachable);
  // A network stands for an ordinary host, not for the named node.
  EXPECT_FALSE(t.CanReach("red", "db", "tcp", 3306).reachable);
}

TEST(Reach, PortRangesAndProtocols) {
  Builder b = ThreeZones();
  b.Rule(RuleAction::kAllow, "dmz", "internal", "tcp", 8000, 8099)
      .Rule(RuleAction::kAllow, "internal", "dmz", "any")
      .Rule(RuleAction::kAllow, "red", "dmz", "any", 53, 53);
  Topology t = Topology::Build(b.s());
  EXPECT_FALSE(t.CanReach("dmz", "db", "tcp", 7999).reachable);
  EXPECT_TRUE(t.CanReach("dmz", "db", "tcp", 8000).reachable);
  EXPECT_TRUE(t.CanReach("dmz", "db", "tcp", 8099).reachable);
  EXPECT_FALSE(t.CanReach("dmz", "db", "tcp", 8100).reachable);
  EXPECT_FALSE(t.CanReach("dmz", "db", "udp", 8000).reachable);
  // protocol any, every port (0/0): anything, ICMP included.
  EXPECT_TRUE(t.CanReach("internal", "portal", "udp", 161).reachable);
  EXPECT_TRUE(t.CanReach("internal", "portal", "icmp", 0).reachable);
  // protocol any limited to a port: tcp and udp 53, never ICMP.
  EXPECT_TRUE(t.CanReach("red", "portal", "udp", 53).reachable);
  EXPECT_TRUE(t.CanReach("red", "portal", "tcp", 53).reachable);
  EXPECT_FALSE(t.CanReach("red", "portal", "icmp", 0).reachable);
}

TEST(Reach, MultiHomedNodeUsesAnyLeg) {
  Builder b = ThreeZones();
  b.Node("bastion", {{"dmz", "10.10.1.5"}, {"internal", "10.10.2.5"}});
  Topology t = Topology::Build(b.s());
  EXPECT_TRUE(t.CanReach("bastion", "db", "tcp", 5432).reachable);
  EXPECT_TRUE(t.CanReach("portal", "bastion", "tcp", 22).reachable);
  EXPECT_FALSE(t.CanReach("portal", "db", "tcp", 5432).reachable);
}

TEST(Reach, UnknownNamesAreUnreachableAndSaySo) {
  Builder b = ThreeZones();
  b.s().nodes[1].interfaces.push_back({"nowhere", "1.2.3.4", {}});  // dangling: skipped
  b.Rule(RuleAction::kAllow, "ghost", "dmz", "any");
  Topology t = Topology::Build(b.s());
  EXPECT_EQ(t.CanReach("red", "ghost", "tcp", 1).reason, "unknown node ghost");
  EXPECT_EQ(t.CanReach("ghost", "portal", "tcp", 1).reason, "unknown network or node ghost");
  EXPECT_FALSE(t.CanReach("red", "portal", "tcp", 80).reachable);
}

TEST(Graph, VerticesAndEdges) {
  Builder b = ThreeZones();
  b.Rule(RuleAction::kAllow, "red", "dmz", "tcp", 80, 80).Rule(RuleAction::kDeny, "*", "db", "any");
  Topology t = Topology::Build(b.s());
  EXPECT_EQ(t.num_vertices(), 3u + 4u);
  // 4 interfaces x 2 directions + 1 + 3 (wildcard source expanded to networks).
  EXPECT_EQ(t.num_edges(), 8u + 1u + 3u);
}

// Two chains to the database: red -> portal (cost 5) -> db (cost 1) and
// red -> web2 (cost 1) -> db (cost 1). Dijkstra must pick the second.
Builder Chains() {
  Builder b = ThreeZones();
  auto& s = b.s();
  AddService(s.nodes[1], "http", "tcp", 80);
  AddVuln(s.nodes[1], "cgi-cmd-injection", "http", 5);
  AddService(s.nodes[2], "ftp", "tcp", 21);
  AddVuln(s.nodes[2], "ftp-anonymous", "ftp", 1);
  AddVuln(s.nodes[2], "weak-password", "ftp", 3);  // dearer on the same service: not used
  AddService(s.nodes[3], "mysql", "tcp", 3306);
  AddVuln(s.nodes[3], "weak-password", "mysql", 1);
  AddVuln(s.nodes[3], "world-readable-secret", "", 0.1);  // local only
  b.Rule(RuleAction::kAllow, "red", "dmz", "tcp", 1, 1024)
      .Rule(RuleAction::kAllow, "dmz", "internal", "tcp", 3306, 3306);
  b.Objective("db-flag", "db")
      .Objective("portal-up", "portal", model::ObjectiveKind::kKeepAvailable);
  return b;
}

std::string Describe(const AttackPath& p) {
  std::string out;
  for (const AttackStep& s : p.steps) out += s.node + ":" + s.vulnerability + " ";
  return out;
}

TEST(AttackPaths, CheapestPicksTheCheaperChain) {
  Builder b = Chains();
  Topology t = Topology::Build(b.s());
  std::vector<AttackPath> paths = t.CheapestAttackPaths();
  ASSERT_EQ(paths.size(), 1u);  // blue objectives have no attack path
  EXPECT_EQ(paths[0].objective, "db-flag");
  EXPECT_EQ(paths[0].node, "db");
  EXPECT_TRUE(paths[0].reachable);
  EXPECT_DOUBLE_EQ(paths[0].cost, 2.0);
  EXPECT_EQ(Describe(paths[0]), "web2:ftp-anonymous db:weak-password ");
  EXPECT_EQ(paths[0].steps[0].service, "ftp");

  // Make the FTP chain dearer: the portal chain wins.
  b.s().nodes[2].vulnerabilities[0].exploit_cost = 10;
  b.s().nodes[2].vulnerabilities[1].exploit_cost = 10;
  paths = Topology::Build(b.s()).CheapestAttackPaths();
  EXPECT_EQ(Describe(paths[0]), "portal:cgi-cmd-injection db:weak-password ");
  EXPECT_DOUBLE_EQ(paths[0].cost, 6.0);
}

TEST(AttackPaths, UnreachableObjectiveIsListedWithoutSteps) {
  Builder b = Chains();
  b.s().rules.pop_back();  // dmz can no longer reach the database
  std::vector<AttackPath> paths = Topology::Build(b.s()).CheapestAttackPaths();
  ASSERT_EQ(paths.size(), 1u);
  EXPECT_FALSE(paths[0].reachable);
  EXPECT_TRUE(paths[0].steps.empty());
}

TEST(AttackPaths, LocalOnlyVulnerabilityOpensNoEdge) {
  Builder b = ThreeZones();
  AddVuln(b.s().nodes[1], "world-readable-secret", "", 0.5);
  b.s().meta.default_policy = RuleAction::kAllow;
  b.Objective("portal-flag", "portal");
  std::vector<AttackPath> paths = Topology::Build(b.s()).CheapestAttackPaths();
  ASSERT_EQ(paths.size(), 1u);
  EXPECT_FALSE(paths[0].reachable);
}

TEST(AttackPaths, RedZoneObjectiveNeedsNoStep) {
  Builder b = ThreeZones();
  b.Objective("own", "attacker");
  std::vector<AttackPath> paths = Topology::Build(b.s()).CheapestAttackPaths();
  ASSERT_EQ(paths.size(), 1u);
  EXPECT_TRUE(paths[0].reachable);
  EXPECT_TRUE(paths[0].steps.empty());
}

TEST(AttackPaths, NodeNamedInRuleUsesItsOwnVerdicts) {
  // Only the attacker node (not the red network) may reach the database.
  Builder b = ThreeZones();
  AddService(b.s().nodes[3], "mysql", "tcp", 3306);
  AddVuln(b.s().nodes[3], "weak-password", "mysql", 2);
  b.Rule(RuleAction::kAllow, "attacker", "internal", "tcp", 3306, 3306);
  b.Objective("db-flag", "db");
  std::vector<AttackPath> paths = Topology::Build(b.s()).CheapestAttackPaths();
  ASSERT_TRUE(paths[0].reachable);
  EXPECT_EQ(Describe(paths[0]), "db:weak-password ");
}

TEST(AttackPaths, AllSimplePathsBoundedAndSorted) {
  // A core network behind the internal one: db is reachable from the DMZ
  // directly (MySQL) or through the app server (SSH from the DMZ).
  Builder b = Chains();
  auto& s = b.s();
  b.Net("core", "10.10.3.0/24");
  s.nodes[3].interfaces = {{"core", "10.10.3.20", {}}};
  model::Node& app = b.Node("app", {{"internal", "10.10.2.30"}});
  AddService(app, "ssh", "tcp", 22);
  AddVuln(app, "weak-password", "ssh", 1);
  s.rules.pop_back();
  b.Rule(RuleAction::kAllow, "dmz", "internal", "tcp", 22, 22)
      .Rule(RuleAction::kAllow, "dmz", "core", "tcp", 3306, 3306)
      .Rule(RuleAction::kAllow, "internal", "core", "tcp", 3306, 3306);
  Topology t = Topology::Build(s);
  std::vector<AttackPath> all = t.AllAttackPaths("db-flag", 3);
  std::vector<std::string> got;
  for (const AttackPath& p : all) got.push_back(Describe(p));
  EXPECT_EQ(got, (std::vector<std::string>{
                     "web2:ftp-anonymous db:weak-password ",
                     "web2:ftp-anonymous app:weak-password db:weak-password ",
                     "portal:cgi-cmd-injection db:weak-password ",
                     "portal:cgi-cmd-injection app:weak-password db:weak-password ",
                 }));
  EXPECT_DOUBLE_EQ(all[0].cost, 2.0);
  EXPECT_DOUBLE_EQ(all[1].cost, 3.0);
  EXPECT_DOUBLE_EQ(all[3].cost, 7.0);
  EXPECT_EQ(t.AllAttackPaths("db-flag", 2).size(), 2u);
  EXPECT_TRUE(t.AllAttackPaths("db-flag", 1).empty());
  EXPECT_TRUE(t.AllAttackPaths("portal-up", 5).empty());  // blue objective
  EXPECT_TRUE(t.AllAttackPaths("nope", 5).empty());
  // Simple paths: a longer bound adds nothing, no node is exploited twice
  // (pivoting through a second DMZ host gains nothing and is not listed).
  std::vector<AttackPath> ten = t.AllAttackPaths("db-flag", 10);
  EXPECT_EQ(ten.size(), 4u);
  for (const AttackPath& p : ten) {
    std::set<std::string> nodes;
    for (const AttackStep& st : p.steps) EXPECT_TRUE(nodes.insert(st.node).second) << Describe(p);
  }
}

TEST(AttackPaths, Deterministic) {
  Builder b = Chains();
  Topology t1 = Topology::Build(b.s());
  Topology t2 = Topology::Build(b.s());
  auto a = t1.AllAttackPaths("db-flag", 4);
  auto c = t2.AllAttackPaths("db-flag", 4);
  ASSERT_EQ(a.size(), c.size());
  for (size_t i = 0; i < a.size(); ++i) EXPECT_EQ(Describe(a[i]), Describe(c[i]));
}

}  // namespace
}  // namespace livefire::graph
