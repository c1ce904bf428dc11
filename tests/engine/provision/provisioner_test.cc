// Provisioner against libvirt's in-memory test driver (test:///default): real
// libvirt objects and XML, no guests. Guest-side behaviour is covered by
// provisioner_slowtest.cc on qemu:///system.

#include "livefire/provision/provisioner.h"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <libvirt/libvirt.h>
#include <unistd.h>

#include <atomic>
#include <boost/property_tree/ptree.hpp>
#include <boost/property_tree/xml_parser.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "livefire/provision/guest.h"
#include "livefire/provision/libvirt.h"
#include "livefire/testing/temp_dir.h"

namespace livefire::provision {
namespace {

namespace fs = std::filesystem;
namespace pt = boost::property_tree;
using topology::PlannedDomain;
using topology::PlannedInterface;
using topology::PlannedNetwork;
using topology::RangePlan;

// 2 teams x (dmz, lan) + a shared red network; per team a web (dmz), a db
// (lan, layer 1) and a router; one shared attacker (layer 2).
RangePlan TwoTeamPlan() {
  RangePlan p;
  p.scenario = "unit";
  p.blue_teams = {"blue1", "blue2"};
  int mac = 1;
  auto nic = [&](std::string net, std::string addr) {
    return PlannedInterface{std::move(net), std::move(addr), 24,
                            fmt::format("52:54:00:00:00:{:02x}", mac++)};
  };
  p.networks.push_back({"red", "red", "", "172.16.0.0/24", "172.16.0.1", 24, "", ""});
  for (int t = 1; t <= 2; ++t) {
    std::string team = fmt::format("blue{}", t);
    for (auto [net, third] : {std::pair{"dmz", 1}, std::pair{"lan", 2}}) {
      p.networks.push_back({team + "." + net, net, team,
                            fmt::format("10.64.{}.0/24", t * 4 + third),
                            fmt::format("10.64.{}.1", t * 4 + third), 24, "", ""});
    }
    PlannedDomain web;
    web.key = team + ".web";
    web.node = "web";
    web.team = team;
    web.template_name = "micro";
    web.interfaces = {nic(team + ".dmz", fmt::format("10.64.{}.10", t * 4 + 1))};
    web.layer = 1;
    PlannedDomain db = web;
    db.key = team + ".db";
    db.node = "db";
    db.interfaces = {nic(team + ".lan", fmt::format("10.64.{}.20", t * 4 + 2))};
    db.layer = 0;
    PlannedDomain router = web;
    router.key = team + ".lf-router";
    router.node = "lf-router";
    router.is_router = true;
    router.layer = 0;
    router.interfaces = {nic(team + ".dmz", fmt::format("10.64.{}.254", t * 4 + 1)),
                         nic(team + ".lan", fmt::format("10.64.{}.254", t * 4 + 2)),
                         nic("red", fmt::format("172.16.0.{}", 250 + t))};
    p.domains.push_back(router);
    p.domains.push_back(db);
    p.domains.push_back(web);
  }
  PlannedDomain attacker;
  attacker.key = "attacker";
  attacker.node = "attacker";
  attacker.template_name = "micro";
  attacker.interfaces = {nic("red", "172.16.0.10")};
  attacker.layer = 2;
  p.domains.push_back(attacker);
  return p;
}

class ProvisionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // A diskless template: the test driver never reads the kernel.
    fs::create_directories(state_ + "/templates/micro");
    std::ofstream(state_ + "/templates/micro/manifest.json")
        << R"({"name":"micro","boot":"direct-kernel","resources":{"vcpus":1,"memory_mb":256},
              "artifacts":{"kernel":"vmlinuz","initrd":"initrd.img"},
              "kernel_cmdline":"console=ttyS0,115200 panic=-1"})";
    std::ofstream(state_ + "/templates/micro/vmlinuz") << "kernel";
    std::ofstream(state_ + "/templates/micro/initrd.img") << "initrd";
    // The test driver's state lives while a connection is open: this one
    // lets the test inspect it and outlive provisioners.
    conn_ = virConnectOpen("test:///default");
    ASSERT_NE(conn_, nullptr);
  }
  void TearDown() override {
    if (conn_) virConnectClose(conn_);
  }

  LibvirtConfig Config() const {
    LibvirtConfig c;
    c.uri = "test:///default";
    c.state_dir = state_;
    return c;
  }
  std::unique_ptr<LibvirtProvisioner> Open() {
    auto p = LibvirtProvisioner::Open(Config());
    EXPECT_TRUE(p.ok()) << p.status().ToString();
    return std::move(p).value();
  }
  static UpOptions NoWait() {
    UpOptions o;
    o.wait_ready = false;
    o.parallelism = 3;
    return o;
  }

  std::string DomainXmlOf(const std::string& name) {
    virDomainPtr d = virDomainLookupByName(conn_, name.c_str());
    if (!d) return "";
    char* x = virDomainGetXMLDesc(d, 0);
    std::string s = x ? x : "";
    free(x);
    virDomainFree(d);
    return s;
  }
  bool DomainActive(const std::string& name) {
    virDomainPtr d = virDomainLookupByName(conn_, name.c_str());
    if (!d) return false;
    bool a = virDomainIsActive(d) == 1;
    virDomainFree(d);
    return a;
  }
  std::set<std::string> DomainNames() {
    std::set<std::string> out;
    virDomainPtr* list = nullptr;
    int n = virConnectListAllDomains(conn_, &list, 0);
    for (int i = 0; i < n; ++i) {
      out.insert(virDomainGetName(list[i]));
      virDomainFree(list[i]);
    }
    free(list);
    return out;
  }
  std::set<std::string> NetworkNames() {
    std::set<std::string> out;
    virNetworkPtr* list = nullptr;
    int n = virConnectListAllNetworks(conn_, &list, 0);
    for (int i = 0; i < n; ++i) {
      out.insert(virNetworkGetName(list[i]));
      virNetworkFree(list[i]);
    }
    free(list);
    return out;
  }

  testsupport::TempDir tmp_{"lf-provision-test"};
  std::string state_ = tmp_.str();
  virConnectPtr conn_ = nullptr;
  ExerciseId ex_{"lf-20261121-093000-3fa2c1"};
};

