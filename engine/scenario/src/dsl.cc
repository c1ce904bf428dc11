#include "dsl.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>
#include <lua.hpp>
#include <set>

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
    return luaL_error(L, "%s \"%s\" already has a body", lua_tostring(L, -3),
                      lua_tostring(L, -2));
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
    {"scenario", "scenario", false, true, nullptr},
    {"scoring", "scoring", false, true, nullptr},
    {"team", "team", true, true, nullptr},
    {"network", "network", true, true, nullptr},
    {"rule", "rule", false, true, nullptr},
    {"allow", "rule", false, true, "allow"},
    {"deny", "rule", false, true, "deny"},
    {"node", "node", true, true, nullptr},
    {"objective", "objective", true, true, nullptr},
    {"inject", "inject", true, true, nullptr},
    {"iface", "iface", false, false, nullptr},
    {"service", "service", true, false, nullptr},
    {"vuln", "vuln", true, false, nullptr},
    {"account", "account", false, false, nullptr},
    {"file", "file", false, false, nullptr},
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

// ---- the C++ side: reading records -------------------------------------------

bool IsRecord(lua_State* L, int idx) {
  if (lua_type(L, idx) != LUA_TTABLE || !lua_getmetatable(L, idx)) return false;
  lua_rawgetp(L, LUA_REGISTRYINDEX, &kMetaKey);
  bool same = lua_rawequal(L, -1, -2);
  lua_pop(L, 2);
  return same;
}

std::string RawString(lua_State* L, int table, const char* key) {
  table = lua_absindex(L, table);
  lua::StackGuard g(L);
  lua_pushstring(L, key);
  if (lua_rawget(L, table) != LUA_TSTRING) return "";
  return lua_tostring(L, -1);
}

int RawInt(lua_State* L, int table, const char* key) {
  table = lua_absindex(L, table);
  lua::StackGuard g(L);
  lua_pushstring(L, key);
  if (lua_rawget(L, table) != LUA_TNUMBER) return 0;
  return static_cast<int>(lua_tointeger(L, -1));
}

std::string Describe(lua_State* L, int idx) {
  switch (lua_type(L, idx)) {
    case LUA_TSTRING: return fmt::format("'{}'", lua_tostring(L, idx));
    case LUA_TNUMBER:
      return lua_isinteger(L, idx) ? std::to_string(lua_tointeger(L, idx))
                                   : fmt::format("{}", lua_tonumber(L, idx));
    default: return lua::TypeName(L, idx);
  }
}

// Collects diagnostics for one file.
struct Sink {
  std::string file;
  std::vector<Diagnostic>* diags;
  void Add(int line, std::string msg) const { diags->push_back({{file, line}, std::move(msg)}); }
};

// Reads fields of one Lua table, reporting wrong types and, in Finish(),
// every field nobody asked for (typos, with a suggestion).
class Reader {
 public:
  Reader(lua_State* L, int table, std::string what, int line, const Sink& sink)
      : L_(L), t_(lua_absindex(L, table)), what_(std::move(what)), line_(line), sink_(sink) {
    lua_checkstack(L, 20);
  }

  const std::string& what() const { return what_; }
  int line() const { return line_; }
  void Error(std::string msg) const { sink_.Add(line_, fmt::format("{}: {}", what_, msg)); }

  // Pushes t[key] (raw) and returns its type; marks the key as known.
  int Push(const char* key) {
    known_.insert(key);
    lua_pushstring(L_, key);
    return lua_rawget(L_, t_);
  }

  bool Has(const char* key) {
    lua::StackGuard g(L_);
    return Push(key) != LUA_TNIL;
  }

  std::optional<std::string> Str(const char* key) {
    lua::StackGuard g(L_);
    int t = Push(key);
    if (t == LUA_TNIL) return std::nullopt;
    if (t != LUA_TSTRING) {
      TypeError(key, "a string");
      return std::nullopt;
    }
    size_t len = 0;
    const char* s = lua_tolstring(L_, -1, &len);
    return std::string(s, len);
  }
  void Str(const char* key, std::string* out) {
    if (auto v = Str(key)) *out = *v;
  }
  std::string RequiredStr(const char* key) {
    if (!Has(key)) {
      Error(fmt::format("field '{}' is required", key));
      return "";
    }
    return Str(key).value_or("");
  }

