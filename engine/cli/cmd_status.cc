// livefire status ID [--json]: the scoreboard of an exercise, recomputed from
// its event log (the same fold the runtime runs live), with per-team metrics.

#include <fmt/format.h>

#include <memory>
#include <nlohmann/json.hpp>

#include "cli.h"
#include "exercise_files.h"
#include "livefire/scoring/replay.h"
#include "livefire/scoring/scoreboard.h"

namespace livefire::cli {

namespace {

struct StatusArgs {
  std::string id;
  bool json = false;
};

Status RunStatus(const StatusArgs& a, Context& ctx) {
  LF_ASSIGN_OR_RETURN(ExerciseLog log, OpenExerciseLog(ctx, a.id));
  LF_ASSIGN_OR_RETURN(scoring::LogReplay replay,
                      scoring::ReplayLog(log.events, log.replay_options));
  const scoring::Scorer& scorer = replay.scorer();
  const scoring::Scoreboard& board = replay.board;
  if (a.json) {
    nlohmann::json metrics = nlohmann::json::object();
    for (const auto& t : scorer.teams()) metrics[t] = scoring::ToJson(scorer.Metrics(t));
    nlohmann::json j = {{"exercise", log.exercise},
                        {"scoreboard", scoring::ToJson(board)},
                        {"metrics", std::move(metrics)},
                        {"warnings", replay.warnings()}};
    ctx.out << j.dump(2) << "\n";
    return Status::Ok();
  }
  ctx.out << fmt::format("Exercise {}\n", log.exercise) << scoring::RenderScoreboard(board);
  ctx.out << "\nMetrics\n";
  for (const auto& t : scorer.teams()) {
    scoring::TeamMetrics m = scorer.Metrics(t);
    if (m.role != "blue") continue;
    auto secs = [](const std::optional<double>& v) {
      return v ? FormatDuration(Duration::Seconds(static_cast<int64_t>(*v))) : std::string("-");
    };
    ctx.out << fmt::format(
        "  {:<16} availability {}  MTTD {}  MTTR {}  compromises {}  reports {} accepted / {} "
        "false  techniques detected {}/{}\n",
        t, m.availability_pct ? fmt::format("{:.1f} %", *m.availability_pct) : "-",
        secs(m.mean_ttd_s), secs(m.mean_ttr_s), m.compromises, m.reports_accepted, m.reports_false,
        m.techniques_detected.size(), m.techniques_executed.size());
  }
  if (!replay.config_recorded) {
    ctx.err << "note: the log records no scoring config; default parameters were used\n";
  }
  for (const auto& w : replay.warnings()) ctx.err << "warning: " << w << "\n";
  return Status::Ok();
}

}  // namespace

void RegisterStatus(CLI::App& app, Context& ctx) {
  auto args = std::make_shared<StatusArgs>();
  CLI::App* cmd =
      app.add_subcommand("status",
                         "Scoreboard of an exercise (ranked per category) and per-team metrics,\n"
                         "recomputed from its event log.");
  cmd->add_option("id", args->id, "exercise id")->required();
  cmd->add_flag("--json", args->json, "machine-readable output");
  cmd->callback([args, &ctx] { ctx.status = RunStatus(*args, ctx); });
}

}  // namespace livefire::cli
