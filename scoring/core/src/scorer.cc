#include "livefire/scoring/scorer.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <numeric>
#include <set>

namespace livefire::scoring {

namespace {

using json = nlohmann::json;

// Submissions remembered for grading (grades cite them by seq). Submissions
// are human-made, so this bounds memory without limiting real exercises.
constexpr size_t kMaxSubmissions = 100'000;
// Red actions kept per team for matching, besides the detection_window pruning.
constexpr size_t kMaxRedActionsPerTeam = 100'000;

std::string Pct(double f) { return fmt::format("{:.1f} %", f * 100); }
std::string Pts(double v) { return fmt::format("{:g}", v); }

std::string UpperTechnique(std::string t) {
  for (char& c : t) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return t;
}
std::string_view ParentTechnique(std::string_view t) {
  auto dot = t.find('.');
  return dot == std::string_view::npos ? t : t.substr(0, dot);
}
// Same technique, or one is the other's parent (T1059 vs T1059.004).
bool TechniqueMatches(std::string_view reported, std::string_view executed) {
  if (reported.empty() || executed.empty()) return false;
  return reported == executed || reported == ParentTechnique(executed) ||
         ParentTechnique(reported) == executed;
}

}  // namespace

std::string_view CategoryName(Category c) {
  switch (c) {
    case Category::kAvailability: return "availability";
    case Category::kRedImpact: return "red_impact";
    case Category::kDetection: return "detection";
    case Category::kReports: return "reports";
    case Category::kPenalties: return "penalties";
  }
  return "?";
}

double Weight(const model::ScoringWeights& w, Category c) {
  switch (c) {
    case Category::kAvailability: return w.availability;
    case Category::kRedImpact: return w.red_impact;
    case Category::kDetection: return w.detection;
    case Category::kReports: return w.reports;
    case Category::kPenalties: return w.penalties;
  }
  return 0;
}

double DecayFactor(const model::ScoringParams& p, Duration elapsed) {
  if (elapsed <= p.ttd_full_credit) return 1.0;
  if (elapsed >= p.ttd_zero_credit) return p.ttd_floor;
  double x = static_cast<double>((elapsed - p.ttd_full_credit).nanos()) /
             static_cast<double>((p.ttd_zero_credit - p.ttd_full_credit).nanos());
  if (p.ttd_decay == model::DecayShape::kQuadratic) x *= x;
  return 1.0 - (1.0 - p.ttd_floor) * x;
}

json ToJson(const LedgerEntry& e) {
  return {{"seq", e.seq},
          {"time_ns", e.time.nanos()},
          {"clock", FormatClock(e.time)},
          {"team", e.team},
          {"category", CategoryName(e.category)},
          {"delta", e.delta},
          {"reason", e.reason},
          {"causes", e.causes}};
}

Event ToEvent(const ScoreChange& c, SimTime time) {
  Event e;
  e.time = time;
  e.team = c.team;
  e.kind = std::string(kinds::kScoreChanged);
  e.payload = {{"total", c.total}, {"delta", c.delta}, {"reason", c.reason},
               {"cause_seq", c.cause_seq}};
  return e;
}

// ---- state -------------------------------------------------------------------

namespace {

struct TeamState {
  TeamScore score;
  int64_t check_rounds = 0;
  int64_t up_rounds = 0;
  std::vector<double> ttd_s, ttr_s;
  std::map<std::string, int64_t> compromises_by_severity;
  int64_t compromises = 0;
  int64_t reports_accepted = 0, reports_false = 0, reports_duplicate = 0;
  int64_t red_actions = 0;
  std::set<std::string> techniques_executed, techniques_detected;
  int64_t wrong_flags = 0;
  int64_t reverts = 0;
};

struct ServiceState {
  int fail_streak = 0;
  bool down = false;  // the last round failed
  double sla_paid = 0;
};

struct RedAction {
  int64_t seq = 0;
  SimTime time;
  std::string node;
  std::string technique;
  bool credited = false;
};

struct Compromise {
  std::string team, node, objective, red_team;
  double deduction = 0;
  SimTime reached;
  int64_t seq = 0;
  double accrued = 0;
  SimTime next_accrual;
  bool open = true;
  bool refunded = false;
};

struct TimelyDetection {
  int64_t report_seq = 0;
  int64_t action_seq = 0;
  SimTime action_time;
};

struct Submission {
  SimTime time;
  std::string team;
};

class FieldReader {
 public:
  FieldReader(const Event& e) : e_(e) {}  // NOLINT
  Status Str(const char* key, std::string& out, bool required = true) const {
    auto it = e_.payload.find(key);
    if (it == e_.payload.end() || it->is_null()) return required ? Missing(key) : Status::Ok();
    if (!it->is_string()) return Wrong(key, "a string");
    out = it->get<std::string>();
    return Status::Ok();
  }
  Status Num(const char* key, double& out, bool required = true) const {
    auto it = e_.payload.find(key);
    if (it == e_.payload.end() || it->is_null()) return required ? Missing(key) : Status::Ok();
    if (!it->is_number()) return Wrong(key, "a number");
    out = it->get<double>();
    if (!std::isfinite(out)) return Wrong(key, "a finite number");
    return Status::Ok();
  }
  Status Int(const char* key, int64_t& out, bool& present) const {
    present = false;
    auto it = e_.payload.find(key);
    if (it == e_.payload.end() || it->is_null()) return Status::Ok();
    if (!it->is_number_integer()) return Wrong(key, "an integer");
    out = it->get<int64_t>();
    present = true;
    return Status::Ok();
  }
  Status Bool(const char* key, bool& out) const {
    auto it = e_.payload.find(key);
    if (it == e_.payload.end()) return Missing(key);
    if (!it->is_boolean()) return Wrong(key, "true or false");
    out = it->get<bool>();
    return Status::Ok();
  }
  Status NeedTeam() const {
    return e_.team.empty() ? Error("has no team (scoring needs the team it concerns)")
                           : Status::Ok();
  }
  Status Error(std::string_view what) const {
    return Status::InvalidArgument(fmt::format("event {} ({}): {}", e_.seq, e_.kind, what));
  }

