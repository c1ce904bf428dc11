// The demo's path end to end with real micro-nodes under qemu (TCG):
// up -> run (bots attack, defend, the white cell tasks) -> report -> down.
// Asserts that the attacks really worked through the range, that the service
// checks saw the defacement and the recovery, that scores replay exactly,
// that the report is written, and that nothing is left in libvirt.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "cli.h"
#include "livefire/store/event_store.h"
#include "livefire/testing/cli_runner.h"

namespace livefire::cli {
namespace {

namespace fs = std::filesystem;

using testsupport::Outcome;
using testsupport::RunArgs;

std::string Sh(const std::string& cmd) {
  std::string out;
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  pclose(p);
  return out;
}

std::string StateDir() {
  const char* d = std::getenv("LIVEFIRE_STATE_DIR");
  return d && *d ? d : "/var/lib/livefire";
}

TEST(DemoEndToEnd, ProvincialPortalOnRealMicroNodes) {
  const std::string src = LIVEFIRE_SOURCE_DIR;
  ASSERT_EQ(std::system(("bash " + src + "/vm-templates/build.sh micro >/dev/null").c_str()), 0);

  Outcome up = RunArgs({"up", src + "/scenarios/provincial-portal", "--teams", "2"});
  std::string id;
  {
    std::istringstream lines(up.out);
    for (std::string l; std::getline(lines, l);) {
      if (!l.empty()) id = l;
    }
  }
  ASSERT_FALSE(id.empty()) << up.err;
  // Whatever happens below, the range goes away.
  struct Down {
    std::string id;
    ~Down() { RunArgs({"down", id}); }
  } down{id};
  ASSERT_EQ(up.code, 0) << up.out << up.err;

  // Two exercise hours at 60x: about two minutes of wall time.
  Outcome run = RunArgs({"run", id, "--speed", "60", "--quiet"});
  ASSERT_EQ(run.code, 0) << run.out << run.err;

  auto st = store::EventStore::OpenExercise(StateDir(), ExerciseId(id), {.read_only = true});
  ASSERT_TRUE(st.ok()) << st.status().ToString();
  auto log = (*st)->Read({});
  ASSERT_TRUE(log.ok());
  auto count = [&](std::string_view kind, std::string_view team, std::string_view key,
                   std::string_view value) {
    int n = 0;
    for (const Event& e : *log) {
      if (e.kind == kind && e.team == team &&
          (key.empty() || e.payload.value(std::string(key), "") == value))
        ++n;
    }
    return n;
  };
  for (const std::string team : {"blue1", "blue2"}) {
    SCOPED_TRACE(team);
    // The red chain really exploited each copy through the network.
    EXPECT_EQ(count(kinds::kObjectiveReached, team, "objective", "root-dvc"), 1);
    EXPECT_EQ(count(kinds::kObjectiveReached, team, "objective", "steal-doc"), 1);
    EXPECT_EQ(count(kinds::kObjectiveReached, team, "objective", "deface-portal"), 1);
    // The blue bot detected from the guests' logs and reported.
    EXPECT_GE(count(kinds::kSubmissionReport, team, "technique", "T1190"), 1);
    // Checks ran against the team's copy: the portal went down when it was
    // defaced and came back when the blue bot restored it.
    bool down_seen = false, up_after = false;
    for (const Event& e : *log) {
      if (e.kind != kinds::kCheckResult || e.team != team ||
          e.payload.value("node", "") != "portal")
        continue;
      if (e.payload.value("status", "") == "down") down_seen = true;
      if (down_seen && e.payload.value("status", "") == "up") up_after = true;
    }
    EXPECT_TRUE(down_seen);
    EXPECT_TRUE(up_after);
    EXPECT_GT(count(kinds::kCheckResult, team, "status", "up"), 50);
  }

  // Scores: every point explained and reproduced from the log alone.
  Outcome replay = RunArgs({"replay", id});
  EXPECT_EQ(replay.code, 0) << replay.out << replay.err;
  Outcome status = RunArgs({"status", id, "--json"});
  ASSERT_EQ(status.code, 0) << status.err;
  auto board = nlohmann::json::parse(status.out);
  // Red impact hit both teams (3 compromises each), and the detections and
  // availability earned points back: totals stay within the rule bounds.
  for (const auto& row : board["scoreboard"]["blue"]) {
    SCOPED_TRACE(row.dump());
    EXPECT_LT(row["categories"]["red_impact"].get<double>(), 100);  // % of the most it could lose
    EXPECT_GT(row["categories"]["detection"].get<double>(), 0);
    EXPECT_GT(row["categories"]["availability"].get<double>(), 0);
  }

  const std::string html = (fs::temp_directory_path() / (id + ".html")).string();
  Outcome report = RunArgs({"report", id, "--html", html});
  EXPECT_EQ(report.code, 0) << report.err;
  EXPECT_GT(fs::file_size(html), 10'000u);
  fs::remove(html);
  EXPECT_EQ(RunArgs({"verify", id}).code, 0);

  Outcome d = RunArgs({"down", id});
  EXPECT_EQ(d.code, 0) << d.err;
  // Nothing of the exercise is left in libvirt.
  std::string short_id = id.substr(id.rfind('-') + 1);
  EXPECT_EQ(Sh("virsh -c qemu:///system list --all --name | grep -c " + short_id + " || true"),
            "0\n");
  EXPECT_EQ(Sh("virsh -c qemu:///system net-list --all --name | grep -c " + short_id + " || true"),
            "0\n");
  // The event log is kept for reports, appeals and the maturity assessment.
  EXPECT_TRUE(fs::exists(StateDir() + "/exercises/" + id + "/events.db"));
}

}  // namespace
}  // namespace livefire::cli
