// Two remote clients over CURVE tcp on loopback against a real engine on a
// micro-node (#14): the white cell and blue1 use nothing but the livefire
// commands and the credential files `accounts export` writes. blue1 files a
// report, white grades it and pauses/resumes; blue1's pause is refused. The
// log then names the account of every request and holds blue1's score.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "livefire/identity/accounts.h"
#include "livefire/store/event_store.h"
#include "livefire/testing/cli_range.h"
#include "livefire/testing/cli_runner.h"
#include "livefire/testing/engine_process.h"
#include "livefire/testing/scenario_files.h"
#include "livefire/testing/temp_dir.h"
#include "livefire/testing/wait.h"

namespace livefire::cli {
namespace {

namespace fs = std::filesystem;
using testsupport::Outcome;
using testsupport::RunArgs;

// One blue team, one micro node; an address pool of this test's own.
constexpr const char* kScenario = R"(
scenario { name = "remote-teams", title = "remote white and blue over tcp", duration = "1h",
           seed = 14, address_pool = "10.212.0.0/16", default_policy = "deny" }
team "white" { role = "white" }
team "red1" { role = "red" }
team "blue1" { role = "blue" }
network "dmz" { cidr = "10.10.1.0/24", zone = "per_team" }
node "web" { template = "micro", iface { network = "dmz", address = "10.10.1.10" } }
)";

std::string StateDir() {
  const char* d = std::getenv("LIVEFIRE_STATE_DIR");
  return d && *d ? d : "/var/lib/livefire";
}

TEST(RemoteClients, WhiteAndBlueOverTcpOnMicroNodesAreAttributedInTheLog) {
  const std::string src = LIVEFIRE_SOURCE_DIR;
  ASSERT_EQ(std::system(("bash " + src + "/vm-templates/build.sh micro >/dev/null").c_str()), 0);
  testsupport::TempDir tmp{"lf-remote-slow"};
  const std::string dir = testsupport::WriteScenario(tmp.path() / "scenario", kScenario);
  const std::string state = StateDir();

  Outcome up = RunArgs({"up", dir});
  const std::string id = testsupport::LastLine(up.out);
  ASSERT_EQ(up.code, 0) << up.out << up.err;
  struct Down {
    std::string id;
    ~Down() { RunArgs({"down", id}); }
  } down{id};
  // A real node: its guest agent answers.
  Outcome exec = RunArgs({"exec", id, "blue1", "web", "--", "true"});
  EXPECT_EQ(exec.code, 0) << exec.out << exec.err;

  // The engine in its own process, listening on a free loopback port.
  const std::string engine_log = tmp.str() + "/engine.log";
  testsupport::EngineProcess engine(state, id, engine_log, {"--listen", "tcp://127.0.0.1:0"});
  ASSERT_GT(engine.pid(), 0);

  // The white cell hands out credentials once the engine listens (export
  // fills in its address).
  const std::string white = tmp.str() + "/white.json", blue = tmp.str() + "/blue1.json";
  ASSERT_TRUE(testsupport::WaitFor([&] {
    if (RunArgs({"accounts", id, "export", "white", "-o", white}).code != 0) return false;
    auto c = identity::ReadCredential(white);
    return c.ok() && !c->server.empty();
  })) << testsupport::ReadFile(engine_log);
  ASSERT_EQ(RunArgs({"accounts", id, "export", "blue1", "-o", blue}).code, 0);

  // blue1's report, from "its laptop": no --team, the credential says which.
  Outcome report = RunArgs({"submit", id, "--credential", blue, "--node", "web", "--technique",
                            "T1190", "--description", "POST flood on /login"});
  ASSERT_EQ(report.code, 0) << report.out << report.err;
  const std::string seq =
      testsupport::LastLine(report.out).substr(testsupport::LastLine(report.out).rfind(' ') + 1);
  Outcome grade = RunArgs({"grade", id, "--credential", white, "--team", "blue1", "--rubric", "50",
                           "--points", "10", "--seq", seq, "--comment", "half of it"});
  EXPECT_EQ(grade.code, 0) << grade.out << grade.err;
  Outcome pause = RunArgs({"pause", id, "--credential", white, "--reason", "lunch"});
  EXPECT_EQ(pause.code, 0) << pause.err;
  Outcome blue_pause = RunArgs({"pause", id, "--credential", blue});
  EXPECT_NE(blue_pause.code, 0);
  EXPECT_NE(blue_pause.err.find("forbidden"), std::string::npos) << blue_pause.err;
  EXPECT_EQ(RunArgs({"resume", id, "--credential", white}).code, 0);
  Outcome st = RunArgs({"status", id, "--credential", blue});
  EXPECT_EQ(st.code, 0) << st.err;
  EXPECT_NE(st.out.find("blue1"), std::string::npos) << st.out;
  EXPECT_EQ(RunArgs({"stop", id, "--credential", white, "--reason", "test over"}).code, 0);
  int wstatus = 0;
  ASSERT_TRUE(testsupport::WaitFor(
      [&] { return ::waitpid(engine.pid(), &wstatus, WNOHANG) == engine.pid(); },
      std::chrono::seconds(60)));
  engine.Release();
  EXPECT_TRUE(WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 0) << testsupport::ReadFile(engine_log);

  // Attribution: who reported, graded, paused and was refused.
  auto store = store::EventStore::OpenExercise(state, ExerciseId(id), {.read_only = true});
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  auto log = (*store)->Read({});
  ASSERT_TRUE(log.ok());
  std::map<std::string, std::string> by;  // kind -> account of its first event
  double blue1_total = 0;
  for (const Event& e : *log) {
    const std::string account = e.payload.value("account", "");
    if (!account.empty() && !by.count(e.kind)) by[e.kind] = account;
    if (e.kind == kinds::kScoreChanged && e.team == "blue1") blue1_total = e.payload["total"];
  }
  EXPECT_EQ(by[std::string(kinds::kSubmissionReport)], "blue1");
  EXPECT_EQ(by[std::string(kinds::kControlGrade)], "white");
  EXPECT_EQ(by[std::string(kinds::kGradeGiven)], "white");
  EXPECT_EQ(by[std::string(kinds::kControlPaused)], "white");
  EXPECT_EQ(by[std::string(kinds::kControlResumed)], "white");
  EXPECT_EQ(by[std::string(kinds::kControlRefused)], "blue1");
  EXPECT_EQ(by[std::string(kinds::kControlStopped)], "white");
  // The 50 % grade is half the reports category (weight 0.15 of 100).
  EXPECT_GT(blue1_total, 0);
  EXPECT_LT(blue1_total, 100);
  // The score, as the log replays it.
  Outcome status = RunArgs({"status", id, "--json"});
  ASSERT_EQ(status.code, 0) << status.err;
  auto board = nlohmann::json::parse(status.out);
  ASSERT_FALSE(board["scoreboard"]["blue"].empty());
  EXPECT_EQ(board["scoreboard"]["blue"][0]["team"], "blue1");
  EXPECT_DOUBLE_EQ(board["scoreboard"]["blue"][0]["total"].get<double>(), blue1_total);
  std::printf("remote slow test: %zu events, blue1 total %.2f\n", log->size(), blue1_total);
  EXPECT_EQ(RunArgs({"down", id}).code, 0);
}

}  // namespace
}  // namespace livefire::cli
