#pragma once
// The Lua side of a loaded scenario, for the runtime: inject bodies (`run`),
// trigger predicates (`when`) and Lua service checks stay functions in
// scenario.lua. ScenarioScript runs the file in a sandbox the caller owns
// (one per blue team, say) and keeps registry references to those
// functions, looked up by inject name or "node/service".

#include <map>
#include <string>
#include <string_view>

#include "livefire/lua/sandbox.h"
#include "livefire/lua/state.h"
#include "livefire/status.h"

namespace livefire::scenario {

class ScenarioScript {
 public:
  // Runs `scenario_file` (a scenario.lua) in `sandbox` with the scenario
  // language installed. The sandbox must outlive the ScenarioScript. Fails
  // with the script error (file:line) if the file does not run; validation
  // is LoadScenario's job.
  static Result<ScenarioScript> Load(lua::Sandbox& sandbox, const std::string& scenario_file);

  // nullptr when the inject has no such function.
  const lua::Ref* InjectBody(std::string_view inject) const;
  const lua::Ref* InjectCondition(std::string_view inject) const;
  // A `check = { kind = "lua", run = function(ctx) ... end }` of a service;
  // key is "node/service" (HealthCheck::lua_check holds it).
  const lua::Ref* Check(std::string_view key) const;
  // The scenario's `sim_policy { red = function(view) ... end }` for side
  // "red" (livefire sim --policy red=lua).
  const lua::Ref* SimPolicy(std::string_view side) const;

  lua::Sandbox& sandbox() const { return *sandbox_; }

 private:
  lua::Sandbox* sandbox_ = nullptr;
  std::map<std::string, lua::Ref, std::less<>> bodies_;
  std::map<std::string, lua::Ref, std::less<>> conditions_;
  std::map<std::string, lua::Ref, std::less<>> checks_;
  std::map<std::string, lua::Ref, std::less<>> policies_;
};

}  // namespace livefire::scenario
