// `livefire sim` on the shipped provincial-portal scenario (#18 item 7): one
// run written as an exercise folder that report, replay, verify and explain
// open unchanged, and a small Monte Carlo with its JSON and HTML.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>
#include <string>

#include "livefire/testing/cli_runner.h"
#include "livefire/testing/temp_dir.h"

namespace livefire::cli {
namespace {

using json = nlohmann::json;
using testsupport::RunArgs;
using testsupport::RunInState;

const std::string kPortal = std::string(LIVEFIRE_SOURCE_DIR) + "/scenarios/provincial-portal";

std::string Slurp(const std::string& path) {
  std::ifstream f(path);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

std::string IdIn(const std::string& out) {
  std::smatch m;
  static const std::regex re("exercise (lf-[0-9a-z-]+) written");
  return std::regex_search(out, m, re) ? m[1].str() : "";
}

TEST(SimCli, OneRunIsAnExerciseFolderThatReportReplayAndVerifyOpen) {
  testsupport::TempDir tmp("lf-sim");
  const std::string state = tmp.path().string();
  auto o = RunArgs({"sim", kPortal, "--teams", "2", "--seed", "11", "--out", state});
  ASSERT_EQ(o.code, 0) << o.err << o.out;
  const std::string id = IdIn(o.out);
  ASSERT_FALSE(id.empty()) << o.out;

  auto v = RunInState(state, {"verify", id});
  EXPECT_EQ(v.code, 0) << v.err << v.out;
  // The scores recorded while simulating are what a replay recomputes.
  auto r = RunInState(state, {"replay", id});
  EXPECT_EQ(r.code, 0) << r.err << r.out;
  const std::string html = state + "/report.html";
  auto rep = RunInState(state, {"report", id, "--html", html});
  ASSERT_EQ(rep.code, 0) << rep.err << rep.out;
  const std::string page = Slurp(html);
  EXPECT_NE(page.find("blue1"), std::string::npos);
  EXPECT_NE(page.find("blue2"), std::string::npos);
  auto ex = RunInState(state, {"explain", id, "blue1"});
  EXPECT_EQ(ex.code, 0) << ex.err << ex.out;
  EXPECT_NE(ex.out.find("availability"), std::string::npos) << ex.out;

  // The same seed again: the same events (the log is the exercise).
  testsupport::TempDir tmp2("lf-sim2");
  auto o2 =
      RunArgs({"sim", kPortal, "--teams", "2", "--seed", "11", "--out", tmp2.path().string()});
  ASSERT_EQ(o2.code, 0) << o2.err;
  // The chain's head hash covers every event: equal hashes, equal logs.
  auto v2 = RunInState(tmp2.path().string(), {"verify", IdIn(o2.out)});
  ASSERT_EQ(v2.code, 0) << v2.err;
  std::smatch m1, m2;
  static const std::regex head("head ([0-9a-f]{12,})");
  ASSERT_TRUE(std::regex_search(v.out, m1, head)) << v.out;
  ASSERT_TRUE(std::regex_search(v2.out, m2, head)) << v2.out;
  EXPECT_EQ(m1[1].str(), m2[1].str());
}

TEST(SimCli, MonteCarloGivesPercentilesObjectivesAndWarnings) {
  testsupport::TempDir tmp("lf-simmc");
  const std::string js = tmp.path().string() + "/mc.json", html = tmp.path().string() + "/mc.html";
  auto o = RunArgs(
      {"sim", kPortal, "--teams", "3", "--runs", "8", "--seed", "3", "--json", js, "--html", html});
  ASSERT_EQ(o.code, 0) << o.err << o.out;
  EXPECT_NE(o.out.find("8 run(s) x 3 team(s)"), std::string::npos) << o.out;
  json j = json::parse(Slurp(js));
  EXPECT_EQ(j["runs"], 8);
  EXPECT_EQ(j["seeds"], "3..10");
  ASSERT_EQ(j["teams"].size(), 3u);
  const auto& d = j["teams"]["blue1"]["total"];
  EXPECT_LE(d["p5"].get<double>(), d["p50"].get<double>());
  EXPECT_LE(d["p50"].get<double>(), d["p95"].get<double>());
  EXPECT_TRUE(j["teams"]["blue1"]["categories"].contains("availability"));
  EXPECT_TRUE(j["objectives"].contains("steal-doc")) << j["objectives"].dump();
  EXPECT_EQ(j["objectives"]["steal-doc"]["instances"], 24);
  EXPECT_TRUE(j["warnings"].is_array());
  // The white-cell task at 01:30 (due 30m) fires for every team in every run;
  // the scripted team answers most in time (no warning); the manual one never fires.
  ASSERT_TRUE(j["tasks"].contains("ministry-status")) << j["tasks"].dump();
  EXPECT_EQ(j["tasks"]["ministry-status"]["fired"], 24);
  EXPECT_EQ(j["tasks"]["ministry-status"]["due"], "30m");
  EXPECT_GT(j["tasks"]["ministry-status"]["share_on_time"].get<double>(), 0.5);
  EXPECT_FALSE(j["tasks"].contains("press-query"));
  for (const auto& w : j["warnings"])
    EXPECT_EQ(w.get<std::string>().find("task "), std::string::npos) << w;
  const std::string page = Slurp(html);
  EXPECT_NE(page.find("<svg"), std::string::npos);
  EXPECT_NE(page.find("steal-doc"), std::string::npos);
  EXPECT_NE(page.find("ministry-status"), std::string::npos);

  // Same arguments, same summary (timing aside).
  const std::string js2 = tmp.path().string() + "/mc2.json";
  ASSERT_EQ(
      RunArgs({"sim", kPortal, "--teams", "3", "--runs", "8", "--seed", "3", "--json", js2}).code,
      0);
  json j2 = json::parse(Slurp(js2));
  j.erase("seconds");
  j2.erase("seconds");
  EXPECT_EQ(j.dump(), j2.dump());
}

TEST(SimCli, ATaskNoPolicyAnswersInTimeIsWarnedAboutInTextJsonAndHtml) {
  // With blue=none nobody answers the ministry's status request.
  testsupport::TempDir tmp("lf-simtask");
  const std::string js = tmp.path().string() + "/mc.json", html = tmp.path().string() + "/mc.html";
  auto o = RunArgs({"sim", kPortal, "--teams", "2", "--runs", "3", "--seed", "5", "--policy",
                    "blue=none", "--json", js, "--html", html});
  ASSERT_EQ(o.code, 0) << o.err << o.out;
  const std::string warning =
      "task ministry-status is never answered in time by blue=none (6 firing(s), due 30m)";
  EXPECT_NE(o.out.find("warning: " + warning), std::string::npos) << o.out;
  json j = json::parse(Slurp(js));
  EXPECT_EQ(j["tasks"]["ministry-status"]["answered"], 0);
  bool found = false;
  for (const auto& w : j["warnings"]) found |= w == warning;
  EXPECT_TRUE(found) << j["warnings"].dump();
  EXPECT_NE(Slurp(html).find(warning), std::string::npos);
}

TEST(SimCli, RedLuaPlaysTheScenariosPolicyFunction) {
  // provincial-portal with a policy appended: always the cheapest option.
  testsupport::TempDir tmp("lf-simlua");
  const std::string dir = tmp.path().string() + "/portal";
  std::filesystem::copy(kPortal, dir, std::filesystem::copy_options::recursive);
  {
    std::ofstream f(dir + "/scenario.lua", std::ios::app);
    f << "\nsim_policy {\n  red = function(view)\n    local best = 1\n"
         "    for i, o in ipairs(view.options) do\n"
         "      if o.cost < view.options[best].cost then best = i end\n    end\n"
         "    return best\n  end,\n}\n";
  }
  const std::string js = tmp.path().string() + "/mc.json";
  auto o = RunArgs({"sim", dir, "--teams", "2", "--runs", "3", "--seed", "2", "--policy",
                    "red=lua", "--json", js});
  ASSERT_EQ(o.code, 0) << o.err << o.out;
  EXPECT_NE(o.out.find("policy red=lua,blue=scripted"), std::string::npos) << o.out;
  json j = json::parse(Slurp(js));
  EXPECT_EQ(j["policy"], "red=lua,blue=scripted");
  // The shipped portal declares no policy: refused with the reason.
  o = RunArgs({"sim", kPortal, "--policy", "red=lua"});
  EXPECT_NE(o.code, 0);
  EXPECT_NE(o.err.find("declares no sim_policy"), std::string::npos) << o.err;
}

TEST(SimCli, BadArgumentsAreRefusedWithTheReason) {
  auto o = RunArgs({"sim", kPortal, "--policy", "red=smart"});
  EXPECT_NE(o.code, 0);
  EXPECT_NE(o.err.find("red=smart"), std::string::npos) << o.err;
  testsupport::TempDir tmp("lf-simbad");
  o = RunArgs({"sim", kPortal, "--runs", "2", "--out", tmp.path().string()});
  EXPECT_NE(o.code, 0);
  EXPECT_NE(o.err.find("--runs 1"), std::string::npos) << o.err;
  o = RunArgs({"sim", tmp.path().string() + "/nothing-here"});
  EXPECT_NE(o.code, 0);
}

}  // namespace
}  // namespace livefire::cli