  std::optional<double> Num(const char* key) {
    lua::StackGuard g(L_);
    int t = Push(key);
    if (t == LUA_TNIL) return std::nullopt;
    if (t != LUA_TNUMBER) {
      TypeError(key, "a number");
      return std::nullopt;
    }
    return lua_tonumber(L_, -1);
  }
  void Num(const char* key, double* out) {
    if (auto v = Num(key)) *out = *v;
  }

  std::optional<int64_t> Int(const char* key) {
    lua::StackGuard g(L_);
    int t = Push(key);
    if (t == LUA_TNIL) return std::nullopt;
    int isint = 0;
    lua_Integer v = t == LUA_TNUMBER ? lua_tointegerx(L_, -1, &isint) : 0;
    if (!isint) {
      if (t == LUA_TNUMBER) {
        Error(fmt::format("field '{}' must be an integer, got {}", key, Describe(L_, -1)));
      } else {
        TypeError(key, "an integer");
      }
      return std::nullopt;
    }
    return static_cast<int64_t>(v);
  }
  void Int(const char* key, int* out) {
    if (auto v = Int(key)) *out = static_cast<int>(*v);
  }

  std::optional<bool> Bool(const char* key) {
    lua::StackGuard g(L_);
    int t = Push(key);
    if (t == LUA_TNIL) return std::nullopt;
    if (t != LUA_TBOOLEAN) {
      TypeError(key, "a boolean (true or false)");
      return std::nullopt;
    }
    return lua_toboolean(L_, -1) != 0;
  }
  void Bool(const char* key, bool* out) {
    if (auto v = Bool(key)) *out = *v;
  }

  // A duration: a string such as "1h30m"/"00:05:00", or a number of seconds.
  std::optional<Duration> Dur(const char* key) {
    lua::StackGuard g(L_);
    int t = Push(key);
    if (t == LUA_TNIL) return std::nullopt;
    if (t == LUA_TNUMBER) {
      double sec = lua_tonumber(L_, -1);
      if (!(sec >= 0) || sec > 1e9) {
        Error(fmt::format("field '{}' is not a valid duration: {}", key, Describe(L_, -1)));
        return std::nullopt;
      }
      return Duration::Nanos(static_cast<int64_t>(std::llround(sec * 1e9)));
    }
    if (t != LUA_TSTRING) {
      TypeError(key, "a duration (\"1h30m\", \"00:05:00\" or seconds)");
      return std::nullopt;
    }
    std::string text = lua_tostring(L_, -1);
    auto d = ParseDuration(text);
    if (!d.ok()) {
      Error(fmt::format("field '{}' is not a valid duration: '{}' ({})", key, text,
                        d.status().message()));
      return std::nullopt;
    }
    return *d;
  }
  void Dur(const char* key, Duration* out) {
    if (auto v = Dur(key)) *out = *v;
  }

  // A string or a list of strings.
  std::vector<std::string> StrList(const char* key) {
    lua::StackGuard g(L_);
    std::vector<std::string> out;
    int t = Push(key);
    if (t == LUA_TNIL) return out;
    if (t == LUA_TSTRING) {
      out.emplace_back(lua_tostring(L_, -1));
      return out;
    }
    if (t != LUA_TTABLE) {
      TypeError(key, "a string or a list of strings");
      return out;
    }
    int list = lua_gettop(L_);
    lua_Integer n = static_cast<lua_Integer>(lua_rawlen(L_, list));
    for (lua_Integer i = 1; i <= n; ++i) {
      if (lua_rawgeti(L_, list, i) == LUA_TSTRING) {
        out.emplace_back(lua_tostring(L_, -1));
      } else {
        Error(fmt::format("field '{}' item {} must be a string, got {}", key, i,
                          lua::TypeName(L_, -1)));
      }
      lua_pop(L_, 1);
    }
    return out;
  }

