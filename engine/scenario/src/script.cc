#include "livefire/scenario/script.h"

#include <fmt/format.h>

#include <lua.hpp>
#include <vector>

#include "dsl.h"

namespace livefire::scenario {

Result<ScenarioScript> ScenarioScript::Load(lua::Sandbox& sandbox,
                                            const std::string& scenario_file) {
  lua::ScriptError err;
  LF_RETURN_IF_ERROR(dsl::RunScenarioFile(sandbox, scenario_file, &err));
  ScenarioScript script;
  script.sandbox_ = &sandbox;
  lua_State* L = sandbox.L();
  model::Scenario unused;
  std::vector<Diagnostic> diags;
  dsl::BuildModel(L, scenario_file, &unused, &diags,
                  [&](dsl::FunctionKind kind, const std::string& key, int idx) {
                    auto& map = kind == dsl::FunctionKind::kInjectBody        ? script.bodies_
                                : kind == dsl::FunctionKind::kInjectCondition ? script.conditions_
                                : kind == dsl::FunctionKind::kSimPolicy       ? script.policies_
                                                                              : script.checks_;
                    map.insert_or_assign(key, lua::Ref(L, idx));
                  });
  return script;
}

namespace {
const lua::Ref* Lookup(const std::map<std::string, lua::Ref, std::less<>>& m,
                       std::string_view key) {
  auto it = m.find(key);
  return it == m.end() ? nullptr : &it->second;
}
}  // namespace

const lua::Ref* ScenarioScript::InjectBody(std::string_view inject) const {
  return Lookup(bodies_, inject);
}
const lua::Ref* ScenarioScript::InjectCondition(std::string_view inject) const {
  return Lookup(conditions_, inject);
}
const lua::Ref* ScenarioScript::Check(std::string_view key) const { return Lookup(checks_, key); }
const lua::Ref* ScenarioScript::SimPolicy(std::string_view side) const {
  return Lookup(policies_, side);
}

}  // namespace livefire::scenario
