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
  // A round is worth more on a node that matters more (value) and on a more
  // protected one (level / 3, like a compromise's deduction).
  const NodeInfo& n = cfg.Node(node);
  double full = p.round_points * n.value * n.security_level / 3.0;
  std::string name = node + '/' + service;
  // No key built per check round unless some node is rebooting.
  auto reboot = rebooting.empty() ? rebooting.end() : rebooting.find(e.team + '/' + node);
  if (reboot != rebooting.end() && (status == "up" || e.time > reboot->second)) {
    rebooting.erase(reboot);  // back up, or the excuse ran out
    reboot = rebooting.end();
  }
  if (status == "down" && reboot != rebooting.end()) {
    // The node is rebooting from its snapshot: the revert's penalty covers it.
    --ts.check_rounds;
    Add(e.team, Category::kAvailability, 0,
        fmt::format("{} down while its node reboots from a revert (excused until ready, at most "
                    "until {}): not counted",
                    name, FormatClock(reboot->second)),
        {e.seq});
    return Status::Ok();
  }
  if (status == "up") {
    ++ts.up_rounds;
    if (s.down) {
      Add(e.team, Category::kAvailability, full / 2,
          fmt::format("{} recovering (first up after {} failed rounds): half points, {} of {}",
                      name, s.fail_streak, Pts(full / 2), Pts(full)),
          {e.seq}, full);
    } else {
      Add(e.team, Category::kAvailability, full,
          fmt::format("{} up: {} of {}", name, Pts(full), Pts(full)), {e.seq}, full);
    }
    s.down = false;
    s.fail_streak = 0;
    return Status::Ok();
  }
  s.down = true;
  ++s.fail_streak;
  Add(e.team, Category::kAvailability, 0,
      fmt::format("{} down (failed round {}): {}; 0 of {}", name, s.fail_streak,
                  detail.empty() ? "no detail" : detail, Pts(full)),
      {e.seq}, full);
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