pt::ptree ParseXml(const std::string& xml) {
  std::istringstream in(xml);
  pt::ptree t;
  pt::read_xml(in, t);
  return t;
}

TEST(ProvisionNames, FollowTheExerciseShortIdAndFitBridgeLimits) {
  ExerciseId ex("lf-20261121-093000-3fa2c1");
  EXPECT_EQ(ExerciseShort(ex), "3fa2c1");
  PlannedDomain d;
  d.team = "blue1";
  d.node = "portal";
  EXPECT_EQ(DomainName(ex, d), "lf-3fa2c1-blue1-portal");
  d.team = "";
  EXPECT_EQ(DomainName(ex, d), "lf-3fa2c1-shared-portal");
  PlannedNetwork n;
  n.key = "blue1.dmz";
  EXPECT_EQ(NetworkName(ex, n), "lf-3fa2c1-blue1-dmz");
  std::string b1 = BridgeName(ex, "lf-3fa2c1-blue1-dmz");
  std::string b2 = BridgeName(ex, "lf-3fa2c1-blue1-lan");
  std::string b3 = BridgeName(ExerciseId("lf-20261122-093000-3fa2c1"), "lf-3fa2c1-blue1-dmz");
  EXPECT_LE(b1.size(), 15u);
  EXPECT_EQ(b1.rfind("lf", 0), 0u);
  EXPECT_NE(b1, b2);
  EXPECT_NE(b1, b3);  // same short id, different exercise
  // Ids not made by MakeExerciseId still get a 6-hex short form.
  EXPECT_EQ(ExerciseShort(ExerciseId("drill")).size(), 6u);
}

TEST(ProvisionGuest, MicroCommandLineCarriesAddressesAndServicesButNoSecret) {
  PlannedDomain d;
  d.node = "portal";
  d.interfaces = {{"blue1.dmz", "10.64.5.10", 24, "52:54:00:00:00:01"},
                  {"blue1.lan", "10.64.6.10", 25, "52:54:00:00:00:02"}};
  d.gateway = "10.64.5.254";
  GuestSpec g;
  g.services = {{"http", "tcp", 80}, {"dns", "udp", 53}};
  g.vulnerabilities = {"cgi-cmd-injection", "weak-password"};
  g.accounts = {{"admin", "p@ss word,1"}};
  g.flag = "FLAG{sở hữu}";
  std::string c = MicroKernelCommandLine(d, g);
  EXPECT_NE(c.find("lf.host=portal"), std::string::npos) << c;
  EXPECT_NE(c.find("lf.if=eth0:10.64.5.10/24,eth1:10.64.6.10/25"), std::string::npos) << c;
  EXPECT_NE(c.find("lf.gw=10.64.5.254"), std::string::npos) << c;
  EXPECT_NE(c.find("lf.svc=http:80,dns:53"), std::string::npos) << c;
  EXPECT_NE(c.find("lf.config=agent"), std::string::npos) << c;
  for (const char* secret : {"lf.vuln", "lf.pw", "lf.flag", "cgi-cmd-injection", "weak-password",
                             "admin", "p%40ss", "FLAG"}) {
    EXPECT_EQ(c.find(secret), std::string::npos) << secret << " in " << c;
  }
}

