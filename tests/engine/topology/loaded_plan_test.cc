// The plan from a scenario.lua loaded and validated by the scenario loader.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "generated_scenario.h"
#include "livefire/scenario/loader.h"
#include "livefire/topology/plan.h"

namespace livefire::topology {
namespace {

TEST(LoadedPlan, GeneratedScenarioLoadsValidatesAndPlans) {
  std::filesystem::path dir = std::filesystem::temp_directory_path() /
                              ("livefire-topology-test-" + std::to_string(getpid()));
  testing::WriteGeneratedScenario(dir, 3, 10);
  scenario::LoadOptions lo;
  lo.templates_dir = std::string(LIVEFIRE_SOURCE_DIR) + "/vm-templates";
  Result<model::Scenario> s = scenario::LoadValidScenario(dir.string(), lo);
  std::filesystem::remove_all(dir);
  ASSERT_TRUE(s.ok()) << s.status().message();
  Result<RangePlan> p = MakePlan(*s);
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(p->blue_teams.size(), 3u);
  EXPECT_EQ(p->domains.size(), 1u + 3u * 11u);  // attacker + (router + 10 nodes) per team
  ASSERT_EQ(p->attack_paths.size(), 1u);
  EXPECT_TRUE(p->attack_paths[0].reachable);
  EXPECT_EQ(p->attack_paths[0].steps.size(), 5u);  // one hop per network tier
  // Rule lines point into scenario.lua.
  const PlannedDomain* r = p->FindDomain("blue1", std::string(kRouterNode));
  ASSERT_NE(r, nullptr);
  ASSERT_FALSE(r->router_rules.empty());
  EXPECT_GT(r->router_rules[0].loc.line, 0);
}

}  // namespace
}  // namespace livefire::topology
