#include "livefire/lua/sandbox.h"

#include <gtest/gtest.h>

#include <lua.hpp>
#include <string>

namespace livefire::lua {
namespace {

Sandbox Make(size_t memory = size_t{8} << 20, int64_t instructions = 2'000'000,
             uint64_t seed = 42) {
  SandboxOptions o;
  o.memory_limit = memory;
  o.instruction_limit = instructions;
  o.seed = seed;
  auto sb = Sandbox::Create(o);
  EXPECT_TRUE(sb.ok()) << sb.status().ToString();
  return std::move(sb).value();
}

// Runs code as chunk "t.lua"; returns the Status of loading + calling.
Status RunCode(Sandbox& sb, const std::string& code, ScriptError* err = nullptr) {
  LF_RETURN_IF_ERROR(sb.LoadString(code, "@t.lua"));
  return sb.Call(0, 0, err);
}

// The error of running code in a fresh sandbox ("<no error>" when it ran).
std::string ErrorOf(const std::string& code) {
  Sandbox sb = Make();
  Status s = RunCode(sb, code);
  return s.ok() ? "<no error>" : s.message();
}

TEST(Sandbox, OsExecuteIsBlockedAndNamed) {
  EXPECT_EQ(ErrorOf("local x = 1\nos.execute('id')\n"),
            "t.lua:2: os.execute is not allowed in a scenario sandbox");
}

TEST(Sandbox, IoOpenIsBlocked) {
  EXPECT_EQ(ErrorOf("local f = io.open('/etc/passwd')\n"),
            "t.lua:1: io.open is not allowed in a scenario sandbox");
}

TEST(Sandbox, ReferencingABlockedFunctionFailsWithoutCallingIt) {
  EXPECT_EQ(ErrorOf("\n\nlocal f = debug.getinfo\n"),
            "t.lua:3: debug.getinfo is not allowed in a scenario sandbox");
}

TEST(Sandbox, RequireAndLoadAreBlocked) {
  Sandbox sb = Make();
  Status s = RunCode(sb, "require('socket')\n");
  EXPECT_EQ(s.message(), "t.lua:1: require is not allowed in a scenario sandbox");
  s = RunCode(sb, "local f = load('return 1')\n");
  EXPECT_EQ(s.message(), "t.lua:1: load is not allowed in a scenario sandbox");
  s = RunCode(sb, "dofile('/etc/passwd')\n");
  EXPECT_EQ(s.message(), "t.lua:1: dofile is not allowed in a scenario sandbox");
  s = RunCode(sb, "collectgarbage()\n");
  EXPECT_EQ(s.message(), "t.lua:1: collectgarbage is not allowed in a scenario sandbox");
}

TEST(Sandbox, StringDumpIsBlockedBothWays) {
  Sandbox sb = Make();
  Status s = RunCode(sb, "local d = string.dump(function() end)\n");
  EXPECT_EQ(s.message(), "t.lua:1: string.dump is not allowed in a scenario sandbox");
  s = RunCode(sb, "local d = ('x').dump\n");
  EXPECT_EQ(s.message(), "t.lua:1: string.dump is not allowed in a scenario sandbox");
}

TEST(Sandbox, BytecodeIsRefused) {
  // Bytecode produced by an unrestricted state, as an attacker would ship it.
  auto plain = State::Create();
  ASSERT_TRUE(plain.ok());
  lua_State* P = plain->get();
  luaL_openlibs(P);
  ASSERT_EQ(luaL_dostring(P, "return string.dump(function() return 7 end)"), LUA_OK);
  size_t len = 0;
  const char* bc = lua_tolstring(P, -1, &len);
  std::string bytecode(bc, len);

  Sandbox sb = Make();
  Status s = sb.LoadString(bytecode, "@evil.luac");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("bytecode is not allowed"), std::string::npos) << s.message();
  EXPECT_EQ(s.message().rfind("evil.luac:", 0), 0u) << s.message();
}

TEST(Sandbox, AllowedLibrariesWork) {
  Sandbox sb = Make();
  ASSERT_TRUE(
      sb.LoadString("local t = {} for i = 1, 5 do t[#t + 1] = string.format('%02d', i) end\n"
                    "return table.concat(t, ','), math.max(3, 9), utf8.char(7863), "
                    "select('#', pcall(error, 'x'))",
                    "@t.lua")
          .ok());
  ASSERT_TRUE(sb.Call(0, 4).ok());
  EXPECT_STREQ(lua_tostring(sb.L(), -4), "01,02,03,04,05");
  EXPECT_EQ(lua_tointeger(sb.L(), -3), 9);
  EXPECT_STREQ(lua_tostring(sb.L(), -2), "\xe1\xba\xb7");  // U+1EB7, Vietnamese 'ặ'
  EXPECT_EQ(lua_tointeger(sb.L(), -1), 2);
  lua_settop(sb.L(), 0);
}

TEST(Sandbox, MemoryBombIsStopped) {
  Sandbox sb = Make(size_t{4} << 20);
  ScriptError err;
  Status s = RunCode(
      sb, "local t = {}\nwhile true do t[#t + 1] = string.rep('x', 1024) .. #t end\n", &err);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(s.message(), "t.lua:2: memory budget of 4194304 bytes exceeded");
  EXPECT_EQ(err.line, 2);
}

TEST(Sandbox, MemoryBombInsidePcallIsStillStopped) {
  Sandbox sb = Make(size_t{4} << 20);
  Status s = RunCode(sb,
                     "local ok = pcall(function()\n"
                     "  local t = {} while true do t[#t + 1] = {1, 2, 3, 4} end\n"
                     "end)\n"
                     "while true do local again = {} end\n");  // never reached
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(s.message(), "t.lua:2: memory budget of 4194304 bytes exceeded");
}

TEST(Sandbox, HugeStringRepIsStopped) {
  Sandbox sb = Make(size_t{4} << 20);
  Status s = RunCode(sb, "local ok, e = pcall(string.rep, 'x', 1 << 30)\nreturn ok\n");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kResourceExhausted);
  EXPECT_NE(s.message().find("memory budget of 4194304 bytes exceeded"), std::string::npos);
}

