// `plan` and `up` against a host that cannot hold the range: the host's
// capacity is injected (cli::Run's HostCapacitySource), nothing is exhausted.

#include <gtest/gtest.h>
#include <fmt/format.h>
#include <libvirt/libvirt.h>

#include <sstream>
#include <string>
#include <vector>

#include "cli.h"
#include "livefire/topology/capacity.h"
#include "test_driver_cli.h"

namespace livefire::cli {
namespace {

// Two teams: per team web + db + a router, plus the shared attacker = 7
// micro domains of 1 vCPU and 256 MiB.
constexpr const char* kScenario = R"(
scenario { name = "cli-capacity", duration = "1h", seed = 1,
           address_pool = "10.65.0.0/16", default_policy = "deny" }
team "white" { role = "white" }
team "red1" { role = "red" }
team "blue1" { role = "blue" }
network "dmz" { cidr = "10.10.1.0/24", zone = "per_team" }
network "red" { cidr = "172.30.0.0/24", zone = "shared" }
allow { from = "red", to = "dmz", protocol = "tcp", ports = {80} }
node "web" { template = "micro", iface { network = "dmz", address = "10.10.1.10" },
  service "http" { port = 80, reachable_from = {"red"} } }
node "db" { template = "micro", resources = { memory_mb = 512 },
  iface { network = "dmz", address = "10.10.1.11" } }
node "attacker" { template = "micro", iface { network = "red", address = "172.30.0.10" } }
)";

class CapacityCli : public TestDriverCli {
 protected:
  CapacityCli() : TestDriverCli(kScenario, "lf-cli-capacity") {}

  testsupport::Outcome On(const topology::HostCapacity& host, std::vector<std::string> args) {
    topology::FixedHostCapacity fixed(host);
    args.insert(args.begin(), {"livefire", "--state-dir", state_});
    std::vector<const char*> argv;
    for (auto& a : args) argv.push_back(a.c_str());
    std::ostringstream out, err;
    int code = cli::Run(static_cast<int>(argv.size()), argv.data(), out, err, &fixed);
    return {code, out.str(), err.str()};
  }
  int Domains() {
    return virConnectNumOfDomains(conn_) + virConnectNumOfDefinedDomains(conn_);
  }
};

// 2 x (256 web + 512 db (its resources) + 256 router) + 256 attacker.
constexpr int kGuestMb = 2 * (256 + 512 + 256) + 256;
constexpr int kNeedMb = kGuestMb + 7 * 128 + 512;

TEST_F(CapacityCli, PlanSaysTheRangeFitsWithTheNumbers) {
  auto o = On({64000, 2}, {"plan", state_ + "/scenario", "--teams", "2", "--templates",
                           testsupport::TemplatesDir()});
  ASSERT_EQ(o.code, 0) << o.err;
  EXPECT_NE(o.err.find(fmt::format("capacity: 7 domains need {} MiB ({} MiB guest memory + 7 x "
                                   "128 MiB qemu/TCG overhead + 512 MiB host reserve) of 64000 "
                                   "MiB available; 7 vCPUs of 32 allowed (2 cores x 16)",
                                   kNeedMb, kGuestMb)),
            std::string::npos)
      << o.err;
}

TEST_F(CapacityCli, PlanPrintsThePlanButFailsWhenMemoryIsShort) {
  auto o = On({kNeedMb - 1, 2}, {"plan", state_ + "/scenario", "--teams", "2", "--templates",
                                 testsupport::TemplatesDir()});
  EXPECT_EQ(o.code, 2);
  EXPECT_NE(o.out.find("blue2"), std::string::npos) << o.out;  // the plan itself
  EXPECT_NE(o.err.find(fmt::format("this host cannot hold the range (2 team(s)): memory: 7 "
                                   "domains need {} MiB",
                                   kNeedMb)),
            std::string::npos)
      << o.err;
  EXPECT_NE(o.err.find(fmt::format("but the host has {} MiB available (MemAvailable)",
                                   kNeedMb - 1)),
            std::string::npos)
      << o.err;
}

TEST_F(CapacityCli, UpRefusesBeforeDefiningAnything) {
  int before = Domains();
  auto o = On({64000, 0}, {"up", state_ + "/scenario", "--teams", "2", "--uri", uri_,
                           "--no-wait"});
  EXPECT_EQ(o.code, 2) << o.err;
  EXPECT_NE(o.err.find("cores: 7 domains have 7 vCPUs but 0 cores allow 0 (16 vCPUs per core)"),
            std::string::npos)
      << o.err;
  EXPECT_EQ(Domains(), before);
  EXPECT_EQ(o.out, "");  // no exercise id: nothing was started
}

TEST_F(CapacityCli, UpProceedsWhenTheHostHoldsTheRange) {
  auto o = On({64000, 2}, {"up", state_ + "/scenario", "--teams", "2", "--uri", uri_,
                           "--no-wait"});
  ASSERT_EQ(o.code, 0) << o.err;
  EXPECT_NE(o.err.find("capacity: 7 domains"), std::string::npos) << o.err;
  std::string id = testsupport::LastLine(o.out);
  EXPECT_EQ(On({64000, 2}, {"down", id, "--uri", uri_}).code, 0);
}

}  // namespace
}  // namespace livefire::cli
