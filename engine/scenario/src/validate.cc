// Validation of a built scenario model: every rule of
// docs/scenario-language.md ("Validation"), every violation reported.

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <optional>
#include <regex>
#include <set>

#include "livefire/ids.h"
#include "livefire/scenario/loader.h"
#include "livefire/graph/topology.h"
#include "livefire/net/address.h"
#include "dsl.h"

namespace livefire::scenario {

namespace {

struct Cidr {
  uint32_t base = 0;  // host order
  int prefix = 0;
  uint32_t mask() const { return prefix == 0 ? 0 : ~uint32_t{0} << (32 - prefix); }
  uint32_t first() const { return base & mask(); }
  uint32_t last() const { return first() | ~mask(); }
  bool Contains(uint32_t a) const { return (a & mask()) == first(); }
  bool Overlaps(const Cidr& o) const { return first() <= o.last() && o.first() <= last(); }
};

std::optional<uint32_t> ParseIp(const std::string& text) {
  auto a = net::ParseIpv4(text);
  if (!a.ok()) return std::nullopt;
  return a->value;
}

// Parses "a.b.c.d/p" by net's rules (host bits refused, naming the
// network); *why says what is wrong. A scenario network must be /8../30:
// /31 and /32 leave no room for the host bridge, the router and a node, and
// anything larger than /8 cannot be copied per team inside an address pool.
std::optional<Cidr> ParseCidr(const std::string& text, std::string* why) {
  auto c = net::ParseCidr(text);
  if (!c.ok()) {
    *why = c.status().message();
    return std::nullopt;
  }
  if (c->prefix < 8 || c->prefix > 30) {
    *why = "the prefix must be 8..30";
    return std::nullopt;
  }
  return Cidr{c->base, c->prefix};
}

class Validator {
 public:
  Validator(const model::Scenario& s, const templates::Catalog& t) : s_(s), templates_(t) {}

  std::vector<Diagnostic> Run() {
    Names();
    Teams();
    Levels();
    Networks();
    Scoreboard();
    Rules();
    Nodes();
    Credentials();
    Objectives();
    Injects();
    Scoring();
    std::stable_sort(diags_.begin(), diags_.end(), [](const Diagnostic& a, const Diagnostic& b) {
      return a.loc.line < b.loc.line;
    });
    return std::move(diags_);
  }

 private:
  void Add(const model::SourceLoc& loc, std::string msg) { diags_.push_back({loc, std::move(msg)}); }

  std::string DidYouMean(std::string_view word, const std::vector<std::string>& candidates) {
    std::string hint = dsl::Suggest(word, candidates);
    return hint.empty() ? "" : fmt::format(" (did you mean '{}'?)", hint);
  }
  std::vector<std::string> NetworkNames() const {
    std::vector<std::string> v;
    for (const auto& n : s_.networks) v.push_back(n.name);
    return v;
  }
  std::vector<std::string> NodeNames() const {
    std::vector<std::string> v;
    for (const auto& n : s_.nodes) v.push_back(n.name);
    return v;
  }
  std::vector<std::string> NetworkAndNodeNames() const {
    auto v = NetworkNames();
    for (const auto& n : s_.nodes) v.push_back(n.name);
    return v;
  }

  template <typename T>
  void NamesOf(const std::vector<T>& items, std::string_view what) {
    std::map<std::string, const T*> seen;
    for (const T& x : items) {
      if (Status st = CheckName(what, x.name); !st.ok()) Add(x.loc, "invalid " + st.message());
      auto [it, fresh] = seen.emplace(x.name, &x);
      if (!fresh) {
        Add(x.loc, fmt::format("duplicate {} name '{}' (first declared at {})", what, x.name,
                               it->second->loc.ToString()));
      }
    }
  }

  void Names() {
    if (!s_.meta.name.empty()) {
      if (Status st = CheckName("scenario", s_.meta.name); !st.ok()) {
        Add(s_.meta.loc, "invalid " + st.message());
      }
    }
    NamesOf(s_.teams, "team");
    NamesOf(s_.networks, "network");
    NamesOf(s_.nodes, "node");
    NamesOf(s_.objectives, "objective");
    NamesOf(s_.injects, "inject");
    for (const model::Node& n : s_.nodes) {
      NamesOf(n.services, fmt::format("service (on node '{}')", n.name));
    }
    // A node and a network with one name make rules ambiguous.
    for (const model::Node& n : s_.nodes) {
      if (const model::Network* net = s_.FindNetwork(n.name)) {
        Add(n.loc, fmt::format("node '{}' has the name of the network declared at {}", n.name,
                               net->loc.ToString()));
      }
    }
  }

