// Issue #13 item 7: the after-action report's white-cell tasks, red flags and
// findings, reverts and penalties, and the weaknesses red found (what the
// annual statistics read), from a hand-written log whose every figure is
// worked out in the comments.
#include <gtest/gtest.h>

#include <regex>

#include "livefire/report/report.h"
#include "livefire/testing/event_log.h"

namespace livefire::report {
namespace {

using json = nlohmann::json;

scoring::ScoringConfig Config() {
  scoring::ScoringConfig c;  // default parameters: late_factor 0.5, grace 30m, revert 10
  c.blue_teams = {"blue", "blue2"};
  c.red_teams = {"red"};
  c.nodes["web"] = {3, 1.0, "critical"};
  c.objectives["web-flag"] = {"web", 30};
  c.injects["sitrep"] = {20, Duration::Minutes(20)};
  c.injects["press"] = {10, Duration::Minutes(10)};
  return c;
}

json Finding(const std::string& vuln, const std::string& against, const std::string& validation,
             const std::string& evidence = "id") {
  json p = {{"node", "web"},      {"vulnerability", vuln},    {"evidence", evidence},
            {"against", against}, {"validation", validation}, {"by", "r1"}};
  if (validation == "planted") {
    p["weakness"] = {{"node", "web"},
                     {"vulnerability", "cgi-cmd-injection"},
                     {"cwe", "CWE-78"},
                     {"severity", "critical"}};
  }
  return p;
}

class ReportSections : public ::testing::Test {
 protected:
  void SetUp() override {
    auto& l = log_;
    l.Add(10, "", kinds::kInjectFired, {{"inject", "sitrep"}, {"side", "white"}});  // both teams
    l.Add(20, "blue", kinds::kObjectiveReached,
          {{"node", "web"}, {"objective", "web-flag"}, {"kind", "read_flag"}});
    planted_ = l.Add(30, "red", kinds::kSubmissionFinding,
                     Finding("cwe-78", "blue", "planted", "<script>alert(1)</script>"))
                   .seq;
    l.Add(31, "red", kinds::kSubmissionFinding, Finding("CWE-78", "blue", "planted"));  // again
    accepted_ =
        l.Add(40, "red", kinds::kSubmissionFinding, Finding("cwe-200", "blue2", "unplanted")).seq;
    rejected_ =
        l.Add(41, "red", kinds::kSubmissionFinding, Finding("CWE-22", "blue", "unplanted")).seq;
    l.Add(50, "red", kinds::kFindingReviewed,
          {{"target_seq", accepted_},
           {"accepted", true},
           {"severity", "low"},
           {"reviewer", "white1"},
           {"comment", "banner leak"}});
    l.Add(51, "red", kinds::kFindingReviewed,
          {{"target_seq", rejected_},
           {"accepted", false},
           {"severity", ""},
           {"reviewer", "white1"},
           {"comment", "not reachable"}});
    for (int i = 0; i < 4; ++i) {  // the 4th wrong flag costs 1 (3 are free)
      l.Add(60 + i, "red", kinds::kSubmissionFlag,
            {{"flag", "LF{no}"}, {"correct", false}, {"against", "blue"}, {"by", "r1"}});
    }
    revert_ = l.Add(100, "blue", kinds::kRangeNodeReverted,
                    {{"node", "web"},
                     {"by", "blue"},
                     {"reason", "cleanup"},
                     {"client", "livefire-cli"},
                     {"account", "host"}})
                  .seq;
    // Back 45.42 s later: printed as people read it.
    l.Add(145, "blue", kinds::kRangeNodeReady, {{"node", "web"}, {"domain", "lf-web"}}).time +=
        Duration::Millis(416);
    blue_resp_ = l.Add(700, "blue", kinds::kSubmissionResponse,
                       {{"inject", "sitrep"}, {"text", "<b>all fine</b>"}, {"by", "b1"}})
                     .seq;  // due 00:20:10: on time
    blue2_resp_ = l.Add(1500, "blue2", kinds::kSubmissionResponse,
                        {{"inject", "sitrep"}, {"text", "late"}, {"by", "b2"}})
                      .seq;  // after due, before due + 30 min: late, x 0.5
    for (auto [team, seq] :
         {std::pair<std::string, int64_t>{"blue", blue_resp_}, {"blue2", blue2_resp_}}) {
      l.Add(1510, team, kinds::kGradeGiven,
            {{"target_seq", seq},
             {"inject", "sitrep"},
             {"rubric", 100},
             {"points", 20},
             {"grader", "white1"},
             {"comment", "ok"}});
    }
    l.Add(1600, "blue", kinds::kInjectFired, {{"inject", "press"}, {"side", "white"}});
    l.Add(1700, "blue", kinds::kPenalty, {{"kind", "roe"}, {"points", 3}, {"reason", "scanned"}});
    l.Add(2400, "", kinds::kExerciseEnded, {{"reason", "duration"}});  // press due 36:40: missing
    ReportInput in;
    in.exercise_id = "lf-test-sections";
    in.events = log_.events();
    in.config = Config();
    auto r = BuildReport(in);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    report_ = std::move(*r);
  }

