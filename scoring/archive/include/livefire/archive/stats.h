#pragma once
// The annual view over the archive (`livefire stats --year Y`, docs/maturity.md):
// exercises by organisation and kind, participants, weaknesses found by
// severity, national against local severe/high weaknesses per exercise,
// teams by tier and the organisations with no exercise that year.

#include <map>
#include <string>
#include <vector>

#include "livefire/archive/archive.h"
#include "livefire/archive/maturity.h"

namespace livefire::archive {

struct ExerciseRow {
  std::string id, organisation, kind, scenario;
  int security_level = 0;
  int teams = 0;         // blue teams
  int participants = 0;  // declared members of every team
  std::map<std::string, int64_t> weaknesses;  // severity -> count over its blue teams
  int64_t severe_high() const;
};

struct YearStats {
  int year = 0;
  std::vector<ExerciseRow> exercises;  // archive order
  std::map<std::string, std::map<std::string, int>> by_organisation;  // org -> kind -> exercises
  std::map<std::string, int> by_kind;
  int participants = 0;
  std::map<std::string, int64_t> weaknesses;  // severity -> count
  // Severe (critical) and high weaknesses per exercise, national against
  // the others (ministry, province, undeclared).
  int national_exercises = 0, local_exercises = 0;
  int64_t national_severe_high = 0, local_severe_high = 0;
  std::map<std::string, std::vector<std::string>> teams_by_tier;  // tier -> subjects
  std::vector<std::string> organisations_without_exercise;
};

// known: organisations declared beside those the archive knows (any year).
YearStats ComputeYearStats(const std::vector<ExerciseSummary>& archive, int year,
                           const MaturityModel& model, const std::vector<std::string>& known);

nlohmann::json ToJson(const YearStats& s);
std::string RenderStatsCsv(const YearStats& s);
std::string RenderStatsHtml(const YearStats& s);

}  // namespace livefire::archive
