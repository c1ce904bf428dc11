#pragma once
// The range plan: a validated scenario instantiated for N blue teams. It says
// which networks and domains exist, with which addresses, so that the
// provisioner only has to make it real. Plans are deterministic: the same
// scenario and team count give the same plan (golden-tested as JSON).
//
// Addressing. Shared networks (the red zone) exist once, with the CIDR the
// scenario declares. Each blue team gets a block of the address pool
// (metadata.address_pool): the team's networks are packed into the smallest
// power-of-two block (largest network first, aligned), every team's block
// has the same layout, and blocks overlapping a shared network are skipped.
// Nodes keep the host part of their declared address. In every network the
// first usable address is the host's bridge (so the host can run service
// checks) and the last usable one is the team router's leg.
//
// Routing. A team whose networks must be joined (two or more of its own, or
// any shared network) gets one router domain (template "micro", layer 0)
// with a leg on each of its networks and on each shared network; it enforces
// the scenario's rules translated to the copy's CIDRs. Team nodes use their
// router's address on their first network as default gateway. One red zone
// reaches N copies because every team router has its own leg on each shared
// network (allocated downwards from the last usable address, skipping what
// shared nodes use), and each shared node gets a static route per team:
// that team's block via that team's router. Routers never route between
// shared legs and have no default route, so teams cannot reach each other.
//
// Provisioning layers: 0 = routers; then nodes by service dependency: a node
// whose service lists a network (or node) in reachable_from serves the nodes
// there, so it starts first (layer = 1 + longest chain of providers, cycles
// share a layer); red-zone nodes that serve nobody (attackers) come last.

#include <functional>
#include <map>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "livefire/graph/topology.h"
#include "livefire/model/model.h"
#include "livefire/status.h"

namespace livefire::topology {

struct PlannedNetwork {
  std::string key;               // unique in the plan: "blue1.dmz", or "red" when shared
  std::string scenario_network;  // "dmz"
  std::string team;              // blue team name; "" for shared networks
  std::string cidr;              // this copy's CIDR (translated into the address pool)
  std::string host_address;      // the host's address on the bridge (first usable)
  int prefix = 24;
  std::string scenario_cidr;  // the CIDR the scenario declares
  // The team router's leg on this network ("" for shared networks, which
  // have one leg per team router, and for teams without a router).
  std::string router_address;
};

struct PlannedInterface {
  std::string network_key;  // PlannedNetwork::key
  std::string address;      // translated address, e.g. "10.64.1.10"
  int prefix = 24;
  std::string mac;  // deterministic "52:54:00:xx:xx:xx"
};

// A route a domain must install: destination CIDR via a next hop.
struct StaticRoute {
  std::string destination;  // "10.64.0.0/22"
  std::string via;          // "172.16.0.254"
};

struct PlannedDomain {
  std::string key;   // unique in the plan: "blue1.portal", or "attacker" when shared
  std::string node;  // scenario node name
  std::string team;  // owning blue team; "" for shared nodes (e.g. the red zone)
  std::string template_name;
  model::Resources resources;  // template defaults already applied where 0
  std::vector<PlannedInterface> interfaces;
  int layer = 0;  // provisioning layer: domains in layer k start after layer k-1 is ready
  int security_level = 3;
  double value = 1.0;  // 0 for routers (infrastructure, never scored)
  // Default gateway: the team router's address on the first interface's
  // network ("" for routers, shared nodes and teams without a router).
  std::string gateway;
  // Shared nodes: one route per team block via that team's router.
  std::vector<StaticRoute> routes;
  // A router joins a team's networks (and the shared zones) and enforces the
  // scenario's firewall rules; the plan adds one per team when needed.
  bool is_router = false;
  // Translated to this copy's addresses: from/to are CIDRs ("a.b.c.d/n",
  // /32 for a node-level rule) or "*"; a multi-homed node or wildcard gives
  // several rules in a row, so first-match order is kept.
  std::vector<model::FirewallRule> router_rules;
  model::RuleAction router_default_policy = model::RuleAction::kDeny;
};

struct RangePlan {
  std::string scenario;  // scenario name
  std::string address_pool;
  std::vector<std::string> blue_teams;
  std::vector<std::string> team_blocks;  // per blue team (same order): its pool block
  std::vector<PlannedNetwork> networks;
  std::vector<PlannedDomain> domains;
  // Cheapest path per objective from the red zone, on the scenario topology
  // (the same for every blue copy).
  std::vector<graph::AttackPath> attack_paths;

  // team "" finds a shared domain.
  const PlannedDomain* FindDomain(std::string_view team, std::string_view node) const;
  const PlannedNetwork* FindNetwork(std::string_view key) const;
};

inline constexpr std::string_view kRouterNode = "lf-router";
inline constexpr std::string_view kRouterTemplate = "micro";

struct PlanOptions {
  // 0: the scenario's blue teams; N > 0: N generated teams blue1..blueN.
  int team_count = 0;
  // Template defaults (vm-templates/<name>/manifest.json "resources") by
  // template name, applied where a node leaves a resource at 0; templates
  // not listed get kFallbackResources.
  std::map<std::string, model::Resources, std::less<>> template_resources;
};

inline constexpr model::Resources kFallbackResources{1, 256, 0};

// Instantiates a (validated) scenario. Errors are InvalidArgument naming the
// place (file:line) when the scenario cannot be laid out: address pool too
// small, a node address outside its network or clashing with another one,
// a shared network too small for one router leg per team.
Result<RangePlan> MakePlan(const model::Scenario& s, const PlanOptions& options = {});

// ---- the plan codec: the one JSON form of a plan -------------------------
// What `plan --json` prints, what `up` records in the exercise's plan.json
// and what `run`, the provisioner and the GUI read back. Objects have sorted
// keys and arrays keep plan order, so the text is stable for golden tests.
// Bump kPlanFormatVersion on any incompatible change: a plan with another
// (or no) format_version is refused rather than half-read.
inline constexpr int kPlanFormatVersion = 1;

// ADL codec (nlohmann::json j = plan; j.get<RangePlan>()). from_json throws
// nlohmann::json::exception; at API edges use PlanFromJson instead.
void to_json(nlohmann::json& j, const PlannedNetwork& n);
void from_json(const nlohmann::json& j, PlannedNetwork& n);
void to_json(nlohmann::json& j, const PlannedInterface& f);
void from_json(const nlohmann::json& j, PlannedInterface& f);
void to_json(nlohmann::json& j, const StaticRoute& r);
void from_json(const nlohmann::json& j, StaticRoute& r);
void to_json(nlohmann::json& j, const PlannedDomain& d);
void from_json(const nlohmann::json& j, PlannedDomain& d);
void to_json(nlohmann::json& j, const RangePlan& plan);
void from_json(const nlohmann::json& j, RangePlan& plan);

nlohmann::json ToJson(const RangePlan& plan);
// DataLoss naming the field (or the unsupported format_version) when j is
// not a plan this version writes.
Result<RangePlan> PlanFromJson(const nlohmann::json& j);

// What differs between two plans, one line per field, e.g.
// "domain blue1.web interfaces/0/address "10.64.0.5" -> "10.64.0.6"";
// networks and domains are matched by key. Empty when the plans are equal.
std::vector<std::string> PlanDifferences(const RangePlan& before, const RangePlan& after);

// Human-readable summary (what `livefire plan` prints): shared zone, then
// per team its networks and domains with addresses, then the attack paths.
std::string FormatPlan(const RangePlan& plan);

}  // namespace livefire::topology
