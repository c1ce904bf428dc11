#include "livefire/report/report.h"

#include <fmt/format.h>

#include <algorithm>
#include <optional>
#include <set>

#include "livefire/escape.h"
#include "livefire/scoring/replay.h"
#include "livefire/scoring/scoreboard.h"
#include "report_html.h"

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

// Techniques executed against the team and never credited, with every action.
void UndetectedLessons(const TeamReport& t, std::vector<Lesson>& out) {
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
}

// The slowest credited detections past the full-credit time, slowest first.
void SlowLessons(const TeamReport& t, const model::ScoringParams& p, std::vector<Lesson>& out) {
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
                               a->technique, a->node, FormatClock(a->time), HumanDuration(a->ttr),
                               FormatDuration(p.ttd_full_credit), a->credit, p.detection_points),
                   {a->seq, a->report_seq}});
  }
}

void SlaLessons(const TeamReport& t, std::vector<Lesson>& out) {
  for (const auto& s : t.availability) {
    if (s.sla_charges == 0) continue;
    Lesson l{
        "sla_breach",
        fmt::format("{}/{} breached its SLA: {} charged round{} ({:g} points); longest "
                    "outage {} from {}",
                    s.node, s.service, s.sla_charges, s.sla_charges == 1 ? "" : "s", s.sla_points,
                    HumanDuration(s.longest_outage), FormatClock(s.longest_outage_from)),
        {}};
    for (const auto& pt : s.points) {
      if (!pt.up && pt.time >= s.longest_outage_from &&
          pt.time < s.longest_outage_from + s.longest_outage) {
        l.seqs.push_back(pt.seq);
      }
    }
    out.push_back(std::move(l));
  }
}

void FalseReportLessons(const TeamReport& t, std::vector<Lesson>& out) {
  for (const auto& r : t.reports) {
    if (r.outcome != "false") continue;
    out.push_back({"false_report",
                   fmt::format("false report at {}: {} on {} matched no red action ({:g} points)",
                               FormatClock(r.time), r.technique, r.node, r.points),
                   {r.seq}});
  }
}

std::vector<Lesson> Lessons(const TeamReport& t, const model::ScoringParams& p) {
  std::vector<Lesson> out;
  UndetectedLessons(t, out);
  SlowLessons(t, p, out);
  SlaLessons(t, out);
  FalseReportLessons(t, out);
  return out;
}

// The exercise header: identity, configuration and the log's integrity.
ReportData ReportHeader(const ReportInput& in) {
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
  return r;
}

// Teams: the scenario's order and display names, then store-only teams.
std::vector<ReportTeam> ReportTeams(const ReportInput& in) {
  std::vector<ReportTeam> teams;
  std::set<std::string> seen;
  if (in.scenario != nullptr) {
    for (const auto& t : in.scenario->teams) {
      teams.push_back({t.name, std::string(model::ToString(t.role)), t.display_name, t.organisation,
                       t.members});
      seen.insert(t.name);
    }
  }
  for (const auto& t : in.teams) {
    if (seen.insert(t.name).second)
      teams.push_back({t.name, t.role, "", t.organisation, t.members});
  }
  return teams;
}

// Gathers the report's lines from the one replay (scoring::ReplayLog): what
// the scorer charged for each event is kept beside the event so the
// per-section lines can cite it.
class LogFolder {
 public:
  LogFolder(const ReportInput& in, ReportData& r) : in_(in), r_(r) {}

  Status Fold() {
    scoring::ReplayOptions options;
    options.config = in_.config;
    options.on_applied = [this](const Event& e, const scoring::Applied& applied, bool ok) {
      Apply(e, applied, ok);
    };
    LF_ASSIGN_OR_RETURN(replay_, scoring::ReplayLog(in_.events, options));
    r_.warnings.insert(r_.warnings.end(), replay_->warnings().begin(), replay_->warnings().end());
    if (!in_.events.empty()) {
      if (!started_) r_.started = in_.events.front().time;
      if (!ended_) r_.ended = in_.events.back().time;
    }
    return Status::Ok();
  }

  // Valid after Fold() succeeded.
  const scoring::LogReplay& replay() const { return *replay_; }
  TeamAcc& team(const std::string& name) { return acc_[name]; }

