// livefire exec ID TEAM NODE [--timeout 60s] -- CMD [ARG...]: runs a command in
// a range node through its guest agent and prints its stdout and stderr.
// Team "shared" addresses shared nodes (the red zone).
//
// Exit status: 0 when the command exited 0; 1 when it exited non-zero (its
// status is printed on stderr) or the exercise/node does not exist; 2 when it
// could not be run or did not finish in time (libvirt, agent, timeout).

#include <fmt/format.h>

#include "cli.h"
#include "libvirt_options.h"
#include "livefire/ids.h"
#include "livefire/time.h"

namespace livefire::cli {

namespace {

struct ExecArgs {
  std::string id, team, node, timeout = "60s", uri;
  std::vector<std::string> command;
};

Status RunExec(const ExecArgs& a, Context& ctx) {
  LF_ASSIGN_OR_RETURN(ExerciseId id, ParseExerciseId(a.id));
  LF_ASSIGN_OR_RETURN(Duration timeout, ParseDuration(a.timeout));
  LF_ASSIGN_OR_RETURN(auto prov, OpenProvisioner(ctx, a.uri));
  LF_ASSIGN_OR_RETURN(provision::ExecResult r,
                      prov->Exec(id, TeamId(a.team), NodeId(a.node), a.command, timeout));
  ctx.out << r.out;
  ctx.err << r.err;
  if (r.truncated) ctx.err << "livefire: (output truncated by the guest agent)\n";
  if (r.exit_code != 0) {
    return Status::FailedPrecondition(fmt::format("'{}' on {}/{} exited with status {}{}",
                                                  a.command.front(), a.team, a.node, r.exit_code,
                                                  r.signaled ? " (signal)" : ""));
  }
  return Status::Ok();
}

}  // namespace

void RegisterExec(CLI::App& app, Context& ctx) {
  auto a = std::make_shared<ExecArgs>();
  auto* cmd = app.add_subcommand("exec", "Run a command in a range node (guest agent)");
  cmd->add_option("ID", a->id, "exercise id")->required();
  cmd->add_option("TEAM", a->team, "blue team, or 'shared' for shared nodes")->required();
  cmd->add_option("NODE", a->node, "scenario node name")->required();
  cmd->add_option("CMD", a->command, "command and arguments (after --)")->required();
  cmd->add_option("--timeout", a->timeout, "kill the command after this long (e.g. 30s, 5m)")
      ->capture_default_str();
  AddUriOption(cmd, a->uri);
  cmd->callback([a, &ctx] { ctx.status = RunExec(*a, ctx); });
}

}  // namespace livefire::cli