TEST(Sandbox, EndlessLoopIsStopped) {
  Sandbox sb = Make(size_t{8} << 20, 1'000'000);
  Status s = RunCode(sb, "local n = 0\nwhile true do n = n + 1 end\n");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(s.message(), "t.lua:2: instruction budget of 1000000 instructions exceeded");
}

TEST(Sandbox, EndlessLoopInsidePcallIsStillStopped) {
  Sandbox sb = Make(size_t{8} << 20, 1'000'000);
  Status s = RunCode(sb,
                     "for i = 1, 100 do\n"
                     "  pcall(function() while true do end end)\n"
                     "end\n"
                     "return 'escaped'\n");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kResourceExhausted);
  EXPECT_NE(s.message().find("instruction budget of 1000000 instructions exceeded"),
            std::string::npos)
      << s.message();
}

TEST(Sandbox, EndlessLoopInsideXpcallWithLoopingHandlerIsStopped) {
  Sandbox sb = Make(size_t{8} << 20, 1'000'000);
  Status s =
      RunCode(sb,
              "while true do\n"
              "  xpcall(function() while true do end end, function(e) while true do end end)\n"
              "end\n");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kResourceExhausted);
}

TEST(Sandbox, FinalizersAreRefused) {
  // __gc runs with debug hooks off: an endless finalizer could not be stopped.
  EXPECT_EQ(ErrorOf("setmetatable({}, {__gc = function() while true do end end})\n"),
            "t.lua:1: __gc metamethods are not allowed in a scenario sandbox");
}

TEST(Sandbox, PcallStillCatchesOrdinaryErrors) {
  Sandbox sb = Make();
  ASSERT_TRUE(sb.LoadString("local ok, e = pcall(error, 'boom', 0)\n"
                            "local ok2, e2 = xpcall(function() error('bang', 0) end,\n"
                            "                       function(m) return 'handled ' .. m end)\n"
                            "return ok, e, ok2, e2",
                            "@t.lua")
                  .ok());
  ASSERT_TRUE(sb.Call(0, 4).ok());
  EXPECT_FALSE(lua_toboolean(sb.L(), -4));
  EXPECT_STREQ(lua_tostring(sb.L(), -3), "boom");
  EXPECT_FALSE(lua_toboolean(sb.L(), -2));
  EXPECT_STREQ(lua_tostring(sb.L(), -1), "handled bang");
  lua_settop(sb.L(), 0);
}