  const TeamReport& Red() const { return report_.red.at(0); }

  testsupport::LogBuilder log_;
  ReportData report_;
  int64_t planted_ = 0, accepted_ = 0, rejected_ = 0, revert_ = 0, blue_resp_ = 0, blue2_resp_ = 0;
};

TEST_F(ReportSections, TasksShowEachTeamsResponseGradeAndLateness) {
  ASSERT_EQ(report_.tasks.size(), 3u);
  const TaskLine& blue = report_.tasks[0];
  EXPECT_EQ(blue.inject, "sitrep");
  EXPECT_EQ(blue.team, "blue");
  ASSERT_TRUE(blue.due.has_value());
  EXPECT_EQ(*blue.due, SimTime::FromNanos(1210'000'000'000));
  ASSERT_EQ(blue.responses.size(), 1u);
  EXPECT_EQ(blue.responses[0].seq, blue_resp_);
  EXPECT_EQ(blue.timing, "on time");
  EXPECT_EQ(blue.late_factor, 1.0);
  EXPECT_EQ(blue.rubric, 100);
  EXPECT_DOUBLE_EQ(blue.awarded, 20.0);
  const TaskLine& blue2 = report_.tasks[1];
  EXPECT_EQ(blue2.team, "blue2");
  EXPECT_EQ(blue2.timing, "late");
  EXPECT_EQ(blue2.late_factor, 0.5);
  EXPECT_EQ(blue2.graded_seq, blue2_resp_);
  EXPECT_DOUBLE_EQ(blue2.awarded, 10.0);  // 100 % of 20 x 0.5
  const TaskLine& press = report_.tasks[2];
  EXPECT_EQ(press.inject, "press");
  EXPECT_EQ(press.timing, "missing");
  EXPECT_EQ(press.late_factor, 0.0);
  EXPECT_EQ(press.grade_seq, 0);
}

TEST_F(ReportSections, FlagsAndFindingsWithTheirValidation) {
  ASSERT_EQ(report_.flags.size(), 4u);
  EXPECT_EQ(report_.flags[0].team, "red");
  EXPECT_EQ(report_.flags[0].against, "blue");
  EXPECT_EQ(report_.flags[2].penalty, 0.0);
  EXPECT_EQ(report_.flags[3].penalty, -1.0);
  ASSERT_EQ(report_.findings.size(), 4u);
  const FindingLine& p = report_.findings[0];
  EXPECT_EQ(p.seq, planted_);
  EXPECT_EQ(p.validation, "planted");
  EXPECT_EQ(p.weakness, "cgi-cmd-injection");
  EXPECT_EQ(p.cwe, "CWE-78");
  EXPECT_EQ(p.severity, "critical");
  EXPECT_EQ(p.review, "");
  const FindingLine& a = report_.findings[2];
  EXPECT_EQ(a.against, "blue2");
  EXPECT_EQ(a.review, "accepted");
  EXPECT_EQ(a.severity, "low");
  EXPECT_EQ(a.reviewer, "white1");
  const FindingLine& r = report_.findings[3];
  EXPECT_EQ(r.review, "rejected");
  EXPECT_EQ(r.comment, "not reachable");
}

TEST_F(ReportSections, RevertsAndPenalties) {
  ASSERT_EQ(report_.reverts.size(), 1u);
  const RevertLine& v = report_.reverts[0];
  EXPECT_EQ(v.seq, revert_);
  EXPECT_EQ(v.team, "blue");
  EXPECT_EQ(v.node, "web");
  EXPECT_EQ(v.by, "blue");
  EXPECT_EQ(v.account, "host");
  EXPECT_EQ(v.back, "ready");
  ASSERT_TRUE(v.duration.has_value());
  EXPECT_EQ(*v.duration, Duration::Millis(45'416));
  EXPECT_EQ(v.penalty, -10.0);
  EXPECT_EQ(v.ended, (std::vector<std::string>{"web-flag on web"}));
  EXPECT_EQ(v.ended_seqs, (std::vector<int64_t>{2}));
  ASSERT_EQ(report_.penalties.size(), 1u);
  EXPECT_EQ(report_.penalties[0].kind, "roe");
  EXPECT_EQ(report_.penalties[0].points, -3.0);
}

TEST_F(ReportSections, WeaknessesFoundAreCountedOnceWithTheirSeverity) {
  const auto& found = Red().metrics.weaknesses_found;
  ASSERT_EQ(found.size(), 2u) << "the repeated planted finding counts once, the rejected never";
  EXPECT_EQ(found[0].weakness, "cgi-cmd-injection");
  EXPECT_EQ(found[0].cwe, "CWE-78");
  EXPECT_EQ(found[0].severity, "critical");
  EXPECT_EQ(found[0].how, "planted");
  EXPECT_EQ(found[0].seq, planted_);
  EXPECT_EQ(found[1].weakness, "cwe-200");
  EXPECT_EQ(found[1].cwe, "CWE-200");
  EXPECT_EQ(found[1].severity, "low");
  EXPECT_EQ(found[1].how, "reviewed");
  EXPECT_EQ(found[1].seq, accepted_);
  EXPECT_EQ(Red().metrics.weaknesses_by_severity,
            (std::map<std::string, int64_t>{{"critical", 1}, {"low", 1}}));
  auto flat = scoring::FlatMetrics(Red().metrics);
  auto value = [&](std::string_view k) {
    for (const auto& [name, v] : flat) {
      if (name == k) return v;
    }
    return -1.0;
  };
  EXPECT_EQ(value("weaknesses_found"), 2);
  EXPECT_EQ(value("weaknesses_critical"), 1);
  EXPECT_EQ(value("weaknesses_high"), 0);
}

TEST_F(ReportSections, JsonCarriesEverySection) {
  json j = ReportToJson(report_);
  ASSERT_EQ(j["tasks"].size(), 3u);
  EXPECT_EQ(j["tasks"][1]["timing"], "late");
  EXPECT_EQ(j["tasks"][1]["late_factor"], 0.5);
  EXPECT_EQ(j["tasks"][1]["grade"]["awarded"], 10.0);
  EXPECT_EQ(j["tasks"][0]["responses"][0]["text"], "<b>all fine</b>");
  EXPECT_EQ(j["flags"].size(), 4u);
  EXPECT_EQ(j["findings"][3]["review"], "rejected");
  EXPECT_EQ(j["reverts"][0]["duration_s"], 45.416);
  EXPECT_EQ(j["reverts"][0]["ended"][0], "web-flag on web");
  EXPECT_EQ(j["penalties"][0]["points"], -3.0);
  const json& red = j["red"][0];
  ASSERT_EQ(red["weaknesses_found"].size(), 2u);
  const json& w = red["weaknesses_found"][0];
  EXPECT_EQ(w["node"], "web");
  EXPECT_EQ(w["weakness"], "cgi-cmd-injection");
  EXPECT_EQ(w["cwe"], "CWE-78");
  EXPECT_EQ(w["severity"], "critical");
  EXPECT_EQ(w["how"], "planted");
  EXPECT_EQ(w["seq"], planted_);
  EXPECT_EQ(red["weaknesses_by_severity"]["low"], 1);
  EXPECT_EQ(red["metrics"]["weaknesses_found"], 2);
}

TEST_F(ReportSections, HtmlShowsTheSectionsEscapedAndReadableDurations) {
  const std::string html = RenderReportHtml(report_);
  for (const char* heading : {"white-cell tasks", "red flags and findings", "reverts and penalties",
                              "weaknesses found"}) {
    EXPECT_NE(html.find(heading), std::string::npos) << heading;
  }
  // Texts from submissions stay escaped.
  EXPECT_NE(html.find("&lt;b&gt;all fine&lt;/b&gt;"), std::string::npos);
  EXPECT_NE(html.find("&lt;script&gt;alert(1)&lt;/script&gt;"), std::string::npos);
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_EQ(html.find("<b>all fine"), std::string::npos);
  // The revert's 45.416 s reads "45s"; no duration anywhere has fractional seconds.
  EXPECT_NE(html.find(">45s<"), std::string::npos);
  std::smatch m;
  EXPECT_FALSE(std::regex_search(html, m, std::regex(R"([0-9]m?[0-9]*\.[0-9]+s\b)"))) << m.str();
  EXPECT_NE(html.find("late"), std::string::npos);
  EXPECT_NE(html.find("missing"), std::string::npos);
  EXPECT_NE(html.find("account host"), std::string::npos);
}

}  // namespace
}  // namespace livefire::report
