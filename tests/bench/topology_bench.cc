// Topology benchmarks (issue 3): attack paths on a 10,000-node range, and
// load + validate + plan of a generated 100-team x 50-node scenario.
#include <benchmark/benchmark.h>
#include <sys/resource.h>
#include <unistd.h>

#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "../engine/topology/generated_scenario.h"
#include "livefire/scenario/loader.h"
#include "livefire/graph/topology.h"
#include "livefire/topology/plan.h"

namespace livefire::topology {
namespace {

double PeakRssMb() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_maxrss) / 1024.0;  // ru_maxrss is in KiB on Linux
}

// A 10,000-node range: a shared red zone, then 200 networks of 50 nodes in
// tiers (network i reaches i+1 on SSH, and a few seeded random shortcuts on
// HTTP); every node runs HTTP and SSH, most carry a vulnerability of random
// cost. Objectives sit in the last networks, so Dijkstra crosses the range.
model::Scenario TenThousandNodes() {
  constexpr int kNetworks = 200;
  constexpr int kPerNetwork = 50;
  std::mt19937 rng(20261121);  // pinned: the same graph every run
  std::uniform_real_distribution<double> cost(0.5, 10.0);
  std::uniform_int_distribution<int> coin(0, 9);
  std::uniform_int_distribution<int> pick(0, kNetworks - 1);
  model::Scenario s;
  s.file = "bench.lua";
  s.meta.name = "bench";
  s.meta.default_policy = model::RuleAction::kDeny;
  s.networks.push_back({"red", "198.18.0.0/24", model::NetworkZone::kShared, "", {}});
  for (int n = 0; n < kNetworks; ++n) {
    s.networks.push_back({"net" + std::to_string(n),
                          "10.0." + std::to_string(n) + ".0/24",
                          model::NetworkZone::kPerTeam,
                          "",
                          {}});
  }
  s.nodes.reserve(kNetworks * kPerNetwork);
  for (int n = 0; n < kNetworks; ++n) {
    for (int k = 0; k < kPerNetwork; ++k) {
      model::Node node;
      node.name = "n" + std::to_string(n) + "-" + std::to_string(k);
      node.template_name = "micro";
      node.interfaces.push_back({"net" + std::to_string(n),
                                 "10.0." + std::to_string(n) + "." + std::to_string(k + 10),
                                 {}});
      node.services.push_back({"http", "tcp", 80, {}, {}, {}});
      node.services.push_back({"ssh", "tcp", 22, {}, {}, {}});
      // Plants vulnerability `id` on `service` when the coin shows less than `below`.
      auto maybe_vuln = [&](int below, const char* id, const char* service) {
        if (coin(rng) >= below) return;
        model::Vulnerability v;
        v.id = id;
        v.service = service;
        v.exploit_cost = cost(rng);
        node.vulnerabilities.push_back(v);
      };
      maybe_vuln(7, "weak-password", "ssh");
      maybe_vuln(3, "cgi-cmd-injection", "http");
      s.nodes.push_back(std::move(node));
    }
  }
  auto rule = [&](std::string from, std::string to, int port) {
    model::FirewallRule r;
    r.action = model::RuleAction::kAllow;
    r.from = std::move(from);
    r.to = std::move(to);
    r.protocol = "tcp";
    r.port_min = r.port_max = port;
    s.rules.push_back(r);
  };
  rule("red", "net0", 80);
  for (int n = 0; n + 1 < kNetworks; ++n) {
    rule("net" + std::to_string(n), "net" + std::to_string(n + 1), 22);
  }
  for (int i = 0; i < 400; ++i) {
    rule("net" + std::to_string(pick(rng)), "net" + std::to_string(pick(rng)), 80);
  }
  for (int i = 0; i < 10; ++i) {
    model::Objective o;
    o.name = "flag" + std::to_string(i);
    o.node = "n" + std::to_string(kNetworks - 1 - i) + "-" + std::to_string(i);
    s.objectives.push_back(o);
  }
  return s;
}

void BM_TopologyBuild10k(benchmark::State& state) {
  model::Scenario s = TenThousandNodes();
  for (auto _ : state) {
    graph::Topology t = graph::Topology::Build(s);
    benchmark::DoNotOptimize(t.num_edges());
  }
  state.counters["nodes"] = static_cast<double>(s.nodes.size());
  state.counters["peak_rss_mb"] = PeakRssMb();
}
BENCHMARK(BM_TopologyBuild10k)->Unit(benchmark::kMillisecond);

// Target: <= 200 ms. Includes building the attack model (it is built per
// call from the topology) and the search.
void CheapestAttackPaths(benchmark::State& state, const model::Scenario& s) {
  graph::Topology t = graph::Topology::Build(s);
  size_t reachable = 0, steps = 0;
  for (auto _ : state) {
    std::vector<graph::AttackPath> paths = t.CheapestAttackPaths();
    reachable = steps = 0;
    for (const graph::AttackPath& p : paths) {
      reachable += p.reachable;
      steps += p.steps.size();
    }
    benchmark::DoNotOptimize(paths.data());
  }
  if (reachable == 0) state.SkipWithError("no objective reachable: the generated range is wrong");
  state.counters["nodes"] = static_cast<double>(s.nodes.size());
  state.counters["reachable_objectives"] = static_cast<double>(reachable);
  state.counters["total_steps"] = static_cast<double>(steps);
  state.counters["instances"] = static_cast<double>(t.Attacks().num_instances());
  state.counters["peak_rss_mb"] = PeakRssMb();
}

void BM_CheapestAttackPaths10k(benchmark::State& state) {
  CheapestAttackPaths(state, TenThousandNodes());
}
BENCHMARK(BM_CheapestAttackPaths10k)->Unit(benchmark::kMillisecond);

