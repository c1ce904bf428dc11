// Sandboxed inject dispatch beside raw lua_pcall, in the same run.
//   raw:       lua_pcall of a small Lua function on a plain state
//   sandbox:   Sandbox::Call of the same function (fresh memory and
//              instruction budgets, the count hook armed, the message handler)
//   coroutine: what the engine does per inject run: a new coroutine, the
//              ctx-like argument table, Sandbox::Resume to completion
// Target: sandboxed dispatch at least a fifth of the raw rate.
#include <benchmark/benchmark.h>

#include <lua.hpp>

#include "livefire/lua/sandbox.h"

namespace {

constexpr const char* kBody = "return function(ctx) local n = 0 for i = 1, 10 do n = n + i end "
                              "return n > 0 end";

void BM_RawLuaPcall(benchmark::State& state) {
  lua_State* L = luaL_newstate();
  luaL_openlibs(L);
  luaL_loadstring(L, kBody);
  lua_pcall(L, 0, 1, 0);
  int fn = luaL_ref(L, LUA_REGISTRYINDEX);
  for (auto _ : state) {
    lua_rawgeti(L, LUA_REGISTRYINDEX, fn);
    lua_pushnil(L);
    if (lua_pcall(L, 1, 1, 0) != LUA_OK) state.SkipWithError("pcall failed");
    benchmark::DoNotOptimize(lua_toboolean(L, -1));
    lua_pop(L, 1);
  }
  state.SetItemsProcessed(state.iterations());
  lua_close(L);
}
BENCHMARK(BM_RawLuaPcall);

livefire::lua::Sandbox MakeSandbox(int* fn) {
  livefire::lua::SandboxOptions o;
  o.name = "inject";
  auto sb = livefire::lua::Sandbox::Create(o);
  lua_State* L = sb->L();
  (void)sb->LoadString(kBody, "=bench");
  (void)sb->Call(0, 1);
  *fn = luaL_ref(L, LUA_REGISTRYINDEX);
  return std::move(sb).value();
}

void BM_SandboxCall(benchmark::State& state) {
  int fn = 0;
  livefire::lua::Sandbox sb = MakeSandbox(&fn);
  lua_State* L = sb.L();
  for (auto _ : state) {
    lua_rawgeti(L, LUA_REGISTRYINDEX, fn);
    lua_pushnil(L);
    if (!sb.Call(1, 1).ok()) state.SkipWithError("call failed");
    benchmark::DoNotOptimize(lua_toboolean(L, -1));
    lua_pop(L, 1);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_SandboxCall);

void BM_SandboxCoroutineDispatch(benchmark::State& state) {
  int fn = 0;
  livefire::lua::Sandbox sb = MakeSandbox(&fn);
  lua_State* L = sb.L();
  for (auto _ : state) {
    lua_State* co = lua_newthread(L);
    int thread_ref = luaL_ref(L, LUA_REGISTRYINDEX);
    lua_rawgeti(co, LUA_REGISTRYINDEX, fn);
    lua_createtable(co, 0, 4);  // the ctx table
    lua_pushliteral(co, "blue1");
    lua_setfield(co, -2, "team");
    int nres = 0;
    bool yielded = false;
    if (!sb.Resume(co, 1, &nres, &yielded).ok() || yielded) state.SkipWithError("resume failed");
    benchmark::DoNotOptimize(lua_toboolean(co, -1));
    lua_settop(co, 0);
    luaL_unref(L, LUA_REGISTRYINDEX, thread_ref);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_SandboxCoroutineDispatch);

}  // namespace

BENCHMARK_MAIN();
