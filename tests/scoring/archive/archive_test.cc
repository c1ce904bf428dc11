// The archive: built from the two golden logs and from a recorded exercise,
// figures recomputed from the log, idempotent, imported from another host's
// folder, and clear refusals.
#include "livefire/archive/archive.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "archive_fixture.h"
#include "livefire/testing/temp_dir.h"

namespace livefire::archive {
namespace {

namespace fs = std::filesystem;
using testing::kHoaBinh;
using testing::kSonLam;
using testsupport::RunInState;
using testsupport::TempDir;

std::vector<ExerciseSummary> ReadArchive(const std::string& path) {
  auto a = Archive::Open(path, true);
  EXPECT_TRUE(a.ok()) << a.status().ToString();
  auto all = (*a)->All();
  EXPECT_TRUE(all.ok()) << all.status().ToString();
  return *all;
}

const TeamResult& Result(const ExerciseSummary& s, const std::string& team) {
  for (const auto& r : s.results) {
    if (r.team == team) return r;
  }
  ADD_FAILURE() << "no team " << team << " in " << s.id;
  static TeamResult none;
  return none;
}

bool Has(const std::vector<std::string>& v, const std::string& x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

TEST(Archive, BuiltFromTheTwoGoldenLogs) {
  TempDir state;
  ASSERT_TRUE(testing::StoreGoldenLog(testing::kPortalGolden, state.str(), "lf-golden-portal",
                                      {kHoaBinh, kSonLam})
                  .ok());
  ASSERT_TRUE(testing::StoreGoldenLog(testing::kMiniGolden, state.str(), "lf-golden-mini").ok());
  for (const char* id : {"lf-golden-portal", "lf-golden-mini"}) {
    auto o = RunInState(state.str(), {"archive", id});
    ASSERT_EQ(o.code, 0) << o.err;
    EXPECT_NE(o.out.find(std::string(id) + ": added in " + state.str() + "/archive.db"),
              std::string::npos)
        << o.out;
  }
  auto all = ReadArchive(state.str() + "/archive.db");
  ASSERT_EQ(all.size(), 2u);
  const ExerciseSummary& mini = all[0].id == "lf-golden-mini" ? all[0] : all[1];
  const ExerciseSummary& portal = all[0].id == "lf-golden-mini" ? all[1] : all[0];

  EXPECT_EQ(portal.scenario, "provincial-portal");
  EXPECT_EQ(portal.organisation, "Sở Thông tin và Truyền thông tỉnh Hòa Bình Xanh");
  EXPECT_EQ(portal.year, 2026);
  EXPECT_EQ(portal.security_level, 3);
  EXPECT_TRUE(portal.config_recorded);
  EXPECT_EQ(portal.head_seq, 1841);
  ASSERT_EQ(portal.results.size(), 2u);
  const TeamResult& b1 = Result(portal, "blue1");
  const TeamResult& b2 = Result(portal, "blue2");
  EXPECT_EQ(b1.organisation, kHoaBinh);
  EXPECT_EQ(b1.members, 5);
  // blue1 spotted the CGI abuse, blue2 did not and filed a false report.
  EXPECT_TRUE(Has(b1.techniques_detected, "T1190"));
  EXPECT_FALSE(Has(b2.techniques_detected, "T1190"));
  EXPECT_GT(b1.indicators.at("detection_coverage_pct"), b2.indicators.at("detection_coverage_pct"));
  EXPECT_EQ(b2.reports_false, 1);
  EXPECT_EQ(b1.reports_false, 0);
  // The ministry's status task: blue1 answered at 01:40 (due 02:00), graded 100;
  // blue2 never answered. The press query was never fired: no task.
  ASSERT_EQ(b1.tasks.size(), 1u);
  EXPECT_EQ(b1.tasks[0].inject, "ministry-status");
  EXPECT_EQ(b1.tasks[0].status, "on_time");
  EXPECT_EQ(b1.tasks[0].rubric, 100);
  EXPECT_EQ(b1.tasks[0].response_seq, 1518);
  ASSERT_EQ(b2.tasks.size(), 1u);
  EXPECT_EQ(b2.tasks[0].status, "missing");
  // blue2's outages (00:40-00:50 and 01:00-01:04) lower its availability
  // under attack and give it restore times; blue1 had only the defacement.
  EXPECT_LT(b2.indicators.at("availability_under_attack_pct"),
            b1.indicators.at("availability_under_attack_pct"));
  EXPECT_GT(b2.samples.at("mttr_min"), b1.samples.at("mttr_min"));
  // Weaknesses exploited in both copies: root-dvc (critical), steal-doc and deface-portal (high).
  for (const TeamResult* r : {&b1, &b2}) {
    ASSERT_EQ(r->weaknesses.size(), 3u) << r->team;
    EXPECT_EQ(r->weaknesses[0].weakness, "root-dvc");
    EXPECT_EQ(r->weaknesses[0].severity, "critical");
    EXPECT_EQ(r->weaknesses[0].how, "exploited");
    EXPECT_EQ(r->indicators.at("severe_compromises"), 3);
  }

  // Recomputed from the log: the very numbers ReplayLog gives for it.
  auto st = store::EventStore::OpenExercise(state.str(), ExerciseId("lf-golden-portal"),
                                            {.read_only = true});
  ASSERT_TRUE(st.ok());
  auto events = (*st)->Read({});
  ASSERT_TRUE(events.ok());
  auto replay = scoring::ReplayLog(*events);
  ASSERT_TRUE(replay.ok());
  for (const TeamResult* r : {&b1, &b2}) {
    const scoring::TeamScore* ts = replay->scorer().team(r->team);
    ASSERT_NE(ts, nullptr);
    EXPECT_DOUBLE_EQ(r->total, ts->total);
    EXPECT_DOUBLE_EQ(r->categories.at("detection"), ts->category[2]);
    EXPECT_EQ(r->techniques_executed, replay->scorer().Metrics(r->team).techniques_executed);
  }

  // The mini log records no scoring config: scored with the store's tables.
  EXPECT_FALSE(mini.config_recorded);
  EXPECT_EQ(mini.scenario, "mini");
  ASSERT_EQ(mini.results.size(), 2u);
  EXPECT_EQ(Result(mini, "blue1").organisation, "");
  EXPECT_FALSE(Result(mini, "blue1").techniques_executed.empty());
}

TEST(Archive, ArchivingTwiceIsOneRecord) {
  TempDir state;
  ASSERT_TRUE(testing::StoreGoldenLog(testing::kPortalGolden, state.str(), "lf-twice").ok());
  auto first = RunInState(state.str(), {"archive", "lf-twice"});
  ASSERT_EQ(first.code, 0) << first.err;
  auto second = RunInState(state.str(), {"archive", "lf-twice"});
  ASSERT_EQ(second.code, 0) << second.err;
  EXPECT_NE(second.out.find("lf-twice: unchanged"), std::string::npos) << second.out;
  auto a = Archive::Open(state.str() + "/archive.db", true);
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(*(*a)->Count(), 1);
  const auto before = ReadArchive(state.str() + "/archive.db").at(0);

  // The log grew (a late grade): the record is replaced, still one.
  {
    auto st = store::EventStore::OpenExercise(state.str(), ExerciseId("lf-twice"));
    ASSERT_TRUE(st.ok());
    Event e;
    e.time = SimTime::Start() + Duration::Hours(2);
    e.team = "blue2";
    e.kind = std::string(kinds::kPenalty);
    e.payload = {{"kind", "roe"}, {"points", 5}, {"reason", "scanned outside the range"}};
    ASSERT_TRUE((*st)->AppendAndWait(e).ok());
  }
  auto third = RunInState(state.str(), {"archive", "lf-twice"});
  ASSERT_EQ(third.code, 0) << third.err;
  EXPECT_NE(third.out.find("lf-twice: replaced"), std::string::npos) << third.out;
  auto after = ReadArchive(state.str() + "/archive.db");
  ASSERT_EQ(after.size(), 1u);
  EXPECT_EQ(after[0].head_seq, before.head_seq + 1);
  EXPECT_NE(after[0].head_hash, before.head_hash);
  EXPECT_LT(Result(after[0], "blue2").categories.at("penalties"),
            Result(before, "blue2").categories.at("penalties"));
}

TEST(Archive, ImportsAnExerciseFolderFromAnotherHost) {
  TempDir province, ministry, transfer;
  ExerciseId id("lf-province-2026");
  ASSERT_TRUE(testing_report::RecordPortalExercise(province.str(), id).ok());
  const fs::path folder = transfer.path() / "lf-province-2026";
  fs::copy(province.path() / "exercises" / "lf-province-2026", folder, fs::copy_options::recursive);
  // The folder's accounts: only their public fields reach the archive.
  std::ofstream(folder / "accounts.json")
      << R"([{"name":"blue1-an","team":"blue1","person":"an","role":"blue",)"
         R"("portal_password":"s3cret","secret_key":"abc"}])";
  auto o = RunInState(ministry.str(), {"archive", "--import", folder.string()});
  ASSERT_EQ(o.code, 0) << o.err;
  EXPECT_NE(o.out.find("lf-province-2026: added"), std::string::npos) << o.out;
  // Its events.db alone is the same log: nothing new.
  o = RunInState(ministry.str(), {"archive", "--import", (folder / "events.db").string()});
  ASSERT_EQ(o.code, 0) << o.err;
  EXPECT_NE(o.out.find("lf-province-2026: unchanged"), std::string::npos) << o.out;

  auto all = ReadArchive(ministry.str() + "/archive.db");
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].id, "lf-province-2026");
  EXPECT_EQ(all[0].scenario, "provincial-portal");
  EXPECT_EQ(Result(all[0], "blue1").organisation, kHoaBinh);
  EXPECT_EQ(Result(all[0], "blue2").organisation, kSonLam);
  ASSERT_EQ(all[0].accounts.size(), 1u);
  EXPECT_EQ(all[0].accounts[0]["person"], "an");
  EXPECT_FALSE(all[0].accounts[0].contains("portal_password"));
  EXPECT_FALSE(all[0].accounts[0].contains("secret_key"));
  bool has_red = false;
  for (const auto& t : all[0].teams) has_red |= t.role == "red" && t.members == 4;
  EXPECT_TRUE(has_red);
}

TEST(Archive, RefusesWhatItCannotArchive) {
  TempDir state;
  auto none = RunInState(state.str(), {"archive"});
  EXPECT_EQ(none.code, 1);
  EXPECT_NE(none.err.find("give either an exercise ID or --import DIR"), std::string::npos)
      << none.err;
  auto missing = RunInState(state.str(), {"archive", "--import", state.str() + "/nowhere"});
  EXPECT_NE(missing.code, 0);
  EXPECT_NE(missing.err.find("no event log at " + state.str() + "/nowhere (give an exercise folder"),
            std::string::npos)
      << missing.err;
  auto unknown = RunInState(state.str(), {"archive", "lf-nothing"});
  EXPECT_NE(unknown.code, 0);
  EXPECT_FALSE(fs::exists(state.str() + "/archive.db") &&
               ReadArchive(state.str() + "/archive.db").size() > 0);
}

}  // namespace
}  // namespace livefire::archive