// The same range with credentials (#13 item 8): every SSH weak-password is
// the tier's reused administrator password ("net<n>-admin"), which every
// node's admin account carries; every fifth node leaves a readable backup
// (local) with its own tier's and the next tier's passwords. SSH hops now
// need a foothold and a credential: the search's two-prerequisite steps.
void BM_CheapestAttackPathsCredentials10k(benchmark::State& state) {
  model::Scenario s = TenThousandNodes();
  for (size_t i = 0; i < s.nodes.size(); ++i) {
    model::Node& node = s.nodes[i];
    int tier = static_cast<int>(i) / 50;
    std::string cred = "net" + std::to_string(tier) + "-admin";
    for (model::Vulnerability& v : node.vulnerabilities) {
      if (v.id == "weak-password") v.credential = cred;
    }
    model::Account a;
    a.user = "admin";
    a.password = "pw" + std::to_string(tier);
    a.admin = true;
    a.credential = cred;
    node.accounts.push_back(a);
    if (i % 5 == 0) {
      model::Vulnerability v;
      v.id = "world-readable-secret";
      v.effect = model::VulnEffect::kCredentials;
      v.yields = {cred, "net" + std::to_string(tier + 1) + "-admin"};
      v.exploit_cost = 0.5;
      node.vulnerabilities.push_back(v);
    }
  }
  CheapestAttackPaths(state, s);
}
BENCHMARK(BM_CheapestAttackPathsCredentials10k)->Unit(benchmark::kMillisecond);

// 50 nodes per team over five networks, a red zone, a realistic rule set.
model::Scenario FiftyNodesPerTeam() {
  model::Scenario s;
  s.file = "bench.lua";
  s.meta.name = "bench-plan";
  s.networks.push_back({"red", "198.18.0.0/24", model::NetworkZone::kShared, "", {}});
  const char* nets[] = {"dmz", "internal", "servers", "users", "mgmt"};
  for (int n = 0; n < 5; ++n) {
    s.networks.push_back(
        {nets[n], "10.10." + std::to_string(n) + ".0/24", model::NetworkZone::kPerTeam, "", {}});
  }
  model::Node attacker;
  attacker.name = "attacker";
  attacker.template_name = "micro";
  attacker.interfaces.push_back({"red", "198.18.0.10", {}});
  s.nodes.push_back(attacker);
  for (int k = 0; k < 50; ++k) {
    model::Node node;
    node.name = "host" + std::to_string(k);
    node.template_name = "micro";
    int n = k % 5;
    node.interfaces.push_back(
        {nets[n], "10.10." + std::to_string(n) + "." + std::to_string(10 + k), {}});
    node.services.push_back({"http", "tcp", 80, {nets[(n + 1) % 5]}, {}, {}});
    model::Vulnerability v;
    v.id = "cgi-cmd-injection";
    v.service = "http";
    v.exploit_cost = 1 + k % 7;
    node.vulnerabilities.push_back(v);
    s.nodes.push_back(std::move(node));
  }
  for (int n = 0; n < 5; ++n) {
    model::FirewallRule r;
    r.from = n == 0 ? "red" : nets[n - 1];
    r.to = nets[n];
    r.protocol = "tcp";
    r.port_min = r.port_max = 80;
    s.rules.push_back(r);
  }
  model::Objective o;
  o.name = "mgmt-flag";
  o.node = "host49";
  s.objectives.push_back(o);
  return s;
}

// The planning half of benchmark (a), on a scenario built in C++.
void BM_MakePlan100Teams50Nodes(benchmark::State& state) {
  model::Scenario s = FiftyNodesPerTeam();
  PlanOptions o;
  o.team_count = 100;
  size_t domains = 0;
  for (auto _ : state) {
    Result<RangePlan> p = MakePlan(s, o);
    if (!p.ok()) {
      state.SkipWithError(p.status().ToString().c_str());
      return;
    }
    domains = p->domains.size();
  }
  state.counters["domains"] = static_cast<double>(domains);
  state.counters["peak_rss_mb"] = PeakRssMb();
}
BENCHMARK(BM_MakePlan100Teams50Nodes)->Unit(benchmark::kMillisecond);

// Benchmark (a). Targets: <= 1 s and <= 500 MB peak RSS. Times loading
// scenario.lua in the sandbox, validation (templates, references,
// reachability) and the plan for 100 blue teams x 50 nodes (5,101 domains
// with the routers and the attacker).
void BM_LoadValidatePlan100Teams50Nodes(benchmark::State& state) {
  std::filesystem::path dir = std::filesystem::temp_directory_path() /
                              ("livefire-bench-topology-" + std::to_string(getpid()));
  testing::WriteGeneratedScenario(dir, 100, 50);
  scenario::LoadOptions lo;
  lo.templates_dir = std::string(LIVEFIRE_SOURCE_DIR) + "/vm-templates";
  size_t domains = 0;
  for (auto _ : state) {
    Result<model::Scenario> s = scenario::LoadValidScenario(dir.string(), lo);
    if (!s.ok()) {
      state.SkipWithError(s.status().message().c_str());
      break;
    }
    Result<RangePlan> p = MakePlan(*s);
    if (!p.ok()) {
      state.SkipWithError(p.status().ToString().c_str());
      break;
    }
    domains = p->domains.size();
  }
  std::filesystem::remove_all(dir);
  state.counters["domains"] = static_cast<double>(domains);
  state.counters["peak_rss_mb"] = PeakRssMb();
}
BENCHMARK(BM_LoadValidatePlan100Teams50Nodes)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace livefire::topology

BENCHMARK_MAIN();
