// Availability: service checks, rounds up and SLA charges.
#include <fmt/format.h>

#include "scorer_state.h"

namespace livefire::scoring {

using namespace internal;  // NOLINT: the scorer's own internals

Status Scorer::State::OnCheck(const Event& e) {
  FieldReader f(e);
  std::string node, service, status, detail;
  LF_RETURN_IF_ERROR(f.NeedTeamAndNode(node));
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

}  // namespace livefire::scoring
