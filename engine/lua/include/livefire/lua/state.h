#pragma once
// A small RAII layer over the Lua 5.4 C API (sol2 is not available). Only
// lua_State is forward-declared here so that the Lua headers stay out of
// every translation unit that merely passes a state around.
//
// Rule for callers: code that holds C++ objects with destructors must not
// call a Lua API function that can raise (Lua is built as C and unwinds with
// longjmp). Use PCall() for anything that runs Lua code, and the typed
// getters below, which only use non-raising raw accessors.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "livefire/status.h"

struct lua_State;

namespace livefire::lua {

// Owns a lua_State; lua_close on destruction. Move-only.
class State {
 public:
  State() = default;
  // Takes ownership of an already created state (e.g. one with a custom allocator).
  explicit State(lua_State* L) : L_(L) {}
  State(State&& o) noexcept : L_(o.L_) { o.L_ = nullptr; }
  State& operator=(State&& o) noexcept;
  State(const State&) = delete;
  State& operator=(const State&) = delete;
  ~State();

  // A plain state with the standard allocator and no libraries opened.
  static Result<State> Create();

  lua_State* get() const { return L_; }
  explicit operator bool() const { return L_ != nullptr; }

 private:
  lua_State* L_ = nullptr;
};

// Restores the stack top on scope exit, so early returns cannot leak slots.
class StackGuard {
 public:
  explicit StackGuard(lua_State* L);
  ~StackGuard();
  StackGuard(const StackGuard&) = delete;
  StackGuard& operator=(const StackGuard&) = delete;
  int top() const { return top_; }

 private:
  lua_State* L_;
  int top_;
};

// A value pinned in the registry (luaL_ref), released on destruction.
// Move-only. The state must outlive the Ref.
class Ref {
 public:
  Ref() = default;
  // Pins the value at stack index idx (the stack is unchanged).
  Ref(lua_State* L, int idx);
  Ref(Ref&& o) noexcept : L_(o.L_), ref_(o.ref_) { o.L_ = nullptr; }
  Ref& operator=(Ref&& o) noexcept;
  Ref(const Ref&) = delete;
  Ref& operator=(const Ref&) = delete;
  ~Ref();

  bool valid() const { return L_ != nullptr; }
  // Pushes the pinned value (nil when invalid).
  void Push(lua_State* L) const;

 private:
  lua_State* L_ = nullptr;
  int ref_ = -2;  // LUA_NOREF
};

// A script error, split so that callers can show "file:line: message" and
// keep the traceback for logs.
struct ScriptError {
  std::string message;    // "scenarios/x/scenario.lua:12: attempt to call a nil value"
  std::string traceback;  // "stack traceback:\n\t..." ("" when none)
  std::string file;       // parsed from message when it starts with "file:line:"
  int line = 0;
};

// Splits "file:line: text" into its parts (file/line stay empty/0 otherwise).
ScriptError ParseScriptError(std::string_view message);

// Calls the function below nargs arguments on the stack with lua_pcall and a
// traceback handler. On success, nresults values are left on the stack (-1 =
// LUA_MULTRET for all); on failure the function and arguments are popped,
// nothing is pushed, and the error is returned as InvalidArgument whose
// message is ScriptError::message (the details go to *error when given).
Status PCall(lua_State* L, int nargs, int nresults, ScriptError* error = nullptr);

// "string", "table", "integer"/"number" split, ... for error messages.
std::string TypeName(lua_State* L, int idx);

// "file:line" of the Lua function at call-stack level `level` (1 = the Lua
// code that called the running C function). "" when unknown.
std::string CallerLocation(lua_State* L, int level);
int CallerLine(lua_State* L, int level);

// Typed reads of the field `key` of the table at `table` (raw access: no
// metamethods run, nothing can raise). `where` names the place for errors,
// e.g. "scenario.lua:12: node 'portal'"; messages look like
// "scenario.lua:12: node 'portal': field 'port' must be an integer, got string".
// The Optional variants return nullopt when the field is nil.
Result<std::optional<std::string>> GetOptionalString(lua_State* L, int table, const char* key,
                                                     std::string_view where);
Result<std::optional<int64_t>> GetOptionalInteger(lua_State* L, int table, const char* key,
                                                  std::string_view where);
Result<std::optional<double>> GetOptionalNumber(lua_State* L, int table, const char* key,
                                                std::string_view where);
Result<std::optional<bool>> GetOptionalBool(lua_State* L, int table, const char* key,
                                            std::string_view where);
Result<std::string> GetString(lua_State* L, int table, const char* key, std::string_view where);
Result<int64_t> GetInteger(lua_State* L, int table, const char* key, std::string_view where);
Result<double> GetNumber(lua_State* L, int table, const char* key, std::string_view where);
Result<bool> GetBool(lua_State* L, int table, const char* key, std::string_view where);

// Reads a value at a stack index (same conventions, `what` names it).
Result<std::string> ToString(lua_State* L, int idx, std::string_view what);
Result<int64_t> ToInteger(lua_State* L, int idx, std::string_view what);
Result<double> ToNumber(lua_State* L, int idx, std::string_view what);

}  // namespace livefire::lua
