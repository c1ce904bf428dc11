// livefire run ID: the exercise itself. Drives the clock (real time with a
// speed factor, or --fast), the injects, the service checks and the scoring
// of a provisioned exercise, and shows the live scoreboard on the terminal.
// Ctrl-C stops the engine without ending the exercise; `livefire run ID`
// again resumes it from the event log. The white cell ends it early with
// `livefire stop ID`.

#include <fmt/format.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <iostream>
#include <memory>

#include "accounts_files.h"
#include "archive_exercise.h"
#include "cli.h"
#include "exercise_files.h"
#include "libvirt_options.h"
#include "livefire/live/live.h"
#include "livefire/provision/guest_io.h"
#include "livefire/runtime/exercise.h"
#include "livefire/scheduler.h"
#include "livefire/scoring/config.h"
#include "livefire/scoring/scoreboard.h"
#include "portal_options.h"

namespace livefire::cli {

namespace {

// The one piece of process state a signal handler may touch.
std::atomic<runtime::Exercise*> g_running{nullptr};

// The first SIGINT/SIGTERM asks the loop to leave (a script holding it is
// interrupted by the loop watchdog after ExerciseOptions::stop_grace); the
// handler then steps aside, so a second signal ends the process at once.
extern "C" void OnSignal(int sig) {
  if (runtime::Exercise* ex = g_running.load()) ex->Shutdown();
  signal(sig, SIG_DFL);  // async-signal-safe
}

struct RunArgs {
  std::string id;
  double speed = 1.0;
  bool speed_given = false;
  bool fast = false;
  std::string uri;
  std::string stop_after;
  std::string stall_after = "30s";
  bool no_checks = false;
  bool quiet = false;
  std::string listen;
  std::string portal;  // ADDR:PORT of the team portal; "" = none
  PortalArgs portal_args;
};

Status RunRun(const RunArgs& a, Context& ctx) {
  LF_RETURN_IF_ERROR(ValidateSpeed(a.speed));
  LF_ASSIGN_OR_RETURN(LoadedExercise ex, LoadExercise(ctx, a.id));
  // The range is what `up` built: run against that plan, and only while the
  // scenario copy (rules, checks, injects) still describes it.
  LF_RETURN_IF_ERROR(RequireRecordedPlan(ex));
  std::string uri = a.uri.empty() ? ex.files.uri : a.uri;
  if (uri.empty()) uri = provision::DefaultLibvirtUri();
  LF_ASSIGN_OR_RETURN(auto prov, OpenProvisioner(ctx, uri));
  provision::ProvisionerGuestIo guest(*prov, ex.files.id, ex.plan);

  runtime::ExerciseOptions o;
  o.state_dir = ctx.state_dir;
  o.id = ex.files.id;
  o.uri = uri;
  o.speed = a.speed;
  o.keep_recorded_speed = !a.speed_given;
  o.fast = a.fast;
  // The portal acts as each account over the CURVE bus: it needs a TCP
  // listener, on loopback unless --listen names one.
  const std::string listen =
      a.listen.empty() && !a.portal.empty() ? std::string("tcp://127.0.0.1:0") : a.listen;
  if (!listen.empty()) {
    // Remote clients need accounts (an exercise from before they existed gets its defaults).
    LF_RETURN_IF_ERROR(EnsureAccounts(ex).status());
    o.listen = listen;
  }
  if (!a.stop_after.empty()) {
    LF_ASSIGN_OR_RETURN(Duration d, ParseDuration(a.stop_after));
    o.stop_after = d;
  }
  {
    LF_ASSIGN_OR_RETURN(Duration d, ParseDuration(a.stall_after));
    if (d <= Duration::Zero()) return Status::InvalidArgument("--stall-after must be positive");
    o.stall_after = d;
  }
  // The rules travel with the log, so a replay needs nothing else.
  // The blue teams are the plan's (--teams N), not the scenario's list: a
  // scenario team that does not play would be a phantom on the scoreboard.
  scoring::ScoringConfig cfg = scoring::MakeScoringConfig(ex.scenario);
  cfg.blue_teams = ex.plan.blue_teams;
  std::sort(cfg.blue_teams.begin(), cfg.blue_teams.end());
  o.created_extra = {{"scoring", scoring::ConfigToJson(cfg)}};

  live::LiveScoring live(ex.scenario, ex.plan, {.run_checks = !a.no_checks});
  const bool tty = &ctx.out == &std::cout && isatty(STDOUT_FILENO);
  auto last_print = std::chrono::steady_clock::now() - std::chrono::hours(1);
  SimTime last_line;
  o.on_tick = [&](runtime::ExerciseContext& c) {
    if (a.quiet) return;
    auto now = std::chrono::steady_clock::now();
    if (tty) {
      if (now - last_print < std::chrono::seconds(1)) return;
      last_print = now;
      ctx.out << "\033[H\033[2J"
              << fmt::format("livefire {}  {}  exercise time {} / {}{}\n\n", ex.files.id.str(),
                             ex.scenario.meta.title, FormatClock(c.Now()),
                             FormatClock(SimTime::Start() + ex.scenario.meta.duration),
                             c.paused() ? "  [PAUSED]" : "")
              << scoring::RenderScoreboard(live.Board()) << std::flush;
    } else if (c.Now() - last_line >= Duration::Minutes(10)) {
      // Logs and CI: one scoreboard every 10 exercise minutes.
      last_line = c.Now();
      ctx.out << fmt::format("--- {} ---\n", FormatClock(c.Now()))
              << scoring::RenderScoreboard(live.Board()) << std::flush;
    }
  };

  LF_ASSIGN_OR_RETURN(auto exercise, runtime::Exercise::Open(ex.scenario, ex.plan, guest, o));
  exercise->AddExtension(&live);
  std::unique_ptr<portal::Portal> portal;
  if (!listen.empty()) {
    // What `livefire accounts ID export` writes as "server".
    LF_RETURN_IF_ERROR(identity::SaveListenAddress(ex.files.dir, exercise->control_tcp_endpoint()));
    ctx.err << fmt::format("listening for remote clients on {} (events {})\n",
                           exercise->control_tcp_endpoint(), exercise->events_tcp_endpoint());
  }
  if (!a.portal.empty()) {
    LF_ASSIGN_OR_RETURN(
        portal, StartPortal(ctx, ex.files.id, a.portal, exercise->control_tcp_endpoint(), ex.plan,
                            uri, a.portal_args));
  }
  ctx.err << fmt::format(
      "exercise {}: {} blue team(s), {}{}; control with `livefire pause|resume|"
      "speed|inject|stop {}`\n",
      ex.files.id.str(), ex.plan.blue_teams.size(),
      a.fast ? std::string("fast mode") : fmt::format("speed {}", a.speed),
      exercise->recovered() ? ", resumed from its event log" : "", ex.files.id.str());
  g_running.store(exercise.get());
  struct sigaction sa {};
  sa.sa_handler = OnSignal;
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  Status s = exercise->Run();
  g_running.store(nullptr);
  signal(SIGINT, SIG_DFL);
  signal(SIGTERM, SIG_DFL);
  LF_RETURN_IF_ERROR(s);
  if (!exercise->ended()) {
    ctx.out << fmt::format(
        "engine stopped at {}; the exercise is not over: resume it with "
        "`livefire run {}`\n",
        FormatClock(exercise->Now()), ex.files.id.str());
    return Status::Ok();
  }
  ctx.out << fmt::format("\nexercise {} ended at {}\n\n", ex.files.id.str(),
                         FormatClock(exercise->Now()))
          << scoring::RenderScoreboard(live.Board())
          << fmt::format(
                 "\nledger: livefire explain {} TEAM    report: livefire report {} --html "
                 "FILE\n",
                 ex.files.id.str(), ex.files.id.str());
  exercise.reset();  // commits the whole log before the archive reads it
  // The exercise is over whatever the archive says: a failure is a warning.
  auto archived = ArchiveExercise(ctx, ex.files.id.str(), ArchivePath(ctx, ""));
  ctx.out << (archived.ok() ? *archived : "warning: not archived: " + archived.status().ToString())
          << "\n";
  return Status::Ok();
}

}  // namespace

void RegisterRun(CLI::App& app, Context& ctx) {
  auto a = std::make_shared<RunArgs>();
  auto* cmd = app.add_subcommand(
      "run", "Run (or resume) a provisioned exercise: clock, injects, checks, live scoring");
  cmd->add_option("ID", a->id, "exercise id (from `livefire up`)")->required();
  // Checked by ValidateSpeed in RunRun, whose message prints the number readably.
  cmd->add_option("--speed", a->speed,
                  "exercise seconds per wall second, 0.01..1000 (60 = an hour a minute)")
      ->capture_default_str();
  cmd->add_flag("--fast", a->fast, "as fast as possible while nothing external is awaited");
  cmd->add_option("--uri", a->uri, "libvirt URI (default: the one the exercise was set up on)");
  cmd->add_option("--stop-after", a->stop_after, "end after this exercise time (e.g. 30m)");
  cmd->add_option("--stall-after", a->stall_after,
                  "wall time a loop iteration may take before engine.stalled is recorded")
      ->capture_default_str();
  cmd->add_flag("--no-checks", a->no_checks, "do not run service checks");
  cmd->add_flag("--quiet", a->quiet, "no live scoreboard");
  cmd->add_option("--listen", a->listen,
                  "also serve remote clients on tcp://ADDR:PORT (CURVE; events on PORT+1)");
  cmd->add_option("--portal", a->portal,
                  "also serve the team portal (HTTPS) on ADDR:PORT (implies a loopback --listen)");
  AddPortalOptions(cmd, a->portal_args);
  cmd->callback([a, cmd, &ctx] {
    a->speed_given = cmd->count("--speed") > 0;
    ctx.status = RunRun(*a, ctx);
  });
}

}  // namespace livefire::cli
