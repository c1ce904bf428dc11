#pragma once
// The attack model: what red can do from what it holds. Built from a
// Topology (Topology::Attacks()); the cheapest attack paths of `plan` are
// computed on it, and a simulator (issue #18) can walk it action by action.
//
// State. Red holds facts that only ever accumulate (the model is monotone):
//  - a privilege on a node: user or root (root implies user);
//  - credentials, by the names accounts declare (account { credential = });
//  - "acts as an ordinary host on network N": every shared network from the
//    start, and every network of an owned node (unless a rule names that node
//    as a source: then it acts with its own verdicts).
// Red starts owning (root) every red-zone node (all interfaces on shared
// networks).
//
// Actions. Each has prerequisites and gives facts:
//  - exploit: a weakness on a service red reaches from a network it acts on
//    (or from an owned node named by a rule). Its effect decides what it
//    gives: a foothold (`gives`, root by default), credentials (`yields`), or
//    nothing (information/enumeration: never a foothold). A weakness with a
//    `credential` also needs red to hold that credential.
//  - login: an account with `login` services and a `credential`: red holding
//    the credential logs in from anywhere that reaches one of the services;
//    root when the account is admin, else user. Cost kLoginCost.
//  - local: a weakness without a service needs a foothold (`needs`: user or
//    root) on its node first: privesc gives root; credentials give `yields`.
//  An objective is reached with any foothold (user) on its node.
//
// Cheapest paths. A greedy generalised Dijkstra over the facts (Knuth 1977):
// a fact is settled in order of the cost of the chain that first gives it;
// an action with two prerequisites (a source and a credential) costs the
// union of their chains plus its own cost, each action counted once. Every
// chain reported is one red can really play in order; it is optimal when
// the prerequisites' chains are nested or disjoint (the exact minimum with
// shared sub-chains is a Steiner problem, NP-hard). O((F + I) log F + I * L)
// for F facts, I action instances and L the longest chain.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "livefire/model/model.h"

namespace livefire::graph {

// What a step does, as the plan prints it.
enum class StepKind : uint8_t {
  kExploit,      // a remote weakness that gives a foothold
  kLogin,        // an account login with a credential red holds
  kCredentials,  // a weakness that discloses credentials
  kEscalate,     // a local privilege escalation
  kInformation,  // enumeration: red learns something, owns nothing
};
std::string_view ToString(StepKind);
// The inverse of ToString; kExploit for an unknown name.
StepKind StepKindFrom(std::string_view);

inline constexpr double kLoginCost = 1.0;

// One thing red can do on a node, independent of where it acts from.
struct AttackAction {
  StepKind kind = StepKind::kExploit;
  std::string node;           // the node acted on
  std::string vulnerability;  // "" for a login
  std::string service;        // "" = local
  std::string account;        // kLogin: the account's user
  std::string credential;     // the credential it needs ("" = none)
  model::Privilege needs = model::Privilege::kNone;  // local: on `node` first
  model::Privilege gives = model::Privilege::kNone;  // privilege gained on `node`
  std::vector<std::string> yields;                   // credentials disclosed
  double cost = 0;
};

// One step of a chain, in the order red plays it.
struct AttackStep {
  std::string node;           // the node acted on
  std::string vulnerability;  // weakness used ("" for a login)
  std::string service;        // through this service ("" = local)
  double cost = 0;
  StepKind kind = StepKind::kExploit;
  std::string from;        // owned node (or red's network) it acts from; "" = local
  std::string account;     // kLogin: the account's user
  std::string credential;  // the credential it uses ("" = none)
  std::vector<std::string> yields;                       // credentials obtained
  model::Privilege privilege = model::Privilege::kNone;  // gained on `node`
};

struct AttackPath {
  std::string objective;
  std::string node;        // the objective's node
  bool reachable = false;  // false: red has no path (steps empty, cost 0)
  double cost = 0;         // sum of step costs (each step once)
  std::vector<AttackStep> steps;
};

class AttackModel;

// What red holds. Copyable; only AttackModel changes it.
class AttackState {
 public:
  model::Privilege privilege(size_t node) const;  // by AttackModel node index
  bool holds_credential(size_t credential) const;
  bool acts_on_network(size_t network) const;
  bool operator==(const AttackState&) const = default;

