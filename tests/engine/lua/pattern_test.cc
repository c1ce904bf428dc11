// The sandbox's own Lua 5.4 pattern matcher (engine/lua/src/pattern.cc):
// the usual cases against the results Lua 5.4 gives, the same cases against
// liblua's matcher in a plain state, and the budget on backtracking.
#include <gtest/gtest.h>

#include <lua.hpp>
#include <string>
#include <vector>

#include "livefire/lua/sandbox.h"

namespace livefire::lua {
namespace {

// Serialises every result of `expr` ("ok,..." or "err,message") the same way
// in both states.
constexpr const char* kSerialise =
    "local function ser(...)\n"
    "  local t = table.pack(...)\n"
    "  local o = {}\n"
    "  for i = 1, t.n do\n"
    "    local v = t[i]\n"
    "    o[i] = type(v) == 'string' and ('\"' .. v .. '\"') or tostring(v)\n"
    "  end\n"
    "  return table.concat(o, ',')\n"
    "end\n"
    "local function collect(it)\n"
    "  local o = {}\n"
    "  for a, b in it do o[#o + 1] = b and (a .. ':' .. b) or a end\n"
    "  return table.concat(o, '|')\n"
    "end\n"
    "return ser(pcall(function() return ";

std::string Eval(lua_State* L, const std::string& expr, bool sandboxed, Sandbox* sb) {
  std::string code = std::string(kSerialise) + expr + "\nend))\n";
  if (sandboxed) {
    Status s = sb->LoadString(code, "@t.lua");
    if (!s.ok()) return "load: " + s.message();
    s = sb->Call(0, 1);
    if (!s.ok()) return "call: " + s.message();
  } else {
    if (luaL_loadbuffer(L, code.data(), code.size(), "@t.lua") != LUA_OK ||
        lua_pcall(L, 0, 1, 0) != LUA_OK) {
      std::string m = lua_tostring(L, -1);
      lua_pop(L, 1);
      return "plain: " + m;
    }
  }
  std::string out = lua_tostring(L, -1) ? lua_tostring(L, -1) : "(nil)";
  lua_pop(L, 1);
  return out;
}

struct Case {
  const char* expr;
  const char* expected;  // ser(pcall(...)) in Lua 5.4
};

const std::vector<Case>& Cases() {
  static const std::vector<Case> cases = {
      // find: plain and pattern, init, captures, position captures
      {R"~(string.find("hello world", "wor"))~", "true,7,9"},
      {R"~(string.find("hello world", "o", 6))~", "true,8,8"},
      {R"~(string.find("hello", "l+"))~", "true,3,4"},
      {R"~(string.find("hello", "xyz"))~", "true,nil"},
      {R"~(string.find("a.b", ".", 1, true))~", "true,2,2"},
      {R"~(string.find("a.b", "%."))~", "true,2,2"},
      {R"~(string.find("hello", "(l)(l)"))~", "true,3,4,\"l\",\"l\""},
      {R"~(string.find("hello", "()ll()"))~", "true,3,4,3,5"},
      {R"~(("hello"):find("l", -2))~", "true,4,4"},
      {R"~(("hello"):find("", 10))~", "true,nil"},
      {R"~(("hello"):find("", 6))~", "true,6,5"},
      {R"~(("hello"):find("h", -100))~", "true,1,1"},
      // match: classes, sets, anchors, lazy and optional items
      {R"~(string.match("key = value", "(%w+)%s*=%s*(%w+)"))~", "true,\"key\",\"value\""},
      {R"~(string.match("2024-01-15", "(%d+)-(%d+)-(%d+)"))~", "true,\"2024\",\"01\",\"15\""},
      {R"~(string.match("  trim me  ", "^%s*(.-)%s*$"))~", "true,\"trim me\""},
      {R"~(string.match("hello", "^(h)"))~", "true,\"h\""},
      {R"~(string.match("hello", "^e"))~", "true,nil"},
      {R"~(string.match("hello", "o$"))~", "true,\"o\""},
      {R"~(string.match("hel$lo", "l$l"))~", "true,\"l$l\""},
      {R"~(string.match("abc", "()"))~", "true,1"},
      {R"~(string.match("hello world", "%a+", 6))~", "true,\"world\""},
      {R"~(string.match("x_1 = 10", "[%w_]+"))~", "true,\"x_1\""},
      {R"~(string.match("0x1F", "0[xX](%x+)"))~", "true,\"1F\""},
      {R"~(string.match("abc123", "[^%d]+"))~", "true,\"abc\""},
      {R"~(string.match("a-b", "[a%-]+"))~", "true,\"a-\""},
      {R"~(string.match("]", "[]]"))~", "true,\"]\""},
      {R"~(string.match("m3", "[a-z][0-9]"))~", "true,\"m3\""},
      {R"~(string.match("aaa", "a-b"))~", "true,nil"},
      {R"~(string.match("aaab", "a-b"))~", "true,\"aaab\""},
      {R"~(string.match("abab", "(ab)%1"))~", "true,\"ab\""},
      {R"~(string.match("hello", ".-(l+)"))~", "true,\"ll\""},
      {R"~(string.match("color colour", "colou?r"))~", "true,\"color\""},
      {R"~(string.match("date: 2024", "((%a+): (%d+))"))~",
       "true,\"date: 2024\",\"date\",\"2024\""},
      // %b and %f
      {R"~(string.match("f(a(b)c)d", "%b()"))~", "true,\"(a(b)c)\""},
      {R"~(string.match("(()", "%b()"))~", "true,\"()\""},
      {R"~(string.match("x [y [z]] w", "%b[]"))~", "true,\"[y [z]]\""},
      {R"~(string.match("THE (quick) fox", "%f[%a]%a+"))~", "true,\"THE\""},
      {R"~(string.gsub("THE (quick) fox", "%f[%a]%a+", "W"))~", "true,\"W (W) W\",3"},
      {R"~(string.gsub("hello world", "%f[%w]%w+%f[%W]", "X"))~", "true,\"X X\",2"},
      // classes and complements
      {R"~(("Hello, World!"):gsub("%u", "U"))~", "true,\"Uello, Uorld!\",2"},
      {R"~(("Hello, World!"):gsub("%p", ""))~", "true,\"Hello World\",2"},
      {"(\"a\\tb\\n\"):gsub(\"%c\", \"\")", "true,\"ab\",2"},
      {R"~(("a b"):gsub("%g", ""))~", "true,\" \",2"},
      {R"~(("aBc"):gsub("%L", ""))~", "true,\"ac\",1"},
      {R"~(("a1 b2"):gsub("%W", ""))~", "true,\"a1b2\",1"},
      {R"~(("x9"):gsub("%D", ""))~", "true,\"9\",1"},
      {R"~(("a b"):gsub("%S", ""))~", "true,\" \",2"},
      {R"~(("AbC"):gsub("%U", "."))~", "true,\"A.C\",1"},
      {R"~(("g0z"):gsub("%X", "."))~", "true,\".0.\",2"},
      // gsub: string replacement with %0-%9 and %%, n limit, anchors
      {R"~(string.gsub("hello world", "o", "0"))~", "true,\"hell0 w0rld\",2"},
      {R"~(string.gsub("hello world", "(%w+)", "<%1>"))~", "true,\"<hello> <world>\",2"},
      {R"~(string.gsub("hello world", "%w+", "%0 %0", 1))~", "true,\"hello hello world\",1"},
      {R"~(string.gsub("hello world", "(o)", "[%1]", 1))~", "true,\"hell[o] world\",1"},
      {R"~(string.gsub("abc", "", "-"))~", "true,\"-a-b-c-\",4"},
      {R"~(string.gsub("hello", "l", "%%"))~", "true,\"he%%o\",2"},
      {R"~(string.gsub("aaa", "^a", "x"))~", "true,\"xaa\",1"},
      {R"~(string.gsub("abc", "()", "%1"))~", "true,\"1a2b3c4\",4"},
      {R"~(string.gsub("abc", "b", 5))~", "true,\"a5c\",1"},
      {R"~(string.gsub("a,b,,c", ",", ";", 2))~", "true,\"a;b;,c\",2"},
      // gsub: table and function replacement
      {R"~(string.gsub("$name is $age", "%$(%w+)", {name = "Bob", age = 42}))~",
       "true,\"Bob is 42\",2"},
      {R"~(string.gsub("$name $missing", "%$(%w+)", {name = "Bob"}))~", "true,\"Bob $missing\",2"},
      {R"~(string.gsub("1 2 3", "%d", function(d) return d * 2 end))~", "true,\"2 4 6\",3"},
      {R"~(string.gsub("a b", "%w", function() return nil end))~", "true,\"a b\",2"},
      {R"~(string.gsub("k=v", "(%w)=(%w)", function(k, v) return v .. "=" .. k end))~",
       "true,\"v=k\",1"},
      {R"~(string.gsub("one two", "%w+", string.upper, 1))~", "true,\"ONE two\",1"},
      // gmatch: captures, init, empty matches, '^' is no anchor in 5.4
      {R"~(collect(("one two three"):gmatch("%a+")))~", "true,\"one|two|three\""},
      {R"~(collect(("a=1, b=2"):gmatch("(%w+)=(%w+)")))~", "true,\"a:1|b:2\""},
      {R"~(collect(("hello"):gmatch("^h")))~", "true,\"\""},
      {R"~(collect(("^h^h"):gmatch("^h")))~", "true,\"^h|^h\""},
      {R"~(collect(("abc"):gmatch(".", 2)))~", "true,\"b|c\""},
      {R"~(collect(("abc"):gmatch("x*")))~", "true,\"|||\""},
      {R"~(collect(("a1b22"):gmatch("()%d+()")))~", "true,\"2:3|4:6\""},
      // errors, as liblua words them
      {R"~(("x"):find("%"))~", "false,\"t.lua:15: malformed pattern (ends with '%')\""},
      {R"~(("x"):find("[a"))~", "false,\"t.lua:15: malformed pattern (missing ']')\""},
      {R"~(("x"):find("%b"))~",
       "false,\"t.lua:15: malformed pattern (missing arguments to '%b')\""},
      {R"~(("x"):find("%f"))~", "false,\"t.lua:15: missing '[' after '%f' in pattern\""},
      {R"~(("x"):find("(x"))~", "false,\"t.lua:15: unfinished capture\""},
      {R"~(("x"):match("x)"))~", "false,\"t.lua:15: invalid pattern capture\""},
      {R"~(("x"):gsub(".", "%2"))~", "false,\"t.lua:15: invalid capture index %2\""},
      {R"~(("x"):gsub(".", "%z"))~",
       "false,\"t.lua:15: invalid use of '%' in replacement string\""},
      {R"~(("x"):gsub(".", function() return {} end))~",
       "false,\"t.lua:15: invalid replacement value (a table)\""},
      {R"~(("x"):match(string.rep("()", 33)))~", "false,\"t.lua:15: too many captures\""},
  };
  return cases;
}

Sandbox MakeSandbox(int64_t instructions = 10'000'000) {
  SandboxOptions o;
  o.memory_limit = size_t{16} << 20;
  o.instruction_limit = instructions;
  auto sb = Sandbox::Create(o);
  EXPECT_TRUE(sb.ok()) << sb.status().ToString();
  return std::move(sb).value();
}

TEST(Pattern, UsualCasesGiveLua54Results) {
  Sandbox sb = MakeSandbox();
  for (const Case& c : Cases()) {
    EXPECT_EQ(Eval(sb.L(), c.expr, true, &sb), c.expected) << c.expr;
  }
}

TEST(Pattern, AgreesWithLiblua) {
  // The same cases through liblua's own matcher in a plain state: where the
  // expectations above and liblua differ, this shows which one is wrong.
  Sandbox sb = MakeSandbox();
  auto plain = State::Create();
  ASSERT_TRUE(plain.ok());
  luaL_openlibs(plain->get());
  std::vector<std::string> extra = {
      R"~(("a"):rep(12):match(("a?"):rep(12) .. ("a"):rep(12)))~",  // backtracking
      R"~(("a"):rep(250):match(("a?"):rep(250)))~",                 // "pattern too complex"
      R"~(string.gsub("hello world", "", "."))~",
      R"~(string.gsub("abc", ".-", "x"))~",
      R"~(string.find("a\0b", "%z"))~",
      R"~(string.find("a\0b", "\0", 1, true))~",
      R"~(string.match("a\0b", ".%z?(.)"))~",
      R"~(collect(string.gmatch("key1=val1;key2=val2", "(%w+)=(%w+)")))~",
      R"~(string.gsub("hello", ".", {h = 1, e = true, l = false}))~",
      R"~(string.match("  x", "^%s*$"))~",
      R"~(string.find("abc", "b", 0))~",
      R"~(string.find("abc", "[%a-z]"))~",
      R"~(string.find("a-z", "[a-]"))~",
      R"~(string.match("[[x]]", "%[(%b[])%]"))~",
  };
  for (const Case& c : Cases()) extra.push_back(c.expr);
  for (const std::string& e : extra) {
    EXPECT_EQ(Eval(sb.L(), e, true, &sb), Eval(plain->get(), e, false, nullptr)) << e;
  }
}

TEST(Pattern, CatastrophicBacktrackingEndsWithABudgetError) {
  Sandbox sb = MakeSandbox(5'000'000);
  ScriptError err;
  ASSERT_TRUE(sb.LoadString("local s = string.rep('a', 30)\n"
                            "local p = string.rep('a*', 30) .. 'b'\n"
                            "return string.find(s, p)\n",
                            "@t.lua")
                  .ok());
  Status s = sb.Call(0, 0, &err);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(s.message(), "t.lua:3: instruction budget of 5000000 instructions exceeded");
  EXPECT_EQ(err.line, 3);
}

TEST(Pattern, BudgetErrorInsidePcallIsNotSwallowed) {
  Sandbox sb = MakeSandbox(5'000'000);
  ASSERT_TRUE(
      sb.LoadString(
            "local s = string.rep('a', 30)\n"
            "for _, f in ipairs({'find', 'match', 'gmatch', 'gsub'}) do\n"
            "  pcall(function()\n"
            "    local r = s[f](s, string.rep('a*', 30) .. 'b', f == 'gsub' and '' or nil)\n"
            "    if f == 'gmatch' then r() end\n"
            "  end)\n"
            "end\n"
            "return 'escaped'\n",
            "@t.lua")
          .ok());
  Status s = sb.Call(0, 1);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(s.message(), "t.lua:4: instruction budget of 5000000 instructions exceeded");
}

TEST(Pattern, EveryFunctionIsBounded) {
  for (const char* call : {"s:find(p)", "s:match(p)", "s:gmatch(p)()", "s:gsub(p, 'x')"}) {
    Sandbox sb = MakeSandbox(2'000'000);
    std::string code =
        std::string("local s, p = ('a'):rep(28), ('a*'):rep(28) .. 'b'\nlocal r = ") + call + "\n";
    ASSERT_TRUE(sb.LoadString(code, "@t.lua").ok());
    Status s = sb.Call(0, 0);
    EXPECT_EQ(s.message(), "t.lua:2: instruction budget of 2000000 instructions exceeded") << call;
  }
}

TEST(Pattern, OrdinaryMatchingStaysWithinBudget) {
  Sandbox sb = MakeSandbox(1'000'000);
  ASSERT_TRUE(sb.LoadString("local n = 0\n"
                            "for i = 1, 200 do\n"
                            "  local line = 'GET /cgi-bin/ping.cgi?host=' .. i .. ' HTTP/1.1'\n"
                            "  if line:match('^GET (%S+) HTTP/1%.%d$') then n = n + 1 end\n"
                            "end\n"
                            "return n\n",
                            "@t.lua")
                  .ok());
  ASSERT_TRUE(sb.Call(0, 1).ok());
  EXPECT_EQ(lua_tointeger(sb.L(), -1), 200);
  lua_settop(sb.L(), 0);
}

}  // namespace
}  // namespace livefire::lua
