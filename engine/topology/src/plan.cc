#include "livefire/topology/plan.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <boost/graph/adjacency_list.hpp>
#include <boost/graph/strong_components.hpp>
#include <boost/graph/topological_sort.hpp>
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "livefire/graph/topology.h"
#include "livefire/net/address.h"

namespace livefire::topology {

namespace {

using model::NetworkZone;

// ---- IPv4 ------------------------------------------------------------------

struct Cidr {
  uint32_t base = 0;
  int prefix = 32;
  uint64_t size() const { return uint64_t{1} << (32 - prefix); }
  uint32_t last() const { return static_cast<uint32_t>(base + size() - 1); }
  bool Contains(uint32_t a) const { return a >= base && a <= last(); }
  bool Overlaps(const Cidr& o) const { return base <= o.last() && o.base <= last(); }
};

std::optional<uint32_t> ParseAddress(std::string_view text) {
  auto a = net::ParseIpv4(text);
  if (!a.ok()) return std::nullopt;
  return a->value;
}

std::string FormatAddress(uint32_t a) { return net::Ipv4{a}.ToString(); }

std::string FormatCidr(const Cidr& c) {
  return FormatAddress(c.base) + "/" + std::to_string(c.prefix);
}

// By net's rules: prefix 0..32, host bits refused (the message names the
// network). The size policy (/29 or larger) is checked where it is needed.
Result<Cidr> ParseCidr(std::string_view text) {
  auto c = net::ParseCidr(text);
  if (!c.ok()) {
    return Status::InvalidArgument("'" + std::string(text) + "': " + c.status().message());
  }
  return Cidr{c->base, c->prefix};
}

std::string Loc(const model::SourceLoc& loc) {
  if (loc.line <= 0) return loc.file;
  return loc.file + ":" + std::to_string(loc.line);
}

Status Error(const model::SourceLoc& loc, const std::string& msg) {
  std::string where = Loc(loc);
  return Status::InvalidArgument(where.empty() ? msg : where + ": " + msg);
}

// FNV-1a: stable across platforms and runs (MACs must not change between
// plans of the same scenario).
uint64_t Fnv1a(std::string_view s) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

std::string FormatMac(uint32_t low24) {
  char buf[18];
  std::snprintf(buf, sizeof buf, "52:54:00:%02x:%02x:%02x", (low24 >> 16) & 0xff,
                (low24 >> 8) & 0xff, low24 & 0xff);
  return buf;
}

Result<model::Resources> ApplyDefaults(model::Resources r, const std::string& tmpl,
                                          const PlanOptions& opt) {
  model::Resources d = kFallbackResources;
  if (auto it = opt.template_resources.find(tmpl); it != opt.template_resources.end()) {
    d = it->second;
  }
  if (r.vcpus == 0) r.vcpus = d.vcpus;
  if (r.memory_mb == 0) r.memory_mb = d.memory_mb;
  if (r.disk_gb == 0) r.disk_gb = d.disk_gb;
  return r;
}

// ---- layers ----------------------------------------------------------------

// Layer of every scenario node (index as in s.nodes); see plan.h.
std::vector<int> ComputeLayers(const model::Scenario& s, const std::vector<bool>& red_zone) {
  const size_t m = s.nodes.size();
  std::unordered_map<std::string, size_t> node_index;
  std::unordered_map<std::string, std::vector<size_t>> on_network;
  for (size_t i = 0; i < m; ++i) {
    node_index.emplace(s.nodes[i].name, i);
    for (const model::Interface& f : s.nodes[i].interfaces) on_network[f.network].push_back(i);
  }
  using G = boost::adjacency_list<boost::setS, boost::vecS, boost::directedS>;
  G g(m);
  std::vector<bool> serves(m, false);
  for (size_t b = 0; b < m; ++b) {
    for (const model::Service& sv : s.nodes[b].services) {
      for (const std::string& e : sv.reachable_from) {
        std::vector<size_t> clients;
        if (auto it = on_network.find(e); it != on_network.end()) clients = it->second;
        if (auto it = node_index.find(e); it != node_index.end()) clients.push_back(it->second);
        for (size_t c : clients) {
          if (c == b) continue;
          boost::add_edge(b, c, g);
          serves[b] = true;
        }
      }
    }
  }
  std::vector<int> comp(m);
  int nc = m ? boost::strong_components(g, boost::make_iterator_property_map(
                                               comp.begin(), boost::get(boost::vertex_index, g)))
             : 0;
  G dag(static_cast<size_t>(nc));
  for (auto [ei, ee] = boost::edges(g); ei != ee; ++ei) {
    int a = comp[boost::source(*ei, g)], b = comp[boost::target(*ei, g)];
    if (a != b) boost::add_edge(a, b, dag);
  }
  std::vector<size_t> order;
  boost::topological_sort(dag, std::back_inserter(order));  // reverse topological order
  std::vector<int> comp_layer(static_cast<size_t>(nc), 1);
  for (auto it = order.rbegin(); it != order.rend(); ++it) {
    for (auto [ei, ee] = boost::out_edges(*it, dag); ei != ee; ++ei) {
      size_t t = boost::target(*ei, dag);
      comp_layer[t] = std::max(comp_layer[t], comp_layer[*it] + 1);
    }
  }
  std::vector<int> layer(m, 1);
  int max_layer = 1;
  for (size_t i = 0; i < m; ++i) {
    layer[i] = comp_layer[comp[i]];
    if (!(red_zone[i] && !serves[i])) max_layer = std::max(max_layer, layer[i]);
  }
  for (size_t i = 0; i < m; ++i) {
    if (red_zone[i] && !serves[i]) layer[i] = max_layer + 1;
  }
  return layer;
}

// ---- the planner -----------------------------------------------------------

struct NetState {
  const model::Network* net = nullptr;
  Cidr scenario_cidr;
  bool shared = false;
  uint32_t offset = 0;  // per-team: offset inside the team block
  // shared: addresses taken, and the next candidate for a router/leg
  std::set<uint32_t> used;
  uint32_t next_leg = 0;
};

class Planner {
 public:
  Planner(const model::Scenario& s, const PlanOptions& opt) : s_(s), opt_(opt) {}