TEST(ProvisionGuest, MicroConfigCarriesEncodedSecretsAndEndsWithItsMarker) {
  GuestSpec g;
  g.vulnerabilities = {"cgi-cmd-injection", "weak-password"};
  g.accounts = {{"admin", "p@ss word,1"}, {"alice", "a:b\nc", true}};
  g.flag = "FLAG{sở hữu}";
  EXPECT_EQ(MicroGuestConfig(g),
            "lf.vuln=cgi-cmd-injection,weak-password\n"
            "lf.pw=admin:p%40ss%20word%2C1,alice:a%3Ab%0Ac\n"
            "lf.admins=alice\n"
            "lf.flag=FLAG%7Bs%E1%BB%9F%20h%E1%BB%AFu%7D\n"
            "lf.end=1\n");
  // The guest waits for the marker even when there is nothing secret.
  EXPECT_EQ(MicroGuestConfig({}), "lf.end=1\n");
}

TEST(ProvisionGuest, RoutersBootFailClosedAndNodesGetPlanRoutes) {
  PlannedDomain r;
  r.node = "lf-router";
  r.is_router = true;
  r.interfaces = {{"blue1.dmz", "10.64.5.254", 24, "52:54:00:00:00:01"}};
  EXPECT_NE(MicroKernelCommandLine(r, {}).find("lf.router=1"), std::string::npos);
  PlannedDomain a;
  a.node = "attacker";
  a.interfaces = {{"red", "172.16.0.10", 24, "52:54:00:00:00:02"}};
  a.routes = {{"10.64.4.0/22", "172.16.0.251"}, {"10.64.8.0/22", "172.16.0.252"}};
  std::string c = MicroKernelCommandLine(a, {});
  EXPECT_EQ(c.find("lf.router"), std::string::npos) << c;
  EXPECT_NE(c.find("lf.routes=10.64.4.0/22@172.16.0.251,10.64.8.0/22@172.16.0.252"),
            std::string::npos)
      << c;
}

TEST_F(ProvisionTest, StateKeepsRouterRulesForLaterReverts) {
  auto p = Open();
  RangePlan plan = TwoTeamPlan();
  model::FirewallRule rule;
  rule.action = model::RuleAction::kAllow;
  rule.from = "172.16.0.0/24";
  rule.to = "10.64.5.0/24";
  rule.protocol = "tcp";
  rule.port_min = rule.port_max = 80;
  rule.loc = {"scenario.lua", 12};
  plan.domains[0].router_rules = {rule};
  ASSERT_TRUE(p->Up(plan, ex_, NoWait()).ok());
  std::ifstream in(p->Paths(ex_).plan());
  auto j = nlohmann::json::parse(in);
  const auto& rules = j["plan"]["domains"][0]["router_rules"];
  ASSERT_EQ(rules.size(), 1u);
  EXPECT_EQ(rules[0]["to"], "10.64.5.0/24");
  EXPECT_EQ(rules[0]["port_min"], 80);
  EXPECT_EQ(rules[0]["line"], 12);
}

