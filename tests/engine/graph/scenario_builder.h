#pragma once
// Small scenarios built in C++ for the graph tests (topology_test.cc,
// attack_test.cc): networks, nodes, rules and objectives without a file.
#include <string>
#include <utility>
#include <vector>

#include "livefire/model/model.h"
#include "livefire/testing/firewall_rules.h"

namespace livefire::testsupport {

using model::NetworkZone;
using model::RuleAction;


// A small scenario built in C++: a shared red network, a per-team DMZ and an
// internal network, default deny.
class Builder {
 public:
  Builder() {
    s_.meta.name = "t";
    s_.file = "scenario.lua";
    s_.meta.default_policy = RuleAction::kDeny;
  }
  Builder& Net(std::string name, std::string cidr, NetworkZone z = NetworkZone::kPerTeam) {
    model::Network n;
    n.name = std::move(name);
    n.cidr = std::move(cidr);
    n.zone = z;
    s_.networks.push_back(n);
    return *this;
  }
  model::Node& Node(std::string name, std::vector<std::pair<std::string, std::string>> ifs) {
    model::Node n;
    n.name = std::move(name);
    n.template_name = "micro";
    for (auto& [net, addr] : ifs) n.interfaces.push_back({net, addr, {}});
    s_.nodes.push_back(std::move(n));
    return s_.nodes.back();
  }
  Builder& Rule(RuleAction a, std::string from, std::string to, std::string proto, int pmin = 0,
                int pmax = 0) {
    s_.rules.push_back(
        testsupport::MakeRule(a, std::move(from), std::move(to), std::move(proto), pmin, pmax,
                              {"scenario.lua", 100 + static_cast<int>(s_.rules.size())}));
    return *this;
  }
  Builder& Objective(std::string name, std::string node,
                     model::ObjectiveKind k = model::ObjectiveKind::kReadFlag) {
    model::Objective o;
    o.name = std::move(name);
    o.node = std::move(node);
    o.kind = k;
    s_.objectives.push_back(o);
    return *this;
  }
  model::Scenario& s() { return s_; }

 private:
  model::Scenario s_;
};

inline void AddService(model::Node& n, std::string name, std::string proto, int port) {
  model::Service sv;
  sv.name = std::move(name);
  sv.protocol = std::move(proto);
  sv.port = port;
  n.services.push_back(sv);
}

inline void AddVuln(model::Node& n, std::string id, std::string service, double cost) {
  model::Vulnerability v;
  v.id = std::move(id);
  v.service = std::move(service);
  v.exploit_cost = cost;
  n.vulnerabilities.push_back(v);
}

inline Builder ThreeZones() {
  Builder b;
  b.Net("red", "172.16.0.0/24", NetworkZone::kShared)
      .Net("dmz", "10.10.1.0/24")
      .Net("internal", "10.10.2.0/24");
  b.Node("attacker", {{"red", "172.16.0.10"}});
  b.Node("portal", {{"dmz", "10.10.1.10"}});
  b.Node("web2", {{"dmz", "10.10.1.11"}});
  b.Node("db", {{"internal", "10.10.2.20"}});
  return b;
}

}  // namespace livefire::testsupport