  Result<RangePlan> Run() {
    LF_RETURN_IF_ERROR(Teams());
    LF_RETURN_IF_ERROR(Networks());
    LF_RETURN_IF_ERROR(Blocks());
    LF_RETURN_IF_ERROR(ClassifyNodes());
    LF_RETURN_IF_ERROR(SharedDomains());
    for (size_t t = 0; t < plan_.blue_teams.size(); ++t) LF_RETURN_IF_ERROR(TeamDomains(t));
    AssignMacs();
    LF_RETURN_IF_ERROR(CheckUnique());
    plan_.attack_paths = graph::Topology::Build(s_).CheapestAttackPaths();
    return std::move(plan_);
  }

 private:
  Status Teams() {
    plan_.scenario = s_.meta.name;
    plan_.address_pool = s_.meta.address_pool;
    if (opt_.team_count < 0) return Status::InvalidArgument("team count must be positive");
    if (opt_.team_count > 0) {
      for (int i = 1; i <= opt_.team_count; ++i)
        plan_.blue_teams.push_back("blue" + std::to_string(i));
    } else {
      for (const model::Team& t : s_.teams) {
        if (t.role == model::TeamRole::kBlue) plan_.blue_teams.push_back(t.name);
      }
    }
    if (plan_.blue_teams.empty()) {
      return Error({s_.file, 0}, "the scenario declares no blue team (give a team count)");
    }
    return Status::Ok();
  }

  Status Networks() {
    auto pool = ParseCidr(s_.meta.address_pool);
    if (!pool.ok()) return Error(s_.meta.loc, "metadata.address_pool: " + pool.status().message());
    pool_ = *pool;
    for (const model::Network& n : s_.networks) {
      auto c = ParseCidr(n.cidr);
      if (!c.ok()) return Error(n.loc, "network " + n.name + ": " + c.status().message());
      if (c->prefix > 29) {
        return Error(n.loc, "network " + n.name + " (" + n.cidr +
                                ") is too small: it needs the host's address, a router address "
                                "and node addresses (use /29 or larger)");
      }
      if (net_index_.count(n.name)) return Error(n.loc, "network " + n.name + " declared twice");
      NetState st;
      st.net = &n;
      st.scenario_cidr = *c;
      st.shared = n.zone == model::NetworkZone::kShared;
      if (st.shared) {
        st.used.insert(c->base + 1);  // the host's bridge
        st.next_leg = c->last() - 1;
        for (size_t j : shared_) {
          if (nets_[j].scenario_cidr.Overlaps(*c)) {
            return Error(n.loc, "shared network " + n.name + " (" + n.cidr + ") overlaps " +
                                    nets_[j].net->name + " (" + nets_[j].net->cidr + ")");
          }
        }
        shared_.push_back(nets_.size());
      } else {
        if (c->prefix < pool_.prefix) {
          return Error(n.loc, "network " + n.name + " (" + n.cidr +
                                  ") is larger than the address pool " + s_.meta.address_pool);
        }
        per_team_.push_back(nets_.size());
      }
      net_index_.emplace(n.name, nets_.size());
      nets_.push_back(std::move(st));
    }
    // Team block layout: largest network first so that each stays aligned.
    std::vector<size_t> order = per_team_;
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
      return nets_[a].scenario_cidr.prefix < nets_[b].scenario_cidr.prefix;
    });
    uint64_t cursor = 0;
    for (size_t i : order) {
      uint64_t size = nets_[i].scenario_cidr.size();
      cursor = (cursor + size - 1) / size * size;
      nets_[i].offset = static_cast<uint32_t>(cursor);
      cursor += size;
    }
    block_size_ = 1;
    block_prefix_ = 32;
    while (block_size_ < cursor) {
      block_size_ <<= 1;
      --block_prefix_;
    }
    return Status::Ok();
  }

