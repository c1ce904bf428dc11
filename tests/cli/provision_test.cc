// `livefire up/ls/exec/revert/down` on libvirt's in-memory test driver: the
// reference scenario provisioned for two teams without guests (--no-wait).

#include <gtest/gtest.h>
#include <libvirt/libvirt.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "cli.h"
#include "livefire/testing/cli_range.h"
#include "test_driver_cli.h"
#include "livefire/testing/cli_runner.h"
#include "livefire/testing/scenario_files.h"
#include "livefire/testing/temp_dir.h"

namespace livefire::cli {
namespace {

namespace fs = std::filesystem;

using testsupport::Outcome;
using testsupport::RunArgs;

// Two per-team networks, a shared red zone, three nodes (and one router per team).
constexpr const char* kScenario = R"(
scenario { name = "cli-up", title = "CLI up test", duration = "1h", seed = 1,
           address_pool = "10.96.0.0/12", default_policy = "deny" }
team "white" { role = "white" }
team "red1" { role = "red" }
team "blue1" { role = "blue" }
network "dmz" { cidr = "10.10.1.0/24", zone = "per_team" }
network "lan" { cidr = "10.10.2.0/24", zone = "per_team" }
network "red" { cidr = "172.30.0.0/24", zone = "shared" }
allow { from = "red", to = "dmz", protocol = "tcp", ports = {80} }
allow { from = "dmz", to = "lan", protocol = "tcp", ports = {23} }
node "web" { template = "micro",
  iface { network = "dmz", address = "10.10.1.10" },
  service "http" { port = 80, reachable_from = {"red"} },
  file { path = "/etc/motd", content = "welcome" } }
node "db" { template = "micro",
  iface { network = "lan", address = "10.10.2.10" },
  service "telnet" { port = 23, reachable_from = {"dmz"} } }
node "attacker" { template = "micro", iface { network = "red", address = "172.30.0.10" } }
)";

using testsupport::LastLine;

class ProvisionCli : public TestDriverCli {
 protected:
  ProvisionCli() : TestDriverCli(kScenario, "lf-cli-provision") {}

};

TEST_F(ProvisionCli, UpPrintsTheIdLastAndDownRemovesTheRange) {
  Outcome up = Cli({"up", state_ + "/scenario", "--teams", "2", "--uri", uri_, "--no-wait"});
  ASSERT_EQ(up.code, 0) << up.out << up.err;
  const std::string id = LastLine(up.out);
  ASSERT_EQ(id.rfind("lf-", 0), 0u) << up.out;
  EXPECT_NE(up.err.find("ready"), std::string::npos) << "plain progress lines: " << up.err;
  EXPECT_TRUE(fs::exists(state_ + "/exercises/" + id + "/plan.json"));

  Outcome ls = Cli({"ls", "--uri", uri_, "--json"});
  ASSERT_EQ(ls.code, 0) << ls.err;
  auto j = nlohmann::json::parse(ls.out);
  ASSERT_EQ(j.size(), 1u);
  EXPECT_EQ(j[0]["exercise"], id);
  EXPECT_EQ(j[0]["domains"], 7);  // 2 x (router, web, db) + the shared attacker
  EXPECT_EQ(j[0]["networks"], 5);
  EXPECT_EQ(j[0]["running"], j[0]["domains"]);

  // Resuming a complete exercise keeps everything.
  Outcome again =
      Cli({"up", state_ + "/scenario", "--teams", "2", "--uri", uri_, "--no-wait", "--resume", id});
  ASSERT_EQ(again.code, 0) << again.err;
  EXPECT_EQ(LastLine(again.out), id);

  Outcome down = Cli({"down", id, "--uri", uri_});
  ASSERT_EQ(down.code, 0) << down.err;
  EXPECT_NE(down.out.find("removed " + id), std::string::npos) << down.out;
  // The range's files are gone; the exercise's record (plan.json, scenario
  // copy, exercise.json, the event log once it runs) stays.
  EXPECT_TRUE(fs::exists(state_ + "/exercises/" + id + "/plan.json"));
  EXPECT_TRUE(fs::exists(state_ + "/exercises/" + id + "/down.json"));
  EXPECT_TRUE(fs::exists(state_ + "/exercises/" + id + "/exercise.json"));
  Outcome twice = Cli({"down", id, "--uri", uri_});
  EXPECT_EQ(twice.code, 0);
  EXPECT_NE(twice.out.find("nothing to remove"), std::string::npos) << twice.out;
}

TEST_F(ProvisionCli, ExecAndRevertErrorsNameWhatIsMissing) {
  Outcome no_ex = Cli({"exec", "lf-20260101-000000-abcdef", "blue1", "portal", "--uri", uri_, "--",
                       "cat", "/etc/hostname"});
  EXPECT_EQ(no_ex.code, 1) << no_ex.err;
  EXPECT_NE(no_ex.err.find("no such exercise"), std::string::npos) << no_ex.err;
  Outcome bad_id = Cli({"revert", "Not An Id", "blue1", "--uri", uri_});
  EXPECT_EQ(bad_id.code, 1);
  Outcome no_cmd = Cli({"exec", "lf-20260101-000000-abcdef", "blue1", "portal"});
  EXPECT_EQ(no_cmd.code, 1);  // CMD is required
  Outcome bad_uri = Cli({"ls", "--uri", "nosuchdriver:///x"});
  EXPECT_EQ(bad_uri.code, 2) << bad_uri.err;
  EXPECT_NE(bad_uri.err.find("nosuchdriver:///x"), std::string::npos) << bad_uri.err;
}

TEST_F(ProvisionCli, UpRefusesAnInvalidScenarioWithItsPlace) {
  testsupport::WriteScenario(state_ + "/bad", "scenario {\n  name = 42,\n}\n");
  Outcome up = Cli({"up", state_ + "/bad", "--uri", uri_, "--no-wait"});
  EXPECT_EQ(up.code, 1) << up.out << up.err;
  EXPECT_NE(up.err.find("scenario.lua:"), std::string::npos) << up.err;
  EXPECT_EQ(up.out.find("lf-"), std::string::npos) << "no exercise may be created";
}

}  // namespace
}  // namespace livefire::cli

