// Declarations that shape the range: networks, firewall rules, nodes and
// their services.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>

#include "dsl_internal.h"
#include "livefire/lua/state.h"

namespace livefire::scenario::dsl {

void Walker::NetworkDecl(Reader& r, const std::string& name) {
  model::Network n;
  n.name = name;
  n.loc = Loc(r.line());
  n.cidr = r.RequiredStr("cidr");
  if (auto z = r.Enum<model::NetworkZone>("zone", {{"per_team", model::NetworkZone::kPerTeam},
                                                   {"shared", model::NetworkZone::kShared}})) {
    n.zone = *z;
  }
  r.Str("description", &n.description);
  r.Finish();
  s->networks.push_back(std::move(n));
}

void Walker::RuleDecl(Reader& r, const std::string& action) {
  model::FirewallRule base;
  base.loc = Loc(r.line());
  bool have_action = !action.empty();
  if (have_action)
    base.action = action == "allow" ? model::RuleAction::kAllow : model::RuleAction::kDeny;
  if (r.Has("allow")) {
    if (have_action) r.Error("field 'allow' conflicts with the allow/deny form");
    if (auto a = r.Bool("allow"))
      base.action = *a ? model::RuleAction::kAllow : model::RuleAction::kDeny;
    have_action = true;
  }
  if (r.Has("action")) {
    if (have_action) r.Error("field 'action' given twice (allow = ..., or allow/deny { ... })");
    if (auto a = r.Enum<model::RuleAction>(
            "action", {{"allow", model::RuleAction::kAllow}, {"deny", model::RuleAction::kDeny}})) {
      base.action = *a;
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

bool Walker::ParsePortItem(Reader& r, const char* key, int idx, std::pair<int, int>* out) {
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
    r.Error(fmt::format("field '{}': '{}' is not a port or a range like \"8000-8080\"", key, text));
    return false;
  }
  r.Error(fmt::format("field '{}' must hold port numbers, got {}", key, lua::TypeName(L, idx)));
  return false;
}

void Walker::ReadPorts(Reader& r, const char* key, std::vector<std::pair<int, int>>* out) {
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

void Walker::NodeDecl(Reader& r, const std::string& name, int body) {
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
      r.Error(
          fmt::format("entry {} is a {}, expected iface{{...}}, service \"name\" {{...}}, "
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
      if (auto sev =
              sr.Enum<model::Severity>("severity", {{"low", model::Severity::kLow},
                                                    {"medium", model::Severity::kMedium},
                                                    {"high", model::Severity::kHigh},
                                                    {"critical", model::Severity::kCritical}})) {
        v.severity = *sev;
      }
      sr.Str("service", &v.service);
      sr.Str("description", &v.description);
      sr.Num("cost", &v.exploit_cost);
      VulnModel(sr, &v);
      if (int t = sr.PushTable("sim")) {
        Reader pr(L, t, what + " sim", line, sink);
        v.sim.success = pr.Num("success");
        v.sim.time_to_exploit = pr.Dur("time_to_exploit");
        v.sim.detect = pr.Num("detect");
        v.sim.detect_delay = pr.Dur("detect_delay");
        v.sim.time_to_patch = pr.Dur("time_to_patch");
        v.sim.block = pr.Num("block");
        v.sim.time_to_block = pr.Dur("time_to_block");
        for (auto p : {v.sim.success, v.sim.detect, v.sim.block}) {
          if (p && (*p < 0 || *p > 1))
            pr.Error("success, detect and block are probabilities in [0, 1]");
        }
        pr.Finish();
        lua_pop(L, 1);
      }
      sr.Finish();
      n.vulnerabilities.push_back(std::move(v));
    } else if (kind == "account") {
      model::Account a;
      a.loc = Loc(line);
      a.user = sr.RequiredStr("user");
      a.password = sr.RequiredStr("password");
      sr.Bool("admin", &a.admin);
      sr.Str("credential", &a.credential);
      a.login = sr.StrList("login");
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

void Walker::ReadMode(Reader& r, int* mode) {
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

void Walker::VulnModel(Reader& r, model::Vulnerability* v) {
  std::optional<model::VulnEffect> effect =
      r.Enum<model::VulnEffect>("effect", {{"foothold", model::VulnEffect::kFoothold},
                                           {"credentials", model::VulnEffect::kCredentials},
                                           {"information", model::VulnEffect::kInformation},
                                           {"privesc", model::VulnEffect::kPrivesc}});
  auto privilege = [&](const char* key, model::Privilege* out) {
    if (auto p = r.Enum<model::Privilege>(
            key, {{"user", model::Privilege::kUser}, {"root", model::Privilege::kRoot}})) {
      *out = *p;
    }
  };
  privilege("gives", &v->gives);
  privilege("needs", &v->needs);
  r.Str("credential", &v->credential);
  // yields = "name" | { "a", "b" } | { credential = "name" or { ... } }.
  bool record = false;
  {
    lua::StackGuard g(L);
    if (r.Push("yields") == LUA_TTABLE) {
      lua_pushstring(L, "credential");
      record = lua_rawget(L, -2) != LUA_TNIL;
    }
  }
  if (record) {
    int y = r.PushTable("yields");
    Reader yr(L, y, r.what() + " yields", r.line(), sink);
    v->yields = yr.StrList("credential");
    yr.Finish();
    lua_pop(L, 1);
  } else {
    v->yields = r.StrList("yields");
  }
  if (effect) {
    v->effect = *effect;
  } else if (!v->yields.empty()) {
    v->effect = model::VulnEffect::kCredentials;
  } else {
    // A local weakness claims nothing it was not told to.
    v->effect = v->service.empty() ? model::VulnEffect::kInformation : model::VulnEffect::kFoothold;
  }
}

model::Service Walker::ServiceDecl(Reader& r, const std::string& node, const std::string& name,
                                   int line) {
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

}  // namespace livefire::scenario::dsl