TEST(Sandbox, ErrorsCarryLineNumbersAndTraceback) {
  Sandbox sb = Make();
  ScriptError err;
  Status s = RunCode(sb,
                     "local function f()\n"
                     "  local x = nil\n"
                     "  return x.field\n"
                     "end\n"
                     "f()\n",
                     &err);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(err.file, "t.lua");
  EXPECT_EQ(err.line, 3);
  EXPECT_EQ(s.message().rfind("t.lua:3: attempt to index a nil value", 0), 0u) << s.message();
  EXPECT_NE(err.traceback.find("t.lua:5"), std::string::npos) << err.traceback;
}

TEST(Sandbox, SyntaxErrorNamesTheLine) {
  Sandbox sb = Make();
  Status s = sb.LoadString("local a = 1\nlocal b = = 2\n", "@t.lua");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.message().rfind("t.lua:2:", 0), 0u) << s.message();
}

TEST(Sandbox, BudgetsResetPerCall) {
  Sandbox sb = Make(size_t{4} << 20, 1'000'000);
  // Each call uses most of the instruction budget and ~3 MB of memory that
  // becomes garbage afterwards; three calls in a row must all pass.
  ASSERT_TRUE(
      sb.LoadString("function work()\n"
                    "  local n = 0 for i = 1, 250000 do n = n + i end\n"
                    "  local t = {} for i = 1, 3000 do t[i] = string.rep('y', 900) .. i end\n"
                    "  return n\n"
                    "end",
                    "@t.lua")
          .ok());
  ASSERT_TRUE(sb.Call(0, 0).ok());
  for (int i = 0; i < 3; ++i) {
    lua_getglobal(sb.L(), "work");
    Status s = sb.Call(0, 1);
    ASSERT_TRUE(s.ok()) << "call " << i << ": " << s.ToString();
    EXPECT_EQ(lua_tointeger(sb.L(), -1), 31250125000);
    EXPECT_GT(sb.instructions_used(), 500'000);
    lua_settop(sb.L(), 0);
  }
  // And after a breach, the sandbox is usable again.
  ASSERT_FALSE(RunCode(sb, "while true do end").ok());
  lua_getglobal(sb.L(), "work");
  EXPECT_TRUE(sb.Call(0, 1).ok());
  lua_settop(sb.L(), 0);
}

TEST(Sandbox, RandomIsDeterministicFromTheSeed) {
  auto draw = [](uint64_t seed) {
    Sandbox sb = Make(size_t{8} << 20, 2'000'000, seed);
    EXPECT_TRUE(
        sb.LoadString("return math.random(1, 1000000) .. ',' .. math.random(1, 1000000)", "@t.lua")
            .ok());
    EXPECT_TRUE(sb.Call(0, 1).ok());
    std::string v = lua_tostring(sb.L(), -1);
    lua_settop(sb.L(), 0);
    return v;
  };
  EXPECT_EQ(draw(42), draw(42));
  EXPECT_NE(draw(42), draw(43));
  EXPECT_EQ(ErrorOf("math.randomseed()\n"),
            "t.lua:1: math.randomseed needs an explicit seed in a scenario sandbox");
}

TEST(Sandbox, GlobalMetatableIsProtected) {
  Sandbox sb = Make();
  Status s = RunCode(sb, "setmetatable(_G, nil)\n");
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("protected metatable"), std::string::npos) << s.message();
}

TEST(Sandbox, NameAppearsInMessages) {
  SandboxOptions o;
  o.name = "inject";
  auto sb = Sandbox::Create(o);
  ASSERT_TRUE(sb.ok());
  Status s = RunCode(*sb, "os.exit(1)\n");
  EXPECT_EQ(s.message(), "t.lua:1: os.exit is not allowed in an inject sandbox");
}

