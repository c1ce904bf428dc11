// livefire up DIR [--teams N] [--uri U] [--templates DIR] [--resume ID] ...:
// loads and validates the scenario, plans one copy of the range per blue
// team, builds missing VM templates (vm-templates/build.sh NAME) and
// provisions everything through libvirt. Progress goes to stderr (a bar when
// stdout is a terminal, plain lines otherwise); the exercise id is the last
// line of stdout, alone. A node that still fails after its retries is
// reported and the rest stays up: `livefire up DIR --resume ID` retries it.

#include <fmt/format.h>
#include <unistd.h>

#include <cmath>
#include <ctime>
#include <iostream>
#include <random>

#include "accounts_files.h"
#include "cli.h"
#include "exercise_files.h"
#include "livefire/ids.h"
#include "livefire/provision/guest.h"
#include "livefire/scenario/loader.h"
#include "livefire/templates/catalog.h"
#include "livefire/store/private_files.h"
#include "livefire/time.h"
#include "livefire/topology/plan.h"
#include "exercise_files.h"
#include "libvirt_options.h"
#include "host_capacity.h"

namespace livefire::cli {

namespace {

struct UpArgs {
  std::string dir;
  int teams = 0;
  std::string uri;
  std::string templates;  // vm-templates source folder (manifests, build.sh)
  std::string resume;
  int parallel = 4;
  int retries = 2;
  std::string timeout = "5m";
  bool snapshot = false;
  bool no_wait = false;
};

// Draws a one-line bar on a terminal, or prints one line per event.
class ProgressView {
 public:
  ProgressView(std::ostream& err, bool bar) : err_(err), bar_(bar) {}
  ~ProgressView() {
    if (bar_ && drawn_) err_ << "\n";
  }
  void operator()(const provision::Progress& p) {
    using K = provision::Progress::Kind;
    if (!bar_) {
      if (p.kind == K::kDefined) return;  // started/ready say enough
      err_ << fmt::format("{:<8} {}{}{}\n", provision::ToString(p.kind), p.object,
                          p.total ? fmt::format(" ({}/{})", p.done, p.total) : "",
                          p.kind == K::kRetry || p.kind == K::kFailed ? ": " + p.detail : "");
      return;
    }
    if (p.kind == K::kRetry || p.kind == K::kFailed) {
      err_ << fmt::format("\r\033[K{} {}: {}\n", provision::ToString(p.kind), p.object, p.detail);
    }
    constexpr int kWidth = 30;
    int filled = p.total ? p.done * kWidth / p.total : 0;
    err_ << fmt::format("\r\033[K[{}{}] {}/{} {} {}", std::string(filled, '#'),
                        std::string(kWidth - filled, '.'), p.done, p.total,
                        provision::ToString(p.kind), p.object)
         << std::flush;
    drawn_ = true;
  }

