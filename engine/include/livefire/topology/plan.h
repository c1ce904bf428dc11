#pragma once
// The range plan: a validated scenario instantiated for N blue teams. It says
// which networks and domains exist, with which addresses, so that the
// provisioner only has to make it real. Plans are deterministic: the same
// scenario and team count give the same plan (golden-tested as JSON).

#include <nlohmann/json_fwd.hpp>

#include <string>
#include <vector>

#include "livefire/scenario/model.h"
#include "livefire/status.h"

namespace livefire::topology {

struct PlannedNetwork {
  std::string key;               // unique in the plan: "blue1.dmz", or "red" when shared
  std::string scenario_network;  // "dmz"
  std::string team;              // blue team name; "" for shared networks
  std::string cidr;              // this copy's CIDR (translated into the address pool)
  std::string host_address;      // the host's address on the bridge (first usable)
  int prefix = 24;
};

struct PlannedInterface {
  std::string network_key;  // PlannedNetwork::key
  std::string address;      // translated address, e.g. "10.64.1.10"
  int prefix = 24;
  std::string mac;          // deterministic "52:54:00:xx:xx:xx"
};

struct PlannedDomain {
  std::string key;        // unique in the plan: "blue1.portal", or "attacker" when shared
  std::string node;       // scenario node name
  std::string team;       // owning blue team; "" for shared nodes (e.g. the red zone)
  std::string template_name;
  scenario::Resources resources;  // template defaults already applied where 0
  std::vector<PlannedInterface> interfaces;
  int layer = 0;  // provisioning layer: domains in layer k start after layer k-1 is ready
  int security_level = 3;
  double value = 1.0;
  // A router joins a team's networks (and the shared zones) and enforces the
  // scenario's firewall rules; the plan adds one per team when needed.
  bool is_router = false;
  std::vector<scenario::FirewallRule> router_rules;  // translated to this copy's addresses
};

struct AttackStep {
  std::string node;
  std::string vulnerability;  // vulnerability id exploited on that node
  std::string service;        // through this service ("" = local)
  double cost = 0;
};

struct AttackPath {
  std::string objective;
  double cost = 0;  // sum of step costs
  std::vector<AttackStep> steps;
};

struct RangePlan {
  std::string scenario;  // scenario name
  std::vector<std::string> blue_teams;
  std::vector<PlannedNetwork> networks;
  std::vector<PlannedDomain> domains;
  // Cheapest path per objective from the red zone, on the scenario topology
  // (the same for every blue copy).
  std::vector<AttackPath> attack_paths;

  const PlannedDomain* FindDomain(std::string_view team, std::string_view node) const;
  const PlannedNetwork* FindNetwork(std::string_view key) const;
};

}  // namespace livefire::topology
