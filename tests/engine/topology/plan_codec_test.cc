// The plan codec: the one JSON form of a range plan (plan --json, the
// exercise's plan.json, the GUI), its format_version, and plan differences.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "livefire/scenario/loader.h"
#include "livefire/topology/plan.h"

namespace livefire::topology {
namespace {

// The reference scenario for two teams: routers with rules, shared nodes
// with routes, attack paths; every part of the codec has something to carry.
RangePlan ReferencePlan() {
  scenario::LoadOptions lo;
  lo.templates_dir = std::string(LIVEFIRE_SOURCE_DIR) + "/vm-templates";
  Result<model::Scenario> s = scenario::LoadValidScenario(
      std::string(LIVEFIRE_SOURCE_DIR) + "/scenarios/provincial-portal", lo);
  EXPECT_TRUE(s.ok()) << s.status().message();
  if (!s.ok()) return {};
  Result<RangePlan> p = MakePlan(*s, {.team_count = 2});
  EXPECT_TRUE(p.ok()) << p.status().ToString();
  return p.ok() ? *p : RangePlan{};
}

TEST(PlanCodec, RoundTripIsIdentical) {
  RangePlan plan = ReferencePlan();
  ASSERT_FALSE(plan.domains.empty());
  bool router_rules = false, routes = false;
  for (const PlannedDomain& d : plan.domains) {
    router_rules = router_rules || !d.router_rules.empty();
    routes = routes || !d.routes.empty();
  }
  ASSERT_TRUE(router_rules && routes && !plan.attack_paths.empty());

  nlohmann::json first = plan;
  EXPECT_EQ(first["format_version"], kPlanFormatVersion);
  Result<RangePlan> back = PlanFromJson(nlohmann::json::parse(first.dump(2)));
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(nlohmann::json(*back).dump(2), first.dump(2));
  EXPECT_TRUE(PlanDifferences(plan, *back).empty());
  // Fields the text form must not lose.
  const PlannedDomain* router = nullptr;
  for (const PlannedDomain& d : back->domains) {
    if (d.is_router) router = &d;
  }
  ASSERT_NE(router, nullptr);
  ASSERT_FALSE(router->router_rules.empty());
  EXPECT_EQ(router->router_rules[0].loc.file, "scenario.lua");
  EXPECT_GT(router->router_rules[0].loc.line, 0);
}

TEST(PlanCodec, RefusesAnAbsentOrUnknownFormatVersion) {
  nlohmann::json j = ReferencePlan();
  j.erase("format_version");
  Result<RangePlan> absent = PlanFromJson(j);
  ASSERT_FALSE(absent.ok());
  EXPECT_EQ(absent.status().code(), StatusCode::kDataLoss);
  EXPECT_NE(absent.status().message().find("format_version absent"), std::string::npos)
      << absent.status().message();

  j["format_version"] = kPlanFormatVersion + 1;
  Result<RangePlan> newer = PlanFromJson(j);
  ASSERT_FALSE(newer.ok());
  EXPECT_NE(newer.status().message().find("format_version 2 is not the supported 1"),
            std::string::npos)
      << newer.status().message();
}

TEST(PlanCodec, StepsWithoutTheCredentialFieldsReadAsPlainExploits) {
  nlohmann::json j = ReferencePlan();
  nlohmann::json& steps = j["attack_paths"][0]["steps"];
  ASSERT_GE(steps.size(), 2u);
  EXPECT_EQ(steps[1]["kind"], "credentials");
  for (nlohmann::json& st : steps) {
    for (const char* k : {"kind", "from", "account", "credential", "yields", "privilege"}) {
      st.erase(k);
    }
  }
  Result<RangePlan> r = PlanFromJson(j);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const graph::AttackStep& st = r->attack_paths[0].steps[1];
  EXPECT_EQ(st.kind, graph::StepKind::kExploit);
  EXPECT_TRUE(st.yields.empty());
  EXPECT_EQ(st.privilege, model::Privilege::kNone);
  EXPECT_EQ(st.vulnerability, "world-readable-secret");
}

TEST(PlanCodec, MissingFieldIsNamed) {
  nlohmann::json j = ReferencePlan();
  j["domains"][0].erase("gateway");
  Result<RangePlan> r = PlanFromJson(j);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("gateway"), std::string::npos) << r.status().message();
}

TEST(PlanCodec, DifferencesNameTheDomainAndField) {
  RangePlan a = ReferencePlan();
  ASSERT_FALSE(a.domains.empty());
  RangePlan b = a;
  PlannedDomain* web = nullptr;
  for (PlannedDomain& d : b.domains) {
    if (!d.team.empty() && !d.is_router && !d.interfaces.empty()) {
      web = &d;
      break;
    }
  }
  ASSERT_NE(web, nullptr);
  const std::string before = web->interfaces[0].address;
  const std::string key = web->key;
  web->interfaces[0].address = "10.255.255.1";
  b.domains.push_back(b.domains.front());
  b.domains.back().key = "blue9.extra";
  std::vector<std::string> d = PlanDifferences(a, b);
  ASSERT_EQ(d.size(), 2u);
  EXPECT_EQ(d[0], "domain " + key + " interfaces/0/address \"" + before + "\" -> \"10.255.255.1\"");
  EXPECT_EQ(d[1], "domain blue9.extra added");
}

}  // namespace
}  // namespace livefire::topology
