// livefire replay ID [--json]: recomputes every score from the event log and
// compares it with the score.changed events recorded live. Exit 1 with the
// first difference when they disagree.

#include <fmt/format.h>

#include <memory>
#include <nlohmann/json.hpp>

#include "cli.h"
#include "exercise_files.h"
#include "livefire/scoring/replay.h"
#include "livefire/scoring/scoreboard.h"

namespace livefire::cli {

namespace {

struct ReplayArgs {
  std::string id;
  bool json = false;
};

Status RunReplay(const ReplayArgs& a, Context& ctx) {
  LF_ASSIGN_OR_RETURN(ExerciseLog log, OpenExerciseLog(ctx, a.id));
  LF_ASSIGN_OR_RETURN(scoring::LogReplay replay,
                      scoring::ReplayLog(log.events, log.replay_options));
  const scoring::ReplayChecker& checker = replay.checker;
  const auto& diff = replay.first_difference();
  int64_t events = checker.scorer().last_seq();
  if (a.json) {
    ctx.out << nlohmann::json({{"exercise", log.exercise},
                               {"events", events},
                               {"recorded_changes", checker.recorded_changes()},
                               {"recomputed_changes", checker.recomputed_changes()},
                               {"equal", diff.empty()},
                               {"first_difference", diff},
                               {"scoreboard", scoring::ToJson(replay.board)}})
                   .dump(2)
            << "\n";
  } else if (!diff.empty()) {
    ctx.out << fmt::format("DIFFERENT after replaying {} events: {}\n", events, diff);
  } else if (checker.recorded_changes() == 0) {
    ctx.out << fmt::format(
        "replayed {} events; the log records no score.changed events to compare with\n", events);
    ctx.out << scoring::RenderScoreboard(replay.board);
  } else {
    ctx.out << fmt::format("ok: replayed {} events; all {} recorded score changes match\n", events,
                           checker.recorded_changes());
  }
  if (!diff.empty()) {
    return Status::FailedPrecondition(
        fmt::format("replay of {} differs from the recorded scores: {}", log.exercise, diff));
  }
  return Status::Ok();
}

}  // namespace

void RegisterReplay(CLI::App& app, Context& ctx) {
  auto args = std::make_shared<ReplayArgs>();
  CLI::App* cmd = app.add_subcommand(
      "replay",
      "Recompute an exercise's scores from its event log and compare them with the\n"
      "scores recorded live (exit 1 at the first difference).");
  cmd->add_option("id", args->id, "exercise id")->required();
  cmd->add_flag("--json", args->json, "machine-readable output");
  cmd->callback([args, &ctx] { ctx.status = RunReplay(*args, ctx); });
}

}  // namespace livefire::cli