 private:
  void Apply(const Event& e, const scoring::Applied& applied, bool ok) {
    applied_ = &applied;
    for (const auto& x : applied.entries) acc_[x.team].ledger.push_back(x);
    for (const auto& c : applied.changes) acc_[c.team].totals.emplace_back(e.time, c.total);
    if (e.kind == kinds::kExerciseCreated) {
      OnCreated(e.payload);
    } else if (e.kind == kinds::kExerciseStarted && !started_) {
      started_ = true;
      r_.started = e.time;
    } else if (e.kind == kinds::kExerciseEnded) {
      ended_ = true;
      r_.ended = e.time;
      r_.end_reason = Str(e.payload, "reason");
    } else if (e.kind == kinds::kRedAction && ok && !e.team.empty()) {
      OnRedAction(e);
    } else if (e.kind == kinds::kSubmissionReport && ok) {
      OnReport(e);
    } else if (e.kind == kinds::kCheckResult && ok) {
      OnCheck(e);
    } else if (e.kind == kinds::kObjectiveReached && ok) {
      OnObjective(e);
    } else if (e.kind == kinds::kInjectFired && ok) {
      OnFired(e);
    } else if (e.kind == kinds::kSubmissionResponse && ok) {
      OnResponse(e);
    } else if (e.kind == kinds::kGradeGiven && ok) {
      OnGrade(e);
    } else if (e.kind == kinds::kSubmissionFlag && ok) {
      OnFlag(e);
    } else if (e.kind == kinds::kSubmissionFinding && ok) {
      OnFinding(e);
    } else if (e.kind == kinds::kFindingReviewed) {
      OnReviewed(e);
    } else if (e.kind == kinds::kRangeNodeReverted && ok) {
      OnRevert(e);
    } else if ((e.kind == kinds::kRangeNodeReady || e.kind == kinds::kRangeNodeFailed) && ok) {
      OnNodeBack(e);
    } else if (e.kind == kinds::kPenalty && ok) {
      r_.penalties.push_back({e.seq, e.time, e.team, Str(e.payload, "kind"),
                              Str(e.payload, "reason"),
                              OwnPoints(e, scoring::Category::kPenalties)});
    }
    applied_ = nullptr;
  }

  double OwnPoints(const Event& e, scoring::Category c) const {
    double sum = 0;
    for (const scoring::LedgerEntry* x : Own(e, c)) sum += x->points;
    return sum;
  }

  // A white inject is a task for the team it was fired for (every blue team
  // when fired exercise-wide); a firing again restarts its clock, as the
  // scorer grades it.
  void OnFired(const Event& e) {
    if (Str(e.payload, "side") != "white") return;
    const std::string inject = Str(e.payload, "inject");
    std::vector<std::string> teams;
    if (e.team.empty()) {
      teams = in_.config.blue_teams;
    } else {
      teams.push_back(e.team);
    }
    for (const auto& team : teams) {
      TaskLine& t = Task(team, inject);
      t.fired_seq = e.seq;
      t.fired = e.time;
      t.due.reset();
      if (auto it = in_.config.injects.find(inject); it != in_.config.injects.end()) {
        t.points = it->second.points;
        if (it->second.response_due.nanos() > 0) t.due = e.time + it->second.response_due;
      }
    }
  }

  TaskLine& Task(const std::string& team, const std::string& inject) {
    auto [it, added] = task_index_.try_emplace(team + '/' + inject, r_.tasks.size());
    if (added) {
      TaskLine t;
      t.inject = inject;
      t.team = team;
      if (in_.scenario != nullptr) {
        if (const model::Inject* inj = in_.scenario->FindInject(inject)) {
          t.description = inj->description;
        }
      }
      r_.tasks.push_back(std::move(t));
    }
    return r_.tasks[it->second];
  }

  void OnResponse(const Event& e) {
    Task(e.team, Str(e.payload, "inject"))
        .responses.push_back({e.seq, e.time, Str(e.payload, "by"), Str(e.payload, "text")});
  }