 private:
  Status Missing(const char* key) const {
    return Error(fmt::format("payload lacks field '{}'", key));
  }
  Status Wrong(const char* key, const char* what) const {
    return Error(fmt::format("payload field '{}' is not {}", key, what));
  }
  const Event& e_;
};

}  // namespace

struct Scorer::State {
  ScoringConfig cfg;
  int64_t last_seq = 0;
  SimTime time;
  int64_t entry_seq = 0;
  std::map<std::string, TeamState, std::less<>> teams;
  std::unordered_map<std::string, ServiceState> services;  // team/node/service
  std::map<std::string, std::deque<RedAction>, std::less<>> actions;  // by team
  std::vector<Compromise> compromises;  // every compromise, in seq order
  std::map<std::string, TimelyDetection> timely;  // team/node -> last timely detection
  std::unordered_map<int64_t, Submission> submissions;
  std::deque<int64_t> submission_order;
  std::map<std::string, SimTime> fired;     // team/inject -> last firing
  std::map<std::string, double> grades;     // grade key -> points awarded so far

  // Per Apply: entries made and each touched team's total before the event.
  Applied* out = nullptr;
  std::vector<std::pair<std::string, double>> touched;
  std::vector<std::string> reasons;  // parallel to touched

  TeamState& Team(std::string_view name) {
    auto it = teams.find(name);
    if (it == teams.end()) {
      it = teams.emplace(std::string(name), TeamState{}).first;
      it->second.score.team = std::string(name);
      it->second.score.role = cfg.IsRed(name) ? "red" : "blue";
    }
    return it->second;
  }

  void Add(const std::string& team, Category c, double delta, std::string reason,
           std::vector<int64_t> causes) {
    TeamState& ts = Team(team);
    size_t i = 0;
    while (i < touched.size() && touched[i].first != team) ++i;
    if (i == touched.size()) {
      touched.emplace_back(team, ts.score.total);
      reasons.emplace_back();
    }
    ts.score.category[static_cast<int>(c)] += delta;
    if (delta != 0) {
      if (!reasons[i].empty()) reasons[i] += "; ";
      reasons[i] += reason;
    }
    ++entry_seq;
    if (out != nullptr) {
      out->entries.push_back(
          {entry_seq, time, team, c, delta, std::move(reason), std::move(causes)});
    }
  }

  // Weighted total, summed in category order so live and replay agree bit for bit.
  double Total(const TeamScore& s) const {
    double t = 0;
    for (Category c : kCategories) t += Weight(cfg.params.weights, c) * s.category[static_cast<int>(c)];
    return t;
  }

  std::string RedTeamFor(const Event& e) const {
    if (auto it = e.payload.find("red_team"); it != e.payload.end() && it->is_string()) {
      return it->get<std::string>();
    }
    return cfg.red_teams.size() == 1 ? cfg.red_teams.front() : std::string();
  }