  Status Blocks() {
    if (per_team_.empty()) return Status::Ok();
    const size_t teams = plan_.blue_teams.size();
    std::string need = "each team needs a /" + std::to_string(block_prefix_) + " for its " +
                       std::to_string(per_team_.size()) + " network(s)";
    if (block_size_ > pool_.size()) {
      return Error(s_.meta.loc, "address_pool " + s_.meta.address_pool + " is too small: " + need);
    }
    uint64_t capacity = 0;
    for (uint64_t start = pool_.base; start + block_size_ - 1 <= pool_.last();
         start += block_size_) {
      Cidr block{static_cast<uint32_t>(start), block_prefix_};
      bool clash = std::any_of(shared_.begin(), shared_.end(),
                               [&](size_t j) { return nets_[j].scenario_cidr.Overlaps(block); });
      if (clash) continue;
      ++capacity;
      if (blocks_.size() < teams) blocks_.push_back(block);
    }
    if (blocks_.size() < teams) {
      return Error(s_.meta.loc, "address_pool " + s_.meta.address_pool + " is too small for " +
                                    std::to_string(teams) + " teams: " + need +
                                    " and the pool holds " + std::to_string(capacity) +
                                    " (outside the shared networks); widen metadata.address_pool "
                                    "or use fewer teams");
    }
    for (const Cidr& b : blocks_) plan_.team_blocks.push_back(FormatCidr(b));
    return Status::Ok();
  }

  Status ClassifyNodes() {
    red_zone_.assign(s_.nodes.size(), false);
    std::set<std::string> names;
    for (size_t i = 0; i < s_.nodes.size(); ++i) {
      const model::Node& n = s_.nodes[i];
      if (!names.insert(n.name).second) return Error(n.loc, "node " + n.name + " declared twice");
      if (n.name == kRouterNode) {
        return Error(n.loc, "node name " + n.name + " is reserved for the team routers");
      }
      if (n.interfaces.empty()) return Error(n.loc, "node " + n.name + " has no interface");
      bool all_shared = true;
      for (const model::Interface& f : n.interfaces) {
        auto it = net_index_.find(f.network);
        if (it == net_index_.end()) {
          return Error(f.loc.line ? f.loc : n.loc,
                       "node " + n.name + ": unknown network " + f.network);
        }
        const NetState& ns = nets_[it->second];
        auto a = ParseAddress(f.address);
        if (!a) {
          return Error(f.loc.line ? f.loc : n.loc,
                       "node " + n.name + ": '" + f.address + "' is not an IPv4 address");
        }
        const Cidr& c = ns.scenario_cidr;
        std::string what = "node " + n.name + ": address " + f.address + " on " + f.network + " (" +
                           ns.net->cidr + ")";
        if (!c.Contains(*a))
          return Error(f.loc.line ? f.loc : n.loc, what + " is outside the network");
        if (*a == c.base || *a == c.last()) {
          return Error(f.loc.line ? f.loc : n.loc, what + " is the network or broadcast address");
        }
        if (*a == c.base + 1) {
          return Error(f.loc.line ? f.loc : n.loc,
                       what + " is the first usable address, reserved for the host's bridge");
        }
        if (!ns.shared && *a == c.last() - 1) {
          return Error(f.loc.line ? f.loc : n.loc,
                       what + " is the last usable address, reserved for the team router");
        }
        all_shared = all_shared && ns.shared;
      }
      red_zone_[i] = all_shared;
    }
    layers_ = ComputeLayers(s_, red_zone_);
    // Shared nodes' addresses are taken before any router leg is allocated.
    for (const model::Node& n : s_.nodes) {
      for (const model::Interface& f : n.interfaces) {
        NetState& ns = nets_[net_index_.at(f.network)];
        if (ns.shared && IsShared(n)) ns.used.insert(*ParseAddress(f.address));
      }
    }
    router_needed_ = !per_team_.empty() && per_team_.size() + shared_.size() >= 2;
    return Status::Ok();
  }

  bool IsShared(const model::Node& n) const { return red_zone_[&n - s_.nodes.data()]; }

  int SecurityLevel(const model::Node& n) const {
    return n.security_level > 0 ? n.security_level : s_.meta.security_level;
  }

  Result<uint32_t> NextLeg(NetState& ns, const std::string& team) {
    while (ns.next_leg > ns.scenario_cidr.base + 1 && ns.used.count(ns.next_leg)) --ns.next_leg;
    if (ns.next_leg <= ns.scenario_cidr.base + 1) {
      return Error(ns.net->loc, "shared network " + ns.net->name + " (" + ns.net->cidr +
                                    ") has no address left for team " + team +
                                    " (one per team router and per team node on it); widen it");
    }
    uint32_t a = ns.next_leg;
    ns.used.insert(a);
    return a;
  }

  Status SharedDomains() {
    for (const model::Network& n : s_.networks) {
      const NetState& ns = nets_[net_index_.at(n.name)];
      if (!ns.shared) continue;
      PlannedNetwork pn;
      pn.key = n.name;
      pn.scenario_network = n.name;
      pn.cidr = n.cidr;
      pn.scenario_cidr = n.cidr;
      pn.prefix = ns.scenario_cidr.prefix;
      pn.host_address = FormatAddress(ns.scenario_cidr.base + 1);
      plan_.networks.push_back(std::move(pn));
    }
    for (size_t i = 0; i < s_.nodes.size(); ++i) {
      const model::Node& n = s_.nodes[i];
      if (!red_zone_[i]) continue;
      PlannedDomain d;
      d.key = n.name;
      d.node = n.name;
      d.template_name = n.template_name;
      LF_ASSIGN_OR_RETURN(d.resources, ApplyDefaults(n.resources, n.template_name, opt_));
      for (const model::Interface& f : n.interfaces) {
        d.interfaces.push_back(
            {f.network, f.address, nets_[net_index_.at(f.network)].scenario_cidr.prefix, ""});
      }
      d.layer = layers_[i];
      d.security_level = SecurityLevel(n);
      d.value = n.value;
      shared_domains_.push_back(plan_.domains.size());
      plan_.domains.push_back(std::move(d));
    }
    return Status::Ok();
  }

