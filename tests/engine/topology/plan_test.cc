#include "livefire/topology/plan.h"

#include <arpa/inet.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "livefire/testing/firewall_rules.h"

namespace livefire::topology {
namespace {

using model::NetworkZone;
using model::RuleAction;
using ::testing::HasSubstr;

// A provincial portal range built in C++: a shared red zone, a DMZ, an
// internal network and a management network per blue team.
model::Scenario Provincial() {
  model::Scenario s;
  s.file = "scenario.lua";
  s.meta.name = "provincial";
  s.meta.loc = {"scenario.lua", 2};
  s.meta.default_policy = RuleAction::kDeny;
  auto team = [&](std::string name, model::TeamRole role) {
    model::Team t;
    t.name = std::move(name);
    t.role = role;
    s.teams.push_back(t);
  };
  team("white", model::TeamRole::kWhite);
  team("red1", model::TeamRole::kRed);
  team("hanoi", model::TeamRole::kBlue);
  team("hue", model::TeamRole::kBlue);
  auto net = [&](std::string name, std::string cidr, NetworkZone z, int line) {
    model::Network n;
    n.name = std::move(name);
    n.cidr = std::move(cidr);
    n.zone = z;
    n.loc = {"scenario.lua", line};
    s.networks.push_back(n);
  };
  net("red", "198.18.0.0/24", NetworkZone::kShared, 10);
  net("dmz", "10.10.1.0/24", NetworkZone::kPerTeam, 11);
  net("internal", "10.10.2.0/24", NetworkZone::kPerTeam, 12);
  net("mgmt", "10.10.3.0/26", NetworkZone::kPerTeam, 13);
  int line = 20;
  auto node = [&](std::string name,
                  std::vector<std::pair<std::string, std::string>> ifs) -> model::Node& {
    model::Node n;
    n.name = std::move(name);
    n.template_name = "micro";
    n.loc = {"scenario.lua", line++};
    for (auto& [nw, a] : ifs) n.interfaces.push_back({nw, a, n.loc});
    s.nodes.push_back(std::move(n));
    return s.nodes.back();
  };
  auto service = [](model::Node& n, std::string name, std::string proto, int port,
                    std::vector<std::string> from) {
    model::Service sv;
    sv.name = std::move(name);
    sv.protocol = std::move(proto);
    sv.port = port;
    sv.reachable_from = std::move(from);
    n.services.push_back(sv);
  };
  auto vuln = [](model::Node& n, std::string id, std::string svc, double cost) {
    model::Vulnerability v;
    v.id = std::move(id);
    v.service = std::move(svc);
    v.exploit_cost = cost;
    n.vulnerabilities.push_back(v);
  };
  node("attacker", {{"red", "198.18.0.10"}});
  auto& portal = node("portal", {{"dmz", "10.10.1.10"}});
  service(portal, "http", "tcp", 80, {"red", "internal"});
  vuln(portal, "cgi-cmd-injection", "http", 2);
  auto& dns = node("dns", {{"dmz", "10.10.1.53"}});
  service(dns, "dns", "udp", 53, {"dmz", "internal"});
  auto& docs = node("docs", {{"internal", "10.10.2.20"}});
  service(docs, "ftp", "tcp", 21, {"dmz"});
  vuln(docs, "ftp-anonymous", "ftp", 1);
  vuln(docs, "world-readable-secret", "", 0.5);
  docs.resources.memory_mb = 512;
  docs.value = 3;
  docs.security_level = 4;
  node("ws", {{"internal", "10.10.2.100"}});
  auto& admin = node("admin", {{"mgmt", "10.10.3.10"}, {"internal", "10.10.2.5"}});
  service(admin, "telnet", "tcp", 23, {"mgmt"});
  vuln(admin, "weak-password", "telnet", 3);
  auto rule = [&](RuleAction a, std::string from, std::string to, std::string proto, int pmin,
                  int pmax) {
    s.rules.push_back(
        testsupport::MakeRule(a, std::move(from), std::move(to), std::move(proto), pmin, pmax,
                              {"scenario.lua", 40 + static_cast<int>(s.rules.size())}));
  };
  rule(RuleAction::kAllow, "red", "portal", "tcp", 80, 80);
  rule(RuleAction::kAllow, "dmz", "internal", "tcp", 21, 21);
  rule(RuleAction::kAllow, "internal", "dmz", "any", 0, 0);
  rule(RuleAction::kDeny, "*", "mgmt", "any", 0, 0);
  model::Objective o;
  o.name = "docs-flag";
  o.node = "docs";
  o.kind = model::ObjectiveKind::kReadFlag;
  s.objectives.push_back(o);
  o.name = "admin-flag";
  o.node = "admin";
  s.objectives.push_back(o);
  return s;
}

uint32_t Addr(const std::string& a) {
  in_addr n{};
  EXPECT_EQ(inet_pton(AF_INET, a.c_str(), &n), 1) << a;
  return ntohl(n.s_addr);
}

std::pair<uint32_t, uint32_t> Range(const std::string& cidr) {
  size_t slash = cidr.find('/');
  uint32_t base = Addr(cidr.substr(0, slash));
  int prefix = std::stoi(cidr.substr(slash + 1));
  return {base, static_cast<uint32_t>(base + (uint64_t{1} << (32 - prefix)) - 1)};
}

// Every invariant the provisioner relies on; returns "" when all hold.
std::string CheckPlan(const RangePlan& p) {
  std::vector<std::pair<uint32_t, uint32_t>> ranges;
  std::set<std::string> keys, addresses, macs;
  for (const PlannedNetwork& n : p.networks) {
    if (!keys.insert("net:" + n.key).second) return "duplicate network key " + n.key;
    ranges.push_back(Range(n.cidr));
    if (!addresses.insert(n.host_address).second) return "duplicate host address " + n.host_address;
    if (Addr(n.host_address) != ranges.back().first + 1) return "host address not first usable";
  }
  std::sort(ranges.begin(), ranges.end());
  for (size_t i = 1; i < ranges.size(); ++i) {
    if (ranges[i].first <= ranges[i - 1].second) return "overlapping networks";
  }
  for (const PlannedDomain& d : p.domains) {
    if (!keys.insert("dom:" + d.key).second) return "duplicate domain key " + d.key;
    for (const PlannedInterface& f : d.interfaces) {
      if (!addresses.insert(f.address).second) return "duplicate address " + f.address;
      if (!macs.insert(f.mac).second) return "duplicate mac " + f.mac;
      if (f.mac.rfind("52:54:00:", 0) != 0 || f.mac.size() != 17) return "bad mac " + f.mac;
      const PlannedNetwork* n = p.FindNetwork(f.network_key);
      if (!n) return "unknown network " + f.network_key;
      auto [lo, hi] = Range(n->cidr);
      uint32_t a = Addr(f.address);
      if (a <= lo || a >= hi) return f.address + " outside " + n->cidr;
      if (f.prefix != n->prefix) return "prefix mismatch";
    }
  }
  return "";
}

TEST(Plan, CollisionFreeForEveryTeamCount) {
  model::Scenario s = Provincial();
  for (int n = 1; n <= 200; ++n) {
    PlanOptions o;
    o.team_count = n;
    Result<RangePlan> p = MakePlan(s, o);
    ASSERT_TRUE(p.ok()) << n << ": " << p.status().ToString();
    ASSERT_EQ(p->blue_teams.size(), static_cast<size_t>(n));
    // 1 shared node + per team: router and 5 nodes.
    ASSERT_EQ(p->domains.size(), 1u + 6u * n);
    ASSERT_EQ(p->networks.size(), 1u + 3u * n);
    ASSERT_EQ(CheckPlan(*p), "") << n << " teams";
  }
}

TEST(Plan, TeamsComeFromTheScenarioUnlessOverridden) {
  Result<RangePlan> p = MakePlan(Provincial());
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(p->blue_teams, (std::vector<std::string>{"hanoi", "hue"}));
  EXPECT_NE(p->FindDomain("hue", "portal"), nullptr);
  EXPECT_EQ(p->FindDomain("hue", "portal")->key, "hue.portal");
  EXPECT_EQ(p->FindDomain("", "attacker")->key, "attacker");
  EXPECT_EQ(p->FindDomain("blue1", "portal"), nullptr);

  model::Scenario s = Provincial();
  s.teams.erase(s.teams.begin() + 2, s.teams.end());
  Result<RangePlan> none = MakePlan(s);
  ASSERT_FALSE(none.ok());
  EXPECT_THAT(none.status().message(), HasSubstr("no blue team"));
}

TEST(Plan, AddressesTranslateIntoThePoolKeepingHostParts) {
  PlanOptions o;
  o.team_count = 3;
  Result<RangePlan> p = MakePlan(Provincial(), o);
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  // Team block: two /24 and a /26 -> a /22 each, same layout in every block.
  EXPECT_EQ(p->team_blocks,
            (std::vector<std::string>{"10.64.0.0/22", "10.64.4.0/22", "10.64.8.0/22"}));
  const PlannedNetwork* dmz2 = p->FindNetwork("blue2.dmz");
  ASSERT_NE(dmz2, nullptr);
  EXPECT_EQ(dmz2->cidr, "10.64.4.0/24");
  EXPECT_EQ(dmz2->scenario_cidr, "10.10.1.0/24");
  EXPECT_EQ(dmz2->host_address, "10.64.4.1");
  EXPECT_EQ(dmz2->router_address, "10.64.4.254");
  EXPECT_EQ(p->FindNetwork("blue2.mgmt")->cidr, "10.64.6.0/26");
  EXPECT_EQ(p->FindNetwork("blue2.mgmt")->router_address, "10.64.6.62");
  EXPECT_EQ(p->FindNetwork("red")->cidr, "198.18.0.0/24");
  EXPECT_EQ(p->FindNetwork("red")->team, "");

  const PlannedDomain* portal = p->FindDomain("blue2", "portal");
  ASSERT_NE(portal, nullptr);
  ASSERT_EQ(portal->interfaces.size(), 1u);
  EXPECT_EQ(portal->interfaces[0].address, "10.64.4.10");
  EXPECT_EQ(portal->interfaces[0].network_key, "blue2.dmz");
  EXPECT_EQ(portal->gateway, "10.64.4.254");
  const PlannedDomain* admin = p->FindDomain("blue3", "admin");
  EXPECT_EQ(admin->interfaces[0].address, "10.64.10.10");
  EXPECT_EQ(admin->interfaces[1].address, "10.64.9.5");
  EXPECT_EQ(admin->gateway, "10.64.10.62");  // router on its first network
}

TEST(Plan, RoutersJoinEachTeamToTheSharedZone) {
  PlanOptions o;
  o.team_count = 2;
  Result<RangePlan> p = MakePlan(Provincial(), o);
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  const PlannedDomain* r1 = p->FindDomain("blue1", std::string(kRouterNode));
  const PlannedDomain* r2 = p->FindDomain("blue2", std::string(kRouterNode));
  ASSERT_NE(r1, nullptr);
  ASSERT_NE(r2, nullptr);
  EXPECT_TRUE(r1->is_router);
  EXPECT_EQ(r1->template_name, "micro");
  EXPECT_EQ(r1->layer, 0);
  EXPECT_EQ(r1->value, 0);
  std::vector<std::string> legs;
  for (const PlannedInterface& f : r2->interfaces) legs.push_back(f.network_key + "=" + f.address);
  EXPECT_EQ(legs, (std::vector<std::string>{"blue2.dmz=10.64.4.254", "blue2.internal=10.64.5.254",
                                            "blue2.mgmt=10.64.6.62", "red=198.18.0.253"}));
  EXPECT_EQ(r1->interfaces.back().address, "198.18.0.254");
  // The shared attacker reaches each copy through that copy's router.
  const PlannedDomain* attacker = p->FindDomain("", "attacker");
  ASSERT_EQ(attacker->routes.size(), 2u);
  EXPECT_EQ(attacker->routes[0].destination, "10.64.0.0/22");
  EXPECT_EQ(attacker->routes[0].via, "198.18.0.254");
  EXPECT_EQ(attacker->routes[1].destination, "10.64.4.0/22");
  EXPECT_EQ(attacker->routes[1].via, "198.18.0.253");
  EXPECT_EQ(attacker->gateway, "");

  // Rules are translated to the copy: networks to CIDRs, nodes to /32s,
  // wildcards kept, order kept.
  std::vector<std::string> rules;
  for (const model::FirewallRule& r : r2->router_rules) {
    rules.push_back(r.from + ">" + r.to + ":" + r.protocol + "/" + std::to_string(r.port_min) +
                    "-" + std::to_string(r.port_max) + "@" + std::to_string(r.loc.line));
  }
  EXPECT_EQ(rules, (std::vector<std::string>{
                       "198.18.0.0/24>10.64.4.10/32:tcp/80-80@40",
                       "10.64.4.0/24>10.64.5.0/24:tcp/21-21@41",
                       "10.64.5.0/24>10.64.4.0/24:any/0-0@42",
                       "*>10.64.6.0/26:any/0-0@43",
                   }));
  EXPECT_EQ(r2->router_default_policy, RuleAction::kDeny);
}

TEST(Plan, NoRouterForASingleNetworkTeam) {
  model::Scenario s;
  s.file = "scenario.lua";
  s.meta.name = "lab";
  s.networks.push_back({"lab", "10.0.0.0/24", NetworkZone::kPerTeam, "", {}});
  model::Node n;
  n.name = "box";
  n.template_name = "micro";
  n.interfaces.push_back({"lab", "10.0.0.10", {}});
  s.nodes.push_back(n);
  PlanOptions o;
  o.team_count = 2;
  Result<RangePlan> p = MakePlan(s, o);
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(p->domains.size(), 2u);
  EXPECT_EQ(p->FindDomain("blue1", "box")->gateway, "");
  EXPECT_EQ(p->FindNetwork("blue2.lab")->cidr, "10.64.1.0/24");
  EXPECT_EQ(p->FindNetwork("blue2.lab")->router_address, "");
}

TEST(Plan, LayersFollowServiceDependencies) {
  Result<RangePlan> p = MakePlan(Provincial());
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  auto layer = [&](const char* node) { return p->FindDomain("hanoi", node)->layer; };
  EXPECT_EQ(p->FindDomain("hanoi", std::string(kRouterNode))->layer, 0);
  // dns serves dmz and internal, docs serves dmz, portal serves internal:
  // dns, docs and portal serve each other (a cycle: one layer); ws and admin
  // are their clients; admin serves only mgmt, where it is alone.
  EXPECT_EQ(layer("dns"), 1);
  EXPECT_EQ(layer("portal"), 1);
  EXPECT_EQ(layer("docs"), 1);
  EXPECT_EQ(layer("admin"), 2);
  EXPECT_EQ(layer("ws"), 2);
  EXPECT_EQ(p->FindDomain("", "attacker")->layer, 3);  // attackers last

  // Without the cycle the chain shows: dns -> portal -> docs -> admin.
  model::Scenario s = Provincial();
  s.nodes[2].services[0].reachable_from = {"dmz"};       // dns serves portal
  s.nodes[1].services[0].reachable_from = {"internal"};  // portal serves docs, ws, admin
  s.nodes[3].services[0].reachable_from = {"mgmt"};      // docs serves admin
  Result<RangePlan> chain = MakePlan(s);
  ASSERT_TRUE(chain.ok());
  auto clayer = [&](const char* node) { return chain->FindDomain("hue", node)->layer; };
  EXPECT_EQ(clayer("dns"), 1);
  EXPECT_EQ(clayer("portal"), 2);
  EXPECT_EQ(clayer("docs"), 3);
  EXPECT_EQ(clayer("ws"), 3);
  EXPECT_EQ(clayer("admin"), 4);
  EXPECT_EQ(chain->FindDomain("", "attacker")->layer, 5);
}

TEST(Plan, ResourcesSecurityLevelAndValue) {
  PlanOptions o;
  o.template_resources["micro"] = {1, 128, 0};
  Result<RangePlan> p = MakePlan(Provincial(), o);
  ASSERT_TRUE(p.ok());
  const PlannedDomain* docs = p->FindDomain("hue", "docs");
  EXPECT_EQ(docs->resources.vcpus, 1);
  EXPECT_EQ(docs->resources.memory_mb, 512);  // the node's own value wins
  EXPECT_EQ(p->FindDomain("hue", "ws")->resources.memory_mb, 128);
  EXPECT_EQ(docs->security_level, 4);
  EXPECT_EQ(p->FindDomain("hue", "ws")->security_level, 3);
  EXPECT_DOUBLE_EQ(docs->value, 3);
  Result<RangePlan> fallback = MakePlan(Provincial());
  EXPECT_EQ(fallback->FindDomain("hue", "ws")->resources.memory_mb, kFallbackResources.memory_mb);
}

TEST(Plan, AttackPathsComeFromTheTopology) {
  Result<RangePlan> p = MakePlan(Provincial());
  ASSERT_TRUE(p.ok());
  ASSERT_EQ(p->attack_paths.size(), 2u);
  EXPECT_EQ(p->attack_paths[0].objective, "docs-flag");
  ASSERT_TRUE(p->attack_paths[0].reachable);
  ASSERT_EQ(p->attack_paths[0].steps.size(), 2u);
  EXPECT_EQ(p->attack_paths[0].steps[0].node, "portal");
  EXPECT_EQ(p->attack_paths[0].steps[1].node, "docs");
  EXPECT_DOUBLE_EQ(p->attack_paths[0].cost, 3);
  // admin is walled off on mgmt but also sits on the internal network.
  EXPECT_EQ(p->attack_paths[1].objective, "admin-flag");
  ASSERT_TRUE(p->attack_paths[1].reachable);
  EXPECT_EQ(p->attack_paths[1].steps.size(), 3u);
  EXPECT_DOUBLE_EQ(p->attack_paths[1].cost, 6);
  model::Scenario s = Provincial();
  s.nodes[5].interfaces.pop_back();  // admin on mgmt only
  Result<RangePlan> walled = MakePlan(s);
  ASSERT_TRUE(walled.ok());
  EXPECT_FALSE(walled->attack_paths[1].reachable);
}

TEST(Plan, PoolTooSmallIsAClearError) {
  model::Scenario s = Provincial();
  s.meta.address_pool = "10.64.0.0/24";
  Result<RangePlan> p = MakePlan(s);
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(p.status().message(),
              HasSubstr("scenario.lua:2: address_pool 10.64.0.0/24 is too small"));

  s.meta.address_pool = "10.64.0.0/20";  // four /22 blocks
  PlanOptions o;
  o.team_count = 4;
  EXPECT_TRUE(MakePlan(s, o).ok());
  o.team_count = 5;
  p = MakePlan(s, o);
  ASSERT_FALSE(p.ok());
  EXPECT_THAT(p.status().message(),
              HasSubstr("too small for 5 teams: each team needs a /22 for its 3 network(s) and "
                        "the pool holds 4"));

  // Blocks overlapping a shared network are skipped, never reused.
  s.networks[0].cidr = "10.64.4.0/24";
  s.nodes[0].interfaces[0].address = "10.64.4.10";
  o.team_count = 3;
  Result<RangePlan> skip = MakePlan(s, o);
  ASSERT_TRUE(skip.ok()) << skip.status().ToString();
  EXPECT_EQ(skip->team_blocks,
            (std::vector<std::string>{"10.64.0.0/22", "10.64.8.0/22", "10.64.12.0/22"}));
  EXPECT_EQ(CheckPlan(*skip), "");
  o.team_count = 4;
  EXPECT_FALSE(MakePlan(s, o).ok());

  s.meta.address_pool = "10.64.0.0/33";
  EXPECT_THAT(MakePlan(s).status().message(), HasSubstr("metadata.address_pool: '10.64.0.0/33'"));
}

TEST(Plan, SharedNetworkTooSmallForRouters) {
  model::Scenario s = Provincial();
  s.networks[0].cidr = "198.18.0.0/29";  // 6 usable: host, attacker, 4 legs
  s.nodes[0].interfaces[0].address = "198.18.0.2";
  PlanOptions o;
  o.team_count = 4;
  EXPECT_TRUE(MakePlan(s, o).ok());
  o.team_count = 5;
  Result<RangePlan> p = MakePlan(s, o);
  ASSERT_FALSE(p.ok());
  EXPECT_THAT(p.status().message(),
              HasSubstr("scenario.lua:10: shared network red (198.18.0.0/29) has no address left "
                        "for team blue5"));
}

TEST(Plan, BadNodeAddressesNameTheLine) {
  model::Scenario s = Provincial();
  s.nodes[1].interfaces[0].address = "10.10.9.10";  // portal, line 21
  EXPECT_THAT(MakePlan(s).status().message(),
              HasSubstr("scenario.lua:21: node portal: address 10.10.9.10 on dmz (10.10.1.0/24) is "
                        "outside the network"));
  s.nodes[1].interfaces[0].address = "10.10.1.1";
  EXPECT_THAT(MakePlan(s).status().message(), HasSubstr("reserved for the host's bridge"));
  s.nodes[1].interfaces[0].address = "10.10.1.254";
  EXPECT_THAT(MakePlan(s).status().message(), HasSubstr("reserved for the team router"));
  s.nodes[1].interfaces[0].address = "10.10.1.53";  // dns has it
  Result<RangePlan> dup = MakePlan(s);
  ASSERT_FALSE(dup.ok());
  EXPECT_THAT(dup.status().message(),
              HasSubstr("address 10.64.0.53 of hanoi.dns is also used by hanoi.portal"));
  EXPECT_THAT(dup.status().message(), HasSubstr("scenario.lua:22"));
}

TEST(Plan, DeterministicJsonAndStableMacs) {
  PlanOptions o;
  o.team_count = 5;
  Result<RangePlan> a = MakePlan(Provincial(), o);
  Result<RangePlan> b = MakePlan(Provincial(), o);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(ToJson(*a).dump(2), ToJson(*b).dump(2));
  // A MAC depends on the domain and network keys, not on the team count.
  o.team_count = 1;
  Result<RangePlan> c = MakePlan(Provincial(), o);
  EXPECT_EQ(c->FindDomain("blue1", "portal")->interfaces[0].mac,
            a->FindDomain("blue1", "portal")->interfaces[0].mac);
  nlohmann::json j = ToJson(*c);
  EXPECT_EQ(j["scenario"], "provincial");
  EXPECT_EQ(j["domains"][1]["key"], "blue1.lf-router");
  EXPECT_EQ(j["domains"][1]["router_rules"][0]["line"], 40);
  EXPECT_EQ(j["attack_paths"][0]["steps"][0]["vulnerability"], "cgi-cmd-injection");
}

TEST(Plan, TeamNodeWithASharedLegGetsAnAddressPerCopy) {
  model::Scenario s = Provincial();
  s.nodes[1].interfaces.push_back({"red", "198.18.0.20", {}});  // portal also on red
  PlanOptions o;
  o.team_count = 3;
  Result<RangePlan> p = MakePlan(s, o);
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(CheckPlan(*p), "");
  // Per team: the router's leg, then the portal's, downwards from .254.
  EXPECT_EQ(p->FindDomain("blue1", "portal")->interfaces[1].address, "198.18.0.253");
  EXPECT_EQ(p->FindDomain("blue2", std::string(kRouterNode))->interfaces.back().address,
            "198.18.0.252");
  EXPECT_EQ(p->FindDomain("blue3", "portal")->interfaces[1].address, "198.18.0.249");
  EXPECT_EQ(p->FindDomain("blue3", "portal")->gateway, "10.64.8.254");
}

TEST(Plan, SummaryShowsTeamsAddressesAndPaths) {
  PlanOptions o;
  o.team_count = 2;
  Result<RangePlan> p = MakePlan(Provincial(), o);
  ASSERT_TRUE(p.ok());
  std::string text = FormatPlan(*p);
  EXPECT_THAT(text,
              HasSubstr("Range plan for provincial: 2 blue team(s), address pool 10.64.0.0/10"));
  EXPECT_THAT(text, HasSubstr("Team blue2 (block 10.64.4.0/22)"));
  EXPECT_THAT(text, HasSubstr("network blue2.dmz"));
  EXPECT_THAT(
      text,
      HasSubstr("10.64.4.0/24       host 10.64.4.1  router 10.64.4.254  (scenario 10.10.1.0/24)"));
  EXPECT_THAT(text, HasSubstr("dmz=10.64.4.10  gw 10.64.4.254"));
  EXPECT_THAT(text, HasSubstr("routes: 10.64.0.0/22 via 198.18.0.254 ... 2 routes"));
  EXPECT_THAT(text, HasSubstr("docs-flag on docs: cost 3, 2 step(s)\n"
                              "    1. portal cgi-cmd-injection via http from red: root foothold "
                              "(cost 2)\n"
                              "    2. docs ftp-anonymous via ftp from portal: root foothold (cost "
                              "1)\n"));
}

}  // namespace
}  // namespace livefire::topology
