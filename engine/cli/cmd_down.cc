// livefire down ID [--uri U]: removes every domain, network, overlay and state
// file of an exercise. Objects are found in libvirt by their livefire
// metadata, so this works after a crash; a second down is a no-op.

#include <fmt/format.h>

#include "cli.h"
#include "libvirt_options.h"
#include "livefire/ids.h"

namespace livefire::cli {

namespace {

struct DownArgs {
  std::string id;
  std::string uri;
};

Status RunDown(const DownArgs& a, Context& ctx) {
  LF_ASSIGN_OR_RETURN(ExerciseId id, ParseExerciseId(a.id));
  LF_ASSIGN_OR_RETURN(auto prov, OpenProvisioner(ctx, a.uri));
  LF_ASSIGN_OR_RETURN(provision::DownReport r, prov->Down(id));
  if (r.nothing()) {
    ctx.out << fmt::format("nothing to remove for {}\n", id.str());
  } else {
    ctx.out << fmt::format("removed {}: {} domains, {} networks{}\n", id.str(), r.domains,
                           r.networks, r.state_removed ? ", state folder" : "");
  }
  return Status::Ok();
}

}  // namespace

void RegisterDown(CLI::App& app, Context& ctx) {
  auto a = std::make_shared<DownArgs>();
  auto* cmd = app.add_subcommand("down", "Take an exercise's range down (idempotent)");
  cmd->add_option("ID", a->id, "exercise id (as printed by `livefire up`)")->required();
  AddUriOption(cmd, a->uri);
  cmd->callback([a, &ctx] { ctx.status = RunDown(*a, ctx); });
}

}  // namespace livefire::cli