  // For an enum given as a string among `allowed`.
  std::optional<std::string> OneOf(const char* key, const std::vector<std::string>& allowed) {
    auto v = Str(key);
    if (!v) return std::nullopt;
    if (std::find(allowed.begin(), allowed.end(), *v) == allowed.end()) {
      std::string hint = Suggest(*v, allowed);
      Error(fmt::format("field '{}' must be one of {}, got '{}'{}", key, fmt::join(allowed, ", "),
                        *v, hint.empty() ? "" : fmt::format(" (did you mean '{}'?)", hint)));
      return std::nullopt;
    }
    return v;
  }

  // Whether the field holds a function (type errors are reported).
  bool Fn(const char* key) {
    lua::StackGuard g(L_);
    int t = Push(key);
    if (t == LUA_TNIL) return false;
    if (t != LUA_TFUNCTION) {
      TypeError(key, "a function");
      return false;
    }
    return true;
  }

  // Pushes a nested table field and returns its index, or 0 (nothing pushed)
  // when absent or not a table (reported).
  int PushTable(const char* key) {
    int t = Push(key);
    if (t == LUA_TTABLE) return lua_gettop(L_);
    if (t != LUA_TNIL) TypeError(key, "a table");
    lua_pop(L_, 1);
    return 0;
  }

  // Reports unknown string keys and, unless allow_items, array items.
  void Finish(bool allow_items = false) {
    lua::StackGuard g(L_);
    std::vector<std::string> known(known_.begin(), known_.end());
    lua_pushnil(L_);
    while (lua_next(L_, t_)) {
      if (lua_type(L_, -2) == LUA_TSTRING) {
        std::string k = lua_tostring(L_, -2);
        if (!known_.count(k)) {
          std::string hint = Suggest(k, known);
          Error(fmt::format("unknown field '{}'{}", k,
                            hint.empty() ? "" : fmt::format(" (did you mean '{}'?)", hint)));
        }
      } else if (!allow_items || !lua_isinteger(L_, -2)) {
        Error(fmt::format("unexpected entry [{}] (fields are written name = value)",
                          Describe(L_, -2)));
      }
      lua_pop(L_, 1);
    }
  }

 private:
  void TypeError(const char* key, std::string_view expected) {
    Error(fmt::format("field '{}' must be {}, got {}", key, expected, lua::TypeName(L_, -1)));
  }

  lua_State* L_;
  int t_;
  std::string what_;
  int line_;
  const Sink& sink_;
  std::set<std::string, std::less<>> known_;
};

// ---- declarations -------------------------------------------------------------

struct Walker {
  lua_State* L;
  Sink sink;
  model::Scenario* s;
  const FunctionSink& fn_sink;
  std::set<const void*> visited;
  bool saw_scenario = false;
  bool saw_scoring = false;

  model::SourceLoc Loc(int line) const { return {sink.file, line}; }

  // Record at `rec` -> body index (pushed) or 0 (error reported).
  int PushBody(int rec, const std::string& what, int line) {
    lua_pushliteral(L, "body");
    if (lua_rawget(L, rec) == LUA_TTABLE) return lua_gettop(L);
    lua_pop(L, 1);
    std::string kind = RawString(L, rec, "kind");
    std::string name = RawString(L, rec, "name");
    sink.Add(line, fmt::format("{} has no body: write {} \"{}\" {{ ... }}", what, kind, name));
    return 0;
  }

  void MetaDecl(Reader& r) {
    model::Metadata& m = s->meta;
    m.loc = Loc(r.line());
    m.name = r.RequiredStr("name");
    r.Str("title", &m.title);
    r.Str("description", &m.description);
    r.Str("organisation", &m.organisation);
    r.Int("year", &m.year);
    r.Int("security_level", &m.security_level);
    r.Dur("duration", &m.duration);
    if (auto seed = r.Int("seed")) {
      if (*seed < 0) {
        r.Error("field 'seed' must not be negative");
      } else {
        m.seed = static_cast<uint64_t>(*seed);
      }
    }
    r.Str("address_pool", &m.address_pool);
    if (auto p = r.OneOf("default_policy", {"allow", "deny"})) {
      m.default_policy = *p == "allow" ? model::RuleAction::kAllow : model::RuleAction::kDeny;
    }
    r.Finish();
  }