 private:
  friend class AttackModel;
  // Laid out as the model's facts (attack_impl.h): networks, user per node,
  // root per node, credentials.
  std::vector<uint8_t> facts_;
  // Sources blocked at the firewall (AttackModel::Block), by source fact:
  // networks, then user per node. Not facts red holds: the defender's rules
  // in this copy of the range, kept through a revert. Empty until the first.
  std::vector<uint8_t> blocked_;
  size_t nets_ = 0, nodes_ = 0;
};

// An action as red can take it from one place: the unit a simulator picks.
struct AttackChoice {
  int instance = -1;  // index into the model's instances
};

class AttackModel {
 public:
  AttackModel(AttackModel&&) noexcept;
  AttackModel& operator=(AttackModel&&) noexcept;
  ~AttackModel();

  const std::vector<std::string>& nodes() const;
  const std::vector<std::string>& networks() const;
  const std::vector<std::string>& credentials() const;  // sorted
  const std::vector<AttackAction>& actions() const;
  // Index into nodes()/credentials(), or -1.
  int FindNode(std::string_view name) const;
  int FindCredential(std::string_view name) const;

  // Red at the start: the red zone owned, the shared networks.
  AttackState Initial() const;
  // Every choice whose prerequisites `s` satisfies and that no block of `s`
  // stops, in a fixed order
  // (information actions included: they are actions red takes, that change
  // nothing). Linear in the number of instances.
  std::vector<AttackChoice> Available(const AttackState& s) const;
  const AttackAction& ActionOf(AttackChoice c) const;
  // Where red acts from: the owned node named by a rule, the network it acts
  // on as an ordinary host, or "" for a local action.
  std::string_view From(AttackChoice c) const;
  // Takes the choice (its prerequisites must hold and no block stop it;
  // refused = false otherwise) and adds what it gives; true when it was taken.
  bool Apply(AttackChoice c, AttackState& s) const;
  // Index of the choice's action in actions() (-1 for an invalid choice).
  int ActionIndex(AttackChoice c) const;
  // A revert of `node` (by index): red loses its footholds there, and the
  // networks it acted on only through them. Credentials it stole stay
  // stolen (they are in red's notes, not on the node). The one place where
  // red's facts shrink: the simulator's defender uses it.
  void Revoke(size_t node, AttackState& s) const;
  // Firewall blocks (the simulator's defender, issue #18). A choice crosses
  // the firewall when its target shares no network with where it acts from
  // (the exercise router carries it); local choices and choices inside one
  // network never do. Block(c, s) adds a rule, in this state's copy of the
  // range, that drops traffic from c's source (the network red acts on as an
  // ordinary host, or the owned node a rule names) at the router: from then
  // on no choice from that source that crosses the firewall is available or
  // applies, whatever red holds (a revert keeps the rule). True when a new
  // block was added (false: c is local, does not cross, or is blocked).
  // The cheapest paths (plan) ignore blocks: they are the scenario's rules.
  bool CrossesFirewall(AttackChoice c) const;
  bool Block(AttackChoice c, AttackState& s) const;
  bool Blocked(const AttackState& s, AttackChoice c) const;
  // Whether `s` holds a foothold on the objective's node (false for blue or
  // unknown objectives).
  bool Reached(const AttackState& s, std::string_view objective) const;

  size_t num_instances() const;

  // The cheapest chain (see above) to each red objective, in declaration
  // order; objectives with no chain are listed unreachable with no steps.
  std::vector<AttackPath> CheapestPaths() const;

  struct Impl;  // engine/graph/src/attack_impl.h (Topology fills it)
  explicit AttackModel(std::unique_ptr<Impl> impl);

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace livefire::graph