  void OnGrade(const Event& e) {
    const std::string inject = Str(e.payload, "inject");
    if (inject.empty() || !task_index_.count(e.team + '/' + inject)) return;
    TaskLine& t = Task(e.team, inject);
    t.grade_seq = e.seq;
    if (auto it = e.payload.find("target_seq"); it != e.payload.end() && it->is_number_integer()) {
      t.graded_seq = it->get<int64_t>();
    }
    if (auto it = e.payload.find("rubric"); it != e.payload.end() && it->is_number()) {
      t.rubric = it->get<int>();
    }
    t.awarded += OwnPoints(e, scoring::Category::kReports);
    t.grader = Str(e.payload, "grader");
    t.comment = Str(e.payload, "comment");
  }

  // A flag, finding or revert line starts as the event it comes from.
  template <typename Line>
  static Line LineOf(const Event& e) {
    Line l;
    l.seq = e.seq;
    l.time = e.time;
    l.team = e.team;
    return l;
  }

  void OnFlag(const Event& e) {
    const json& p = e.payload;
    auto f = LineOf<FlagLine>(e);
    f.against = Str(p, "against");
    f.objective = Str(p, "objective");
    f.by = Str(p, "by");
    f.correct = p.value("correct", false);
    f.penalty = OwnPoints(e, scoring::Category::kPenalties);
    r_.flags.push_back(std::move(f));
  }

  void OnFinding(const Event& e) {
    const json& p = e.payload;
    auto f = LineOf<FindingLine>(e);
    f.against = Str(p, "against");
    f.node = Str(p, "node");
    f.vulnerability = Str(p, "vulnerability");
    f.evidence = Str(p, "evidence");
    f.by = Str(p, "by");
    f.validation = Str(p, "validation");
    if (auto w = p.find("weakness"); w != p.end() && w->is_object()) {
      f.weakness = Str(*w, "vulnerability");
      f.cwe = Str(*w, "cwe");
      f.severity = Str(*w, "severity");
    } else if (f.validation == "unplanted") {
      f.review = "pending";
    }
    finding_index_[e.seq] = r_.findings.size();
    r_.findings.push_back(std::move(f));
  }

  void OnReviewed(const Event& e) {
    auto t = e.payload.find("target_seq");
    if (t == e.payload.end() || !t->is_number_integer()) return;
    auto it = finding_index_.find(t->get<int64_t>());
    if (it == finding_index_.end()) return;
    FindingLine& f = r_.findings[it->second];
    const bool accepted = e.payload.value("accepted", false);
    f.review = accepted ? "accepted" : "rejected";
    f.review_seq = e.seq;
    if (accepted) f.severity = Str(e.payload, "severity");
    f.reviewer = Str(e.payload, "reviewer");
    f.comment = Str(e.payload, "comment");
  }

  void OnRevert(const Event& e) {
    const json& p = e.payload;
    auto v = LineOf<RevertLine>(e);
    v.node = Str(p, "node");
    v.by = Str(p, "by");
    v.account = Str(p, "account");
    if (v.account.empty()) v.account = Str(p, "client");
    v.reason = Str(p, "reason");
    v.penalty = OwnPoints(e, scoring::Category::kPenalties);
    // The scorer cites the revert, then the compromise it ended.
    for (const scoring::LedgerEntry* x : Own(e, scoring::Category::kRedImpact)) {
      if (x->causes.size() < 2) continue;
      v.ended_seqs.push_back(x->causes[1]);
      std::string what = "#" + std::to_string(x->causes[1]);
      for (const auto& c : acc_[e.team].compromises) {
        if (c.seq == x->causes[1]) what = c.objective + " on " + c.node;
      }
      v.ended.push_back(std::move(what));
    }
    open_reverts_[e.team + '/' + v.node] = r_.reverts.size();
    r_.reverts.push_back(std::move(v));
  }

  // The node is back (or failed to come back): the revert's duration.
  void OnNodeBack(const Event& e) {
    auto it = open_reverts_.find(e.team + '/' + Str(e.payload, "node"));
    if (it == open_reverts_.end()) return;
    RevertLine& v = r_.reverts[it->second];
    v.back = e.kind == kinds::kRangeNodeReady ? "ready" : "failed";
    v.back_seq = e.seq;
    v.duration = e.time - v.time;
    open_reverts_.erase(it);
  }

