#include "livefire/live/live.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <lua.hpp>
#include <mutex>
#include <vector>

#include "livefire/checks/checks.h"
#include "livefire/guest/guest_io.h"
#include "livefire/lua/sandbox.h"
#include "livefire/net/http.h"
#include "livefire/scenario/script.h"
#include "livefire/scoring/config.h"

namespace livefire::live {

namespace {

// What a Lua check's ctx.http needs: the target and the time left.
struct LuaCheckCall {
  const checks::CheckTarget* target;
  Duration timeout;
};

// ctx.http(path [, {host=, headers={name=value}}]) -> {status=, body=} or
// nil, message: a GET from the host to the checked service (the same vantage
// point as the built-in checks).
int LuaCheckHttp(lua_State* L) {
  auto* call = static_cast<LuaCheckCall*>(lua_touserdata(L, lua_upvalueindex(1)));
  net::HttpRequest req;
  req.address = call->target->address;
  req.port = call->target->port;
  req.path = luaL_optstring(L, 1, "/");
  req.timeout = call->timeout;
  if (lua_istable(L, 2)) {
    if (lua_getfield(L, 2, "host") == LUA_TSTRING) req.host = lua_tostring(L, -1);
    lua_pop(L, 1);
    if (lua_getfield(L, 2, "headers") == LUA_TTABLE) {
      lua_pushnil(L);
      while (lua_next(L, -2) != 0) {
        if (lua_type(L, -2) == LUA_TSTRING && lua_type(L, -1) == LUA_TSTRING) {
          req.headers.emplace_back(lua_tostring(L, -2), lua_tostring(L, -1));
        }
        lua_pop(L, 1);
      }
    }
    lua_pop(L, 1);
  }
  auto r = net::HttpGet(req);
  if (!r.ok()) {
    lua_pushnil(L);
    lua_pushstring(L, r.status().message().c_str());
    return 2;
  }
  lua_createtable(L, 0, 2);
  lua_pushinteger(L, r->status);
  lua_setfield(L, -2, "status");
  lua_pushlstring(L, r->body.data(), r->body.size());
  lua_setfield(L, -2, "body");
  return 1;
}

// One loaded copy of the scenario for Lua checks. A Lua state is
// single-threaded: one call at a time uses it.
struct LuaCheckState {
  std::unique_ptr<lua::Sandbox> sandbox;
  std::optional<scenario::ScenarioScript> script;
};

Result<std::unique_ptr<LuaCheckState>> LoadLuaCheckState(const std::string& scenario_file,
                                                         uint64_t seed) {
  lua::SandboxOptions o;
  o.name = "check";
  o.memory_limit = size_t{16} << 20;
  o.instruction_limit = 5'000'000;
  o.seed = seed;
  auto sb = lua::Sandbox::Create(o);
  if (!sb.ok()) return sb.status();
  auto state = std::make_unique<LuaCheckState>();
  state->sandbox = std::make_unique<lua::Sandbox>(std::move(*sb));
  auto sc = scenario::ScenarioScript::Load(*state->sandbox, scenario_file);
  if (!sc.ok()) return sc.status();
  state->script.emplace(std::move(*sc));
  return state;
}

// The sandboxes of one check function (one exercise): a call borrows an idle
// one or loads a new one, so there are at most as many as calls at once (one
// per check worker). Nothing is shared with another exercise's checks, not
// even in the same process and for the same scenario file: each has its own
// seed and its own Lua globals.
class LuaCheckStates {
 public:
  LuaCheckStates(std::string scenario_file, uint64_t seed)
      : file_(std::move(scenario_file)), seed_(seed) {}

  Result<std::unique_ptr<LuaCheckState>> Borrow() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (!idle_.empty()) {
        auto st = std::move(idle_.back());
        idle_.pop_back();
        return st;
      }
    }
    return LoadLuaCheckState(file_, seed_);
  }
  void Return(std::unique_ptr<LuaCheckState> st) {
    std::lock_guard<std::mutex> lock(mu_);
    idle_.push_back(std::move(st));
  }