  void Teams() {
    const model::SourceLoc& at = s_.meta.loc;
    if (s_.TeamsWithRole(model::TeamRole::kBlue).empty()) {
      Add(at, "no blue team: declare at least one team \"...\" { role = \"blue\" }");
    }
    if (s_.TeamsWithRole(model::TeamRole::kRed).empty()) {
      Add(at, "no red team: declare at least one team \"...\" { role = \"red\" }");
    }
    if (s_.TeamsWithRole(model::TeamRole::kWhite).empty()) {
      Add(at, "no white team: declare at least one team \"...\" { role = \"white\" }");
    }
    for (const model::Team& t : s_.teams) {
      if (t.members < 0) Add(t.loc, fmt::format("team '{}': members must not be negative", t.name));
      for (const std::string& person : t.people) {
        // The person's account is "<team>-<person>", a name like any other.
        if (Status n = CheckName("person", person, 24); !n.ok()) {
          Add(t.loc, fmt::format("team '{}': {}", t.name, n.message()));
        }
      }
    }
  }

  void Levels() {
    int l = s_.meta.security_level;
    if (l < 1 || l > 5) {
      Add(s_.meta.loc, fmt::format("security level {} is out of range 1..5 (Decree 85/2016)", l));
    }
    if (s_.meta.duration <= Duration::Zero()) Add(s_.meta.loc, "duration must be positive");
    for (const model::Node& n : s_.nodes) {
      if (n.security_level != 0 && (n.security_level < 1 || n.security_level > 5)) {
        Add(n.loc, fmt::format("node '{}': security level {} is out of range 1..5", n.name,
                               n.security_level));
      }
      if (n.value < 0) Add(n.loc, fmt::format("node '{}': value must not be negative", n.name));
    }
  }

  void Scoreboard() {
    const model::ScoreboardShow& b = s_.meta.scoreboard;
    if (b.mode == model::ScoreboardMode::kFrozen && b.frozen_at > s_.meta.duration) {
      Add(s_.meta.loc, fmt::format("scoreboard frozen_at {} is beyond the exercise duration {}",
                                   FormatDuration(b.frozen_at), FormatDuration(s_.meta.duration)));
    }
  }

  void Networks() {
    std::string why;
    std::optional<Cidr> pool = ParseCidr(s_.meta.address_pool, &why);
    if (!pool) {
      Add(s_.meta.loc, fmt::format("malformed address_pool '{}': {}", s_.meta.address_pool, why));
    }
    std::vector<std::pair<const model::Network*, Cidr>> parsed;
    for (const model::Network& n : s_.networks) {
      auto c = ParseCidr(n.cidr, &why);
      if (!c) {
        Add(n.loc, fmt::format("network '{}': malformed CIDR '{}': {}", n.name, n.cidr, why));
        continue;
      }
      cidrs_.emplace(n.name, *c);  // the first declaration wins, like FindNetwork
      for (const auto& [other, oc] : parsed) {
        if (c->Overlaps(oc)) {
          Add(n.loc, fmt::format("network '{}' ({}) overlaps network '{}' ({}) declared at {}",
                                 n.name, n.cidr, other->name, other->cidr, other->loc.ToString()));
        }
      }
      if (pool && n.zone == model::NetworkZone::kShared && c->Overlaps(*pool)) {
        Add(n.loc, fmt::format("shared network '{}' ({}) overlaps the address pool {} where "
                               "per-team copies are placed",
                               n.name, n.cidr, s_.meta.address_pool));
      }
      parsed.push_back({&n, *c});
    }
  }

  bool IsNetworkOrNode(const std::string& name) const {
    return s_.FindNetwork(name) || s_.FindNode(name);
  }

  void Rules() {
    for (const model::FirewallRule& r : s_.rules) {
      for (const std::string* end : {&r.from, &r.to}) {
        if (*end == "*" || end->empty() || IsNetworkOrNode(*end)) continue;
        Add(r.loc, fmt::format("rule refers to unknown network or node '{}'{}", *end,
                               DidYouMean(*end, NetworkAndNodeNames())));
      }
    }
  }

