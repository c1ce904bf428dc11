// The report as JSON: one object per section, the same figures as the HTML.
#include <algorithm>

#include "livefire/report/report.h"

namespace livefire::report {

namespace {

using json = nlohmann::json;

json ClockJson(SimTime t) { return json{{"ns", t.nanos()}, {"clock", FormatClock(t)}}; }

json TeamsJson(const std::vector<ReportTeam>& teams) {
  json out = json::array();
  for (const auto& t : teams) {
    out.push_back({{"name", t.name},
                   {"role", t.role},
                   {"display_name", t.display_name},
                   {"organisation", t.organisation},
                   {"members", t.members}});
  }
  return out;
}

json ActionsJson(const std::vector<ActionLine>& actions) {
  json out = json::array();
  for (const auto& a : actions) {
    json j = {{"seq", a.seq},       {"time", ClockJson(a.time)},
              {"node", a.node},     {"technique", a.technique},
              {"inject", a.inject}, {"inject_description", a.inject_description},
              {"detail", a.detail}, {"detected", a.detected}};
    if (a.detected) {
      j["report_seq"] = a.report_seq;
      j["reported"] = ClockJson(a.reported);
      j["ttd_s"] = a.ttd.seconds();
      j["ttr_s"] = a.ttr.seconds();
      j["credit"] = a.credit;
    }
    out.push_back(std::move(j));
  }
  return out;
}

json ReportsJson(const std::vector<ReportLine>& reports) {
  json out = json::array();
  for (const auto& l : reports) {
    out.push_back({{"seq", l.seq},
                   {"time", ClockJson(l.time)},
                   {"node", l.node},
                   {"technique", l.technique},
                   {"description", l.description},
                   {"by", l.by},
                   {"outcome", l.outcome},
                   {"points", l.points}});
  }
  return out;
}

json AvailabilityJson(const std::vector<ServiceSeries>& availability) {
  json out = json::array();
  for (const auto& s : availability) {
    json points = json::array();
    for (const auto& p : s.points) {
      points.push_back(
          {{"seq", p.seq}, {"time_ns", p.time.nanos()}, {"up", p.up}, {"detail", p.detail}});
    }
    out.push_back(
        {{"node", s.node},
         {"service", s.service},
         {"rounds", s.rounds},
         {"up_rounds", s.up_rounds},
         {"availability_pct",
          s.rounds > 0 ? json(100.0 * static_cast<double>(s.up_rounds) / s.rounds) : json()},
         {"sla_charges", s.sla_charges},
         {"sla_points", s.sla_points},
         {"longest_outage_s", s.longest_outage.seconds()},
         {"longest_outage_from", ClockJson(s.longest_outage_from)},
         {"points", std::move(points)}});
  }
  return out;
}

json CompromisesJson(const std::vector<CompromiseLine>& compromises) {
  json out = json::array();
  for (const auto& c : compromises) {
    out.push_back({{"seq", c.seq},
                   {"time", ClockJson(c.time)},
                   {"node", c.node},
                   {"objective", c.objective},
                   {"kind", c.kind},
                   {"severity", c.severity},
                   {"red_team", c.red_team},
                   {"deduction", c.deduction}});
  }
  return out;
}

json TasksJson(const std::vector<TaskLine>& tasks) {
  json out = json::array();
  for (const auto& t : tasks) {
    json responses = json::array();
    for (const auto& x : t.responses) {
      responses.push_back(
          {{"seq", x.seq}, {"time", ClockJson(x.time)}, {"by", x.by}, {"text", x.text}});
    }
    json j = {{"inject", t.inject},
              {"description", t.description},
              {"team", t.team},
              {"fired_seq", t.fired_seq},
              {"fired", ClockJson(t.fired)},
              {"due", t.due ? ClockJson(*t.due) : json()},
              {"points", t.points},
              {"responses", std::move(responses)},
              {"timing", t.timing},
              {"late_factor", t.late_factor},
              {"graded", t.grade_seq > 0}};
    if (t.grade_seq > 0) {
      j["grade"] = {{"seq", t.grade_seq},   {"target_seq", t.graded_seq}, {"rubric", t.rubric},
                    {"awarded", t.awarded}, {"grader", t.grader},         {"comment", t.comment}};
    }
    out.push_back(std::move(j));
  }
  return out;
}

json FlagsJson(const std::vector<FlagLine>& flags) {
  json out = json::array();
  for (const auto& f : flags) {
    out.push_back({{"seq", f.seq},
                   {"time", ClockJson(f.time)},
                   {"team", f.team},
                   {"against", f.against},
                   {"correct", f.correct},
                   {"objective", f.objective},
                   {"by", f.by},
                   {"penalty", f.penalty}});
  }
  return out;
}

json FindingsJson(const std::vector<FindingLine>& findings) {
  json out = json::array();
  for (const auto& f : findings) {
    json j = {{"seq", f.seq},
              {"time", ClockJson(f.time)},
              {"team", f.team},
              {"against", f.against},
              {"node", f.node},
              {"vulnerability", f.vulnerability},
              {"evidence", f.evidence},
              {"by", f.by},
              {"validation", f.validation},
              {"weakness", f.weakness},
              {"cwe", f.cwe},
              {"severity", f.severity},
              {"review", f.review}};
    if (f.review_seq > 0) {
      j["review_seq"] = f.review_seq;
      j["reviewer"] = f.reviewer;
      j["comment"] = f.comment;
    }
    out.push_back(std::move(j));
  }
  return out;
}

json RevertsJson(const std::vector<RevertLine>& reverts) {
  json out = json::array();
  for (const auto& v : reverts) {
    out.push_back({{"seq", v.seq},
                   {"time", ClockJson(v.time)},
                   {"team", v.team},
                   {"node", v.node},
                   {"by", v.by},
                   {"account", v.account},
                   {"reason", v.reason},
                   {"back", v.back},
                   {"back_seq", v.back_seq},
                   {"duration_s", v.duration ? json(v.duration->seconds()) : json()},
                   {"penalty", v.penalty},
                   {"ended", v.ended},
                   {"ended_seqs", v.ended_seqs}});
  }
  return out;
}

json PenaltiesJson(const std::vector<PenaltyLine>& penalties) {
  json out = json::array();
  for (const auto& p : penalties) {
    out.push_back({{"seq", p.seq},
                   {"time", ClockJson(p.time)},
                   {"team", p.team},
                   {"kind", p.kind},
                   {"reason", p.reason},
                   {"points", p.points}});
  }
  return out;
}

json TeamJson(const TeamReport& t) {
  // categories: % of each category's maximum; category_points/max: the raw
  // points behind it (docs/report.md).
  json categories = json::object();
  json raw = json::object();
  for (scoring::Category c : scoring::kCategories) {
    int k = static_cast<int>(c);
    categories[std::string(scoring::CategoryName(c))] = t.score.category[k];
    raw[std::string(scoring::CategoryName(c))] = {{"points", t.score.points[k]},
                                                   {"max", t.score.max[k]}};
  }
  json ledger = json::array();
  for (const auto& e : t.ledger) ledger.push_back(ToJson(e));
  json lessons = json::array();
  for (const auto& l : t.lessons) {
    lessons.push_back({{"kind", l.kind}, {"text", l.text}, {"seqs", l.seqs}});
  }
  // What the annual statistics read (#17): every weakness red found, and
  // their counts by severity.
  json weaknesses = json::array();
  for (const auto& w : t.metrics.weaknesses_found) weaknesses.push_back(scoring::ToJson(w));
  json series = json::array();
  for (const auto& [time, total] : t.total_series) {
    series.push_back({{"time_ns", time.nanos()}, {"total", total}});
  }
  return json{{"team", t.team.name},
              {"display_name", t.team.display_name},
              {"role", t.team.role},
              {"rank", t.rank},
              {"total", t.score.total},
              {"categories", std::move(categories)},
              {"category_raw", std::move(raw)},
              {"metrics", ToJson(t.metrics)},
              {"red_actions", ActionsJson(t.actions)},
              {"reports", ReportsJson(t.reports)},
              {"availability", AvailabilityJson(t.availability)},
              {"compromises", CompromisesJson(t.compromises)},
              {"lessons", std::move(lessons)},
              {"weaknesses_found", std::move(weaknesses)},
              {"weaknesses_by_severity", t.metrics.weaknesses_by_severity},
              {"total_series", std::move(series)},
              {"ledger", std::move(ledger)}};
}

json TeamsReportJson(const std::vector<TeamReport>& teams) {
  json out = json::array();
  for (const auto& t : teams) out.push_back(TeamJson(t));
  return out;
}

// Coverage: per technique, per blue team, "detected", "missed" or null.
json CoverageJson(const ReportData& r) {
  json coverage = json::object();
  for (const auto& tech : r.techniques) {
    json row = json::object();
    for (const auto& t : r.blue) {
      const auto& ex = t.metrics.techniques_executed;
      const auto& de = t.metrics.techniques_detected;
      if (std::binary_search(de.begin(), de.end(), tech)) {
        row[t.team.name] = "detected";
      } else if (std::binary_search(ex.begin(), ex.end(), tech)) {
        row[t.team.name] = "missed";
      } else {
        row[t.team.name] = nullptr;
      }
    }
    coverage[tech] = std::move(row);
  }
  return coverage;
}

json ExerciseJson(const ReportData& r) {
  return json{{"id", r.exercise_id},
              {"scenario", r.scenario},
              {"title", r.title},
              {"description", r.description},
              {"organisation", r.organisation},
              {"year", r.year},
              {"security_level", r.security_level},
              {"seed", std::to_string(r.seed)},
              {"status", r.status},
              {"planned_s", r.planned.seconds()},
              {"started", ClockJson(r.started)},
              {"ended", ClockJson(r.ended)},
              {"duration_s", (r.ended - r.started).seconds()},
              {"end_reason", r.end_reason}};
}

}  // namespace

nlohmann::json ReportToJson(const ReportData& r) {
  return json{{"exercise", ExerciseJson(r)},
              {"log",
               {{"events", r.event_count},
                {"head_hash", r.head_hash},
                {"chain_ok", r.chain_ok},
                {"chain_problem", r.chain_problem}}},
              {"teams", TeamsJson(r.teams)},
              {"scoring", scoring::ConfigToJson(r.config)},
              {"scoring_recorded", r.config_recorded},
              {"techniques", r.techniques},
              {"coverage", CoverageJson(r)},
              {"blue", TeamsReportJson(r.blue)},
              {"red", TeamsReportJson(r.red)},
              {"tasks", TasksJson(r.tasks)},
              {"flags", FlagsJson(r.flags)},
              {"findings", FindingsJson(r.findings)},
              {"reverts", RevertsJson(r.reverts)},
              {"penalties", PenaltiesJson(r.penalties)},
              {"warnings", r.warnings}};
}

}  // namespace livefire::report
