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
    it->second.score.team = std::string(name);
    it->second.score.role = cfg.IsRed(name) ? "red" : "blue";
  }
  return it->second;
}

void Scorer::State::Add(const std::string& team, Category c, double delta, std::string reason,
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
    out->entries.push_back({entry_seq, time, team, c, delta, std::move(reason), std::move(causes)});
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

}  // namespace livefire::scoring