  void ScoringDecl(Reader& r) {
    model::ScoringParams& p = s->scoring;
    p.loc = Loc(r.line());
    if (int w = r.PushTable("weights")) {
      Reader wr(L, w, r.what() + " weights", r.line(), sink);
      wr.Num("availability", &p.weights.availability);
      wr.Num("red_impact", &p.weights.red_impact);
      wr.Num("detection", &p.weights.detection);
      wr.Num("reports", &p.weights.reports);
      wr.Num("penalties", &p.weights.penalties);
      wr.Finish();
      lua_pop(L, 1);
    }
    r.Dur("check_interval", &p.check_interval);
    r.Dur("check_jitter", &p.check_jitter);
    r.Dur("check_timeout", &p.check_timeout);
    r.Int("sla_threshold", &p.sla_threshold);
    r.Num("sla_penalty", &p.sla_penalty);
    r.Num("sla_cap", &p.sla_cap);
    if (auto d = r.OneOf("ttd_decay", {"linear", "quadratic"})) {
      p.ttd_decay = *d == "linear" ? model::DecayShape::kLinear : model::DecayShape::kQuadratic;
    }
    r.Dur("ttd_full_credit", &p.ttd_full_credit);
    r.Dur("ttd_zero_credit", &p.ttd_zero_credit);
    r.Num("ttd_floor", &p.ttd_floor);
    r.Num("false_report_penalty", &p.false_report_penalty);
    r.Num("detection_refund", &p.detection_refund);
    r.Num("revert_penalty", &p.revert_penalty);
    r.Int("free_wrong_flags", &p.free_wrong_flags);
    r.Num("wrong_flag_penalty", &p.wrong_flag_penalty);
    r.Num("round_points", &p.round_points);
    r.Num("compromise_points", &p.compromise_points);
    r.Num("persist_rate", &p.persist_rate);
    r.Num("persist_cap", &p.persist_cap);
    r.Num("detection_points", &p.detection_points);
    r.Dur("detection_window", &p.detection_window);
    r.Dur("detection_slack", &p.detection_slack);
    r.Num("late_factor", &p.late_factor);
    r.Dur("late_grace", &p.late_grace);
    r.Finish();
  }

  void TeamDecl(Reader& r, const std::string& name) {
    model::Team t;
    t.name = name;
    t.loc = Loc(r.line());
    if (!r.Has("role")) {
      r.Error("field 'role' is required (white, red or blue)");
    } else if (auto role = r.OneOf("role", {"white", "red", "blue"})) {
      t.role = *role == "white" ? model::TeamRole::kWhite
               : *role == "red" ? model::TeamRole::kRed
                                : model::TeamRole::kBlue;
    }
    r.Str("display_name", &t.display_name);
    r.Str("organisation", &t.organisation);
    r.Int("members", &t.members);
    r.Finish();
    s->teams.push_back(std::move(t));
  }

  void NetworkDecl(Reader& r, const std::string& name) {
    model::Network n;
    n.name = name;
    n.loc = Loc(r.line());
    n.cidr = r.RequiredStr("cidr");
    if (auto z = r.OneOf("zone", {"per_team", "shared"})) {
      n.zone = *z == "shared" ? model::NetworkZone::kShared : model::NetworkZone::kPerTeam;
    }
    r.Str("description", &n.description);
    r.Finish();
    s->networks.push_back(std::move(n));
  }