TEST(Sandbox, RejectsTinyBudgets) {
  SandboxOptions o;
  o.memory_limit = 10;
  EXPECT_FALSE(Sandbox::Create(o).ok());
}

// --- read-only libraries -----------------------------------------------------

TEST(Sandbox, StringMetatableCannotBeReplaced) {
  Sandbox sb = Make();
  Status s = RunCode(sb, "local x = 1\ngetmetatable('').__index = function() return nil end\n");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.message(), "t.lua:2: getmetatable('').__index is read-only in a scenario sandbox");
  s = RunCode(sb, "getmetatable('').__index.upper = function() return 'pwned' end\n");
  EXPECT_EQ(s.message(), "t.lua:1: string.upper is read-only in a scenario sandbox");
  s = RunCode(sb, "setmetatable(getmetatable(''), nil)\n");
  EXPECT_NE(s.message().find("protected metatable"), std::string::npos) << s.message();
  // A later script still has working string methods.
  ASSERT_TRUE(
      sb.LoadString("return ('abc'):upper(), (('abc'):gsub('b', 'x')), ('a,b'):find(',')", "@t.lua")
          .ok());
  ASSERT_TRUE(sb.Call(0, 3).ok());
  EXPECT_STREQ(lua_tostring(sb.L(), -3), "ABC");
  EXPECT_STREQ(lua_tostring(sb.L(), -2), "axc");
  EXPECT_EQ(lua_tointeger(sb.L(), -1), 2);
  lua_settop(sb.L(), 0);
}

TEST(Sandbox, LibraryTablesAreReadOnly) {
  Sandbox sb = Make();
  EXPECT_EQ(RunCode(sb, "string.upper = nil\n").message(),
            "t.lua:1: string.upper is read-only in a scenario sandbox");
  EXPECT_EQ(RunCode(sb, "\ntable.insert = print\n").message(),
            "t.lua:2: table.insert is read-only in a scenario sandbox");
  EXPECT_EQ(RunCode(sb, "math.pi = 3\n").message(),
            "t.lua:1: math.pi is read-only in a scenario sandbox");
  EXPECT_EQ(RunCode(sb, "utf8.char = nil\n").message(),
            "t.lua:1: utf8.char is read-only in a scenario sandbox");
  EXPECT_EQ(RunCode(sb, "string.new_helper = 1\n").message(),
            "t.lua:1: string.new_helper is read-only in a scenario sandbox");
  EXPECT_EQ(RunCode(sb, "rawset(string, 'upper', print)\n").message(),
            "t.lua:1: rawset on a library table is not allowed in a scenario sandbox");
  EXPECT_EQ(RunCode(sb, "rawset(os, 'execute', print)\n").message(),
            "t.lua:1: rawset on a library table is not allowed in a scenario sandbox");
  EXPECT_EQ(RunCode(sb, "table.insert(math, 1)\n").message().rfind("t.lua:1: math.", 0), 0u);
  Status s = RunCode(sb, "setmetatable(string, nil)\n");
  EXPECT_NE(s.message().find("protected metatable"), std::string::npos) << s.message();
  // Reading, iterating and ordinary rawset still work.
  ASSERT_TRUE(sb.LoadString("local n, up = 0, false\n"
                            "for k, v in pairs(string) do n = n + 1 up = up or k == 'upper' end\n"
                            "local t = {} rawset(t, 'a', 1)\n"
                            "return n, up, getmetatable(string), t.a, math.floor(2.5)",
                            "@t.lua")
                  .ok());
  ASSERT_TRUE(sb.Call(0, 5).ok());
  EXPECT_GT(lua_tointeger(sb.L(), -5), 10);
  EXPECT_TRUE(lua_toboolean(sb.L(), -4));
  EXPECT_STREQ(lua_tostring(sb.L(), -3), "protected");
  EXPECT_EQ(lua_tointeger(sb.L(), -2), 1);
  EXPECT_EQ(lua_tointeger(sb.L(), -1), 2);
  lua_settop(sb.L(), 0);
}

// --- environments --------------------------------------------------------------

