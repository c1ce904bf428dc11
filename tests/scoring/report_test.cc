// The after-action report over a recorded fast-mode run of the shipped
// provincial-portal scenario (report_fixture.h): the numbers it shows are
// the ones the scenario's timing implies, its ledger adds up to the
// scoreboard, and the HTML is self-contained and escapes what teams wrote.
#include "livefire/report/report.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <set>

#include "livefire/scoring/scoreboard.h"
#include "livefire/testing/temp_dir.h"
#include "report_fixture.h"

namespace livefire::report {
namespace {

using testsupport::TempDir;

const ExerciseId kId("lf-20261121-093000-3fa2c1");

// One recorded exercise for the whole suite (recording takes a second).
class Report : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    Status s = testing_report::RecordPortalExercise(dir_->str(), kId);
    ASSERT_TRUE(s.ok()) << s.ToString();
    auto st = store::EventStore::OpenExercise(dir_->str(), kId, {.read_only = true});
    ASSERT_TRUE(st.ok()) << st.status().ToString();
    auto created = (*st)->Read({.kind = std::string(kinds::kExerciseCreated), .limit = 1});
    ASSERT_TRUE(created.ok());
    auto config = scoring::ConfigFromEvents(*created);
    ASSERT_TRUE(config.ok()) << config.status().ToString();
    auto in = ReadReportInput(**st, *config);
    ASSERT_TRUE(in.ok()) << in.status().ToString();
    input_ = new ReportInput(std::move(in).value());
    input_->exercise_id = kId.str();
    // Display names and inject descriptions come from the scenario copy.
    auto sc = scenario::LoadValidScenario(
        testing_report::PortalScenarioDir(),
        {.templates_dir = std::string(LIVEFIRE_SOURCE_DIR) + "/vm-templates"});
    ASSERT_TRUE(sc.ok()) << sc.status().ToString();
    scenario_ = new model::Scenario(std::move(sc).value());
    input_->scenario = scenario_;
    auto r = BuildReport(*input_);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    report_ = new ReportData(std::move(r).value());
    if (const char* keep = std::getenv("LIVEFIRE_REPORT_KEEP"); keep && *keep) {
      std::ofstream(std::string(keep) + ".html") << RenderReportHtml(*report_);
      std::ofstream(std::string(keep) + ".json") << ReportToJson(*report_).dump(2);
      std::ofstream ev(std::string(keep) + ".events");
      for (const auto& e : input_->events) {
        if (e.kind == kinds::kCheckResult || e.kind == kinds::kScoreChanged) continue;
        ev << e.seq << " " << FormatClock(e.time) << " " << e.team << " " << e.kind << " "
           << e.payload.dump() << "\n";
      }
    }
  }
  static void TearDownTestSuite() {
    delete report_;
    delete input_;
    delete scenario_;
    delete dir_;
  }
  void SetUp() override { ASSERT_NE(report_, nullptr); }

  static const TeamReport& Blue(const std::string& name) {
    for (const auto& t : report_->blue) {
      if (t.team.name == name) return t;
    }
    ADD_FAILURE() << "no blue team " << name;
    return report_->blue.front();
  }
  static const ActionLine* Action(const TeamReport& t, const std::string& technique) {
    for (const auto& a : t.actions) {
      if (a.technique == technique) return &a;
    }
    return nullptr;
  }

  static inline TempDir* dir_ = nullptr;
  static inline model::Scenario* scenario_ = nullptr;
  static inline ReportInput* input_ = nullptr;
  static inline ReportData* report_ = nullptr;
};

SimTime At(int h, int m, int s = 0) {
  return SimTime::Start() + Duration::Hours(h) + Duration::Minutes(m) + Duration::Seconds(s);
}