  // ports: 80 | "80" | "8000-8080" | {80, 443, "8000-8080"}; one rule per range.
  void RuleDecl(Reader& r, const std::string& action) {
    model::FirewallRule base;
    base.loc = Loc(r.line());
    bool have_action = !action.empty();
    if (have_action) base.action = action == "allow" ? model::RuleAction::kAllow : model::RuleAction::kDeny;
    if (r.Has("allow")) {
      if (have_action) r.Error("field 'allow' conflicts with the allow/deny form");
      if (auto a = r.Bool("allow")) base.action = *a ? model::RuleAction::kAllow : model::RuleAction::kDeny;
      have_action = true;
    }
    if (r.Has("action")) {
      if (have_action) r.Error("field 'action' given twice (allow = ..., or allow/deny { ... })");
      if (auto a = r.OneOf("action", {"allow", "deny"})) {
        base.action = *a == "allow" ? model::RuleAction::kAllow : model::RuleAction::kDeny;
      }
      have_action = true;
    }
    if (!have_action) r.Error("needs allow = true/false (or write allow { ... } / deny { ... })");
    base.from = r.RequiredStr("from");
    base.to = r.RequiredStr("to");
    r.Str("description", &base.description);
    std::vector<std::pair<int, int>> ranges;
    ReadPorts(r, "ports", &ranges);
    ReadPorts(r, "port", &ranges);
    bool has_ports = !ranges.empty();
    base.protocol = has_ports ? "tcp" : "any";
    if (auto p = r.OneOf("protocol", {"tcp", "udp", "icmp", "any"})) base.protocol = *p;
    if (has_ports && (base.protocol == "icmp" || base.protocol == "any")) {
      r.Error(fmt::format("ports need protocol tcp or udp, not {}", base.protocol));
    }
    r.Finish();
    if (ranges.empty()) ranges.push_back({0, 0});
    for (auto [lo, hi] : ranges) {
      model::FirewallRule rule = base;
      rule.port_min = lo;
      rule.port_max = hi;
      s->rules.push_back(std::move(rule));
    }
  }

  bool ParsePortItem(Reader& r, const char* key, int idx, std::pair<int, int>* out) {
    auto in_range = [](int64_t p) { return p >= 1 && p <= 65535; };
    if (lua_isinteger(L, idx)) {
      int64_t p = lua_tointeger(L, idx);
      if (!in_range(p)) {
        r.Error(fmt::format("field '{}': port {} is out of range 1..65535", key, p));
        return false;
      }
      *out = {static_cast<int>(p), static_cast<int>(p)};
      return true;
    }
    if (lua_type(L, idx) == LUA_TSTRING) {
      std::string text = lua_tostring(L, idx);
      int lo = 0, hi = 0;
      char dash = 0;
      int n = std::sscanf(text.c_str(), "%d%c%d", &lo, &dash, &hi);
      if (n == 1) hi = lo;
      if ((n == 1 || (n == 3 && dash == '-')) && in_range(lo) && in_range(hi) && lo <= hi &&
          text.find_first_not_of("0123456789-") == std::string::npos) {
        *out = {lo, hi};
        return true;
      }
      r.Error(fmt::format("field '{}': '{}' is not a port or a range like \"8000-8080\"", key,
                          text));
      return false;
    }
    r.Error(fmt::format("field '{}' must hold port numbers, got {}", key, lua::TypeName(L, idx)));
    return false;
  }

  void ReadPorts(Reader& r, const char* key, std::vector<std::pair<int, int>>* out) {
    lua::StackGuard g(L);
    int t = r.Push(key);
    if (t == LUA_TNIL) return;
    int v = lua_gettop(L);
    std::pair<int, int> range;
    if (t == LUA_TTABLE) {
      lua_Integer n = static_cast<lua_Integer>(lua_rawlen(L, v));
      for (lua_Integer i = 1; i <= n; ++i) {
        lua_rawgeti(L, v, i);
        if (ParsePortItem(r, key, lua_gettop(L), &range)) out->push_back(range);
        lua_pop(L, 1);
      }
      return;
    }
    if (ParsePortItem(r, key, v, &range)) out->push_back(range);
  }

