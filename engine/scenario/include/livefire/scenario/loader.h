#pragma once
// Loading a scenario: runs DIR/scenario.lua in the scenario sandbox with the
// scenario language installed (docs/scenario-language.md), builds the typed
// model and validates it. Every problem found is reported, each with the
// place it was declared at: "DIR/scenario.lua:LINE: message".

#include <optional>
#include <string>
#include <vector>

#include "livefire/lua/sandbox.h"
#include "livefire/model/model.h"
#include "livefire/status.h"
#include "livefire/templates/catalog.h"

namespace livefire::scenario {

struct Diagnostic {
  model::SourceLoc loc;
  std::string message;
  std::string ToString() const;  // "file:line: message"
};

struct LoadOptions {
  // Folder of VM templates; "" = templates::DefaultTemplatesDir().
  std::string templates_dir;
  // Budgets for running scenario.lua (its top level only: inject bodies are
  // not called while loading).
  size_t memory_limit = size_t{64} << 20;
  int64_t instruction_limit = 50'000'000;
};

struct LoadOutcome {
  // Set when scenario.lua ran to the end (even if validation then failed).
  std::optional<model::Scenario> scenario;
  // Every problem, in file order.
  std::vector<Diagnostic> diagnostics;

  bool ok() const { return scenario.has_value() && diagnostics.empty(); }
  // All diagnostics, one per line.
  std::string Report() const;
};

// dir: the scenario folder (holding scenario.lua); a path to a scenario.lua
// file is accepted too.
LoadOutcome LoadScenario(const std::string& dir, const LoadOptions& options = {});

// The scenario when it loaded without a single diagnostic; otherwise
// InvalidArgument listing every diagnostic, one per line (NotFound when
// there is no scenario.lua, Unavailable when templates cannot be read).
Result<model::Scenario> LoadValidScenario(const std::string& dir, const LoadOptions& options = {});

// Validation of an already built model against the template catalog
// (LoadScenario calls it). Exposed for tools that edit models in memory.
std::vector<Diagnostic> Validate(const model::Scenario& s, const templates::Catalog& templates);

}  // namespace livefire::scenario