 private:
  const std::string file_;
  const uint64_t seed_;
  std::mutex mu_;
  std::vector<std::unique_ptr<LuaCheckState>> idle_;
};

// Runs a `check = { kind = "lua", run = function(ctx) ... end }` on a check
// worker in a sandbox borrowed from the exercise's own states; budgets bound
// each call.
checks::CheckOutcome RunLuaCheck(LuaCheckState& st, const checks::CheckTarget& t,
                                 Duration timeout) {
  checks::CheckOutcome out;
  const lua::Ref* fn = st.script->Check(t.check.lua_check);
  if (!fn) return {false, 0, "lua check: no function for " + t.check.lua_check};
  lua::Sandbox* sandbox = st.sandbox.get();
  lua_State* L = sandbox->L();
  LuaCheckCall call{&t, timeout};
  auto t0 = std::chrono::steady_clock::now();
  fn->Push(L);
  lua_createtable(L, 0, 6);
  lua_pushstring(L, t.team.c_str());
  lua_setfield(L, -2, "team");
  lua_pushstring(L, t.node.c_str());
  lua_setfield(L, -2, "node");
  lua_pushstring(L, t.service.c_str());
  lua_setfield(L, -2, "service");
  lua_pushstring(L, t.address.c_str());
  lua_setfield(L, -2, "address");
  lua_pushinteger(L, t.port);
  lua_setfield(L, -2, "port");
  lua_pushlightuserdata(L, &call);
  lua_pushcclosure(L, LuaCheckHttp, 1);
  lua_setfield(L, -2, "http");
  Status s = sandbox->Call(1, 2);
  out.latency_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0)
          .count();
  if (!s.ok()) {
    out.detail = "lua check error: " + s.message();
    return out;
  }
  out.up = lua_toboolean(L, -2);
  if (lua_type(L, -1) == LUA_TSTRING) out.detail = lua_tostring(L, -1);
  if (out.detail.empty()) out.detail = out.up ? "lua check passed" : "lua check failed";
  lua_pop(L, 2);
  return out;
}

}  // namespace

checks::LuaCheckFn MakeLuaCheckFn(const model::Scenario& scenario) {
  auto states = std::make_shared<LuaCheckStates>(scenario.file, scenario.meta.seed);
  return [states](const checks::CheckTarget& t, Duration timeout) {
    auto st = states->Borrow();
    if (!st.ok()) return checks::CheckOutcome{false, 0, "lua check: " + st.status().message()};
    checks::CheckOutcome out = RunLuaCheck(**st, t, timeout);
    states->Return(std::move(*st));
    return out;
  };
}

namespace {
// The teams that play are the plan's (--teams N), not the scenario's list, as
// in the config `livefire run` records.
scoring::ScoringConfig PlayingConfig(const model::Scenario& s, const topology::RangePlan& plan) {
  scoring::ScoringConfig cfg = scoring::MakeScoringConfig(s);
  cfg.blue_teams = plan.blue_teams;
  std::sort(cfg.blue_teams.begin(), cfg.blue_teams.end());
  return cfg;
}
}  // namespace

LiveScoring::LiveScoring(const model::Scenario& scenario, const topology::RangePlan& plan,
                         LiveScoringOptions options)
    : scenario_(scenario),
      plan_(plan),
      options_(options),
      scorer_(PlayingConfig(scenario, plan)),
      throttle_(std::chrono::milliseconds(250)) {}

LiveScoring::~LiveScoring() {
  checks_.reset();  // cancels timers before the pool goes
  pool_.reset();
}