  void NodeDecl(Reader& r, const std::string& name, int body) {
    model::Node n;
    n.name = name;
    n.loc = Loc(r.line());
    n.template_name = r.RequiredStr("template");
    r.Int("security_level", &n.security_level);
    r.Num("value", &n.value);
    r.Str("role", &n.role);
    if (int res = r.PushTable("resources")) {
      Reader rr(L, res, r.what() + " resources", r.line(), sink);
      rr.Int("vcpus", &n.resources.vcpus);
      rr.Int("memory_mb", &n.resources.memory_mb);
      rr.Int("disk_gb", &n.resources.disk_gb);
      rr.Finish();
      lua_pop(L, 1);
    }
    r.Finish(/*allow_items=*/true);
    // Positional entries: iface{}, service ""{}, vuln ""{}, account{}, file{}.
    lua_Integer count = static_cast<lua_Integer>(lua_rawlen(L, body));
    for (lua_Integer i = 1; i <= count; ++i) {
      lua::StackGuard g(L);
      lua_rawgeti(L, body, i);
      int item = lua_gettop(L);
      if (!IsRecord(L, item)) {
        r.Error(fmt::format("entry {} is a {}, expected iface{{...}}, service \"name\" {{...}}, "
                            "vuln \"id\" {{...}}, account{{...}} or file{{...}}",
                            i, lua::TypeName(L, item)));
        continue;
      }
      visited.insert(lua_topointer(L, item));
      std::string kind = RawString(L, item, "kind");
      std::string sub = RawString(L, item, "name");
      int line = RawInt(L, item, "line");
      std::string what = kind == "service" || kind == "vuln"
                             ? fmt::format("node '{}' {} '{}'", name, kind, sub)
                             : fmt::format("node '{}' {}", name, kind);
      int b = PushBody(item, what, line);
      if (!b) continue;
      Reader sr(L, b, what, line, sink);
      if (kind == "iface") {
        model::Interface f;
        f.loc = Loc(line);
        f.network = sr.RequiredStr("network");
        f.address = sr.RequiredStr("address");
        sr.Finish();
        n.interfaces.push_back(std::move(f));
      } else if (kind == "service") {
        n.services.push_back(ServiceDecl(sr, name, sub, line));
      } else if (kind == "vuln") {
        model::Vulnerability v;
        v.id = sub;
        v.loc = Loc(line);
        sr.Str("cwe", &v.cwe);
        if (auto sev = sr.OneOf("severity", {"low", "medium", "high", "critical"})) {
          v.severity = *sev == "low"      ? model::Severity::kLow
                       : *sev == "medium" ? model::Severity::kMedium
                       : *sev == "high"   ? model::Severity::kHigh
                                          : model::Severity::kCritical;
        }
        sr.Str("service", &v.service);
        sr.Str("description", &v.description);
        sr.Num("cost", &v.exploit_cost);
        sr.Finish();
        n.vulnerabilities.push_back(std::move(v));
      } else if (kind == "account") {
        model::Account a;
        a.loc = Loc(line);
        a.user = sr.RequiredStr("user");
        a.password = sr.RequiredStr("password");
        sr.Bool("admin", &a.admin);
        sr.Finish();
        n.accounts.push_back(std::move(a));
      } else if (kind == "file") {
        model::PlantedFile f;
        f.loc = Loc(line);
        f.path = sr.RequiredStr("path");
        sr.Str("content", &f.content);
        sr.Str("source", &f.source);
        if (!sr.Has("content") && !sr.Has("source")) {
          sr.Error("needs content = \"...\" or source = \"file in the scenario folder\"");
        } else if (sr.Has("content") && sr.Has("source")) {
          sr.Error("give content or source, not both");
        }
        ReadMode(sr, &f.mode);
        sr.Finish();
        n.files.push_back(std::move(f));
      } else {
        r.Error(fmt::format("entry {}: {} cannot appear inside a node", i, kind));
      }
    }
    s->nodes.push_back(std::move(n));
  }