  // Addresses of a rule endpoint in team t's copy ("*" stays "*").
  std::vector<std::string> Endpoint(
      const std::string& name, const std::map<std::string, std::vector<std::string>>& node_addrs,
      size_t t) const {
    if (name == "*") return {"*"};
    if (auto it = net_index_.find(name); it != net_index_.end()) {
      const NetState& ns = nets_[it->second];
      if (ns.shared) return {ns.net->cidr};
      return {FormatCidr({blocks_[t].base + ns.offset, ns.scenario_cidr.prefix})};
    }
    if (auto it = node_addrs.find(name); it != node_addrs.end()) return it->second;
    return {};  // dangling: validation reports it
  }

  Status TeamDomains(size_t t) {
    const std::string& team = plan_.blue_teams[t];
    std::map<std::string, std::string> router_on;                // network key -> router address
    std::map<std::string, std::vector<std::string>> node_addrs;  // node -> "/32"s in this copy

    for (size_t j : per_team_) {
      const NetState& ns = nets_[j];
      Cidr c{blocks_[t].base + ns.offset, ns.scenario_cidr.prefix};
      PlannedNetwork pn;
      pn.key = team + "." + ns.net->name;
      pn.scenario_network = ns.net->name;
      pn.team = team;
      pn.cidr = FormatCidr(c);
      pn.scenario_cidr = ns.net->cidr;
      pn.prefix = c.prefix;
      pn.host_address = FormatAddress(c.base + 1);
      if (router_needed_) {
        pn.router_address = FormatAddress(c.last() - 1);
        router_on[pn.key] = pn.router_address;
      }
      plan_.networks.push_back(std::move(pn));
    }

    size_t router_pos = plan_.domains.size();
    if (router_needed_) {
      PlannedDomain r;
      r.key = team + "." + std::string(kRouterNode);
      r.node = kRouterNode;
      r.team = team;
      r.template_name = kRouterTemplate;
      LF_ASSIGN_OR_RETURN(r.resources, ApplyDefaults({}, r.template_name, opt_));
      for (size_t j : per_team_) {
        const NetState& ns = nets_[j];
        std::string key = team + "." + ns.net->name;
        r.interfaces.push_back({key, router_on[key], ns.scenario_cidr.prefix, ""});
      }
      for (size_t j : shared_) {
        LF_ASSIGN_OR_RETURN(uint32_t a, NextLeg(nets_[j], team));
        router_on[nets_[j].net->name] = FormatAddress(a);
        r.interfaces.push_back(
            {nets_[j].net->name, FormatAddress(a), nets_[j].scenario_cidr.prefix, ""});
      }
      r.layer = 0;
      r.security_level = s_.meta.security_level;
      r.value = 0;
      r.is_router = true;
      r.router_default_policy = s_.meta.default_policy;
      plan_.domains.push_back(std::move(r));
    }

    for (size_t i = 0; i < s_.nodes.size(); ++i) {
      const model::Node& n = s_.nodes[i];
      if (red_zone_[i]) {
        for (const model::Interface& f : n.interfaces)
          node_addrs[n.name].push_back(f.address + "/32");
        continue;
      }
      PlannedDomain d;
      d.key = team + "." + n.name;
      d.node = n.name;
      d.team = team;
      d.template_name = n.template_name;
      LF_ASSIGN_OR_RETURN(d.resources, ApplyDefaults(n.resources, n.template_name, opt_));
      for (const model::Interface& f : n.interfaces) {
        NetState& ns = nets_[net_index_.at(f.network)];
        uint32_t a;
        std::string key;
        if (ns.shared) {
          LF_ASSIGN_OR_RETURN(a, NextLeg(ns, team));
          key = ns.net->name;
        } else {
          a = blocks_[t].base + ns.offset + (*ParseAddress(f.address) - ns.scenario_cidr.base);
          key = team + "." + ns.net->name;
        }
        d.interfaces.push_back({key, FormatAddress(a), ns.scenario_cidr.prefix, ""});
        node_addrs[n.name].push_back(FormatAddress(a) + "/32");
      }
      if (router_needed_) d.gateway = router_on[d.interfaces.front().network_key];
      d.layer = layers_[i];
      d.security_level = SecurityLevel(n);
      d.value = n.value;
      plan_.domains.push_back(std::move(d));
    }

    if (router_needed_) {
      PlannedDomain& r = plan_.domains[router_pos];
      for (const model::FirewallRule& rule : s_.rules) {
        for (const std::string& from : Endpoint(rule.from, node_addrs, t)) {
          for (const std::string& to : Endpoint(rule.to, node_addrs, t)) {
            model::FirewallRule copy = rule;
            copy.from = from;
            copy.to = to;
            r.router_rules.push_back(std::move(copy));
          }
        }
      }
      // The red zone reaches this copy through this team's router.
      for (size_t k : shared_domains_) {
        PlannedDomain& sd = plan_.domains[k];
        sd.routes.push_back({plan_.team_blocks[t], router_on[sd.interfaces.front().network_key]});
      }
    }
    return Status::Ok();
  }

