#include "inject_runner.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <lua.hpp>
#include <algorithm>
#include <cctype>
#include <cstring>
#include <map>
#include <optional>

#include "livefire/lua/sandbox.h"
#include "livefire/lua/state.h"
#include "livefire/scenario/script.h"

namespace livefire::runtime {

namespace k = livefire::kinds;
using nlohmann::json;
using model::Inject;
using model::ObjectiveKind;

namespace {

// What a yielded run waits for.
enum class Wait { kNone, kGuest, kObjective };

struct Run {
  uint64_t id = 0;
  const Inject* inject = nullptr;
  std::string team;
  bool callback = false;   // a ctx.after callback: no outcome of its own
  bool condition = false;  // a `when` predicate: its result decides a trigger
  lua::Ref thread;        // keeps the coroutine alive
  lua_State* co = nullptr;
  Wait wait = Wait::kNone;
  uint64_t guest_id = 0;
  guest::GuestRequest::Op op = guest::GuestRequest::Op::kExec;
  bool http_via = false;  // ctx.http(..., {from = node}): wget run on that node
  // kObjective: what to verify once the guest answers.
  const model::Objective* objective = nullptr;
  std::string expect;  // text the answer must contain (or must no longer contain for deface)
};

class LuaInjectRunner : public InjectRunner {
 public:
  LuaInjectRunner(const model::Scenario& s, const topology::RangePlan& p, Host& h, Options o)
      : scenario_(s), plan_(p), host_(h), options_(o) {}

  Status Init() {
    lua::SandboxOptions so;
    so.name = "inject";
    so.memory_limit = options_.memory_limit;
    so.instruction_limit = options_.instruction_limit;
    so.seed = options_.seed;
    so.interrupt = options_.interrupt;
    LF_ASSIGN_OR_RETURN(lua::Sandbox sb, lua::Sandbox::Create(so));
    sandbox_ = std::make_unique<lua::Sandbox>(std::move(sb));
    LF_ASSIGN_OR_RETURN(scenario::ScenarioScript script,
                        scenario::ScenarioScript::Load(*sandbox_, scenario_.file));
    script_.emplace(std::move(script));
    lua_State* L = sandbox_->L();  // the main thread: the Ref outlives every coroutine
    lua_newtable(L);
    shared_ = lua::Ref(L, -1);
    lua_pop(L, 1);
    return Status::Ok();
  }

  void Start(const Inject& inject, const std::string& team) override {
    const lua::Ref* body = script_->InjectBody(inject.name);
    if (!body) {
      // A task without a script (most white-cell injects): delivered when fired.
      host_.Finished(inject, team, Outcome::kSuccess, "delivered (no script)");
      return;
    }
    StartCoroutine(inject, team, *body, Kind::kBody);
  }

  Result<std::optional<bool>> Poll(const Inject& inject, const std::string& team) override {
    const lua::Ref* when = script_->InjectCondition(inject.name);
    if (!when) {
      return Status::FailedPrecondition(fmt::format(
          "{}: inject '{}' has no when function", inject.loc.ToString(), inject.name));
    }
    sync_condition_.reset();
    in_poll_ = true;
    StartCoroutine(inject, team, *when, Kind::kCondition);
    in_poll_ = false;
    if (!sync_condition_) return std::optional<bool>();  // waits on a guest
    Result<bool> r = std::move(*sync_condition_);
    sync_condition_.reset();
    if (!r.ok()) return r.status();
    return std::optional<bool>(*r);
  }

  void OnGuestReply(const guest::GuestReply& reply) override {
    auto w = waiting_.find(reply.id);
    if (w == waiting_.end()) return;
    uint64_t run_id = w->second;
    waiting_.erase(w);
    auto it = runs_.find(run_id);
    if (it == runs_.end()) return;
    Run& run = it->second;
    lua_State* co = run.co;
    int nargs = 0;
    if (run.wait == Wait::kObjective) {
      nargs = PushObjectiveVerdict(co, run, reply);
    } else if (run.http_via) {
      nargs = PushWgetResult(co, reply);
    } else {
      nargs = PushGuestResult(co, run.op, reply);
    }
    run.wait = Wait::kNone;
    Resume(run, nargs);
  }