  void Nodes() {
    graph::Topology topo = graph::Topology::Build(s_);
    for (const model::Node& n : s_.nodes) {
      const templates::Template* tpl = templates_.Find(n.template_name);
      if (!tpl && !n.template_name.empty()) {
        std::vector<std::string> known;
        for (const auto& t : templates_.templates()) known.push_back(t.name);
        Add(n.loc, fmt::format("node '{}': unknown template '{}'{} (templates in {}: {})", n.name,
                               n.template_name, DidYouMean(n.template_name, known),
                               templates_.dir(), known.empty() ? "none" : fmt::format("{}", fmt::join(known, ", "))));
      }
      Resources(n);
      if (n.interfaces.empty()) {
        Add(n.loc, fmt::format("node '{}' has no interface: add iface {{ network = \"...\", "
                               "address = \"...\" }}",
                               n.name));
      }
      for (const model::Interface& f : n.interfaces) Iface(n, f);
      for (const model::Service& sv : n.services) {
        ServiceRules(n, sv, topo);
        if (tpl) ServiceInTemplate(n, sv, *tpl);
      }
      for (const model::Vulnerability& v : n.vulnerabilities) Vuln(n, v, tpl, topo);
      for (const model::Account& a : n.accounts) {
        if (a.user.empty() && a.loc.line) Add(a.loc, fmt::format("node '{}': account needs a user", n.name));
      }
      for (const model::PlantedFile& f : n.files) {
        if (!f.path.empty() && f.path[0] != '/') {
          Add(f.loc, fmt::format("node '{}': file path '{}' must be absolute", n.name, f.path));
        }
        if (!f.source.empty()) SourceFile(n, f);
      }
    }
  }

  // 0 keeps the template's value; what is given is what the domain gets.
  void Resources(const model::Node& n) {
    const model::Resources& r = n.resources;
    if (r.vcpus < 0 || r.vcpus > 64) {
      Add(n.loc, fmt::format("node '{}': resources.vcpus {} is out of range 1..64", n.name, r.vcpus));
    }
    if (r.memory_mb < 0 || (r.memory_mb > 0 && r.memory_mb < 64)) {
      Add(n.loc, fmt::format("node '{}': resources.memory_mb {} is below 64 (a guest needs at "
                             "least 64 MiB)",
                             n.name, r.memory_mb));
    }
    if (r.disk_gb < 0) {
      Add(n.loc, fmt::format("node '{}': resources.disk_gb must not be negative", n.name));
    }
  }

  // A planted file's source must be a file inside the scenario folder.
  void SourceFile(const model::Node& n, const model::PlantedFile& f) {
    std::filesystem::path rel(f.source);
    bool escapes = rel.is_absolute() ||
                   std::any_of(rel.begin(), rel.end(), [](const auto& p) { return p == ".."; });
    if (escapes) {
      Add(f.loc, fmt::format("node '{}': file source '{}' must be a path inside the scenario "
                             "folder",
                             n.name, f.source));
      return;
    }
    std::error_code ec;
    if (!std::filesystem::is_regular_file(std::filesystem::path(s_.dir) / rel, ec)) {
      Add(f.loc, fmt::format("node '{}': file source '{}' does not exist in {}", n.name, f.source,
                             s_.dir));
    }
  }

  void Iface(const model::Node& n, const model::Interface& f) {
    const model::Network* net = s_.FindNetwork(f.network);
    if (!net) {
      if (!f.network.empty()) {
        Add(f.loc, fmt::format("node '{}': unknown network '{}'{}", n.name, f.network,
                               DidYouMean(f.network, NetworkNames())));
      }
      return;
    }
    if (f.address.empty()) return;
    auto ip = ParseIp(f.address);
    if (!ip) {
      Add(f.loc, fmt::format("node '{}': '{}' is not an IPv4 address", n.name, f.address));
      return;
    }
    auto c = cidrs_.find(net->name);
    if (c == cidrs_.end()) return;  // the network's CIDR is already reported
    if (!c->second.Contains(*ip)) {
      Add(f.loc, fmt::format("node '{}': address {} is outside network '{}' ({})", n.name,
                             f.address, net->name, net->cidr));
      return;
    }
    if (*ip == c->second.first() || *ip == c->second.last()) {
      Add(f.loc, fmt::format("node '{}': address {} is the {} address of network '{}'", n.name,
                             f.address, *ip == c->second.first() ? "network" : "broadcast",
                             net->name));
      return;
    }
    if (*ip == c->second.first() + 1) {
      Add(f.loc, fmt::format("node '{}': address {} is the first usable address of network "
                             "'{}', reserved for the host's bridge",
                             n.name, f.address, net->name));
      return;
    }
    auto [it, fresh] = addresses_.emplace(*ip, std::make_pair(&n, &f));
    if (!fresh) {
      Add(f.loc, fmt::format("node '{}': address {} is already used by node '{}' at {}", n.name,
                             f.address, it->second.first->name, it->second.second->loc.ToString()));
    }
  }

