// The maturity model on hand-computed cases (docs/maturity.md): levels at and
// just below thresholds, insufficient evidence, the tier rule, declarations,
// a trend over three years and anonymised peers.
#include "livefire/archive/maturity.h"

#include <gtest/gtest.h>

#include "archive_fixture.h"

namespace livefire::archive {
namespace {

using testing::Exercise;
using testing::SetCoverage;
using testing::Team;

const ParameterRating& Rating(const Assessment& a, const std::string& id) {
  for (const auto& r : a.ratings) {
    if (r.id == id) return r;
  }
  ADD_FAILURE() << "no parameter " << id;
  static ParameterRating none;
  return none;
}

const Parameter& Param(const std::string& id) {
  for (const auto& p : DefaultModel().parameters) {
    if (p.id == id) return p;
  }
  ADD_FAILURE() << "no parameter " << id;
  static Parameter none;
  return none;
}

TEST(MaturityModel, ShippedModelParses) {
  const MaturityModel& m = DefaultModel();
  EXPECT_EQ(m.name, "sim3-livefire");
  EXPECT_EQ(m.version, "1.0");
  ASSERT_EQ(m.parameters.size(), 12u);
  EXPECT_EQ(m.tiers.front().tier, "advanced");
  EXPECT_FALSE(Param("O-1").measured);
}

TEST(MaturityModel, ValueExactlyAtAThresholdMeetsIt) {
  const Parameter& p5 = Param("P-5");  // 20 40 60 80, higher is better
  EXPECT_EQ(LevelOf(p5, 60.0), 3);
  EXPECT_EQ(LevelOf(p5, 59.99), 2);
  EXPECT_EQ(LevelOf(p5, 0), 0);
  EXPECT_EQ(LevelOf(p5, 100), 4);
  const Parameter& p14 = Param("P-14");  // 60 30 15 5 minutes, lower is better
  EXPECT_EQ(LevelOf(p14, 15.0), 3);
  EXPECT_EQ(LevelOf(p14, 15.01), 2);
  EXPECT_EQ(LevelOf(p14, 90), 0);
}

// One exercise, hand-computed: 3 of 5 techniques detected (60 % -> 3),
// 95 % availability under attack over 20 rounds (-> 3), the ministry task on
// time and graded 100 (-> 4), the press task late and graded 100 (50 % ->
// exactly 2), half the tasks on time (50 % -> exactly 2), detection in 15 min
// on average (-> exactly 3), both grades 100 (-> 4). No report precision, no
// participation, no legal task: 7 of 10 measured parameters rated (0.7 <
// 0.75), so the tier is basic.
TEST(MaturityModel, HandComputedTeamAtThresholds) {
  TeamResult t = Team("blue1", "Sở TT&TT Hòa Bình Xanh");
  SetCoverage(t, 5, 3);
  t.indicators["availability_under_attack_pct"] = 95;
  t.samples["availability_under_attack_pct"] = 20;
  t.indicators["mttd_min"] = 15;
  t.samples["mttd_min"] = 3;
  t.tasks = {{"ministry-status", "on_time", 100, 5, 6, 7}, {"press-query", "late", 100, 8, 9, 10}};
  auto a = Assess(DefaultModel(), {Exercise("lf-a", 2026, {t})}, "Sở TT&TT Hòa Bình Xanh");
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  EXPECT_EQ(Rating(*a, "P-5").level, 3);
  EXPECT_DOUBLE_EQ(*Rating(*a, "P-5").value, 60.0);
  EXPECT_EQ(Rating(*a, "P-5").observations.at(0).seqs, (std::vector<int64_t>{10, 11}));
  EXPECT_EQ(Rating(*a, "P-6").level, 3);
  EXPECT_EQ(Rating(*a, "P-1").level, 4);
  EXPECT_EQ(Rating(*a, "P-1").observations.at(0).seqs, (std::vector<int64_t>{5, 6, 7}));
  EXPECT_EQ(Rating(*a, "P-2").level, 2);
  EXPECT_DOUBLE_EQ(*Rating(*a, "P-2").value, 50.0);
  EXPECT_EQ(Rating(*a, "O-7").level, 2);
  EXPECT_EQ(Rating(*a, "P-14").level, 3);
  EXPECT_EQ(Rating(*a, "P-15").level, 4);
  EXPECT_EQ(Rating(*a, "P-3").status, kInsufficient);
  EXPECT_EQ(Rating(*a, "O-8").status, kInsufficient);
  EXPECT_EQ(Rating(*a, "H-2").status, kInsufficient);
  EXPECT_EQ(Rating(*a, "O-1").status, "not measured");
  EXPECT_EQ(a->tier, "basic");
  // Weakest first: P-2 and O-7 at 2, then P-5 at 3.
  ASSERT_EQ(a->improve.size(), 3u);
  EXPECT_EQ(a->improve[0].parameter, "P-2");
  EXPECT_EQ(a->improve[1].parameter, "O-7");
  EXPECT_EQ(a->improve[2].parameter, "P-5");
  EXPECT_EQ(a->techniques_missed.size(), 2u);
  ASSERT_EQ(a->tasks_late.size(), 1u);
  EXPECT_EQ(a->tasks_late[0], "press-query: late (lf-a, blue1)");

  // With report precision (2 of 2) and a legal task on time, 9 of 10 rated
  // and every level at least 2: intermediate.
  t.indicators["report_precision_pct"] = 100;
  t.samples["report_precision_pct"] = 2;
  t.tasks.push_back({"police-notice", "on_time", 100, 11, 12, 13});
  a = Assess(DefaultModel(), {Exercise("lf-a", 2026, {t})}, "blue1");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(Rating(*a, "P-3").level, 4);
  EXPECT_EQ(Rating(*a, "O-7").level, 2);  // 2 of 3 on time: 66.7 %, below 75
  EXPECT_EQ(a->tier, "intermediate");
}

TEST(MaturityModel, TooLittleEvidenceIsInsufficient) {
  TeamResult t = Team("blue1", "");
  SetCoverage(t, 2, 2);  // 100 %, but P-5 needs 3 techniques executed
  auto a = Assess(DefaultModel(), {Exercise("lf-a", 2026, {t})}, "blue1");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(Rating(*a, "P-5").status, kInsufficient);
  EXPECT_FALSE(Rating(*a, "P-5").level.has_value());
  EXPECT_EQ(Rating(*a, "P-5").samples, 2);
  EXPECT_EQ(a->tier, kInsufficient);
  // A second exercise brings the evidence to 4 techniques: rated (mean 75 % -> 3).
  TeamResult u = Team("blue1", "");
  SetCoverage(u, 2, 1);
  a = Assess(DefaultModel(), {Exercise("lf-a", 2026, {t}), Exercise("lf-b", 2026, {u})}, "blue1");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(Rating(*a, "P-5").status, "measured");
  EXPECT_EQ(Rating(*a, "P-5").level, 3);
  EXPECT_EQ(Rating(*a, "P-5").exercises, 2);
}

TEST(MaturityModel, TrendOverThreeYears) {
  std::vector<ExerciseSummary> ar;
  int year = 2024;
  for (int detected : {1, 2, 4}) {  // of 5: 20 %, 40 %, 80 %
    TeamResult t = Team("blue1", "Sở TT&TT Sơn Lâm");
    SetCoverage(t, 5, detected);
    ar.push_back(Exercise(fmt::format("lf-y{}", year), year, {t}));
    ++year;
  }
  auto a = Assess(DefaultModel(), ar, "Sở TT&TT Sơn Lâm");
  ASSERT_TRUE(a.ok());
  const auto& p5 = Rating(*a, "P-5");
  EXPECT_EQ(p5.level_by_year, (std::map<int, double>{{2024, 1}, {2025, 2}, {2026, 4}}));
  EXPECT_EQ(p5.trend, "up");
  EXPECT_NEAR(*p5.value, 140.0 / 3, 1e-9);
  EXPECT_EQ(p5.level, 2);
  EXPECT_EQ(a->exercises, (std::vector<std::string>{"lf-y2024", "lf-y2025", "lf-y2026"}));
  // --years 2025-2026 leaves 2024 out: (40 + 80) / 2 = 60 -> 3.
  auto later = Assess(DefaultModel(), ar, "Sở TT&TT Sơn Lâm", {.years = {2025, 2026}});
  ASSERT_TRUE(later.ok());
  EXPECT_EQ(Rating(*later, "P-5").level, 3);
  EXPECT_EQ(Rating(*later, "P-5").exercises, 2);
  EXPECT_EQ(ParseYears("2024-2026")->from, 2024);
  EXPECT_EQ(ParseYears("2025")->to, 2025);
  EXPECT_FALSE(ParseYears("2026-2024").ok());
  EXPECT_FALSE(ParseYears("last year").ok());
}

TEST(MaturityModel, DeclarationsAreShownAsDeclaredAndNeverMakeATier) {
  nlohmann::json j = nlohmann::json::parse(R"({
    "model": "org-own", "version": "2",
    "parameters": [
      {"id": "P-5", "indicator": "detection_coverage_pct", "thresholds": [20, 40, 60, 80],
       "min_samples": 1},
      {"id": "O-1", "measured": false}],
    "tiers": [{"tier": "advanced", "min_level": 3, "min_rated_share": 1.0},
              {"tier": "basic", "min_level": 0, "min_rated_share": 0.5}],
    "declarations": {"blue1": {"O-1": 4}}})");
  auto m = ParseModel(j, "own.json");
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  TeamResult t = Team("blue1", "");
  SetCoverage(t, 5, 1);
  auto a = Assess(*m, {Exercise("lf-a", 2026, {t})}, "blue1");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(Rating(*a, "O-1").status, "declared");
  EXPECT_EQ(Rating(*a, "O-1").level, 4);
  EXPECT_EQ(a->tier, "basic");  // P-5 at 1; the declared 4 does not lift it
  auto json = ToJson(*a, *m);
  EXPECT_EQ(json["parameters"][1]["status"], "declared");
  EXPECT_EQ(json["model"]["version"], "2");
  // The page says it is declared, in both languages, beside the measured P-5.
  const std::string page = RenderMaturityHtml(*a, *m);
  EXPECT_NE(page.find("<td class=\"declared\">4 (tự khai / declared)</td>"), std::string::npos);
  EXPECT_NE(page.find("<td class=\"lvl\">1</td>"), std::string::npos);
}

TEST(MaturityModel, BadModelFilesAreRefusedNamingThePlace) {
  auto bad = [](const char* text) {
    auto m = ParseModel(nlohmann::json::parse(text), "own.json");
    EXPECT_FALSE(m.ok());
    return m.status().message();
  };
  EXPECT_NE(bad(R"({"model":"m","version":"1","tiers":[{"tier":"b","min_level":0,"min_rated_share":0}],
    "parameters":[{"id":"P-5","indicator":"detection_coverage_pct","thresholds":[40,20,60,80]}]})")
                .find("own.json: parameters[0] (P-5): thresholds must not decrease"),
            std::string::npos);
  EXPECT_NE(bad(R"({"model":"m","version":"1","tiers":[],
    "parameters":[{"id":"P-5","indicator":"guesswork","thresholds":[1,2,3,4]}]})")
                .find("unknown indicator 'guesswork'"),
            std::string::npos);
  EXPECT_NE(bad(R"({"model":"m","version":"1","tiers":[{"tier":"b","min_level":0,"min_rated_share":0}],
    "parameters":[{"id":"P-5","indicator":"mttd_min","thresholds":[1,2,3,4]}],
    "declarations":{"x":{"P-5":3}}})")
                .find("'P-5' is not a declared-only parameter"),
            std::string::npos);
}

