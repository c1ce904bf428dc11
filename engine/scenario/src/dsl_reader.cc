// Reading one Lua table field by field, without raising: every problem
// becomes a diagnostic.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>

#include "dsl_internal.h"
#include "livefire/lua/state.h"

namespace livefire::scenario::dsl {

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
    case LUA_TSTRING:
      return fmt::format("'{}'", lua_tostring(L, idx));
    case LUA_TNUMBER:
      return lua_isinteger(L, idx) ? std::to_string(lua_tointeger(L, idx))
                                   : fmt::format("{}", lua_tonumber(L, idx));
    default:
      return lua::TypeName(L, idx);
  }
}

int Reader::Push(const char* key) {
  known_.insert(key);
  lua_pushstring(L_, key);
  return lua_rawget(L_, t_);
}

bool Reader::Has(const char* key) {
  lua::StackGuard g(L_);
  return Push(key) != LUA_TNIL;
}

std::optional<std::string> Reader::Str(const char* key) {
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

void Reader::Str(const char* key, std::string* out) {
  if (auto v = Str(key)) *out = *v;
}

std::string Reader::RequiredStr(const char* key) {
  if (!Has(key)) {
    Error(fmt::format("field '{}' is required", key));
    return "";
  }
  return Str(key).value_or("");
}

std::optional<double> Reader::Num(const char* key) {
  lua::StackGuard g(L_);
  int t = Push(key);
  if (t == LUA_TNIL) return std::nullopt;
  if (t != LUA_TNUMBER) {
    TypeError(key, "a number");
    return std::nullopt;
  }
  return lua_tonumber(L_, -1);
}

void Reader::Num(const char* key, double* out) {
  if (auto v = Num(key)) *out = *v;
}

std::optional<int64_t> Reader::Int(const char* key) {
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

void Reader::Int(const char* key, int* out) {
  if (auto v = Int(key)) *out = static_cast<int>(*v);
}

std::optional<bool> Reader::Bool(const char* key) {
  lua::StackGuard g(L_);
  int t = Push(key);
  if (t == LUA_TNIL) return std::nullopt;
  if (t != LUA_TBOOLEAN) {
    TypeError(key, "a boolean (true or false)");
    return std::nullopt;
  }
  return lua_toboolean(L_, -1) != 0;
}

void Reader::Bool(const char* key, bool* out) {
  if (auto v = Bool(key)) *out = *v;
}

std::optional<Duration> Reader::Dur(const char* key) {
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

void Reader::Dur(const char* key, Duration* out) {
  if (auto v = Dur(key)) *out = *v;
}

std::vector<std::string> Reader::StrList(const char* key) {
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

std::optional<std::string> Reader::OneOf(const char* key, const std::vector<std::string>& allowed) {
  auto v = Str(key);
  if (!v) return std::nullopt;
  if (std::find(allowed.begin(), allowed.end(), *v) == allowed.end()) {
    std::string hint = Suggest(*v, allowed);
    Error(fmt::format("field '{}' must be one of {}, got '{}'{}", key, fmt::join(allowed, ", "), *v,
                      hint.empty() ? "" : fmt::format(" (did you mean '{}'?)", hint)));
    return std::nullopt;
  }
  return v;
}

bool Reader::Fn(const char* key) {
  lua::StackGuard g(L_);
  int t = Push(key);
  if (t == LUA_TNIL) return false;
  if (t != LUA_TFUNCTION) {
    TypeError(key, "a function");
    return false;
  }
  return true;
}

int Reader::PushTable(const char* key) {
  int t = Push(key);
  if (t == LUA_TTABLE) return lua_gettop(L_);
  if (t != LUA_TNIL) TypeError(key, "a table");
  lua_pop(L_, 1);
  return 0;
}

void Reader::Finish(bool allow_items) {
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
      Error(
          fmt::format("unexpected entry [{}] (fields are written name = value)", Describe(L_, -2)));
    }
    lua_pop(L_, 1);
  }
}

void Reader::TypeError(const char* key, std::string_view expected) {
  Error(fmt::format("field '{}' must be {}, got {}", key, expected, lua::TypeName(L_, -1)));
}

}  // namespace livefire::scenario::dsl