TEST(ProvisionGuest, SpecsFromScenarioMapServicesFlagsAndFiles) {
  model::Scenario s;
  s.dir = "/nonexistent";
  model::Node n;
  n.name = "web";
  n.template_name = "micro";
  model::Service http;
  http.name = "portal";
  http.protocol = "tcp";
  http.port = 8080;
  http.check.kind = "http";
  n.services.push_back(http);
  n.vulnerabilities.push_back({"cgi-cmd-injection"});
  n.files.push_back({"/etc/motd", "hello", "", 0644, {}});
  s.nodes.push_back(n);
  model::Objective o;
  o.node = "web";
  o.kind = model::ObjectiveKind::kReadFlag;
  o.flag = "FLAG{1}";
  s.objectives.push_back(o);
  o.path = "/var/secret.txt";
  o.flag = "FLAG{2}";
  s.objectives.push_back(o);
  RangePlan plan = TwoTeamPlan();
  auto specs = GuestSpecsFromScenario(s, plan);
  ASSERT_TRUE(specs.ok()) << specs.status().ToString();
  const GuestSpec& g = specs->at("blue1.web");
  ASSERT_EQ(g.services.size(), 1u);
  EXPECT_EQ(g.services[0].kind, "http");
  EXPECT_EQ(g.services[0].port, 8080);
  EXPECT_EQ(g.flag, "FLAG{1}");
  ASSERT_EQ(g.files.size(), 2u);
  EXPECT_EQ(g.files[0].path, "/var/secret.txt");
  EXPECT_EQ(g.files[1].content, "hello");
  // Routers forward; nodes route through their team's router.
  EXPECT_TRUE(specs->at("blue1.lf-router").ip_forward);
  EXPECT_EQ(g.gateway, "10.64.5.254");

  // A service the micro template cannot run is refused, naming the place.
  s.nodes[0].services[0].check.kind = "ssh";
  s.nodes[0].services[0].loc = {"scenario.lua", 42};
  auto bad = GuestSpecsFromScenario(s, plan);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("scenario.lua:42"), std::string::npos);
}

TEST_F(ProvisionTest, UpCreatesIsolatedNetworksWithHostAddresses) {
  auto p = Open();
  RangePlan plan = TwoTeamPlan();
  auto r = p->Up(plan, ex_, NoWait());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->networks_created, 5);
  std::set<std::string> bridges;
  for (const auto& n : plan.networks) {
    std::string name = NetworkName(ex_, n);
    virNetworkPtr net = virNetworkLookupByName(conn_, name.c_str());
    ASSERT_NE(net, nullptr) << name;
    EXPECT_EQ(virNetworkIsActive(net), 1);
    char* x = virNetworkGetXMLDesc(net, 0);
    pt::ptree t = ParseXml(x);
    free(x);
    virNetworkFree(net);
    EXPECT_EQ(t.get_child("network").count("forward"), 0u) << name << " must be isolated";
    std::string bridge = t.get<std::string>("network.bridge.<xmlattr>.name");
    EXPECT_LE(bridge.size(), 15u);
    EXPECT_TRUE(bridges.insert(bridge).second) << "bridge " << bridge << " reused";
    EXPECT_EQ(t.get<std::string>("network.ip.<xmlattr>.address"), n.host_address);
    EXPECT_EQ(t.get<std::string>("network.dns.<xmlattr>.enable"), "no");
  }
}

TEST_F(ProvisionTest, UpDefinesQemuDomainsWithPlanMacsAgentChannelAndMetadata) {
  auto p = Open();
  RangePlan plan = TwoTeamPlan();
  auto r = p->Up(plan, ex_, NoWait());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_TRUE(r->complete());
  for (const auto& d : plan.domains) {
    std::string name = DomainName(ex_, d);
    EXPECT_TRUE(DomainActive(name)) << name;
    pt::ptree t = ParseXml(DomainXmlOf(name));
    const pt::ptree& dom = t.get_child("domain");
    EXPECT_EQ(dom.get<std::string>("<xmlattr>.type"), "qemu");
    EXPECT_EQ(dom.get<int>("memory"), 256 * 1024);  // template default, in KiB
    // MACs and networks, in plan order.
    std::vector<std::pair<std::string, std::string>> nics;
    for (const auto& [tag, dev] : dom.get_child("devices")) {
      if (tag == "interface") {
        nics.emplace_back(dev.get<std::string>("mac.<xmlattr>.address"),
                          dev.get<std::string>("source.<xmlattr>.network"));
        EXPECT_EQ(dev.get<std::string>("model.<xmlattr>.type"), "virtio");
      }
    }
    ASSERT_EQ(nics.size(), d.interfaces.size());
    for (size_t i = 0; i < nics.size(); ++i) {
      EXPECT_EQ(nics[i].first, d.interfaces[i].mac);
      EXPECT_EQ(nics[i].second, NetworkName(ex_, *plan.FindNetwork(d.interfaces[i].network_key)));
    }
    bool agent = false;
    for (const auto& [tag, dev] : dom.get_child("devices")) {
      if (tag == "channel" &&
          dev.get<std::string>("target.<xmlattr>.name", "") == "org.qemu.guest_agent.0") {
        agent = true;
      }
      if (tag == "serial") {
        EXPECT_EQ(dev.get<std::string>("log.<xmlattr>.file"), p->Paths(ex_).console(name));
      }
    }
    EXPECT_TRUE(agent) << name;
    std::string cmdline = dom.get<std::string>("os.cmdline");
    EXPECT_EQ(cmdline.rfind("console=ttyS0,115200 panic=-1 lf.host=" + d.node, 0), 0u) << cmdline;
    // Who owns what, as `virsh dumpxml` shows it.
    const pt::ptree& meta = dom.get_child("metadata.livefire:range");
    EXPECT_EQ(meta.get<std::string>("<xmlattr>.xmlns:livefire"), kMetadataNamespace);
    EXPECT_EQ(meta.get<std::string>("livefire:exercise"), ex_.str());
    EXPECT_EQ(meta.get<std::string>("livefire:team"), d.team.empty() ? "shared" : d.team);
    EXPECT_EQ(meta.get<std::string>("livefire:node"), d.node);
  }
  // The state folder holds the plan before anything else.
  EXPECT_TRUE(fs::exists(p->Paths(ex_).plan()));
}