  // ---- persistence of compromises -------------------------------------------
  void AccrueUntil(SimTime t, int64_t trigger_seq) {
    const auto& p = cfg.params;
    for (auto& c : compromises) {
      if (!c.open) continue;
      double cap = p.persist_cap * c.deduction;
      double step = p.persist_rate * c.deduction;
      while (step > 0 && c.accrued < cap && c.next_accrual <= t) {
        double amount = std::min(step, cap - c.accrued);
        c.accrued += amount;
        std::string why = fmt::format("compromise of {} persists at {} (objective {})", c.node,
                                      FormatClock(c.next_accrual), c.objective);
        Add(c.team, Category::kRedImpact, -amount, why, {c.seq, trigger_seq});
        if (!c.red_team.empty()) Add(c.red_team, Category::kRedImpact, amount, why, {c.seq, trigger_seq});
        c.next_accrual += p.check_interval;
      }
      if (step <= 0 || c.accrued >= cap) c.next_accrual = SimTime::Max();
    }
  }

  void Refund(Compromise& c, int64_t report_seq, int64_t action_seq, int64_t cause_seq) {
    if (c.refunded || cfg.params.detection_refund <= 0) return;
    c.refunded = true;
    double amount = cfg.params.detection_refund * c.deduction;
    std::vector<int64_t> causes = {cause_seq};
    for (int64_t s : {report_seq, action_seq, c.seq}) {
      if (s != cause_seq) causes.push_back(s);
    }
    Add(c.team, Category::kRedImpact, amount,
        fmt::format("timely detection on {} earns back {} of the compromise deduction "
                    "(objective {})",
                    c.node, Pct(cfg.params.detection_refund), c.objective),
        std::move(causes));
  }

  void RememberSubmission(const Event& e) {
    submissions[e.seq] = {e.time, e.team};
    submission_order.push_back(e.seq);
    if (submission_order.size() > kMaxSubmissions) {
      submissions.erase(submission_order.front());
      submission_order.pop_front();
    }
  }

  void PruneActions(std::deque<RedAction>& q, SimTime now) {
    while (!q.empty() && (now - q.front().time > cfg.params.detection_window ||
                          q.size() > kMaxRedActionsPerTeam)) {
      q.pop_front();
    }
  }

  // ---- handlers ---------------------------------------------------------------
  Status OnCheck(const Event& e) {
    FieldReader f(e);
    std::string node, service, status, detail;
    LF_RETURN_IF_ERROR(f.NeedTeam());
    LF_RETURN_IF_ERROR(f.Str("node", node));
    LF_RETURN_IF_ERROR(f.Str("service", service));
    LF_RETURN_IF_ERROR(f.Str("status", status));
    LF_RETURN_IF_ERROR(f.Str("detail", detail, false));
    if (status != "up" && status != "down") return f.Error("status must be \"up\" or \"down\"");
    const auto& p = cfg.params;
    std::string key = e.team + '/' + node + '/' + service;
    ServiceState& s = services[key];
    TeamState& ts = Team(e.team);
    ++ts.check_rounds;
    double full = p.round_points * cfg.Node(node).value;
    std::string name = node + '/' + service;
    if (status == "up") {
      ++ts.up_rounds;
      if (s.down) {
        Add(e.team, Category::kAvailability, full / 2,
            fmt::format("{} recovering (first up after {} failed rounds): half points", name,
                        s.fail_streak),
            {e.seq});
      } else {
        Add(e.team, Category::kAvailability, full, fmt::format("{} up", name), {e.seq});
      }
      s.down = false;
      s.fail_streak = 0;
      return Status::Ok();
    }
    s.down = true;
    ++s.fail_streak;
    Add(e.team, Category::kAvailability, 0,
        fmt::format("{} down (failed round {}): {}", name, s.fail_streak,
                    detail.empty() ? "no detail" : detail),
        {e.seq});
    if (s.fail_streak >= p.sla_threshold && s.sla_paid < p.sla_cap) {
      double pen = std::min(p.sla_penalty, p.sla_cap - s.sla_paid);
      s.sla_paid += pen;
      Add(e.team, Category::kAvailability, -pen,
          fmt::format("SLA breach: {} down {} consecutive rounds (threshold {}; {} of cap {} "
                      "charged)",
                      name, s.fail_streak, p.sla_threshold, Pts(s.sla_paid), Pts(p.sla_cap)),
          {e.seq});
    }
    return Status::Ok();
  }

  Status OnRedAction(const Event& e) {
    FieldReader f(e);
    std::string node, technique;
    LF_RETURN_IF_ERROR(f.NeedTeam());
    LF_RETURN_IF_ERROR(f.Str("node", node));
    LF_RETURN_IF_ERROR(f.Str("technique", technique));
    technique = UpperTechnique(technique);
    TeamState& ts = Team(e.team);
    ++ts.red_actions;
    if (!technique.empty()) ts.techniques_executed.insert(technique);
    auto& q = actions[e.team];
    q.push_back({e.seq, e.time, node, technique, false});
    PruneActions(q, e.time);
    return Status::Ok();
  }

