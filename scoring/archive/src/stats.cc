#include "livefire/archive/stats.h"

#include <fmt/format.h>

#include <set>

namespace livefire::archive {

using nlohmann::json;

int64_t ExerciseRow::severe_high() const {
  int64_t n = 0;
  for (const char* s : {"critical", "high"}) {
    if (auto it = weaknesses.find(s); it != weaknesses.end()) n += it->second;
  }
  return n;
}

YearStats ComputeYearStats(const std::vector<ExerciseSummary>& archive, int year,
                           const MaturityModel& model, const std::vector<std::string>& known) {
  YearStats s;
  s.year = year;
  std::set<std::string> orgs(known.begin(), known.end()), active, subjects;
  for (const auto& ex : archive) {
    if (!ex.organisation.empty()) orgs.insert(ex.organisation);
    for (const auto& t : ex.teams) {
      if (!t.organisation.empty() && t.role == "blue") orgs.insert(t.organisation);
    }
    if (ex.year != year) continue;
    ExerciseRow row;
    row.id = ex.id;
    row.organisation = ex.organisation;
    row.kind = ex.kind.empty() ? "undeclared" : ex.kind;
    row.scenario = ex.scenario;
    row.security_level = ex.security_level;
    for (const auto& t : ex.teams) {
      row.participants += t.members;
      if (t.role == "blue" && !t.organisation.empty()) active.insert(t.organisation);
    }
    if (!ex.organisation.empty()) active.insert(ex.organisation);
    for (const auto& r : ex.results) {
      ++row.teams;
      subjects.insert(SubjectOf(r));
      for (const auto& w : r.weaknesses) ++row.weaknesses[w.severity.empty() ? "unrated" : w.severity];
    }
    s.participants += row.participants;
    for (const auto& [sev, n] : row.weaknesses) s.weaknesses[sev] += n;
    ++s.by_organisation[row.organisation.empty() ? "(none)" : row.organisation][row.kind];
    ++s.by_kind[row.kind];
    if (row.kind == "national") {
      ++s.national_exercises;
      s.national_severe_high += row.severe_high();
    } else {
      ++s.local_exercises;
      s.local_severe_high += row.severe_high();
    }
    s.exercises.push_back(std::move(row));
  }
  YearRange only{year, year};
  for (const auto& subject : subjects) {
    auto a = Assess(model, archive, subject, {.years = only});
    s.teams_by_tier[a.ok() ? a->tier : std::string(kInsufficient)].push_back(subject);
  }
  for (const auto& o : orgs) {
    if (!active.count(o)) s.organisations_without_exercise.push_back(o);
  }
  return s;
}

json ToJson(const YearStats& s) {
  json rows = json::array();
  for (const auto& r : s.exercises) {
    rows.push_back({{"id", r.id},
                    {"organisation", r.organisation},
                    {"kind", r.kind},
                    {"scenario", r.scenario},
                    {"security_level", r.security_level},
                    {"blue_teams", r.teams},
                    {"participants", r.participants},
                    {"weaknesses_by_severity", r.weaknesses},
                    {"severe_high", r.severe_high()}});
  }
  auto per = [](int64_t n, int d) { return d > 0 ? json(static_cast<double>(n) / d) : json(nullptr); };
  return {{"year", s.year},
          {"exercises", std::move(rows)},
          {"exercises_by_organisation", s.by_organisation},
          {"exercises_by_kind", s.by_kind},
          {"participants", s.participants},
          {"weaknesses_by_severity", s.weaknesses},
          {"national_vs_local",
           {{"national_exercises", s.national_exercises},
            {"national_severe_high", s.national_severe_high},
            {"national_severe_high_per_exercise", per(s.national_severe_high, s.national_exercises)},
            {"local_exercises", s.local_exercises},
            {"local_severe_high", s.local_severe_high},
            {"local_severe_high_per_exercise", per(s.local_severe_high, s.local_exercises)}}},
          {"teams_by_tier", s.teams_by_tier},
          {"organisations_without_exercise", s.organisations_without_exercise}};
}

namespace {
// RFC 4180: quote every field, double the quotes inside.
std::string Csv(const std::string& v) {
  std::string out = "\"";
  for (char c : v) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}
}  // namespace

std::string RenderStatsCsv(const YearStats& s) {
  std::string out =
      "year,exercise,organisation,kind,security_level,blue_teams,participants,"
      "critical,high,medium,low,severe_high\n";
  auto n = [](const ExerciseRow& r, const char* sev) {
    auto it = r.weaknesses.find(sev);
    return it == r.weaknesses.end() ? int64_t{0} : it->second;
  };
  for (const auto& r : s.exercises) {
    out += fmt::format("{},{},{},{},{},{},{},{},{},{},{},{}\n", s.year, Csv(r.id),
                       Csv(r.organisation), Csv(r.kind), r.security_level, r.teams,
                       r.participants, n(r, "critical"), n(r, "high"), n(r, "medium"),
                       n(r, "low"), r.severe_high());
  }
  for (const auto& o : s.organisations_without_exercise) {
    out += fmt::format("{},,{},none,,0,0,0,0,0,0,0\n", s.year, Csv(o));
  }
  return out;
}

}  // namespace livefire::archive