  size_t running() const override { return runs_.size(); }

 private:
  // ---- coroutine plumbing ----
  enum class Kind { kBody, kCallback, kCondition };

  void StartCoroutine(const Inject& inject, const std::string& team, const lua::Ref& fn,
                      Kind kind) {
    lua_State* L = sandbox_->L();
    lua_State* co = lua_newthread(L);
    Run run;
    run.id = next_run_++;
    run.inject = &inject;
    run.team = team;
    run.callback = kind == Kind::kCallback;
    run.condition = kind == Kind::kCondition;
    run.thread = lua::Ref(L, -1);
    lua_pop(L, 1);
    run.co = co;
    auto [it, _] = runs_.emplace(run.id, std::move(run));
    fn.Push(co);
    PushCtx(co, it->second);
    Resume(it->second, 1);
  }

  // Each team's runs (its blue bots, the red injects against its copy, the
  // white cell's) get their own global environment: a global one run writes
  // is visible to later runs for the same team only. ctx.shared is the one
  // table every run sees.
  const lua::Ref& Environment(const std::string& team) {
    auto it = envs_.find(team);
    if (it == envs_.end()) it = envs_.emplace(team, sandbox_->NewEnvironment()).first;
    return it->second;
  }

  void Resume(Run& run, int nargs) {
    current_ = &run;
    int nres = 0;
    bool yielded = false;
    lua::ScriptError err;
    sandbox_->UseEnvironment(&Environment(run.team));
    Status s = sandbox_->Resume(run.co, nargs, &nres, &yielded, &err);
    sandbox_->UseEnvironment(nullptr);
    current_ = nullptr;
    if (s.ok() && yielded) {
      lua_pop(run.co, nres);
      if (run.wait == Wait::kNone) {
        // Only ctx functions yield; anything else is a bug in the script API use.
        Finish(run, Outcome::kError, "the inject yielded outside a ctx call");
      }
      return;
    }
    if (!s.ok()) {
      Finish(run, Outcome::kError, s.message());
      return;
    }
    if (run.condition) {
      bool met = nres >= 1 && lua_toboolean(run.co, lua_gettop(run.co) - nres + 1);
      lua_pop(run.co, nres);
      Finish(run, met ? Outcome::kSuccess : Outcome::kFailure, "");
      return;
    }
    // Returned: a true value = success; false or nothing = failure (a
    // second string value is the reason).
    Outcome o = Outcome::kFailure;
    std::string reason = "returned nothing";
    if (nres >= 1) {
      int first = lua_gettop(run.co) - nres + 1;
      if (lua_toboolean(run.co, first)) {
        o = Outcome::kSuccess;
        reason = "completed";
      } else {
        reason = lua_isnil(run.co, first) ? "returned nil" : "returned false";
      }
      if (nres >= 2 && lua_type(run.co, first + 1) == LUA_TSTRING) {
        reason = lua_tostring(run.co, first + 1);
      }
      lua_pop(run.co, nres);
    }
    Finish(run, o, reason);
  }

  void Finish(Run& run, Outcome o, const std::string& reason) {
    const Inject* inject = run.inject;
    std::string team = run.team;
    bool callback = run.callback;
    bool condition = run.condition;
    if (run.guest_id) waiting_.erase(run.guest_id);
    runs_.erase(run.id);  // `run` is gone from here on
    if (condition) {
      Result<bool> met = o == Outcome::kError ? Result<bool>(Status::InvalidArgument(reason))
                                              : Result<bool>(o == Outcome::kSuccess);
      if (in_poll_) {
        sync_condition_.emplace(std::move(met));
      } else {
        host_.ConditionResult(*inject, team, met);
      }
      return;
    }
    if (callback) {
      if (o == Outcome::kError) {
        (void)host_.Record(team, k::kInjectSkipped,
                           {{"inject", inject->name}, {"reason", "ctx.after callback: " + reason}});
      }
      return;
    }
    host_.Finished(*inject, team, o, reason);
  }