  Status OnObjective(const Event& e) {
    FieldReader f(e);
    std::string node, objective, severity;
    LF_RETURN_IF_ERROR(f.NeedTeam());
    LF_RETURN_IF_ERROR(f.Str("node", node));
    LF_RETURN_IF_ERROR(f.Str("objective", objective));
    LF_RETURN_IF_ERROR(f.Str("severity", severity, false));
    for (const auto& c : compromises) {
      if (c.open && c.team == e.team && c.objective == objective) {
        Add(e.team, Category::kRedImpact, 0,
            fmt::format("objective {} reached again while still compromised: no extra deduction",
                        objective),
            {e.seq, c.seq});
        return Status::Ok();
      }
    }
    const auto& p = cfg.params;
    const NodeInfo& n = cfg.Node(node);
    double base = p.compromise_points;
    if (auto it = cfg.objectives.find(objective); it != cfg.objectives.end() && it->second.points > 0) {
      base = it->second.points;
    }
    double d = base * n.security_level / 3.0 * n.value;
    Compromise c;
    c.team = e.team;
    c.node = node;
    c.objective = objective;
    c.red_team = RedTeamFor(e);
    c.deduction = d;
    c.reached = e.time;
    c.seq = e.seq;
    c.next_accrual = e.time + p.check_interval;
    std::string why = fmt::format(
        "compromise of {} (objective {}): {} x level {}/3 x value {} = {}", node, objective,
        Pts(base), n.security_level, Pts(n.value), Pts(d));
    Add(e.team, Category::kRedImpact, -d, why, {e.seq});
    if (!c.red_team.empty()) Add(c.red_team, Category::kRedImpact, d, why, {e.seq});
    TeamState& ts = Team(e.team);
    ++ts.compromises;
    ++ts.compromises_by_severity[severity.empty() ? n.severity : severity];
    compromises.push_back(std::move(c));
    Compromise& added = compromises.back();
    if (auto it = timely.find(e.team + '/' + node); it != timely.end() &&
        e.time - it->second.action_time <= p.detection_window) {
      Refund(added, it->second.report_seq, it->second.action_seq, e.seq);
    }
    return Status::Ok();
  }

  Status OnReport(const Event& e) {
    FieldReader f(e);
    std::string node, technique;
    LF_RETURN_IF_ERROR(f.NeedTeam());
    LF_RETURN_IF_ERROR(f.Str("node", node));
    LF_RETURN_IF_ERROR(f.Str("technique", technique));
    int64_t observed_ns = 0;
    bool has_observed = false;
    LF_RETURN_IF_ERROR(f.Int("observed_at", observed_ns, has_observed));
    if (!has_observed) {
      LF_RETURN_IF_ERROR(f.Int("observed_at_ns", observed_ns, has_observed));
      if (!has_observed) return f.Error("payload lacks field 'observed_at' (exercise ns)");
    }
    technique = UpperTechnique(technique);
    RememberSubmission(e);
    // Without a technique it is a situation report or an inject response:
    // not a detection claim, so neither credited nor false; the white cell grades it.
    if (technique.empty()) return Status::Ok();
    const auto& p = cfg.params;
    SimTime observed = SimTime::FromNanos(observed_ns);
    TeamState& ts = Team(e.team);
    auto& q = actions[e.team];
    PruneActions(q, e.time);
    RedAction* match = nullptr;
    RedAction* credited_match = nullptr;
    for (auto& a : q) {
      if (a.node != node || !TechniqueMatches(technique, a.technique)) continue;
      if (a.time > e.time || e.time - a.time > p.detection_window) continue;
      if (observed < a.time - p.detection_slack) continue;
      if (a.credited) {
        if (credited_match == nullptr) credited_match = &a;
        continue;
      }
      match = &a;
      break;
    }
    if (match == nullptr && credited_match != nullptr) {
      ++ts.reports_duplicate;
      Add(e.team, Category::kDetection, 0,
          fmt::format("report of {} on {} repeats an already credited detection", technique, node),
          {e.seq, credited_match->seq});
      return Status::Ok();
    }
    if (match == nullptr) {
      ++ts.reports_false;
      Add(e.team, Category::kDetection, -p.false_report_penalty,
          fmt::format("false report: no red action {} on {} to match", technique, node), {e.seq});
      return Status::Ok();
    }
    match->credited = true;
    Duration ttr = e.time - match->time;
    Duration ttd = std::max(Duration::Zero(), observed - match->time);
    double factor = DecayFactor(p, ttr);
    ++ts.reports_accepted;
    ts.ttr_s.push_back(ttr.seconds());
    ts.ttd_s.push_back(ttd.seconds());
    ts.techniques_detected.insert(match->technique);
    Add(e.team, Category::kDetection, p.detection_points * factor,
        fmt::format("detected {} on {}: reported {} after the action, credit {} of {}",
                    match->technique, node, FormatDuration(ttr), Pct(factor),
                    Pts(p.detection_points)),
        {e.seq, match->seq});
    if (ttr <= p.ttd_zero_credit) {
      timely[e.team + '/' + node] = {e.seq, match->seq, match->time};
      for (auto& c : compromises) {
        if (c.team != e.team || c.node != node || c.refunded) continue;
        Duration gap = c.reached >= match->time ? c.reached - match->time : match->time - c.reached;
        if (gap <= p.detection_window) Refund(c, e.seq, match->seq, e.seq);
      }
    }
    return Status::Ok();
  }

