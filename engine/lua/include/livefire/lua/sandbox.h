#pragma once
// The sandbox every scenario script and inject body runs in (after
// Suricata's util-lua-sandbox.c).
//
// - Libraries are read-only: string, table, math, utf8 are proxies whose
//   writes raise "string.upper is read-only in a <name> sandbox" (file:line),
//   getmetatable("") is a read-only view, rawset refuses them.
// - Pattern matching (string.find/match/gmatch/gsub) is our port of Lua
//   5.4's matcher (pattern.cc) whose steps count as instructions.
// - Libraries: base (without load, loadstring, dofile, loadfile, require,
//   collectgarbage, warn), string (without dump), table, math, utf8. The os,
//   io, debug, package and coroutine libraries are absent; referencing one of
//   their functions or a removed base function raises
//   "os.execute is not allowed in a <name> sandbox".
// - Only text chunks load (mode "t"): precompiled bytecode is refused.
// - math.random is a deterministic generator seeded from the scenario seed;
//   math.randomseed needs an explicit seed. Scripts see no wall clock.
// - print goes to the log (spdlog, info level), never to stdout.
// - Budgets per Call(): live memory (a custom lua_Alloc refuses to grow past
//   memory_limit) and executed VM instructions (a count hook). Both are
//   uncatchable: pcall/xpcall are replaced by versions that re-raise budget
//   errors, once exceeded the hook errors on every instruction and the
//   allocator refuses every growth until the call returns.
// Errors carry the script's file:line (chunk names are "@path").

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "livefire/lua/state.h"
#include "livefire/status.h"

namespace livefire::lua {

struct SandboxOptions {
  // Appears in messages: "os.execute is not allowed in a scenario sandbox".
  std::string name = "scenario";
  // Most bytes the state may hold while a script is loaded or called.
  size_t memory_limit = size_t{64} << 20;
  // Most VM instructions one Call() may execute (checked every 1000).
  int64_t instruction_limit = 100'000'000;
  // Seed of math.random (record it with the exercise).
  uint64_t seed = 1;
  // Interrupt entry point: once *interrupt is true, the running script
  // raises "file:line: interrupted: <interrupt_reason>" at its next count
  // hook (every 1000 instructions) and pcall cannot catch it, like a budget
  // breach. Only an atomic store is needed to trigger it, so a watchdog
  // thread or a signal handler may set it. The flag must outlive the sandbox.
  const std::atomic<bool>* interrupt = nullptr;
  std::string interrupt_reason = "the engine is stopping";
};

class Sandbox {
 public:
  static Result<Sandbox> Create(const SandboxOptions& options);

  Sandbox(Sandbox&&) noexcept;
  Sandbox& operator=(Sandbox&&) noexcept;
  ~Sandbox();

  lua_State* L() const;
  const SandboxOptions& options() const;

  // Compiles a text chunk and pushes it as a function. The file's chunk name
  // is "@path" so that errors read "path:line: ...". Bytecode is refused.
  Status LoadFile(const std::string& path);
  Status LoadString(std::string_view code, std::string_view chunkname);

  // Calls the function below nargs arguments with fresh budgets (see the
  // header comment). Budget overruns return ResourceExhausted with
  // "file:line: memory budget of N bytes exceeded" or "...: instruction
  // budget of N instructions exceeded"; script errors return
  // InvalidArgument "file:line: message". The stack is as with lua::PCall.
  Status Call(int nargs, int nresults, ScriptError* error = nullptr);

  // Resumes the coroutine `co` (a thread of this sandbox's state, e.g. from
  // lua_newthread) with the nargs values on its stack, under fresh budgets.
  // On success *yielded tells whether it yielded or returned; *nresults
  // values (yielded or returned) are on co's stack. Errors are reported as
  // by Call(); the coroutine is dead afterwards. Inject bodies run this way
  // so that guest calls can wait without blocking the engine loop.
  Status Resume(lua_State* co, int nargs, int* nresults, bool* yielded,
                ScriptError* error = nullptr);

  // Global environments. Every chunk this sandbox loads shares one _ENV
  // cell, the globals table until UseEnvironment changes it, so all the
  // functions of a scenario see the same environment at a time.
  // NewEnvironment makes a table whose writes stay in it (its _G is itself)
  // and whose reads fall through to the globals; a table found among the
  // globals (scenario data) is deep-copied into it on first read, so writing
  // into it does not reach other environments either. The library tables
  // are read-only proxies and stay shared. UseEnvironment(&env) points the
  // cell at env (nullptr: at the globals again); the caller sets it before
  // every Call/Resume of code that must run in env.
  Ref NewEnvironment();
  void UseEnvironment(const Ref* env);

  // LoadFile + Call(0, 0).
  Status RunFile(const std::string& path, ScriptError* error = nullptr);

  size_t memory_used() const;
  int64_t instructions_used() const;  // by the last Call()

  struct Impl;  // defined in sandbox.cc (public so its C callbacks can name it)

 private:
  explicit Sandbox(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace livefire::lua
