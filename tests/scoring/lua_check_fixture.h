#pragma once
// A scenario whose node "web" has an http service checked by a Lua function,
// written for the Lua check tests (checks and live), and the check target
// that names that function.

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

#include "livefire/checks/checks.h"

namespace livefire::testsupport {

// Writes <test temp dir>/lf-<tag>-<pid>/scenario.lua for scenario `name`;
// `body` is the check function's body (from a newline on). Returns the folder.
inline std::string WriteLuaCheckScenario(std::string_view tag, std::string_view name,
                                         std::string_view body) {
  const std::string dir =
      ::testing::TempDir() + "lf-" + std::string(tag) + "-" + std::to_string(::getpid());
  std::filesystem::create_directories(dir);
  std::ofstream(dir + "/scenario.lua")
      << "\nscenario { name = \"" << name << "\", duration = \"1h\" }\n"
      << R"(team "white" { role = "white" }
team "red1" { role = "red" }
team "blue1" { role = "blue" }
network "dmz" { cidr = "10.10.1.0/24" }
node "web" {
  template = "micro",
  iface { network = "dmz", address = "10.10.1.10" },
  service "http" { port = 80, check = { kind = "lua", run = function(ctx))"
      << body << R"(  end } },
}
)";
  return dir;
}

// Blue1's web/http check by the scenario's Lua function, at 127.0.0.1:port.
inline checks::CheckTarget LuaCheckTarget(int port) {
  checks::CheckTarget t{
      .team = "blue1", .node = "web", .service = "http", .address = "127.0.0.1", .port = port};
  t.check.kind = "lua";
  t.check.lua_check = "web/http";
  return t;
}

}  // namespace livefire::testsupport