  Status OnRevert(const Event& e) {
    FieldReader f(e);
    std::string node, by;
    LF_RETURN_IF_ERROR(f.NeedTeam());
    LF_RETURN_IF_ERROR(f.Str("node", node));
    LF_RETURN_IF_ERROR(f.Str("by", by));
    for (auto& c : compromises) {
      if (c.open && c.team == e.team && c.node == node) {
        c.open = false;
        Add(e.team, Category::kRedImpact, 0,
            fmt::format("compromise of {} ended by revert (objective {})", node, c.objective),
            {e.seq, c.seq});
      }
    }
    TeamState& ts = Team(e.team);
    ++ts.reverts;
    if (by == "white") {
      Add(e.team, Category::kPenalties, 0,
          fmt::format("{} reverted by the white cell: no penalty", node), {e.seq});
    } else {
      Add(e.team, Category::kPenalties, -cfg.params.revert_penalty,
          fmt::format("{} reverted to its snapshot (requested by {})", node, by), {e.seq});
    }
    return Status::Ok();
  }

  Status OnPenalty(const Event& e) {
    FieldReader f(e);
    std::string kind, reason;
    double points = 0;
    LF_RETURN_IF_ERROR(f.NeedTeam());
    LF_RETURN_IF_ERROR(f.Str("kind", kind));
    LF_RETURN_IF_ERROR(f.Num("points", points));
    LF_RETURN_IF_ERROR(f.Str("reason", reason, false));
    Add(e.team, Category::kPenalties, -std::abs(points),
        fmt::format("penalty ({}): {}", kind, reason), {e.seq});
    return Status::Ok();
  }

  Status OnFlag(const Event& e) {
    FieldReader f(e);
    bool correct = false;
    LF_RETURN_IF_ERROR(f.NeedTeam());
    LF_RETURN_IF_ERROR(f.Bool("correct", correct));
    RememberSubmission(e);
    if (correct) return Status::Ok();
    TeamState& ts = Team(e.team);
    ++ts.wrong_flags;
    const auto& p = cfg.params;
    if (ts.wrong_flags > p.free_wrong_flags) {
      Add(e.team, Category::kPenalties, -p.wrong_flag_penalty,
          fmt::format("wrong flag #{} (the first {} are free)", ts.wrong_flags, p.free_wrong_flags),
          {e.seq});
    } else {
      Add(e.team, Category::kPenalties, 0,
          fmt::format("wrong flag #{} (free, {} allowed)", ts.wrong_flags, p.free_wrong_flags),
          {e.seq});
    }
    return Status::Ok();
  }

  Status OnFired(const Event& e) {
    FieldReader f(e);
    std::string inject;
    LF_RETURN_IF_ERROR(f.Str("inject", inject));
    fired[e.team + '/' + inject] = e.time;
    return Status::Ok();
  }