  // Entries this event made for its own team in a category, citing it first.
  std::vector<const scoring::LedgerEntry*> Own(const Event& e, scoring::Category c) const {
    std::vector<const scoring::LedgerEntry*> v;
    for (const auto& x : applied_->entries) {
      if (x.team == e.team && x.category == c && !x.causes.empty() && x.causes[0] == e.seq) {
        v.push_back(&x);
      }
    }
    return v;
  }

  void OnCreated(const json& p) {
    if (auto it = p.find("duration_ns"); it != p.end() && it->is_number_integer()) {
      r_.planned = Duration::Nanos(it->get<int64_t>());
    }
    if (r_.title.empty()) r_.title = Str(p, "title");
    if (r_.organisation.empty()) r_.organisation = Str(p, "organisation");
    if (r_.scenario.empty()) r_.scenario = Str(p, "scenario");
  }

  void OnRedAction(const Event& e) {
    const json& p = e.payload;
    TeamAcc& t = acc_[e.team];
    ActionLine a;
    a.seq = e.seq;
    a.time = e.time;
    a.node = Str(p, "node");
    a.technique = Upper(Str(p, "technique"));
    a.inject = Str(p, "inject");
    a.detail = Str(p, "detail");
    if (in_.scenario != nullptr) {
      if (const model::Inject* inj = in_.scenario->FindInject(a.inject)) {
        a.inject_description = inj->description;
      }
    }
    t.action_index[e.seq] = t.actions.size();
    t.actions.push_back(std::move(a));
  }

  void OnReport(const Event& e) {
    const json& p = e.payload;
    TeamAcc& t = acc_[e.team];
    ReportLine l;
    l.seq = e.seq;
    l.time = e.time;
    l.node = Str(p, "node");
    l.technique = Upper(Str(p, "technique"));
    l.description = Str(p, "description");
    l.by = Str(p, "by");
    l.outcome = "situation";
    for (const scoring::LedgerEntry* x : Own(e, scoring::Category::kDetection)) {
      l.points += x->points;
      if (x->points < 0) {
        l.outcome = "false";
        continue;
      }
      l.outcome = "duplicate";
      if (x->causes.size() < 2) continue;
      auto it = t.action_index.find(x->causes[1]);
      // The scorer cites the action it credited; a duplicate cites one
      // credited before, so the first citation is the credit.
      if (it == t.action_index.end() || t.actions[it->second].detected) continue;
      CreditAction(e, x->points, t.actions[it->second]);
      l.outcome = "accepted";
    }
    t.reports.push_back(std::move(l));
  }

  static void CreditAction(const Event& e, double credit, ActionLine& a) {
    a.detected = true;
    a.report_seq = e.seq;
    a.reported = e.time;
    a.ttr = e.time - a.time;
    SimTime observed = a.time;
    for (const char* key : {"observed_at", "observed_at_ns"}) {
      if (auto o = e.payload.find(key); o != e.payload.end() && o->is_number_integer()) {
        observed = SimTime::FromNanos(o->get<int64_t>());
        break;
      }
    }
    a.ttd = std::max(Duration::Zero(), observed - a.time);
    a.credit = credit;
  }

  void OnCheck(const Event& e) {
    const json& p = e.payload;
    std::string node = Str(p, "node"), service = Str(p, "service");
    ServiceSeries& ss = acc_[e.team].services[node + "/" + service];
    ss.node = node;
    ss.service = service;
    bool up = Str(p, "status") == "up";
    ss.points.push_back({e.seq, e.time, up, Str(p, "detail")});
    ++ss.rounds;
    if (up) ++ss.up_rounds;
    for (const scoring::LedgerEntry* x : Own(e, scoring::Category::kAvailability)) {
      if (x->points < 0) {
        ++ss.sla_charges;
        ss.sla_points += -x->points;
      }
    }
  }