  void AssignMacs() {
    std::unordered_set<uint32_t> taken;
    for (PlannedDomain& d : plan_.domains) {
      for (PlannedInterface& f : d.interfaces) {
        uint32_t m = static_cast<uint32_t>(Fnv1a(d.key + "/" + f.network_key)) & 0xffffff;
        while (!taken.insert(m).second) m = (m + 1) & 0xffffff;  // rare: next free
        f.mac = FormatMac(m);
      }
    }
  }

  // Defence in depth: whatever the layout did, the plan must not collide.
  Status CheckUnique() const {
    std::unordered_map<std::string, const PlannedDomain*> addr_owner;
    std::unordered_set<std::string> keys;
    for (const PlannedNetwork& n : plan_.networks) {
      if (!keys.insert(n.key).second) return Status::Internal("duplicate network key " + n.key);
      addr_owner.emplace(n.host_address, nullptr);
    }
    keys.clear();
    for (const PlannedDomain& d : plan_.domains) {
      if (!keys.insert(d.key).second) {
        return Status::InvalidArgument("two domains would be called " + d.key);
      }
      for (const PlannedInterface& f : d.interfaces) {
        auto [it, fresh] = addr_owner.emplace(f.address, &d);
        if (!fresh) {
          const model::Node* node = nullptr;
          for (const model::Node& n : s_.nodes) {
            if (n.name == d.node) node = &n;
          }
          return Error(node ? node->loc : model::SourceLoc{s_.file, 0},
                       "address " + f.address + " of " + d.key + " is also used by " +
                           (it->second ? it->second->key : std::string("the host's bridge")));
        }
      }
    }
    return Status::Ok();
  }

  const model::Scenario& s_;
  const PlanOptions& opt_;
  RangePlan plan_;
  Cidr pool_;
  std::vector<NetState> nets_;
  std::map<std::string, size_t, std::less<>> net_index_;
  std::vector<size_t> shared_, per_team_;  // indices into nets_, declaration order
  uint64_t block_size_ = 1;
  int block_prefix_ = 32;
  std::vector<Cidr> blocks_;
  std::vector<bool> red_zone_;
  std::vector<int> layers_;
  bool router_needed_ = false;
  std::vector<size_t> shared_domains_;  // indices into plan_.domains
};

// ---- JSON --------------------------------------------------------------------

std::string ActionName(model::RuleAction a) {
  return a == model::RuleAction::kAllow ? "allow" : "deny";
}

// "file" keeps the scenario file's name only: the folder differs between
// the source `up` read and the exercise's copy `run` reads, and the plan
// must not (the firewall comments use the name only anyway).
nlohmann::json RuleJson(const model::FirewallRule& r) {
  std::string_view file = r.loc.file;
  if (size_t slash = file.rfind('/'); slash != std::string_view::npos)
    file.remove_prefix(slash + 1);
  return {{"action", ActionName(r.action)}, {"from", r.from},         {"to", r.to},
          {"protocol", r.protocol},         {"port_min", r.port_min}, {"port_max", r.port_max},
          {"description", r.description},   {"file", file},           {"line", r.loc.line}};
}

model::RuleAction ActionFrom(const nlohmann::json& j) {
  const std::string& a = j.get_ref<const std::string&>();
  if (a == "allow") return model::RuleAction::kAllow;
  if (a == "deny") return model::RuleAction::kDeny;
  throw nlohmann::json::other_error::create(501, "unknown rule action '" + a + "'", &j);
}

model::FirewallRule RuleFrom(const nlohmann::json& j) {
  model::FirewallRule r;
  r.action = ActionFrom(j.at("action"));
  j.at("from").get_to(r.from);
  j.at("to").get_to(r.to);
  j.at("protocol").get_to(r.protocol);
  j.at("port_min").get_to(r.port_min);
  j.at("port_max").get_to(r.port_max);
  j.at("description").get_to(r.description);
  j.at("file").get_to(r.loc.file);
  j.at("line").get_to(r.loc.line);
  return r;
}

nlohmann::json PathJson(const graph::AttackPath& p) {
  nlohmann::json pj{
      {"objective", p.objective}, {"node", p.node}, {"reachable", p.reachable}, {"cost", p.cost}};
  pj["steps"] = nlohmann::json::array();
  for (const graph::AttackStep& s : p.steps) {
    pj["steps"].push_back({{"node", s.node},
                           {"vulnerability", s.vulnerability},
                           {"service", s.service},
                           {"cost", s.cost},
                           {"kind", graph::ToString(s.kind)},
                           {"from", s.from},
                           {"account", s.account},
                           {"credential", s.credential},
                           {"yields", s.yields},
                           {"privilege", model::ToString(s.privilege)}});
  }
  return pj;
}