  // ---- the ctx table ----
  void PushCtx(lua_State* L, const Run& run) {
    lua_createtable(L, 0, 24);
    auto set_str = [&](const char* k, const std::string& v) {
      lua_pushlstring(L, v.data(), v.size());
      lua_setfield(L, -2, k);
    };
    set_str("team", run.team);
    set_str("inject", run.inject->name);
    set_str("target", run.inject->target);
    set_str("side", std::string(model::ToString(run.inject->owner)));
    set_str("technique", run.inject->technique);
    static const luaL_Reg kFns[] = {
        {"now", &LuaNow},         {"clock", &LuaClock},   {"addr", &LuaAddr},
        {"node", &LuaNode},       {"exec", &LuaExec},     {"http", &LuaHttp},
        {"put", &LuaPut},         {"get", &LuaGet},       {"log", &LuaLog},
        {"emit", &LuaEmit},       {"report", &LuaReport}, {"objective", &LuaObjective},
        {"after", &LuaAfter},     {nullptr, nullptr}};
    for (const luaL_Reg* f = kFns; f->name; ++f) {
      lua_pushlightuserdata(L, this);
      lua_pushcclosure(L, f->func, 1);
      lua_setfield(L, -2, f->name);
    }
    // State shared on purpose between teams and injects (see
    // docs/scenario-language.md): one plain table for the whole exercise.
    shared_.Push(L);
    lua_setfield(L, -2, "shared");
  }

  static LuaInjectRunner* Self(lua_State* L) {
    return static_cast<LuaInjectRunner*>(lua_touserdata(L, lua_upvalueindex(1)));
  }
  // The run the calling code belongs to. Lua runs only inside Resume/Poll.
  Run& Current(lua_State* L) {
    if (!current_) luaL_error(L, "ctx used outside of a running inject");
    return *current_;
  }

  // ctx functions are plain functions (ctx.exec(...), not ctx:exec(...)).
  static int ArgBase(lua_State*) { return 1; }

  const topology::PlannedDomain* Domain(const std::string& team, const std::string& node) const {
    if (const auto* d = plan_.FindDomain(team, node)) return d;
    return plan_.FindDomain("", node);  // shared nodes (red zone)
  }

  // Checks the node exists in this team's copy (or the shared zone); raises a
  // Lua error naming the script line otherwise.
  std::string CheckNode(lua_State* L, int idx, const std::string& team) {
    std::string node = luaL_checkstring(L, idx);
    if (!Domain(team, node)) luaL_error(L, "no node '%s' in the range of team '%s'", node.c_str(), team.c_str());
    return node;
  }

  static int LuaNow(lua_State* L) {
    auto* self = Self(L);
    lua_pushnumber(L, self->host_.Now().SinceStart().seconds());
    return 1;
  }
  static int LuaClock(lua_State* L) {
    std::string c = FormatClock(Self(L)->host_.Now());
    lua_pushlstring(L, c.data(), c.size());
    return 1;
  }
  static int LuaAddr(lua_State* L) {
    auto* self = Self(L);
    Run& run = self->Current(L);
    int b = ArgBase(L);
    std::string node = self->CheckNode(L, b, run.team);
    const auto* d = self->Domain(run.team, node);
    std::string net = lua_isstring(L, b + 1) ? lua_tostring(L, b + 1) : "";
    for (const auto& i : d->interfaces) {
      const auto* pn = self->plan_.FindNetwork(i.network_key);
      if (net.empty() || (pn && pn->scenario_network == net)) {
        lua_pushlstring(L, i.address.data(), i.address.size());
        return 1;
      }
    }
    return luaL_error(L, "node '%s' has no interface on network '%s'", node.c_str(), net.c_str());
  }
  static int LuaNode(lua_State* L) {
    auto* self = Self(L);
    Run& run = self->Current(L);
    int b = ArgBase(L);
    std::string node = self->CheckNode(L, b, run.team);
    const auto* d = self->Domain(run.team, node);
    const model::Node* n = self->scenario_.FindNode(node);
    lua_createtable(L, 0, 6);
    lua_pushstring(L, node.c_str());
    lua_setfield(L, -2, "name");
    lua_pushstring(L, d->key.c_str());
    lua_setfield(L, -2, "key");
    if (!d->interfaces.empty()) {
      lua_pushstring(L, d->interfaces.front().address.c_str());
      lua_setfield(L, -2, "address");
    }
    lua_pushinteger(L, d->security_level);
    lua_setfield(L, -2, "security_level");
    lua_createtable(L, 0, 4);
    if (n) {
      for (const auto& s : n->services) {
        lua_pushinteger(L, s.port);
        lua_setfield(L, -2, s.name.c_str());
      }
    }
    lua_setfield(L, -2, "services");
    return 1;
  }