  // mode: 420 (decimal) or "0644" (octal text).
  void ReadMode(Reader& r, int* mode) {
    lua::StackGuard g(L);
    int t = r.Push("mode");
    if (t == LUA_TNIL) return;
    if (t == LUA_TSTRING) {
      std::string text = lua_tostring(L, -1);
      if (!text.empty() && text.size() <= 4 &&
          text.find_first_not_of("01234567") == std::string::npos) {
        *mode = static_cast<int>(std::stoi(text, nullptr, 8));
        return;
      }
      r.Error(fmt::format("field 'mode' must be octal text like \"0644\", got '{}'", text));
      return;
    }
    if (lua_isinteger(L, -1) && lua_tointeger(L, -1) >= 0 && lua_tointeger(L, -1) <= 07777) {
      *mode = static_cast<int>(lua_tointeger(L, -1));
      return;
    }
    r.Error("field 'mode' must be octal text like \"0644\"");
  }

  model::Service ServiceDecl(Reader& r, const std::string& node, const std::string& name, int line) {
    model::Service sv;
    sv.name = name;
    sv.loc = Loc(line);
    if (!r.Has("port")) r.Error("field 'port' is required");
    r.Int("port", &sv.port);
    sv.protocol = "tcp";
    if (auto p = r.OneOf("protocol", {"tcp", "udp"})) sv.protocol = *p;
    sv.reachable_from = r.StrList("reachable_from");
    if (int c = r.PushTable("check")) {
      Reader cr(L, c, r.what() + " check", line, sink);
      model::HealthCheck& h = sv.check;
      h.loc = Loc(line);
      if (!cr.Has("kind")) cr.Error("field 'kind' is required");
      if (auto k = cr.OneOf("kind", {"http", "tcp", "dns", "smtp", "ftp", "ssh", "telnet", "lua"})) {
        h.kind = *k;
      }
      cr.Str("path", &h.path);
      cr.Int("status", &h.expect_status);
      cr.Str("expect", &h.expect);
      cr.Str("query", &h.query);
      bool has_run = cr.Fn("run");
      if (h.kind == "lua") {
        if (!has_run) cr.Error("a lua check needs run = function(ctx) ... end");
        h.lua_check = node + "/" + name;
        if (has_run && fn_sink) {
          lua::StackGuard g(L);
          cr.Push("run");
          fn_sink(FunctionKind::kCheck, h.lua_check, lua_gettop(L));
        }
      } else if (has_run) {
        cr.Error("run = function is only used with kind = \"lua\"");
      }
      cr.Finish();
      lua_pop(L, 1);
    }
    r.Finish();
    return sv;
  }

  void ObjectiveDecl(Reader& r, const std::string& name) {
    model::Objective o;
    o.name = name;
    o.loc = Loc(r.line());
    if (!r.Has("kind")) r.Error("field 'kind' is required");
    if (auto k = r.OneOf("kind",
                         {"read_flag", "deface", "exfiltrate", "persist", "keep_available"})) {
      o.kind = *k == "read_flag"    ? model::ObjectiveKind::kReadFlag
               : *k == "deface"     ? model::ObjectiveKind::kDeface
               : *k == "exfiltrate" ? model::ObjectiveKind::kExfiltrate
               : *k == "persist"    ? model::ObjectiveKind::kPersist
                                    : model::ObjectiveKind::kKeepAvailable;
    }
    o.node = r.RequiredStr("node");
    r.Str("service", &o.service);
    r.Str("path", &o.path);
    r.Str("flag", &o.flag);
    r.Num("points", &o.points);
    r.Str("description", &o.description);
    r.Finish();
    s->objectives.push_back(std::move(o));
  }

