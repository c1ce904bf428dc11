#include <algorithm>
#include <boost/graph/adjacency_list.hpp>
#include <cstdint>
#include <limits>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "attack_impl.h"
#include "livefire/graph/topology.h"

namespace livefire::graph {

namespace {

using model::RuleAction;

// Protocols are interned: 0 is "any", then tcp, udp, icmp, then whatever
// else a scenario names (compared exactly, never matched by accident).
constexpr int kProtoAny = 0;
constexpr int kProtoIcmp = 3;

enum class RefKind : uint8_t { kAny, kNetwork, kNode, kUnknown };
struct Ref {
  RefKind kind = RefKind::kUnknown;
  int id = -1;
};

struct CompiledRule {
  Ref from, to;
  int proto = kProtoAny;
  int port_min = 0, port_max = 0;
  bool allow = true;
};

struct NetInfo {
  std::string name;
  bool shared = false;
};

struct ServiceInfo {
  std::string name;
  int proto = 0;
  int port = 0;
};

struct VulnInfo {
  std::string id;
  std::string service;  // "" = local only
  double cost = 1.0;
  int service_index = -1;  // into NodeInfo::services; -1 = local or dangling
  model::VulnEffect effect = model::VulnEffect::kFoothold;
  model::Privilege gives = model::Privilege::kRoot;
  model::Privilege needs = model::Privilege::kUser;
  std::vector<std::string> yields;
  std::string credential;
};

struct AccountInfo {
  std::string user;
  bool admin = false;
  std::string credential;
  std::vector<int> login;  // into NodeInfo::services (dangling names dropped)
};

struct NodeInfo {
  std::string name;
  std::vector<int> nets;  // declaration order, duplicates removed
  std::vector<ServiceInfo> services;
  std::vector<VulnInfo> vulns;
  std::vector<AccountInfo> accounts;
  bool named_as_source = false;  // some rule's `from` is this node
  bool named_as_target = false;  // some rule's `to` is this node
  bool red_zone = false;         // every interface is on a shared network
};

struct ObjectiveInfo {
  std::string name;
  std::string node;
  bool red = false;
};

// The structural graph: networks and nodes as vertices; an interface is a
// pair of edges node<->network; a firewall rule is an edge per (from, to)
// vertex pair it names (wildcards expand to every network).
enum class VertexKind : uint8_t { kNetwork, kNode };
struct VertexProp {
  VertexKind kind = VertexKind::kNetwork;
  int index = -1;
};
enum class EdgeKind : uint8_t { kInterface, kFirewall };
struct EdgeProp {
  EdgeKind kind = EdgeKind::kInterface;
  int rule = -1;
};
using StructGraph =
    boost::adjacency_list<boost::vecS, boost::vecS, boost::bidirectionalS, VertexProp, EdgeProp>;

// The attack graph: vertex 0 is the red entry, then one vertex per network
// (red acting as an ordinary host there), then one per node (red owns it).
// Exploit edges end at a node and carry the vulnerability used.
struct AttackEdge {
  double weight = 0;
  int node = -1;  // exploited node, -1 for a structural 0-cost edge
  int vuln = -1;  // into NodeInfo::vulns
};
using AttackGraph = boost::adjacency_list<boost::vecS, boost::vecS, boost::directedS,
                                          boost::no_property, AttackEdge>;

std::string FormatLoc(const model::SourceLoc& loc) {
  if (loc.line <= 0) return loc.file;
  return loc.file + ":" + std::to_string(loc.line);
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

bool IsRedObjective(model::ObjectiveKind k) {
  return k != model::ObjectiveKind::kKeepAvailable;
}

}  // namespace

struct Topology::Impl {
  RuleAction default_policy = RuleAction::kDeny;
  // Copies, so that verdicts may point at a rule however long the caller's
  // scenario lives.
  std::vector<model::FirewallRule> rules;
  std::vector<CompiledRule> compiled;
  std::vector<NetInfo> nets;
  std::vector<NodeInfo> nodes;
  std::vector<ObjectiveInfo> objectives;
  std::map<std::string, int, std::less<>> net_index;
  std::map<std::string, int, std::less<>> node_index;
  std::map<std::string, int, std::less<>> protocols{
      {"any", 0}, {"tcp", 1}, {"udp", 2}, {"icmp", 3}};
  StructGraph graph;

