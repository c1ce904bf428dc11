// ReplayLog: the one fold readers (CLI, report, GUI in --replay mode) score a
// recorded exercise with.
#include "livefire/scoring/replay.h"

#include <gtest/gtest.h>

#include <map>

#include "livefire/store/event_store.h"
#include "livefire/testing/temp_dir.h"
#include "report_fixture.h"

namespace livefire::scoring {
namespace {

std::vector<Event> PortalLog(const std::string& state_dir) {
  ExerciseId id("lf-replay-portal");
  EXPECT_TRUE(testing_report::RecordPortalExercise(state_dir, id).ok());
  auto st = store::EventStore::OpenExercise(state_dir, id, {.read_only = true});
  EXPECT_TRUE(st.ok());
  if (!st.ok()) return {};
  auto events = (*st)->Read({});
  EXPECT_TRUE(events.ok());
  return events.ok() ? *events : std::vector<Event>{};
}

TEST(ReplayLog, RecomputesTheRecordedScoresWithTheRecordedConfig) {
  testsupport::TempDir dir;
  std::vector<Event> events = PortalLog(dir.path().string());
  ASSERT_FALSE(events.empty());
  auto r = ReplayLog(events);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_TRUE(r->config_recorded);
  EXPECT_EQ(r->events, static_cast<int64_t>(events.size()));
  EXPECT_GT(r->checker.recorded_changes(), 0);
  EXPECT_EQ(r->checker.recorded_changes(), r->checker.recomputed_changes());
  EXPECT_EQ(r->first_difference(), "");
  // The same ledger and scoreboard as a plain fold with that config.
  std::vector<LedgerEntry> ledger;
  auto scores = Replay(r->config, events, &ledger);
  ASSERT_TRUE(scores.ok());
  EXPECT_EQ(r->scorer().scores(), *scores);
  ASSERT_EQ(r->ledger.size(), ledger.size());
  ASSERT_FALSE(ledger.empty());
  for (size_t i = 0; i < ledger.size(); ++i)
    EXPECT_EQ(ToJson(r->ledger[i]), ToJson(ledger[i])) << i;
  EXPECT_EQ(ToJson(r->board), ToJson(MakeScoreboard(r->scorer())));
  EXPECT_FALSE(r->board.blue.empty());
}

TEST(ReplayLog, OnAppliedSeesEachEventsEffectsAndAChosenConfigWins) {
  testsupport::TempDir dir;
  std::vector<Event> events = PortalLog(dir.path().string());
  ASSERT_FALSE(events.empty());
  ReplayOptions options;
  std::vector<LedgerEntry> entries;
  std::map<std::string, double> last_total;
  int64_t calls = 0, prev_seq = 0;
  bool in_order = true, score_changed_applied_nothing = true;
  options.on_applied = [&](const Event& e, const Applied& applied, bool ok) {
    ++calls;
    in_order = in_order && e.seq > prev_seq;
    prev_seq = e.seq;
    if (e.kind == kinds::kScoreChanged && (!applied.entries.empty() || !applied.changes.empty()))
      score_changed_applied_nothing = false;
    EXPECT_TRUE(ok) << e.seq;
    entries.insert(entries.end(), applied.entries.begin(), applied.entries.end());
    for (const auto& c : applied.changes) {
      EXPECT_EQ(c.cause_seq, e.seq);
      last_total[c.team] = c.total;
    }
  };
  auto r = ReplayLog(events, options);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(calls, static_cast<int64_t>(events.size()));
  EXPECT_TRUE(in_order);
  EXPECT_TRUE(score_changed_applied_nothing);
  ASSERT_EQ(entries.size(), r->ledger.size());
  for (size_t i = 0; i < entries.size(); ++i) EXPECT_EQ(ToJson(entries[i]), ToJson(r->ledger[i]));
  ASSERT_FALSE(last_total.empty());
  for (const auto& [team, total] : last_total) {
    ASSERT_NE(r->scorer().team(team), nullptr) << team;
    EXPECT_EQ(r->scorer().team(team)->total, total) << team;
  }

  // A config chosen by the caller replaces the recorded one.
  ScoringConfig chosen = r->config;
  chosen.params.weights.availability *= 2;
  auto c = ReplayLog(events, {.config = chosen});
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_FALSE(c->config_recorded);
  EXPECT_EQ(c->board.weights.availability, chosen.params.weights.availability);
}

TEST(ReplayLog, TamperedScoreIsTheFirstDifference) {
  testsupport::TempDir dir;
  std::vector<Event> events = PortalLog(dir.path().string());
  bool tampered = false;
  for (Event& e : events) {
    if (e.kind == kinds::kScoreChanged && !tampered) {
      e.payload["total"] = e.payload["total"].get<double>() + 1;
      tampered = true;
    }
  }
  ASSERT_TRUE(tampered);
  auto r = ReplayLog(events);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_NE(r->first_difference(), "");
}

TEST(ReplayLog, ConfiglessLogNeedsAFallbackAndOrderIsChecked) {
  Event created;
  created.seq = 1;
  created.kind = std::string(kinds::kExerciseCreated);
  auto none = ReplayLog({created});
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.status().code(), StatusCode::kNotFound);

  ScoringConfig fallback;
  fallback.blue_teams = {"blue1"};
  auto with = ReplayLog({created}, {.fallback_config = fallback});
  ASSERT_TRUE(with.ok()) << with.status().ToString();
  EXPECT_FALSE(with->config_recorded);
  EXPECT_EQ(with->config.blue_teams, fallback.blue_teams);

  Event again = created;  // the same seq twice
  auto bad = ReplayLog({created, again}, {.fallback_config = fallback});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), StatusCode::kDataLoss);
}

}  // namespace
}  // namespace livefire::scoring
