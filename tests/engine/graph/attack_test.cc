// The attack model (#13 item 8): credentials found on one node and reused on
// another, enumeration that gives no foothold, local escalation that needs
// one. Every network here is small enough to compute the answer by hand.
#include "livefire/graph/attack.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "livefire/graph/topology.h"
#include "scenario_builder.h"

namespace livefire::graph {
namespace {

using model::Privilege;
using model::RuleAction;
using model::VulnEffect;
using testsupport::AddService;
using testsupport::AddVuln;
using testsupport::Builder;
using testsupport::ThreeZones;

model::Vulnerability& LastVuln(model::Node& n) { return n.vulnerabilities.back(); }

void AddAccount(model::Node& n, std::string user, std::string credential,
                std::vector<std::string> login, bool admin) {
  model::Account a;
  a.user = std::move(user);
  a.password = "Secret@2026";
  a.admin = admin;
  a.credential = std::move(credential);
  a.login = std::move(login);
  n.accounts.push_back(a);
}

// red -(http 80)-> portal (dmz) -(ssh 22)-> db (internal). The portal's CGI
// gives root (cost 1), a backup file on it holds db-admin (local, cost 1);
// the database accepts db-admin over ssh (a login, cost kLoginCost = 1) and
// has no weakness of its own. Nodes: attacker, portal, web2, db.
Builder Reuse() {
  Builder b = ThreeZones();
  auto& s = b.s();
  AddService(s.nodes[1], "http", "tcp", 80);
  AddVuln(s.nodes[1], "cgi-cmd-injection", "http", 1);
  AddVuln(s.nodes[1], "world-readable-secret", "", 1);
  LastVuln(s.nodes[1]).effect = VulnEffect::kCredentials;
  LastVuln(s.nodes[1]).yields = {"db-admin"};
  AddService(s.nodes[3], "ssh", "tcp", 22);
  AddAccount(s.nodes[3], "admin", "db-admin", {"ssh"}, /*admin=*/true);
  b.Rule(RuleAction::kAllow, "red", "dmz", "tcp", 80, 80)
      .Rule(RuleAction::kAllow, "dmz", "internal", "tcp", 22, 22);
  b.Objective("db-flag", "db");
  return b;
}

std::string Describe(const AttackPath& p) {
  std::string out;
  for (const AttackStep& s : p.steps) {
    out += std::string(ToString(s.kind)) + " " + s.node + ":" +
           (s.vulnerability.empty() ? s.account : s.vulnerability);
    if (!s.from.empty()) out += " from " + s.from;
    if (!s.credential.empty()) out += " with " + s.credential;
    for (const std::string& y : s.yields) out += " -> " + y;
    out += "; ";
  }
  return out;
}

AttackPath Cheapest(const model::Scenario& s, const std::string& objective) {
  for (AttackPath& p : Topology::Build(s).CheapestAttackPaths()) {
    if (p.objective == objective) return p;
  }
  ADD_FAILURE() << "no objective " << objective;
  return {};
}

TEST(AttackModel, CredentialReuseGivesAPathThatDoesNotExistWithoutIt) {
  Builder b = Reuse();
  AttackPath p = Cheapest(b.s(), "db-flag");
  ASSERT_TRUE(p.reachable);
  EXPECT_EQ(Describe(p),
            "exploit portal:cgi-cmd-injection from red; "
            "credentials portal:world-readable-secret -> db-admin; "
            "login db:admin from portal with db-admin; ");
  // The portal foothold is a prerequisite of both the credential and the
  // login: counted once, 1 + 1 + 1.
  EXPECT_DOUBLE_EQ(p.cost, 3);
  EXPECT_EQ(p.steps[0].privilege, Privilege::kRoot);
  EXPECT_EQ(p.steps[2].service, "ssh");
  EXPECT_EQ(p.steps[2].privilege, Privilege::kRoot);  // an admin account

  // The same range with nothing disclosing the password: no way in.
  b.s().nodes[1].vulnerabilities.pop_back();
  EXPECT_FALSE(Cheapest(b.s(), "db-flag").reachable);
}

TEST(AttackModel, FirewallRuleCuttingTheLoginServiceRemovesThePath) {
  Builder b = Reuse();
  // First match wins: a deny of ssh ahead of the allow.
  b.s().rules.insert(b.s().rules.begin() + 1,
                     testsupport::MakeRule(RuleAction::kDeny, "dmz", "db", "tcp", 22, 22,
                                           {"scenario.lua", 99}));
  EXPECT_FALSE(Cheapest(b.s(), "db-flag").reachable);
  // Telnet open instead does not help: the account logs in over ssh only.
  b.Rule(RuleAction::kAllow, "dmz", "internal", "tcp", 23, 23);
  AddService(b.s().nodes[3], "telnet", "tcp", 23);
  EXPECT_FALSE(Cheapest(b.s(), "db-flag").reachable);
  b.s().nodes[3].accounts[0].login.push_back("telnet");
  AttackPath p = Cheapest(b.s(), "db-flag");
  ASSERT_TRUE(p.reachable);
  EXPECT_EQ(p.steps.back().service, "telnet");
}

TEST(AttackModel, EnumerationWeaknessAloneGivesNoFoothold) {
  Builder b = ThreeZones();
  AddService(b.s().nodes[1], "smtp", "tcp", 25);
  AddVuln(b.s().nodes[1], "smtp-vrfy-enum", "smtp", 3);
  LastVuln(b.s().nodes[1]).effect = VulnEffect::kInformation;
  b.Rule(RuleAction::kAllow, "red", "dmz", "tcp", 25, 25);
  b.Objective("portal-flag", "portal");
  EXPECT_FALSE(Cheapest(b.s(), "portal-flag").reachable);

  // Red may take the action (a simulator would log it), and owns nothing after.
  AttackModel m = Topology::Build(b.s()).Attacks();
  AttackState s = m.Initial();
  std::vector<AttackChoice> choices = m.Available(s);
  ASSERT_EQ(choices.size(), 1u);
  EXPECT_EQ(m.ActionOf(choices[0]).kind, StepKind::kInformation);
  EXPECT_EQ(m.From(choices[0]), "red");
  EXPECT_TRUE(m.Apply(choices[0], s));
  EXPECT_EQ(s.privilege(m.FindNode("portal")), Privilege::kNone);
  EXPECT_FALSE(m.Reached(s, "portal-flag"));

  // The same weakness declared as a foothold is one.
  LastVuln(b.s().nodes[1]).effect = VulnEffect::kFoothold;
  EXPECT_TRUE(Cheapest(b.s(), "portal-flag").reachable);
}

// portal: a CGI giving only a user shell, a local privesc, and /etc/shadow
// (local, needs root) holding db-admin.
Builder Escalation() {
  Builder b = Reuse();
  auto& portal = b.s().nodes[1];
  portal.vulnerabilities[0].gives = Privilege::kUser;
  portal.vulnerabilities[1].needs = Privilege::kRoot;
  AddVuln(portal, "sudo-misconfig", "", 1);
  LastVuln(portal).effect = VulnEffect::kPrivesc;
  return b;
}

TEST(AttackModel, LocalPrivilegeEscalationNeedsAFoothold) {
  Builder b = Escalation();
  AttackPath p = Cheapest(b.s(), "db-flag");
  ASSERT_TRUE(p.reachable);
  EXPECT_EQ(Describe(p),
            "exploit portal:cgi-cmd-injection from red; escalate portal:sudo-misconfig; "
            "credentials portal:world-readable-secret -> db-admin; "
            "login db:admin from portal with db-admin; ");
  EXPECT_DOUBLE_EQ(p.cost, 4);
  EXPECT_EQ(p.steps[0].privilege, Privilege::kUser);
  EXPECT_EQ(p.steps[1].privilege, Privilege::kRoot);

  // Without the remote foothold the local weaknesses are out of reach.
  b.s().nodes[1].vulnerabilities.erase(b.s().nodes[1].vulnerabilities.begin());
  AttackModel m = Topology::Build(b.s()).Attacks();
  EXPECT_TRUE(m.Available(m.Initial()).empty());
  EXPECT_FALSE(Cheapest(b.s(), "db-flag").reachable);
}

TEST(AttackModel, WeaknessThatNeedsACredentialIsNotAFreeFoothold) {
  // db: a weak-password on ssh that is the reused db-admin password.
  Builder b = Reuse();
  auto& db = b.s().nodes[3];
  db.accounts[0].login.clear();
  AddVuln(db, "weak-password", "ssh", 2);
  LastVuln(db).credential = "db-admin";
  AttackPath p = Cheapest(b.s(), "db-flag");
  ASSERT_TRUE(p.reachable);
  EXPECT_EQ(Describe(p).substr(Describe(p).rfind("exploit")),
            "exploit db:weak-password from portal with db-admin; ");
  EXPECT_DOUBLE_EQ(p.cost, 4);
  b.s().nodes[1].vulnerabilities.pop_back();  // nothing yields db-admin
  EXPECT_FALSE(Cheapest(b.s(), "db-flag").reachable);
}

TEST(AttackModel, PlayingTheAvailableActionsReachesWhatThePathSays) {
  // A simulator's loop: take every available action until nothing changes.
  Builder b = Escalation();
  AttackModel m = Topology::Build(b.s()).Attacks();
  AttackState s = m.Initial();
  EXPECT_EQ(m.credentials(), std::vector<std::string>{"db-admin"});
  EXPECT_FALSE(s.holds_credential(m.FindCredential("db-admin")));
  EXPECT_TRUE(s.acts_on_network(0));  // red, shared
  EXPECT_EQ(s.privilege(m.FindNode("attacker")), Privilege::kRoot);
  EXPECT_FALSE(m.Reached(s, "db-flag"));
  // Prerequisites are checked: the login is refused before the credential.
  for (AttackChoice c : m.Available(s)) EXPECT_NE(m.ActionOf(c).kind, StepKind::kLogin);
  int rounds = 0;
  for (bool changed = true; changed && rounds < 10; ++rounds) {
    changed = false;
    for (AttackChoice c : m.Available(s)) {
      AttackState before = s;
      ASSERT_TRUE(m.Apply(c, s));
      changed = changed || s.privilege(m.FindNode(m.ActionOf(c).node)) !=
                               before.privilege(m.FindNode(m.ActionOf(c).node)) ||
                s.holds_credential(0) != before.holds_credential(0);
    }
  }
  EXPECT_TRUE(s.holds_credential(m.FindCredential("db-admin")));
  EXPECT_EQ(s.privilege(m.FindNode("portal")), Privilege::kRoot);
  EXPECT_EQ(s.privilege(m.FindNode("db")), Privilege::kRoot);
  EXPECT_TRUE(m.Reached(s, "db-flag"));
  // An instance whose prerequisites do not hold is refused.
  AttackState fresh = m.Initial();
  for (int i = 0; i < static_cast<int>(m.num_instances()); ++i) {
    AttackChoice c{i};
    bool available = false;
    for (AttackChoice a : m.Available(fresh)) available = available || a.instance == i;
    if (!available) {
      AttackState copy = fresh;
      EXPECT_FALSE(m.Apply(c, copy));
    }
  }
}

TEST(AttackModel, AFirewallBlockOfASourceCutsWhatCrossesTheRouterFromItOnly) {
  // Reuse plus an http weakness on web2 (dmz, next to the portal).
  Builder b = Reuse();
  auto& sc = b.s();
  AddService(sc.nodes[2], "http", "tcp", 80);
  AddVuln(sc.nodes[2], "web2-rce", "http", 1);
  AttackModel m = Topology::Build(sc).Attacks();
  AttackState s = m.Initial();
  auto find = [&](const AttackState& st, std::string_view node, std::string_view from) {
    for (AttackChoice c : m.Available(st)) {
      if (m.ActionOf(c).node == node && m.From(c) == from) return c;
    }
    return AttackChoice{};
  };
  AttackChoice cgi = find(s, "portal", "red");
  ASSERT_GE(cgi.instance, 0);
  EXPECT_TRUE(m.CrossesFirewall(cgi));  // red -> dmz goes through the router
  ASSERT_TRUE(m.Apply(cgi, s));
  AttackChoice secret = find(s, "portal", "");
  ASSERT_GE(secret.instance, 0);
  EXPECT_FALSE(m.CrossesFirewall(secret));  // local: nothing for a firewall to stop
  EXPECT_FALSE(m.Block(secret, s));
  ASSERT_TRUE(m.Apply(secret, s));
  AttackChoice login = find(s, "db", "dmz");
  AttackChoice next_door = find(s, "web2", "dmz");
  ASSERT_GE(login.instance, 0);
  ASSERT_GE(next_door.instance, 0);
  EXPECT_TRUE(m.CrossesFirewall(login));       // dmz -> internal
  EXPECT_FALSE(m.CrossesFirewall(next_door));  // inside the dmz
  // Blue blocks the dmz source at the router (in this copy only).
  AttackState other = s;
  ASSERT_TRUE(m.Block(login, s));
  EXPECT_FALSE(m.Block(login, s));  // already blocked
  EXPECT_TRUE(m.Blocked(s, login));
  EXPECT_FALSE(m.Blocked(s, next_door));
  EXPECT_EQ(find(s, "db", "dmz").instance, -1);
  EXPECT_EQ(find(s, "web2", "dmz").instance, next_door.instance);  // same network: still open
  AttackState copy = s;
  EXPECT_FALSE(m.Apply(login, copy));
  EXPECT_EQ(copy, s);
  EXPECT_FALSE(m.Reached(s, "db-flag"));
  // The other state (another team's copy of the range) is not blocked.
  EXPECT_TRUE(m.Apply(login, other));
  EXPECT_TRUE(m.Reached(other, "db-flag"));
  // A revert of the portal keeps the rule: red re-enters from red, db stays out of reach.
  m.Revoke(static_cast<size_t>(m.FindNode("portal")), s);
  ASSERT_TRUE(m.Apply(find(s, "portal", "red"), s));
  EXPECT_EQ(find(s, "db", "dmz").instance, -1);
  // Blocking red's own network at the router shuts red out of the dmz.
  AttackState fresh = m.Initial();
  ASSERT_TRUE(m.Block(cgi, fresh));
  EXPECT_TRUE(m.Available(fresh).empty());
}

}  // namespace
}  // namespace livefire::graph
