// The ledger (team scores, entries, totals), event dispatch, and the per-team
// metrics derived from the state.
#include <fmt/format.h>

#include <algorithm>
#include <numeric>

#include "scorer_state.h"

namespace livefire::scoring {

using namespace internal;  // NOLINT: the scorer's own internals

TeamState& Scorer::State::Team(std::string_view name) {
  auto it = teams.find(name);
  if (it == teams.end()) {
    it = teams.emplace(std::string(name), TeamState{}).first;
    TeamScore& s = it->second.score;
    s.team = std::string(name);
    s.role = cfg.IsRed(name) ? "red" : "blue";
    // What red impact can cost one blue team (or earn red against all of
    // them): every objective of the scenario reached, persisting to the cap.
    double per_team = 0;
    for (const auto& [id, o] : cfg.objectives) per_team += MaxLoss(o.node, o.points);
    double blues = static_cast<double>(std::max<size_t>(1, cfg.blue_teams.size()));
    s.max[static_cast<int>(Category::kRedImpact)] = s.role == "red" ? per_team * blues : per_team;
    s.max[static_cast<int>(Category::kPenalties)] = kPenaltyBudget;
  }
  return it->second;
}

double Scorer::State::Deduction(std::string_view node, double objective_points) const {
  const NodeInfo& n = cfg.Node(node);
  double base = objective_points > 0 ? objective_points : cfg.params.compromise_points;
  return base * n.security_level / 3.0 * n.value;
}

double Scorer::State::MaxLoss(std::string_view node, double objective_points) const {
  return Deduction(node, objective_points) * (1 + cfg.params.persist_cap);
}

double Scorer::State::Normalised(const TeamScore& s, Category c) const {
  int i = static_cast<int>(c);
  double e = s.points[i], m = s.max[i];
  bool red = s.role == "red";
  auto clamp = [](double v) { return std::clamp(v, 0.0, 100.0); };
  switch (c) {
    case Category::kAvailability:
    case Category::kDetection:
      // Red has no services and detects nothing: these do not apply to it.
      if (red) return 0;
      return m > 0 ? clamp(100 * e / m) : 100;
    case Category::kRedImpact:
      // Blue: the share of the possible loss avoided; red: the share achieved.
      if (red) return m > 0 ? clamp(100 * e / m) : 0;
      return m > 0 ? clamp(100 * (1 + e / m)) : 100;
    case Category::kReports:
      return m > 0 ? clamp(100 * e / m) : 100;
    case Category::kPenalties:
      return clamp(100 * (1 + e / kPenaltyBudget));
  }
  return 0;
}

void Scorer::State::Add(const std::string& team, Category c, double delta, std::string reason,
                        std::vector<int64_t> causes, double max_delta) {
  TeamState& ts = Team(team);
  size_t i = 0;
  while (i < touched.size() && touched[i].first != team) ++i;
  if (i == touched.size()) {
    touched.emplace_back(team, ts.score.total);
    reasons.emplace_back();
  }
  int k = static_cast<int>(c);
  ts.score.points[k] += delta;
  ts.score.max[k] += max_delta;
  double before = ts.score.category[k];
  double after = Normalised(ts.score, c);
  ts.score.category[k] = after;
  double change = after - before;
  if (change != 0) {
    if (!reasons[i].empty()) reasons[i] += "; ";
    reasons[i] += reason;
  }
  ++entry_seq;
  if (out != nullptr) {
    out->entries.push_back({.seq = entry_seq,
                            .time = time,
                            .team = team,
                            .category = c,
                            .delta = change,
                            .points = delta,
                            .max = max_delta,
                            .reason = std::move(reason),
                            .causes = std::move(causes)});
  }
}

void Scorer::State::OpenTeams(int64_t seq) {
  // Called twice per event: with a hundred teams the walk would dominate.
  if (opened_teams == teams.size()) return;
  for (auto& [name, ts] : teams) {
    if (ts.opened) continue;
    ts.opened = true;
    ++opened_teams;
    const TeamScore& s = ts.score;
    for (Category c : kCategories) {
      if (Normalised(s, c) == 0) continue;
      int k = static_cast<int>(c);
      Add(name, c, 0,
          fmt::format("{} starts at {} (nothing missed yet; maximum so far {})", CategoryName(c),
                      Pct(Normalised(s, c) / 100), Pts(s.max[k])),
          {seq});
    }
  }
}

double Scorer::State::Total(const TeamScore& s) const {
  double t = 0;
  for (Category c : kCategories)
    t += Weight(cfg.params.weights, c) * s.category[static_cast<int>(c)];
  return t;
}

std::string Scorer::State::RedTeamFor(const Event& e) const {
  if (auto it = e.payload.find("red_team"); it != e.payload.end() && it->is_string()) {
    return it->get<std::string>();
  }
  return cfg.red_teams.size() == 1 ? cfg.red_teams.front() : std::string();
}

Status Scorer::State::Dispatch(const Event& e) {
  std::string_view k = e.kind;
  if (k == kinds::kCheckResult) return OnCheck(e);
  if (k == kinds::kRedAction) return OnRedAction(e);
  if (k == kinds::kObjectiveReached) return OnObjective(e);
  if (k == kinds::kSubmissionReport) return OnReport(e);
  if (k == kinds::kRangeNodeReverted) return OnRevert(e);
  if (k == kinds::kPenalty) return OnPenalty(e);
  if (k == kinds::kRangeNodeReady || k == kinds::kRangeNodeFailed) return OnNodeSettled(e);
  if (k == kinds::kSubmissionFlag) return OnFlag(e);
  if (k == kinds::kSubmissionFinding) return OnFinding(e);
  if (k == kinds::kFindingReviewed) return OnFindingReviewed(e);
  if (k == kinds::kInjectFired) return OnFired(e);
  if (k == kinds::kSubmissionResponse) return OnResponse(e);
  if (k == kinds::kGradeGiven) return OnGrade(e);
  if (k == kinds::kExerciseEnded) return OnEnded(e);
  return Status::Ok();  // not a scoring event
}

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
    m.availability_pct =
        100.0 * static_cast<double>(ts.up_rounds) / static_cast<double>(ts.check_rounds);
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
  m.weaknesses_found = ts.weaknesses;
  for (const auto& w : ts.weaknesses) ++m.weaknesses_by_severity[w.severity];
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
          {"reverts", m.reverts},
          {"weaknesses_found", static_cast<int64_t>(m.weaknesses_found.size())},
          {"weaknesses_by_severity", m.weaknesses_by_severity}};
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
  if (m.role == "red") {
    num("weaknesses_found", static_cast<int64_t>(m.weaknesses_found.size()));
    for (const char* sev : {"low", "medium", "high", "critical"}) {
      auto it = m.weaknesses_by_severity.find(sev);
      num((std::string("weaknesses_") + sev).c_str(),
          it == m.weaknesses_by_severity.end() ? 0 : it->second);
    }
  }
  return r;
}

}  // namespace livefire::scoring
