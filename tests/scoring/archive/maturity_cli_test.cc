// `livefire maturity` and `livefire stats` on an archive of three exercises:
// the two golden logs and one recorded now.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>

#include "archive_fixture.h"
#include "livefire/testing/files.h"
#include "livefire/testing/temp_dir.h"

namespace livefire::archive {
namespace {

using testing::kHoaBinh;
using testing::kSonLam;
using testsupport::ReadFile;
using testsupport::RunInState;
using testsupport::TempDir;

nlohmann::json ReadJson(const std::string& path) { return nlohmann::json::parse(ReadFile(path)); }

class ThreeExercises : public ::testing::Test {
 protected:
  void SetUp() override { testing::ArchiveThreeExercises(state.str()); }
  std::string File(const std::string& name) const { return state.str() + "/" + name; }
  TempDir state;
};

TEST_F(ThreeExercises, MaturityJsonCitesTheEvidence) {
  auto o = RunInState(state.str(), {"maturity", kHoaBinh, "--years", "2024-2026", "--json",
                                    File("m.json"), "--html", File("m.html")});
  ASSERT_EQ(o.code, 0) << o.err;
  auto j = ReadJson(File("m.json"));
  EXPECT_EQ(j["subject"], kHoaBinh);
  EXPECT_EQ(j["model"]["name"], "sim3-livefire");
  EXPECT_EQ(j["exercises"],
            nlohmann::json({"lf-golden-mini", "lf-golden-portal", "lf-recorded-portal"}));
  EXPECT_EQ(j["years"], nlohmann::json({2024, 2026}));
  const auto& p5 = j["parameters"][0];
  EXPECT_EQ(p5["id"], "P-5");
  EXPECT_EQ(p5["status"], "measured");
  ASSERT_EQ(p5["evidence"].size(), 3u);
  EXPECT_FALSE(p5["evidence"][0]["event_seqs"].empty());
  EXPECT_EQ(p5["level_by_year"].size(), 1u);
  // The ministry task (P-1): answered on time and graded 100 in both portal runs.
  const auto& p1 = j["parameters"][2];
  EXPECT_EQ(p1["id"], "P-1");
  EXPECT_EQ(p1["level"], 4);
  EXPECT_EQ(p1["evidence"].size(), 2u);
  // No legal task in these scenarios; O-1 is for declarations only.
  EXPECT_EQ(j["parameters"][4]["status"], "insufficient evidence");
  EXPECT_EQ(j["parameters"][10]["status"], "not measured");
  EXPECT_TRUE(j["tier"].is_string());
  // Sơn Lâm ran at the same security level: a peer, anonymised.
  ASSERT_EQ(j["peers"].size(), 1u);
  EXPECT_EQ(j["peers"][0]["label"], "Team A");
  EXPECT_FALSE(j["peers_named"]);
  EXPECT_EQ(ReadFile(File("m.html")).find(kSonLam), std::string::npos);
  EXPECT_FALSE(j["improve"].empty());

  // The host's operator is the white cell: --names shows who the peers are.
  o = RunInState(state.str(), {"maturity", kHoaBinh, "--names", "--json", File("n.json")});
  ASSERT_EQ(o.code, 0) << o.err;
  EXPECT_EQ(ReadJson(File("n.json"))["peers"][0]["label"], kSonLam);

  // Sơn Lâm missed the ministry task twice: P-1 at 0, first to improve.
  o = RunInState(state.str(), {"maturity", kSonLam, "--json", File("s.json")});
  ASSERT_EQ(o.code, 0) << o.err;
  auto s = ReadJson(File("s.json"));
  EXPECT_EQ(s["parameters"][2]["level"], 0);
  EXPECT_EQ(s["improve"][0]["parameter"], "P-1");
  EXPECT_NE(s["tasks_late"].dump().find("ministry-status: missing (lf-golden-portal, blue2)"),
            std::string::npos);
  EXPECT_NE(s["techniques_missed"].dump().find("T1190"), std::string::npos);
}

TEST_F(ThreeExercises, MaturitySummaryAndErrors) {
  auto o = RunInState(state.str(), {"maturity", "blue1"});
  ASSERT_EQ(o.code, 0) << o.err;
  EXPECT_NE(o.out.find("blue1: tier "), std::string::npos) << o.out;
  EXPECT_NE(o.out.find("P-5"), std::string::npos);
  o = RunInState(state.str(), {"maturity", "Tỉnh Không Có"});
  EXPECT_EQ(o.code, 1);
  EXPECT_NE(o.err.find("no archived team or organisation 'Tỉnh Không Có'"), std::string::npos)
      << o.err;
  o = RunInState(state.str(), {"maturity", "blue1", "--years", "2027"});
  EXPECT_EQ(o.code, 1);
  o = RunInState(state.str(), {"maturity", "blue1", "--years", "soon"});
  EXPECT_NE(o.err.find("--years 'soon'"), std::string::npos) << o.err;
  std::ofstream(File("bad.json")) << R"({"model":"x"})";
  o = RunInState(state.str(), {"maturity", "blue1", "--model", File("bad.json")});
  EXPECT_NE(o.err.find(File("bad.json") + ": top level"), std::string::npos) << o.err;
  o = RunInState(state.str(), {"maturity", "blue1", "--archive", File("none.db")});
  EXPECT_NE(o.err.find("no archive at " + File("none.db")), std::string::npos) << o.err;
}

TEST_F(ThreeExercises, StatsForTheYear) {
  std::ofstream(File("orgs.txt")) << "# expected to exercise\n" << kHoaBinh << "\nSở TT&TT Lạc Sơn\n";
  auto o = RunInState(state.str(), {"stats", "--year", "2026", "--organisations", File("orgs.txt"),
                                    "--json", File("s.json"), "--csv", File("s.csv"), "--html",
                                    File("s.html")});
  ASSERT_EQ(o.code, 0) << o.err;
  auto j = ReadJson(File("s.json"));
  EXPECT_EQ(j["exercises"].size(), 3u);
  // 2 blue x 5 + red 4 in the golden ones; the recorded one has the scenario's teams.
  EXPECT_GT(j["participants"].get<int>(), 28);
  // Two portal runs x two teams x one critical weakness (root on the public-service server).
  EXPECT_GE(j["weaknesses_by_severity"]["critical"].get<int>(), 4);
  EXPECT_EQ(j["national_vs_local"]["national_exercises"], 0);
  EXPECT_EQ(j["national_vs_local"]["local_exercises"], 3);
  EXPECT_EQ(j["organisations_without_exercise"], nlohmann::json({"Sở TT&TT Lạc Sơn"}));
  EXPECT_EQ(j["exercises_by_kind"]["undeclared"], 3);
  int tiered = 0;
  for (const auto& [tier, teams] : j["teams_by_tier"].items()) tiered += teams.size();
  EXPECT_EQ(tiered, 2);  // Hòa Bình Xanh and Sơn Lâm
  std::string csv = ReadFile(File("s.csv"));
  EXPECT_EQ(std::count(csv.begin(), csv.end(), '\n'), 1 + 3 + 1);
  EXPECT_EQ(csv.rfind("year,exercise,organisation,kind,", 0), 0u);
  EXPECT_NE(csv.find("2026,,\"Sở TT&TT Lạc Sơn\",none"), std::string::npos) << csv;
  EXPECT_NE(ReadFile(File("s.html")).find("id=\"without\""), std::string::npos);

  o = RunInState(state.str(), {"stats", "--year", "2025"});
  ASSERT_EQ(o.code, 0) << o.err;
  EXPECT_NE(o.out.find("2025: 0 exercise(s)"), std::string::npos) << o.out;
}

}  // namespace
}  // namespace livefire::archive
