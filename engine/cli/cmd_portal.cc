// livefire portal ID --listen ADDR:PORT: the team portal beside a running
// engine (started with --listen), until Ctrl-C. `livefire run ID --portal
// ADDR:PORT` starts the same portal inside the engine's process.

#include <fmt/format.h>
#include <signal.h>

#include <memory>

#include "cli.h"
#include "exercise_files.h"
#include "livefire/provision/libvirt.h"
#include "portal_options.h"

namespace livefire::cli {

void AddPortalOptions(CLI::App* cmd, PortalArgs& a) {
  cmd->add_option("--cert", a.cert, "the portal's TLS certificate (PEM; default: self-signed)");
  cmd->add_option("--key", a.key, "the certificate's private key (PEM)");
  cmd->add_flag("--public-scoreboard", a.public_scoreboard,
                "show the scoreboard page without logging in (a projector, observers)");
}

Result<std::unique_ptr<portal::Portal>> StartPortal(Context& ctx, const ExerciseId& id,
                                                    const std::string& listen,
                                                    const std::string& control_endpoint,
                                                    const topology::RangePlan& plan,
                                                    const std::string& libvirt_uri,
                                                    const PortalArgs& a) {
  portal::PortalOptions o;
  o.state_dir = ctx.state_dir;
  o.id = id;
  o.listen = listen;
  o.control_endpoint = control_endpoint;
  o.cert_file = a.cert;
  o.key_file = a.key;
  o.public_scoreboard = a.public_scoreboard;
  o.libvirt_uri = libvirt_uri;
  for (const topology::PlannedDomain& d : plan.domains) {
    if (!d.is_router) o.nodes[d.team].push_back(d.node);  // routers are infrastructure
  }
  LF_ASSIGN_OR_RETURN(auto p, portal::Portal::Start(std::move(o)));
  ctx.err << fmt::format("portal on {} (certificate SHA-256 {})\n", p->url(), p->fingerprint());
  return p;
}

namespace {

struct PortalCmdArgs {
  std::string id;
  std::string listen;
  PortalArgs portal;
};

Status RunPortal(Context& ctx, const PortalCmdArgs& a) {
  LF_ASSIGN_OR_RETURN(LoadedExercise ex, LoadExercise(ctx, a.id));
  // The portal's threads inherit the blocked signals; this thread waits for them.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  sigset_t old;
  pthread_sigmask(SIG_BLOCK, &set, &old);
  auto p =
      StartPortal(ctx, ex.files.id, a.listen, "", ex.recorded_plan.value_or(ex.plan),
                  ex.files.uri.empty() ? provision::DefaultLibvirtUri() : ex.files.uri, a.portal);
  if (!p.ok()) {
    pthread_sigmask(SIG_SETMASK, &old, nullptr);
    return p.status();
  }
  int sig = 0;
  sigwait(&set, &sig);
  (*p)->Stop();
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
  return Status::Ok();
}

}  // namespace

void RegisterPortal(CLI::App& app, Context& ctx) {
  auto a = std::make_shared<PortalCmdArgs>();
  auto* cmd = app.add_subcommand(
      "portal", "Serve the team portal (HTTPS) beside a running engine started with --listen");
  cmd->add_option("ID", a->id, "exercise id")->required();
  cmd->add_option("--listen", a->listen, "ADDR:PORT to serve HTTPS on (e.g. 0.0.0.0:8443)")
      ->required();
  AddPortalOptions(cmd, a->portal);
  cmd->callback([a, &ctx] { ctx.status = RunPortal(ctx, *a); });
}

}  // namespace livefire::cli