TEST_F(ProvisionTest, DomainsStartLayerByLayerAndProgressCountsEveryDomain) {
  auto p = Open();
  RangePlan plan = TwoTeamPlan();
  std::vector<Progress> events;
  UpOptions o = NoWait();
  o.progress = [&](const Progress& e) { events.push_back(e); };  // serialised by Up
  auto r = p->Up(plan, ex_, o);
  ASSERT_TRUE(r.ok());
  std::map<std::string, int> layer;
  for (const auto& d : plan.domains) layer[d.key] = d.layer;
  int last_layer = -1, max_done = 0, networks = 0;
  for (const auto& e : events) {
    if (e.kind == Progress::Kind::kNetwork) ++networks;
    if (e.kind == Progress::Kind::kStarted) {
      EXPECT_GE(layer[e.object], last_layer) << e.object << " started before a lower layer";
      last_layer = std::max(last_layer, layer[e.object]);
    }
    EXPECT_EQ(e.total, 7);
    max_done = std::max(max_done, e.done);
  }
  EXPECT_EQ(networks, 5);
  EXPECT_EQ(max_done, 7);
  EXPECT_EQ(last_layer, 2);
}

TEST_F(ProvisionTest, SecondUpKeepsEverythingAndResumesMissingObjects) {
  auto p = Open();
  RangePlan plan = TwoTeamPlan();
  ASSERT_TRUE(p->Up(plan, ex_, NoWait()).ok());
  const std::string web = DomainName(ex_, plan.domains[2]);
  std::string uuid_before = ParseXml(DomainXmlOf(web)).get<std::string>("domain.uuid");

  auto again = p->Up(plan, ex_, NoWait());
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->networks_created, 0);
  EXPECT_EQ(again->networks_kept, 5);
  for (const auto& d : again->domains) {
    EXPECT_TRUE(d.ok && d.kept) << d.key;
  }
  EXPECT_EQ(ParseXml(DomainXmlOf(web)).get<std::string>("domain.uuid"), uuid_before);

  // A crash mid-way: one domain missing, another stopped, a network gone.
  virDomainPtr d = virDomainLookupByName(conn_, web.c_str());
  ASSERT_EQ(virDomainDestroy(d), 0);
  ASSERT_EQ(virDomainUndefine(d), 0);
  virDomainFree(d);
  const std::string db = DomainName(ex_, plan.domains[1]);
  d = virDomainLookupByName(conn_, db.c_str());
  ASSERT_EQ(virDomainDestroy(d), 0);
  virDomainFree(d);
  auto resumed = p->Up(plan, ex_, NoWait());
  ASSERT_TRUE(resumed.ok());
  EXPECT_TRUE(resumed->complete());
  EXPECT_TRUE(DomainActive(web));
  EXPECT_TRUE(DomainActive(db));
  EXPECT_FALSE(resumed->domains[2].kept);  // recreated
  EXPECT_FALSE(resumed->domains[1].kept);  // restarted
  EXPECT_TRUE(resumed->domains[0].kept);
}

