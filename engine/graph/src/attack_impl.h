#pragma once
// AttackModel's compiled form, shared by topology.cc (which fills it from the
// topology's reachability) and attack.cc (which plays and searches it).
#include <functional>
#include <utility>
#include <map>
#include <string>
#include <vector>

#include "livefire/graph/attack.h"

namespace livefire::graph {

struct AttackModel::Impl {
  std::vector<std::string> nets, nodes, creds;
  std::map<std::string, int, std::less<>> node_index, cred_index;
  std::vector<AttackAction> actions;

  // Facts, numbered: networks red acts on, then user on each node, root on
  // each node, then credentials.
  int NetFact(int n) const { return n; }
  int UserFact(int x) const { return static_cast<int>(nets.size()) + x; }
  int RootFact(int x) const { return static_cast<int>(nets.size() + nodes.size()) + x; }
  int CredFact(int c) const { return static_cast<int>(nets.size() + 2 * nodes.size()) + c; }
  size_t num_facts() const { return nets.size() + 2 * nodes.size() + creds.size(); }

  // Per action: what it needs besides its source, and what it gives.
  struct ActionFacts {
    int needs = -1;       // local: the foothold fact on its node
    int credential = -1;  // the credential fact it needs
    std::vector<int> gives;
  };
  std::vector<ActionFacts> action_facts;

  // An action as taken from one place: `source` is the network fact red acts
  // on, or the user fact of an owned node a rule names; -1 for a local
  // action. action -1 is structural: owning the node of `source` puts red on
  // network `net` (no step, no cost). `crosses`: its traffic goes through
  // the exercise router (the target shares no network with the source), so
  // a firewall block of the source stops it.
  struct Instance {
    int action = -1;
    int source = -1;
    int net = -1;
    bool crosses = false;
  };
  std::vector<Instance> instances;
  std::vector<int> entry;                // facts held at the start
  std::vector<std::vector<int>> by_fact;  // instances having the fact as a prerequisite

  struct Objective {
    std::string name;
    std::string node_name;
    int node = -1;  // -1: dangling
    bool red = false;
  };
  std::vector<Objective> objectives;

  // The prerequisite facts of an instance (one or two), into out; returns
  // how many.
  int Prerequisites(const Instance& in, int out[2]) const {
    int n = 0;
    if (in.action < 0) {
      out[n++] = in.source;
      return n;
    }
    const ActionFacts& f = action_facts[in.action];
    out[n++] = in.source >= 0 ? in.source : f.needs;
    if (f.credential >= 0) out[n++] = f.credential;
    return n;
  }
  // What an instance gives: [first, first + count); `buf` holds the one
  // fact of a structural instance.
  std::pair<const int*, size_t> Given(const Instance& in, int* buf) const {
    if (in.action < 0) {
      *buf = NetFact(in.net);
      return {buf, 1};
    }
    const std::vector<int>& g = action_facts[in.action].gives;
    return {g.data(), g.size()};
  }

  // Indexes instances by prerequisite; called once everything is added.
  void Finish() {
    by_fact.assign(num_facts(), {});
    for (size_t i = 0; i < instances.size(); ++i) {
      int pre[2];
      int n = Prerequisites(instances[i], pre);
      for (int k = 0; k < n; ++k) {
        if (pre[k] >= 0) by_fact[pre[k]].push_back(static_cast<int>(i));
      }
    }
  }
};

}  // namespace livefire::graph
