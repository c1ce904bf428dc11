// `livefire plan`: golden JSON for the reference scenario, the summary, and
// errors. Regenerate the golden file after an intended change with
//   LIVEFIRE_UPDATE_GOLDEN=1 ctest --test-dir build/<dir> -R PlanCli
// and review the diff (git diff tests/engine/topology/data/).
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "cli.h"
#include "livefire/testing/cli_runner.h"
#include "livefire/testing/scenario_files.h"
#include "livefire/testing/temp_dir.h"

namespace livefire::cli {
namespace {

using testsupport::Outcome;
using testsupport::RunArgs;

const std::string kSource = LIVEFIRE_SOURCE_DIR;
const std::string kScenario = kSource + "/scenarios/provincial-portal";
const std::string kTemplates = testsupport::TemplatesDir();
const std::string kGolden = kSource + "/tests/engine/topology/data/provincial-portal.plan.json";

using testsupport::ReadFile;

TEST(PlanCli, JsonMatchesGolden) {
  Outcome o = RunArgs({"plan", kScenario, "--teams", "2", "--json", "--templates", kTemplates});
  ASSERT_EQ(o.code, 0) << o.err;
  if (const char* u = std::getenv("LIVEFIRE_UPDATE_GOLDEN"); u && std::string(u) == "1") {
    std::ofstream(kGolden) << o.out;  // then compared below, like any run
  }
  ASSERT_TRUE(std::filesystem::exists(kGolden))
      << "missing " << kGolden << " (run with LIVEFIRE_UPDATE_GOLDEN=1)";
  EXPECT_EQ(o.out, ReadFile(kGolden))
      << "plan changed; if intended, rerun with LIVEFIRE_UPDATE_GOLDEN=1 and review the diff";
}

TEST(PlanCli, JsonIsAStablePlanForTwoTeams) {
  Outcome a = RunArgs({"plan", kScenario, "--teams", "2", "--json", "--templates", kTemplates});
  Outcome b = RunArgs({"plan", kScenario, "--teams", "2", "--json", "--templates", kTemplates});
  ASSERT_EQ(a.code, 0) << a.err;
  EXPECT_EQ(a.out, b.out);
  nlohmann::json j = nlohmann::json::parse(a.out);
  EXPECT_EQ(j["blue_teams"], (nlohmann::json{"blue1", "blue2"}));
  EXPECT_EQ(j["team_blocks"].size(), 2u);
  EXPECT_FALSE(j["domains"].empty());
  EXPECT_FALSE(j["attack_paths"].empty());
}

TEST(PlanCli, SummaryListsTeamsAndAttackPaths) {
  Outcome o = RunArgs({"plan", kScenario, "--teams", "3", "--templates", kTemplates});
  ASSERT_EQ(o.code, 0) << o.err;
  EXPECT_NE(o.out.find("3 blue team(s)"), std::string::npos) << o.out;
  EXPECT_NE(o.out.find("Team blue3 (block "), std::string::npos) << o.out;
  EXPECT_NE(o.out.find("Attack paths"), std::string::npos) << o.out;
}

// The chain the red injects play (#13 item 8): the document server falls to
// the administrator password found on dichvucong, not to a free exploit.
TEST(PlanCli, ProvincialPortalChainReusesTheStolenPassword) {
  Outcome o = RunArgs({"plan", kScenario, "--teams", "1", "--templates", kTemplates});
  ASSERT_EQ(o.code, 0) << o.err;
  EXPECT_NE(o.out.find(
                "  steal-doc on docs: cost 4, 3 step(s)\n"
                "    1. dichvucong cgi-cmd-injection via http from red: root foothold (cost 1)\n"
                "    2. dichvucong world-readable-secret (local): credential dmz-admin (cost 1)\n"
                "    3. docs weak-password via telnet from dichvucong with credential dmz-admin: "
                "root foothold (cost 2)\n"),
            std::string::npos)
      << o.out;
  EXPECT_NE(o.out.find("  deface-portal on portal: cost 4, 3 step(s)\n"), std::string::npos)
      << o.out;
  // The SMTP user enumeration is information only: the relay is never a foothold.
  EXPECT_EQ(o.out.find("smtp-vrfy-enum"), std::string::npos) << o.out;

  Outcome j = RunArgs({"plan", kScenario, "--teams", "1", "--json", "--templates", kTemplates});
  ASSERT_EQ(j.code, 0) << j.err;
  nlohmann::json steps = nlohmann::json::parse(j.out)["attack_paths"][0]["steps"];
  ASSERT_EQ(steps.size(), 3u);
  EXPECT_EQ(steps[1]["kind"], "credentials");
  EXPECT_EQ(steps[1]["yields"], (nlohmann::json{"dmz-admin"}));
  EXPECT_EQ(steps[2]["credential"], "dmz-admin");
  EXPECT_EQ(steps[2]["from"], "dichvucong");
  EXPECT_EQ(steps[2]["privilege"], "root");
}

TEST(PlanCli, ScenarioErrorsArePrintedWithExitOne) {
  testsupport::TempDir tmp("lf-plan-cli");
  std::string dir = testsupport::WriteScenario(tmp.path(), "this is not lua\n");
  Outcome o = RunArgs({"plan", dir, "--templates", kTemplates});
  EXPECT_EQ(o.code, 1);
  EXPECT_NE(o.err.find("scenario.lua:1"), std::string::npos) << o.err;
}

TEST(PlanCli, MissingScenarioAndBadTeamCount) {
  Outcome missing = RunArgs({"plan", "/nonexistent/scenario", "--templates", kTemplates});
  EXPECT_NE(missing.code, 0);
  EXPECT_FALSE(missing.err.empty());
  Outcome zero = RunArgs({"plan", kScenario, "--teams", "0"});
  EXPECT_EQ(zero.code, 1);
}

}  // namespace
}  // namespace livefire::cli