TEST_F(ProvisionTest, ChangedPlanRedefinesTheDomain) {
  auto p = Open();
  RangePlan plan = TwoTeamPlan();
  ASSERT_TRUE(p->Up(plan, ex_, NoWait()).ok());
  plan.domains[2].resources.memory_mb = 512;
  auto r = p->Up(plan, ex_, NoWait());
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->domains[2].ok) << r->domains[2].status.ToString();
  EXPECT_FALSE(r->domains[2].kept);
  EXPECT_EQ(ParseXml(DomainXmlOf(DomainName(ex_, plan.domains[2]))).get<int>("domain.memory"),
            512 * 1024);
}

// Fault injection through the backend's own hook.
class FlakyProvisioner : public LibvirtProvisioner {
 public:
  FlakyProvisioner(LibvirtConfig c, std::map<std::string, int> failures)
      : LibvirtProvisioner(std::move(c)), failures_(std::move(failures)) {}

 protected:
  Status DoStartDomain(const Target& t) override {
    {
      std::lock_guard lock(mu_);
      auto it = failures_.find(t.domain->key);
      if (it != failures_.end() && it->second > 0) {
        --it->second;
        return Status::Unavailable("injected start failure");
      }
    }
    return LibvirtProvisioner::DoStartDomain(t);
  }

 private:
  std::mutex mu_;
  std::map<std::string, int> failures_;
};

TEST_F(ProvisionTest, FailingDomainIsRetriedThenReportedWhileTheRestStaysUp) {
  // blue1.db fails all 3 attempts; blue2.web fails once and succeeds on its retry.
  FlakyProvisioner p(Config(), {{"blue1.db", 3}, {"blue2.web", 1}});
  ASSERT_TRUE(p.Connect().ok());
  RangePlan plan = TwoTeamPlan();
  UpOptions o = NoWait();
  o.retries = 2;
  int retries = 0, failed = 0;
  o.progress = [&](const Progress& e) {
    retries += e.kind == Progress::Kind::kRetry;
    failed += e.kind == Progress::Kind::kFailed;
  };
  auto r = p.Up(plan, ex_, o);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_FALSE(r->complete());
  EXPECT_EQ(r->failed(), 1);
  for (const auto& d : r->domains) {
    if (d.key == "blue1.db") {
      EXPECT_FALSE(d.ok);
      EXPECT_EQ(d.attempts, 3);
      EXPECT_NE(d.status.message().find("injected start failure"), std::string::npos);
      EXPECT_NE(d.status.message().find("blue1.db"), std::string::npos);
      EXPECT_FALSE(DomainActive(d.name));
    } else {
      EXPECT_TRUE(d.ok) << d.key << ": " << d.status.ToString();
      EXPECT_EQ(d.attempts, d.key == "blue2.web" ? 2 : 1) << d.key;
      EXPECT_TRUE(DomainActive(d.name)) << d.key;
    }
  }
  EXPECT_EQ(retries, 3);
  EXPECT_EQ(failed, 1);
  // Up again resumes: only the failed domain is (re)started.
  auto second = p.Up(plan, ex_, o);
  ASSERT_TRUE(second.ok());
  EXPECT_TRUE(second->complete());
}

TEST_F(ProvisionTest, DownRemovesEverythingAndASecondDownIsANoOp) {
  RangePlan plan = TwoTeamPlan();
  const auto domains_before = DomainNames();
  const auto networks_before = NetworkNames();
  {
    auto p = Open();
    ASSERT_TRUE(p->Up(plan, ex_, NoWait()).ok());
  }  // the provisioner is gone, as after a crash: Down must not need its memory
  EXPECT_EQ(DomainNames().size(), domains_before.size() + 7);
  auto p = Open();
  auto down = p->Down(ex_);
  ASSERT_TRUE(down.ok()) << down.status().ToString();
  EXPECT_EQ(down->domains, 7);
  EXPECT_EQ(down->networks, 5);
  EXPECT_TRUE(down->state_removed);
  EXPECT_EQ(DomainNames(), domains_before);  // the driver's own "test" domain stays
  EXPECT_EQ(NetworkNames(), networks_before);
  EXPECT_FALSE(fs::exists(p->Paths(ex_).dir));
  auto again = p->Down(ex_);
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->nothing());
}

