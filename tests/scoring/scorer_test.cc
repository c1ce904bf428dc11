#include "livefire/scoring/scorer.h"

#include <gtest/gtest.h>

#include <fmt/format.h>

#include <cmath>

#include "livefire/scoring/scoreboard.h"

namespace livefire::scoring {
namespace {

using json = nlohmann::json;

SimTime At(int64_t seconds) { return SimTime::FromNanos(seconds * 1'000'000'000); }

// Builds a log: seqs 1, 2, 3... in the order events are added.
class Log {
 public:
  Event& Add(int64_t t_s, std::string team, std::string_view kind, json payload) {
    Event e;
    e.seq = static_cast<int64_t>(events_.size()) + 1;
    e.time = At(t_s);
    e.team = std::move(team);
    e.kind = std::string(kind);
    e.payload = std::move(payload);
    EXPECT_TRUE(ValidateEvent(e).ok()) << ValidateEvent(e).ToString();
    events_.push_back(std::move(e));
    return events_.back();
  }
  Event& Check(int64_t t, const std::string& team, const std::string& node, const std::string& svc,
               bool up, std::string detail = "") {
    return Add(t, team, kinds::kCheckResult,
               {{"service", svc}, {"node", node}, {"status", up ? "up" : "down"},
                {"latency_ms", 3}, {"detail", detail}});
  }
  Event& Action(int64_t t, const std::string& team, const std::string& node,
                const std::string& technique) {
    return Add(t, team, kinds::kRedAction,
               {{"node", node}, {"technique", technique}, {"inject", "x"}, {"detail", ""}});
  }
  Event& Report(int64_t t, const std::string& team, const std::string& node,
                const std::string& technique, int64_t observed_s) {
    return Add(t, team, kinds::kSubmissionReport,
               {{"node", node}, {"technique", technique},
                {"observed_at", observed_s * 1'000'000'000}, {"description", "seen"}});
  }
  Event& Reached(int64_t t, const std::string& team, const std::string& node,
                 const std::string& objective) {
    return Add(t, team, kinds::kObjectiveReached,
               {{"node", node}, {"objective", objective}, {"kind", "read_flag"}});
  }
  Event& Tick(int64_t t) {
    return Add(t, "", kinds::kClockCheckpoint, {{"speed", 1.0}, {"paused", false}});
  }
  const std::vector<Event>& events() const { return events_; }

 private:
  std::vector<Event> events_;
};

ScoringConfig BaseConfig() {
  ScoringConfig c;
  c.blue_teams = {"blue1", "blue2"};
  c.red_teams = {"red"};
  c.nodes["portal"] = {3, 1.0, "high"};
  c.nodes["db"] = {4, 1.5, "critical"};
  c.objectives["db-flag"] = {"db", 30};
  c.injects["sitrep"] = {20, Duration::Minutes(20)};
  return c;
}

// Applies every event, expecting each to be accepted; returns all entries.
std::vector<LedgerEntry> ApplyAll(Scorer& s, const Log& log) {
  std::vector<LedgerEntry> all;
  Applied a;
  for (const auto& e : log.events()) {
    Status st = s.Apply(e, &a);
    EXPECT_TRUE(st.ok()) << st.ToString();
    for (auto& x : a.entries) all.push_back(x);
  }
  return all;
}

// Raw category points (what the rules add up); Norm is the 0..100 score.
double Cat(const Scorer& s, const std::string& team, Category c) {
  return s.team(team)->points[static_cast<int>(c)];
}
double Norm(const Scorer& s, const std::string& team, Category c) {
  return s.team(team)->category[static_cast<int>(c)];
}

TEST(Scorer, AvailabilityRoundsRecoveryAndCappedSla) {
  ScoringConfig c = BaseConfig();
  c.nodes["web"] = {3, 2.0, "medium"};  // full round = 1 x value 2 = 2 points
  c.params.sla_threshold = 3;
  c.params.sla_penalty = 5;
  c.params.sla_cap = 8;
  Scorer s(c);
  Log log;
  log.Check(60, "blue1", "web", "http", true);    // +2
  log.Check(120, "blue1", "web", "http", true);   // +2
  log.Check(180, "blue1", "web", "http", false);  // 0 (streak 1)
  log.Check(240, "blue1", "web", "http", false);  // 0 (streak 2)
  log.Check(300, "blue1", "web", "http", false);  // streak 3 = threshold: -5
  log.Check(360, "blue1", "web", "http", false);  // -min(5, 8 - 5) = -3
  log.Check(420, "blue1", "web", "http", false);  // cap reached: nothing more
  log.Check(480, "blue1", "web", "http", true);   // recovering: +1
  log.Check(540, "blue1", "web", "http", true);   // +2
  log.Check(600, "blue1", "web", "http", false, "connection refused");  // 0; SLA paid stays
  auto entries = ApplyAll(s, log);
  // 2 + 2 + 0 + 0 - 5 - 3 + 0 + 1 + 2 + 0 = -1
  EXPECT_DOUBLE_EQ(Cat(s, "blue1", Category::kAvailability), -1.0);
  // -1 of a possible 20 clamps to 0 %; the other categories are untouched
  // (100 %: nothing lost, nothing missed).
  EXPECT_DOUBLE_EQ(Norm(s, "blue1", Category::kAvailability), 0.0);
  EXPECT_DOUBLE_EQ(s.team("blue1")->total, 25.0 + 25.0 + 15.0 + 5.0);
  int sla = 0;
  for (const auto& e : entries) {
    if (e.reason.starts_with("SLA breach")) {
      ++sla;
      ASSERT_EQ(e.causes.size(), 1u);
    }
  }
  EXPECT_EQ(sla, 2);
  EXPECT_EQ(entries.back().reason, "web/http down (failed round 1): connection refused; 0 of 2");
  TeamMetrics m = s.Metrics("blue1");
  EXPECT_EQ(m.check_rounds, 10);
  EXPECT_EQ(m.up_rounds, 4);
  EXPECT_DOUBLE_EQ(*m.availability_pct, 40.0);
  // Another team's copy is scored on its own.
  EXPECT_DOUBLE_EQ(Cat(s, "blue2", Category::kAvailability), 0.0);
}

TEST(Scorer, CompromiseDeductsCreditsRedAndAccruesUntilCap) {
  ScoringConfig c = BaseConfig();
  c.params.persist_rate = 6;  // per hour: 0.1 of D a minute, the cap after 2.5 min
  c.params.persist_cap = 0.25;
  Scorer s(c);
  Log log;
  log.Reached(100, "blue1", "db", "db-flag");  // D = 30 x 4/3 x 1.5 = 60
  log.Tick(170);   // accrual due at 160: 0.1 x 60 = 6
  log.Tick(400);   // due at 220: 6; at 280: min(6, 15 - 12) = 3; cap 0.25 x 60 = 15 reached
  log.Tick(4000);  // nothing more
  auto entries = ApplyAll(s, log);
  EXPECT_DOUBLE_EQ(Cat(s, "blue1", Category::kRedImpact), -60.0 - 6 - 6 - 3);
  EXPECT_DOUBLE_EQ(Cat(s, "red", Category::kRedImpact), 75.0);
  // 12 opening entries: 5 per blue team, red's reports and penalties.
  EXPECT_EQ(entries[12].reason, "compromise of db (objective db-flag): 30 x level 4/3 x value 1.5 = 60");
  // Accruals cite the compromise first, then the event that moved time on.
  EXPECT_EQ(entries[14].causes, (std::vector<int64_t>{1, 2}));
  EXPECT_EQ(s.Metrics("blue1").compromises_by_severity.at("critical"), 1);
}

TEST(Scorer, RevertEndsCompromiseAndCostsPenalty) {
  ScoringConfig c = BaseConfig();
  Scorer s(c);
  Log log;
  log.Reached(0, "blue1", "portal", "web-flag");  // unknown objective: 50 x 3/3 x 1 = 50
  log.Add(130, "blue1", kinds::kRangeNodeReverted,
          {{"node", "portal"}, {"by", "blue1"}, {"reason", "cleanup"}});  // accruals at 60, 120
  log.Tick(1000);
  log.Add(1100, "blue1", kinds::kRangeNodeReverted,
          {{"node", "portal"}, {"by", "white"}, {"reason", "broken"}});
  ApplyAll(s, log);
  // Accruals at 60 s and 120 s: 0.1 of D per hour.
  EXPECT_NEAR(Cat(s, "blue1", Category::kRedImpact), -50.0 - 50 * 0.1 * 2 / 60, 1e-9);
  EXPECT_DOUBLE_EQ(Cat(s, "blue1", Category::kPenalties), -10.0);  // white's revert is free
  EXPECT_DOUBLE_EQ(Norm(s, "blue1", Category::kPenalties), 90.0);
  EXPECT_EQ(s.Metrics("blue1").reverts, 2);
}

// The event as `livefire revert` (or the engine for it) records it: the
// scenario's revert_penalty applies and the compromise stops accruing.
TEST(Scorer, RevertRecordedByTheCliEndsCompromiseAtTheScenarioPenalty) {
  ScoringConfig c = BaseConfig();
  c.params.revert_penalty = 25;
  Scorer s(c);
  Log log;
  log.Reached(0, "blue1", "portal", "web-flag");  // 50, accruing 5 an hour
  log.Add(30, "blue1", kinds::kRangeNodeReverted,
          {{"node", "portal"}, {"by", "blue1"}, {"reason", "defaced"}, {"client", "livefire-cli"}});
  log.Tick(3600);  // an hour on: no accrual after the revert
  ApplyAll(s, log);
  EXPECT_DOUBLE_EQ(Cat(s, "blue1", Category::kRedImpact), -50.0);
  EXPECT_DOUBLE_EQ(Cat(s, "blue1", Category::kPenalties), -25.0);
  EXPECT_EQ(s.Metrics("blue1").reverts, 1);
}

TEST(Scorer, ReachingAgainWhileOpenDoesNotDoubleCount) {
  Scorer s(BaseConfig());
  Log log;
  log.Reached(0, "blue1", "portal", "web-flag");
  log.Reached(10, "blue1", "portal", "web-flag");
  ApplyAll(s, log);
  EXPECT_DOUBLE_EQ(Cat(s, "blue1", Category::kRedImpact), -50.0);
}

TEST(Scorer, DetectionDecaysLinearlyAndCreditsEachActionOnce) {
  ScoringConfig c = BaseConfig();
  Scorer s(c);
  Log log;
  log.Action(1000, "blue1", "portal", "T1059.004");
  log.Report(1300, "blue1", "portal", "T1059", 1100);  // parent technique, 5 min: full 20
  log.Report(1400, "blue1", "portal", "T1059.004", 1100);  // same action again: duplicate, 0
  log.Action(2000, "blue1", "portal", "T1190");
  // 30 min after: x = (1800 - 300) / (3600 - 300) = 0.4545..., f = 1 - 0.9 x
  log.Report(3800, "blue1", "portal", "t1190", 2000);
  log.Report(3900, "blue1", "db", "T1190", 2000);        // wrong node: false report, -2
  log.Action(5000, "blue1", "portal", "T1021");
  log.Report(5100, "blue1", "portal", "T1021", 4000);    // observed before action - slack: false
  ApplyAll(s, log);
  double f = 1.0 - 0.9 * (1500.0 / 3300.0);
  EXPECT_DOUBLE_EQ(Cat(s, "blue1", Category::kDetection), 20.0 + 0 + 20.0 * f - 2 - 2);
  TeamMetrics m = s.Metrics("blue1");
  EXPECT_EQ(m.reports_accepted, 2);
  EXPECT_EQ(m.reports_duplicate, 1);
  EXPECT_EQ(m.reports_false, 2);
  EXPECT_EQ(m.techniques_executed, (std::vector<std::string>{"T1021", "T1059.004", "T1190"}));
  EXPECT_EQ(m.techniques_detected, (std::vector<std::string>{"T1059.004", "T1190"}));
  // ttd = observed - action: 100 s and 0 s; ttr = 300 s and 1800 s.
  EXPECT_DOUBLE_EQ(*m.mean_ttd_s, 50.0);
  EXPECT_DOUBLE_EQ(*m.median_ttr_s, 1050.0);
  EXPECT_DOUBLE_EQ(*m.mean_ttr_s, 1050.0);
}

TEST(Scorer, DecayShapes) {
  model::ScoringParams p;  // full 5m, zero 60m, floor 0.1
  EXPECT_DOUBLE_EQ(DecayFactor(p, Duration::Minutes(5)), 1.0);
  EXPECT_DOUBLE_EQ(DecayFactor(p, Duration::Minutes(60)), 0.1);
  EXPECT_DOUBLE_EQ(DecayFactor(p, Duration::Hours(3)), 0.1);
  // Half way (32.5 min): linear 1 - 0.9 x 0.5 = 0.55; quadratic 1 - 0.9 x 0.25 = 0.775.
  Duration half = Duration::Seconds(1950);
  EXPECT_DOUBLE_EQ(DecayFactor(p, half), 0.55);
  p.ttd_decay = model::DecayShape::kQuadratic;
  EXPECT_DOUBLE_EQ(DecayFactor(p, half), 0.775);
}

TEST(Scorer, TimelyDetectionRefundsPartOfTheDeduction) {
  ScoringConfig c = BaseConfig();
  c.params.persist_rate = 0;  // keep the arithmetic to the refund
  Scorer s(c);
  Log log;
  log.Action(1000, "blue1", "portal", "T1190");
  log.Reached(1100, "blue1", "portal", "web-flag");       // -50
  log.Report(1300, "blue1", "portal", "T1190", 1050);      // +20 detection, +0.5 x 50 refund
  log.Reached(1400, "blue2", "portal", "web-flag");       // blue2: -50, no report
  log.Action(2000, "blue2", "portal", "T1190");
  log.Report(2000 + 3700, "blue2", "portal", "T1190", 2000);  // 61m40s: floor credit, not timely
  auto entries = ApplyAll(s, log);
  EXPECT_DOUBLE_EQ(Cat(s, "blue1", Category::kRedImpact), -50.0 + 25.0);
  EXPECT_DOUBLE_EQ(Cat(s, "blue1", Category::kDetection), 20.0);
  EXPECT_DOUBLE_EQ(Cat(s, "blue2", Category::kRedImpact), -50.0);
  EXPECT_DOUBLE_EQ(Cat(s, "blue2", Category::kDetection), 20.0 * 0.1);
  // Red keeps its credit for both compromises.
  EXPECT_DOUBLE_EQ(Cat(s, "red", Category::kRedImpact), 100.0);
  // The refund cites the report, the red action and the compromise.
  bool found = false;
  for (const auto& e : entries) {
    if (e.reason.starts_with("timely detection")) {
      EXPECT_EQ(e.causes, (std::vector<int64_t>{3, 1, 2}));
      found = true;
    }
  }
  EXPECT_TRUE(found);
}

TEST(Scorer, DetectionBeforeCompromiseStillRefundsIt) {
  ScoringConfig c = BaseConfig();
  c.params.persist_rate = 0;
  Scorer s(c);
  Log log;
  log.Action(1000, "blue1", "portal", "T1190");
  log.Report(1100, "blue1", "portal", "T1190", 1000);
  log.Reached(1500, "blue1", "portal", "web-flag");
  ApplyAll(s, log);
  EXPECT_DOUBLE_EQ(Cat(s, "blue1", Category::kRedImpact), -50.0 + 25.0);
}

TEST(Scorer, SituationReportWithoutTechniqueIsNotAFalseDetection) {
  Scorer s(BaseConfig());
  Log log;
  log.Report(100, "blue1", "", "", 100);
  ApplyAll(s, log);
  EXPECT_DOUBLE_EQ(Cat(s, "blue1", Category::kDetection), 0.0);
  EXPECT_EQ(s.Metrics("blue1").reports_false, 0);
}

TEST(Scorer, GradesWithDueAndCloseTimesAndRegrades) {
  Scorer s(BaseConfig());  // sitrep: 20 points, due 20 min after firing; grace 30 min
  Log log;
  log.Add(600, "blue1", kinds::kInjectFired, {{"inject", "sitrep"}, {"side", "white"}});
  int64_t a = log.Report(1500, "blue1", "", "", 1500).seq;  // before due (1800)
  int64_t b = log.Report(2000, "blue1", "", "", 2000).seq;  // late (due 1800, close 3600)
  int64_t c = log.Report(4000, "blue1", "", "", 4000).seq;  // after close: refused
  auto grade = [&](int64_t t, int64_t target, json rubric) {
    log.Add(t, "blue1", kinds::kGradeGiven,
            {{"target_seq", target}, {"inject", "sitrep"}, {"rubric", rubric}, {"points", 5},
             {"grader", "white1"}, {"comment", ""}});
  };
  // One grade per team and task: each replaces the one before.
  grade(4100, a, 100);    // 100 % x 20 = 20
  grade(4110, b, "50%");  // 50 % x 20 x late 0.5 = 5: -15
  grade(4120, c, "100");  // refused: 0: -5
  grade(4130, a, 50);     // regrade: 10 - 0 = +10
  auto entries = ApplyAll(s, log);
  EXPECT_DOUBLE_EQ(Cat(s, "blue1", Category::kReports), 10.0);
  EXPECT_DOUBLE_EQ(Norm(s, "blue1", Category::kReports), 50.0);  // 10 of the task's 20
  EXPECT_EQ(entries.back().points, 10.0);
  EXPECT_EQ(entries.back().delta, 50.0);
  EXPECT_EQ(entries.back().causes, (std::vector<int64_t>{log.events().back().seq, a}));
  EXPECT_NE(entries.back().reason.find("on time (due 00:30:00): 10 of 20"), std::string::npos)
      << entries.back().reason;
  EXPECT_NE(entries[entries.size() - 2].reason.find("refused"), std::string::npos);
}

TEST(Scorer, GradeWithoutInjectUsesItsOwnPoints) {
  Scorer s(BaseConfig());
  Log log;
  log.Add(10, "red", kinds::kSubmissionFinding,
          {{"node", "portal"}, {"vulnerability", "cgi"}, {"evidence", "id output"}});
  log.Add(20, "red", kinds::kGradeGiven,
          {{"target_seq", 1}, {"rubric", 50}, {"points", 12}, {"grader", "w"}, {"comment", ""}});
  ApplyAll(s, log);
  EXPECT_DOUBLE_EQ(Cat(s, "red", Category::kReports), 6.0);
}

TEST(Scorer, PenaltiesAndWrongFlags) {
  Scorer s(BaseConfig());
  Log log;
  for (int i = 0; i < 5; ++i) {
    log.Add(10 + i, "red", kinds::kSubmissionFlag, {{"flag", "LF{nope}"}, {"correct", false}});
  }
  log.Add(20, "red", kinds::kSubmissionFlag, {{"flag", "LF{yes}"}, {"correct", true}});
  log.Add(30, "red", kinds::kPenalty, {{"kind", "roe"}, {"points", 7}, {"reason", "scanned host"}});
  ApplyAll(s, log);
  // 5 wrong, 3 free: -1 -1; roe -7.
  EXPECT_DOUBLE_EQ(Cat(s, "red", Category::kPenalties), -9.0);
  // Red: penalties 91 %, reports 100 % (nothing to grade), no impact yet;
  // availability and detection do not apply to red.
  EXPECT_DOUBLE_EQ(Norm(s, "red", Category::kPenalties), 91.0);
  EXPECT_DOUBLE_EQ(s.team("red")->total, 0.05 * 91 + 0.15 * 100);
  EXPECT_EQ(s.Metrics("red").wrong_flags, 5);
}

// Contract #13: a flag event names the submitting (red) team and the blue team it was `against`;
// a wrong flag costs the red submitter, never the blue team it was aimed at.
TEST(Scorer, WrongFlagsChargedToTheSubmittingRedTeam) {
  Scorer s(BaseConfig());
  Log log;
  for (int i = 0; i < 4; ++i) {
    log.Add(10 + i, "red", kinds::kSubmissionFlag,
            {{"flag", "LF{nope}"}, {"correct", false}, {"against", "blue1"}, {"by", "r1"}});
  }
  ApplyAll(s, log);
  EXPECT_DOUBLE_EQ(Cat(s, "red", Category::kPenalties), -1.0);  // 3 free, the 4th costs 1
  EXPECT_EQ(s.Metrics("red").wrong_flags, 4);
  EXPECT_EQ(s.Metrics("blue1").wrong_flags, 0);
  ASSERT_NE(s.team("blue1"), nullptr);
  EXPECT_DOUBLE_EQ(Cat(s, "blue1", Category::kPenalties), 0.0);
}

TEST(Scorer, WeightedTotalsAndScoreChanges) {
  ScoringConfig c = BaseConfig();
  c.params.weights = {0.5, 0.2, 0.2, 0.1, 0.0};
  Scorer s(c);
  Log log;
  log.Check(60, "blue1", "portal", "http", true);   // availability 1 of 1
  log.Check(61, "blue1", "portal", "http", false);  // 1 of 2: 50 %
  log.Reached(62, "blue1", "portal", "web-flag");   // -50 blue, +50 red
  Applied a;
  // The first event opens every team at what it has not missed yet.
  ASSERT_TRUE(s.Apply(log.events()[0], &a).ok());
  ASSERT_EQ(a.changes.size(), 3u);
  EXPECT_EQ(a.changes[0].team, "blue1");
  EXPECT_DOUBLE_EQ(a.changes[0].total, 100.0);
  EXPECT_EQ(a.changes[2].team, "red");
  EXPECT_DOUBLE_EQ(a.changes[2].total, 0.1 * 100);  // reports 100 %, nothing achieved yet
  ASSERT_TRUE(s.Apply(log.events()[1], &a).ok());
  ASSERT_EQ(a.changes.size(), 1u);
  EXPECT_EQ(a.changes[0], (ScoreChange{"blue1", 75.0, -25.0,
                                       "portal/http down (failed round 1): no detail; 0 of 1",
                                       2}));
  ASSERT_TRUE(s.Apply(log.events()[2], &a).ok());
  ASSERT_EQ(a.changes.size(), 2u);
  // web-flag is not in the config: its most (D = 50, persisting to 2 D) joins
  // the maximum. blue1 could lose 2 x 60 (db-flag) + 100; red gain that
  // against both blue teams' db-flag plus this one.
  EXPECT_EQ(a.changes[0].team, "blue1");
  EXPECT_DOUBLE_EQ(a.changes[0].total, 0.5 * 50 + 0.2 * (100 * (1 - 50.0 / 220)) + 0.2 * 100 +
                                           0.1 * 100);
  EXPECT_EQ(a.changes[1].team, "red");
  EXPECT_DOUBLE_EQ(a.changes[1].total, 0.2 * (100 * 50.0 / 340) + 0.1 * 100);
  Event ev = ToEvent(a.changes[1], At(62));
  EXPECT_TRUE(ValidateEvent(ev).ok());
  EXPECT_EQ(ev.payload["cause_seq"], 3);
}

TEST(Scorer, RejectsOutOfOrderAndReportsMalformedPayloads) {
  Scorer s(BaseConfig());
  Event e;
  e.seq = 5;
  e.team = "blue1";
  e.kind = std::string(kinds::kCheckResult);
  e.payload = {{"node", "portal"}, {"status", "sideways"}, {"service", "http"}};
  Status st = s.Apply(e);
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(st.message(), "event 5 (check.result): status must be \"up\" or \"down\"");
  e.payload.erase("node");
  e.seq = 6;
  EXPECT_EQ(s.Apply(e).message(), "event 6 (check.result): payload lacks field 'node'");
  e.seq = 6;
  EXPECT_EQ(s.Apply(e).code(), StatusCode::kFailedPrecondition);
  // Malformed events score nothing of their own; the teams are open (100 %).
  EXPECT_DOUBLE_EQ(s.team("blue1")->total, 100.0);
  e.seq = 7;
  e.payload = {{"node", "portal"}, {"status", "up"}, {"service", "http"}};
  EXPECT_TRUE(s.Apply(e).ok());
  EXPECT_DOUBLE_EQ(Cat(s, "blue1", Category::kAvailability), 1.0);
}

// A recorded exercise: every rule at least once, on two blue teams.
Log RecordedExercise() {
  Log log;
  int64_t sitrep = 0;
  log.Add(0, "", kinds::kExerciseStarted, {{"speed", 1.0}});
  for (int round = 1; round <= 30; ++round) {
    int64_t t = round * 60;
    log.Check(t, "blue1", "portal", "http", round % 7 != 0);
    log.Check(t + 1, "blue1", "db", "sql", round < 10 || round > 15);
    log.Check(t + 2, "blue2", "portal", "http", round % 3 != 0);
    log.Check(t + 3, "blue2", "db", "sql", true);
    if (round == 5) log.Action(t + 10, "blue1", "db", "T1190");
    if (round == 6) log.Reached(t + 10, "blue1", "db", "db-flag");
    if (round == 8) log.Report(t + 20, "blue1", "db", "T1190", 300);
    if (round == 9) log.Action(t + 10, "blue2", "portal", "T1059.004");
    if (round == 10) log.Reached(t + 10, "blue2", "portal", "web-flag");
    if (round == 12) log.Report(t + 20, "blue2", "portal", "T1059", 560);
    if (round == 13) log.Report(t + 20, "blue2", "db", "T1003", 700);
    if (round == 14) {
      log.Add(t + 5, "blue2", kinds::kRangeNodeReverted,
              {{"node", "portal"}, {"by", "blue2"}, {"reason", "restore"}});
    }
    if (round == 15) log.Add(t, "blue1", kinds::kInjectFired, {{"inject", "sitrep"}, {"side", "white"}});
    if (round == 20) sitrep = log.Report(t, "blue1", "", "", t).seq;
    if (round == 22) {
      log.Add(t + 30, "blue1", kinds::kGradeGiven,
              {{"target_seq", sitrep}, {"inject", "sitrep"}, {"rubric", 100},
               {"points", 20}, {"grader", "w"}, {"comment", ""}});
    }
    if (round == 25) {
      for (int i = 0; i < 4; ++i) {
        log.Add(t + i, "red", kinds::kSubmissionFlag, {{"flag", "x"}, {"correct", false}});
      }
      log.Add(t + 9, "blue2", kinds::kPenalty, {{"kind", "roe"}, {"points", 3}, {"reason", "x"}});
    }
  }
  log.Add(1900, "", kinds::kExerciseEnded, {{"reason", "duration"}});
  return log;
}

TEST(Replay, EqualsLiveScoresAndMatchesRecordedChanges) {
  ScoringConfig c = BaseConfig();
  Log input = RecordedExercise();
  // Live: the runtime applies each event and appends a score.changed per change.
  Scorer live(c);
  std::vector<Event> recorded;
  std::vector<LedgerEntry> live_ledger;
  Applied a;
  std::map<int64_t, int64_t> renumbered;  // input seq -> seq in the recorded log
  for (Event e : input.events()) {
    renumbered[e.seq] = static_cast<int64_t>(recorded.size()) + 1;
    e.seq = renumbered[e.seq];
    if (e.payload.contains("target_seq")) e.payload["target_seq"] = renumbered[e.payload["target_seq"]];
    Status st = live.Apply(e, &a);
    ASSERT_TRUE(st.ok()) << st.ToString();
    recorded.push_back(e);
    for (auto& x : a.entries) live_ledger.push_back(x);
    for (const auto& ch : a.changes) {
      Event sc = ToEvent(ch, e.time);
      sc.seq = static_cast<int64_t>(recorded.size()) + 1;
      // Round-trip through the canonical JSON, as the store does.
      auto back = EventFromJson(CanonicalJson(sc));
      ASSERT_TRUE(back.ok());
      ASSERT_TRUE(live.Apply(*back).ok());
      recorded.push_back(*back);
    }
  }
  ASSERT_GT(live_ledger.size(), 100u);
  std::vector<LedgerEntry> replay_ledger;
  auto replayed = Replay(c, recorded, &replay_ledger);
  ASSERT_TRUE(replayed.ok());
  EXPECT_EQ(*replayed, live.scores());
  ASSERT_EQ(replay_ledger.size(), live_ledger.size());
  for (size_t i = 0; i < live_ledger.size(); ++i) {
    EXPECT_EQ(ToJson(replay_ledger[i]), ToJson(live_ledger[i])) << i;
  }
  Scorer again(c);
  for (const auto& e : recorded) ASSERT_TRUE(again.Apply(e).ok());
  for (const auto& t : live.teams()) EXPECT_EQ(again.Metrics(t), live.Metrics(t)) << t;

  ReplayChecker checker(c);
  for (const auto& e : recorded) ASSERT_TRUE(checker.Feed(e).ok());
  checker.Finish();
  EXPECT_EQ(checker.first_difference(), "");
  EXPECT_GT(checker.recorded_changes(), 50);
  EXPECT_EQ(checker.recorded_changes(), checker.recomputed_changes());
  EXPECT_EQ(checker.scorer().scores(), live.scores());

  // A tampered score is found, and named by its cause event.
  std::vector<Event> tampered = recorded;
  int64_t cause = 0;
  for (auto& e : tampered) {
    if (e.kind == kinds::kScoreChanged && e.payload["cause_seq"].get<int64_t>() >= 40) {
      cause = e.payload["cause_seq"];
      e.payload["total"] = e.payload["total"].get<double>() + 1;
      break;
    }
  }
  ReplayChecker bad(c);
  for (const auto& e : tampered) ASSERT_TRUE(bad.Feed(e).ok());
  bad.Finish();
  EXPECT_TRUE(bad.first_difference().starts_with(fmt::format("cause event {}:", cause)))
      << bad.first_difference();
  // A recorded change the scorer would not make is a difference too.
  std::vector<Event> extra = recorded;
  Event forged = ToEvent({"blue1", 99, 99, "forged", 1}, At(1901));
  forged.seq = static_cast<int64_t>(extra.size()) + 1;
  extra.push_back(forged);
  ReplayChecker bad2(c);
  for (const auto& e : extra) ASSERT_TRUE(bad2.Feed(e).ok());
  bad2.Finish();
  EXPECT_NE(bad2.first_difference().find("has no recomputed counterpart"), std::string::npos);
}

TEST(Replay, ConfigTravelsInTheLog) {
  ScoringConfig c = BaseConfig();
  c.params.sla_penalty = 7.5;
  c.params.ttd_decay = model::DecayShape::kQuadratic;
  c.params.late_grace = Duration::Minutes(45);
  Event created;
  created.seq = 1;
  created.kind = std::string(kinds::kExerciseCreated);
  created.payload = {{"scenario", "s"}, {"title", "t"}, {"organisation", "o"}, {"year", 2026},
                     {"security_level", 3}, {"seed", 1}, {"scoring", ConfigToJson(c)}};
  auto back = ConfigFromEvents({created});
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(ConfigToJson(*back), ConfigToJson(c));
  EXPECT_EQ(back->params.late_grace, Duration::Minutes(45));
  EXPECT_EQ(ConfigFromEvents({}).status().code(), StatusCode::kNotFound);
}

TEST(Config, ValidationNamesTheParameterAndPlace) {
  model::ScoringParams p;
  p.loc = {"scenarios/x/scenario.lua", 42};
  p.ttd_zero_credit = Duration::Minutes(1);
  Status st = ValidateParams(p);
  EXPECT_EQ(st.message(),
            "scenarios/x/scenario.lua:42: scoring.ttd_zero_credit must be later than "
            "ttd_full_credit");
  p = {};
  p.sla_penalty = -1;
  EXPECT_EQ(ValidateParams(p).message(), "scoring: scoring.sla_penalty must be >= 0 (is -1)");
  EXPECT_TRUE(ValidateParams(model::ScoringParams{}).ok());
  json bad = {{"params", {{"check_interval", 60}}}};
  EXPECT_EQ(ConfigFromJson(bad).status().message(),
            "scoring params: 'check_interval' is not a duration string");
}

TEST(Config, RulesShowEveryParameterAndDeduction) {
  ScoringConfig c = BaseConfig();
  std::string text = RenderRules(c);
  EXPECT_NE(text.find("Total = 0.3 x availability + 0.25 x red_impact"), std::string::npos);
  EXPECT_NE(text.find("from the 3. consecutive failed round on"), std::string::npos);
  EXPECT_NE(text.find("db-flag"), std::string::npos);
  json j = RulesJson(c);
  EXPECT_DOUBLE_EQ(j["objectives"]["db-flag"]["deduction"].get<double>(), 60.0);
  EXPECT_EQ(j["params"]["ttd_full_credit"], "5m");
}

TEST(Scoreboard, RanksByTotalThenTieBreakers) {
  Scores s;
  auto team = [&](std::string name, std::string role, double total, double detection) {
    TeamScore t;
    t.team = name;
    t.role = role;
    t.total = total;
    t.category[static_cast<int>(Category::kDetection)] = detection;
    s.teams[name] = t;
  };
  team("blue-c", "blue", 10, 1);
  team("blue-a", "blue", 10, 1);
  team("blue-b", "blue", 10, 2);
  team("blue-d", "blue", 12, 0);
  team("red", "red", 3, 0);
  Scoreboard b = MakeScoreboard(s, {});
  ASSERT_EQ(b.blue.size(), 4u);
  EXPECT_EQ(b.blue[0].score.team, "blue-d");
  EXPECT_EQ(b.blue[1].score.team, "blue-b");  // more detection
  EXPECT_EQ(b.blue[2].score.team, "blue-a");  // then name
  EXPECT_EQ(b.blue[3].score.team, "blue-c");
  EXPECT_EQ(b.blue[3].rank, 4);
  ASSERT_EQ(b.red.size(), 1u);
  json j = ToJson(b);
  EXPECT_EQ(j["blue"][0]["team"], "blue-d");
  EXPECT_EQ(j["blue"][1]["categories"]["detection"], 2.0);
  EXPECT_NE(RenderScoreboard(b).find("blue-d"), std::string::npos);
}

TEST(Scoreboard, ThrottlePublishesAtMostEvery250msAndKeepsPendingChanges) {
  using namespace std::chrono_literals;
  PublishThrottle t;
  auto t0 = PublishThrottle::Clock::time_point{} + 1h;
  EXPECT_FALSE(t.ShouldPublish(t0, false));
  EXPECT_TRUE(t.ShouldPublish(t0, true));
  EXPECT_FALSE(t.ShouldPublish(t0 + 100ms, true));  // too soon; kept pending
  EXPECT_TRUE(t.pending());
  EXPECT_FALSE(t.ShouldPublish(t0 + 249ms, false));
  EXPECT_TRUE(t.ShouldPublish(t0 + 250ms, false));  // the pending change goes out
  EXPECT_FALSE(t.ShouldPublish(t0 + 600ms, false));  // nothing new
  EXPECT_TRUE(t.ShouldPublish(t0 + 601ms, true));
}

TEST(Metrics, FlatPairsForTheStore) {
  TeamMetrics m;
  m.team = "blue1";
  m.availability_pct = 97.5;
  m.compromises_by_severity["high"] = 2;
  m.techniques_executed = {"T1", "T2"};
  m.techniques_detected = {"T1"};
  auto flat = FlatMetrics(m);
  std::map<std::string, double> got(flat.begin(), flat.end());
  EXPECT_EQ(got.count("mean_ttd_s"), 0u);
  EXPECT_DOUBLE_EQ(got["availability_pct"], 97.5);
  EXPECT_DOUBLE_EQ(got["compromises_high"], 2);
  EXPECT_DOUBLE_EQ(got["compromises_low"], 0);
  EXPECT_DOUBLE_EQ(got["techniques_detected"], 1);
  EXPECT_TRUE(ToJson(m)["mean_ttd_s"].is_null());
}

}  // namespace
}  // namespace livefire::scoring
