#include "livefire/lua/sandbox.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <lua.hpp>
#include <sstream>

#include "pattern.h"

namespace livefire::lua {

namespace {
// How often the count hook runs (VM instructions).
constexpr int kHookStep = 1000;
// Extra bytes our own error handler may use after the memory budget is
// exhausted, so that it can still name the place and build the traceback.
constexpr size_t kHandlerSlack = size_t{256} << 10;
}  // namespace

struct Sandbox::Impl {
  SandboxOptions options;
  std::string article_name;  // "a scenario", "an inject": for messages
  size_t used = 0;
  bool enforcing = false;     // budgets apply (inside Load/Call)
  bool refused_once = false;  // the last growth was refused (see Alloc)
  bool memory_exceeded = false;
  bool instructions_exceeded = false;
  bool interrupted = false;  // options.interrupt was seen set during this call
  bool in_handler = false;  // our message handler runs: allow the slack
  int64_t instructions = 0;
  // Where the memory budget broke ("file:line: "), captured by the allocator
  // because Lua raises memory errors without calling the message handler.
  char breach_where[512] = {0};
  lua_State* L = nullptr;
  // Declared last so that lua_close (which frees through Alloc) runs while
  // the counters above still exist.
  State state;

  bool BudgetExceeded() const { return memory_exceeded || instructions_exceeded || interrupted; }
  // After a protected call failed: was it a budget breach? A refusal that no
  // GC retry rescued (e.g. a luaL_Buffer growth, which is not retried) counts.
  bool FailedOnBudget() {
    if (refused_once) memory_exceeded = true;
    return BudgetExceeded();
  }
};

namespace {

void CountHook(lua_State* L, lua_Debug*);

// "file:line: " of the innermost Lua frame at or above `level` ("" if none).
// Reads the call stack only: safe inside the allocator and hooks.
void FormatWhere(lua_State* L, int level, char* out, size_t size) {
  out[0] = 0;
  lua_Debug ar;
  for (; lua_getstack(L, level, &ar); ++level) {
    lua_getinfo(L, "Sl", &ar);
    if (ar.currentline > 0) {
      const char* src = ar.source && ar.source[0] == '@' ? ar.source + 1 : ar.short_src;
      std::snprintf(out, size, "%s:%d: ", src, ar.currentline);
      return;
    }
  }
}

bool HasLocation(const char* message) { return message && !ParseScriptError(message).file.empty(); }

Sandbox::Impl* GetImpl(lua_State* L) {
  void* ud = nullptr;
  lua_getallocf(L, &ud);
  return static_cast<Sandbox::Impl*>(ud);
}

void* Alloc(void* ud, void* ptr, size_t osize, size_t nsize) {
  auto* impl = static_cast<Sandbox::Impl*>(ud);
  // When ptr is null, osize encodes the object type, not a size.
  size_t old = ptr ? osize : 0;
  if (nsize == 0) {
    impl->used -= old;
    std::free(ptr);
    return nullptr;
  }
  if (nsize > old && impl->enforcing) {
    size_t limit = impl->options.memory_limit + (impl->in_handler ? kHandlerSlack : 0);
    if ((impl->memory_exceeded && !impl->in_handler) || impl->used - old + nsize > limit) {
      // The first refusal lets Lua run its emergency full GC and retry; a
      // second refusal in a row is a real breach. From then on every growth
      // fails until the call returns, so a pcall that caught the error
      // cannot allocate its way on.
      if (!impl->refused_once) {
        impl->refused_once = true;
        if (impl->L) FormatWhere(impl->L, 0, impl->breach_where, sizeof impl->breach_where);
      } else {
        impl->memory_exceeded = true;
      }
      return nullptr;
    }
  }
  void* p = std::realloc(ptr, nsize);
  if (p) {
    impl->used = impl->used - old + nsize;
    if (nsize > old) impl->refused_once = false;
  }
  return p;
}

// Raises the instruction-budget error at the innermost Lua frame. From the
// first breach on, the hook errors on every instruction (also inside pcall
// handlers), so the error cannot be swallowed.
[[noreturn]] void RaiseInstructionBudget(lua_State* L, Sandbox::Impl* impl) {
  if (!impl->instructions_exceeded) {
    impl->instructions_exceeded = true;
    lua_sethook(L, CountHook, LUA_MASKCOUNT, 1);
  }
  char where[512];
  FormatWhere(L, 0, where, sizeof where);
  lua_pushfstring(L, "%sinstruction budget of %I instructions exceeded", where,
                  static_cast<lua_Integer>(impl->options.instruction_limit));
  lua_error(L);
  std::abort();  // lua_error does not return
}

// Raises the interrupt error; like a budget breach, from then on on every
// instruction, so that pcall cannot swallow it.
[[noreturn]] void RaiseInterrupt(lua_State* L, Sandbox::Impl* impl) {
  if (!impl->interrupted) {
    impl->interrupted = true;
    lua_sethook(L, CountHook, LUA_MASKCOUNT, 1);
  }
  char where[512];
  FormatWhere(L, 0, where, sizeof where);
  lua_pushfstring(L, "%sinterrupted: %s", where, impl->options.interrupt_reason.c_str());
  lua_error(L);
  std::abort();  // lua_error does not return
}

void CountHook(lua_State* L, lua_Debug*) {
  auto* impl = GetImpl(L);
  if (!impl->enforcing) return;
  if (impl->interrupted ||
      (impl->options.interrupt && impl->options.interrupt->load(std::memory_order_relaxed))) {
    RaiseInterrupt(L, impl);
  }
  if (!impl->instructions_exceeded) {
    impl->instructions += kHookStep;
    if (impl->instructions <= impl->options.instruction_limit) return;
  }
  RaiseInstructionBudget(L, impl);
}

// Steps of our pattern matcher (pattern.cc) count as instructions: liblua's
// matcher runs in C where the count hook never fires.
void ChargePatternSteps(lua_State* L, int64_t steps) {
  auto* impl = GetImpl(L);
  if (!impl->enforcing) return;
  if (!impl->instructions_exceeded) {
    impl->instructions += steps;
    if (impl->instructions <= impl->options.instruction_limit) return;
  }
  RaiseInstructionBudget(L, impl);
}

// The message handler of Sandbox::Call: same output format as lua::PCall's.
// It may use a little memory beyond the budget to build the traceback.
int SandboxHandler(lua_State* L) {
  auto* impl = GetImpl(L);
  impl->in_handler = true;
  if (!lua_isstring(L, 1)) {
    lua_pushfstring(L, "(error object is a %s value)", luaL_typename(L, 1));
    lua_replace(L, 1);
  }
  // Errors raised in C without a Lua frame to blame ("C stack overflow",
  // non-string error objects) get the innermost script line.
  if (!HasLocation(lua_tostring(L, 1))) {
    char where[512];
    FormatWhere(L, 1, where, sizeof where);
    lua_pushfstring(L, "%s%s", where, lua_tostring(L, 1));
    lua_replace(L, 1);
  }
  luaL_traceback(L, L, nullptr, 1);
  lua_pushfstring(L, "%s\n\x01traceback\n%s", lua_tostring(L, 1), lua_tostring(L, -1));
  impl->in_handler = false;
  return 1;
}

// pcall/xpcall that cannot swallow a budget error.
int SafePcall(lua_State* L) {
  luaL_checkany(L, 1);
  int status = lua_pcall(L, lua_gettop(L) - 1, LUA_MULTRET, 0);
  if (status != LUA_OK && GetImpl(L)->FailedOnBudget()) return lua_error(L);
  luaL_checkstack(L, 1, nullptr);
  lua_pushboolean(L, status == LUA_OK);
  lua_insert(L, 1);
  return lua_gettop(L);
}

// Wraps a script's xpcall handler: after a budget breach it must not run,
// because Lua calls it with debug hooks off (it could loop forever).
int GuardedHandler(lua_State* L) {
  if (GetImpl(L)->FailedOnBudget()) return 1;  // the error object, unchanged
  lua_pushvalue(L, lua_upvalueindex(1));
  lua_insert(L, 1);
  lua_call(L, lua_gettop(L) - 1, 1);
  return 1;
}

int SafeXpcall(lua_State* L) {
  int n = lua_gettop(L);
  luaL_checktype(L, 2, LUA_TFUNCTION);
  lua_pushvalue(L, 2);
  lua_pushcclosure(L, GuardedHandler, 1);  // handler
  lua_copy(L, 1, 2);                       // function into slot 2
  lua_replace(L, 1);                       // handler into slot 1
  int status = lua_pcall(L, n - 2, LUA_MULTRET, 1);
  if (status != LUA_OK && GetImpl(L)->FailedOnBudget()) return lua_error(L);
  lua_pushboolean(L, status == LUA_OK);
  lua_replace(L, 1);  // replaces the handler
  return lua_gettop(L);
}

// setmetatable without __gc: finalizers run with debug hooks off, so the
// instruction budget could not stop them.
int SafeSetmetatable(lua_State* L) {
  if (lua_type(L, 2) == LUA_TTABLE) {
    lua_pushliteral(L, "__gc");
    if (lua_rawget(L, 2) != LUA_TNIL) {
      return luaL_error(L, "__gc metamethods are not allowed in %s sandbox",
                        lua_tostring(L, lua_upvalueindex(2)));
    }
    lua_pop(L, 1);
  }
  lua_pushvalue(L, lua_upvalueindex(1));
  lua_insert(L, 1);
  lua_call(L, lua_gettop(L) - 1, 1);
  return 1;
}

// __index/__newindex of a blocked library: "os.execute is not allowed ...".
int BlockedLibraryAccess(lua_State* L) {
  const char* lib = lua_tostring(L, lua_upvalueindex(1));
  const char* sandbox = lua_tostring(L, lua_upvalueindex(2));
  const char* key = luaL_tolstring(L, 2, nullptr);
  return luaL_error(L, "%s.%s is not allowed in %s sandbox", lib, key, sandbox);
}

// __index of _G and of string: names removed from a library.
int BlockedNameAccess(lua_State* L) {
  const char* prefix = lua_tostring(L, lua_upvalueindex(1));  // "" or "string."
  const char* sandbox = lua_tostring(L, lua_upvalueindex(2));
  if (lua_type(L, 2) == LUA_TSTRING) {
    lua_pushvalue(L, 2);
    if (lua_rawget(L, lua_upvalueindex(3)) != LUA_TNIL) {
      return luaL_error(L, "%s%s is not allowed in %s sandbox", prefix, lua_tostring(L, 2),
                        sandbox);
    }
  }
  lua_pushnil(L);
  return 1;
}

int LogPrint(lua_State* L) {
  int n = lua_gettop(L);
  luaL_Buffer b;
  luaL_buffinit(L, &b);
  for (int i = 1; i <= n; ++i) {
    if (i > 1) luaL_addchar(&b, '\t');
    luaL_tolstring(L, i, nullptr);
    luaL_addvalue(&b);
  }
  luaL_pushresult(&b);
  char where[512];
  FormatWhere(L, 1, where, sizeof where);
  spdlog::info("[lua] {}{}", where, lua_tostring(L, -1));
  return 0;
}

int RandomSeed(lua_State* L) {
  if (lua_gettop(L) == 0) {
    return luaL_error(L, "math.randomseed needs an explicit seed in %s sandbox",
                      lua_tostring(L, lua_upvalueindex(2)));
  }
  lua_pushvalue(L, lua_upvalueindex(1));
  lua_insert(L, 1);
  lua_call(L, lua_gettop(L) - 1, 0);
  return 0;
}

// Installs a protected metatable whose __index (and __newindex) is fn with
// the upvalues already pushed (nup of them).
void SetGuardMeta(lua_State* L, int table, lua_CFunction fn, int nup, bool guard_writes) {
  table = lua_absindex(L, table);
  lua_createtable(L, 0, 3);
  int meta = lua_gettop(L);
  lua_insert(L, meta - nup);  // metatable below the upvalues
  meta -= nup;
  if (guard_writes) {
    for (int i = 0; i < nup; ++i) lua_pushvalue(L, meta + 1 + i);
    lua_pushcclosure(L, fn, nup);
    lua_setfield(L, meta, "__newindex");
  }
  lua_pushcclosure(L, fn, nup);
  lua_setfield(L, meta, "__index");
  lua_pushliteral(L, "protected");
  lua_setfield(L, meta, "__metatable");
  lua_setmetatable(L, table);
}

// Registry keys (addresses are unique).
char kReadOnlyKey;   // set of read-only proxies and guarded tables (rawset refuses them)
char kEnvAnchorKey;  // a closure whose upvalue 1 is the _ENV cell of every loaded chunk

// __newindex of a read-only library proxy:
// "string.upper is read-only in an inject sandbox". Upvalues: 1 prefix, 2 sandbox name.
int ReadOnlyWrite(lua_State* L) {
  const char* prefix = lua_tostring(L, lua_upvalueindex(1));
  const char* sandbox = lua_tostring(L, lua_upvalueindex(2));
  const char* key = luaL_tolstring(L, 2, nullptr);
  return luaL_error(L, "%s%s is read-only in %s sandbox", prefix, key, sandbox);
}

// pairs() over a proxy walks the real table (upvalue 1) without handing it out.
int ReadOnlyNext(lua_State* L) {
  lua_settop(L, 2);
  if (lua_next(L, lua_upvalueindex(1))) return 2;
  lua_pushnil(L);
  return 1;
}

int ReadOnlyPairs(lua_State* L) {
  lua_pushvalue(L, lua_upvalueindex(1));
  lua_pushcclosure(L, ReadOnlyNext, 1);
  lua_pushvalue(L, 1);
  lua_pushnil(L);
  return 3;
}

int ReadOnlyLen(lua_State* L) {
  lua_pushinteger(L, static_cast<lua_Integer>(lua_rawlen(L, lua_upvalueindex(1))));
  return 1;
}

void MarkReadOnly(lua_State* L, int idx) {
  idx = lua_absindex(L, idx);
  lua_rawgetp(L, LUA_REGISTRYINDEX, &kReadOnlyKey);
  lua_pushvalue(L, idx);
  lua_pushboolean(L, 1);
  lua_rawset(L, -3);
  lua_pop(L, 1);
}

// Pushes a read-only proxy of the table at idx: reads go to the table,
// writes raise "<prefix><key> is read-only in <sandbox> sandbox" at the
// script's file:line, and the metatable is protected. One script can then
// not change a library under every later script (e.g. string methods).
void PushReadOnly(lua_State* L, int idx, const char* prefix, const char* sandbox) {
  idx = lua_absindex(L, idx);
  lua_newtable(L);
  lua_createtable(L, 0, 5);
  lua_pushvalue(L, idx);
  lua_setfield(L, -2, "__index");
  lua_pushstring(L, prefix);
  lua_pushstring(L, sandbox);
  lua_pushcclosure(L, ReadOnlyWrite, 2);
  lua_setfield(L, -2, "__newindex");
  lua_pushvalue(L, idx);
  lua_pushcclosure(L, ReadOnlyPairs, 1);
  lua_setfield(L, -2, "__pairs");
  lua_pushvalue(L, idx);
  lua_pushcclosure(L, ReadOnlyLen, 1);
  lua_setfield(L, -2, "__len");
  lua_pushliteral(L, "protected");
  lua_setfield(L, -2, "__metatable");
  lua_setmetatable(L, -2);
  MarkReadOnly(L, -1);
}

bool IsReadOnly(lua_State* L, int idx);

// rawset that refuses the read-only proxies (it would bypass __newindex).
// Upvalues: 1 the original rawset, 2 sandbox name.
int SafeRawset(lua_State* L) {
  if (IsReadOnly(L, 1)) {
    return luaL_error(L, "rawset on a library table is not allowed in %s sandbox",
                      lua_tostring(L, lua_upvalueindex(2)));
  }
  lua_pushvalue(L, lua_upvalueindex(1));
  lua_insert(L, 1);
  lua_call(L, lua_gettop(L) - 1, 1);
  return 1;
}

bool IsReadOnly(lua_State* L, int idx) {
  idx = lua_absindex(L, idx);
  lua_rawgetp(L, LUA_REGISTRYINDEX, &kReadOnlyKey);
  lua_pushvalue(L, idx);
  bool read_only = lua_rawget(L, -2) != LUA_TNIL;
  lua_pop(L, 2);
  return read_only;
}

// Pushes a deep copy of the table at src (same metatables; cycles and shared
// subtables kept as such through memo; library proxies are not copied).
void CopyTable(lua_State* L, int src, int memo, int depth) {
  luaL_checkstack(L, 8, "copying a table");
  lua_pushvalue(L, src);
  if (lua_rawget(L, memo) != LUA_TNIL) return;
  lua_pop(L, 1);
  lua_newtable(L);
  int dst = lua_gettop(L);
  lua_pushvalue(L, src);
  lua_pushvalue(L, dst);
  lua_rawset(L, memo);
  lua_pushnil(L);
  while (lua_next(L, src)) {
    // Deeper than any real scenario's data: share the rest rather than
    // recurse without bound on the C stack.
    if (lua_type(L, -1) == LUA_TTABLE && depth < 64 && !IsReadOnly(L, -1)) {
      CopyTable(L, lua_gettop(L), memo, depth + 1);
      lua_replace(L, -2);
    }
    lua_pushvalue(L, -2);
    lua_insert(L, -2);
    lua_rawset(L, dst);
  }
  if (lua_getmetatable(L, src)) lua_setmetatable(L, dst);
}

// __index of an environment from Sandbox::NewEnvironment; upvalue 1 is the
// globals table. Values are read through; a table among the globals (the
// scenario's own data) is copied into this environment on first use, so
// that writing into it stays in this environment too.
int EnvironmentIndex(lua_State* L) {
  lua_settop(L, 2);
  lua_pushvalue(L, 2);
  lua_gettable(L, lua_upvalueindex(1));  // may raise "load is not allowed ..."
  if (lua_type(L, -1) != LUA_TTABLE || IsReadOnly(L, -1)) return 1;
  lua_newtable(L);
  CopyTable(L, 3, 4, 0);
  lua_pushvalue(L, 2);
  lua_pushvalue(L, -2);
  lua_rawset(L, 1);
  return 1;
}

int OpenSandbox(lua_State* L) {
  auto* impl = static_cast<Sandbox::Impl*>(lua_touserdata(L, 1));
  const char* name = impl->article_name.c_str();

  luaL_requiref(L, LUA_GNAME, luaopen_base, 1);
  luaL_requiref(L, LUA_STRLIBNAME, luaopen_string, 1);
  luaL_requiref(L, LUA_TABLIBNAME, luaopen_table, 1);
  luaL_requiref(L, LUA_MATHLIBNAME, luaopen_math, 1);
  luaL_requiref(L, LUA_UTF8LIBNAME, luaopen_utf8, 1);
  lua_settop(L, 0);

  lua_pushglobaltable(L);
  int g = lua_gettop(L);

  // Base functions that reach the file system, load code or control the GC.
  lua_newtable(L);
  int blocked = lua_gettop(L);
  for (const char* fn : {"load", "loadstring", "dofile", "loadfile", "require", "collectgarbage",
                         "warn", "module", "setfenv", "getfenv", "newproxy"}) {
    lua_pushnil(L);
    lua_setfield(L, g, fn);
    lua_pushboolean(L, 1);
    lua_setfield(L, blocked, fn);
  }
  lua_pushcfunction(L, SafePcall);
  lua_setfield(L, g, "pcall");
  lua_pushcfunction(L, SafeXpcall);
  lua_setfield(L, g, "xpcall");
  lua_getfield(L, g, "setmetatable");  // upvalue 1: the original
  lua_pushstring(L, name);             // upvalue 2: for messages
  lua_pushcclosure(L, SafeSetmetatable, 2);
  lua_setfield(L, g, "setmetatable");
  lua_pushcfunction(L, LogPrint);
  lua_setfield(L, g, "print");
  lua_newtable(L);
  lua_rawsetp(L, LUA_REGISTRYINDEX, &kReadOnlyKey);
  lua_getfield(L, g, "rawset");
  lua_pushstring(L, name);
  lua_pushcclosure(L, SafeRawset, 2);
  lua_setfield(L, g, "rawset");

  // Whole libraries that are absent: any access names the function.
  for (const char* lib : {"os", "io", "debug", "package", "coroutine"}) {
    lua_newtable(L);
    lua_pushstring(L, lib);
    lua_pushstring(L, name);
    SetGuardMeta(L, -3, BlockedLibraryAccess, 2, true);
    MarkReadOnly(L, -1);
    lua_setfield(L, g, lib);
  }

  // string.dump would hand out bytecode.
  lua_getfield(L, g, LUA_STRLIBNAME);
  int str = lua_gettop(L);
  lua_pushnil(L);
  lua_setfield(L, str, "dump");
  // Bounded pattern matching (see pattern.h).
  pattern::Install(L, str, ChargePatternSteps);
  lua_newtable(L);
  lua_pushboolean(L, 1);
  lua_setfield(L, -2, "dump");
  int str_blocked = lua_gettop(L);
  lua_pushliteral(L, "string.");
  lua_pushstring(L, name);
  lua_pushvalue(L, str_blocked);
  SetGuardMeta(L, str, BlockedNameAccess, 3, false);
  lua_settop(L, blocked);

  // Deterministic random numbers: seed from the options; randomseed() with
  // no argument would seed from the clock, so it must get one.
  lua_getfield(L, g, LUA_MATHLIBNAME);
  int math = lua_gettop(L);
  lua_getfield(L, math, "randomseed");
  lua_pushinteger(L, static_cast<lua_Integer>(impl->options.seed));
  lua_call(L, 1, 0);
  lua_getfield(L, math, "randomseed");
  lua_pushstring(L, name);
  lua_pushcclosure(L, RandomSeed, 2);
  lua_setfield(L, math, "randomseed");
  lua_settop(L, blocked);

  // Scripts see the libraries only through read-only proxies, and the
  // string metatable (behind every s:method() call) only through a
  // read-only view whose __index is the proxy of string.
  for (const char* lib : {LUA_STRLIBNAME, LUA_TABLIBNAME, LUA_MATHLIBNAME, LUA_UTF8LIBNAME}) {
    lua_getfield(L, g, lib);
    std::string prefix = std::string(lib) + ".";
    PushReadOnly(L, -1, prefix.c_str(), name);
    lua_setfield(L, g, lib);
    lua_pop(L, 1);
  }
  lua_pushliteral(L, "");
  lua_getmetatable(L, -1);
  int string_meta = lua_gettop(L);
  lua_getfield(L, g, LUA_STRLIBNAME);
  lua_setfield(L, string_meta, "__index");
  PushReadOnly(L, string_meta, "getmetatable('').", name);
  lua_setfield(L, string_meta, "__metatable");
  lua_settop(L, blocked);

  // The _ENV cell that every chunk loaded by the sandbox shares (see
  // Sandbox::UseEnvironment): upvalue 1 of this empty chunk.
  if (luaL_loadstring(L, "return") != LUA_OK) return lua_error(L);
  lua_rawsetp(L, LUA_REGISTRYINDEX, &kEnvAnchorKey);

  lua_pushliteral(L, "");
  lua_pushstring(L, name);
  lua_pushvalue(L, blocked);
  SetGuardMeta(L, g, BlockedNameAccess, 3, false);
  return 0;
}

// lua_Reader over a string already in memory (for LoadFile's contents).
Status CheckLoad(lua_State* L, int rc, std::string_view chunkname) {
  if (rc == LUA_OK) return Status::Ok();
  std::string msg = lua_tostring(L, -1) ? lua_tostring(L, -1) : "unknown load error";
  lua_pop(L, 1);
  if (rc == LUA_ERRMEM) {
    auto* impl = GetImpl(L);
    return Status::ResourceExhausted(
        fmt::format("{}: memory budget of {} bytes exceeded while compiling", chunkname.substr(1),
                    impl->options.memory_limit));
  }
  // Mode "t" refuses bytecode with "attempt to load a binary chunk (mode is 't')".
  if (msg.find("binary chunk") != std::string::npos) {
    return Status::InvalidArgument(
        fmt::format("{}: precompiled Lua bytecode is not allowed in {} sandbox (text chunks only)",
                    chunkname.substr(1), GetImpl(L)->article_name));
  }
  return Status::InvalidArgument(msg);
}

}  // namespace

Sandbox::Sandbox(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Sandbox::Sandbox(Sandbox&&) noexcept = default;
Sandbox& Sandbox::operator=(Sandbox&&) noexcept = default;
Sandbox::~Sandbox() = default;

Result<Sandbox> Sandbox::Create(const SandboxOptions& options) {
  if (options.memory_limit < (size_t{1} << 16)) {
    return Status::InvalidArgument("sandbox memory_limit must be at least 64 KiB");
  }
  if (options.instruction_limit < kHookStep) {
    return Status::InvalidArgument(
        fmt::format("sandbox instruction_limit must be at least {}", kHookStep));
  }
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  bool vowel = !options.name.empty() &&
               std::string_view("aeiou").find(options.name[0]) != std::string_view::npos;
  impl->article_name = (vowel ? "an " : "a ") + options.name;
  lua_State* L = lua_newstate(Alloc, impl.get());
  if (!L) return Status::ResourceExhausted("cannot create a Lua state (out of memory)");
  impl->state = State(L);
  impl->L = L;
  lua_pushcfunction(L, OpenSandbox);
  lua_pushlightuserdata(L, impl.get());
  LF_RETURN_IF_ERROR(PCall(L, 1, 0).WithContext("setting up the Lua sandbox"));
  return Sandbox(std::move(impl));
}

lua_State* Sandbox::L() const { return impl_->state.get(); }
const SandboxOptions& Sandbox::options() const { return impl_->options; }
size_t Sandbox::memory_used() const { return impl_->used; }
int64_t Sandbox::instructions_used() const { return impl_->instructions; }

Status Sandbox::LoadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound(fmt::format("cannot open {}", path));
  std::ostringstream buf;
  buf << in.rdbuf();
  if (in.bad()) return Status::Unavailable(fmt::format("cannot read {}", path));
  return LoadString(buf.str(), "@" + path);
}

Status Sandbox::LoadString(std::string_view code, std::string_view chunkname) {
  lua_State* L = this->L();
  std::string name(chunkname);
  impl_->enforcing = true;
  impl_->memory_exceeded = false;
  int rc = luaL_loadbufferx(L, code.data(), code.size(), name.c_str(), "t");
  impl_->enforcing = false;
  impl_->memory_exceeded = false;
  if (rc != LUA_OK) lua_gc(L, LUA_GCCOLLECT);
  if (rc == LUA_OK) {
    // Share the sandbox's _ENV cell (upvalue 1 of a main chunk is _ENV).
    const char* up = lua_getupvalue(L, -1, 1);
    if (up) {
      lua_pop(L, 1);
      if (std::string_view(up) == "_ENV") {
        lua_rawgetp(L, LUA_REGISTRYINDEX, &kEnvAnchorKey);
        lua_upvaluejoin(L, -2, 1, -1, 1);
        lua_pop(L, 1);
      }
    }
  }
  return CheckLoad(L, rc, name[0] == '@' ? name : "@" + name);
}

Status Sandbox::Call(int nargs, int nresults, ScriptError* error) {
  lua_State* L = this->L();
  Impl& impl = *impl_;
  impl.instructions = 0;
  impl.memory_exceeded = false;
  impl.instructions_exceeded = false;
  impl.interrupted = false;
  impl.in_handler = false;
  impl.refused_once = false;
  impl.breach_where[0] = 0;
  int base = lua_gettop(L) - nargs;
  lua_pushcfunction(L, SandboxHandler);
  lua_insert(L, base);
  lua_sethook(L, CountHook, LUA_MASKCOUNT, kHookStep);
  impl.enforcing = true;
  int rc = lua_pcall(L, nargs, nresults, base);
  impl.enforcing = false;
  lua_sethook(L, nullptr, 0, 0);
  lua_remove(L, base);
  bool over_budget = impl.BudgetExceeded() || (rc != LUA_OK && impl.refused_once);
  bool memory_breach = impl.memory_exceeded || (rc != LUA_OK && impl.refused_once);
  impl.refused_once = false;
  impl.memory_exceeded = false;
  impl.instructions_exceeded = false;
  impl.interrupted = false;
  if (rc == LUA_OK) return Status::Ok();

  size_t len = 0;
  const char* s = lua_tolstring(L, -1, &len);
  std::string text = s ? std::string(s, len) : std::string("(error object is not a string)");
  lua_pop(L, 1);
  // Reclaim what a memory bomb left behind so the next call has its budget.
  lua_gc(L, LUA_GCCOLLECT);
  std::string traceback;
  if (size_t at = text.find("\n\x01traceback\n"); at != std::string::npos) {
    traceback = text.substr(at + 12);
    text.resize(at);
  }
  if (memory_breach) {
    text = fmt::format("{}memory budget of {} bytes exceeded", impl.breach_where,
                       impl.options.memory_limit);
  } else if (rc == LUA_ERRERR && !over_budget)
    text = "error in the error handler: " + text;
  ScriptError e = ParseScriptError(text);
  e.traceback = std::move(traceback);
  Status st = over_budget || rc == LUA_ERRMEM ? Status::ResourceExhausted(e.message)
                                              : Status::InvalidArgument(e.message);
  if (error) *error = std::move(e);
  return st;
}

Status Sandbox::Resume(lua_State* co, int nargs, int* nresults, bool* yielded, ScriptError* error) {
  Impl& impl = *impl_;
  impl.instructions = 0;
  impl.memory_exceeded = false;
  impl.instructions_exceeded = false;
  impl.interrupted = false;
  impl.in_handler = false;
  impl.refused_once = false;
  impl.breach_where[0] = 0;
  // The count hook is per thread: arm it on the coroutine.
  lua_sethook(co, CountHook, LUA_MASKCOUNT, kHookStep);
  lua_State* main = impl.L;
  impl.L = co;  // the allocator names the place from the running thread
  impl.enforcing = true;
  int nres = 0;
  int rc = lua_resume(co, main, nargs, &nres);
  impl.enforcing = false;
  impl.L = main;
  lua_sethook(co, nullptr, 0, 0);
  bool over_budget = impl.BudgetExceeded() || (rc > LUA_YIELD && impl.refused_once);
  bool memory_breach = impl.memory_exceeded || (rc > LUA_YIELD && impl.refused_once);
  impl.refused_once = false;
  impl.memory_exceeded = false;
  impl.instructions_exceeded = false;
  impl.interrupted = false;
  if (rc == LUA_OK || rc == LUA_YIELD) {
    *yielded = rc == LUA_YIELD;
    *nresults = nres;
    return Status::Ok();
  }
  *yielded = false;
  *nresults = 0;
  size_t len = 0;
  const char* s = lua_tolstring(co, -1, &len);
  std::string text = s ? std::string(s, len) : std::string("(error object is not a string)");
  // A dead coroutine keeps its stack: the traceback shows where it failed.
  luaL_traceback(main, co, nullptr, 0);
  std::string traceback = lua_tostring(main, -1) ? lua_tostring(main, -1) : "";
  lua_pop(main, 1);
  char where[512];  // read while the dead coroutine still shows where it failed
  FormatWhere(co, 0, where, sizeof where);
  lua_settop(co, 0);
  lua_gc(main, LUA_GCCOLLECT);
  if (memory_breach) {
    text = fmt::format("{}memory budget of {} bytes exceeded", impl.breach_where,
                       impl.options.memory_limit);
  } else if (!HasLocation(text.c_str())) {
    // E.g. "C stack overflow", raised in C: name the innermost script line.
    text = where + text;
  }
  ScriptError e = ParseScriptError(text);
  e.traceback = std::move(traceback);
  Status st = over_budget || rc == LUA_ERRMEM ? Status::ResourceExhausted(e.message)
                                              : Status::InvalidArgument(e.message);
  if (error) *error = std::move(e);
  return st;
}

Ref Sandbox::NewEnvironment() {
  lua_State* L = this->L();
  lua_newtable(L);
  int env = lua_gettop(L);
  lua_pushvalue(L, env);
  lua_setfield(L, env, "_G");  // _G.x = 1 stays in this environment too
  lua_createtable(L, 0, 2);
  lua_pushglobaltable(L);
  lua_pushcclosure(L, EnvironmentIndex, 1);
  lua_setfield(L, -2, "__index");
  lua_pushliteral(L, "protected");
  lua_setfield(L, -2, "__metatable");
  lua_setmetatable(L, env);
  Ref r(L, env);
  lua_settop(L, env - 1);
  return r;
}

void Sandbox::UseEnvironment(const Ref* env) {
  lua_State* L = this->L();
  lua_rawgetp(L, LUA_REGISTRYINDEX, &kEnvAnchorKey);
  if (env) {
    env->Push(L);
  } else {
    lua_pushglobaltable(L);
  }
  lua_setupvalue(L, -2, 1);
  lua_pop(L, 1);
}

Status Sandbox::RunFile(const std::string& path, ScriptError* error) {
  LF_RETURN_IF_ERROR(LoadFile(path));
  return Call(0, 0, error);
}

}  // namespace livefire::lua