  void InjectDecl(Reader& r, const std::string& name) {
    model::Inject in;
    in.name = name;
    in.loc = Loc(r.line());
    in.trigger.loc = in.loc;
    if (!r.Has("owner")) r.Error("field 'owner' is required (red, blue or white)");
    if (auto o = r.OneOf("owner", {"red", "blue", "white"})) {
      in.owner = *o == "red" ? model::InjectOwner::kRed
                 : *o == "blue" ? model::InjectOwner::kBlue
                                : model::InjectOwner::kWhite;
    }
    r.Str("description", &in.description);
    r.Str("technique", &in.technique);
    r.Str("target", &in.target);
    std::vector<std::string> triggers;
    if (auto at = r.Dur("at")) {
      in.trigger.kind = model::TriggerKind::kAt;
      in.trigger.at = *at;
      triggers.push_back("at");
    } else if (r.Has("at")) {
      triggers.push_back("at");
    }
    if (r.Has("after")) {
      triggers.push_back("after");
      in.trigger.kind = model::TriggerKind::kAfter;
      lua::StackGuard g(L);
      int t = r.Push("after");
      if (t == LUA_TSTRING) {
        in.trigger.after = lua_tostring(L, -1);
      } else if (t == LUA_TTABLE) {
        Reader ar(L, lua_gettop(L), r.what() + " after", r.line(), sink);
        in.trigger.after = ar.RequiredStr("inject");
        if (auto on = ar.OneOf("on", {"success", "failure", "completion"})) {
          in.trigger.on = *on == "success"   ? model::AfterOutcome::kSuccess
                          : *on == "failure" ? model::AfterOutcome::kFailure
                                             : model::AfterOutcome::kCompletion;
        }
        ar.Dur("delay", &in.trigger.delay);
        ar.Finish();
      } else {
        r.Error(fmt::format("field 'after' must be an inject name or {{ inject = \"name\", "
                            "on = \"success\", delay = \"5m\" }}, got {}",
                            lua::TypeName(L, -1)));
      }
    }
    in.has_condition = r.Fn("when");
    if (r.Has("when")) {
      triggers.push_back("when");
      in.trigger.kind = model::TriggerKind::kCondition;
      in.trigger.poll_interval = Duration::Seconds(30);
    }
    r.Dur("poll", &in.trigger.poll_interval);
    if (r.Has("poll") && !r.Has("when")) r.Error("field 'poll' needs a when = function trigger");
    bool manual = false;
    r.Bool("manual", &manual);
    if (manual) {
      triggers.push_back("manual");
      in.trigger.kind = model::TriggerKind::kManual;
    }
    if (triggers.size() > 1) {
      r.Error(fmt::format("has more than one trigger ({}): use exactly one of at, after, when, "
                          "manual",
                          fmt::join(triggers, ", ")));
    }
    in.has_body = r.Fn("run");
    if (fn_sink) {
      lua::StackGuard g(L);
      if (in.has_body && r.Push("run") == LUA_TFUNCTION) {
        fn_sink(FunctionKind::kInjectBody, name, lua_gettop(L));
      }
      lua_settop(L, g.top());
      if (in.has_condition && r.Push("when") == LUA_TFUNCTION) {
        fn_sink(FunctionKind::kInjectCondition, name, lua_gettop(L));
      }
    }
    r.Int("repeats", &in.repeat_count);
    r.Dur("every", &in.repeat_interval);
    r.Bool("until_success", &in.until_success);
    {
      lua::StackGuard g(L);
      int t = r.Push("points");
      if (t == LUA_TNUMBER) {
        in.points_success = lua_tonumber(L, -1);
      } else if (t == LUA_TTABLE) {
        Reader pr(L, lua_gettop(L), r.what() + " points", r.line(), sink);
        pr.Num("success", &in.points_success);
        pr.Num("failure", &in.points_failure);
        pr.Finish();
      } else if (t != LUA_TNIL) {
        r.Error(fmt::format("field 'points' must be a number or {{ success = n, failure = n }}, "
                            "got {}",
                            lua::TypeName(L, -1)));
      }
    }
    r.Dur("response_due", &in.response_due);
    r.Finish();
    s->injects.push_back(std::move(in));
  }

  void Walk() {
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
      if (kind == "scenario") {
        if (saw_scenario) {
          sink.Add(line, fmt::format("scenario {{ ... }} is declared twice (first at {})",
                                     s->meta.loc.ToString()));
          continue;
        }
        saw_scenario = true;
        MetaDecl(r);
      } else if (kind == "scoring") {
        if (saw_scoring) {
          sink.Add(line, fmt::format("scoring {{ ... }} is declared twice (first at {})",
                                     s->scoring.loc.ToString()));
          continue;
        }
        saw_scoring = true;
        ScoringDecl(r);
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
};

}  // namespace

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
