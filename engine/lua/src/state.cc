#include "livefire/lua/state.h"

#include <fmt/format.h>

#include <cmath>
#include <cstdlib>
#include <lua.hpp>

namespace livefire::lua {

State& State::operator=(State&& o) noexcept {
  if (this != &o) {
    if (L_) lua_close(L_);
    L_ = o.L_;
    o.L_ = nullptr;
  }
  return *this;
}

State::~State() {
  if (L_) lua_close(L_);
}

Result<State> State::Create() {
  lua_State* L = luaL_newstate();
  if (!L) return Status::ResourceExhausted("cannot create a Lua state (out of memory)");
  return State(L);
}

StackGuard::StackGuard(lua_State* L) : L_(L), top_(lua_gettop(L)) {}
StackGuard::~StackGuard() { lua_settop(L_, top_); }

Ref::Ref(lua_State* L, int idx) {
  // The registry is shared by every thread, but a coroutine's lua_State dies
  // with the coroutine: keep the main thread's, which lives as long as the
  // state (a ctx.after callback outlives the coroutine that armed it).
  lua_rawgeti(L, LUA_REGISTRYINDEX, LUA_RIDX_MAINTHREAD);
  L_ = lua_tothread(L, -1);
  lua_pop(L, 1);
  lua_pushvalue(L, idx);
  ref_ = luaL_ref(L, LUA_REGISTRYINDEX);
}

Ref& Ref::operator=(Ref&& o) noexcept {
  if (this != &o) {
    if (L_) luaL_unref(L_, LUA_REGISTRYINDEX, ref_);
    L_ = o.L_;
    ref_ = o.ref_;
    o.L_ = nullptr;
  }
  return *this;
}

Ref::~Ref() {
  if (L_) luaL_unref(L_, LUA_REGISTRYINDEX, ref_);
}

void Ref::Push(lua_State* L) const {
  if (!L_) {
    lua_pushnil(L);
    return;
  }
  lua_rawgeti(L, LUA_REGISTRYINDEX, ref_);
}

ScriptError ParseScriptError(std::string_view message) {
  ScriptError e;
  e.message = std::string(message);
  // "file:line: text" where file may itself contain ':' (rare): take the
  // first ":<digits>:" occurrence.
  for (size_t i = message.find(':'); i != std::string_view::npos; i = message.find(':', i + 1)) {
    size_t j = i + 1;
    while (j < message.size() && message[j] >= '0' && message[j] <= '9') ++j;
    if (j > i + 1 && j < message.size() && message[j] == ':') {
      e.file = std::string(message.substr(0, i));
      e.line = std::atoi(std::string(message.substr(i + 1, j - i - 1)).c_str());
      break;
    }
  }
  return e;
}

namespace {

// Message handler: keeps the message, appends a traceback after a marker
// that PCall splits off again.
constexpr std::string_view kTracebackMarker = "\n\x01traceback\n";

int TracebackHandler(lua_State* L) {
  const char* msg = lua_tostring(L, 1);
  if (!msg) {
    if (luaL_callmeta(L, 1, "__tostring") && lua_type(L, -1) == LUA_TSTRING) {
      msg = lua_tostring(L, -1);
    } else {
      msg = lua_pushfstring(L, "(error object is a %s value)", luaL_typename(L, 1));
    }
  }
  luaL_traceback(L, L, nullptr, 1);
  lua_pushfstring(L, "%s%s%s", msg, kTracebackMarker.data(), lua_tostring(L, -1));
  return 1;
}

}  // namespace

Status PCall(lua_State* L, int nargs, int nresults, ScriptError* error) {
  int base = lua_gettop(L) - nargs;  // index of the function
  lua_pushcfunction(L, TracebackHandler);
  lua_insert(L, base);
  int rc = lua_pcall(L, nargs, nresults, base);
  lua_remove(L, base);
  if (rc == LUA_OK) return Status::Ok();
  size_t len = 0;
  const char* s = lua_tolstring(L, -1, &len);
  std::string text = s ? std::string(s, len) : std::string("(error object is not a string)");
  lua_pop(L, 1);
  std::string traceback;
  if (size_t at = text.find(kTracebackMarker); at != std::string::npos) {
    traceback = text.substr(at + kTracebackMarker.size());
    text.resize(at);
  }
  ScriptError e = ParseScriptError(text);
  e.traceback = std::move(traceback);
  Status st = rc == LUA_ERRMEM ? Status::ResourceExhausted(e.message)
                               : Status::InvalidArgument(e.message);
  if (error) *error = std::move(e);
  return st;
}

std::string TypeName(lua_State* L, int idx) {
  if (lua_type(L, idx) == LUA_TNUMBER) return lua_isinteger(L, idx) ? "integer" : "number";
  return lua_typename(L, lua_type(L, idx));
}

std::string CallerLocation(lua_State* L, int level) {
  lua_Debug ar;
  if (!lua_getstack(L, level, &ar)) return "";
  lua_getinfo(L, "Sl", &ar);
  if (ar.currentline <= 0) return "";
  std::string src = ar.source && ar.source[0] == '@' ? ar.source + 1 : ar.short_src;
  return fmt::format("{}:{}", src, ar.currentline);
}

int CallerLine(lua_State* L, int level) {
  lua_Debug ar;
  if (!lua_getstack(L, level, &ar)) return 0;
  lua_getinfo(L, "l", &ar);
  return ar.currentline > 0 ? ar.currentline : 0;
}

namespace {

std::string Where(std::string_view where) {
  return where.empty() ? std::string() : std::string(where) + ": ";
}

// Pushes t[key] without metamethods. lua_pushstring of a key allocates only
// through the allocator; host code runs without a budget (see sandbox.h).
int RawField(lua_State* L, int table, const char* key) {
  table = lua_absindex(L, table);
  lua_pushstring(L, key);
  return lua_rawget(L, table);
}

Status TypeError(lua_State* L, int idx, std::string_view where, std::string_view what,
                 std::string_view expected) {
  return Status::InvalidArgument(fmt::format("{}{} must be {}, got {}", Where(where), what,
                                             expected, TypeName(L, idx)));
}

}  // namespace

Result<std::string> ToString(lua_State* L, int idx, std::string_view what) {
  if (lua_type(L, idx) != LUA_TSTRING) return TypeError(L, idx, "", what, "a string");
  size_t len = 0;
  const char* s = lua_tolstring(L, idx, &len);
  return std::string(s, len);
}

Result<int64_t> ToInteger(lua_State* L, int idx, std::string_view what) {
  if (lua_type(L, idx) != LUA_TNUMBER) return TypeError(L, idx, "", what, "an integer");
  int isnum = 0;
  lua_Integer v = lua_tointegerx(L, idx, &isnum);
  if (!isnum) {
    return Status::InvalidArgument(
        fmt::format("{} must be an integer, got {}", what, lua_tonumber(L, idx)));
  }
  return static_cast<int64_t>(v);
}

Result<double> ToNumber(lua_State* L, int idx, std::string_view what) {
  if (lua_type(L, idx) != LUA_TNUMBER) return TypeError(L, idx, "", what, "a number");
  return static_cast<double>(lua_tonumber(L, idx));
}

Result<std::optional<std::string>> GetOptionalString(lua_State* L, int table, const char* key,
                                                     std::string_view where) {
  StackGuard g(L);
  if (RawField(L, table, key) == LUA_TNIL) return std::optional<std::string>();
  auto v = ToString(L, -1, fmt::format("field '{}'", key));
  if (!v.ok()) return Status::InvalidArgument(Where(where) + v.status().message());
  return std::optional<std::string>(std::move(*v));
}

Result<std::optional<int64_t>> GetOptionalInteger(lua_State* L, int table, const char* key,
                                                  std::string_view where) {
  StackGuard g(L);
  if (RawField(L, table, key) == LUA_TNIL) return std::optional<int64_t>();
  auto v = ToInteger(L, -1, fmt::format("field '{}'", key));
  if (!v.ok()) return Status::InvalidArgument(Where(where) + v.status().message());
  return std::optional<int64_t>(*v);
}

Result<std::optional<double>> GetOptionalNumber(lua_State* L, int table, const char* key,
                                                std::string_view where) {
  StackGuard g(L);
  if (RawField(L, table, key) == LUA_TNIL) return std::optional<double>();
  auto v = ToNumber(L, -1, fmt::format("field '{}'", key));
  if (!v.ok()) return Status::InvalidArgument(Where(where) + v.status().message());
  return std::optional<double>(*v);
}

Result<std::optional<bool>> GetOptionalBool(lua_State* L, int table, const char* key,
                                            std::string_view where) {
  StackGuard g(L);
  if (RawField(L, table, key) == LUA_TNIL) return std::optional<bool>();
  if (lua_type(L, -1) != LUA_TBOOLEAN) {
    return TypeError(L, -1, where, fmt::format("field '{}'", key), "a boolean");
  }
  return std::optional<bool>(lua_toboolean(L, -1) != 0);
}

namespace {
template <typename T>
Result<T> Required(Result<std::optional<T>> r, const char* key, std::string_view where) {
  if (!r.ok()) return r.status();
  if (!r->has_value()) {
    return Status::InvalidArgument(fmt::format("{}field '{}' is required", Where(where), key));
  }
  return std::move(**r);
}
}  // namespace

Result<std::string> GetString(lua_State* L, int table, const char* key, std::string_view where) {
  return Required(GetOptionalString(L, table, key, where), key, where);
}
Result<int64_t> GetInteger(lua_State* L, int table, const char* key, std::string_view where) {
  return Required(GetOptionalInteger(L, table, key, where), key, where);
}
Result<double> GetNumber(lua_State* L, int table, const char* key, std::string_view where) {
  return Required(GetOptionalNumber(L, table, key, where), key, where);
}
Result<bool> GetBool(lua_State* L, int table, const char* key, std::string_view where) {
  return Required(GetOptionalBool(L, table, key, where), key, where);
}

}  // namespace livefire::lua