model::Privilege PrivilegeFrom(std::string_view name) {
  for (model::Privilege p : {model::Privilege::kUser, model::Privilege::kRoot}) {
    if (model::ToString(p) == name) return p;
  }
  return model::Privilege::kNone;
}

graph::AttackPath PathFrom(const nlohmann::json& j) {
  graph::AttackPath p;
  j.at("objective").get_to(p.objective);
  j.at("node").get_to(p.node);
  j.at("reachable").get_to(p.reachable);
  j.at("cost").get_to(p.cost);
  for (const nlohmann::json& s : j.at("steps")) {
    graph::AttackStep st;
    s.at("node").get_to(st.node);
    s.at("vulnerability").get_to(st.vulnerability);
    s.at("service").get_to(st.service);
    s.at("cost").get_to(st.cost);
    // The credential fields came with format 1's attack model (#13): a plan
    // written before them reads as plain exploits.
    st.kind = graph::StepKindFrom(s.value("kind", "exploit"));
    st.from = s.value("from", "");
    st.account = s.value("account", "");
    st.credential = s.value("credential", "");
    st.yields = s.value("yields", std::vector<std::string>{});
    st.privilege = PrivilegeFrom(s.value("privilege", "none"));
    p.steps.push_back(std::move(st));
  }
  return p;
}

}  // namespace

Result<RangePlan> MakePlan(const model::Scenario& s, const PlanOptions& options) {
  return Planner(s, options).Run();
}

const PlannedDomain* RangePlan::FindDomain(std::string_view team, std::string_view node) const {
  for (const PlannedDomain& d : domains) {
    if (d.team == team && d.node == node) return &d;
  }
  return nullptr;
}

const PlannedNetwork* RangePlan::FindNetwork(std::string_view key) const {
  for (const PlannedNetwork& n : networks) {
    if (n.key == key) return &n;
  }
  return nullptr;
}

// ---- the plan codec ----------------------------------------------------------

void to_json(nlohmann::json& j, const PlannedNetwork& n) {
  j = {{"key", n.key},
       {"scenario_network", n.scenario_network},
       {"team", n.team},
       {"cidr", n.cidr},
       {"scenario_cidr", n.scenario_cidr},
       {"prefix", n.prefix},
       {"host_address", n.host_address},
       {"router_address", n.router_address}};
}

void from_json(const nlohmann::json& j, PlannedNetwork& n) {
  j.at("key").get_to(n.key);
  j.at("scenario_network").get_to(n.scenario_network);
  j.at("team").get_to(n.team);
  j.at("cidr").get_to(n.cidr);
  j.at("scenario_cidr").get_to(n.scenario_cidr);
  j.at("prefix").get_to(n.prefix);
  j.at("host_address").get_to(n.host_address);
  j.at("router_address").get_to(n.router_address);
}

void to_json(nlohmann::json& j, const PlannedInterface& f) {
  j = {{"network", f.network_key}, {"address", f.address}, {"prefix", f.prefix}, {"mac", f.mac}};
}

void from_json(const nlohmann::json& j, PlannedInterface& f) {
  j.at("network").get_to(f.network_key);
  j.at("address").get_to(f.address);
  j.at("prefix").get_to(f.prefix);
  j.at("mac").get_to(f.mac);
}

void to_json(nlohmann::json& j, const StaticRoute& r) {
  j = {{"destination", r.destination}, {"via", r.via}};
}

void from_json(const nlohmann::json& j, StaticRoute& r) {
  j.at("destination").get_to(r.destination);
  j.at("via").get_to(r.via);
}

void to_json(nlohmann::json& j, const PlannedDomain& d) {
  j = {{"key", d.key},
       {"node", d.node},
       {"team", d.team},
       {"template", d.template_name},
       {"resources",
        {{"vcpus", d.resources.vcpus},
         {"memory_mb", d.resources.memory_mb},
         {"disk_gb", d.resources.disk_gb}}},
       {"layer", d.layer},
       {"security_level", d.security_level},
       {"value", d.value},
       {"gateway", d.gateway},
       {"is_router", d.is_router},
       {"interfaces", d.interfaces},
       {"routes", d.routes}};
  // Only routers carry rules; other domains keep the text short (unless
  // they were given some: the codec loses nothing).
  if (d.is_router || !d.router_rules.empty() ||
      d.router_default_policy != model::RuleAction::kDeny) {
    j["router_default_policy"] = ActionName(d.router_default_policy);
    j["router_rules"] = nlohmann::json::array();
    for (const model::FirewallRule& r : d.router_rules) j["router_rules"].push_back(RuleJson(r));
  }
}

