// The demo's path end to end with real micro-nodes under qemu (TCG):
// up -> run (bots attack, defend, the white cell tasks) -> report -> down.
// Asserts that the attacks really worked through the range, that the service
// checks saw the defacement and the recovery, that scores replay exactly,
// that the report is written, and that nothing is left in libvirt. The
// exercise then goes into an archive with the two golden logs (imported as
// folders from another host), and `livefire maturity` and `livefire stats`
// are run on those three exercises.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "../scoring/archive/archive_fixture.h"
#include "livefire/testing/files.h"
#include "livefire/testing/real_exercise.h"
#include "livefire/testing/temp_dir.h"

namespace livefire::cli {
namespace {

namespace fs = std::filesystem;

using nlohmann::json;
using testsupport::Outcome;
using testsupport::RunArgs;

// The rating of parameter `id` in a maturity JSON (null when absent).
json Parameter(const json& j, const std::string& id) {
  for (const auto& p : j["parameters"])
    if (p["id"] == id) return p;
  ADD_FAILURE() << "no parameter " << id << " in " << j.dump().substr(0, 300);
  return json();
}

// The archive of the real exercise `id` and the two golden logs, and the
// maturity assessment and annual statistics over it. `events` is the real
// exercise's log: the evidence cited for it must be events of that log.
void ExpectMaturityAndStats(const std::string& id, const std::vector<Event>& events) {
  namespace at = archive::testing;
  testsupport::TempDir tmp("lf-demo-archive");
  const std::string db = tmp.file("archive.db");
  // The golden logs as exercise folders of "another host", imported.
  const std::string other = tmp.file("other-host");
  for (const auto& [golden, gid] : {std::pair{at::kPortalGolden, "lf-golden-portal"},
                                    std::pair{at::kMiniGolden, "lf-golden-mini"}}) {
    ASSERT_TRUE(at::StoreGoldenLog(golden, other, gid, {at::kHoaBinh, at::kSonLam}).ok()) << gid;
    Outcome o = RunArgs({"archive", "--import", other + "/exercises/" + gid, "--archive", db});
    ASSERT_EQ(o.code, 0) << o.err;
    EXPECT_NE(o.out.find(std::string(gid) + ": added in " + db), std::string::npos) << o.out;
  }
  Outcome o = RunArgs({"archive", id, "--archive", db});
  ASSERT_EQ(o.code, 0) << o.err;
  EXPECT_NE(o.out.find(id + ": added in " + db), std::string::npos) << o.out;
  EXPECT_NE(o.out.find("2 blue team(s)"), std::string::npos) << o.out;

  // An organisation (blue1's in all three) and a team name.
  const std::string org_json = tmp.file("org.json"), org_html = tmp.file("org.html");
  o = RunArgs({"maturity", at::kHoaBinh, "--archive", db, "--years", "2024-2026", "--json",
               org_json, "--html", org_html});
  ASSERT_EQ(o.code, 0) << o.err;
  const json org = json::parse(testsupport::ReadFile(org_json));
  ASSERT_EQ(org["exercises"].size(), 3u) << org["exercises"].dump();
  EXPECT_NE(org["exercises"].dump().find(id), std::string::npos);
  // Detection: rated from all three, the real exercise's evidence being red
  // actions of blue1's copy in its log.
  const json p5 = Parameter(org, "P-5");
  EXPECT_EQ(p5["status"], "measured");
  EXPECT_TRUE(p5["level"].is_number_integer());
  EXPECT_GE(p5["level"].get<int>(), 0);
  EXPECT_LE(p5["level"].get<int>(), 4);
  bool cited = false;
  for (const auto& ev : p5["evidence"]) {
    if (ev["exercise"] != id) continue;
    EXPECT_EQ(ev["team"], "blue1");
    ASSERT_FALSE(ev["event_seqs"].empty());
    for (const auto& seq : ev["event_seqs"]) {
      auto e = std::find_if(events.begin(), events.end(),
                            [&](const Event& x) { return x.seq == seq.get<int64_t>(); });
      ASSERT_NE(e, events.end()) << seq;
      EXPECT_EQ(e->kind, kinds::kRedAction);
      EXPECT_EQ(e->team, "blue1");
    }
    cited = true;
  }
  EXPECT_TRUE(cited) << p5.dump();
  // Availability under attack: the real checks of the real exercise count.
  const json p6 = Parameter(org, "P-6");
  EXPECT_EQ(p6["status"], "measured") << p6.dump();
  EXPECT_GE(p6["samples"].get<int>(), 10);
  // Nothing can measure the mandate: not measured without a declaration.
  EXPECT_EQ(Parameter(org, "O-1")["status"], "not measured");
  EXPECT_TRUE(org["tier"].is_string());
  EXPECT_FALSE(org["tier"].get<std::string>().empty());
  ASSERT_EQ(org["peers"].size(), 1u);  // Sơn Lâm, anonymised
  EXPECT_EQ(org["peers"][0]["label"], "Team A");
  const std::string page = testsupport::ReadFile(org_html);
  EXPECT_NE(page.find("<svg id=\"radar\""), std::string::npos);
  EXPECT_NE(page.find("id=\"tier\">" + org["tier"].get<std::string>() + "<"), std::string::npos);
  EXPECT_NE(page.find(id + " (2026, blue1)"), std::string::npos);  // evidence rows cite it
  EXPECT_EQ(page.find(at::kSonLam), std::string::npos) << "a peer is named";

  const std::string team_json = tmp.file("team.json");
  o = RunArgs({"maturity", "blue2", "--archive", db, "--json", team_json});
  ASSERT_EQ(o.code, 0) << o.err;
  const json team = json::parse(testsupport::ReadFile(team_json));
  EXPECT_EQ(team["exercises"].size(), 3u);
  EXPECT_EQ(Parameter(team, "P-5")["status"], "measured");

  // The year's statistics: three local exercises (no scenario says national).
  const std::string sj = tmp.file("stats.json"), sh = tmp.file("stats.html"),
                    sc = tmp.file("stats.csv");
  o = RunArgs(
      {"stats", "--year", "2026", "--archive", db, "--json", sj, "--html", sh, "--csv", sc});
  ASSERT_EQ(o.code, 0) << o.err;
  const json stats = json::parse(testsupport::ReadFile(sj));
  EXPECT_EQ(stats["exercises"].size(), 3u);
  EXPECT_EQ(stats["national_vs_local"]["national_exercises"], 0);
  EXPECT_EQ(stats["national_vs_local"]["local_exercises"], 3);
  // The real red chain rooted both teams' public-service server.
  EXPECT_GE(stats["national_vs_local"]["local_severe_high"].get<int>(), 2) << stats.dump();
  EXPECT_NE(stats["teams_by_tier"].dump().find(at::kHoaBinh), std::string::npos)
      << stats["teams_by_tier"].dump();
  const std::string stats_page = testsupport::ReadFile(sh);
  EXPECT_NE(stats_page.find("<b id=\"exercise-count\">3</b>"), std::string::npos);
  EXPECT_NE(stats_page.find("<tr><td>Bộ, tỉnh / ministry, province, other</td><td>3</td>"),
            std::string::npos);
  const std::string csv = testsupport::ReadFile(sc);
  EXPECT_EQ(csv.rfind("year,exercise,organisation,kind,", 0), 0u) << csv;
  EXPECT_NE(csv.find("\n2026,\"" + id + "\",\"Sở Thông tin và Truyền thông tỉnh Hòa Bình Xanh\","),
            std::string::npos)
      << csv;
}

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
  // `run` archived it when it ended: the same log again changes nothing.
  Outcome again = RunArgs({"archive", id});
  EXPECT_EQ(again.code, 0) << again.err;
  EXPECT_NE(again.out.find(id + ": unchanged in "), std::string::npos) << again.out << run.out;

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

  ExpectMaturityAndStats(id, events);
  testsupport::ExpectReportVerifyAndDown(id);
}

}  // namespace
}  // namespace livefire::cli
