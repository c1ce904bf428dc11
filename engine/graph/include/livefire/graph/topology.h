#pragma once
// The scenario topology as a Boost.Graph graph: networks, nodes, interfaces
// and the firewall between networks. Answers "can X reach service S on Y"
// and finds attack paths from the red zone to each objective.
//
// Reachability model: nodes on the same network always reach each other;
// between networks, traffic crosses the exercise router and the scenario's
// rules apply in declaration order, first match wins, else default_policy.
// A rule's from/to is a network, a node (it matches that node's addresses
// only) or "*"; protocol "any" matches every protocol; ports 0/0 match every
// port, a port range never matches ICMP. When `from` is a network it stands
// for an ordinary host there, so rules naming a particular source node do not
// apply to it. A multi-homed source or target is reachable when any pair of
// its networks is; the verdict reports the first allowing pair, else the
// first denying one. A name used by both a network and a node means the
// network.
//
// Attack paths chain compromises, credentials and logins: the model is
// AttackModel's (livefire/graph/attack.h): red starts on every shared network
// and owns the red zone; an owned node acts as an ordinary host on each of
// its networks, or, if a rule names it as a source, with its own verdicts.
// A weakness gives a foothold, credentials or only information by its
// effect; an account with `login` is used with its credential from anywhere
// that reaches the service; a local weakness needs a foothold on its node.
// Results are deterministic: objectives in declaration order; AllAttackPaths
// sorted by cost, then number of steps, then node/vulnerability names.

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "livefire/graph/attack.h"
#include "livefire/model/model.h"
#include "livefire/status.h"

namespace livefire::graph {

struct ReachVerdict {
  bool reachable = false;
  // The rule that decided (nullptr: same network, or the default policy).
  const model::FirewallRule* rule = nullptr;
  std::string reason;  // "same network dmz", "allowed by rule at f:12", "denied by default policy"
};

class Topology {
 public:
  // Builds the graph from a scenario. Tolerates dangling references (skips
  // them) so that validation can use it before references are resolved.
  // Keeps its own copy of what it needs: `s` may die before the Topology.
  static Topology Build(const model::Scenario& s);

  Topology(Topology&&) noexcept;
  Topology& operator=(Topology&&) noexcept;
  ~Topology();

  // from: a network or node name. protocol "tcp"/"udp"/"icmp". The verdict's
  // rule points into this Topology (valid while it lives).
  ReachVerdict CanReach(std::string_view from, std::string_view node, std::string_view protocol,
                        int port) const;

  // The attack model of this topology (what red can do from what it holds).
  AttackModel Attacks() const;
  // Attacks().CheapestPaths(): the cheapest chain from the red zone to each
  // red objective, credential steps included; objectives with no path are
  // listed with no steps.
  std::vector<AttackPath> CheapestAttackPaths() const;
  // Every simple attack path to `objective` with at most max_steps steps,
  // one per distinct sequence of (node, vulnerability), using the cheapest
  // foothold weakness of each exploited node. Exploits only: weaknesses that
  // need a credential, logins and local steps are not enumerated (use
  // CheapestAttackPaths for chains with credentials). Empty for an unknown or
  // blue objective. The count grows quickly with max_steps: keep it small.
  std::vector<AttackPath> AllAttackPaths(std::string_view objective, int max_steps) const;

  // The structural graph: a vertex per network and node; edges are
  // interfaces (both directions) and firewall rules (one per network/node
  // pair a rule names, wildcards expanded to every network).
  size_t num_vertices() const;
  size_t num_edges() const;

 private:
  struct Impl;
  explicit Topology(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace livefire::graph
