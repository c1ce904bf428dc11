#pragma once
// The scenario topology as a Boost.Graph graph: networks, nodes, interfaces
// and the firewall between networks. Answers "can X reach service S on Y"
// and finds attack paths from the red zone to each objective.
//
// Reachability model: nodes on the same network always reach each other;
// between networks, traffic crosses the exercise router and the scenario's
// rules apply in declaration order, first match wins, else default_policy.
// Attack paths chain compromises: red reaches a node's exposed vulnerable
// service, exploits it, and from there reaches further nodes.

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "livefire/scenario/model.h"
#include "livefire/status.h"
#include "livefire/topology/plan.h"

namespace livefire::topology {

struct ReachVerdict {
  bool reachable = false;
  // The rule that decided (nullptr: same network, or the default policy).
  const scenario::FirewallRule* rule = nullptr;
  std::string reason;  // "same network dmz", "allowed by rule at f:12", "denied by default policy"
};

class Topology {
 public:
  // Builds the graph from a scenario. Tolerates dangling references (skips
  // them) so that validation can use it before references are resolved.
  static Topology Build(const scenario::Scenario& s);

  Topology(Topology&&) noexcept;
  Topology& operator=(Topology&&) noexcept;
  ~Topology();

  // from: a network or node name. protocol "tcp"/"udp"/"icmp".
  ReachVerdict CanReach(std::string_view from, std::string_view node, std::string_view protocol,
                        int port) const;

  // Cheapest attack path (sum of exploit costs) from any shared (red) zone to
  // each red objective; objectives with no path are listed with no steps.
  std::vector<AttackPath> CheapestAttackPaths() const;
  // Every simple attack path to `objective` with at most max_steps steps.
  std::vector<AttackPath> AllAttackPaths(std::string_view objective, int max_steps) const;

  size_t num_vertices() const;
  size_t num_edges() const;

 private:
  struct Impl;
  explicit Topology(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace livefire::topology