TEST_F(Report, HeaderComesFromTheLog) {
  const ReportData& r = *report_;
  EXPECT_EQ(r.title, "Diễn tập thực chiến: Cổng thông tin điện tử tỉnh Hòa Bình Xanh");
  EXPECT_EQ(r.organisation, "Sở Thông tin và Truyền thông tỉnh Hòa Bình Xanh");
  EXPECT_EQ(r.year, 2026);
  EXPECT_EQ(r.security_level, 3);
  EXPECT_EQ(r.seed, 20261121u);
  EXPECT_EQ(r.planned, Duration::Hours(2));
  EXPECT_EQ(r.ended - r.started, Duration::Hours(2));
  EXPECT_EQ(r.end_reason, "duration");
  EXPECT_TRUE(r.chain_ok);
  EXPECT_EQ(r.head_hash, input_->events.back().hash);
  EXPECT_EQ(r.event_count, static_cast<int64_t>(input_->events.size()));
  ASSERT_EQ(r.blue.size(), 2u);
  ASSERT_EQ(r.red.size(), 1u);
  EXPECT_EQ(r.red[0].team.name, "red1");
  EXPECT_TRUE(r.warnings.empty()) << r.warnings.front();
}

TEST_F(Report, TimeToDetectMatchesTheScenarioTiming) {
  // recon-web runs at 00:05; exploit-cgi 5 min after its success (00:10);
  // steal-creds 3 min later (00:13); lateral-docs 10 min later (00:23);
  // exfil-doc 5 min later (00:28); deface-portal 20 min after steal-creds (00:33).
  const TeamReport& b1 = Blue("blue1");
  ASSERT_EQ(b1.actions.size(), 6u);
  const ActionLine* exploit = Action(b1, "T1190");
  ASSERT_NE(exploit, nullptr);
  EXPECT_EQ(exploit->time, At(0, 10));
  // detect-cgi-abuse polls the CGI log every minute; the 00:10 poll runs
  // after the exploit and reports at once (observed_at = report time).
  ASSERT_TRUE(exploit->detected);
  EXPECT_EQ(exploit->reported, At(0, 10));
  EXPECT_EQ(exploit->ttd, Duration::Zero());
  EXPECT_EQ(exploit->ttr, Duration::Zero());
  EXPECT_DOUBLE_EQ(exploit->credit, 20.0);  // within ttd_full_credit (5m)
  // detect-lateral sees the telnet login at its 00:24 poll, reports 10 min
  // later through ctx.after: observed 00:34, TTR 11 min -> linear decay
  // 1 - 0.9 x (11-5)/(60-5).
  const ActionLine* lateral = Action(b1, "T1021");
  ASSERT_NE(lateral, nullptr);
  EXPECT_EQ(lateral->time, At(0, 23));
  ASSERT_TRUE(lateral->detected);
  EXPECT_EQ(lateral->ttr, Duration::Minutes(11));
  EXPECT_EQ(lateral->ttd, Duration::Minutes(11));
  EXPECT_NEAR(lateral->credit, 20.0 * (1 - 0.9 * 6.0 / 55.0), 1e-9);
  // restore-portal polls every 2 min (00:02, 00:04, ...): the 00:34 poll
  // finds the defaced page and reports at once.
  const ActionLine* deface = Action(b1, "T1491.002");
  ASSERT_NE(deface, nullptr);
  EXPECT_EQ(deface->time, At(0, 33));
  ASSERT_TRUE(deface->detected);
  EXPECT_EQ(deface->ttr, Duration::Minutes(1));

  // Means over the credited detections, as the scorer's metrics say.
  EXPECT_NEAR(*b1.metrics.mean_ttr_s, (0.0 + 660.0 + 60.0) / 3, 1e-9);
  // blue2's CGI sensor logs nothing: T1190 goes undetected there.
  const TeamReport& b2 = Blue("blue2");
  const ActionLine* exploit2 = Action(b2, "T1190");
  ASSERT_NE(exploit2, nullptr);
  EXPECT_FALSE(exploit2->detected);
}