  Status OnGrade(const Event& e) {
    FieldReader f(e);
    LF_RETURN_IF_ERROR(f.NeedTeam());
    double band = -1;
    auto rit = e.payload.find("rubric");
    if (rit == e.payload.end()) return f.Error("payload lacks field 'rubric'");
    if (rit->is_number()) {
      band = rit->get<double>();
    } else if (rit->is_string()) {
      std::string r = rit->get<std::string>();
      if (!r.empty() && r.back() == '%') r.pop_back();
      if (r == "0" || r == "50" || r == "100") band = std::stod(r);
    }
    if (band != 0 && band != 50 && band != 100) {
      return f.Error("rubric must be 0, 50 or 100 (% of the inject's points)");
    }
    double points = 0;
    std::string inject, grader;
    int64_t target = 0;
    bool has_target = false;
    LF_RETURN_IF_ERROR(f.Num("points", points));
    LF_RETURN_IF_ERROR(f.Str("inject", inject, false));
    LF_RETURN_IF_ERROR(f.Str("grader", grader, false));
    LF_RETURN_IF_ERROR(f.Int("target_seq", target, has_target));
    const Submission* sub = nullptr;
    if (has_target) {
      auto it = submissions.find(target);
      if (it == submissions.end()) {
        return f.Error(fmt::format("target_seq {} is not a known submission", target));
      }
      if (it->second.team != e.team) {
        return f.Error(fmt::format("target_seq {} was submitted by team '{}', not '{}'", target,
                                   it->second.team, e.team));
      }
      sub = &it->second;
    }
    const auto& p = cfg.params;
    double max = std::abs(points);
    const InjectInfo* info = nullptr;
    if (!inject.empty()) {
      if (auto it = cfg.injects.find(inject); it != cfg.injects.end()) {
        info = &it->second;
        if (info->points > 0) max = info->points;
      }
    }
    double factor = 1;
    std::string timing;
    if (sub != nullptr && info != nullptr && info->response_due.nanos() > 0) {
      auto fit = fired.find(e.team + '/' + inject);
      if (fit == fired.end()) fit = fired.find('/' + inject);
      if (fit != fired.end()) {
        SimTime due = fit->second + info->response_due;
        SimTime close = due + p.late_grace;
        if (sub->time <= due) {
          timing = fmt::format(", on time (due {})", FormatClock(due));
        } else if (sub->time <= close) {
          factor = p.late_factor;
          timing = fmt::format(", late (due {}, submitted {}): x {}", FormatClock(due),
                               FormatClock(sub->time), Pts(p.late_factor));
        } else {
          factor = 0;
          timing = fmt::format(", refused: submitted {} after close {}", FormatClock(sub->time),
                               FormatClock(close));
        }
      }
    }
    double award = band / 100.0 * max * factor;
    std::string key = e.team + '|' + (has_target ? fmt::format("seq:{}", target)
                                      : !inject.empty() ? "inject:" + inject
                                                        : fmt::format("grade:{}", e.seq));
    double& before = grades[key];
    double delta = award - before;
    std::string what = inject.empty() ? std::string("response") : "inject " + inject;
    std::string why = fmt::format("grade {} % of {} for {}{}{}{}", Pts(band), Pts(max), what,
                                  timing, grader.empty() ? "" : " by " + grader,
                                  before != 0 ? fmt::format(" (regrade, was {})", Pts(before)) : "");
    before = award;
    std::vector<int64_t> causes = {e.seq};
    if (has_target) causes.push_back(target);
    Add(e.team, Category::kReports, delta, why, std::move(causes));
    return Status::Ok();
  }

  Status OnEnded(const Event& e) {
    for (auto& c : compromises) {
      if (!c.open) continue;
      c.open = false;
      Add(c.team, Category::kRedImpact, 0,
          fmt::format("exercise ended: compromise of {} no longer accrues (objective {})", c.node,
                      c.objective),
          {e.seq, c.seq});
    }
    return Status::Ok();
  }