void LiveScoring::OnEvent(runtime::ExerciseContext& ctx, const Event& e, bool replaying) {
  // Our own output: recorded for explanation and replay, never an input.
  if (e.kind == kinds::kScoreChanged) return;
  scoring::Applied applied;
  Status s = scorer_.Apply(e, &applied);
  if (!s.ok()) {
    spdlog::warn("scoring: event {} ({}): {}", e.seq, e.kind, s.message());
    return;
  }
  if (applied.changes.empty()) return;
  changed_ = true;
  // On recovery the score.changed events are already in the log.
  if (replaying) return;
  for (const scoring::ScoreChange& c : applied.changes) {
    Event ev = ToEvent(c, e.time);
    Result<Event> r = ctx.Record(ev.team, ev.kind, std::move(ev.payload));
    if (!r.ok()) spdlog::error("scoring: cannot record score change: {}", r.status().message());
  }
}

void LiveScoring::OnStart(runtime::ExerciseContext& ctx) {
  if (!options_.run_checks) return;
  checks::CheckPoolOptions po;
  po.workers = options_.check_workers;
  po.lua = MakeLuaCheckFn(scenario_);
  pool_ = std::make_unique<checks::CheckPool>(po);
  const model::ScoringParams& p = scenario_.scoring;
  checks_ = std::make_unique<checks::CheckScheduler>(
      ctx.scheduler(), scenario_.meta.seed, p, checks::CheckTargets(scenario_, plan_),
      [this, &p](const checks::CheckTarget& t, int64_t round, SimTime at) {
        checks::CheckJob job{t, at, round, p.check_timeout};
        Status s = pool_->Submit(std::move(job));
        if (!s.ok())
          spdlog::warn("check {}/{}/{} round {}: {}", t.team, t.node, t.service, round,
                       s.message());
      });
  checks_->Start();
}

void LiveScoring::OnLoop(runtime::ExerciseContext& ctx) {
  if (pool_) {
    results_.clear();
    pool_->Drain(results_);
    for (const checks::CheckResult& r : results_) {
      Event ev = checks::MakeCheckEvent(r.job.target, r.outcome, r.job.scheduled);
      Result<Event> rec = ctx.Record(ev.team, ev.kind, std::move(ev.payload));
      if (!rec.ok())
        spdlog::error("scoring: cannot record check result: {}", rec.status().message());
    }
  }
  if (throttle_.ShouldPublish(scoring::PublishThrottle::Clock::now(), changed_)) {
    ctx.PublishDerived("", "scoreboard", ToJson(Board()));
  }
  changed_ = false;
}

size_t LiveScoring::Outstanding() const {
  if (!pool_) return 0;
  // Jobs queued or running: in fast mode the clock waits for their results.
  return pool_->pending() + pool_->in_flight();
}

std::optional<nlohmann::json> LiveScoring::OnStatus(runtime::ExerciseContext&) {
  return ToJson(Board());
}

std::optional<nlohmann::json> LiveScoring::OnScoreboardAt(runtime::ExerciseContext& ctx,
                                                          SimTime at) {
  // The same fold as the live one, over the log up to `at` (events are
  // recorded in time order); malformed events were logged when they came.
  scoring::Scorer past(scorer_.config());
  Status scan = ctx.ScanLog([&](const Event& e) {
    if (e.time > at) return false;
    (void)past.Apply(e);
    return true;
  });
  if (!scan.ok()) {
    spdlog::warn("scoring: cannot replay the log for the scoreboard at {}: {}", FormatClock(at),
                 scan.message());
    return std::nullopt;
  }
  return ToJson(scoring::MakeScoreboard(past));
}

void LiveScoring::OnEnd(runtime::ExerciseContext& ctx) {
  if (checks_) checks_->Stop();
  for (const std::string& team : scorer_.teams()) {
    for (const auto& [metric, value] : scoring::FlatMetrics(scorer_.Metrics(team))) {
      Status s = ctx.SaveMetric(team, metric, value);
      if (!s.ok())
        spdlog::error("scoring: cannot store metric {}/{}: {}", team, metric, s.message());
    }
  }
}

}  // namespace livefire::live
