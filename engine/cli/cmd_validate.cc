// livefire validate DIR [--templates DIR]: loads and validates a scenario.
// Prints "DIR: ok (...)" and exits 0, or prints every problem as
// "DIR/scenario.lua:LINE: message" and exits 1.

#include <fmt/format.h>

#include <memory>

#include "cli.h"
#include "livefire/scenario/loader.h"

namespace livefire::cli {

namespace {

struct ValidateArgs {
  std::string dir;
  std::string templates;
};

Status RunValidate(const ValidateArgs& a, Context& ctx) {
  scenario::LoadOptions opts;
  opts.templates_dir = a.templates;
  scenario::LoadOutcome out = scenario::LoadScenario(a.dir, opts);
  if (out.ok()) {
    const model::Scenario& s = *out.scenario;
    ctx.out << fmt::format("{}: ok ({} networks, {} nodes, {} injects, {} teams)\n", a.dir,
                           s.networks.size(), s.nodes.size(), s.injects.size(), s.teams.size());
    return Status::Ok();
  }
  for (const auto& d : out.diagnostics) ctx.err << d.ToString() << "\n";
  size_t n = out.diagnostics.size();
  return Status::InvalidArgument(
      fmt::format("{}: {} problem{} found", a.dir, n, n == 1 ? "" : "s"));
}

}  // namespace

void RegisterValidate(CLI::App& app, Context& ctx) {
  auto args = std::make_shared<ValidateArgs>();
  CLI::App* cmd = app.add_subcommand(
      "validate", "Check a scenario folder: the Lua file, references, addresses, reachability");
  cmd->add_option("dir", args->dir, "scenario folder (holding scenario.lua)")->required();
  cmd->add_option("--templates", args->templates,
                  "VM templates folder (default: $LIVEFIRE_TEMPLATES_DIR, else vm-templates "
                  "found next to the executable or the current directory)");
  cmd->callback([args, &ctx] { ctx.status = RunValidate(*args, ctx); });
}

}  // namespace livefire::cli
