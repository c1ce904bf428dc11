// Red impact: compromises, their persistence, refunds on timely detection, reverts
// and the end of accrual.
#include <fmt/format.h>

#include <algorithm>

#include "scorer_state.h"

namespace livefire::scoring {

using namespace internal;  // NOLINT: the scorer's own internals

void Scorer::State::AccrueUntil(SimTime t, int64_t trigger_seq) {
  const auto& p = cfg.params;
  for (auto& c : compromises) {
    if (!c.open) continue;
    double cap = p.persist_cap * c.deduction;
    // persist_rate is a share of D per hour of exercise time, evaluated at each
    // check_interval: the accrued total is computed from the elapsed time (not
    // summed step by step), so the cap is reached no sooner than
    // persist_cap / persist_rate hours after the compromise.
    while (p.persist_rate > 0 && c.accrued < cap && c.next_accrual <= t) {
      double hours = static_cast<double>((c.next_accrual - c.reached).nanos()) / 3.6e12;
      double target = std::min(cap, p.persist_rate * hours * c.deduction);
      double amount = target - c.accrued;
      c.accrued = target;
      std::string why =
          fmt::format("compromise of {} persists at {} (objective {}): {} after {}, {} of cap {}",
                      c.node, FormatClock(c.next_accrual), c.objective, Pts(amount),
                      HumanDuration(c.next_accrual - c.reached), Pts(c.accrued), Pts(cap));
      Add(c.team, Category::kRedImpact, -amount, why, {c.seq, trigger_seq});
      if (!c.red_team.empty())
        Add(c.red_team, Category::kRedImpact, amount, why, {c.seq, trigger_seq});
      c.next_accrual += p.check_interval;
    }
    if (p.persist_rate <= 0 || c.accrued >= cap) c.next_accrual = SimTime::Max();
  }
}

void Scorer::State::Refund(Compromise& c, int64_t report_seq, int64_t action_seq,
                           int64_t cause_seq) {
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

Status Scorer::State::OnObjective(const Event& e) {
  FieldReader f(e);
  std::string node, objective, severity;
  LF_RETURN_IF_ERROR(f.NeedTeamAndNode(node));
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
  auto oit = cfg.objectives.find(objective);
  if (oit != cfg.objectives.end() && oit->second.points > 0) base = oit->second.points;
  double d = Deduction(node, base);
  // An objective the config does not list widens what red impact can cost.
  double extra_max = oit == cfg.objectives.end() ? MaxLoss(node, base) : 0;
  Compromise c;
  c.team = e.team;
  c.node = node;
  c.objective = objective;
  c.red_team = RedTeamFor(e);
  c.deduction = d;
  c.reached = e.time;
  c.seq = e.seq;
  c.next_accrual = e.time + p.check_interval;
  std::string why = fmt::format("compromise of {} (objective {}): {} x level {}/3 x value {} = {}",
                                node, objective, Pts(base), n.security_level, Pts(n.value), Pts(d));
  Add(e.team, Category::kRedImpact, -d, why, {e.seq}, extra_max);
  if (!c.red_team.empty()) Add(c.red_team, Category::kRedImpact, d, why, {e.seq}, extra_max);
  TeamState& ts = Team(e.team);
  ++ts.compromises;
  ++ts.compromises_by_severity[severity.empty() ? n.severity : severity];
  compromises.push_back(std::move(c));
  Compromise& added = compromises.back();
  if (auto it = timely.find(e.team + '/' + node);
      it != timely.end() && e.time - it->second.action_time <= p.detection_window) {
    Refund(added, it->second.report_seq, it->second.action_seq, e.seq);
  }
  return Status::Ok();
}

Status Scorer::State::OnRevert(const Event& e) {
  FieldReader f(e);
  std::string node, by;
  LF_RETURN_IF_ERROR(f.NeedTeamAndNode(node));
  LF_RETURN_IF_ERROR(f.Str("by", by));
  for (auto& c : compromises) {
    if (c.open && c.team == e.team && c.node == node) {
      c.open = false;
      Add(e.team, Category::kRedImpact, 0,
          fmt::format("compromise of {} ended by revert (objective {})", node, c.objective),
          {e.seq, c.seq});
    }
  }
  rebooting[e.team + '/' + node] = e.time + kRevertExcuseMax;
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

Status Scorer::State::OnNodeSettled(const Event& e) {
  if (e.team.empty()) return Status::Ok();  // not a team's copy
  std::string node;
  LF_RETURN_IF_ERROR(FieldReader(e).Str("node", node));
  rebooting.erase(e.team + '/' + node);
  return Status::Ok();
}

Status Scorer::State::OnEnded(const Event& e) {
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

}  // namespace livefire::scoring