TEST(MaturityModel, PeersOfTheSameSecurityLevelAreAnonymisedUnlessNamed) {
  auto team = [](const std::string& org, int detected) {
    TeamResult t = Team("blue", org);
    SetCoverage(t, 5, detected);
    return t;
  };
  std::vector<ExerciseSummary> ar = {
      Exercise("lf-a", 2026, {team("Tỉnh A", 5), team("Tỉnh B", 1)}, 3),
      Exercise("lf-b", 2026, {team("Tỉnh C", 3)}, 3),
      Exercise("lf-c", 2026, {team("Bộ D", 2)}, 4)};  // another security level
  auto a = Assess(DefaultModel(), ar, "Tỉnh A");
  ASSERT_TRUE(a.ok());
  ASSERT_EQ(a->peers.size(), 2u);
  EXPECT_EQ(a->peers[0].label, "Team A");
  EXPECT_EQ(a->peers[1].label, "Team B");
  EXPECT_EQ(a->peers[0].levels.at("P-5"), 1);  // Tỉnh B, sorted by name
  EXPECT_EQ(a->peers[1].levels.at("P-5"), 3);  // Tỉnh C
  auto named = Assess(DefaultModel(), ar, "Tỉnh A", {.name_peers = true});
  ASSERT_TRUE(named.ok());
  EXPECT_EQ(named->peers[0].label, "Tỉnh B");
  std::string html = RenderMaturityHtml(*a, DefaultModel());
  EXPECT_EQ(html.find("Tỉnh B"), std::string::npos) << "an anonymised peer is named";
  EXPECT_NE(html.find("<svg id=\"radar\""), std::string::npos);
  EXPECT_EQ(Assess(DefaultModel(), ar, "Tỉnh Z").status().code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace livefire::archive
