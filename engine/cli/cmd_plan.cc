// `livefire plan DIR [--teams N] [--json] [--templates DIR]`: loads and
// validates a scenario, instantiates it for the blue teams and prints the
// range plan (networks, domains, addresses, attack paths) or its JSON, then
// on stderr whether this host's memory and cores can hold it (exit 2 if not).
#include <nlohmann/json.hpp>
#include <string>

#include "cli.h"
#include "host_capacity.h"
#include "livefire/scenario/loader.h"
#include "livefire/templates/catalog.h"
#include "livefire/topology/plan.h"

namespace livefire::cli {

namespace {

struct PlanArgs {
  std::string dir;
  int teams = 0;
  bool json = false;
  std::string templates;
};

Status RunPlan(const PlanArgs& a, Context& ctx) {
  scenario::LoadOptions lo;
  lo.templates_dir = a.templates;
  LF_ASSIGN_OR_RETURN(model::Scenario s, scenario::LoadValidScenario(a.dir, lo));

  topology::PlanOptions po;
  po.team_count = a.teams;
  std::string templates_dir = a.templates;
  if (templates_dir.empty()) {
    LF_ASSIGN_OR_RETURN(templates_dir, templates::DefaultTemplatesDir());
  }
  LF_ASSIGN_OR_RETURN(templates::Catalog catalog, templates::Catalog::Load(templates_dir));
  po.template_resources = catalog.Resources();
  LF_ASSIGN_OR_RETURN(topology::RangePlan plan, topology::MakePlan(s, po));
  if (a.json) {
    ctx.out << topology::ToJson(plan).dump(2) << "\n";
  } else {
    ctx.out << topology::FormatPlan(plan);
  }
  // The plan is printed either way (it may be meant for a bigger host); the
  // exit code says whether this one can hold it.
  return CheckHostCapacity(ctx, plan, catalog, ctx.err);
}

}  // namespace

void RegisterPlan(CLI::App& app, Context& ctx) {
  auto args = std::make_shared<PlanArgs>();
  CLI::App* cmd = app.add_subcommand(
      "plan",
      "Instantiate a scenario for the blue teams: per-team networks and addresses, routers, "
      "provisioning layers, cheapest attack paths");
  cmd->add_option("dir", args->dir, "scenario folder (holding scenario.lua)")->required();
  cmd->add_option("--teams", args->teams,
                  "number of blue teams (blue1..blueN) instead of the scenario's own")
      ->check(CLI::Range(1, 100000));
  cmd->add_flag("--json", args->json, "print the plan as JSON (stable, for tools and diffs)");
  cmd->add_option("--templates", args->templates,
                  "VM templates folder (default: $LIVEFIRE_TEMPLATES_DIR or vm-templates)");
  cmd->callback([args, &ctx] { ctx.status = RunPlan(*args, ctx); });
}

}  // namespace livefire::cli
