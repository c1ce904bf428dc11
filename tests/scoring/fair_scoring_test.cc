// Normalised categories (issue #13 item 1): the worked example of
// docs/scoring.md computed by hand, and the same exercise recorded at 1 h and
// 3 h keeping every category within its weight's share of the maximum.
#include <gtest/gtest.h>

#include "livefire/scoring/scorer.h"
#include "livefire/testing/event_log.h"

namespace livefire::scoring {
namespace {

using json = nlohmann::json;

using Log = testsupport::LogBuilder;

double Cat(const Scores& s, const std::string& team, Category c) {
  return s.teams.at(team).category[static_cast<int>(c)];
}

// docs/scoring.md "Worked example", event for event.
TEST(FairScoring, WorkedExampleOfTheDocs) {
  ScoringConfig c;  // default parameters and weights
  c.blue_teams = {"blue"};
  c.red_teams = {"red"};
  c.nodes["web"] = {3, 1.0, "medium"};
  c.nodes["db"] = {4, 1.5, "critical"};
  c.objectives["db-flag"] = {"db", 30};
  c.injects["sitrep"] = {20, Duration::Minutes(20)};
  Log log;
  log.Add(10, "blue", kinds::kInjectFired, {{"inject", "sitrep"}, {"side", "white"}});
  log.Check(60, "web", "http", true);   // 1 of 1
  log.Check(60, "db", "sql", false);    // 0 of 1 x 1.5 x 4/3 = 2
  log.Add(100, "blue", kinds::kRedAction,
          {{"node", "db"}, {"technique", "T1190"}, {"inject", "x"}, {"detail", ""}});
  log.Add(110, "blue", kinds::kObjectiveReached,
          {{"node", "db"}, {"objective", "db-flag"}, {"kind", "read_flag"}});
  int64_t sitrep = log.Add(130, "blue", kinds::kSubmissionReport,
                           {{"node", ""}, {"technique", ""}, {"observed_at", 0},
                            {"description", "situation"}})
                       .seq;
  log.Add(140, "blue", kinds::kGradeGiven,
          {{"target_seq", sitrep}, {"inject", "sitrep"}, {"rubric", 50}, {"points", 20},
           {"grader", "w"}, {"comment", ""}});
  log.Add(160, "blue", kinds::kSubmissionReport,
          {{"node", "db"}, {"technique", "T1190"}, {"observed_at", 100'000'000'000},
           {"description", "sqli"}});
  for (int i = 0; i < 4; ++i) {
    log.Add(161 + i, "red", kinds::kSubmissionFlag,
            {{"flag", "LF{no}"}, {"correct", false}, {"against", "blue"}});
  }
  log.Add(165, "", kinds::kExerciseEnded, {{"reason", "duration"}});
  std::vector<LedgerEntry> ledger;
  auto s = Replay(c, log.events(), &ledger);
  ASSERT_TRUE(s.ok()) << s.status().ToString();

  // Blue. Availability: 1 of 3 possible round points. Red impact: D = 30 x
  // 4/3 x 1.5 = 60 of a possible 60 x (1 + persist_cap 1) = 120, half of D
  // refunded by the detection 60 s after the action: 100 x (1 - 30/120) = 75.
  // Detection: 20 x f(60 s) = 20 of 20. Reports: 50 % of 20 = 10 of 20.
  EXPECT_NEAR(Cat(*s, "blue", Category::kAvailability), 100.0 / 3, 1e-12);
  EXPECT_DOUBLE_EQ(Cat(*s, "blue", Category::kRedImpact), 75.0);
  EXPECT_DOUBLE_EQ(Cat(*s, "blue", Category::kDetection), 100.0);
  EXPECT_DOUBLE_EQ(Cat(*s, "blue", Category::kReports), 50.0);
  EXPECT_DOUBLE_EQ(Cat(*s, "blue", Category::kPenalties), 100.0);
  // 0.30 x 33.33 + 0.25 x 75 + 0.25 x 100 + 0.15 x 50 + 0.05 x 100
  EXPECT_NEAR(s->teams.at("blue").total, 10 + 18.75 + 25 + 7.5 + 5, 1e-12);

  // Red: 60 of a possible 120 (one blue team); 4 wrong flags, 3 free: -1 of
  // the penalty budget of 100; nothing to grade: reports 100 %; availability
  // and detection do not apply to red.
  EXPECT_DOUBLE_EQ(Cat(*s, "red", Category::kRedImpact), 50.0);
  EXPECT_DOUBLE_EQ(Cat(*s, "red", Category::kPenalties), 99.0);
  EXPECT_DOUBLE_EQ(Cat(*s, "red", Category::kReports), 100.0);
  EXPECT_DOUBLE_EQ(Cat(*s, "red", Category::kAvailability), 0.0);
  EXPECT_NEAR(s->teams.at("red").total, 12.5 + 15 + 4.95, 1e-12);
  EXPECT_EQ(s->teams.at("blue").points[static_cast<int>(Category::kRedImpact)], -30.0);
  EXPECT_EQ(s->teams.at("blue").max[static_cast<int>(Category::kAvailability)], 3.0);

  // The ledger explains every point in these units: per team and category
  // the entries sum to the category score.
  for (const auto& [name, t] : s->teams) {
    std::array<double, kCategoryCount> sum{};
    for (const auto& e : ledger) {
      if (e.team == name) sum[static_cast<int>(e.category)] += e.delta;
    }
    for (Category k : kCategories) {
      EXPECT_NEAR(sum[static_cast<int>(k)], t.category[static_cast<int>(k)], 1e-9)
          << name << " " << CategoryName(k);
    }
  }
}

// One exercise pattern, `hours` long: two services checked every minute
// (the db down 10 minutes an hour), a compromise in the first hour with a
// detection, a task per hour graded 100 %.
std::vector<Event> Exercise(int hours) {
  Log log;
  for (int h = 0; h < hours; ++h) {
    int64_t base = h * 3600;
    log.Add(base + 1, "blue", kinds::kInjectFired, {{"inject", "sitrep"}, {"side", "white"}});
    for (int m = 1; m <= 60; ++m) {
      int64_t t = base + m * 60;
      log.Check(t, "web", "http", true);
      log.Check(t, "db", "sql", m < 20 || m >= 30);
      if (h == 0 && m == 5) {
        log.Add(t + 5, "blue", kinds::kRedAction,
                {{"node", "db"}, {"technique", "T1190"}, {"inject", "x"}, {"detail", ""}});
      }
      if (h == 0 && m == 6) {
        log.Add(t + 5, "blue", kinds::kObjectiveReached,
                {{"node", "db"}, {"objective", "db-flag"}, {"kind", "read_flag"}});
      }
      if (h == 0 && m == 15) {
        log.Add(t + 5, "blue", kinds::kSubmissionReport,
                {{"node", "db"}, {"technique", "T1190"},
                 {"observed_at", (base + 300) * 1'000'000'000}, {"description", "sqli"}});
      }
      if (m == 10) {
        int64_t seq = log.Add(t + 1, "blue", kinds::kSubmissionReport,
                              {{"node", ""}, {"technique", ""}, {"observed_at", 0},
                               {"description", "sitrep"}})
                          .seq;
        log.Add(t + 2, "blue", kinds::kGradeGiven,
                {{"target_seq", seq}, {"inject", "sitrep"}, {"rubric", 100}, {"points", 20},
                 {"grader", "w"}, {"comment", ""}});
      }
    }
  }
  log.Add(hours * 3600 + 1, "", kinds::kExerciseEnded, {{"reason", "duration"}});
  return log.events();
}

TEST(FairScoring, OneAndThreeHoursKeepCategoriesWithinTheirWeights) {
  ScoringConfig c;
  c.blue_teams = {"blue"};
  c.red_teams = {"red"};
  c.nodes["db"] = {4, 1.5, "critical"};
  c.objectives["db-flag"] = {"db", 30};
  c.injects["sitrep"] = {20, Duration::Minutes(20)};
  c.params.sla_cap = 1000;  // never reached: every hour is the same
  const auto& w = c.params.weights;
  std::map<int, Scores> by_hours;
  for (int hours : {1, 3}) {
    SCOPED_TRACE(hours);
    auto s = Replay(c, Exercise(hours));
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    const TeamScore& blue = s->teams.at("blue");
    // The maximum total is 100 x the sum of the weights; no category adds
    // more than its weight's share of it.
    for (Category k : kCategories) {
      double contribution = Weight(w, k) * blue.category[static_cast<int>(k)];
      EXPECT_LE(contribution, Weight(w, k) * 100 + 1e-9) << CategoryName(k);
      EXPECT_GE(contribution, 0) << CategoryName(k);
    }
    by_hours[hours] = *s;
  }
  // Availability is a share of rounds, not a count: tripling the exercise
  // does not triple (or even move) its points.
  double a1 = Cat(by_hours[1], "blue", Category::kAvailability);
  double a3 = Cat(by_hours[3], "blue", Category::kAvailability);
  EXPECT_NEAR(a1, a3, 1e-9);
  // The raw round points do triple; the old unnormalised score tracked them.
  int av = static_cast<int>(Category::kAvailability);
  EXPECT_NEAR(by_hours[3].teams.at("blue").points[av], 3 * by_hours[1].teams.at("blue").points[av],
              1e-9);
  // Tasks: every one graded 100 % at both lengths.
  EXPECT_DOUBLE_EQ(Cat(by_hours[1], "blue", Category::kReports), 100.0);
  EXPECT_DOUBLE_EQ(Cat(by_hours[3], "blue", Category::kReports), 100.0);
  // Availability's share of the maximum total stays within its weight.
  for (int hours : {1, 3}) {
    const TeamScore& blue = by_hours[hours].teams.at("blue");
    EXPECT_LE(w.availability * blue.category[av] / 100, w.availability);
    EXPECT_GT(blue.total, 0);
  }
  // Detection: the single action, reported 10 min after it, keeps the same
  // share at both lengths.
  double f = 100 * DecayFactor(c.params, Duration::Minutes(10));
  EXPECT_DOUBLE_EQ(Cat(by_hours[1], "blue", Category::kDetection), f);
  EXPECT_DOUBLE_EQ(Cat(by_hours[3], "blue", Category::kDetection), f);
}

ScoringConfig TwoTeams() {
  ScoringConfig c;
  c.blue_teams = {"blue", "blue2"};
  c.red_teams = {"red"};
  return c;
}

// A revert ends the compromise, costs revert_penalty, and the node's failed
// checks are excused from the revert until it is ready again.
TEST(FairScoring, RevertExcusesTheRebootAndEndsTheCompromise) {
  Log log;
  log.Add(0, "blue", kinds::kObjectiveReached,
          {{"node", "web"}, {"objective", "web-flag"}, {"kind", "read_flag"}});
  log.Check(60, "web", "http", true);
  log.Add(100, "blue", kinds::kRangeNodeReverted,
          {{"node", "web"}, {"by", "blue"}, {"reason", "cleanup"}});
  log.Check(120, "web", "http", false);  // rebooting: excused
  log.Check(180, "web", "http", false);  // still rebooting: excused
  log.Add(200, "blue", kinds::kRangeNodeReady, {{"node", "web"}, {"domain", "lf-web"}});
  log.Check(240, "web", "http", false);  // ready but down: counts
  // Another revert that never reports ready: excused for kRevertExcuseMax only.
  log.Add(300, "blue", kinds::kRangeNodeReverted,
          {{"node", "web"}, {"by", "white"}, {"reason", "broken"}});
  log.Check(360, "web", "http", false);  // excused (within 5 min)
  log.Check(660, "web", "http", false);  // 6 min after: counts
  log.Add(7200, "", kinds::kExerciseEnded, {{"reason", "duration"}});
  std::vector<LedgerEntry> ledger;
  auto s = Replay(TwoTeams(), log.events(), &ledger);
  ASSERT_TRUE(s.ok());
  const TeamScore& b = s->teams.at("blue");
  int av = static_cast<int>(Category::kAvailability);
  EXPECT_DOUBLE_EQ(b.max[av], 3.0);     // rounds at 60, 240 and 660 count
  EXPECT_DOUBLE_EQ(b.points[av], 1.0);  // only the first was up
  int excused = 0;
  for (const auto& e : ledger) excused += e.reason.find("reboots from a revert") != std::string::npos;
  EXPECT_EQ(excused, 3);
  // The compromise stopped at 100 s: D = 50 plus 100 s of 0.1 D per hour.
  int ri = static_cast<int>(Category::kRedImpact);
  double accrued = 50 * 0.1 * 60 / 3600;  // one accrual, at 60 s
  EXPECT_NEAR(b.points[ri], -50 - accrued, 1e-9);
  // The team's revert costs revert_penalty (10), the white cell's is free.
  EXPECT_DOUBLE_EQ(b.category[static_cast<int>(Category::kPenalties)], 90.0);
}

// Red's wrong flags are charged to red, not to the blue team they aimed at.
TEST(FairScoring, WrongFlagsAreChargedToTheRedTeam) {
  Log log;
  for (int i = 0; i < 5; ++i) {
    log.Add(10 + i, "red", kinds::kSubmissionFlag,
            {{"flag", "LF{no}"}, {"correct", false}, {"against", "blue2"}, {"by", "r1"}});
  }
  auto s = Replay(TwoTeams(), log.events());
  ASSERT_TRUE(s.ok());
  int pen = static_cast<int>(Category::kPenalties);
  EXPECT_DOUBLE_EQ(s->teams.at("red").points[pen], -2.0);  // 3 free, then 1 each
  EXPECT_DOUBLE_EQ(s->teams.at("blue2").points[pen], 0.0);
  EXPECT_DOUBLE_EQ(s->teams.at("blue2").category[pen], 100.0);
}

}  // namespace
}  // namespace livefire::scoring

namespace livefire::scoring {
namespace {

// response_due: on time full, late x late_factor, and no response by the due
// time is a visible 0 of the task's points in the maximum.
TEST(FairScoring, TaskResponsesOnTimeLateAndMissing) {
  ScoringConfig c;
  c.blue_teams = {"blue", "blue2"};
  c.red_teams = {"red"};
  c.injects["sitrep"] = {20, Duration::Minutes(20)};
  Log log;
  log.Add(0, "", kinds::kInjectFired, {{"inject", "sitrep"}, {"side", "white"}});  // both teams
  int64_t late = log.Add(1500, "blue", kinds::kSubmissionResponse,
                         {{"inject", "sitrep"}, {"text", "late"}, {"by", "b"}})
                     .seq;  // due 1200, close 3000
  log.Add(1600, "blue", kinds::kGradeGiven,
          {{"target_seq", late}, {"inject", "sitrep"}, {"rubric", 100}, {"points", 20},
           {"grader", "w"}, {"comment", ""}});
  std::vector<LedgerEntry> ledger;
  auto s = Replay(c, log.events(), &ledger);
  ASSERT_TRUE(s.ok());
  int rep = static_cast<int>(Category::kReports);
  // blue: missing at 20:00 (0 of 20), then graded late: 100 % x 20 x 0.5.
  EXPECT_DOUBLE_EQ(s->teams.at("blue").points[rep], 10.0);
  EXPECT_DOUBLE_EQ(s->teams.at("blue").max[rep], 20.0);
  EXPECT_DOUBLE_EQ(s->teams.at("blue").category[rep], 50.0);
  // blue2 never responded: 0 of 20.
  EXPECT_DOUBLE_EQ(s->teams.at("blue2").max[rep], 20.0);
  EXPECT_DOUBLE_EQ(s->teams.at("blue2").category[rep], 0.0);
  int missing = 0;
  for (const auto& e : ledger) {
    if (e.reason.starts_with("task sitrep: no response by its due time 00:20:00")) {
      ++missing;
      EXPECT_EQ(e.time, SimTime::FromNanos(1200'000'000'000));
    }
  }
  EXPECT_EQ(missing, 2);
}

}  // namespace
}  // namespace livefire::scoring
