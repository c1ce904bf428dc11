#include "livefire/live/live.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "livefire/checks/checks.h"
#include "lua_check_fixture.h"

namespace livefire::live {
namespace {

// A scenario whose Lua check counts its calls in a Lua global.
std::string WriteCountingScenario(const std::string& name) {
  return testsupport::WriteLuaCheckScenario("live-" + name, "counting", R"(
    calls = (calls or 0) + 1
    return true, "call " .. calls
)");
}

checks::CheckTarget WebTarget() { return testsupport::LuaCheckTarget(1); }

// Two exercises of the same scenario in one process (each builds its own
// check function) keep their own Lua globals.
TEST(LuaCheckFn, ExercisesOfOneScenarioDoNotShareLuaGlobals) {
  const std::string dir = WriteCountingScenario("globals");
  model::Scenario s;
  s.file = dir + "/scenario.lua";
  s.meta.seed = 3;
  checks::LuaCheckFn first = MakeLuaCheckFn(s);
  checks::LuaCheckFn second = MakeLuaCheckFn(s);
  const checks::CheckTarget t = WebTarget();
  EXPECT_EQ(first(t, Duration::Seconds(1)).detail, "call 1");
  EXPECT_EQ(first(t, Duration::Seconds(1)).detail, "call 2");
  EXPECT_EQ(first(t, Duration::Seconds(1)).detail, "call 3");
  // The second exercise's state starts fresh, and the first goes on.
  EXPECT_EQ(second(t, Duration::Seconds(1)).detail, "call 1");
  EXPECT_EQ(first(t, Duration::Seconds(1)).detail, "call 4");
  EXPECT_EQ(second(t, Duration::Seconds(1)).detail, "call 2");
  std::filesystem::remove_all(dir);
}

// A new function for the same file (an exercise started after another ended)
// starts from a freshly loaded scenario.
TEST(LuaCheckFn, ALaterExerciseStartsFresh) {
  const std::string dir = WriteCountingScenario("fresh");
  model::Scenario s;
  s.file = dir + "/scenario.lua";
  s.meta.seed = 5;
  const checks::CheckTarget t = WebTarget();
  {
    checks::LuaCheckFn first = MakeLuaCheckFn(s);
    EXPECT_EQ(first(t, Duration::Seconds(1)).detail, "call 1");
    EXPECT_EQ(first(t, Duration::Seconds(1)).detail, "call 2");
  }
  checks::LuaCheckFn later = MakeLuaCheckFn(s);
  EXPECT_EQ(later(t, Duration::Seconds(1)).detail, "call 1");
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace livefire::live