  void OnObjective(const Event& e) {
    const json& p = e.payload;
    for (const scoring::LedgerEntry* x : Own(e, scoring::Category::kRedImpact)) {
      if (x->points >= 0 || x->causes.size() != 1) continue;
      CompromiseLine c;
      c.seq = e.seq;
      c.time = e.time;
      c.node = Str(p, "node");
      c.objective = Str(p, "objective");
      c.kind = Str(p, "kind");
      c.severity = Str(p, "severity");
      if (c.severity.empty()) c.severity = in_.config.Node(c.node).severity;
      c.red_team = Str(p, "red_team");
      if (c.red_team.empty() && in_.config.red_teams.size() == 1) {
        c.red_team = in_.config.red_teams.front();
      }
      c.deduction = -x->points;
      acc_[e.team].compromises.push_back(std::move(c));
    }
  }

  const ReportInput& in_;
  ReportData& r_;
  std::optional<scoring::LogReplay> replay_;
  const scoring::Applied* applied_ = nullptr;  // the event's, while Apply() runs
  std::map<std::string, TeamAcc> acc_;
  std::map<std::string, size_t> task_index_;    // team/inject -> r_.tasks
  std::map<int64_t, size_t> finding_index_;     // finding seq -> r_.findings
  std::map<std::string, size_t> open_reverts_;  // team/node -> r_.reverts, until back
  bool started_ = false, ended_ = false;
};

// One scoreboard row with the lines the fold collected for its team.
TeamReport BuildTeamReport(const scoring::ScoreboardRow& row, const ReportData& r,
                           const scoring::Scorer& scorer, TeamAcc& a,
                           const model::ScoringParams& params) {
  TeamReport t;
  t.rank = row.rank;
  t.score = row.score;
  t.metrics = scorer.Metrics(row.score.team);
  t.team = {row.score.team, row.score.role, "", "", 0};
  for (const auto& info : r.teams) {
    if (info.name == row.score.team) t.team = info;
  }
  if (t.team.role.empty()) t.team.role = row.score.role;
  t.ledger = std::move(a.ledger);
  t.actions = std::move(a.actions);
  t.reports = std::move(a.reports);
  for (auto& [key, series] : a.services) {
    FinishOutages(series, r.ended);
    t.availability.push_back(std::move(series));
  }
  t.compromises = std::move(a.compromises);
  t.total_series = std::move(a.totals);
  t.lessons = Lessons(t, params);
  return t;
}

// Each task's timing, once the end of the log is known: of the graded
// response (else the first) against the due time and the grace, as the
// scorer applies it (docs/scoring.md "Reports").
void FinishTasks(ReportData& r) {
  const auto& p = r.config.params;
  for (TaskLine& t : r.tasks) {
    const TaskResponse* resp = t.responses.empty() ? nullptr : &t.responses.front();
    for (const auto& x : t.responses) {
      if (x.seq == t.graded_seq) resp = &x;
    }
    if (!t.due) {
      t.timing = "no deadline";
    } else if (resp == nullptr) {
      t.timing = r.ended > *t.due ? "missing" : "open";
      t.late_factor = r.ended > *t.due ? 0 : 1;
    } else if (resp->time <= *t.due) {
      t.timing = "on time";
    } else if (resp->time <= *t.due + p.late_grace) {
      t.timing = "late";
      t.late_factor = p.late_factor;
    } else {
      t.timing = "too late";
      t.late_factor = 0;
    }
  }
}

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
  ReportData r = ReportHeader(in);
  r.teams = ReportTeams(in);
  LogFolder folder(in, r);
  LF_RETURN_IF_ERROR(folder.Fold());
  const scoring::Scorer& scorer = folder.replay().scorer();
  std::set<std::string> techniques;
  const scoring::Scoreboard& board = folder.replay().board;
  auto add = [&](const std::vector<scoring::ScoreboardRow>& rows, std::vector<TeamReport>& out) {
    for (const auto& row : rows) {
      out.push_back(BuildTeamReport(row, r, scorer, folder.team(row.score.team), in.config.params));
      for (const auto& tech : out.back().metrics.techniques_executed) techniques.insert(tech);
    }
  };
  add(board.blue, r.blue);
  add(board.red, r.red);
  r.techniques.assign(techniques.begin(), techniques.end());
  FinishTasks(r);
  return r;
}

}  // namespace livefire::report