// Runs code (chunk "t.lua") in env, returning the first result as a string.
std::string RunIn(Sandbox& sb, const Ref* env, const std::string& code) {
  EXPECT_TRUE(sb.LoadString(code, "@t.lua").ok());
  sb.UseEnvironment(env);
  Status s = sb.Call(0, 1);
  sb.UseEnvironment(nullptr);
  if (!s.ok()) return "error: " + s.message();
  std::string v = luaL_tolstring(sb.L(), -1, nullptr);
  lua_settop(sb.L(), 0);
  return v;
}

TEST(Sandbox, EnvironmentsKeepTheirGlobals) {
  Sandbox sb = Make();
  // The shared part, as a scenario file leaves it.
  ASSERT_TRUE(RunCode(sb,
                      "SHARED = 'base'\nCREDS = { user = 'admin', seen = {} }\n"
                      "function Remember(v) CREDS.last = v return CREDS.last end\n")
                  .ok());
  Ref a = sb.NewEnvironment();
  Ref b = sb.NewEnvironment();
  EXPECT_EQ(RunIn(sb, &a, "LEAK = 1 _G.LEAK2 = 2 return SHARED"), "base");
  EXPECT_EQ(RunIn(sb, &a, "return LEAK + LEAK2"), "3");
  EXPECT_EQ(RunIn(sb, &b, "return tostring(LEAK) .. tostring(LEAK2)"), "nilnil");
  EXPECT_EQ(RunIn(sb, nullptr, "return tostring(LEAK)"), "nil");
  // Writing into a shared table stays in the environment, also through a
  // function the scenario defined.
  EXPECT_EQ(RunIn(sb, &a, "CREDS.user = 'stolen' CREDS.seen[1] = true return Remember('x')"), "x");
  EXPECT_EQ(RunIn(sb, &a, "return CREDS.user .. tostring(CREDS.seen[1]) .. CREDS.last"),
            "stolentruex");
  EXPECT_EQ(RunIn(sb, &b, "return CREDS.user .. tostring(CREDS.seen[1]) .. tostring(CREDS.last)"),
            "adminnilnil");
  // The environment's metatable is protected; blocked names still say so.
  EXPECT_EQ(RunIn(sb, &b, "return getmetatable(_ENV)"), "protected");
  EXPECT_EQ(RunIn(sb, &b, "return load"),
            "error: t.lua:1: load is not allowed in a scenario sandbox");
  EXPECT_EQ(RunIn(sb, &b, "return string.rep('ab', 2)"), "abab");
}

// --- errors raised in C carry file:line ----------------------------------------

TEST(Sandbox, CStackOverflowNamesTheLine) {
  Sandbox sb = Make();
  ScriptError err;
  Status s = RunCode(sb,
                     "local function f()\n"
                     "  local r = ('x'):gsub('.', f)\n"
                     "  return r\n"
                     "end\n"
                     "f()\n",
                     &err);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(err.file, "t.lua") << s.message();
  EXPECT_EQ(err.line, 2) << s.message();
  EXPECT_NE(s.message().find("stack overflow"), std::string::npos) << s.message();
}

TEST(Sandbox, CStackOverflowInACoroutineNamesTheLine) {
  Sandbox sb = Make();
  ASSERT_TRUE(sb.LoadString("return function()\n"
                            "  local function f()\n"
                            "    local r = ('x'):gsub('.', f)\n"
                            "    return r\n"
                            "  end\n"
                            "  f()\n"
                            "end\n",
                            "@t.lua")
                  .ok());
  ASSERT_TRUE(sb.Call(0, 1).ok());
  lua_State* co = lua_newthread(sb.L());
  lua_pushvalue(sb.L(), -2);
  lua_xmove(sb.L(), co, 1);
  int nres = 0;
  bool yielded = false;
  ScriptError err;
  Status s = sb.Resume(co, 0, &nres, &yielded, &err);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(err.file, "t.lua") << s.message();
  EXPECT_EQ(err.line, 3) << s.message();
  lua_settop(sb.L(), 0);
}

}  // namespace
}  // namespace livefire::lua
