// `livefire gen-chain`: CyberBattleSim's chain network as a scenario that
// loads, validates and whose cheapest attack path is CyberBattleSim's.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <string>

#include "chain_scenario.h"
#include "livefire/graph/topology.h"
#include "livefire/scenario/loader.h"
#include "livefire/testing/cli_runner.h"
#include "livefire/testing/files.h"
#include "livefire/testing/scenario_files.h"
#include "livefire/testing/temp_dir.h"

namespace livefire::cli {
namespace {

using testsupport::Outcome;
using testsupport::RunArgs;

const std::string kTemplates = testsupport::TemplatesDir();

Result<model::Scenario> Generate(const testsupport::TempDir& tmp, int nodes) {
  std::string dir = tmp.str() + "/chain-" + std::to_string(nodes);
  Outcome o = RunArgs({"gen-chain", "--nodes", std::to_string(nodes), "-o", dir});
  if (o.code != 0) return Status::Internal(o.err);
  scenario::LoadOptions lo;
  lo.templates_dir = kTemplates;
  return scenario::LoadValidScenario(dir, lo);
}

// CyberBattleSim's chain of size 10 (12 nodes), played by hand from
// chainpattern.py: start's ScanExplorerRecentFiles leaks linux-1's SSH
// password; then per chain node a connect (login) and its KeePass(X) crack
// leaking the next node's password: 1 + 10 * 2 + 1 (the final connect) = 22
// steps, each cost 1 in livefire (a login is kLoginCost).
TEST(GenChainCli, TwelveNodeChainIsCyberBattleSimsCheapestPath) {
  testsupport::TempDir tmp("lf-genchain");
  auto s = Generate(tmp, 12);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->nodes.size(), 12u);
  auto topo = graph::Topology::Build(*s);
  auto paths = topo.CheapestAttackPaths();
  ASSERT_EQ(paths.size(), 1u);
  const graph::AttackPath& p = paths[0];
  EXPECT_EQ(p.objective, "flag");
  EXPECT_EQ(p.node, "linux-11");
  ASSERT_TRUE(p.reachable);
  ASSERT_EQ(p.steps.size(), 22u);
  EXPECT_DOUBLE_EQ(p.cost, 22.0);
  // start leaks ssh-1, red logs in to linux-1 from the red zone, then the
  // chain alternates credential and login steps up to the flag node.
  EXPECT_EQ(p.steps[0].node, "start");
  EXPECT_EQ(p.steps[0].kind, graph::StepKind::kCredentials);
  EXPECT_EQ(p.steps[0].yields, std::vector<std::string>{"ssh-1"});
  EXPECT_EQ(p.steps[1].node, "linux-1");
  EXPECT_EQ(p.steps[1].kind, graph::StepKind::kLogin);
  EXPECT_EQ(p.steps[1].service, "ssh");
  EXPECT_EQ(p.steps[1].credential, "ssh-1");
  EXPECT_EQ(p.steps[1].privilege, model::Privilege::kUser);  // CBS: LocalUser
  EXPECT_EQ(p.steps[3].node, "windows-2");
  EXPECT_EQ(p.steps[3].service, "rdp");
  EXPECT_EQ(p.steps[3].credential, "rdp-2");
  for (size_t i = 0; i < p.steps.size(); ++i) {
    EXPECT_EQ(p.steps[i].kind, i % 2 == 0 ? graph::StepKind::kCredentials : graph::StepKind::kLogin)
        << "step " << i;
  }
  EXPECT_EQ(p.steps.back().node, "linux-11");
  EXPECT_EQ(p.steps.back().credential, "ssh-11");
}

TEST(GenChainCli, ValidateAndPlanAcceptTheChain) {
  testsupport::TempDir tmp("lf-genchain");
  std::string dir = tmp.str() + "/c";
  ASSERT_EQ(RunArgs({"gen-chain", "--nodes", "102", "-o", dir}).code, 0);
  Outcome v = RunArgs({"validate", dir, "--templates", kTemplates});
  EXPECT_EQ(v.code, 0) << v.out << v.err;
  Outcome p = RunArgs({"plan", dir, "--templates", kTemplates});
  // Exit 2 only says this host cannot hold 102 VMs; the plan is printed.
  EXPECT_NE(p.code, 1) << p.err;
  EXPECT_NE(p.out.find("flag on linux-101: cost 202, 202 step(s)"), std::string::npos) << p.out;
}

TEST(GenChainCli, ThousandNodeChainLoadsQuickly) {
  testsupport::TempDir tmp("lf-genchain");
  auto t0 = std::chrono::steady_clock::now();
  auto s = Generate(tmp, 1002);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  auto paths = graph::Topology::Build(*s).CheapestAttackPaths();
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_EQ(s->nodes.size(), 1002u);
  ASSERT_EQ(paths.size(), 1u);
  EXPECT_TRUE(paths[0].reachable);
  EXPECT_EQ(paths[0].steps.size(), 2002u);
  // Generate + load + validate + attack paths; seconds even on busy cores.
  EXPECT_LT(secs, 20.0);
}

TEST(GenChainCli, RefusesOddOrTinyChains) {
  for (const char* n : {"11", "2", "0", "20000"}) {
    Outcome o = RunArgs({"gen-chain", "--nodes", n});
    EXPECT_NE(o.code, 0) << n;
    EXPECT_NE(o.err.find("--nodes"), std::string::npos) << o.err;
  }
}

// scenarios/cbs-chain-12 is the generator's output, kept in step with it.
TEST(GenChainCli, ShippedScenarioIsTheGeneratorsOutput) {
  auto lua = ChainScenarioLua(12);
  ASSERT_TRUE(lua.ok());
  EXPECT_EQ(testsupport::ReadFile(std::string(LIVEFIRE_SOURCE_DIR) +
                                  "/scenarios/cbs-chain-12/scenario.lua"),
            *lua)
      << "regenerate: livefire gen-chain --nodes 12 -o scenarios/cbs-chain-12";
}

}  // namespace
}  // namespace livefire::cli
