// The simulator's loop: one Scheduler, one TriggerEngine, one attack state per
// blue team, and the check schedule of the live range (see sim.h).
#include "livefire/sim/sim.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <lua.hpp>
#include <memory>
#include <set>
#include <unordered_map>

#include "livefire/checks/checks.h"
#include "livefire/checks/schedule.h"
#include "livefire/graph/attack.h"
#include "livefire/graph/topology.h"
#include "livefire/lua/sandbox.h"
#include "livefire/runtime/triggers.h"
#include "livefire/scenario/script.h"
#include "livefire/scheduler.h"

namespace livefire::sim {

using json = nlohmann::json;
namespace k = kinds;
using model::Inject;
using model::InjectOwner;

std::string_view ToString(RedPolicy p) {
  switch (p) {
    case RedPolicy::kPaths:
      return "paths";
    case RedPolicy::kRandom:
      return "random";
    case RedPolicy::kNone:
      return "none";
    case RedPolicy::kLua:
      return "lua";
  }
  return "?";
}
std::string_view ToString(BluePolicy p) { return p == BluePolicy::kScripted ? "scripted" : "none"; }

Status ParsePolicy(std::string_view text, RedPolicy& red, BluePolicy& blue) {
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t comma = text.find(',', pos);
    std::string_view part =
        text.substr(pos, comma == std::string_view::npos ? text.npos : comma - pos);
    pos = comma == std::string_view::npos ? text.size() + 1 : comma + 1;
    if (part.empty()) continue;
    size_t eq = part.find('=');
    std::string_view side = part.substr(0, eq), value = eq == part.npos ? "" : part.substr(eq + 1);
    if (side == "red") {
      if (value == "paths")
        red = RedPolicy::kPaths;
      else if (value == "random")
        red = RedPolicy::kRandom;
      else if (value == "none")
        red = RedPolicy::kNone;
      else if (value == "lua")
        red = RedPolicy::kLua;
      else
        return Status::InvalidArgument(
            fmt::format("--policy: red={} is not one of paths, random, none, lua", value));
    } else if (side == "blue") {
      if (value == "scripted")
        blue = BluePolicy::kScripted;
      else if (value == "none")
        blue = BluePolicy::kNone;
      else
        return Status::InvalidArgument(
            fmt::format("--policy: blue={} is not one of scripted, none", value));
    } else {
      return Status::InvalidArgument(fmt::format(
          "--policy: '{}' is not red=... or blue=... (e.g. red=paths,blue=scripted)", part));
    }
  }
  return Status::Ok();
}

double Rng::Exponential(double mean) {
  if (mean <= 0) return 0;
  return -mean * std::log1p(-Uniform());
}

double Rng::LogNormal(double median, double sigma) {
  if (median <= 0) return 0;
  // Box-Muller from two draws: deterministic and portable.
  double u1 = Uniform(), u2 = Uniform();
  double z = std::sqrt(-2.0 * std::log1p(-u1)) * std::cos(2.0 * M_PI * u2);
  return median * std::exp(sigma * z);
}