  int InternProtocol(std::string_view p) {
    std::string l = Lower(p);
    auto it = protocols.find(l);
    if (it != protocols.end()) return it->second;
    int id = static_cast<int>(protocols.size());
    protocols.emplace(std::move(l), id);
    return id;
  }
  // For queries: an unknown protocol never equals a rule's protocol.
  int LookupProtocol(std::string_view p) const {
    auto it = protocols.find(Lower(p));
    return it == protocols.end() ? -1 : it->second;
  }

  Ref Resolve(std::string_view name) const {
    if (name == "*") return {RefKind::kAny, -1};
    if (auto it = net_index.find(name); it != net_index.end())
      return {RefKind::kNetwork, it->second};
    if (auto it = node_index.find(name); it != node_index.end())
      return {RefKind::kNode, it->second};
    return {RefKind::kUnknown, -1};
  }

  static bool Matches(const Ref& r, int net, int node) {
    switch (r.kind) {
      case RefKind::kAny:
        return true;
      case RefKind::kNetwork:
        return r.id == net;
      case RefKind::kNode:
        return node >= 0 && r.id == node;
      case RefKind::kUnknown:
        return false;
    }
    return false;
  }

  // First rule (declaration order) matching traffic from (src_net, src_node)
  // to (dst_net, dst_node); -1 when none does and the default policy applies.
  // src_node is -1 when the source is "some host on src_net".
  int FirstMatch(int src_net, int src_node, int dst_net, int dst_node, int proto, int port) const {
    for (size_t i = 0; i < compiled.size(); ++i) {
      const CompiledRule& r = compiled[i];
      if (!Matches(r.from, src_net, src_node) || !Matches(r.to, dst_net, dst_node)) continue;
      if (r.proto != kProtoAny && r.proto != proto) continue;
      if (r.port_min != 0 || r.port_max != 0) {
        // A rule limited to ports says nothing about portless ICMP.
        if (proto == kProtoIcmp || port < r.port_min || port > r.port_max) continue;
      }
      return static_cast<int>(i);
    }
    return -1;
  }

  bool Allowed(int rule) const {
    return rule >= 0 ? compiled[rule].allow : default_policy == RuleAction::kAllow;
  }

  // Reachability between resolved endpoints; the verdict explains itself.
  ReachVerdict Reach(const std::vector<int>& src_nets, int src_node, int dst_node, int proto,
                     int port) const {
    const NodeInfo& dst = nodes[dst_node];
    if (src_node == dst_node) return {true, nullptr, "same node " + dst.name};
    for (int s : src_nets) {
      for (int d : dst.nets) {
        if (s == d) return {true, nullptr, "same network " + nets[s].name};
      }
    }
    ReachVerdict first_denial;
    bool have_denial = false;
    for (int s : src_nets) {
      for (int d : dst.nets) {
        int r = FirstMatch(s, src_node, d, dst_node, proto, port);
        bool ok = Allowed(r);
        std::string how = nets[s].name + " -> " + nets[d].name;
        ReachVerdict v;
        v.reachable = ok;
        if (r >= 0) {
          v.rule = &rules[r];
          v.reason = std::string(ok ? "allowed" : "denied") + " by rule at " +
                     FormatLoc(rules[r].loc) + " (" + how + ")";
        } else {
          v.reason = std::string(ok ? "allowed" : "denied") + " by default policy (" + how + ")";
        }
        if (ok) return v;
        if (!have_denial) {
          first_denial = std::move(v);
          have_denial = true;
        }
      }
    }
    if (!have_denial) {
      first_denial.reason =
          src_nets.empty() ? "source has no interface" : "node " + dst.name + " has no interface";
    }
    return first_denial;
  }

