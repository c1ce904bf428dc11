// livefire events ID [--follow] [--json] [--team T] [--kind K]: the event log
// as it is stored (read-only; works while the engine runs and after it).
// livefire why ID INJECT [--team T]: why an inject has not fired (yet),
// computed from the log with the engine's own trigger logic.

#include <fmt/format.h>
#include <signal.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <thread>

#include "cli.h"
#include "exercise_files.h"
#include "remote_commands.h"
#include "livefire/runtime/exercise.h"
#include "livefire/store/event_store.h"

namespace livefire::cli {

namespace {

std::atomic<bool> g_interrupted{false};
extern "C" void OnInterrupt(int) { g_interrupted.store(true); }

struct EventsArgs {
  std::string id;
  bool follow = false;
  bool json = false;
  std::string team;
  std::string kind;
  int64_t from = 1;
  RemoteOptions remote;
};

void PrintEvent(Context& ctx, const Event& e, bool json) {
  if (json) {
    ctx.out << CanonicalJson(e) << "\n";
  } else {
    ctx.out << fmt::format("{:>6} {} {:<8} {:<20} {}\n", e.seq, FormatClock(e.time),
                           e.team.empty() ? "-" : e.team, e.kind, CanonicalPayload(e.payload));
  }
}

Status RunEvents(const EventsArgs& a, Context& ctx) {
  LF_ASSIGN_OR_RETURN(std::optional<Remote> remote, ResolveRemote(a.remote));
  if (remote) {
    // The log stays on the engine's machine; a remote account sees its feed.
    if (!a.follow) {
      return Status::InvalidArgument(
          "a remote client follows the engine's feed: add --follow (the log itself is on the "
          "engine's machine)");
    }
    return RunRemoteEvents(ctx, a.id, *remote, {a.team, a.kind, a.json});
  }
  LF_ASSIGN_OR_RETURN(ExerciseId id, ParseExerciseId(a.id));
  std::string path = store::EventStore::PathFor(ctx.state_dir, id);
  auto st = store::EventStore::Open(path, {.read_only = true});
  if (!st.ok()) {
    if (st.status().code() == StatusCode::kNotFound) {
      return Status::NotFound(fmt::format("exercise '{}' has no event log yet ({}); it starts "
                                          "with `livefire run {}`",
                                          id.str(), path, id.str()));
    }
    return st.status();
  }
  store::EventQuery q;
  q.from_seq = a.from;
  if (!a.team.empty()) q.team = a.team;
  if (!a.kind.empty()) q.kind = a.kind;
  int64_t next = a.from;
  bool ended = false;
  auto scan = [&]() -> Status {
    q.from_seq = next;
    return (*st)->Scan(q, [&](const Event& e) {
      PrintEvent(ctx, e, a.json);
      next = e.seq + 1;
      if (e.kind == kinds::kExerciseEnded) ended = true;
      return true;
    });
  };
  LF_RETURN_IF_ERROR(scan());
  if (!a.follow) return Status::Ok();
  // Follow: poll the committed log (the store commits within milliseconds).
  g_interrupted.store(false);
  signal(SIGINT, OnInterrupt);
  while (!ended && !g_interrupted.load()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    // Filtered scans skip other events: move on from the log's head instead.
    auto head = (*st)->Latest();
    LF_RETURN_IF_ERROR(scan());
    if (head.ok() && (a.team.size() || a.kind.size())) next = std::max(next, head->seq + 1);
    // exercise.ended may be filtered out: look for it explicitly.
    if (!ended && (a.team.size() || a.kind.size())) {
      auto end = (*st)->Read({.from_seq = 1, .kind = std::string(kinds::kExerciseEnded), .limit = 1});
      ended = end.ok() && !end->empty();
    }
    ctx.out << std::flush;
  }
  signal(SIGINT, SIG_DFL);
  return Status::Ok();
}

struct WhyArgs {
  std::string id;
  std::string inject;
  std::string team;
};

Status RunWhy(const WhyArgs& a, Context& ctx) {
  LF_ASSIGN_OR_RETURN(LoadedExercise ex, LoadExercise(ctx, a.id));
  if (!ex.scenario.FindInject(a.inject)) {
    std::string names;
    for (const auto& i : ex.scenario.injects) names += (names.empty() ? "" : ", ") + i.name;
    return Status::NotFound(fmt::format("no inject '{}' in the scenario (injects: {})", a.inject, names));
  }
  std::vector<Event> log;
  auto st = store::EventStore::OpenExercise(ctx.state_dir, ex.files.id, {.read_only = true});
  if (st.ok()) {
    LF_ASSIGN_OR_RETURN(log, (*st)->Read({}));
  }
  std::vector<std::string> teams = a.team.empty() ? ex.plan.blue_teams : std::vector{a.team};
  if (log.empty()) ctx.out << "the exercise has not started (no events yet)\n";
  for (const Event& e : log) {
    if (e.kind == kinds::kExerciseEnded) {
      ctx.out << fmt::format("the exercise ended at {}; as of its end:\n", FormatClock(e.time));
    }
  }
  for (const std::string& t : teams) {
    LF_ASSIGN_OR_RETURN(std::string why, runtime::ExplainInject(ex.scenario, log, a.inject, t));
    ctx.out << fmt::format("{} for {}: {}\n", a.inject, t, why);
  }
  return Status::Ok();
}

}  // namespace

void RegisterEvents(CLI::App& app, Context& ctx) {
  auto a = std::make_shared<EventsArgs>();
  auto* cmd = app.add_subcommand("events", "Print an exercise's event log (optionally following it)");
  cmd->add_option("ID", a->id, "exercise id")->required();
  cmd->add_flag("--follow,-f", a->follow, "keep printing new events until the exercise ends");
  cmd->add_flag("--json", a->json, "one canonical JSON object per line (with its chain hash)");
  cmd->add_option("--team", a->team, "only this team's events");
  cmd->add_option("--kind", a->kind, "only this kind (a trailing '.' matches a prefix: inject.)");
  cmd->add_option("--from", a->from, "first seq")->capture_default_str();
  AddRemoteOptions(cmd, a->remote);
  cmd->callback([a, &ctx] { ctx.status = RunEvents(*a, ctx); });

  auto w = std::make_shared<WhyArgs>();
  auto* why = app.add_subcommand("why", "Explain why an inject has not fired (yet), per team");
  why->add_option("ID", w->id, "exercise id")->required();
  why->add_option("INJECT", w->inject, "inject name")->required();
  why->add_option("--team", w->team, "one blue team (default: every team)");
  why->callback([w, &ctx] { ctx.status = RunWhy(*w, ctx); });
}

}  // namespace livefire::cli