TEST_F(ProvisionTest, DownKeepsTheExercisesEventLog) {
  RangePlan plan = TwoTeamPlan();
  auto p = Open();
  ASSERT_TRUE(p->Up(plan, ex_, NoWait()).ok());
  const std::string dir = p->Paths(ex_).dir;
  std::ofstream(dir + "/events.db") << "log";
  ASSERT_TRUE(p->Down(ex_).ok());
  // The plan stays with the log: a finished exercise keeps its topology.
  EXPECT_TRUE(fs::exists(p->Paths(ex_).plan()));
  EXPECT_TRUE(fs::exists(p->Paths(ex_).down_marker()));
  EXPECT_FALSE(fs::exists(dir + "/console"));
  EXPECT_TRUE(fs::exists(dir + "/events.db"));  // evidence outlives the range
  fs::remove_all(dir);
}

TEST_F(ProvisionTest, DownLeavesOtherExercisesAlone) {
  auto p = Open();
  RangePlan plan = TwoTeamPlan();
  // Same short id, different exercise: names collide, so Up must refuse
  // rather than adopt the other exercise's domains.
  ExerciseId twin("lf-20261122-080000-3fa2c1");
  ASSERT_TRUE(p->Up(plan, ex_, NoWait()).ok());
  auto clash = p->Up(plan, twin, NoWait());
  ASSERT_FALSE(clash.ok());
  EXPECT_EQ(clash.status().code(), StatusCode::kAlreadyExists) << clash.status().ToString();
  auto twin_down = p->Down(twin);
  ASSERT_TRUE(twin_down.ok());
  EXPECT_EQ(twin_down->domains, 0);
  EXPECT_EQ(twin_down->networks, 0);
  EXPECT_TRUE(DomainActive(DomainName(ex_, plan.domains[0])));

  ExerciseId other("lf-20261122-080000-0badf0");
  RangePlan plan2 = TwoTeamPlan();
  for (auto& d : plan2.domains) {
    for (auto& i : d.interfaces) i.mac[9] = '1';  // distinct MACs
  }
  ASSERT_TRUE(p->Up(plan2, other, NoWait()).ok());
  ASSERT_TRUE(p->Down(ex_).ok());
  for (const auto& d : plan2.domains) EXPECT_TRUE(DomainActive(DomainName(other, d))) << d.key;
  auto list = p->List();
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 1u);
  EXPECT_EQ((*list)[0].exercise, other.str());
  EXPECT_EQ((*list)[0].domains, 7);
  EXPECT_EQ((*list)[0].running, 7);
  EXPECT_EQ((*list)[0].networks, 5);
  EXPECT_TRUE((*list)[0].has_state);
  ASSERT_TRUE(p->Down(other).ok());
}

TEST_F(ProvisionTest, BadPlansAndArgumentsAreRefusedBeforeAnythingIsCreated) {
  auto p = Open();
  RangePlan plan = TwoTeamPlan();
  plan.domains[1].interfaces[0].mac = "52:54:00:zz:00:01";
  auto r = p->Up(plan, ex_, NoWait());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("blue1.db"), std::string::npos);

  plan = TwoTeamPlan();
  plan.domains[1].interfaces[0].network_key = "blue9.dmz";
  EXPECT_EQ(p->Up(plan, ex_, NoWait()).status().code(), StatusCode::kInvalidArgument);

  plan = TwoTeamPlan();
  plan.domains[1].template_name = "nosuch";
  auto missing = p->Up(plan, ex_, NoWait());
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  EXPECT_NE(missing.status().message().find("vm-templates/build.sh nosuch"), std::string::npos)
      << missing.status().message();

  EXPECT_EQ(NetworkNames().size(), 1u);  // only the driver's default
  EXPECT_FALSE(fs::exists(p->Paths(ex_).dir));

  EXPECT_EQ(
      p->Exec(ex_, TeamId("blue1"), NodeId("web"), {"true"}, Duration::Seconds(5)).status().code(),
      StatusCode::kNotFound);  // no such exercise
  EXPECT_EQ(p->Down(ExerciseId("Bad Id")).status().code(), StatusCode::kInvalidArgument);
}

