// The sandbox's interrupt entry point: a flag set from another thread ends a
// script that would never return, and pcall cannot swallow it.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "livefire/lua/sandbox.h"

namespace livefire::lua {
namespace {

TEST(SandboxInterrupt, AFlagSetFromAnotherThreadEndsAnEndlessLoop) {
  std::atomic<bool> stop{false};
  SandboxOptions o;
  o.name = "inject";
  o.instruction_limit = INT64_C(1) << 60;  // the budget never runs out here
  o.interrupt = &stop;
  auto sb = Sandbox::Create(o);
  ASSERT_TRUE(sb.ok()) << sb.status().ToString();
  // pcall around the loop: the interrupt must still end the call.
  ASSERT_TRUE(
      sb->LoadString("while true do pcall(function() while true do end end) end", "@spin.lua")
          .ok());
  std::thread setter([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    stop.store(true);
  });
  ScriptError err;
  Status s = sb->Call(0, 0, &err);
  setter.join();
  EXPECT_EQ(s.code(), StatusCode::kResourceExhausted) << s.ToString();
  EXPECT_NE(s.message().find("spin.lua:1: interrupted: the engine is stopping"), std::string::npos)
      << s.message();
  // Cleared, the next call runs normally.
  stop.store(false);
  ASSERT_TRUE(sb->LoadString("return 1 + 1", "@ok.lua").ok());
  EXPECT_TRUE(sb->Call(0, 1).ok());
}

}  // namespace
}  // namespace livefire::lua