void from_json(const nlohmann::json& j, PlannedDomain& d) {
  j.at("key").get_to(d.key);
  j.at("node").get_to(d.node);
  j.at("team").get_to(d.team);
  j.at("template").get_to(d.template_name);
  const nlohmann::json& r = j.at("resources");
  r.at("vcpus").get_to(d.resources.vcpus);
  r.at("memory_mb").get_to(d.resources.memory_mb);
  r.at("disk_gb").get_to(d.resources.disk_gb);
  j.at("layer").get_to(d.layer);
  j.at("security_level").get_to(d.security_level);
  j.at("value").get_to(d.value);
  j.at("gateway").get_to(d.gateway);
  j.at("is_router").get_to(d.is_router);
  j.at("interfaces").get_to(d.interfaces);
  j.at("routes").get_to(d.routes);
  d.router_rules.clear();
  d.router_default_policy = model::RuleAction::kDeny;
  if (d.is_router || j.contains("router_rules")) {
    d.router_default_policy = ActionFrom(j.at("router_default_policy"));
    for (const nlohmann::json& rule : j.at("router_rules"))
      d.router_rules.push_back(RuleFrom(rule));
  }
}

void to_json(nlohmann::json& j, const RangePlan& plan) {
  j = nlohmann::json::object();
  j["format_version"] = kPlanFormatVersion;
  j["scenario"] = plan.scenario;
  j["address_pool"] = plan.address_pool;
  j["blue_teams"] = plan.blue_teams;
  j["team_blocks"] = plan.team_blocks;
  j["networks"] = plan.networks;
  j["domains"] = plan.domains;
  j["attack_paths"] = nlohmann::json::array();
  for (const graph::AttackPath& p : plan.attack_paths) j["attack_paths"].push_back(PathJson(p));
}

void from_json(const nlohmann::json& j, RangePlan& plan) {
  auto v = j.find("format_version");
  if (v == j.end() || !v->is_number_integer() || v->get<int>() != kPlanFormatVersion) {
    throw nlohmann::json::other_error::create(
        502,
        fmt::format("range plan format_version {} is not the supported {} (written by another "
                    "livefire version?)",
                    v == j.end() ? std::string("absent") : v->dump(), kPlanFormatVersion),
        &j);
  }
  j.at("scenario").get_to(plan.scenario);
  j.at("address_pool").get_to(plan.address_pool);
  j.at("blue_teams").get_to(plan.blue_teams);
  j.at("team_blocks").get_to(plan.team_blocks);
  j.at("networks").get_to(plan.networks);
  j.at("domains").get_to(plan.domains);
  plan.attack_paths.clear();
  for (const nlohmann::json& p : j.at("attack_paths")) plan.attack_paths.push_back(PathFrom(p));
}

nlohmann::json ToJson(const RangePlan& plan) { return plan; }

Result<RangePlan> PlanFromJson(const nlohmann::json& j) {
  try {
    return j.get<RangePlan>();
  } catch (const nlohmann::json::exception& e) {
    return Status::DataLoss(fmt::format("not a range plan: {}", e.what()));
  }
}

namespace {

// Flattened (JSON pointer -> value) so that nested fields compare one by one.
void Flat(const nlohmann::json& j, const std::string& prefix,
          std::map<std::string, std::string>& out) {
  if (j.is_object()) {
    for (const auto& [k, v] : j.items()) Flat(v, prefix.empty() ? k : prefix + "/" + k, out);
  } else if (j.is_array() && !j.empty() && (j.front().is_object() || j.front().is_array())) {
    for (size_t i = 0; i < j.size(); ++i) Flat(j[i], fmt::format("{}/{}", prefix, i), out);
  } else {
    out[prefix] = j.dump();
  }
}

// One list (networks or domains) compared element by element by key, so an
// inserted domain reads as "added", not as every later one changed.
void DiffKeyed(std::string_view what, const nlohmann::json& a, const nlohmann::json& b,
               std::vector<std::string>& out) {
  std::map<std::string, const nlohmann::json*> by_key_a, by_key_b;
  for (const auto& x : a) by_key_a[x.at("key").get<std::string>()] = &x;
  for (const auto& x : b) by_key_b[x.at("key").get<std::string>()] = &x;
  for (const auto& [key, x] : by_key_a) {
    auto it = by_key_b.find(key);
    if (it == by_key_b.end()) {
      out.push_back(fmt::format("{} {} removed", what, key));
      continue;
    }
    std::map<std::string, std::string> fa, fb;
    Flat(*x, "", fa);
    Flat(*it->second, "", fb);
    for (const auto& [path, va] : fa) {
      auto vb = fb.find(path);
      if (vb == fb.end()) {
        out.push_back(fmt::format("{} {} {} {} -> (none)", what, key, path, va));
      } else if (vb->second != va) {
        out.push_back(fmt::format("{} {} {} {} -> {}", what, key, path, va, vb->second));
      }
    }
    for (const auto& [path, vb] : fb) {
      if (!fa.contains(path))
        out.push_back(fmt::format("{} {} {} (none) -> {}", what, key, path, vb));
    }
  }
  for (const auto& [key, x] : by_key_b) {
    if (!by_key_a.contains(key)) out.push_back(fmt::format("{} {} added", what, key));
  }
}

}  // namespace

std::vector<std::string> PlanDifferences(const RangePlan& before, const RangePlan& after) {
  nlohmann::json a = before, b = after;
  std::vector<std::string> out;
  DiffKeyed("network", a.at("networks"), b.at("networks"), out);
  DiffKeyed("domain", a.at("domains"), b.at("domains"), out);
  for (const auto& [k, v] : a.items()) {
    if (k == "networks" || k == "domains") continue;
    if (b.value(k, nlohmann::json()) != v) {
      out.push_back(fmt::format("{} {} -> {}", k, v.dump(), b.value(k, nlohmann::json()).dump()));
    }
  }
  return out;
}

