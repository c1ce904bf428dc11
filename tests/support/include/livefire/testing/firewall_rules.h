#pragma once
// Firewall rules for tests that build a scenario or a plan in code.

#include <string>
#include <utility>

#include "livefire/model/model.h"

namespace livefire::testsupport {

// A rule from `from` to `to` over proto, ports lo..hi (0/0 = every port),
// declared at loc.
inline model::FirewallRule MakeRule(model::RuleAction action, std::string from, std::string to,
                                    std::string proto, int lo, int hi, model::SourceLoc loc,
                                    std::string description = "") {
  model::FirewallRule r;
  r.action = action;
  r.from = std::move(from);
  r.to = std::move(to);
  r.protocol = std::move(proto);
  r.port_min = lo;
  r.port_max = hi;
  r.description = std::move(description);
  r.loc = std::move(loc);
  return r;
}

}  // namespace livefire::testsupport
