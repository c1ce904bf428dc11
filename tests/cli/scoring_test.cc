#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "livefire/scoring/scorer.h"
#include "livefire/store/event_store.h"
#include "livefire/testing/cli_runner.h"
#include "livefire/testing/temp_dir.h"

namespace livefire::cli {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

using testsupport::Outcome;

class ScoringCommands : public ::testing::Test {
 protected:
  void SetUp() override {
    config_.blue_teams = {"blue1", "blue2"};
    config_.red_teams = {"red"};
    config_.nodes["portal"] = {3, 2.0, "high"};
  }

  Outcome Run(std::vector<std::string> args) { return testsupport::RunInState(dir_, args); }

  // Writes an exercise the way the runtime does: each event is scored live
  // and every score change is appended as a score.changed event.
  void Record(bool forge_one = false) {
    auto opened = store::EventStore::OpenExercise(dir_, id_);
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    auto& st = **opened;
    scoring::Scorer scorer(config_);
    scoring::Applied applied;
    auto append = [&](int64_t t_s, std::string team, std::string_view kind, json payload) {
      Event e;
      e.time = SimTime::FromNanos(t_s * 1'000'000'000);
      e.team = std::move(team);
      e.kind = std::string(kind);
      e.payload = std::move(payload);
      auto stored = st.Append(e);
      ASSERT_TRUE(stored.ok()) << stored.status().ToString();
      ASSERT_TRUE(scorer.Apply(*stored, &applied).ok());
      auto changes = applied.changes;
      for (auto& c : changes) {
        if (forge_one && c.team == "blue2") {
          c.total += 0.5;
          forge_one = false;
        }
        auto sc = st.Append(scoring::ToEvent(c, stored->time));
        ASSERT_TRUE(sc.ok());
        ASSERT_TRUE(scorer.Apply(*sc).ok());
      }
    };
    append(0, "", kinds::kExerciseCreated,
           {{"scenario", "tinh"},
            {"title", "Diễn tập"},
            {"organisation", "Sở TT&TT"},
            {"year", 2026},
            {"security_level", 3},
            {"seed", 1},
            {"scoring", scoring::ConfigToJson(config_)}});
    for (int r = 1; r <= 5; ++r) {
      append(r * 60, "blue1", kinds::kCheckResult,
             {{"service", "http"},
              {"node", "portal"},
              {"status", "up"},
              {"latency_ms", 2},
              {"detail", "HTTP 200"}});
      append(r * 60 + 1, "blue2", kinds::kCheckResult,
             {{"service", "http"},
              {"node", "portal"},
              {"status", r == 3 ? "down" : "up"},
              {"latency_ms", 2},
              {"detail", "connect: Connection refused"}});
    }
    append(400, "blue1", kinds::kRedAction,
           {{"node", "portal"}, {"technique", "T1190"}, {"inject", "exploit"}, {"detail", ""}});
    append(460, "blue1", kinds::kSubmissionReport,
           {{"node", "portal"},
            {"technique", "T1190"},
            {"observed_at", int64_t{420'000'000'000}},
            {"description", "SQLi in portal logs"}});
    ASSERT_TRUE(st.Flush().ok());
    final_ = scorer.scores();
  }

  testsupport::TempDir tmp_{"lf-scoring"};
  std::string dir_ = tmp_.str();
  ExerciseId id_{"lf-20261121-093000-3fa2c1"};
  scoring::ScoringConfig config_;
  scoring::Scores final_;
};

TEST_F(ScoringCommands, StatusShowsRankedScoreboard) {
  Record();
  Outcome o = Run({"status", id_.str()});
  ASSERT_EQ(o.code, 0) << o.err;
  // Categories are % of their maximum (docs/scoring.md). blue1: every round
  // up, its one red action detected at once, nothing else possible: 100.
  // blue2: 2 + 2 + 0 + 1 (recovering) + 2 = 7 of 10 round points: availability
  // 70 %, total 0.30 x 70 + 0.25 x 100 + 0.25 x 100 + 0.15 x 100 + 0.05 x 100 = 91.
  EXPECT_NE(o.out.find("   1  blue1             100.00"), std::string::npos) << o.out;
  EXPECT_NE(o.out.find("   2  blue2              91.00"), std::string::npos) << o.out;
  Outcome j = Run({"status", id_.str(), "--json"});
  ASSERT_EQ(j.code, 0) << j.err;
  json doc = json::parse(j.out);
  EXPECT_EQ(doc["scoreboard"]["blue"][0]["team"], "blue1");
  EXPECT_DOUBLE_EQ(doc["scoreboard"]["blue"][1]["total"].get<double>(),
                   final_.teams["blue2"].total);
  EXPECT_DOUBLE_EQ(doc["metrics"]["blue2"]["availability_pct"].get<double>(), 80.0);
  EXPECT_DOUBLE_EQ(doc["metrics"]["blue1"]["mean_ttr_s"].get<double>(), 60.0);
}

TEST_F(ScoringCommands, ExplainListsTheLedgerWithCauses) {
  Record();
  Outcome o = Run({"explain", id_.str(), "blue1", "--category", "detection"});
  ASSERT_EQ(o.code, 0) << o.err;
  EXPECT_NE(
      o.out.find("detected T1190 on portal: reported 1m after the action, credit 100.0 % of 20"),
      std::string::npos)
      << o.out;
  EXPECT_NE(o.out.find("weighted total 100.00"), std::string::npos) << o.out;
  Outcome j = Run({"explain", id_.str(), "blue2", "--json", "--all"});
  ASSERT_EQ(j.code, 0) << j.err;
  json doc = json::parse(j.out);
  // Five opening entries (each category starts at 100 %), then the rounds.
  ASSERT_EQ(doc["entries"].size(), 10u);
  EXPECT_EQ(doc["entries"][7]["reason"],
            "portal/http down (failed round 1): connect: Connection refused; 0 of 2");
  EXPECT_DOUBLE_EQ(doc["categories"]["availability"].get<double>(), 70.0);
  EXPECT_EQ(Run({"explain", id_.str(), "blue9"}).code, 1);
  EXPECT_EQ(Run({"explain", id_.str(), "blue1", "--category", "luck"}).code, 1);
}

TEST_F(ScoringCommands, ReplayMatchesRecordedScores) {
  Record();
  Outcome o = Run({"replay", id_.str()});
  EXPECT_EQ(o.code, 0) << o.err;
  // Every team opens at the first event (3); blue2's availability moves at
  // rounds 3, 4 and 5; blue1's detection falls at the red action and comes
  // back with the report.
  EXPECT_NE(o.out.find("all 8 recorded score changes match"), std::string::npos) << o.out;
}

TEST_F(ScoringCommands, ReplayFindsATamperedScore) {
  Record(/*forge_one=*/true);
  Outcome o = Run({"replay", id_.str()});
  EXPECT_EQ(o.code, 1);
  EXPECT_NE(o.err.find("recorded team blue2 total 100.5"), std::string::npos) << o.err;
}

TEST_F(ScoringCommands, UnknownExerciseIsAUserError) {
  Outcome o = Run({"status", "lf-20200101-000000-000000"});
  EXPECT_EQ(o.code, 1);
  EXPECT_NE(o.err.find("no exercise"), std::string::npos) << o.err;
}

}  // namespace
}  // namespace livefire::cli