  AttackGraph BuildAttackGraph() const;
  // Whether red acting as an ordinary host on network s reaches (proto,
  // port) on node y; `cache` memoises network-to-network verdicts for nodes
  // no rule names, per interned service id `svc` of n_svc.
  bool NetReaches(int s, int y, int proto, int port, int svc, size_t n_svc,
                  std::vector<int8_t>& cache) const;
  size_t NetVertex(int n) const { return 1 + static_cast<size_t>(n); }
  size_t NodeVertex(int n) const { return 1 + nets.size() + static_cast<size_t>(n); }
  int VertexNode(size_t v) const {
    return v >= 1 + nets.size() ? static_cast<int>(v - 1 - nets.size()) : -1;
  }
};

Topology::Topology(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Topology::Topology(Topology&&) noexcept = default;
Topology& Topology::operator=(Topology&&) noexcept = default;
Topology::~Topology() = default;

Topology Topology::Build(const model::Scenario& s) {
  auto impl = std::make_unique<Impl>();
  Impl& t = *impl;
  t.default_policy = s.meta.default_policy;

  // Networks first (a name used by both a network and a node means the
  // network; validation reports the clash).
  for (const model::Network& n : s.networks) {
    if (t.net_index.count(n.name)) continue;
    t.net_index.emplace(n.name, static_cast<int>(t.nets.size()));
    t.nets.push_back({n.name, n.zone == model::NetworkZone::kShared});
  }
  for (const model::Node& n : s.nodes) {
    if (t.node_index.count(n.name)) continue;
    t.node_index.emplace(n.name, static_cast<int>(t.nodes.size()));
    NodeInfo info;
    info.name = n.name;
    for (const model::Interface& i : n.interfaces) {
      auto it = t.net_index.find(i.network);
      if (it == t.net_index.end()) continue;  // dangling: validation reports it
      if (std::find(info.nets.begin(), info.nets.end(), it->second) == info.nets.end()) {
        info.nets.push_back(it->second);
      }
    }
    for (const model::Service& sv : n.services) {
      info.services.push_back({sv.name, t.InternProtocol(sv.protocol), sv.port});
    }
    auto service_index = [&](std::string_view name) {
      for (size_t k = 0; k < info.services.size(); ++k) {
        if (!name.empty() && info.services[k].name == name) return static_cast<int>(k);
      }
      return -1;
    };
    for (const model::Vulnerability& v : n.vulnerabilities) {
      info.vulns.push_back({v.id, v.service, std::max(0.0, v.exploit_cost),
                            service_index(v.service), v.effect, v.gives, v.needs, v.yields,
                            v.credential});
    }
    for (const model::Account& a : n.accounts) {
      AccountInfo ai{a.user, a.admin, a.credential, {}};
      for (const std::string& l : a.login) {
        if (int k = service_index(l); k >= 0) ai.login.push_back(k);
      }
      info.accounts.push_back(std::move(ai));
    }
    info.red_zone = !info.nets.empty() && std::all_of(info.nets.begin(), info.nets.end(),
                                                      [&](int k) { return t.nets[k].shared; });
    t.nodes.push_back(std::move(info));
  }
  t.rules = s.rules;
  for (const model::FirewallRule& r : s.rules) {
    CompiledRule c;
    c.from = t.Resolve(r.from);
    c.to = t.Resolve(r.to);
    c.proto = t.InternProtocol(r.protocol.empty() ? "any" : r.protocol);
    c.port_min = r.port_min;
    c.port_max = r.port_max;
    c.allow = r.action == RuleAction::kAllow;
    if (c.from.kind == RefKind::kNode) t.nodes[c.from.id].named_as_source = true;
    if (c.to.kind == RefKind::kNode) t.nodes[c.to.id].named_as_target = true;
    t.compiled.push_back(c);
  }
  for (const model::Objective& o : s.objectives) {
    t.objectives.push_back({o.name, o.node, IsRedObjective(o.kind)});
  }

  // Structural graph.
  const size_t n_nets = t.nets.size();
  t.graph = StructGraph(n_nets + t.nodes.size());
  for (size_t i = 0; i < n_nets; ++i) t.graph[i] = {VertexKind::kNetwork, static_cast<int>(i)};
  for (size_t i = 0; i < t.nodes.size(); ++i) {
    t.graph[n_nets + i] = {VertexKind::kNode, static_cast<int>(i)};
    for (int net : t.nodes[i].nets) {
      boost::add_edge(n_nets + i, net, EdgeProp{EdgeKind::kInterface, -1}, t.graph);
      boost::add_edge(net, n_nets + i, EdgeProp{EdgeKind::kInterface, -1}, t.graph);
    }
  }
  auto expand = [&](const Ref& r) {
    std::vector<size_t> out;
    if (r.kind == RefKind::kAny) {
      for (size_t i = 0; i < n_nets; ++i) out.push_back(i);
    } else if (r.kind == RefKind::kNetwork) {
      out.push_back(static_cast<size_t>(r.id));
    } else if (r.kind == RefKind::kNode) {
      out.push_back(n_nets + static_cast<size_t>(r.id));
    }
    return out;
  };
  for (size_t i = 0; i < t.compiled.size(); ++i) {
    for (size_t a : expand(t.compiled[i].from)) {
      for (size_t b : expand(t.compiled[i].to)) {
        if (a == b) continue;
        boost::add_edge(a, b, EdgeProp{EdgeKind::kFirewall, static_cast<int>(i)}, t.graph);
      }
    }
  }
  return Topology(std::move(impl));
}

ReachVerdict Topology::CanReach(std::string_view from, std::string_view node,
                                std::string_view protocol, int port) const {
  const Impl& t = *impl_;
  auto dst = t.node_index.find(node);
  if (dst == t.node_index.end()) return {false, nullptr, "unknown node " + std::string(node)};
  int proto = t.LookupProtocol(protocol);
  if (auto it = t.net_index.find(from); it != t.net_index.end()) {
    return t.Reach({it->second}, -1, dst->second, proto, port);
  }
  if (auto it = t.node_index.find(from); it != t.node_index.end()) {
    return t.Reach(t.nodes[it->second].nets, it->second, dst->second, proto, port);
  }
  return {false, nullptr, "unknown network or node " + std::string(from)};
}

AttackGraph Topology::Impl::BuildAttackGraph() const {
  const size_t n_nets = nets.size();
  AttackGraph g(1 + n_nets + nodes.size());
  for (size_t n = 0; n < n_nets; ++n) {
    if (nets[n].shared) boost::add_edge(0, NetVertex(static_cast<int>(n)), AttackEdge{}, g);
  }
  for (size_t x = 0; x < nodes.size(); ++x) {
    if (nodes[x].red_zone) boost::add_edge(0, NodeVertex(static_cast<int>(x)), AttackEdge{}, g);
    // Owning a node makes red an ordinary host on its networks, unless a rule
    // names the node itself (then its own edges are computed below).
    if (!nodes[x].named_as_source) {
      for (int n : nodes[x].nets) {
        boost::add_edge(NodeVertex(static_cast<int>(x)), NetVertex(n), AttackEdge{}, g);
      }
    }
  }

  // Remotely exploitable (service, vulnerability) pairs per node; services
  // interned as (proto, port) so that network-to-network verdicts are cached.
  std::map<std::pair<int, int>, int> svc_ids;
  struct Exploit {
    int vuln;
    int svc;  // interned (proto, port)
    int proto, port;
    double cost;
  };
  std::vector<std::vector<Exploit>> exploits(nodes.size());
  for (size_t y = 0; y < nodes.size(); ++y) {
    for (size_t k = 0; k < nodes[y].vulns.size(); ++k) {
      const VulnInfo& v = nodes[y].vulns[k];
      // Only unconditional remote footholds: local weaknesses need a
      // foothold first, others need a credential or give none.
      if (v.service_index < 0 || v.effect != model::VulnEffect::kFoothold ||
          !v.credential.empty()) {
        continue;
      }
      const ServiceInfo& sv = nodes[y].services[v.service_index];
      auto [it, _] =
          svc_ids.emplace(std::make_pair(sv.proto, sv.port), static_cast<int>(svc_ids.size()));
      exploits[y].push_back({static_cast<int>(k), it->second, sv.proto, sv.port, v.cost});
    }
  }
  const size_t n_svc = svc_ids.size();
  // cache[(s * n_nets + d) * n_svc + svc]: -1 unknown, 0 denied, 1 allowed.
  std::vector<int8_t> cache(n_nets * n_nets * n_svc, -1);
  auto net_reaches = [&](int s, int y, const Exploit& e) {
    return NetReaches(s, y, e.proto, e.port, e.svc, n_svc, cache);
  };
  // Cheapest exploit of y usable by `reaches`, as one edge from `from_v`.
  auto add_best = [&](size_t from_v, int y, auto&& reaches) {
    const Exploit* best = nullptr;
    for (const Exploit& e : exploits[y]) {
      if ((!best || e.cost < best->cost) && reaches(e)) best = &e;
    }
    if (best) boost::add_edge(from_v, NodeVertex(y), AttackEdge{best->cost, y, best->vuln}, g);
  };
  for (size_t s = 0; s < n_nets; ++s) {
    for (size_t y = 0; y < nodes.size(); ++y) {
      if (exploits[y].empty()) continue;
      add_best(NetVertex(static_cast<int>(s)), static_cast<int>(y), [&](const Exploit& e) {
        return net_reaches(static_cast<int>(s), static_cast<int>(y), e);
      });
    }
  }
  for (size_t x = 0; x < nodes.size(); ++x) {
    if (!nodes[x].named_as_source) continue;
    for (size_t y = 0; y < nodes.size(); ++y) {
      if (x == y || exploits[y].empty()) continue;
      add_best(NodeVertex(static_cast<int>(x)), static_cast<int>(y), [&](const Exploit& e) {
        return Reach(nodes[x].nets, static_cast<int>(x), static_cast<int>(y), e.proto, e.port)
            .reachable;
      });
    }
  }
  return g;
}

bool Topology::Impl::NetReaches(int s, int y, int proto, int port, int svc, size_t n_svc,
                                std::vector<int8_t>& cache) const {
  const size_t n_nets = nets.size();
  for (int d : nodes[y].nets) {
    if (d == s) return true;
  }
  for (int d : nodes[y].nets) {
    bool ok;
    if (nodes[y].named_as_target) {
      ok = Allowed(FirstMatch(s, -1, d, y, proto, port));
    } else {
      int8_t& c = cache[(static_cast<size_t>(s) * n_nets + d) * n_svc + svc];
      if (c < 0) c = Allowed(FirstMatch(s, -1, d, -1, proto, port)) ? 1 : 0;
      ok = c == 1;
    }
    if (ok) return true;
  }
  return false;
}

namespace {

model::Privilege AtLeastUser(model::Privilege p) {
  return p == model::Privilege::kNone ? model::Privilege::kUser : p;
}

}  // namespace

AttackModel Topology::Attacks() const {
  const Impl& t = *impl_;
  auto mp = std::make_unique<AttackModel::Impl>();
  AttackModel::Impl& m = *mp;
  for (const NetInfo& n : t.nets) m.nets.push_back(n.name);
  for (size_t x = 0; x < t.nodes.size(); ++x) {
    m.nodes.push_back(t.nodes[x].name);
    m.node_index.emplace(t.nodes[x].name, static_cast<int>(x));
  }
  // Credentials: every name an account, a yield or a weakness uses (a
  // dangling one can be needed but never obtained; validation reports it).
  std::set<std::string> creds;
  for (const NodeInfo& n : t.nodes) {
    for (const AccountInfo& a : n.accounts) {
      if (!a.credential.empty()) creds.insert(a.credential);
    }
    for (const VulnInfo& v : n.vulns) {
      creds.insert(v.yields.begin(), v.yields.end());
      if (!v.credential.empty()) creds.insert(v.credential);
    }
  }
  for (const std::string& c : creds) {
    m.cred_index.emplace(c, static_cast<int>(m.creds.size()));
    m.creds.push_back(c);
  }
  auto cred_fact = [&](const std::string& c) {
    return c.empty() ? -1 : m.CredFact(m.cred_index.at(c));
  };
  auto foothold = [&](int y, model::Privilege p) {
    std::vector<int> g{m.UserFact(y)};
    if (p == model::Privilege::kRoot) g.insert(g.begin(), m.RootFact(y));
    return g;
  };

  // Actions; remote ones remember their service for the reachability pass.
  struct Remote {
    int action;
    int proto, port, svc;
  };
  std::map<std::pair<int, int>, int> svc_ids;
  std::vector<std::vector<Remote>> remote(t.nodes.size());
  auto add_action = [&](AttackAction a, AttackModel::Impl::ActionFacts f) {
    m.actions.push_back(std::move(a));
    m.action_facts.push_back(std::move(f));
    return static_cast<int>(m.actions.size() - 1);
  };
  auto add_remote = [&](int y, int service_index, int action) {
    const ServiceInfo& sv = t.nodes[y].services[service_index];
    auto [it, _] =
        svc_ids.emplace(std::make_pair(sv.proto, sv.port), static_cast<int>(svc_ids.size()));
    remote[y].push_back({action, sv.proto, sv.port, it->second});
  };
  for (size_t yy = 0; yy < t.nodes.size(); ++yy) {
    const int y = static_cast<int>(yy);
    const NodeInfo& n = t.nodes[y];
    for (const VulnInfo& v : n.vulns) {
      bool local = v.service.empty() || v.effect == model::VulnEffect::kPrivesc;
      if (!local && v.service_index < 0) continue;  // dangling service: validation reports it
      AttackAction a;
      a.node = n.name;
      a.vulnerability = v.id;
      a.service = local ? "" : v.service;
      a.credential = v.credential;
      a.cost = v.cost;
      AttackModel::Impl::ActionFacts f;
      f.credential = cred_fact(v.credential);
      switch (v.effect) {
        case model::VulnEffect::kFoothold:
          a.kind = local ? StepKind::kEscalate : StepKind::kExploit;
          a.gives = AtLeastUser(v.gives);
          f.gives = foothold(y, a.gives);
          break;
        case model::VulnEffect::kPrivesc:
          a.kind = StepKind::kEscalate;
          a.gives = model::Privilege::kRoot;
          f.gives = foothold(y, a.gives);
          break;
        case model::VulnEffect::kCredentials:
          a.kind = StepKind::kCredentials;
          a.yields = v.yields;
          for (const std::string& c : v.yields) f.gives.push_back(cred_fact(c));
          break;
        case model::VulnEffect::kInformation:
          a.kind = StepKind::kInformation;
          break;
      }
      if (local) {
        a.needs = AtLeastUser(v.needs);
        f.needs = a.needs == model::Privilege::kRoot ? m.RootFact(y) : m.UserFact(y);
      }
      int id = add_action(std::move(a), std::move(f));
      if (local) {
        m.instances.push_back({id, -1, -1});
      } else {
        add_remote(y, v.service_index, id);
      }
    }
    for (const AccountInfo& acc : n.accounts) {
      if (acc.credential.empty()) continue;
      for (int k : acc.login) {
        AttackAction a;
        a.kind = StepKind::kLogin;
        a.node = n.name;
        a.service = n.services[k].name;
        a.account = acc.user;
        a.credential = acc.credential;
        a.gives = acc.admin ? model::Privilege::kRoot : model::Privilege::kUser;
        a.cost = kLoginCost;
        AttackModel::Impl::ActionFacts f;
        f.credential = cred_fact(acc.credential);
        f.gives = foothold(y, a.gives);
        add_remote(y, k, add_action(std::move(a), std::move(f)));
      }
    }
  }

  // Where red starts, and how owning a node puts it on networks.
  for (size_t n = 0; n < t.nets.size(); ++n) {
    if (t.nets[n].shared) m.entry.push_back(m.NetFact(static_cast<int>(n)));
  }
  for (size_t x = 0; x < t.nodes.size(); ++x) {
    const int xi = static_cast<int>(x);
    if (t.nodes[x].red_zone) {
      m.entry.push_back(m.RootFact(xi));
      m.entry.push_back(m.UserFact(xi));
    }
    if (!t.nodes[x].named_as_source) {
      for (int n : t.nodes[x].nets) m.instances.push_back({-1, m.UserFact(xi), n});
    }
  }

  // Remote instances: from every network red may act on as an ordinary
  // host, and from every owned node a rule names as a source.
  const size_t n_svc = svc_ids.size();
  std::vector<int8_t> cache(t.nets.size() * t.nets.size() * n_svc, -1);
  for (size_t s = 0; s < t.nets.size(); ++s) {
    for (size_t y = 0; y < t.nodes.size(); ++y) {
      for (const Remote& r : remote[y]) {
        if (t.NetReaches(static_cast<int>(s), static_cast<int>(y), r.proto, r.port, r.svc, n_svc,
                         cache)) {
          const auto& ynets = t.nodes[y].nets;
          const bool crosses =
              std::find(ynets.begin(), ynets.end(), static_cast<int>(s)) == ynets.end();
          m.instances.push_back({r.action, m.NetFact(static_cast<int>(s)), -1, crosses});
        }
      }
    }
  }
  for (size_t x = 0; x < t.nodes.size(); ++x) {
    if (!t.nodes[x].named_as_source) continue;
    for (size_t y = 0; y < t.nodes.size(); ++y) {
      if (x == y) continue;
      for (const Remote& r : remote[y]) {
        if (t.Reach(t.nodes[x].nets, static_cast<int>(x), static_cast<int>(y), r.proto, r.port)
                .reachable) {
          bool shared = false;
          for (int n : t.nodes[x].nets) {
            const auto& ynets = t.nodes[y].nets;
            shared |= std::find(ynets.begin(), ynets.end(), n) != ynets.end();
          }
          m.instances.push_back({r.action, m.UserFact(static_cast<int>(x)), -1, !shared});
        }
      }
    }
  }

  for (const ObjectiveInfo& o : t.objectives) {
    auto it = t.node_index.find(o.node);
    m.objectives.push_back({o.name, o.node, it == t.node_index.end() ? -1 : it->second, o.red});
  }
  m.Finish();
  return AttackModel(std::move(mp));
}

std::vector<AttackPath> Topology::CheapestAttackPaths() const { return Attacks().CheapestPaths(); }

std::vector<AttackPath> Topology::AllAttackPaths(std::string_view objective, int max_steps) const {
  const Impl& t = *impl_;
  std::vector<AttackPath> out;
  auto o = std::find_if(t.objectives.begin(), t.objectives.end(),
                        [&](const ObjectiveInfo& x) { return x.name == objective; });
  if (o == t.objectives.end() || !o->red || max_steps < 0) return out;
  auto target = t.node_index.find(o->node);
  if (target == t.node_index.end()) return out;
  const size_t goal = t.NodeVertex(target->second);

  AttackGraph g = t.BuildAttackGraph();
  std::vector<char> on_path(boost::num_vertices(g), 0);
  std::vector<AttackStep> steps;
  // Different vertex sequences (e.g. entering the red network directly or
  // through a red-zone node) can describe the same compromises: keep one.
  std::set<std::vector<std::pair<std::string, std::string>>> seen;
  auto dfs = [&](auto&& self, size_t v) -> void {
    if (v == goal) {
      std::vector<std::pair<std::string, std::string>> key;
      for (const AttackStep& s : steps) key.emplace_back(s.node, s.vulnerability);
      if (seen.insert(key).second) {
        AttackPath p;
        p.objective = o->name;
        p.node = o->node;
        p.reachable = true;
        for (const AttackStep& s : steps) p.cost += s.cost;
        p.steps = steps;
        out.push_back(std::move(p));
      }
      return;
    }
    on_path[v] = 1;
    for (auto [ei, ee] = boost::out_edges(v, g); ei != ee; ++ei) {
      size_t w = boost::target(*ei, g);
      if (on_path[w]) continue;
      const AttackEdge& e = g[*ei];
      if (e.vuln >= 0) {
        if (static_cast<int>(steps.size()) >= max_steps) continue;
        const NodeInfo& n = t.nodes[e.node];
        const VulnInfo& vu = n.vulns[e.vuln];
        steps.push_back({n.name, vu.id, vu.service, vu.cost});
        self(self, w);
        steps.pop_back();
      } else {
        self(self, w);
      }
    }
    on_path[v] = 0;
  };
  dfs(dfs, 0);

  std::stable_sort(out.begin(), out.end(), [](const AttackPath& a, const AttackPath& b) {
    if (a.cost != b.cost) return a.cost < b.cost;
    if (a.steps.size() != b.steps.size()) return a.steps.size() < b.steps.size();
    for (size_t i = 0; i < a.steps.size(); ++i) {
      if (a.steps[i].node != b.steps[i].node) return a.steps[i].node < b.steps[i].node;
      if (a.steps[i].vulnerability != b.steps[i].vulnerability) {
        return a.steps[i].vulnerability < b.steps[i].vulnerability;
      }
    }
    return false;
  });
  return out;
}

size_t Topology::num_vertices() const { return boost::num_vertices(impl_->graph); }
size_t Topology::num_edges() const { return boost::num_edges(impl_->graph); }

}  // namespace livefire::graph
