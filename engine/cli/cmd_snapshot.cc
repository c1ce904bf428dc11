// livefire snapshot ID TEAM [NODE]: saves the running state of a node (or of a
// team's whole copy) so that `livefire revert` restores it in seconds instead
// of cold-booting. Diskless templates (micro) only.

#include <fmt/format.h>

#include "cli.h"
#include "libvirt_options.h"
#include "livefire/ids.h"

namespace livefire::cli {

namespace {

struct SnapshotArgs {
  std::string id, team, node, uri;
};

Status RunSnapshot(const SnapshotArgs& a, Context& ctx) {
  LF_ASSIGN_OR_RETURN(ExerciseId id, ParseExerciseId(a.id));
  LF_ASSIGN_OR_RETURN(auto prov, OpenProvisioner(ctx, a.uri));
  std::optional<NodeId> node;
  if (!a.node.empty()) node = NodeId(a.node);
  LF_RETURN_IF_ERROR(prov->Snapshot(id, TeamId(a.team), node));
  ctx.out << fmt::format("saved {}/{}\n", a.team, a.node.empty() ? "*" : a.node);
  return Status::Ok();
}

}  // namespace

void RegisterSnapshot(CLI::App& app, Context& ctx) {
  auto a = std::make_shared<SnapshotArgs>();
  auto* cmd = app.add_subcommand("snapshot", "Save nodes' running state for fast reverts");
  cmd->add_option("ID", a->id, "exercise id")->required();
  cmd->add_option("TEAM", a->team, "blue team, or 'shared' for shared nodes")->required();
  cmd->add_option("NODE", a->node, "one node (default: every node of the team)");
  AddUriOption(cmd, a->uri);
  cmd->callback([a, &ctx] { ctx.status = RunSnapshot(*a, ctx); });
}

}  // namespace livefire::cli