  // Submits a guest operation for the current run and yields until the reply.
  int YieldFor(lua_State* L, guest::GuestRequest req, Wait wait) {
    Run& run = Current(L);
    if (!lua_isyieldable(L)) {
      return luaL_error(L, "ctx.%s cannot be used here (inside pcall or a metamethod)",
                        std::string(ToString(req.op)).c_str());
    }
    // Shared nodes (the red zone) are addressed as team "shared".
    req.team = plan_.FindDomain(run.team, req.node) ? run.team : std::string("shared");
    run.op = req.op;
    run.wait = wait;
    run.guest_id = host_.SubmitGuest(std::move(req));
    waiting_[run.guest_id] = run.id;
    return lua_yield(L, 0);
  }

  Duration TimeoutArg(lua_State* L, int idx) {
    if (lua_isnumber(L, idx)) {
      return Duration::Millis(static_cast<int64_t>(lua_tonumber(L, idx) * 1000));
    }
    return options_.guest_timeout;
  }

  static int LuaExec(lua_State* L) {
    auto* self = Self(L);
    Run& run = self->Current(L);
    int b = ArgBase(L);
    guest::GuestRequest r;
    r.op = guest::GuestRequest::Op::kExec;
    r.node = self->CheckNode(L, b, run.team);
    r.command = luaL_checkstring(L, b + 1);
    r.timeout = self->TimeoutArg(L, b + 2);
    return self->YieldFor(L, std::move(r), Wait::kGuest);
  }
  // ctx.http(node, path [, opts]): GET from the host, or with opts.from =
  // "attacker" from that node (the request then really crosses the range's
  // networks and firewall: busybox wget runs there through the guest agent).
  static int LuaHttp(lua_State* L) {
    auto* self = Self(L);
    Run& run = self->Current(L);
    int b = ArgBase(L);
    guest::GuestRequest r;
    r.node = self->CheckNode(L, b, run.team);
    r.path = luaL_optstring(L, b + 1, "/");
    if (r.path.empty() || r.path[0] != '/') r.path = "/" + r.path;
    r.timeout = self->options_.guest_timeout;
    std::string from;
    if (lua_istable(L, b + 2)) {
      lua_getfield(L, b + 2, "from");
      if (lua_isstring(L, -1)) from = lua_tostring(L, -1);
      lua_getfield(L, b + 2, "timeout");
      if (lua_isnumber(L, -1)) r.timeout = Duration::Millis(static_cast<int64_t>(lua_tonumber(L, -1) * 1000));
      lua_pop(L, 2);
    } else if (lua_isnumber(L, b + 2)) {
      r.timeout = self->TimeoutArg(L, b + 2);
    }
    if (from.empty()) {
      r.op = guest::GuestRequest::Op::kHttp;
      run.http_via = false;
      return self->YieldFor(L, std::move(r), Wait::kGuest);
    }
    if (!self->Domain(run.team, from)) {
      return luaL_error(L, "ctx.http: no node '%s' (opts.from) in the range of team '%s'",
                        from.c_str(), run.team.c_str());
    }
    const auto* target = self->Domain(run.team, r.node);
    std::string url = fmt::format("http://{}:{}{}", target->interfaces.front().address,
                                  self->HttpPort(r.node), UrlEncodePath(r.path));
    int secs = static_cast<int>(std::max<int64_t>(1, r.timeout.nanos() / 1'000'000'000));
    guest::GuestRequest w;
    w.op = guest::GuestRequest::Op::kExec;
    w.node = from;
    // Body to a file, headers (-S) to stderr; busybox wget writing to stdout
    // under the guest agent is unreliable, so the file is printed after.
    // `timeout`, not wget's -T: busybox 1.35's wget segfaults on -T (any
    // stdin or terminal, on the host too); stdin is /dev/null, never a tty.
    w.command = fmt::format(
        "f=/tmp/lf-http-$$; timeout {} wget -S -O $f {} </dev/null 2>$f.h; rc=$?; "
        "cat $f 2>/dev/null; "
        "cat $f.h >&2; rm -f $f $f.h; exit $rc",
        secs, ShellQuote(url));
    w.timeout = r.timeout + Duration::Seconds(5);
    run.http_via = true;
    int rc = self->YieldFor(L, std::move(w), Wait::kGuest);
    return rc;
  }

  int HttpPort(const std::string& node) const {
    if (const model::Node* n = scenario_.FindNode(node)) {
      for (const auto& s : n->services) {
        if (s.check.kind == "http" || s.name == "http") return s.port;
      }
    }
    return 80;
  }

  // Keeps what a URL allows, percent-encodes the rest (spaces, quotes, ...),
  // so attack payloads in query strings survive the request line.
  static std::string UrlEncodePath(const std::string& p) {
    static const char* kKeep = "-._~/?=&%:@,;+!*()$";
    std::string out;
    for (unsigned char c : p) {
      if (std::isalnum(c) || std::strchr(kKeep, c)) {
        out += static_cast<char>(c);
      } else {
        out += fmt::format("%{:02X}", c);
      }
    }
    return out;
  }

  static std::string ShellQuote(const std::string& s) {
    std::string out = "'";
    for (char c : s) {
      if (c == '\'') {
        out += "'\\''";
      } else {
        out += c;
      }
    }
    return out + "'";
  }

  static int LuaPut(lua_State* L) {
    auto* self = Self(L);
    Run& run = self->Current(L);
    int b = ArgBase(L);
    guest::GuestRequest r;
    r.op = guest::GuestRequest::Op::kPut;
    r.node = self->CheckNode(L, b, run.team);
    r.path = luaL_checkstring(L, b + 1);
    size_t len = 0;
    const char* c = luaL_checklstring(L, b + 2, &len);
    r.content.assign(c, len);
    r.mode = static_cast<int>(luaL_optinteger(L, b + 3, 0644));
    return self->YieldFor(L, std::move(r), Wait::kGuest);
  }
  static int LuaGet(lua_State* L) {
    auto* self = Self(L);
    Run& run = self->Current(L);
    int b = ArgBase(L);
    guest::GuestRequest r;
    r.op = guest::GuestRequest::Op::kGet;
    r.node = self->CheckNode(L, b, run.team);
    r.path = luaL_checkstring(L, b + 1);
    return self->YieldFor(L, std::move(r), Wait::kGuest);
  }

  // Pushes what ctx.exec/http/put/get return: a value, or nil and a message.
  static int PushGuestResult(lua_State* co, guest::GuestRequest::Op op, const guest::GuestReply& r) {
    if (!r.status.ok()) {
      lua_pushnil(co);
      lua_pushstring(co, r.status.message().c_str());
      return 2;
    }
    switch (op) {
      case guest::GuestRequest::Op::kExec:
        lua_createtable(co, 0, 3);
        lua_pushinteger(co, r.exit_code);
        lua_setfield(co, -2, "code");
        lua_pushlstring(co, r.out.data(), r.out.size());
        lua_setfield(co, -2, "out");
        lua_pushlstring(co, r.err.data(), r.err.size());
        lua_setfield(co, -2, "err");
        return 1;
      case guest::GuestRequest::Op::kHttp:
        lua_createtable(co, 0, 2);
        lua_pushinteger(co, r.http_status);
        lua_setfield(co, -2, "status");
        lua_pushlstring(co, r.out.data(), r.out.size());
        lua_setfield(co, -2, "body");
        return 1;
      case guest::GuestRequest::Op::kPut:
        lua_pushboolean(co, 1);
        return 1;
      case guest::GuestRequest::Op::kGet:
        lua_pushlstring(co, r.out.data(), r.out.size());
        return 1;
    }
    return 0;
  }

  // ctx.http via wget on another node: status from the -S headers (or the
  // error line), body from stdout. Connection failures give status 0.
  static int PushWgetResult(lua_State* co, const guest::GuestReply& r) {
    if (!r.status.ok()) {
      lua_pushnil(co);
      lua_pushstring(co, r.status.message().c_str());
      return 2;
    }
    int status = 0;
    for (size_t at = 0; (at = r.err.find("HTTP/1.", at)) != std::string::npos; at += 7) {
      if (at + 12 <= r.err.size()) status = std::atoi(r.err.substr(at + 9, 3).c_str());
    }
    if (status == 0 && r.exit_code == 0) status = 200;
    lua_createtable(co, 0, 3);
    lua_pushinteger(co, status);
    lua_setfield(co, -2, "status");
    lua_pushlstring(co, r.out.data(), r.out.size());
    lua_setfield(co, -2, "body");
    lua_pushlstring(co, r.err.data(), r.err.size());
    lua_setfield(co, -2, "err");
    return 1;
  }

  // Reads a Lua table at idx into JSON (strings, numbers, booleans, nested
  // tables with string keys); other values become their type name.
  static json TableToJson(lua_State* L, int idx, int depth = 0) {
    json j = json::object();
    if (depth > 8) return j;
    idx = lua_absindex(L, idx);
    lua_pushnil(L);
    while (lua_next(L, idx)) {
      if (lua_type(L, -2) == LUA_TSTRING) {
        std::string key = lua_tostring(L, -2);
        switch (lua_type(L, -1)) {
          case LUA_TSTRING: j[key] = lua_tostring(L, -1); break;
          case LUA_TNUMBER:
            if (lua_isinteger(L, -1)) {
              j[key] = static_cast<int64_t>(lua_tointeger(L, -1));
            } else {
              j[key] = lua_tonumber(L, -1);
            }
            break;
          case LUA_TBOOLEAN: j[key] = static_cast<bool>(lua_toboolean(L, -1)); break;
          case LUA_TTABLE: j[key] = TableToJson(L, -1, depth + 1); break;
          default: j[key] = luaL_typename(L, -1); break;
        }
      }
      lua_pop(L, 1);
    }
    return j;
  }

  static int LuaLog(lua_State* L) {
    auto* self = Self(L);
    Run& run = self->Current(L);
    std::string msg = luaL_checkstring(L, ArgBase(L));
    (void)self->host_.Record(run.team, "inject.log", {{"inject", run.inject->name}, {"message", msg}});
    return 0;
  }

  // ctx.emit{kind = "red.action", node = , technique = , detail = } records
  // extra ground truth for multi-step attacks; any other kind is recorded as
  // an inject.emit event (kept, shown, never scored). ctx.emit(kind, t) works too.
  static int LuaEmit(lua_State* L) {
    auto* self = Self(L);
    Run& run = self->Current(L);
    int b = ArgBase(L);
    json p;
    std::string kind;
    if (lua_istable(L, b)) {
      p = TableToJson(L, b);
      kind = p.value("kind", "");
    } else {
      kind = luaL_checkstring(L, b);
      if (lua_istable(L, b + 1)) p = TableToJson(L, b + 1);
    }
    if (!p.is_object()) p = json::object();
    if (kind.empty()) return luaL_error(L, "ctx.emit: the event needs a kind");
    p["inject"] = run.inject->name;
    if (kind == k::kRedAction) {
      p.erase("kind");
      if (!p.contains("node")) p["node"] = run.inject->target;
      if (!p.contains("technique")) p["technique"] = run.inject->technique;
      if (!p.contains("detail")) p["detail"] = "";
      (void)self->host_.Record(run.team, k::kRedAction, std::move(p));
      return 0;
    }
    p["kind"] = kind;
    (void)self->host_.Record(run.team, "inject.emit", std::move(p));
    return 0;
  }

  // ctx.report{node=, technique=, observed_at=seconds, description=}: a blue
  // bot files an incident report exactly as a human team would.
  static int LuaReport(lua_State* L) {
    auto* self = Self(L);
    Run& run = self->Current(L);
    int b = ArgBase(L);
    luaL_checktype(L, b, LUA_TTABLE);
    json t = TableToJson(L, b);
    int64_t observed = self->host_.Now().nanos();
    if (t.contains("observed_at") && t["observed_at"].is_number()) {
      observed = static_cast<int64_t>(t["observed_at"].get<double>() * 1e9);
    }
    json p = {{"node", t.value("node", "")},
              {"technique", t.value("technique", "")},
              {"observed_at", observed},
              {"description", t.value("description", t.value("summary", ""))},
              {"by", "inject " + run.inject->name}};
    if (t.contains("kind")) p["report_kind"] = t["kind"];
    auto e = self->host_.Record(run.team, k::kSubmissionReport, std::move(p));
    lua_pushinteger(L, e.ok() ? e->seq : 0);
    return 1;
  }

  // ctx.objective(name, evidence): the engine verifies the claim before it
  // records objective.reached. evidence: a string holding the flag, or
  // {node=, path=} naming a file (exfiltrated loot, a persistence marker)
  // that the engine reads through the guest agent. Deface is verified by
  // fetching the page. Returns true when verified.
  static int LuaObjective(lua_State* L) {
    auto* self = Self(L);
    Run& run = self->Current(L);
    int b = ArgBase(L);
    std::string name = luaL_checkstring(L, b);
    const model::Objective* obj = nullptr;
    for (const auto& o : self->scenario_.objectives) {
      if (o.name == name) obj = &o;
    }
    if (!obj) return luaL_error(L, "ctx.objective: no objective named '%s'", name.c_str());
    run.objective = obj;
    if (lua_type(L, b + 1) == LUA_TSTRING) {
      std::string evidence = lua_tostring(L, b + 1);
      bool ok = !obj->flag.empty() && evidence.find(obj->flag) != std::string::npos;
      self->RecordObjective(run, ok, "flag in evidence");
      lua_pushboolean(L, ok);
      return 1;
    }
    guest::GuestRequest r;
    if (obj->kind == ObjectiveKind::kDeface) {
      r.op = guest::GuestRequest::Op::kHttp;
      r.node = obj->node;
      r.path = obj->path.empty() ? "/" : obj->path;
      // Defaced = the page no longer shows what its health check expects.
      const model::Node* n = self->scenario_.FindNode(obj->node);
      run.expect.clear();
      if (n) {
        for (const auto& s : n->services) {
          if ((obj->service.empty() || s.name == obj->service) && !s.check.expect.empty()) {
            run.expect = s.check.expect;
          }
        }
      }
      return self->YieldFor(L, std::move(r), Wait::kObjective);
    }
    if (!lua_istable(L, b + 1)) {
      return luaL_error(L, "ctx.objective('%s', evidence): evidence must be the flag text or {node=, path=}",
                        name.c_str());
    }
    lua_getfield(L, b + 1, "node");
    lua_getfield(L, b + 1, "path");
    std::string node = luaL_checkstring(L, -2);
    r.op = guest::GuestRequest::Op::kGet;
    r.node = self->CheckNode(L, lua_gettop(L) - 1, run.team);
    r.path = luaL_checkstring(L, -1);
    (void)node;
    run.expect = obj->flag;
    return self->YieldFor(L, std::move(r), Wait::kObjective);
  }

  int PushObjectiveVerdict(lua_State* co, Run& run, const guest::GuestReply& reply) {
    const model::Objective* obj = run.objective;
    bool ok = false;
    std::string how;
    if (!reply.status.ok()) {
      how = "could not verify: " + reply.status.message();
    } else if (obj->kind == ObjectiveKind::kDeface) {
      ok = run.expect.empty() ? reply.http_status >= 200 : reply.out.find(run.expect) == std::string::npos;
      how = ok ? "page no longer shows its expected content" : "page still shows its expected content";
    } else if (obj->kind == ObjectiveKind::kPersist && run.expect.empty()) {
      ok = true;
      how = "persistence marker present";
    } else {
      ok = !run.expect.empty() && reply.out.find(run.expect) != std::string::npos;
      how = ok ? "flag found in the file" : "flag not found in the file";
    }
    RecordObjective(run, ok, how);
    lua_pushboolean(co, ok);
    return 1;
  }

  void RecordObjective(const Run& run, bool ok, const std::string& how) {
    const model::Objective* obj = run.objective;
    if (!ok) {
      (void)host_.Record(run.team, "inject.log",
                         {{"inject", run.inject->name},
                          {"message", fmt::format("objective '{}' not verified: {}", obj->name, how)}});
      return;
    }
    (void)host_.Record(run.team, k::kObjectiveReached,
                       {{"node", obj->node},
                        {"objective", obj->name},
                        {"kind", model::ToString(obj->kind)},
                        {"by", "inject " + run.inject->name},
                        {"via", how}});
  }

  // ctx.after("5m", function(ctx) ... end): runs the function later as its own
  // coroutine, for the same inject and team.
  static int LuaAfter(lua_State* L) {
    auto* self = Self(L);
    Run& run = self->Current(L);
    int b = ArgBase(L);
    // The delay must be > 0 and at most the exercise duration: a negative or
    // huge delay (1e300 s) is a script bug, not a timer to arm.
    const double max_s = static_cast<double>(self->scenario_.meta.duration.nanos()) / 1e9;
    Duration d;
    if (lua_type(L, b) == LUA_TNUMBER) {
      double secs = lua_tonumber(L, b);
      if (!(secs > 0 && secs <= max_s)) {
        return luaL_error(L,
                          "ctx.after: the delay must be > 0 and at most the exercise duration "
                          "(%I s), got %s",
                          static_cast<lua_Integer>(max_s), lua_tostring(L, b));
      }
      d = Duration::Millis(std::max<int64_t>(1, static_cast<int64_t>(secs * 1000)));
    } else {
      auto parsed = ParseDuration(luaL_checkstring(L, b));
      if (!parsed.ok()) return luaL_error(L, "ctx.after: %s", parsed.status().message().c_str());
      d = *parsed;
      if (d.nanos() <= 0 || d.nanos() > self->scenario_.meta.duration.nanos()) {
        return luaL_error(L,
                          "ctx.after: the delay must be > 0 and at most the exercise duration "
                          "(%I s), got '%s'",
                          static_cast<lua_Integer>(max_s), lua_tostring(L, b));
      }
    }
    luaL_checktype(L, b + 1, LUA_TFUNCTION);
    auto fn = std::make_shared<lua::Ref>(L, b + 1);
    const Inject* inject = run.inject;
    std::string team = run.team;
    self->host_.After(d, [self, fn, inject, team] {
      self->StartCoroutine(*inject, team, *fn, Kind::kCallback);
    }, fmt::format("inject {} for {}: ctx.after callback", inject->name, team));
    return 0;
  }

  const model::Scenario& scenario_;
  const topology::RangePlan& plan_;
  Host& host_;
  Options options_;
  std::unique_ptr<lua::Sandbox> sandbox_;
  std::optional<scenario::ScenarioScript> script_;
  // Declared after sandbox_: these registry references go before the state.
  std::map<std::string, lua::Ref> envs_;  // per team (see Environment)
  lua::Ref shared_;                       // ctx.shared
  std::map<uint64_t, Run> runs_;         // by run id
  std::map<uint64_t, uint64_t> waiting_;  // guest request id -> run id
  uint64_t next_run_ = 1;
  Run* current_ = nullptr;
  // Poll(): a condition that finished without waiting leaves its answer here.
  bool in_poll_ = false;
  std::optional<Result<bool>> sync_condition_;
};

}  // namespace

Result<std::unique_ptr<InjectRunner>> InjectRunner::Load(const model::Scenario& scenario,
                                                         const topology::RangePlan& plan,
                                                         Host& host, Options options) {
  auto r = std::make_unique<LuaInjectRunner>(scenario, plan, host, options);
  LF_RETURN_IF_ERROR(r->Init());
  return std::unique_ptr<InjectRunner>(std::move(r));
}

}  // namespace livefire::runtime