namespace {

// ATT&CK technique of a modelled action, for red.action ground truth when no
// inject names one: the closest Enterprise technique of each step kind.
std::string_view TechniqueOf(graph::StepKind kind) {
  switch (kind) {
    case graph::StepKind::kExploit:
      return "T1190";  // Exploit Public-Facing Application
    case graph::StepKind::kLogin:
      return "T1078";  // Valid Accounts
    case graph::StepKind::kCredentials:
      return "T1552";  // Unsecured Credentials
    case graph::StepKind::kEscalate:
      return "T1068";  // Exploitation for Privilege Escalation
    case graph::StepKind::kInformation:
      return "T1046";  // Network Service Discovery
  }
  return "T1190";
}

// What a red inject's technique asks of the model: a probe (reconnaissance:
// reaching the node is enough, nothing is gained), one kind of step, or
// nothing in particular (exfiltration, impact: it acts through a foothold).
enum class Ask { kProbe, kStep, kFoothold };
Ask AskOf(std::string_view technique, graph::StepKind& kind) {
  auto is = [&](std::initializer_list<std::string_view> ids) {
    for (auto id : ids) {
      if (technique.substr(0, id.size()) == id &&
          (technique.size() == id.size() || technique[id.size()] == '.')) {
        return true;
      }
    }
    return false;
  };
  if (is({"T1595", "T1046", "T1590", "T1592", "T1018", "T1083", "T1087", "T1135"}))
    return Ask::kProbe;
  if (is({"T1190", "T1203", "T1210", "T1133"})) return kind = graph::StepKind::kExploit, Ask::kStep;
  if (is({"T1552", "T1555", "T1003", "T1212"}))
    return kind = graph::StepKind::kCredentials, Ask::kStep;
  if (is({"T1021", "T1078", "T1110"})) return kind = graph::StepKind::kLogin, Ask::kStep;
  if (is({"T1068", "T1548"})) return kind = graph::StepKind::kEscalate, Ask::kStep;
  return Ask::kFoothold;
}

Duration Secs(double s) { return Duration::Nanos(static_cast<int64_t>(std::llround(s * 1e9))); }

// What the scenario's policy function sees of one option (a fresh copy per
// call: writing into it changes nothing).
struct OptionView {
  std::string kind, node, source, vulnerability, service, account, credential, technique;
  double cost = 0;
  bool crosses_firewall = false;
};
struct PolicyView {
  double time = 0;  // seconds since the start
  std::string team;
  std::vector<OptionView> options;
  std::vector<std::pair<std::string, std::string>> holds;  // node, "user"|"root"
  std::vector<std::string> credentials;
};

void SetString(lua_State* L, const char* key, const std::string& v) {
  lua_pushlstring(L, v.data(), v.size());
  lua_setfield(L, -2, key);
}

// Builds the view table from a PolicyView (light userdata at 1); runs under
// lua::PCall, so a memory error cannot unwind through C++ frames.
int PushView(lua_State* L) {
  const auto* v = static_cast<const PolicyView*>(lua_touserdata(L, 1));
  lua_createtable(L, 0, 5);
  lua_pushnumber(L, v->time);
  lua_setfield(L, -2, "time");
  SetString(L, "team", v->team);
  lua_createtable(L, static_cast<int>(v->options.size()), 0);
  for (size_t i = 0; i < v->options.size(); ++i) {
    const OptionView& o = v->options[i];
    lua_createtable(L, 0, 10);
    SetString(L, "kind", o.kind);
    SetString(L, "node", o.node);
    SetString(L, "source", o.source);
    SetString(L, "vulnerability", o.vulnerability);
    SetString(L, "service", o.service);
    SetString(L, "account", o.account);
    SetString(L, "credential", o.credential);
    SetString(L, "technique", o.technique);
    lua_pushnumber(L, o.cost);
    lua_setfield(L, -2, "cost");
    lua_pushboolean(L, o.crosses_firewall);
    lua_setfield(L, -2, "crosses_firewall");
    lua_rawseti(L, -2, static_cast<lua_Integer>(i + 1));
  }
  lua_setfield(L, -2, "options");
  lua_createtable(L, 0, static_cast<int>(v->holds.size()));
  for (const auto& [node, priv] : v->holds) {
    lua_pushlstring(L, priv.data(), priv.size());
    lua_setfield(L, -2, node.c_str());
  }
  lua_setfield(L, -2, "holds");
  lua_createtable(L, static_cast<int>(v->credentials.size()), 0);
  for (size_t i = 0; i < v->credentials.size(); ++i) {
    lua_pushlstring(L, v->credentials[i].data(), v->credentials[i].size());
    lua_rawseti(L, -2, static_cast<lua_Integer>(i + 1));
  }
  lua_setfield(L, -2, "credentials");
  return 1;
}

struct Team {
  std::string name;
  graph::AttackState red;
  std::set<int> patched;  // action indices blue has patched
  std::set<int> done;     // actions that succeeded (red does not redo them)
  std::set<std::string> reached;
  std::set<std::string> impaired;   // "node/service" down while an impact objective holds
  std::set<std::string> rebooting;  // nodes being reverted
  bool red_busy = false;
};

class Loop {
 public:
  Loop(const model::Scenario& s, const topology::RangePlan& plan, const Options& o,
       const Sink& sink)
      : s_(s),
        plan_(plan),
        o_(o),
        sink_(sink),
        rng_(o.seed),
        model_(graph::Topology::Build(s).Attacks()) {}

  Result<RunSummary> Run();

 private:
  const model::Vulnerability* VulnOf(const graph::AttackAction& a) const {
    if (a.vulnerability.empty()) return nullptr;
    const model::Node* n = s_.FindNode(a.node);
    if (!n) return nullptr;
    for (const auto& v : n->vulnerabilities)
      if (v.id == a.vulnerability) return &v;
    return nullptr;
  }
  double Success(const graph::AttackAction& a) const {
    const auto* v = VulnOf(a);
    return v && v->sim.success ? *v->sim.success : o_.params.exploit_success;
  }
  Duration ExploitTime(const graph::AttackAction& a) const {
    const auto* v = VulnOf(a);
    return v && v->sim.time_to_exploit ? *v->sim.time_to_exploit : o_.params.time_to_exploit;
  }