namespace {

std::string Interfaces(const PlannedDomain& d) {
  std::string out;
  for (const PlannedInterface& f : d.interfaces) {
    if (!out.empty()) out += " ";
    // Inside a team section the team prefix is implied.
    std::string_view net = f.network_key;
    if (!d.team.empty() && net.starts_with(d.team + ".")) net.remove_prefix(d.team.size() + 1);
    out += fmt::format("{}={}", net, f.address);
  }
  return out;
}

// "docs weak-password via telnet from dichvucong with credential dmz-admin:
// root foothold (cost 2)": what red does, where from, with what, and what it
// gets.
std::string FormatStep(const graph::AttackStep& s) {
  std::string what = s.kind == graph::StepKind::kLogin ? "login " + s.account : s.vulnerability;
  std::string how = s.service.empty() ? "(local)" : "via " + s.service;
  if (!s.from.empty()) how += " from " + s.from;
  if (!s.credential.empty()) how += " with credential " + s.credential;
  std::string result;
  switch (s.kind) {
    case graph::StepKind::kExploit:
    case graph::StepKind::kLogin:
      result = fmt::format("{} foothold", model::ToString(s.privilege));
      break;
    case graph::StepKind::kEscalate:
      result = fmt::format("{} (escalation)", model::ToString(s.privilege));
      break;
    case graph::StepKind::kCredentials:
      result = fmt::format("credential {}", fmt::join(s.yields, ", "));
      break;
    case graph::StepKind::kInformation:
      result = "information only, no foothold";
      break;
  }
  return fmt::format("{} {} {}: {} (cost {:g})", s.node, what, how, result, s.cost);
}

void FormatDomain(std::string& out, const PlannedDomain& d) {
  out +=
      fmt::format("  domain  {:<24} {:<10} {} vCPU {:>5} MB  layer {}  {}", d.key, d.template_name,
                  d.resources.vcpus, d.resources.memory_mb, d.layer, Interfaces(d));
  if (!d.gateway.empty()) out += "  gw " + d.gateway;
  if (d.is_router) {
    out += fmt::format("  ({} rules, default {})", d.router_rules.size(),
                       ActionName(d.router_default_policy));
  }
  out += "\n";
  if (!d.routes.empty()) {
    out += fmt::format("          routes: {} via {}", d.routes.front().destination,
                       d.routes.front().via);
    if (d.routes.size() > 1)
      out += fmt::format(" ... {} routes, one per team block", d.routes.size());
    out += "\n";
  }
}

void FormatNetwork(std::string& out, const PlannedNetwork& n) {
  out += fmt::format("  network {:<24} {:<18} host {}", n.key, n.cidr, n.host_address);
  if (!n.router_address.empty()) out += "  router " + n.router_address;
  if (n.cidr != n.scenario_cidr) out += "  (scenario " + n.scenario_cidr + ")";
  out += "\n";
}

}  // namespace

std::string FormatPlan(const RangePlan& plan) {
  std::string out = fmt::format(
      "Range plan for {}: {} blue team(s), address pool {}, {} networks, "
      "{} domains\n",
      plan.scenario, plan.blue_teams.size(), plan.address_pool, plan.networks.size(),
      plan.domains.size());
  bool any_shared = false;
  for (const PlannedNetwork& n : plan.networks) any_shared = any_shared || n.team.empty();
  if (any_shared) {
    out += "\nShared (one instance for every team)\n";
    for (const PlannedNetwork& n : plan.networks) {
      if (n.team.empty()) FormatNetwork(out, n);
    }
    for (const PlannedDomain& d : plan.domains) {
      if (d.team.empty()) FormatDomain(out, d);
    }
  }
  for (size_t t = 0; t < plan.blue_teams.size(); ++t) {
    const std::string& team = plan.blue_teams[t];
    out += "\nTeam " + team;
    if (t < plan.team_blocks.size()) out += " (block " + plan.team_blocks[t] + ")";
    out += "\n";
    for (const PlannedNetwork& n : plan.networks) {
      if (n.team == team) FormatNetwork(out, n);
    }
    for (const PlannedDomain& d : plan.domains) {
      if (d.team == team) FormatDomain(out, d);
    }
  }
  out += "\nAttack paths (cheapest from the red zone; the same in every team's copy)\n";
  if (plan.attack_paths.empty()) out += "  no red objective\n";
  for (const graph::AttackPath& p : plan.attack_paths) {
    if (!p.reachable) {
      out += fmt::format("  {} on {}: no path\n", p.objective, p.node);
      continue;
    }
    out += fmt::format("  {} on {}: cost {:g}, {} step(s)\n", p.objective, p.node, p.cost,
                       p.steps.size());
    for (size_t i = 0; i < p.steps.size(); ++i) {
      out += fmt::format("    {}. {}\n", i + 1, FormatStep(p.steps[i]));
    }
  }
  return out;
}

}  // namespace livefire::topology