namespace livefire::cli {
namespace {

// `run` works from the plan `up` recorded, and refuses when the scenario
// copy no longer yields it (the range would not match the rules and checks).
TEST_F(ProvisionCli, RunRefusesAScenarioCopyThatNoLongerYieldsTheRecordedPlan) {
  Outcome up = Cli({"up", state_ + "/scenario", "--uri", uri_, "--no-wait"});
  ASSERT_EQ(up.code, 0) << up.err;
  const std::string id = LastLine(up.out);
  const std::string copy = state_ + "/exercises/" + id + "/scenario";
  auto plan = nlohmann::json::parse(std::ifstream(state_ + "/exercises/" + id + "/plan.json"));
  EXPECT_EQ(plan["plan"]["format_version"], 1);
  std::string before;
  for (const auto& d : plan["plan"]["domains"]) {
    if (d["key"] == "blue1.web") before = d["interfaces"][0]["address"];
  }
  ASSERT_FALSE(before.empty());

  std::string text = kScenario;
  text.replace(text.find("10.10.1.10"), 10, "10.10.1.11");
  std::ofstream(copy + "/scenario.lua") << text;
  Outcome run = Cli({"run", id, "--fast", "--uri", uri_, "--quiet"});
  EXPECT_EQ(run.code, 1);
  std::string after = before.substr(0, before.rfind('.')) + ".11";
  EXPECT_NE(run.err.find("the scenario copy in " + copy +
                         " no longer yields the plan recorded at up: domain blue1.web "
                         "interfaces/0/address \"" +
                         before + "\" -> \"" + after + "\""),
            std::string::npos)
      << run.err;
  EXPECT_NE(run.err.find("run `livefire down " + id + "` and `up` again"), std::string::npos)
      << run.err;

  // Once the range is down there is nothing to run on (plan.json stays as
  // the record of the topology).
  ASSERT_EQ(Cli({"down", id, "--uri", uri_}).code, 0);
  Outcome gone = Cli({"run", id, "--fast", "--uri", uri_, "--quiet"});
  EXPECT_EQ(gone.code, 1);
  EXPECT_NE(gone.err.find("has no range (taken down"), std::string::npos) << gone.err;
}

// A plan.json of another format_version is refused, naming the file.
TEST_F(ProvisionCli, RunRefusesARecordedPlanOfAnotherFormatVersion) {
  Outcome up = Cli({"up", state_ + "/scenario", "--uri", uri_, "--no-wait"});
  ASSERT_EQ(up.code, 0) << up.err;
  const std::string id = LastLine(up.out);
  const std::string path = state_ + "/exercises/" + id + "/plan.json";
  auto j = nlohmann::json::parse(std::ifstream(path));
  const std::string original = j.dump();
  j["plan"]["format_version"] = 99;
  std::ofstream(path) << j.dump();
  Outcome run = Cli({"run", id, "--fast", "--uri", uri_, "--quiet"});
  EXPECT_EQ(run.code, 2);  // DataLoss: this version cannot read the file
  EXPECT_NE(run.err.find(path), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("format_version 99 is not the supported 1"), std::string::npos) << run.err;
  std::ofstream(path) << original;
  EXPECT_EQ(Cli({"down", id, "--uri", uri_}).code, 0);
}

// What `up` leaves beside the range lets the exercise commands work from the
// id alone, and each says clearly what is missing before the engine runs.
TEST_F(ProvisionCli, ExerciseCommandsExplainWhatIsMissingBeforeTheRun) {
  Outcome up = Cli({"up", state_ + "/scenario", "--uri", uri_, "--no-wait"});
  ASSERT_EQ(up.code, 0) << up.err;
  const std::string id = LastLine(up.out);
  EXPECT_TRUE(fs::exists(state_ + "/exercises/" + id + "/scenario/scenario.lua"));
  EXPECT_TRUE(fs::exists(state_ + "/exercises/" + id + "/exercise.json"));

  Outcome events = Cli({"events", id});
  EXPECT_EQ(events.code, 1);
  EXPECT_NE(events.err.find("no event log yet"), std::string::npos) << events.err;
  Outcome pause = Cli({"pause", id});
  EXPECT_EQ(pause.code, 1);
  EXPECT_NE(pause.err.find("no engine is running"), std::string::npos) << pause.err;
  Outcome why = Cli({"why", id, "nope"});
  EXPECT_EQ(why.code, 1);
  EXPECT_NE(why.err.find("no inject 'nope'"), std::string::npos) << why.err;
  Outcome run = Cli({"run", "lf-20200101-000000-000000", "--fast"});
  EXPECT_EQ(run.code, 1);
  EXPECT_NE(run.err.find("no exercise"), std::string::npos) << run.err;
  EXPECT_EQ(Cli({"down", id, "--uri", uri_}).code, 0);
}

}  // namespace
}  // namespace livefire::cli