  void ServiceRules(const model::Node& n, const model::Service& sv, const graph::Topology& topo) {
    if (sv.port == 0) return;  // missing or ill-typed: reported while reading
    if (sv.port < 1 || sv.port > 65535) {
      Add(sv.loc, fmt::format("node '{}' service '{}': port {} is out of range 1..65535", n.name,
                              sv.name, sv.port));
      return;
    }
    for (const std::string& zone : sv.reachable_from) {
      if (!IsNetworkOrNode(zone)) {
        Add(sv.loc, fmt::format("node '{}' service '{}': reachable_from names unknown network or "
                                "node '{}'{}",
                                n.name, sv.name, zone, DidYouMean(zone, NetworkAndNodeNames())));
        continue;
      }
      graph::ReachVerdict v = topo.CanReach(zone, n.name, sv.protocol, sv.port);
      if (!v.reachable) {
        Add(sv.loc, fmt::format("node '{}' service '{}' ({}/{}) must be reachable from '{}' but "
                                "is not: {}",
                                n.name, sv.name, sv.protocol, sv.port, zone, v.reason));
      }
    }
    if (sv.check.kind == "http" && !sv.check.path.empty() && sv.check.path[0] != '/') {
      Add(sv.loc, fmt::format("node '{}' service '{}': check path '{}' must start with '/'",
                              n.name, sv.name, sv.check.path));
    }
  }

  // The node's template must run the service (by name or check kind, as
  // provisioning maps it): otherwise the range would boot without it.
  void ServiceInTemplate(const model::Node& n, const model::Service& sv,
                         const templates::Template& tpl) {
    if (tpl.RunsAs(sv.name, sv.check.kind)) return;
    std::string hint;
    for (const templates::Service& ts : tpl.services) {
      if (sv.port != 0 && ts.default_port == sv.port) {
        hint = fmt::format(" (port {} is its '{}')", sv.port, ts.name);
        break;
      }
    }
    if (hint.empty()) {
      std::vector<std::string> names;
      for (const templates::Service& ts : tpl.services) names.push_back(ts.name);
      hint = DidYouMean(sv.name, names);
    }
    std::string kind = sv.check.kind.empty() ? "" : fmt::format(", check kind '{}'", sv.check.kind);
    Add(sv.loc, fmt::format("node '{}': template '{}' cannot run service '{}' ({}/{}{}){}; it "
                            "offers {}: name the service after one of them or set check = {{ "
                            "kind = \"...\" }}",
                            n.name, tpl.name, sv.name, sv.protocol.empty() ? "tcp" : sv.protocol,
                            sv.port, kind, hint, tpl.OfferedServices()));
  }

  const model::Service* FindService(const model::Node& n, std::string_view name) const {
    for (const model::Service& sv : n.services) {
      if (sv.name == name) return &sv;
    }
    return nullptr;
  }