TEST_F(ProvisionTest, ExecNamesTheNodeAndReportsAMissingAgent) {
  auto p = Open();
  RangePlan plan = TwoTeamPlan();
  ASSERT_TRUE(p->Up(plan, ex_, NoWait()).ok());
  auto none = p->Exec(ex_, TeamId("blue1"), NodeId("nosuch"), {"true"}, Duration::Seconds(5));
  EXPECT_EQ(none.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(p->Exec(ex_, TeamId("blue1"), NodeId("web"), {}, Duration::Seconds(5)).status().code(),
            StatusCode::kInvalidArgument);
  // The test driver has no guest agent: the error comes from libvirt, naming the domain.
  auto r = p->Exec(ex_, TeamId("blue1"), NodeId("web"), {"true"}, Duration::Seconds(5));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("lf-3fa2c1-blue1-web"), std::string::npos)
      << r.status().message();
  // Shared nodes are addressed as team "shared".
  auto shared = p->Exec(ex_, TeamId("shared"), NodeId("attacker"), {"true"}, Duration::Seconds(5));
  EXPECT_NE(shared.status().code(), StatusCode::kNotFound);
}

TEST_F(ProvisionTest, EveryRevertIsAppendedToTheLogEvenWhenItFails) {
  auto p = Open();
  RangePlan plan = TwoTeamPlan();
  ASSERT_TRUE(p->Up(plan, ex_, NoWait()).ok());
  // Cold boot on the test driver: it restarts, then no agent answers.
  auto recs = p->Revert(ex_, TeamId("blue2"), std::nullopt, "white cell", Duration::Millis(300));
  ASSERT_TRUE(recs.ok()) << recs.status().ToString();
  ASSERT_EQ(recs->size(), 3u);
  for (const auto& r : *recs) {
    EXPECT_FALSE(r.ok);
    EXPECT_EQ(r.team, "blue2");
    EXPECT_FALSE(r.error.empty());
  }
  auto one = p->Revert(ex_, TeamId("blue1"), NodeId("web"), "", Duration::Millis(300));
  ASSERT_TRUE(one.ok());
  ASSERT_EQ(one->size(), 1u);
  std::ifstream log(p->Paths(ex_).reverts());
  std::string line;
  std::vector<nlohmann::json> lines;
  while (std::getline(log, line)) lines.push_back(nlohmann::json::parse(line));
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_EQ(lines[3]["type"], "revert");
  EXPECT_EQ(lines[3]["exercise"], ex_.str());
  EXPECT_EQ(lines[3]["team"], "blue1");
  EXPECT_EQ(lines[3]["node"], "web");
  EXPECT_EQ(lines[3]["domain"], "lf-3fa2c1-blue1-web");
  EXPECT_EQ(lines[3]["ok"], false);
  EXPECT_TRUE(lines[3].contains("wall_time"));
  EXPECT_EQ(p->Revert(ex_, TeamId("blue7"), std::nullopt, "").status().code(),
            StatusCode::kNotFound);
}

TEST_F(ProvisionTest, DiskTemplatesBootFromAnOverlayThatDownRemoves) {
  fs::create_directories(state_ + "/templates/disky");
  std::ofstream(state_ + "/templates/disky/manifest.json")
      << R"({"name":"disky","boot":"disk","artifacts":{"disk":"base.qcow2"}})";
  ASSERT_EQ(
      std::system(
          ("qemu-img create -q -f qcow2 " + state_ + "/templates/disky/base.qcow2 16M").c_str()),
      0);
  RangePlan plan = TwoTeamPlan();
  plan.domains[1].template_name = "disky";
  auto p = Open();
  auto r = p->Up(plan, ex_, NoWait());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_TRUE(r->complete()) << r->domains[1].status.ToString();
  const std::string name = DomainName(ex_, plan.domains[1]);
  pt::ptree t = ParseXml(DomainXmlOf(name));
  EXPECT_EQ(t.get<std::string>("domain.devices.disk.source.<xmlattr>.file"),
            p->Paths(ex_).disk(name));
  EXPECT_EQ(t.get_child("domain.os").count("kernel"), 0u);
  ASSERT_TRUE(fs::exists(p->Paths(ex_).disk(name)));
  // Disk templates can be snapshotted now (#16); the save itself needs qemu,
  // so debian_slowtest exercises it. Here: no longer refused as unsupported.
  EXPECT_NE(p->Snapshot(ex_, TeamId("blue1"), NodeId("db")).code(),
            StatusCode::kFailedPrecondition);
  ASSERT_TRUE(p->Down(ex_).ok());
  EXPECT_FALSE(fs::exists(p->Paths(ex_).disk(name)));
}

}  // namespace
}  // namespace livefire::provision