  void Emit(const std::string& team, std::string_view kind, json payload,
            std::optional<SimTime> at = std::nullopt) {
    if (!failed_.ok()) return;
    Event e;
    e.time = at ? *at : sched_.Now();
    e.team = team;
    e.kind = std::string(kind);
    e.payload = std::move(payload);
    Status st = sink_(e);
    if (!st.ok()) {
      failed_ = st;
      return;
    }
    last_seq_ = e.seq;
    ++summary_.events;
  }
  Team& T(const std::string& name) { return teams_.at(index_.at(name)); }

  std::vector<graph::AttackChoice> Candidates(const Team& t, int only_node) const;
  Status LoadPolicy();
  // The scenario's red policy: an index into cands, or nullopt to wait.
  Result<std::optional<size_t>> AskPolicy(const Team& t,
                                          const std::vector<graph::AttackChoice>& cands);
  void RedStep(size_t ti);
  void Attempt(size_t ti, graph::AttackChoice c, const std::string& inject,
               const std::string& technique, std::function<void(bool)> done);
  void CheckObjectives(size_t ti, const std::string& by);
  void BlueSees(size_t ti, const graph::AttackAction& a, int action, const std::string& technique,
                SimTime at, std::optional<graph::AttackChoice> via = std::nullopt);
  void Revert(size_t ti, const std::string& node);
  void Fire(const Inject& inj, const std::string& team);
  void FireRed(const Inject& inj, const std::string& team, size_t ti);
  void Finish(const Inject& inj, const std::string& team, runtime::Outcome out,
              const std::string& why);