  void Vuln(const model::Node& n, const model::Vulnerability& v, const templates::Template* tpl,
            const graph::Topology& topo) {
    const templates::Vulnerability* tv = tpl ? tpl->FindVulnerability(v.id) : nullptr;
    if (tpl && !tv) {
      std::vector<std::string> ids;
      for (const auto& tv : tpl->vulnerabilities) ids.push_back(tv.id);
      Add(v.loc, fmt::format("node '{}': template '{}' cannot plant vulnerability '{}'{} (it "
                             "offers: {})",
                             n.name, tpl->name, v.id, DidYouMean(v.id, ids),
                             ids.empty() ? "none" : fmt::format("{}", fmt::join(ids, ", "))));
    }
    if (v.exploit_cost < 0) {
      Add(v.loc, fmt::format("node '{}' vulnerability '{}': cost must not be negative", n.name,
                             v.id));
    }
    if (tv && !tv->service.empty()) VulnNeedsService(n, v, *tpl, *tv);
    if (v.service.empty()) return;
    const model::Service* sv = FindService(n, v.service);
    if (!sv) {
      std::vector<std::string> names;
      for (const auto& x : n.services) names.push_back(x.name);
      Add(v.loc, fmt::format("node '{}' vulnerability '{}': unknown service '{}'{}", n.name, v.id,
                             v.service, DidYouMean(v.service, names)));
      return;
    }
    if (sv->port < 1 || sv->port > 65535) return;  // reported with the service
    // Exposed: some network the node is not on can reach the service.
    for (const model::Network& net : s_.networks) {
      bool own = std::any_of(n.interfaces.begin(), n.interfaces.end(),
                             [&](const model::Interface& f) { return f.network == net.name; });
      if (own) continue;
      if (topo.CanReach(net.name, n.name, sv->protocol, sv->port).reachable) return;
    }
    // Or any other node: a neighbour on the same network is how lateral
    // movement reaches it; a node elsewhere may be let through by name.
    for (const model::Node& other : s_.nodes) {
      if (&other == &n) continue;
      if (topo.CanReach(other.name, n.name, sv->protocol, sv->port).reachable) return;
    }
    Add(v.loc, fmt::format("node '{}' vulnerability '{}' is on service '{}' ({}/{}), which is "
                           "not exposed: no other network or node can reach it",
                           n.name, v.id, sv->name, sv->protocol, sv->port));
  }

  // The attack model's credentials: their names come from accounts; a
  // yield, a vulnerability's credential and a login must refer to one that
  // exists, or the plan would show a chain the range cannot give.
  void Credentials() {
    std::map<std::string, std::pair<const model::Node*, const model::Account*>> first;
    for (const model::Node& n : s_.nodes) {
      for (const model::Account& a : n.accounts) {
        std::string what = fmt::format("node '{}' account '{}'", n.name, a.user);
        for (const std::string& l : a.login) {
          if (FindService(n, l)) continue;
          std::vector<std::string> names;
          for (const auto& x : n.services) names.push_back(x.name);
          Add(a.loc, fmt::format("{}: login names unknown service '{}'{}", what, l,
                                 DidYouMean(l, names)));
        }
        if (!a.login.empty() && a.credential.empty()) {
          Add(a.loc, fmt::format("{}: login needs credential = \"name\" (what red holds once "
                                 "a weakness yields it)",
                                 what));
        }
        if (a.credential.empty()) continue;
        auto [it, fresh] = first.emplace(a.credential, std::make_pair(&n, &a));
        const model::Account& had = *it->second.second;
        if (!fresh && (had.user != a.user || had.password != a.password)) {
          Add(a.loc, fmt::format("{}: credential '{}' has another user or password than at {} "
                                 "(node '{}'); accounts sharing a credential share both",
                                 what, a.credential, had.loc.ToString(), it->second.first->name));
        }
      }
    }
    std::vector<std::string> known;
    for (const auto& [name, _] : first) known.push_back(name);
    for (const model::Node& n : s_.nodes) {
      for (const model::Vulnerability& v : n.vulnerabilities) CredentialUse(n, v, first, known);
    }
  }