TEST_F(Report, UndetectedTechniquesAreLessons) {
  auto undetected = [](const TeamReport& t) {
    std::vector<std::string> out;
    for (const auto& l : t.lessons) {
      if (l.kind == "undetected_technique") out.push_back(l.text.substr(0, l.text.find(' ')));
    }
    return out;
  };
  EXPECT_EQ(undetected(Blue("blue1")),
            (std::vector<std::string>{"T1041", "T1552.001", "T1595.002"}));
  EXPECT_EQ(undetected(Blue("blue2")),
            (std::vector<std::string>{"T1041", "T1190", "T1552.001", "T1595.002"}));
  // The slow lateral-movement detection and blue2's false report and SLA breach.
  bool slow = false;
  for (const auto& l : Blue("blue1").lessons) slow |= l.kind == "slow_detection";
  EXPECT_TRUE(slow);
  // blue2's scripted outages: dichvucong down 10 rounds, mail 4; both reach
  // the SLA threshold of 3 (the portal's outage depends on when the
  // scenario's restore-portal puts the page back, so it is not pinned here).
  std::set<std::string> sla;
  int false_reports = 0;
  for (const auto& l : Blue("blue2").lessons) {
    if (l.kind == "sla_breach") sla.insert(l.text.substr(0, l.text.find(' ')));
    false_reports += l.kind == "false_report";
  }
  EXPECT_TRUE(sla.count("dichvucong/http")) << ::testing::PrintToString(sla);
  EXPECT_TRUE(sla.count("mail/smtp")) << ::testing::PrintToString(sla);
  EXPECT_EQ(false_reports, 1);
}

TEST_F(Report, LedgerSumsToTheScoreboard) {
  auto scores = Replay(input_->config, input_->events);
  ASSERT_TRUE(scores.ok());
  scoring::Scoreboard board = scoring::MakeScoreboard(*scores, input_->config.params.weights);
  for (const auto* list : {&report_->blue, &report_->red}) {
    for (const auto& t : *list) {
      SCOPED_TRACE(t.team.name);
      const scoring::TeamScore& expected = scores->teams.at(t.team.name);
      std::array<double, scoring::kCategoryCount> sums{};
      for (const auto& e : t.ledger) sums[static_cast<int>(e.category)] += e.delta;
      double total = 0;
      for (scoring::Category c : scoring::kCategories) {
        int i = static_cast<int>(c);
        EXPECT_NEAR(sums[i], expected.category[i], 1e-9) << CategoryName(c);
        total += Weight(input_->config.params.weights, c) * sums[i];
      }
      EXPECT_NEAR(total, expected.total, 1e-9);
      EXPECT_DOUBLE_EQ(t.score.total, expected.total);
      // The last point of the chart is the final total too.
      ASSERT_FALSE(t.total_series.empty());
      EXPECT_DOUBLE_EQ(t.total_series.back().second, expected.total);
    }
  }
  EXPECT_EQ(report_->blue[0].team.name, board.blue[0].score.team);
  EXPECT_EQ(report_->blue[0].rank, 1);
}

TEST_F(Report, AvailabilityAndCompromisesPerTeam) {
  const TeamReport& b2 = Blue("blue2");
  const ServiceSeries* dvc = nullptr;
  for (const auto& s : b2.availability) {
    if (s.node == "dichvucong") dvc = &s;
  }
  ASSERT_NE(dvc, nullptr);
  EXPECT_EQ(dvc->rounds, 120);
  EXPECT_EQ(dvc->up_rounds, 110);
  EXPECT_EQ(dvc->longest_outage, Duration::Minutes(10));
  EXPECT_EQ(dvc->longest_outage_from, At(0, 40));
  EXPECT_EQ(dvc->sla_charges, 8);  // rounds 3..10 of the outage
  EXPECT_DOUBLE_EQ(dvc->sla_points, 40.0);
  // Both copies lose root-dvc, steal-doc and deface-portal.
  for (const std::string team : {"blue1", "blue2"}) {
    const TeamReport& t = Blue(team);
    ASSERT_EQ(t.compromises.size(), 3u) << team;
    EXPECT_EQ(t.compromises[0].objective, "root-dvc");
    EXPECT_EQ(t.compromises[0].severity, "critical");
    EXPECT_DOUBLE_EQ(t.compromises[0].deduction, 50.0 * 3 / 3 * 2);
    EXPECT_EQ(t.compromises[0].red_team, "red1");
    EXPECT_EQ(t.metrics.compromises_by_severity.at("critical"), 1);
  }
}