  Status Dispatch(const Event& e) {
    std::string_view k = e.kind;
    if (k == kinds::kCheckResult) return OnCheck(e);
    if (k == kinds::kRedAction) return OnRedAction(e);
    if (k == kinds::kObjectiveReached) return OnObjective(e);
    if (k == kinds::kSubmissionReport) return OnReport(e);
    if (k == kinds::kRangeNodeReverted) return OnRevert(e);
    if (k == kinds::kPenalty) return OnPenalty(e);
    if (k == kinds::kSubmissionFlag) return OnFlag(e);
    if (k == kinds::kSubmissionFinding) {
      if (e.team.empty()) return FieldReader(e).NeedTeam();
      RememberSubmission(e);
      return Status::Ok();
    }
    if (k == kinds::kInjectFired) return OnFired(e);
    if (k == kinds::kGradeGiven) return OnGrade(e);
    if (k == kinds::kExerciseEnded) return OnEnded(e);
    return Status::Ok();  // not a scoring event
  }
};

Scorer::Scorer(ScoringConfig config) : s_(std::make_unique<State>()) {
  s_->cfg = std::move(config);
  for (const auto& t : s_->cfg.blue_teams) s_->Team(t);
  for (const auto& t : s_->cfg.red_teams) s_->Team(t);
}
Scorer::~Scorer() = default;
Scorer::Scorer(Scorer&&) noexcept = default;
Scorer& Scorer::operator=(Scorer&&) noexcept = default;

Status Scorer::Apply(const Event& e, Applied* out) {
  State& s = *s_;
  if (out != nullptr) out->clear();
  if (e.seq <= s.last_seq) {
    return Status::FailedPrecondition(fmt::format(
        "event {} ({}) arrives after event {}: the scorer needs seq order", e.seq, e.kind,
        s.last_seq));
  }
  s.last_seq = e.seq;
  if (e.kind == kinds::kScoreChanged) return Status::Ok();
  // Exercise time never runs backwards for the scorer: a late-stamped event
  // is scored at the latest time seen.
  if (e.time > s.time) s.time = e.time;
  s.out = out;
  s.touched.clear();
  s.reasons.clear();
  s.AccrueUntil(s.time, e.seq);
  Status st = s.Dispatch(e);
  for (size_t i = 0; i < s.touched.size(); ++i) {
    TeamState& ts = s.Team(s.touched[i].first);
    double before = s.touched[i].second;
    ts.score.total = s.Total(ts.score);
    double delta = ts.score.total - before;
    if (out != nullptr && delta != 0) {
      out->changes.push_back({ts.score.team, ts.score.total, delta, s.reasons[i], e.seq});
    }
  }
  s.out = nullptr;
  return st;
}

const ScoringConfig& Scorer::config() const { return s_->cfg; }

Scores Scorer::scores() const {
  Scores r;
  r.last_seq = s_->last_seq;
  r.time = s_->time;
  for (const auto& [name, ts] : s_->teams) r.teams[name] = ts.score;
  return r;
}

const TeamScore* Scorer::team(std::string_view name) const {
  auto it = s_->teams.find(name);
  return it == s_->teams.end() ? nullptr : &it->second.score;
}

std::vector<std::string> Scorer::teams() const {
  std::vector<std::string> r;
  for (const auto& [name, ts] : s_->teams) r.push_back(name);
  return r;
}

int64_t Scorer::last_seq() const { return s_->last_seq; }

namespace {
std::optional<double> Mean(const std::vector<double>& v) {
  if (v.empty()) return std::nullopt;
  return std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(v.size());
}
std::optional<double> Median(std::vector<double> v) {
  if (v.empty()) return std::nullopt;
  std::sort(v.begin(), v.end());
  size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}
}  // namespace

TeamMetrics Scorer::Metrics(std::string_view team) const {
  TeamMetrics m;
  m.team = std::string(team);
  auto it = s_->teams.find(team);
  if (it == s_->teams.end()) return m;
  const TeamState& ts = it->second;
  m.role = ts.score.role;
  m.mean_ttd_s = Mean(ts.ttd_s);
  m.median_ttd_s = Median(ts.ttd_s);
  m.mean_ttr_s = Mean(ts.ttr_s);
  m.median_ttr_s = Median(ts.ttr_s);
  m.check_rounds = ts.check_rounds;
  m.up_rounds = ts.up_rounds;
  if (ts.check_rounds > 0) {
    m.availability_pct = 100.0 * static_cast<double>(ts.up_rounds) /
                         static_cast<double>(ts.check_rounds);
  }
  m.compromises_by_severity = ts.compromises_by_severity;
  m.compromises = ts.compromises;
  m.reports_accepted = ts.reports_accepted;
  m.reports_false = ts.reports_false;
  m.reports_duplicate = ts.reports_duplicate;
  m.red_actions = ts.red_actions;
  m.techniques_executed.assign(ts.techniques_executed.begin(), ts.techniques_executed.end());
  m.techniques_detected.assign(ts.techniques_detected.begin(), ts.techniques_detected.end());
  m.wrong_flags = ts.wrong_flags;
  m.reverts = ts.reverts;
  return m;
}

json ToJson(const TeamMetrics& m) {
  auto opt = [](const std::optional<double>& v) { return v ? json(*v) : json(nullptr); };
  return {{"team", m.team},
          {"role", m.role},
          {"mean_ttd_s", opt(m.mean_ttd_s)},
          {"median_ttd_s", opt(m.median_ttd_s)},
          {"mean_ttr_s", opt(m.mean_ttr_s)},
          {"median_ttr_s", opt(m.median_ttr_s)},
          {"check_rounds", m.check_rounds},
          {"up_rounds", m.up_rounds},
          {"availability_pct", opt(m.availability_pct)},
          {"compromises", m.compromises},
          {"compromises_by_severity", m.compromises_by_severity},
          {"reports_accepted", m.reports_accepted},
          {"reports_false", m.reports_false},
          {"reports_duplicate", m.reports_duplicate},
          {"red_actions", m.red_actions},
          {"techniques_executed", m.techniques_executed},
          {"techniques_detected", m.techniques_detected},
          {"wrong_flags", m.wrong_flags},
          {"reverts", m.reverts}};
}

std::vector<std::pair<std::string, double>> FlatMetrics(const TeamMetrics& m) {
  std::vector<std::pair<std::string, double>> r;
  auto opt = [&](const char* k, const std::optional<double>& v) {
    if (v) r.emplace_back(k, *v);
  };
  auto num = [&](const char* k, int64_t v) { r.emplace_back(k, static_cast<double>(v)); };
  opt("mean_ttd_s", m.mean_ttd_s);
  opt("median_ttd_s", m.median_ttd_s);
  opt("mean_ttr_s", m.mean_ttr_s);
  opt("median_ttr_s", m.median_ttr_s);
  num("check_rounds", m.check_rounds);
  num("up_rounds", m.up_rounds);
  opt("availability_pct", m.availability_pct);
  num("compromises", m.compromises);
  for (const char* sev : {"low", "medium", "high", "critical"}) {
    auto it = m.compromises_by_severity.find(sev);
    num((std::string("compromises_") + sev).c_str(),
        it == m.compromises_by_severity.end() ? 0 : it->second);
  }
  // The lambda copies the key, so the temporary above is safe.
  num("reports_accepted", m.reports_accepted);
  num("reports_false", m.reports_false);
  num("reports_duplicate", m.reports_duplicate);
  num("red_actions", m.red_actions);
  num("techniques_executed", static_cast<int64_t>(m.techniques_executed.size()));
  num("techniques_detected", static_cast<int64_t>(m.techniques_detected.size()));
  num("wrong_flags", m.wrong_flags);
  num("reverts", m.reverts);
  return r;
}

// ---- replay --------------------------------------------------------------------

ReplayChecker::ReplayChecker(ScoringConfig config) : scorer_(std::move(config)) {}

Status ReplayChecker::Feed(const Event& e) {
  if (e.kind == kinds::kScoreChanged) {
    ++recorded_;
    ScoreChange c;
    c.team = e.team;
    const auto& p = e.payload;
    auto num = [&](const char* k) { return p.contains(k) && p[k].is_number() ? p[k].get<double>() : NAN; };
    c.total = num("total");
    c.delta = num("delta");
    c.reason = p.value("reason", std::string());
    c.cause_seq = p.contains("cause_seq") && p["cause_seq"].is_number_integer()
                      ? p["cause_seq"].get<int64_t>()
                      : -1;
    recorded_pending_.push_back(std::move(c));
    Status st = scorer_.Apply(e, nullptr);  // keeps the seq check uniform
    Match();
    return st;
  }
  Status st = scorer_.Apply(e, &applied_);
  if (st.code() == StatusCode::kFailedPrecondition) return st;
  if (!st.ok()) warnings_.push_back(st.message());
  for (auto& c : applied_.changes) pending_.push_back(std::move(c));
  recomputed_ += static_cast<int64_t>(applied_.changes.size());
  Match();
  return Status::Ok();
}

void ReplayChecker::Match() {
  while (diff_.empty() && !recorded_pending_.empty()) {
    const ScoreChange& rec = recorded_pending_.front();
    if (pending_.empty()) {
      diff_ = fmt::format(
          "recorded score change for team {} (cause event {}, total {}) has no recomputed "
          "counterpart",
          rec.team, rec.cause_seq, Pts(rec.total));
      return;
    }
    const ScoreChange& got = pending_.front();
    if (got.team != rec.team || got.cause_seq != rec.cause_seq || got.total != rec.total ||
        got.delta != rec.delta) {
      diff_ = fmt::format(
          "cause event {}: recorded team {} total {} (delta {}), recomputed team {} cause "
          "event {} total {} (delta {})",
          rec.cause_seq, rec.team, fmt::format("{:.17g}", rec.total),
          fmt::format("{:.17g}", rec.delta), got.team, got.cause_seq,
          fmt::format("{:.17g}", got.total), fmt::format("{:.17g}", got.delta));
      return;
    }
    pending_.pop_front();
    recorded_pending_.pop_front();
  }
}

void ReplayChecker::Finish() {
  Match();
  // A log recorded without score.changed events has nothing to compare with.
  if (diff_.empty() && recorded_ > 0 && !pending_.empty()) {
    const ScoreChange& got = pending_.front();
    diff_ = fmt::format(
        "recomputed score change for team {} (cause event {}, total {}) was never recorded",
        got.team, got.cause_seq, Pts(got.total));
  }
}

Result<ScoringConfig> ConfigFromEvents(const std::vector<Event>& events) {
  for (const auto& e : events) {
    if (e.kind != kinds::kExerciseCreated) continue;
    auto it = e.payload.find("scoring");
    if (it == e.payload.end()) break;
    auto c = ConfigFromJson(*it);
    if (!c.ok()) return c.status().WithContext(fmt::format("event {} (exercise.created)", e.seq));
    return c;
  }
  return Status::NotFound("the log records no scoring config (exercise.created lacks 'scoring')");
}

Result<Scores> Replay(const ScoringConfig& config, const std::vector<Event>& events,
                      std::vector<LedgerEntry>* ledger) {
  Scorer scorer(config);
  Applied applied;
  for (const auto& e : events) {
    Status st = scorer.Apply(e, &applied);
    if (st.code() == StatusCode::kFailedPrecondition) return st;
    if (ledger != nullptr) {
      for (auto& entry : applied.entries) ledger->push_back(std::move(entry));
    }
  }
  return scorer.scores();
}

}  // namespace livefire::scoring
