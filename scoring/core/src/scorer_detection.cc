// Detection: red actions remembered for matching, and incident reports credited
// against them.
#include <fmt/format.h>

#include <algorithm>

#include "scorer_state.h"

namespace livefire::scoring {

using namespace internal;  // NOLINT: the scorer's own internals

Status Scorer::State::OnRedAction(const Event& e) {
  FieldReader f(e);
  std::string node, technique;
  LF_RETURN_IF_ERROR(f.NeedTeamAndNode(node));
  LF_RETURN_IF_ERROR(f.Str("technique", technique));
  technique = UpperTechnique(technique);
  TeamState& ts = Team(e.team);
  ++ts.red_actions;
  if (!technique.empty()) ts.techniques_executed.insert(technique);
  // Every executed action is a detection the team could earn.
  Add(e.team, Category::kDetection, 0,
      fmt::format("red action {} on {}: {} more detection points possible",
                  technique.empty() ? "(no technique)" : technique, node,
                  Pts(cfg.params.detection_points)),
      {e.seq}, cfg.params.detection_points);
  auto& q = actions[e.team];
  q.push_back({e.seq, e.time, node, technique, false});
  PruneActions(q, e.time);
  return Status::Ok();
}

void Scorer::State::PruneActions(std::deque<RedAction>& q, SimTime now) {
  while (!q.empty() &&
         (now - q.front().time > cfg.params.detection_window || q.size() > kMaxRedActionsPerTeam)) {
    q.pop_front();
  }
}

Status Scorer::State::OnReport(const Event& e) {
  FieldReader f(e);
  std::string node, technique;
  LF_RETURN_IF_ERROR(f.NeedTeamAndNode(node));
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
                  match->technique, node, HumanDuration(ttr), Pct(factor), Pts(p.detection_points)),
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

}  // namespace livefire::scoring
