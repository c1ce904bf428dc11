// livefire revert ID TEAM [NODE] [--reason TEXT]: puts one node, or a team's
// whole copy, back to its pristine state (a saved state when `livefire
// snapshot` made one, else a cold boot from the original boot configuration
// with files re-planted). Every revert is appended to
// <state>/exercises/ID/reverts.jsonl (scoring may penalise reverts).

#include <fmt/format.h>

#include "cli.h"
#include "libvirt_options.h"
#include "livefire/ids.h"
#include "livefire/time.h"

namespace livefire::cli {

namespace {

struct RevertArgs {
  std::string id, team, node, reason, timeout = "5m", uri;
};

Status RunRevert(const RevertArgs& a, Context& ctx) {
  LF_ASSIGN_OR_RETURN(ExerciseId id, ParseExerciseId(a.id));
  LF_ASSIGN_OR_RETURN(Duration timeout, ParseDuration(a.timeout));
  LF_ASSIGN_OR_RETURN(auto prov, OpenProvisioner(ctx, a.uri));
  std::optional<NodeId> node;
  if (!a.node.empty()) node = NodeId(a.node);
  LF_ASSIGN_OR_RETURN(auto recs, prov->Revert(id, TeamId(a.team), node, a.reason, timeout));
  int failed = 0;
  for (const auto& r : recs) {
    if (r.ok) {
      ctx.out << fmt::format("reverted {}/{} ({}, {:.1f} s)\n", a.team, r.node, r.method,
                             r.seconds);
    } else {
      ++failed;
      ctx.out << fmt::format("FAILED {}/{}: {}\n", a.team, r.node, r.error);
    }
  }
  if (failed > 0) {
    return Status::Unavailable(
        fmt::format("{} of {} nodes could not be reverted", failed, recs.size()));
  }
  return Status::Ok();
}

}  // namespace

void RegisterRevert(CLI::App& app, Context& ctx) {
  auto a = std::make_shared<RevertArgs>();
  auto* cmd = app.add_subcommand("revert", "Revert a node or a team's whole copy");
  cmd->add_option("ID", a->id, "exercise id")->required();
  cmd->add_option("TEAM", a->team, "blue team, or 'shared' for shared nodes")->required();
  cmd->add_option("NODE", a->node, "one node (default: every node of the team)");
  cmd->add_option("--reason", a->reason, "why (recorded in reverts.jsonl)");
  cmd->add_option("--timeout", a->timeout, "readiness wait per node")->capture_default_str();
  AddUriOption(cmd, a->uri);
  cmd->callback([a, &ctx] { ctx.status = RunRevert(*a, ctx); });
}

}  // namespace livefire::cli
