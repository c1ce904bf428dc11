// livefire ls [--uri U] [--all] [--json]: exercises found in libvirt (by the
// livefire metadata of their domains) and in the state folder. Exercises
// taken down (`livefire down`) are left out unless --all, which marks them.

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "cli.h"
#include "libvirt_options.h"

namespace livefire::cli {

namespace {

struct LsArgs {
  std::string uri;
  bool json = false;
  bool all = false;
};

Status RunLs(const LsArgs& a, Context& ctx) {
  LF_ASSIGN_OR_RETURN(auto prov, OpenProvisioner(ctx, a.uri));
  LF_ASSIGN_OR_RETURN(auto found, prov->List());
  std::vector<provision::ExerciseSummary> list;
  for (auto& e : found) {
    if (a.all || !e.down) list.push_back(std::move(e));
  }
  if (a.json) {
    nlohmann::json j = nlohmann::json::array();
    for (const auto& e : list) {
      j.push_back({{"exercise", e.exercise},
                   {"domains", e.domains},
                   {"running", e.running},
                   {"networks", e.networks},
                   {"state", e.has_state},
                   {"down", e.down}});
    }
    ctx.out << j.dump(2) << "\n";
    return Status::Ok();
  }
  ctx.out << fmt::format("{:<28} {:>7} {:>7} {:>8}  {}\n", "EXERCISE", "DOMAINS", "RUNNING",
                         "NETWORKS", "STATE");
  for (const auto& e : list) {
    ctx.out << fmt::format("{:<28} {:>7} {:>7} {:>8}  {}\n", e.exercise, e.domains, e.running,
                           e.networks,
                           e.down        ? "down"
                           : e.has_state ? "yes"
                                         : "no");
  }
  return Status::Ok();
}

}  // namespace

void RegisterLs(CLI::App& app, Context& ctx) {
  auto a = std::make_shared<LsArgs>();
  auto* cmd = app.add_subcommand("ls", "List exercises that have a range in libvirt");
  AddUriOption(cmd, a->uri);
  cmd->add_flag("--json", a->json, "machine-readable output");
  cmd->add_flag("--all", a->all, "also exercises taken down (marked down)");
  cmd->callback([a, &ctx] { ctx.status = RunLs(*a, ctx); });
}

}  // namespace livefire::cli
