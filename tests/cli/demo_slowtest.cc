// The demo's path end to end with real micro-nodes under qemu (TCG):
// up -> run (bots attack, defend, the white cell tasks) -> report -> down.
// Asserts that the attacks really worked through the range, that the service
// checks saw the defacement and the recovery, that scores replay exactly,
// that the report is written, and that nothing is left in libvirt.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "livefire/testing/real_exercise.h"

namespace livefire::cli {
namespace {

namespace fs = std::filesystem;

using testsupport::Outcome;
using testsupport::RunArgs;

TEST(DemoEndToEnd, ProvincialPortalOnRealMicroNodes) {
  const std::string src = LIVEFIRE_SOURCE_DIR;
  ASSERT_EQ(std::system(("bash " + src + "/vm-templates/build.sh micro >/dev/null").c_str()), 0);

  testsupport::UpExercise up(src + "/scenarios/provincial-portal", 2);
  const std::string& id = up.id();
  ASSERT_FALSE(id.empty()) << up.up().err;
  ASSERT_EQ(up.up().code, 0) << up.up().out << up.up().err;

  // Two exercise hours at 60x: about two minutes of wall time.
  Outcome run = RunArgs({"run", id, "--speed", "60", "--quiet"});
  ASSERT_EQ(run.code, 0) << run.out << run.err;

  const std::vector<Event> events = testsupport::ReadEvents(id);
  auto count = [&](std::string_view kind, std::string_view team, std::string_view key,
                   std::string_view value) {
    return testsupport::CountEvents(events, kind, team, key, value);
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
    for (const Event& e : events) {
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

  testsupport::ExpectReportVerifyAndDown(id);
}

}  // namespace
}  // namespace livefire::cli
