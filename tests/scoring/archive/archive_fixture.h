#pragma once
// Exercises for the archive tests: the two golden logs (the reference
// scenario's and the runtime's mini range) turned back into event stores
// (the rendered line holds time, team, kind and payload; the store assigns
// the same seqs and a fresh hash chain), and synthetic summaries for the
// model.

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "../report_fixture.h"
#include "livefire/archive/archive.h"
#include "livefire/store/event_store.h"
#include "livefire/testing/cli_runner.h"
#include "livefire/time.h"

namespace livefire::archive::testing {

inline const std::string kPortalGolden =
    std::string(LIVEFIRE_SOURCE_DIR) + "/tests/scoring/data/provincial-portal.events";
inline const std::string kMiniGolden =
    std::string(LIVEFIRE_SOURCE_DIR) + "/tests/engine/runtime/data/mini.events";

// Writes state_dir/exercises/<id>/events.db from a golden log, with the
// exercise and team records `run` would have made. Blue teams get the
// organisations given (in blue_teams order), or none.
inline Status StoreGoldenLog(const std::string& golden, const std::string& state_dir,
                             const std::string& id,
                             const std::vector<std::string>& organisations = {}) {
  std::ifstream f(golden);
  if (!f) return Status::NotFound("no golden log " + golden);
  LF_ASSIGN_OR_RETURN(ExerciseId eid, ParseExerciseId(id));
  LF_ASSIGN_OR_RETURN(auto st, store::EventStore::OpenExercise(state_dir, eid));
  for (std::string line; std::getline(f, line);) {
    size_t a = line.find(' '), b = line.find(' ', a + 1), c = line.find(' ', b + 1);
    if (c == std::string::npos) return Status::DataLoss("bad golden line: " + line);
    LF_ASSIGN_OR_RETURN(Duration t, ParseDuration(line.substr(0, a)));
    Event e;
    e.time = SimTime::Start() + t;
    e.team = line.substr(a + 1, b - a - 1);
    if (e.team == "-") e.team.clear();
    e.kind = line.substr(b + 1, c - b - 1);
    e.payload = nlohmann::json::parse(line.substr(c + 1));
    if (e.kind == kinds::kExerciseCreated) {
      const auto& p = e.payload;
      store::ExerciseRecord r;
      r.id = id;
      r.scenario = p.value("scenario", "");
      r.title = p.value("title", "");
      r.organisation = p.value("organisation", "");
      r.year = p.value("year", 0);
      r.security_level = p.value("security_level", 0);
      r.status = "ended";
      LF_RETURN_IF_ERROR(st->PutExercise(r));
      size_t i = 0;
      for (const auto& t : p["blue_teams"]) {
        std::string org = i < organisations.size() ? organisations[i] : "";
        LF_RETURN_IF_ERROR(st->PutTeam({t.get<std::string>(), "blue", org, 5}));
        ++i;
      }
      LF_RETURN_IF_ERROR(st->PutTeam({"red1", "red", "", 4}));
    }
    LF_RETURN_IF_ERROR(st->Append(std::move(e)).status());
  }
  return st->Flush();
}

// A blue team's result with the indicators the model reads.
inline TeamResult Team(const std::string& name, const std::string& org) {
  TeamResult r;
  r.team = name;
  r.role = "blue";
  r.organisation = org;
  r.members = 5;
  return r;
}

inline ExerciseSummary Exercise(const std::string& id, int year, std::vector<TeamResult> teams,
                                int security_level = 3) {
  ExerciseSummary s;
  s.id = id;
  s.head_hash = "h-" + id;
  s.year = year;
  s.security_level = security_level;
  s.organisation = "Bộ Thông tin và Truyền thông";
  s.kind = "ministry";
  for (const auto& t : teams) s.teams.push_back({t.team, t.role, t.organisation, t.members});
  s.results = std::move(teams);
  return s;
}

// Detection coverage: `detected` of `executed` techniques.
inline void SetCoverage(TeamResult& r, int executed, int detected) {
  r.techniques_executed.clear();
  r.techniques_detected.clear();
  for (int i = 0; i < executed; ++i) {
    std::string t = fmt::format("T10{:02d}", i);
    r.techniques_executed.push_back(t);
    if (i < detected) r.techniques_detected.push_back(t);
  }
  r.indicators["detection_coverage_pct"] = 100.0 * detected / executed;
  r.samples["detection_coverage_pct"] = executed;
  r.evidence["detection_coverage_pct"] = {10, 11};
}

inline const std::string kHoaBinh = "Sở TT&TT Hòa Bình Xanh";
inline const std::string kSonLam = "Sở TT&TT Sơn Lâm";

// Three exercises of 2026 archived by `livefire archive` into
// state_dir/archive.db: the two golden logs (lf-golden-portal,
// lf-golden-mini) and one recorded now (lf-recorded-portal); blue1 is Hòa
// Bình Xanh's team and blue2 Sơn Lâm's in all three.
inline void ArchiveThreeExercises(const std::string& state_dir) {
  ASSERT_TRUE(StoreGoldenLog(kPortalGolden, state_dir, "lf-golden-portal", {kHoaBinh, kSonLam}).ok());
  ASSERT_TRUE(StoreGoldenLog(kMiniGolden, state_dir, "lf-golden-mini", {kHoaBinh, kSonLam}).ok());
  ASSERT_TRUE(testing_report::RecordPortalExercise(state_dir, ExerciseId("lf-recorded-portal")).ok());
  for (const char* id : {"lf-golden-portal", "lf-golden-mini", "lf-recorded-portal"}) {
    auto o = testsupport::RunInState(state_dir, {"archive", id});
    ASSERT_EQ(o.code, 0) << o.err;
    ASSERT_NE(o.out.find(": added in "), std::string::npos) << o.out;
  }
}

}  // namespace livefire::archive::testing