  template <typename Map>
  void CredentialUse(const model::Node& n, const model::Vulnerability& v, const Map& credentials,
                     const std::vector<std::string>& known) {
    std::string what = fmt::format("node '{}' vulnerability '{}'", n.name, v.id);
    for (const std::string& y : v.yields) {
      if (credentials.count(y)) continue;
      Add(v.loc, fmt::format("{}: yields unknown credential '{}'{} (credentials are named by "
                             "account {{ credential = \"...\" }})",
                             what, y, DidYouMean(y, known)));
    }
    bool creds = v.effect == model::VulnEffect::kCredentials;
    if (creds && v.yields.empty()) {
      Add(v.loc, what + ": effect \"credentials\" needs yields = \"credential name\"");
    }
    if (!creds && !v.yields.empty()) {
      Add(v.loc, fmt::format("{}: yields needs effect \"credentials\" (it is \"{}\")", what,
                             model::ToString(v.effect)));
    }
    if (v.effect == model::VulnEffect::kPrivesc && !v.service.empty()) {
      Add(v.loc, what + ": privesc is local (it needs a foothold on the node): drop service");
    }
    if (v.credential.empty()) return;
    if (v.service.empty()) {
      Add(v.loc, what + ": a weakness that needs a credential is used through a service: set "
                        "service");
    }
    bool on_node = std::any_of(n.accounts.begin(), n.accounts.end(),
                               [&](const model::Account& a) { return a.credential == v.credential; });
    if (!on_node) {
      Add(v.loc, fmt::format("{}: credential '{}' belongs to no account of node '{}' (give the "
                             "account credential = \"{}\"){}",
                             what, v.credential, n.name, v.credential,
                             DidYouMean(v.credential, known)));
    }
  }

  // A template weakness lives in one of its services (cgi-cmd-injection in
  // http): the node must run that service, and a vuln naming a node service
  // must name one that runs as it.
  void VulnNeedsService(const model::Node& n, const model::Vulnerability& v,
                        const templates::Template& tpl, const templates::Vulnerability& tv) {
    auto runs_as = [&](const model::Service& sv) {
      const templates::Service* ts = tpl.RunsAs(sv.name, sv.check.kind);
      return ts && ts->name == tv.service;
    };
    if (!v.service.empty()) {
      const model::Service* sv = FindService(n, v.service);
      if (!sv || runs_as(*sv)) return;  // unknown service: reported by Vuln
      const templates::Service* ts = tpl.RunsAs(sv->name, sv->check.kind);
      Add(v.loc, fmt::format("node '{}' vulnerability '{}': template '{}' plants it in its '{}' "
                             "service, but service '{}' runs as '{}'",
                             n.name, v.id, tpl.name, tv.service, sv->name,
                             ts ? ts->name : "nothing"));
      return;
    }
    if (std::any_of(n.services.begin(), n.services.end(), runs_as)) return;
    Add(v.loc, fmt::format("node '{}' vulnerability '{}': template '{}' plants it in its '{}' "
                           "service, which the node does not run: declare service \"{}\" {{ ... "
                           "}} and set service = \"{}\"",
                           n.name, v.id, tpl.name, tv.service, tv.service, tv.service));
  }

  void Objectives() {
    for (const model::Objective& o : s_.objectives) {
      const model::Node* n = s_.FindNode(o.node);
      std::string what = fmt::format("objective '{}'", o.name);
      if (!n) {
        if (!o.node.empty()) {
          Add(o.loc, fmt::format("{}: unknown node '{}'{}", what, o.node,
                                 DidYouMean(o.node, NodeNames())));
        }
      } else if (!o.service.empty() && !FindService(*n, o.service)) {
        Add(o.loc, fmt::format("{}: node '{}' has no service '{}'", what, o.node, o.service));
      }
      switch (o.kind) {
        case model::ObjectiveKind::kReadFlag:
          if (o.flag.empty()) Add(o.loc, what + ": read_flag needs flag = \"FLAG{...}\"");
          break;
        case model::ObjectiveKind::kExfiltrate:
          if (o.path.empty()) Add(o.loc, what + ": exfiltrate needs path = \"/file/to/steal\"");
          break;
        case model::ObjectiveKind::kDeface:
        case model::ObjectiveKind::kKeepAvailable:
          if (o.service.empty()) {
            Add(o.loc, fmt::format("{}: {} needs service = \"...\"", what, ToString(o.kind)));
          }
          break;
        case model::ObjectiveKind::kPersist: break;
      }
      if (o.points < 0) Add(o.loc, what + ": points must not be negative");
    }
  }

