// livefire down ID [--uri U] [--libvirt-log-dir D] [--libvirt-network-dir D]:
// removes every domain, network, overlay and range file of an exercise, and
// what libvirt leaves behind for them (qemu logs, network status files).
// Objects are found in libvirt by their livefire metadata (and by the names
// in the kept plan.json), so this works after a crash; a second down is a
// no-op. plan.json and the event log stay as the exercise's record.

#include <fmt/format.h>

#include <cstdlib>

#include "cli.h"
#include "libvirt_options.h"
#include "livefire/ids.h"

namespace livefire::cli {

namespace {

struct DownArgs {
  std::string id;
  std::string uri;
  std::string log_dir;
  std::string network_dir;
};

std::string EnvOr(const char* name, std::string fallback) {
  const char* v = std::getenv(name);
  return v && *v ? std::string(v) : std::move(fallback);
}

Status RunDown(const DownArgs& a, Context& ctx) {
  LF_ASSIGN_OR_RETURN(ExerciseId id, ParseExerciseId(a.id));
  provision::LibvirtConfig c;
  c.uri = a.uri;
  c.state_dir = ctx.state_dir;
  c.templates_dir = ctx.state_dir + "/templates";
  c.qemu_log_dir = a.log_dir;
  c.network_run_dir = a.network_dir;
  LF_ASSIGN_OR_RETURN(auto prov, provision::LibvirtProvisioner::Open(std::move(c)));
  LF_ASSIGN_OR_RETURN(provision::DownReport r, prov->Down(id));
  for (const auto& w : r.warnings) ctx.err << "warning: " << w << "\n";
  if (r.nothing()) {
    ctx.out << fmt::format("nothing to remove for {}\n", id.str());
  } else {
    ctx.out << fmt::format("removed {}: {} domains, {} networks, {} libvirt leftovers{}\n",
                           id.str(), r.domains, r.networks, r.leftovers,
                           r.state_removed ? ", range files" : "");
  }
  return Status::Ok();
}

}  // namespace

void RegisterDown(CLI::App& app, Context& ctx) {
  auto a = std::make_shared<DownArgs>();
  auto* cmd = app.add_subcommand("down", "Take an exercise's range down (idempotent)");
  cmd->add_option("ID", a->id, "exercise id (as printed by `livefire up`)")->required();
  AddUriOption(cmd, a->uri);
  const provision::LibvirtConfig defaults;
  a->log_dir = EnvOr("LIVEFIRE_LIBVIRT_LOG_DIR", defaults.qemu_log_dir);
  a->network_dir = EnvOr("LIVEFIRE_LIBVIRT_NETWORK_DIR", defaults.network_run_dir);
  cmd->add_option("--libvirt-log-dir", a->log_dir,
                  "libvirt's qemu log folder (env LIVEFIRE_LIBVIRT_LOG_DIR)")
      ->capture_default_str();
  cmd->add_option("--libvirt-network-dir", a->network_dir,
                  "libvirt's network status folder (env LIVEFIRE_LIBVIRT_NETWORK_DIR)")
      ->capture_default_str();
  cmd->callback([a, &ctx] { ctx.status = RunDown(*a, ctx); });
}

}  // namespace livefire::cli
