#pragma once
// The scenario language's Lua side (internal to the scenario component).
//
// Running scenario.lua only records declarations: each DSL function (team,
// network, node, service, ...) stores a record {kind, name, line, body} in
// registry tables. BuildModel() then walks those records from C++ with raw,
// non-raising Lua accessors, so that every problem becomes a diagnostic
// instead of stopping at the first one.

#include <functional>
#include <string>
#include <vector>

#include "livefire/lua/sandbox.h"
#include "livefire/scenario/loader.h"
#include "livefire/model/model.h"

namespace livefire::scenario::dsl {

// Installs the DSL globals in the sandbox and runs the file.
Status RunScenarioFile(lua::Sandbox& sandbox, const std::string& file, lua::ScriptError* error);

enum class FunctionKind { kInjectBody, kInjectCondition, kCheck, kSimPolicy };
// Called with the function at stack index `idx` (valid during the call).
using FunctionSink = std::function<void(FunctionKind, const std::string& key, int idx)>;

// Builds the model from the recorded declarations; field-level problems go
// to diags. `file` is used in every SourceLoc.
void BuildModel(lua_State* L, const std::string& file, model::Scenario* out,
                std::vector<Diagnostic>* diags, const FunctionSink& sink = nullptr);

// Closest candidate within edit distance 2 ("" when none): for "did you mean".
std::string Suggest(std::string_view word, const std::vector<std::string>& candidates);

}  // namespace livefire::scenario::dsl
