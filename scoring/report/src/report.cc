#include "livefire/report/report.h"

#include "livefire/escape.h"

#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "livefire/scoring/scoreboard.h"

namespace livefire::report {

namespace {

using json = nlohmann::json;

std::string Upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

std::string Str(const json& p, const char* key) {
  auto it = p.find(key);
  return it != p.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// Per-team state while the log is folded.
struct TeamAcc {
  std::vector<scoring::LedgerEntry> ledger;
  std::vector<ActionLine> actions;
  std::map<int64_t, size_t> action_index;  // red.action seq -> actions[i]
  std::vector<ReportLine> reports;
  std::map<std::string, ServiceSeries> services;  // node/service
  std::vector<CompromiseLine> compromises;
  std::vector<std::pair<SimTime, double>> totals;
};

void FinishOutages(ServiceSeries& s, SimTime end) {
  bool in_outage = false;
  SimTime from;
  auto close = [&](SimTime to) {
    if (in_outage && to - from > s.longest_outage) {
      s.longest_outage = to - from;
      s.longest_outage_from = from;
    }
    in_outage = false;
  };
  for (const auto& p : s.points) {
    if (!p.up && !in_outage) {
      in_outage = true;
      from = p.time;
    } else if (p.up) {
      close(p.time);
    }
  }
  close(std::max(end, from));
}

std::vector<Lesson> Lessons(const TeamReport& t, const model::ScoringParams& p) {
  std::vector<Lesson> out;
  // Techniques executed against the team and never credited, with every action.
  std::map<std::string, std::vector<const ActionLine*>> missed;
  for (const auto& a : t.actions) {
    if (!a.technique.empty() &&
        !std::binary_search(t.metrics.techniques_detected.begin(),
                            t.metrics.techniques_detected.end(), a.technique)) {
      missed[a.technique].push_back(&a);
    }
  }
  for (const auto& [tech, acts] : missed) {
    Lesson l{"undetected_technique", "", {}};
    std::vector<std::string> where;
    for (const ActionLine* a : acts) {
      where.push_back(fmt::format("{} on {}{}", FormatClock(a->time), a->node,
                                  a->inject.empty() ? "" : " (" + a->inject + ")"));
      l.seqs.push_back(a->seq);
    }
    l.text = fmt::format("{} was never detected: {} action{} at {}", tech, acts.size(),
                         acts.size() == 1 ? "" : "s", fmt::join(where, ", "));
    out.push_back(std::move(l));
  }
  // The slowest credited detections past the full-credit time, slowest first.
  std::vector<const ActionLine*> slow;
  for (const auto& a : t.actions) {
    if (a.detected && a.ttr > p.ttd_full_credit) slow.push_back(&a);
  }
  std::stable_sort(slow.begin(), slow.end(),
                   [](const ActionLine* a, const ActionLine* b) { return a->ttr > b->ttr; });
  if (slow.size() > 3) slow.resize(3);
  for (const ActionLine* a : slow) {
    out.push_back({"slow_detection",
                   fmt::format("{} on {} (action at {}) was reported {} later, past the {} of "
                               "full credit: {:.1f} of {:g} points",
                               a->technique, a->node, FormatClock(a->time), FormatDuration(a->ttr),
                               FormatDuration(p.ttd_full_credit), a->credit, p.detection_points),
                   {a->seq, a->report_seq}});
  }
  for (const auto& s : t.availability) {
    if (s.sla_charges == 0) continue;
    Lesson l{
        "sla_breach",
        fmt::format("{}/{} breached its SLA: {} charged round{} ({:g} points); longest "
                    "outage {} from {}",
                    s.node, s.service, s.sla_charges, s.sla_charges == 1 ? "" : "s", s.sla_points,
                    FormatDuration(s.longest_outage), FormatClock(s.longest_outage_from)),
        {}};
    for (const auto& pt : s.points) {
      if (!pt.up && pt.time >= s.longest_outage_from &&
          pt.time < s.longest_outage_from + s.longest_outage) {
        l.seqs.push_back(pt.seq);
      }
    }
    out.push_back(std::move(l));
  }
  for (const auto& r : t.reports) {
    if (r.outcome != "false") continue;
    out.push_back({"false_report",
                   fmt::format("false report at {}: {} on {} matched no red action ({:g} points)",
                               FormatClock(r.time), r.technique, r.node, r.points),
                   {r.seq}});
  }
  return out;
}

json ClockJson(SimTime t) { return json{{"ns", t.nanos()}, {"clock", FormatClock(t)}}; }

}  // namespace

std::string HtmlEscape(std::string_view s) { return EscapeMarkup(s); }

Result<ReportInput> ReadReportInput(const store::EventStore& store, scoring::ScoringConfig config,
                                    bool config_recorded) {
  ReportInput in;
  auto ex = store.GetExercise();
  if (ex.ok()) {
    in.exercise = *ex;
  } else if (ex.status().code() != StatusCode::kNotFound) {
    return ex.status();
  }
  in.exercise_id = in.exercise.id;
  LF_ASSIGN_OR_RETURN(in.teams, store.Teams());
  LF_ASSIGN_OR_RETURN(in.nodes, store.Nodes());
  LF_ASSIGN_OR_RETURN(in.events, store.Read({}));
  LF_ASSIGN_OR_RETURN(in.verify, store.Verify());
  in.config = std::move(config);
  in.config_recorded = config_recorded;
  return in;
}

Result<ReportData> BuildReport(const ReportInput& in) {
  ReportData r;
  r.exercise_id = in.exercise_id;
  r.scenario = in.exercise.scenario;
  r.title = in.exercise.title;
  r.organisation = in.exercise.organisation;
  r.year = in.exercise.year;
  r.security_level = in.exercise.security_level;
  r.seed = in.exercise.seed;
  r.status = in.exercise.status;
  r.config = in.config;
  r.config_recorded = in.config_recorded;
  r.event_count = static_cast<int64_t>(in.events.size());
  r.head_hash = in.verify.head_hash;
  r.chain_ok = in.verify.ok;
  r.chain_problem = in.verify.problem;
  if (in.scenario != nullptr) r.description = in.scenario->meta.description;

  // Teams: the scenario's order and display names, then store-only teams.
  std::set<std::string> seen;
  if (in.scenario != nullptr) {
    for (const auto& t : in.scenario->teams) {
      r.teams.push_back({t.name, std::string(model::ToString(t.role)), t.display_name,
                         t.organisation, t.members});
      seen.insert(t.name);
    }
  }
  for (const auto& t : in.teams) {
    if (seen.insert(t.name).second) {
      r.teams.push_back({t.name, t.role, "", t.organisation, t.members});
    }
  }

  scoring::Scorer scorer(in.config);
  scoring::Applied applied;
  std::map<std::string, TeamAcc> acc;
  bool started = false, ended = false;
  for (const Event& e : in.events) {
    applied.clear();
    Status s = scorer.Apply(e, &applied);
    if (s.code() == StatusCode::kFailedPrecondition) return Status::DataLoss(s.message());
    if (!s.ok()) r.warnings.push_back(s.message());
    for (const auto& x : applied.entries) acc[x.team].ledger.push_back(x);
    for (const auto& c : applied.changes) acc[c.team].totals.emplace_back(e.time, c.total);
    // Entries this event made for its own team in a category, citing it first.
    auto own = [&](scoring::Category c) {
      std::vector<const scoring::LedgerEntry*> v;
      for (const auto& x : applied.entries) {
        if (x.team == e.team && x.category == c && !x.causes.empty() && x.causes[0] == e.seq) {
          v.push_back(&x);
        }
      }
      return v;
    };
    const json& p = e.payload;
    if (e.kind == kinds::kExerciseCreated) {
      if (auto it = p.find("duration_ns"); it != p.end() && it->is_number_integer()) {
        r.planned = Duration::Nanos(it->get<int64_t>());
      }
      if (r.title.empty()) r.title = Str(p, "title");
      if (r.organisation.empty()) r.organisation = Str(p, "organisation");
      if (r.scenario.empty()) r.scenario = Str(p, "scenario");
    } else if (e.kind == kinds::kExerciseStarted && !started) {
      started = true;
      r.started = e.time;
    } else if (e.kind == kinds::kExerciseEnded) {
      ended = true;
      r.ended = e.time;
      r.end_reason = Str(p, "reason");
    } else if (e.kind == kinds::kRedAction && s.ok() && !e.team.empty()) {
      TeamAcc& t = acc[e.team];
      ActionLine a;
      a.seq = e.seq;
      a.time = e.time;
      a.node = Str(p, "node");
      a.technique = Upper(Str(p, "technique"));
      a.inject = Str(p, "inject");
      a.detail = Str(p, "detail");
      if (in.scenario != nullptr) {
        for (const auto& inj : in.scenario->injects) {
          if (inj.name == a.inject) a.inject_description = inj.description;
        }
      }
      t.action_index[e.seq] = t.actions.size();
      t.actions.push_back(std::move(a));
    } else if (e.kind == kinds::kSubmissionReport && s.ok()) {
      TeamAcc& t = acc[e.team];
      ReportLine l;
      l.seq = e.seq;
      l.time = e.time;
      l.node = Str(p, "node");
      l.technique = Upper(Str(p, "technique"));
      l.description = Str(p, "description");
      l.by = Str(p, "by");
      l.outcome = "situation";
      for (const scoring::LedgerEntry* x : own(scoring::Category::kDetection)) {
        l.points += x->delta;
        if (x->delta < 0) {
          l.outcome = "false";
          continue;
        }
        l.outcome = "duplicate";
        if (x->causes.size() < 2) continue;
        auto it = t.action_index.find(x->causes[1]);
        // The scorer cites the action it credited; a duplicate cites one
        // credited before, so the first citation is the credit.
        if (it == t.action_index.end() || t.actions[it->second].detected) continue;
        ActionLine& a = t.actions[it->second];
        a.detected = true;
        a.report_seq = e.seq;
        a.reported = e.time;
        a.ttr = e.time - a.time;
        SimTime observed = a.time;
        for (const char* key : {"observed_at", "observed_at_ns"}) {
          if (auto o = p.find(key); o != p.end() && o->is_number_integer()) {
            observed = SimTime::FromNanos(o->get<int64_t>());
            break;
          }
        }
        a.ttd = std::max(Duration::Zero(), observed - a.time);
        a.credit = x->delta;
        l.outcome = "accepted";
      }
      t.reports.push_back(std::move(l));
    } else if (e.kind == kinds::kCheckResult && s.ok()) {
      std::string node = Str(p, "node"), service = Str(p, "service");
      ServiceSeries& ss = acc[e.team].services[node + "/" + service];
      ss.node = node;
      ss.service = service;
      bool up = Str(p, "status") == "up";
      ss.points.push_back({e.seq, e.time, up, Str(p, "detail")});
      ++ss.rounds;
      if (up) ++ss.up_rounds;
      for (const scoring::LedgerEntry* x : own(scoring::Category::kAvailability)) {
        if (x->delta < 0) {
          ++ss.sla_charges;
          ss.sla_points += -x->delta;
        }
      }
    } else if (e.kind == kinds::kObjectiveReached && s.ok()) {
      for (const scoring::LedgerEntry* x : own(scoring::Category::kRedImpact)) {
        if (x->delta >= 0 || x->causes.size() != 1) continue;
        CompromiseLine c;
        c.seq = e.seq;
        c.time = e.time;
        c.node = Str(p, "node");
        c.objective = Str(p, "objective");
        c.kind = Str(p, "kind");
        c.severity = Str(p, "severity");
        if (c.severity.empty()) c.severity = in.config.Node(c.node).severity;
        c.red_team = Str(p, "red_team");
        if (c.red_team.empty() && in.config.red_teams.size() == 1) {
          c.red_team = in.config.red_teams.front();
        }
        c.deduction = -x->delta;
        acc[e.team].compromises.push_back(std::move(c));
      }
    }
  }
  if (!in.events.empty()) {
    if (!started) r.started = in.events.front().time;
    if (!ended) r.ended = in.events.back().time;
  }

  std::set<std::string> techniques;
  scoring::Scoreboard board = scoring::MakeScoreboard(scorer);
  auto build = [&](const scoring::ScoreboardRow& row) {
    TeamReport t;
    t.rank = row.rank;
    t.score = row.score;
    t.metrics = scorer.Metrics(row.score.team);
    t.team = {row.score.team, row.score.role, "", "", 0};
    for (const auto& info : r.teams) {
      if (info.name == row.score.team) t.team = info;
    }
    if (t.team.role.empty()) t.team.role = row.score.role;
    TeamAcc& a = acc[row.score.team];
    t.ledger = std::move(a.ledger);
    t.actions = std::move(a.actions);
    t.reports = std::move(a.reports);
    for (auto& [key, series] : a.services) {
      FinishOutages(series, r.ended);
      t.availability.push_back(std::move(series));
    }
    t.compromises = std::move(a.compromises);
    t.total_series = std::move(a.totals);
    for (const auto& tech : t.metrics.techniques_executed) techniques.insert(tech);
    t.lessons = Lessons(t, in.config.params);
    return t;
  };
  for (const auto& row : board.blue) r.blue.push_back(build(row));
  for (const auto& row : board.red) r.red.push_back(build(row));
  r.techniques.assign(techniques.begin(), techniques.end());
  return r;
}

nlohmann::json ReportToJson(const ReportData& r) {
  json teams = json::array();
  for (const auto& t : r.teams) {
    teams.push_back({{"name", t.name},
                     {"role", t.role},
                     {"display_name", t.display_name},
                     {"organisation", t.organisation},
                     {"members", t.members}});
  }
  auto team_json = [&](const TeamReport& t) {
    json categories = json::object();
    for (scoring::Category c : scoring::kCategories) {
      categories[std::string(scoring::CategoryName(c))] = t.score.category[static_cast<int>(c)];
    }
    json ledger = json::array();
    for (const auto& e : t.ledger) ledger.push_back(ToJson(e));
    json actions = json::array();
    for (const auto& a : t.actions) {
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
      actions.push_back(std::move(j));
    }
    json reports = json::array();
    for (const auto& l : t.reports) {
      reports.push_back({{"seq", l.seq},
                         {"time", ClockJson(l.time)},
                         {"node", l.node},
                         {"technique", l.technique},
                         {"description", l.description},
                         {"by", l.by},
                         {"outcome", l.outcome},
                         {"points", l.points}});
    }
    json availability = json::array();
    for (const auto& s : t.availability) {
      json points = json::array();
      for (const auto& p : s.points) {
        points.push_back(
            {{"seq", p.seq}, {"time_ns", p.time.nanos()}, {"up", p.up}, {"detail", p.detail}});
      }
      availability.push_back(
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
    json compromises = json::array();
    for (const auto& c : t.compromises) {
      compromises.push_back({{"seq", c.seq},
                             {"time", ClockJson(c.time)},
                             {"node", c.node},
                             {"objective", c.objective},
                             {"kind", c.kind},
                             {"severity", c.severity},
                             {"red_team", c.red_team},
                             {"deduction", c.deduction}});
    }
    json lessons = json::array();
    for (const auto& l : t.lessons) {
      lessons.push_back({{"kind", l.kind}, {"text", l.text}, {"seqs", l.seqs}});
    }
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
                {"metrics", ToJson(t.metrics)},
                {"red_actions", std::move(actions)},
                {"reports", std::move(reports)},
                {"availability", std::move(availability)},
                {"compromises", std::move(compromises)},
                {"lessons", std::move(lessons)},
                {"total_series", std::move(series)},
                {"ledger", std::move(ledger)}};
  };
  json blue = json::array(), red = json::array();
  for (const auto& t : r.blue) blue.push_back(team_json(t));
  for (const auto& t : r.red) red.push_back(team_json(t));
  // Coverage: per technique, per blue team, "detected", "missed" or null.
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
  return json{{"exercise",
               {{"id", r.exercise_id},
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
                {"end_reason", r.end_reason}}},
              {"log",
               {{"events", r.event_count},
                {"head_hash", r.head_hash},
                {"chain_ok", r.chain_ok},
                {"chain_problem", r.chain_problem}}},
              {"teams", std::move(teams)},
              {"scoring", scoring::ConfigToJson(r.config)},
              {"scoring_recorded", r.config_recorded},
              {"techniques", r.techniques},
              {"coverage", std::move(coverage)},
              {"blue", std::move(blue)},
              {"red", std::move(red)},
              {"warnings", r.warnings}};
}

}  // namespace livefire::report