TEST_F(Report, JsonCarriesTheSameNumbers) {
  nlohmann::json j = ReportToJson(*report_);
  EXPECT_EQ(j["log"]["head_hash"], report_->head_hash);
  EXPECT_EQ(j["exercise"]["title"], report_->title);
  EXPECT_EQ(j["coverage"]["T1190"]["blue1"], "detected");
  EXPECT_EQ(j["coverage"]["T1190"]["blue2"], "missed");
  const auto& b1 = j["blue"][report_->blue[0].team.name == "blue1" ? 0 : 1];
  EXPECT_EQ(b1["team"], "blue1");
  bool found = false;
  for (const auto& a : b1["red_actions"]) {
    if (a["technique"] == "T1190") {
      found = true;
      EXPECT_EQ(a["ttd_s"], 0.0);
      EXPECT_EQ(a["report_seq"], report_->blue[0].team.name == "blue1"
                                     ? report_->blue[0].actions[1].report_seq
                                     : report_->blue[1].actions[1].report_seq);
    }
  }
  EXPECT_TRUE(found);
  // Deterministic: building twice gives the same document.
  auto again = BuildReport(*input_);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(ReportToJson(*again).dump(), j.dump());
  EXPECT_EQ(RenderReportHtml(*again), RenderReportHtml(*report_));
}

TEST_F(Report, HtmlIsSelfContainedAndEscaped) {
  std::string html = RenderReportHtml(*report_);
  EXPECT_NE(html.find("<meta charset=\"utf-8\">"), std::string::npos);
  EXPECT_NE(html.find("<html lang=\"vi\">"), std::string::npos);
  EXPECT_EQ(html.find("http://"), std::string::npos);
  EXPECT_EQ(html.find("https://"), std::string::npos);
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_EQ(html.find("<link"), std::string::npos);
  EXPECT_EQ(html.find("@import"), std::string::npos);
  EXPECT_EQ(html.find("url("), std::string::npos);
  // blue2's false report: its markup is shown, not run.
  EXPECT_NE(html.find("&lt;script&gt;alert(&#39;xss&#39;)&lt;/script&gt; lệnh lạ trên máy chủ thư"),
            std::string::npos);
  EXPECT_NE(html.find("Đội ứng cứu sự cố tỉnh Hòa Bình Xanh"), std::string::npos);
  EXPECT_NE(html.find(report_->head_hash), std::string::npos);
  // One chart per service per blue team, one timeline per blue team, the score chart.
  size_t svgs = 0;
  for (size_t at = 0; (at = html.find("<svg", at)) != std::string::npos; ++at) ++svgs;
  EXPECT_EQ(svgs, 2u * 3 + 2 + 1);
}

TEST(ReportHtml, EscapesEveryMarkupCharacter) {
  EXPECT_EQ(HtmlEscape("<a href=\"x\">'&'</a>"),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
  EXPECT_EQ(HtmlEscape("Hòa Bình"), "Hòa Bình");
}

TEST(ReportBuild, OutOfOrderLogIsAnError) {
  ReportInput in;
  Event a;
  a.seq = 2;
  a.kind = "exercise.started";
  Event b = a;
  b.seq = 1;
  in.events = {a, b};
  auto r = BuildReport(in);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kDataLoss);
}

}  // namespace
}  // namespace livefire::report
