#include "dsl.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>
#include <lua.hpp>
#include <set>

#include "dsl_internal.h"
#include "livefire/lua/state.h"
#include "livefire/time.h"

namespace livefire::scenario::dsl {

namespace {

// Registry keys (addresses are unique).
char kTopKey;   // array of top-level records, in declaration order
char kAllKey;   // array of every record (to find misplaced ones)
char kMetaKey;  // metatable marking records

// ---- the Lua side: recording declarations ------------------------------------
// Plain C-style functions: they hold no C++ objects, so raising is safe.

// Pushes a new record {kind=, name=, line=} and appends it to the lists.
void NewRecord(lua_State* L, int kind_idx, int name_idx, int line, bool top) {
  lua_createtable(L, 0, 5);
  int rec = lua_gettop(L);
  lua_pushvalue(L, kind_idx);
  lua_setfield(L, rec, "kind");
  if (name_idx) {
    lua_pushvalue(L, name_idx);
    lua_setfield(L, rec, "name");
  }
  lua_pushinteger(L, line);
  lua_setfield(L, rec, "line");
  lua_rawgetp(L, LUA_REGISTRYINDEX, &kMetaKey);
  lua_setmetatable(L, rec);
  for (const void* key : {static_cast<const void*>(&kAllKey), static_cast<const void*>(&kTopKey)}) {
    if (key == &kTopKey && !top) continue;
    lua_rawgetp(L, LUA_REGISTRYINDEX, key);
    lua_pushvalue(L, rec);
    lua_rawseti(L, -2, static_cast<lua_Integer>(lua_rawlen(L, -2)) + 1);
    lua_pop(L, 1);
  }
}

// Second half of `kind "name" { body }`: upvalue 1 is the record.
int SetBody(lua_State* L) {
  int rec = lua_upvalueindex(1);
  lua_getfield(L, rec, "kind");
  lua_getfield(L, rec, "name");
  if (lua_type(L, 1) != LUA_TTABLE) {
    return luaL_error(L, "%s \"%s\" must be followed by a table: %s \"%s\" { ... }",
                      lua_tostring(L, -2), lua_tostring(L, -1), lua_tostring(L, -2),
                      lua_tostring(L, -1));
  }
  lua_pushliteral(L, "body");
  if (lua_rawget(L, rec) != LUA_TNIL) {
    return luaL_error(L, "%s \"%s\" already has a body", lua_tostring(L, -3), lua_tostring(L, -2));
  }
  lua_pushvalue(L, 1);
  lua_setfield(L, rec, "body");
  lua_pushvalue(L, rec);
  return 1;
}

// Upvalues: 1 kind, 2 named (bool), 3 top-level (bool), 4 action or nil.
int Declare(lua_State* L) {
  int kind = lua_upvalueindex(1);
  bool named = lua_toboolean(L, lua_upvalueindex(2));
  bool top = lua_toboolean(L, lua_upvalueindex(3));
  int line = lua::CallerLine(L, 1);
  const char* k = lua_tostring(L, kind);
  if (named) {
    if (lua_type(L, 1) != LUA_TSTRING) {
      return luaL_error(L, "%s needs a name: %s \"name\" { ... }", k, k);
    }
    NewRecord(L, kind, 1, line, top);
    lua_pushcclosure(L, SetBody, 1);
    return 1;
  }
  if (lua_type(L, 1) != LUA_TTABLE) {
    if (lua_type(L, 1) == LUA_TSTRING) {
      return luaL_error(L, "%s takes no name: %s { ... }", k, k);
    }
    return luaL_error(L, "%s takes a table: %s { ... }", k, k);
  }
  NewRecord(L, kind, 0, line, top);
  lua_pushvalue(L, 1);
  lua_setfield(L, -2, "body");
  if (!lua_isnil(L, lua_upvalueindex(4))) {
    lua_pushvalue(L, lua_upvalueindex(4));
    lua_setfield(L, -2, "action");
  }
  return 1;
}

struct DeclSpec {
  const char* global;
  const char* kind;
  bool named;
  bool top;
  const char* action;
};

constexpr DeclSpec kDecls[] = {
    {"scenario", "scenario", false, true, nullptr},  {"scoring", "scoring", false, true, nullptr},
    {"team", "team", true, true, nullptr},           {"network", "network", true, true, nullptr},
    {"rule", "rule", false, true, nullptr},          {"allow", "rule", false, true, "allow"},
    {"deny", "rule", false, true, "deny"},           {"node", "node", true, true, nullptr},
    {"objective", "objective", true, true, nullptr}, {"inject", "inject", true, true, nullptr},
    {"iface", "iface", false, false, nullptr},       {"service", "service", true, false, nullptr},
    {"vuln", "vuln", true, false, nullptr},          {"account", "account", false, false, nullptr},
    {"file", "file", false, false, nullptr},
    {"sim_policy", "sim_policy", false, true, nullptr},
};

int InstallDsl(lua_State* L) {
  lua_newtable(L);
  lua_rawsetp(L, LUA_REGISTRYINDEX, &kTopKey);
  lua_newtable(L);
  lua_rawsetp(L, LUA_REGISTRYINDEX, &kAllKey);
  lua_newtable(L);
  lua_pushliteral(L, "declaration");
  lua_setfield(L, -2, "__metatable");
  lua_rawsetp(L, LUA_REGISTRYINDEX, &kMetaKey);
  for (const DeclSpec& d : kDecls) {
    lua_pushstring(L, d.kind);
    lua_pushboolean(L, d.named);
    lua_pushboolean(L, d.top);
    if (d.action) {
      lua_pushstring(L, d.action);
    } else {
      lua_pushnil(L);
    }
    lua_pushcclosure(L, Declare, 4);
    lua_setglobal(L, d.global);
  }
  return 0;
}

}  // namespace

bool IsRecord(lua_State* L, int idx) {
  if (lua_type(L, idx) != LUA_TTABLE || !lua_getmetatable(L, idx)) return false;
  lua_rawgetp(L, LUA_REGISTRYINDEX, &kMetaKey);
  bool same = lua_rawequal(L, -1, -2);
  lua_pop(L, 2);
  return same;
}

int Walker::PushBody(int rec, const std::string& what, int line) {
  lua_pushliteral(L, "body");
  if (lua_rawget(L, rec) == LUA_TTABLE) return lua_gettop(L);
  lua_pop(L, 1);
  std::string kind = RawString(L, rec, "kind");
  std::string name = RawString(L, rec, "name");
  sink.Add(line, fmt::format("{} has no body: write {} \"{}\" {{ ... }}", what, kind, name));
  return 0;
}

void Walker::Walk() {
  lua::StackGuard g(L);
  lua_checkstack(L, 40);
  lua_rawgetp(L, LUA_REGISTRYINDEX, &kTopKey);
  int top = lua_gettop(L);
  lua_Integer n = static_cast<lua_Integer>(lua_rawlen(L, top));
  for (lua_Integer i = 1; i <= n; ++i) {
    lua::StackGuard gi(L);
    lua_rawgeti(L, top, i);
    int rec = lua_gettop(L);
    visited.insert(lua_topointer(L, rec));
    std::string kind = RawString(L, rec, "kind");
    std::string name = RawString(L, rec, "name");
    int line = RawInt(L, rec, "line");
    std::string what = name.empty() ? kind : fmt::format("{} '{}'", kind, name);
    int body = PushBody(rec, what, line);
    if (!body) continue;
    Reader r(L, body, what, line, sink);
    // scenario and scoring may appear once; a second one is reported, not read.
    auto first = [&](bool& seen, const model::SourceLoc& at) {
      if (seen) {
        sink.Add(line,
                 fmt::format("{} {{ ... }} is declared twice (first at {})", kind, at.ToString()));
        return false;
      }
      seen = true;
      return true;
    };
    if (kind == "scenario") {
      if (first(saw_scenario, s->meta.loc)) MetaDecl(r);
    } else if (kind == "scoring") {
      if (first(saw_scoring, s->scoring.loc)) ScoringDecl(r);
    } else if (kind == "team") {
      TeamDecl(r, name);
    } else if (kind == "network") {
      NetworkDecl(r, name);
    } else if (kind == "rule") {
      RuleDecl(r, RawString(L, rec, "action"));
    } else if (kind == "node") {
      NodeDecl(r, name, body);
    } else if (kind == "objective") {
      ObjectiveDecl(r, name);
    } else if (kind == "inject") {
      InjectDecl(r, name);
    } else if (kind == "sim_policy") {
      if (saw_sim_policy) {
        sink.Add(line, fmt::format("sim_policy {{ ... }} is declared twice (first at {})",
                                   Loc(sim_policy_line).ToString()));
      } else {
        saw_sim_policy = true;
        sim_policy_line = line;
        SimPolicyDecl(r);
      }
    }
  }
  if (!saw_scenario) {
    sink.Add(1, "scenario { name = \"...\", ... } is missing");
    s->meta.loc = Loc(1);
  }
  if (!saw_scoring) s->scoring.loc = Loc(0);
  // Sub-declarations written outside a node.
  lua_rawgetp(L, LUA_REGISTRYINDEX, &kAllKey);
  int all = lua_gettop(L);
  lua_Integer m = static_cast<lua_Integer>(lua_rawlen(L, all));
  for (lua_Integer i = 1; i <= m; ++i) {
    lua::StackGuard gi(L);
    lua_rawgeti(L, all, i);
    if (visited.count(lua_topointer(L, -1))) continue;
    std::string kind = RawString(L, -1, "kind");
    std::string name = RawString(L, -1, "name");
    sink.Add(RawInt(L, -1, "line"),
             fmt::format("{}{} is declared outside a node: put it inside node \"...\" {{ ... }}",
                         kind, name.empty() ? "" : fmt::format(" '{}'", name)));
  }
}

Status RunScenarioFile(lua::Sandbox& sandbox, const std::string& file, lua::ScriptError* error) {
  lua_State* L = sandbox.L();
  lua_pushcfunction(L, InstallDsl);
  LF_RETURN_IF_ERROR(lua::PCall(L, 0, 0).WithContext("installing the scenario language"));
  return sandbox.RunFile(file, error);
}

void BuildModel(lua_State* L, const std::string& file, model::Scenario* out,
                std::vector<Diagnostic>* diags, const FunctionSink& sink) {
  Walker w{L, Sink{file, diags}, out, sink, {}};
  w.Walk();
}

std::string Suggest(std::string_view word, const std::vector<std::string>& candidates) {
  auto distance = [](std::string_view a, std::string_view b) {
    std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
    for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
    for (size_t i = 1; i <= a.size(); ++i) {
      cur[0] = i;
      for (size_t j = 1; j <= b.size(); ++j) {
        cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] != b[j - 1])});
      }
      std::swap(prev, cur);
    }
    return prev[b.size()];
  };
  std::string best;
  size_t best_d = 3;
  for (const auto& c : candidates) {
    size_t d = distance(word, c);
    if (d < best_d && d < std::max<size_t>(c.size(), 2)) {
      best_d = d;
      best = c;
    }
  }
  return best;
}

}  // namespace livefire::scenario::dsl