  const model::Scenario& s_;
  const topology::RangePlan& plan_;
  const Options& o_;
  const Sink& sink_;
  Rng rng_;
  Scheduler sched_;
  graph::AttackModel model_;
  std::vector<Team> teams_;
  std::unordered_map<std::string, size_t> index_;  // looked up per event
  std::unique_ptr<runtime::TriggerEngine> triggers_;
  std::vector<int> path_order_;  // action indices along the cheapest paths, in play order
  std::set<std::pair<std::string, std::string>> skipped_;
  // RedPolicy::kLua: the sandbox outlives the script's references into it.
  std::unique_ptr<lua::Sandbox> lua_;
  std::unique_ptr<scenario::ScenarioScript> script_;
  std::string policy_where_;  // "file:line" of the policy function
  RunSummary summary_;
  Status failed_;
  int64_t last_seq_ = 0;
};

std::vector<graph::AttackChoice> Loop::Candidates(const Team& t, int only_node) const {
  std::vector<graph::AttackChoice> out;
  for (graph::AttackChoice c : model_.Available(t.red)) {
    const int a = model_.ActionIndex(c);
    if (t.patched.count(a) || t.done.count(a)) continue;
    const graph::AttackAction& act = model_.ActionOf(c);
    if (only_node >= 0 && model_.FindNode(act.node) != only_node) continue;
    if (t.rebooting.count(act.node)) continue;
    // Nothing to gain (already held) is not worth an attempt.
    graph::AttackState next = t.red;
    if (act.kind != graph::StepKind::kInformation && (!model_.Apply(c, next) || next == t.red))
      continue;
    out.push_back(c);
  }
  return out;
}

void Loop::Attempt(size_t ti, graph::AttackChoice c, const std::string& inject,
                   const std::string& technique, std::function<void(bool)> done) {
  const graph::AttackAction& a = model_.ActionOf(c);
  const int ai = model_.ActionIndex(c);
  std::string tech = technique.empty() ? std::string(TechniqueOf(a.kind)) : technique;
  std::string from(model_.From(c));
  ++summary_.red_attempts;
  Emit(teams_[ti].name, k::kRedAction,
       {{"node", a.node},
        {"technique", tech},
        {"inject", inject},
        {"detail", fmt::format("{} {}{}{}", graph::ToString(a.kind),
                               a.vulnerability.empty() ? "login as " + a.account : a.vulnerability,
                               a.service.empty() ? "" : " on " + a.service,
                               from.empty() ? "" : " from " + from)},
        {"sim", true}});
  const SimTime started = sched_.Now();
  if (o_.blue == BluePolicy::kScripted) BlueSees(ti, a, ai, tech, started, c);
  const double p = Success(a);
  const Duration d = Secs(rng_.Exponential(ExploitTime(a).seconds()));
  const double roll = rng_.Uniform();
  sched_.After(d, [this, ti, c, ai, p, roll, done = std::move(done)](SimTime) {
    Team& t = teams_[ti];
    bool ok = roll < p && !t.patched.count(ai) && model_.Apply(c, t.red);
    if (ok) {
      ++summary_.red_successes;
      t.done.insert(ai);
      CheckObjectives(ti, "sim red");
    }
    done(ok);
  });
}

void Loop::CheckObjectives(size_t ti, const std::string& by) {
  Team& t = teams_[ti];
  for (const auto& obj : s_.objectives) {
    if (t.reached.count(obj.name) || !model_.Reached(t.red, obj.name)) continue;
    t.reached.insert(obj.name);
    for (auto& oo : summary_.objectives) {
      if (oo.team == t.name && oo.objective == obj.name) {
        oo.reached = true;
        oo.time = sched_.Now();
      }
    }
    Emit(t.name, k::kObjectiveReached,
         {{"node", obj.node},
          {"objective", obj.name},
          {"kind", model::ToString(obj.kind)},
          {"by", by},
          {"via", "simulated foothold on the node"}});
    if (obj.kind == model::ObjectiveKind::kDeface) {
      const model::Node* n = s_.FindNode(obj.node);
      if (n) {
        for (const auto& svc : n->services) {
          if (obj.service.empty() || svc.name == obj.service)
            t.impaired.insert(obj.node + "/" + svc.name);
        }
      }
    }
  }
}

Status Loop::LoadPolicy() {
  lua::SandboxOptions so;
  so.name = "sim policy";
  so.seed = o_.seed;  // math.random: deterministic, from the run's seed
  so.instruction_limit = o_.policy_instruction_limit;
  so.memory_limit = o_.policy_memory_limit;
  LF_ASSIGN_OR_RETURN(lua::Sandbox sb, lua::Sandbox::Create(so));
  lua_ = std::make_unique<lua::Sandbox>(std::move(sb));
  LF_ASSIGN_OR_RETURN(scenario::ScenarioScript script,
                      scenario::ScenarioScript::Load(*lua_, s_.file));
  script_ = std::make_unique<scenario::ScenarioScript>(std::move(script));
  const lua::Ref* fn = script_->SimPolicy("red");
  if (!fn) {
    return Status::InvalidArgument(fmt::format(
        "--policy red=lua: {} declares no sim_policy {{ red = function(view) ... end }}",
        s_.file));
  }
  lua_State* L = lua_->L();
  lua::StackGuard g(L);
  fn->Push(L);
  lua_Debug ar;
  lua_getinfo(L, ">S", &ar);  // pops the function
  std::string src = ar.source ? ar.source : "";
  if (!src.empty() && src[0] == '@') src.erase(0, 1);
  policy_where_ = fmt::format("{}:{}", src.empty() ? s_.file : src, ar.linedefined);
  return Status::Ok();
}

Result<std::optional<size_t>> Loop::AskPolicy(const Team& t,
                                              const std::vector<graph::AttackChoice>& cands) {
  PolicyView v;
  v.time = static_cast<double>((sched_.Now() - SimTime::Start()).nanos()) / 1e9;
  v.team = t.name;
  for (graph::AttackChoice c : cands) {
    const graph::AttackAction& a = model_.ActionOf(c);
    v.options.push_back({std::string(graph::ToString(a.kind)), a.node, std::string(model_.From(c)),
                         a.vulnerability, a.service, a.account, a.credential,
                         std::string(TechniqueOf(a.kind)), a.cost, model_.CrossesFirewall(c)});
  }
  for (size_t n = 0; n < model_.nodes().size(); ++n) {
    const model::Privilege p = t.red.privilege(n);
    if (p != model::Privilege::kNone)
      v.holds.push_back({model_.nodes()[n], p == model::Privilege::kRoot ? "root" : "user"});
  }
  for (size_t c = 0; c < model_.credentials().size(); ++c) {
    if (t.red.holds_credential(c)) v.credentials.push_back(model_.credentials()[c]);
  }
  lua_State* L = lua_->L();
  lua::StackGuard g(L);
  script_->SimPolicy("red")->Push(L);
  lua_pushcfunction(L, PushView);
  lua_pushlightuserdata(L, &v);
  LF_RETURN_IF_ERROR(lua::PCall(L, 1, 1).WithContext("building the sim policy's view"));
  lua::ScriptError err;
  Status st = lua_->Call(1, 1, &err);
  if (!st.ok()) return st.WithContext("sim_policy red");
  const size_t n = cands.size();
  if (lua_isnil(L, -1)) return std::optional<size_t>{};
  int isnum = 0;
  const lua_Integer i = lua_tointegerx(L, -1, &isnum);
  if (!isnum || lua_type(L, -1) != LUA_TNUMBER || i < 1 || static_cast<size_t>(i) > n) {
    std::string got = lua::TypeName(L, -1);
    if (lua_type(L, -1) == LUA_TNUMBER) got = fmt::format("{}", lua_tonumber(L, -1));
    return Status::InvalidArgument(
        fmt::format("{}: sim_policy red returned {}, not an option index in 1..{} (or nil to "
                    "wait) at {} for {}",
                    policy_where_, got, n, FormatClock(sched_.Now()), t.name));
  }
  return std::optional<size_t>{static_cast<size_t>(i - 1)};
}

void Loop::RedStep(size_t ti) {
  Team& t = teams_[ti];
  if (t.red_busy || !failed_.ok()) return;
  std::vector<graph::AttackChoice> cands = Candidates(t, -1);
  if (cands.empty()) {
    // Nothing to try now; a revert may open a way again later.
    sched_.After(
        o_.params.time_to_exploit, [this, ti](SimTime) { RedStep(ti); }, "red idle");
    return;
  }
  graph::AttackChoice pick = cands.front();
  if (o_.red == RedPolicy::kLua) {
    auto chosen = AskPolicy(t, cands);
    if (!chosen.ok()) {
      failed_ = chosen.status();
      return;
    }
    if (!*chosen) {
      // The policy waits: ask again later.
      sched_.After(
          o_.params.time_to_exploit, [this, ti](SimTime) { RedStep(ti); }, "red waits");
      return;
    }
    pick = cands[**chosen];
  } else if (o_.red == RedPolicy::kRandom) {
    pick = cands[rng_.Below(cands.size())];
  } else {
    // The earliest action of the cheapest paths red can take now; else the
    // cheapest action available (red keeps probing).
    size_t best = SIZE_MAX;
    for (graph::AttackChoice c : cands) {
      const int a = model_.ActionIndex(c);
      auto it = std::find(path_order_.begin(), path_order_.end(), a);
      size_t rank = it == path_order_.end()
                        ? path_order_.size() + static_cast<size_t>(model_.ActionOf(c).cost * 1000)
                        : static_cast<size_t>(it - path_order_.begin());
      if (rank < best) {
        best = rank;
        pick = c;
      }
    }
  }
  t.red_busy = true;
  Attempt(ti, pick, fmt::format("sim:{}", ToString(o_.red)), "", [this, ti](bool) {
    teams_[ti].red_busy = false;
    // Think time before the next move, then go on.
    sched_.After(
        Secs(rng_.Exponential(o_.params.time_to_exploit.seconds() / 2)),
        [this, ti](SimTime) { RedStep(ti); }, "red next");
  });
}

void Loop::BlueSees(size_t ti, const graph::AttackAction& a, int action,
                    const std::string& technique, SimTime at,
                    std::optional<graph::AttackChoice> via) {
  const auto* v = VulnOf(a);
  const double p = v && v->sim.detect ? *v->sim.detect : o_.params.detect_probability;
  const Duration med = v && v->sim.detect_delay ? *v->sim.detect_delay : o_.params.detect_delay;
  const Duration patch =
      v && v->sim.time_to_patch ? *v->sim.time_to_patch : o_.params.time_to_patch;
  const double block_p = v && v->sim.block ? *v->sim.block : o_.params.block_probability;
  const Duration block_mean =
      v && v->sim.time_to_block ? *v->sim.time_to_block : o_.params.time_to_block;
  const double roll = rng_.Uniform();
  const Duration delay = Secs(rng_.LogNormal(med.seconds(), 0.6));
  const Duration fix = Secs(rng_.Exponential(patch.seconds()));
  // Drawn whatever happens, so one action always consumes the same draws.
  const double block_roll = rng_.Uniform();
  const Duration block_after = Secs(rng_.Exponential(block_mean.seconds()));
  if (roll >= p) return;
  std::string node = a.node, vuln = a.vulnerability;
  // Only traffic through the router can be blocked there: an action inside
  // one network, or a local one, leaves nothing for the firewall to stop.
  const bool block = via && model_.CrossesFirewall(*via) && block_roll < block_p;
  sched_.After(delay, [this, ti, node, vuln, technique, at, action, fix, block, via,
                       block_after](SimTime) {
    Team& t = teams_[ti];
    ++summary_.detections;
    Emit(t.name, k::kSubmissionReport,
         {{"node", node},
          {"technique", technique},
          {"observed_at", at.nanos()},
          {"description", fmt::format("scripted blue: {} seen in {}'s logs", technique, node)},
          {"by", "sim blue"}});
    if (block) {
      const graph::AttackChoice c = *via;
      sched_.After(block_after, [this, ti, node, c](SimTime) {
        Team& t = teams_[ti];
        if (!model_.Block(c, t.red)) return;  // already blocked
        ++summary_.blocks;
        const std::string source(model_.From(c));
        Emit(t.name, "sim.blocked",
             {{"node", node},
              {"source", source},
              {"rule", fmt::format("deny from {} at the router", source)},
              {"by", "sim blue"}});
      });
    }
    sched_.After(fix, [this, ti, node, vuln, action](SimTime) {
      Team& t = teams_[ti];
      if (!vuln.empty() && !t.patched.count(action)) {
        t.patched.insert(action);
        ++summary_.patches;
        Emit(t.name, "sim.patched", {{"node", node}, {"vulnerability", vuln}, {"by", "sim blue"}});
      }
      // A node red holds an objective on is reverted (its service comes back).
      bool holds = false;
      for (const auto& obj : s_.objectives) {
        if (obj.node == node && t.reached.count(obj.name)) holds = true;
      }
      const int ni = model_.FindNode(node);
      if (o_.params.revert_owned && holds && ni >= 0 &&
          t.red.privilege(static_cast<size_t>(ni)) != model::Privilege::kNone &&
          !t.rebooting.count(node)) {
        Revert(ti, node);
      }
    });
  });
}

void Loop::Revert(size_t ti, const std::string& node) {
  Team& t = teams_[ti];
  ++summary_.reverts;
  t.rebooting.insert(node);
  Emit(t.name, k::kRangeNodeReverted,
       {{"node", node},
        {"by", t.name},
        {"reason", "scripted blue: red owns it"},
        {"method", "sim"}});
  model_.Revoke(static_cast<size_t>(model_.FindNode(node)), t.red);
  for (auto it = t.done.begin(); it != t.done.end();) {
    it = model_.actions()[*it].node == node ? t.done.erase(it) : std::next(it);
  }
  for (auto it = t.impaired.begin(); it != t.impaired.end();) {
    it = it->rfind(node + "/", 0) == 0 ? t.impaired.erase(it) : std::next(it);
  }
  // A snapshot revert of a disk template takes tens of seconds.
  sched_.After(Duration::Seconds(30), [this, ti, node](SimTime) {
    Team& t = teams_[ti];
    t.rebooting.erase(node);
    std::string domain;
    for (const auto& d : plan_.domains) {
      if (d.team == t.name && d.node == node) domain = d.key;
    }
    Emit(t.name, k::kRangeNodeReady, {{"node", node}, {"domain", domain}});
  });
}

void Loop::Finish(const Inject& inj, const std::string& team, runtime::Outcome out,
                  const std::string& why) {
  Emit(team, k::kInjectOutcome, runtime::OutcomePayload(inj, out, why));
  (void)triggers_->OnOutcome(inj.name, team, out);
}

void Loop::FireRed(const Inject& inj, const std::string& team, size_t ti) {
  // On the model through the inject's target and technique (its body needs
  // a guest): see docs/simulation.md "Injects".
  Team& t = teams_[ti];
  const int node = inj.target.empty() ? -1 : model_.FindNode(inj.target);
  graph::StepKind kind = graph::StepKind::kExploit;
  const Ask ask = AskOf(inj.technique, kind);
  const bool foothold =
      node >= 0 && t.red.privilege(static_cast<size_t>(node)) != model::Privilege::kNone;
  std::vector<graph::AttackChoice> cands;
  if (node >= 0) {
    for (graph::AttackChoice c : Candidates(t, node)) {
      if (ask != Ask::kStep || model_.ActionOf(c).kind == kind) cands.push_back(c);
    }
  }
  if (ask == Ask::kStep && !cands.empty()) {
    graph::AttackChoice pick = cands.front();
    for (graph::AttackChoice c : cands) {
      if (model_.ActionOf(c).cost < model_.ActionOf(pick).cost) pick = c;
    }
    Attempt(ti, pick, inj.name, inj.technique, [this, &inj, team](bool ok) {
      Finish(inj, team, ok ? runtime::Outcome::kSuccess : runtime::Outcome::kFailure,
             ok ? "simulated: the step succeeded" : "simulated: the attempt failed or was patched");
    });
    return;
  }
  // A probe needs red to reach the node; anything else, a foothold on it.
  bool reach = foothold;
  if (ask == Ask::kProbe && node >= 0 && !reach) {
    for (graph::AttackChoice c : model_.Available(t.red))
      reach |= model_.FindNode(model_.ActionOf(c).node) == node;
  }
  const bool ok =
      node >= 0 && (ask == Ask::kProbe ? reach : foothold) && !t.rebooting.count(inj.target);
  ++summary_.red_attempts;
  if (!inj.technique.empty()) {
    Emit(team, k::kRedAction,
         {{"node", inj.target},
          {"technique", inj.technique},
          {"inject", inj.name},
          {"detail", inj.description},
          {"sim", true}});
    if (o_.blue == BluePolicy::kScripted && node >= 0) {
      graph::AttackAction probe;
      probe.node = inj.target;
      BlueSees(ti, probe, -1, inj.technique, sched_.Now());
    }
  }
  std::string why =
      inj.target.empty()   ? "simulated: the inject names no target node"
      : node < 0           ? "simulated: its target is not a node of the model"
      : ok                 ? (ask == Ask::kProbe ? "simulated: red reaches " + inj.target
                                                 : "simulated: through red's foothold on " + inj.target)
      : ask == Ask::kProbe ? "simulated: red reaches nothing on " + inj.target
      : ask == Ask::kStep  ? "simulated: no such step open to red on " + inj.target
                           : "simulated: red holds no foothold on " + inj.target;
  const Duration d = Secs(rng_.Exponential(o_.params.time_to_exploit.seconds()));
  sched_.After(d, [this, &inj, team, ok, why](SimTime) {
    Finish(inj, team, ok ? runtime::Outcome::kSuccess : runtime::Outcome::kFailure, why);
  });
}

void Loop::Fire(const Inject& inj, const std::string& team) {
  Emit(team, k::kInjectFired, runtime::FiredPayload(inj));
  const size_t ti = index_.at(team);
  if (inj.owner == InjectOwner::kRed) {
    FireRed(inj, team, ti);
    return;
  }
  if (inj.owner == InjectOwner::kBlue) {
    // Blue's bots are the scripted policy's job in simulation.
    Finish(inj, team, runtime::Outcome::kSuccess,
           "simulated: the scripted blue policy acts instead of the body");
    return;
  }
  // White: a task is answered by the scripted team and graded by the white cell.
  const bool task = inj.response_due.nanos() > 0 || inj.points_success > 0;
  const size_t task_index = summary_.tasks.size();
  if (task) summary_.tasks.push_back({team, inj.name, sched_.Now(), inj.response_due, false, false});
  if (task && o_.blue == BluePolicy::kScripted) {
    const double roll = rng_.Uniform();
    const Duration answer = Secs(rng_.LogNormal(o_.params.response_time.seconds(), 0.5));
    if (roll < o_.params.response_rate) {
      const SimTime fired = sched_.Now();
      sched_.After(answer, [this, &inj, team, fired, task_index](SimTime) {
        Emit(team, k::kSubmissionResponse,
             {{"inject", inj.name},
              {"text", "scripted blue: response to " + inj.name},
              {"by", "sim blue"}});
        const int64_t target = last_seq_;
        const bool on_time =
            inj.response_due.nanos() <= 0 || sched_.Now() <= fired + inj.response_due;
        summary_.tasks[task_index].answered = true;
        summary_.tasks[task_index].on_time = on_time;
        sched_.After(o_.params.grade_delay, [this, &inj, team, target, on_time](SimTime) {
          Emit(team, k::kGradeGiven,
               {{"target_seq", target},
                {"rubric", on_time ? 100 : 50},
                {"points", inj.points_success},
                {"grader", "sim white"},
                {"comment",
                 on_time ? "scripted white cell: complete" : "scripted white cell: partial"},
                {"inject", inj.name}});
        });
      });
    }
  }
  Finish(inj, team, runtime::Outcome::kSuccess, "simulated: white-cell inject delivered");
}

Result<RunSummary> Loop::Run() {
  for (const auto& t : plan_.blue_teams) {
    index_[t] = teams_.size();
    teams_.push_back({t, model_.Initial(), {}, {}, {}, {}, {}, false});
    for (const auto& obj : s_.objectives) {
      if (obj.kind != model::ObjectiveKind::kKeepAvailable)
        summary_.objectives.push_back({t, obj.name, false, {}});
    }
  }
  if (teams_.empty()) return Status::InvalidArgument("the plan has no blue team to simulate");
  if (o_.red == RedPolicy::kLua) LF_RETURN_IF_ERROR(LoadPolicy());
  // Path order: the steps of every objective's cheapest chain, first come first.
  for (const auto& path : model_.CheapestPaths()) {
    for (const auto& step : path.steps) {
      for (size_t a = 0; a < model_.actions().size(); ++a) {
        const auto& act = model_.actions()[a];
        if (act.node == step.node && act.vulnerability == step.vulnerability &&
            act.kind == step.kind && act.account == step.account &&
            std::find(path_order_.begin(), path_order_.end(), static_cast<int>(a)) ==
                path_order_.end()) {
          path_order_.push_back(static_cast<int>(a));
        }
      }
    }
  }
  const SimTime end = SimTime::Start() + (o_.stop_after ? std::min(*o_.stop_after, s_.meta.duration)
                                                        : s_.meta.duration);
  Emit("", k::kExerciseStarted,
       {{"speed", kMaxSpeed},
        {"fast", true},
        {"mode", "simulation"},
        {"seed", o_.seed},
        {"policy", fmt::format("red={},blue={}", ToString(o_.red), ToString(o_.blue))}});
  for (const auto& t : teams_) {
    for (const auto& d : plan_.domains) {
      if (d.team == t.name && !d.is_router)
        Emit(t.name, k::kRangeNodeReady, {{"node", d.node}, {"domain", d.key}});
    }
  }
  runtime::TriggerEngine::Hooks hooks;
  hooks.fire = [this](const Inject& inj, const std::string& team, SimTime) { Fire(inj, team); };
  hooks.poll = [this](const Inject& inj, const std::string& team, SimTime) -> std::optional<bool> {
    if (skipped_.insert({inj.name, team}).second) {
      Emit(team, k::kInjectSkipped,
           {{"inject", inj.name},
            {"reason", "simulation: a `when` condition is Lua on a guest and is not evaluated"}});
    }
    return false;
  };
  triggers_ =
      std::make_unique<runtime::TriggerEngine>(s_, plan_.blue_teams, sched_, std::move(hooks));
  triggers_->Arm();
  checks::CheckScheduler checks(
      sched_, s_.meta.seed, s_.scoring, checks::CheckTargets(s_, plan_),
      [this](const checks::CheckTarget& ct, int64_t, SimTime) {
        Team& t = T(ct.team);
        // The hot path of a national run (most events are checks): no key
        // is built while nothing is reverting or defaced.
        const bool rebooting = t.rebooting.count(ct.node) > 0;
        const bool down = rebooting || (!t.impaired.empty() &&
                                        t.impaired.count(ct.node + "/" + ct.service));
        Emit(ct.team, k::kCheckResult,
             {{"service", ct.service},
              {"node", ct.node},
              {"status", down ? "down" : "up"},
              {"latency_ms", 1},
              {"detail", down ? (rebooting ? "simulated: node reverting" : "simulated: defaced")
                              : "simulated: up"},
              {"check", ct.check.kind}});
      });
  checks.Start();
  if (o_.red != RedPolicy::kNone) {
    for (size_t ti = 0; ti < teams_.size(); ++ti) {
      sched_.After(
          o_.params.red_start, [this, ti](SimTime) { RedStep(ti); }, "red start");
    }
  }
  while (failed_.ok()) {
    auto next = sched_.NextTime();
    if (!next || *next >= end) break;
    sched_.Step();
  }
  LF_RETURN_IF_ERROR(failed_);
  checks.Stop();
  // What is due at the end itself does not happen: the exercise is over.
  Emit("", k::kExerciseEnded, {{"reason", "duration"}}, end);
  LF_RETURN_IF_ERROR(failed_);
  summary_.end = end;
  return summary_;
}

}  // namespace

Result<RunSummary> Run(const model::Scenario& scenario, const topology::RangePlan& plan,
                       const Options& options, const Sink& sink) {
  Loop loop(scenario, plan, options, sink);
  return loop.Run();
}

}  // namespace livefire::sim