  void Injects() {
    static const std::regex kTechnique(R"([TM]\d{4}(\.\d{3})?)");
    for (const model::Inject& in : s_.injects) {
      std::string what = fmt::format("inject '{}'", in.name);
      if (!in.target.empty() && !s_.FindNode(in.target)) {
        Add(in.loc, fmt::format("{}: unknown target node '{}'{}", what, in.target,
                                DidYouMean(in.target, NodeNames())));
      }
      if (!in.technique.empty() && !std::regex_match(in.technique, kTechnique)) {
        Add(in.loc, fmt::format("{}: technique '{}' is not a MITRE ATT&CK technique or "
                                "mitigation id like T1190, T1059.004 or M1050",
                                what, in.technique));
      }
      if (in.trigger.kind == model::TriggerKind::kAfter && !in.trigger.after.empty() &&
          !s_.FindInject(in.trigger.after)) {
        std::vector<std::string> names;
        for (const auto& x : s_.injects) names.push_back(x.name);
        Add(in.loc, fmt::format("{}: after names unknown inject '{}'{}", what, in.trigger.after,
                                DidYouMean(in.trigger.after, names)));
      }
      if (in.trigger.kind == model::TriggerKind::kAt && in.trigger.at > s_.meta.duration) {
        Add(in.loc, fmt::format("{}: at {} is after the end of the exercise ({})", what,
                                FormatDuration(in.trigger.at), FormatDuration(s_.meta.duration)));
      }
      if (in.trigger.kind == model::TriggerKind::kCondition &&
          in.trigger.poll_interval <= Duration::Zero()) {
        Add(in.loc, what + ": poll must be positive");
      }
      if (in.owner != model::InjectOwner::kWhite && !in.has_body) {
        Add(in.loc, fmt::format("{}: a {} inject needs run = function(ctx) ... end", what,
                                ToString(in.owner)));
      }
      if (in.repeat_count < 1) {
        Add(in.loc, fmt::format("{}: repeats must be at least 1", what));
      } else if (in.repeat_count > 1 && in.repeat_interval <= Duration::Zero()) {
        Add(in.loc, fmt::format("{}: repeats = {} needs every = \"<interval>\"", what,
                                in.repeat_count));
      }
    }
    TriggerCycles();
  }

  // after-chains must not loop: a -> b -> a would never start.
  void TriggerCycles() {
    std::map<std::string, const model::Inject*> by_name;
    for (const model::Inject& in : s_.injects) by_name.emplace(in.name, &in);
    std::set<std::string> reported;
    for (const model::Inject& start : s_.injects) {
      std::vector<std::string> path{start.name};
      const model::Inject* cur = &start;
      while (cur->trigger.kind == model::TriggerKind::kAfter) {
        auto next = by_name.find(cur->trigger.after);
        if (next == by_name.end()) break;
        auto loop = std::find(path.begin(), path.end(), next->first);
        if (loop != path.end()) {
          if (loop == path.begin()) {
            // Report each cycle once, at its first-declared member.
            std::vector<std::string> cycle(path.begin(), path.end());
            std::string key = *std::min_element(cycle.begin(), cycle.end());
            if (reported.insert(key).second) {
              cycle.push_back(next->first);
              Add(start.loc, fmt::format("trigger cycle: {} (after-triggers must not loop)",
                                         fmt::join(cycle, " -> ")));
            }
          }
          break;
        }
        path.push_back(next->first);
        cur = next->second;
      }
    }
  }

  void Scoring() {
    const model::ScoringParams& p = s_.scoring;
    const auto& w = p.weights;
    for (double x : {w.availability, w.red_impact, w.detection, w.reports, w.penalties}) {
      if (x < 0) {
        Add(p.loc, "scoring: weights must not be negative");
        break;
      }
    }
    if (p.check_interval <= Duration::Zero()) Add(p.loc, "scoring: check_interval must be positive");
    if (p.ttd_full_credit > p.ttd_zero_credit) {
      Add(p.loc, "scoring: ttd_full_credit must not be longer than ttd_zero_credit");
    }
    if (p.ttd_floor < 0 || p.ttd_floor > 1) Add(p.loc, "scoring: ttd_floor must be in 0..1");
    if (p.sla_threshold < 1) Add(p.loc, "scoring: sla_threshold must be at least 1");
  }

  const model::Scenario& s_;
  const templates::Catalog& templates_;
  std::vector<Diagnostic> diags_;
  std::map<std::string, Cidr> cidrs_;
  std::map<uint32_t, std::pair<const model::Node*, const model::Interface*>> addresses_;
};

}  // namespace

std::vector<Diagnostic> Validate(const model::Scenario& s, const templates::Catalog& templates) {
  return Validator(s, templates).Run();
}

}  // namespace livefire::scenario