 private:
  std::ostream& err_;
  bool bar_;
  bool drawn_ = false;
};

Status RunUp(const UpArgs& a, Context& ctx) {
  LF_ASSIGN_OR_RETURN(Duration timeout, ParseDuration(a.timeout));
  std::string templates_dir = a.templates;
  if (templates_dir.empty()) {
    LF_ASSIGN_OR_RETURN(templates_dir, templates::DefaultTemplatesDir());
  }
  LF_ASSIGN_OR_RETURN(model::Scenario s,
                      scenario::LoadValidScenario(a.dir, {.templates_dir = templates_dir}));
  LF_ASSIGN_OR_RETURN(templates::Catalog catalog, templates::Catalog::Load(templates_dir));
  topology::PlanOptions po;
  if (a.teams < 0) return Status::InvalidArgument("--teams must be 0 (the scenario's) or more");
  po.team_count = a.teams;
  po.template_resources = catalog.Resources();
  LF_ASSIGN_OR_RETURN(topology::RangePlan plan, topology::MakePlan(s, po));
  LF_ASSIGN_OR_RETURN(auto guests, provision::GuestSpecsFromScenario(s, plan));
  // Refused before anything is defined, rather than failing halfway. A
  // resumed range already holds its memory (MemAvailable counts it), and a
  // remote host is not this one's to measure.
  if (a.resume.empty() && IsLocalUri(a.uri)) {
    LF_RETURN_IF_ERROR(CheckHostCapacity(ctx, plan, catalog, ctx.err));
  }

  ExerciseId id;
  if (!a.resume.empty()) {
    LF_ASSIGN_OR_RETURN(id, ParseExerciseId(a.resume));
  } else {
    // The random suffix tells apart exercises started in the same second.
    id = MakeExerciseId(std::time(nullptr), std::random_device{}());
  }
  LF_ASSIGN_OR_RETURN(auto prov, OpenProvisioner(ctx, a.uri, templates_dir + "/build.sh"));
  // The scenario copy and exercise.json let `run`, `why` and `report` work
  // from the id alone.
  LF_RETURN_IF_ERROR(SaveExerciseFiles(ctx, id, a.dir, a.uri, a.teams));
  // One account per team and declared person (kept on --resume).
  LF_RETURN_IF_ERROR(
      EnsureAccounts(ctx.state_dir + "/exercises/" + id.str(), s, plan.blue_teams).status());

  const bool bar = &ctx.out == &std::cout && isatty(STDOUT_FILENO) && isatty(STDERR_FILENO);
  ProgressView view(ctx.err, bar);
  provision::UpOptions o;
  o.parallelism = a.parallel;
  o.retries = a.retries;
  o.wait_ready = !a.no_wait;
  o.ready_timeout = timeout;
  o.snapshot = a.snapshot;
  o.guests = std::move(guests);
  o.progress = [&view](const provision::Progress& p) { view(p); };
  ctx.err << fmt::format("exercise {}: {} networks, {} domains for {} team(s)\n", id.str(),
                         plan.networks.size(), plan.domains.size(), plan.blue_teams.size());
  auto r = prov->Up(plan, id, o);
  // The range's files (plan, overlays, console logs) are made with the
  // process umask, which `up` leaves alone for the templates qemu must read.
  if (Status p = store::RestrictExerciseFolder(ctx.state_dir + "/exercises/" + id.str()); !p.ok()) {
    ctx.err << "warning: " << p.message() << "\n";
  }
  if (!r.ok()) {
    ctx.out << id.str() << "\n";
    return r.status().WithContext(
        fmt::format("exercise {} (resume with --resume {}, or remove it with `livefire down {}`)",
                    id.str(), id.str(), id.str()));
  }
  int kept = 0;
  for (const auto& d : r->domains) kept += d.kept;
  ctx.out << fmt::format("{} domains up ({} kept), {} failed, {} networks ({} kept) in {}\n",
                         r->domains.size() - static_cast<size_t>(r->failed()), kept, r->failed(),
                         r->networks_created + r->networks_kept, r->networks_kept,
                         HumanDuration(Duration::Nanos(std::llround(r->seconds * 1e9))));
  for (const auto& d : r->domains) {
    if (!d.ok) ctx.out << fmt::format("FAILED {}: {}\n", d.key, d.status.message());
  }
  ctx.out << id.str() << "\n";
  if (!r->complete()) {
    return Status::Unavailable(fmt::format(
        "{} of {} domains failed; the rest is up. Retry with: livefire up {} --resume {}",
        r->failed(), r->domains.size(), a.dir, id.str()));
  }
  return Status::Ok();
}

}  // namespace

void RegisterUp(CLI::App& app, Context& ctx) {
  auto a = std::make_shared<UpArgs>();
  auto* cmd = app.add_subcommand("up", "Provision a scenario's range (one copy per blue team)");
  cmd->add_option("DIR", a->dir, "scenario folder (holding scenario.lua)")->required();
  cmd->add_option("--teams", a->teams, "number of blue teams (0 = the scenario's own)")
      ->capture_default_str();
  AddUriOption(cmd, a->uri);
  cmd->add_option("--templates", a->templates,
                  "vm-templates folder (manifests, build.sh); built templates go to "
                  "<state-dir>/templates");
  cmd->add_option("--resume", a->resume, "finish a partial `up` of this exercise id");
  cmd->add_option("--parallel", a->parallel, "domains provisioned at once")->capture_default_str();
  cmd->add_option("--retries", a->retries, "extra attempts per failing domain")
      ->capture_default_str();
  cmd->add_option("--timeout", a->timeout, "readiness wait per domain and attempt")
      ->capture_default_str();
  cmd->add_flag("--snapshot", a->snapshot, "save every node once ready (fast reverts)");
  cmd->add_flag("--no-wait", a->no_wait, "start domains without waiting for readiness");
  cmd->callback([a, &ctx] { ctx.status = RunUp(*a, ctx); });
}

}  // namespace livefire::cli
