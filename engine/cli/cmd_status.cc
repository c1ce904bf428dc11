// livefire status ID [--json]: the scoreboard of an exercise, recomputed from
// its event log (the same fold the runtime runs live), with per-team metrics.
// While an engine runs the exercise, its event store's health comes first:
// a store that cannot write pauses the exercise, and the log read here then
// lacks what is still waiting to be committed.

#include <fmt/format.h>

#include <cmath>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>

#include "cli.h"
#include "exercise_files.h"
#include "remote_commands.h"
#include "livefire/bus/bus.h"
#include "livefire/bus/protocol.h"
#include "livefire/ids.h"
#include "livefire/scoring/replay.h"
#include "livefire/scoring/scoreboard.h"

namespace livefire::cli {

namespace {

struct StatusArgs {
  std::string id;
  bool json = false;
  RemoteOptions remote;
};

// The running engine's status reply; nullopt when no engine runs it.
std::optional<nlohmann::json> EngineStatus(Context& ctx, const std::string& id_text) {
  auto id = ParseExerciseId(id_text);
  if (!id.ok()) return std::nullopt;
  auto eps = bus::DefaultEndpoints(ctx.state_dir, *id);
  if (!eps.ok()) return std::nullopt;
  // An ipc endpoint is a socket file that exists only while the engine runs.
  if (eps->control.rfind("ipc://", 0) == 0 && !std::filesystem::exists(eps->control.substr(6))) {
    return std::nullopt;
  }
  bus::Context zctx;
  auto client = bus::ControlClient::Connect(zctx, eps->control, "livefire-status");
  if (!client.ok()) return nlohmann::json{{"answered", false}};
  auto reply = (*client)->Call(bus::MakeStatusRequest(), Duration::Seconds(3));
  if (!reply.ok() || !reply->ok) return nlohmann::json{{"answered", false}};
  nlohmann::json j = reply->body;
  j["answered"] = true;
  return j;
}

std::string StoreLine(const nlohmann::json& engine) {
  if (!engine.value("answered", false)) {
    return "Store: unknown (the engine did not answer)\n";
  }
  const nlohmann::json st = engine.value("store", nlohmann::json::object());
  if (st.value("healthy", true)) {
    return fmt::format("Store: healthy ({} events committed)\n", st.value("committed_seq", 0));
  }
  return fmt::format(
      "Store: CANNOT WRITE ({} failed attempts, {} events waiting): {}\n"
      "       the exercise clock is paused and submissions are refused until it recovers\n",
      st.value("failed_attempts", 0), st.value("queued", 0), st.value("error", std::string()));
}

// Each team's open white-cell tasks (not yet responded to) with the time left,
// from the engine's status reply ("tasks").
std::string TasksLines(const nlohmann::json& engine) {
  const nlohmann::json tasks = engine.value("tasks", nlohmann::json::object());
  std::string out;
  for (const auto& [team, list] : tasks.items()) {
    for (const auto& t : list) {
      if (t.value("responded", false)) continue;
      const int64_t due = t.value("due_ns", int64_t{0});
      const std::string left =
          due == 0 ? std::string("no deadline")
          : t.value("left_ns", int64_t{0}) > 0
              ? HumanDuration(Duration::Nanos(t.value("left_ns", int64_t{0}))) + " left"
              : std::string("overdue");
      out += fmt::format("  {:<16} {:<24} {}\n", team, t.value("inject", std::string()), left);
    }
  }
  return out.empty() ? std::string() : "Open tasks\n" + out;
}

Status RunStatus(const StatusArgs& a, Context& ctx) {
  LF_ASSIGN_OR_RETURN(std::optional<Remote> remote, ResolveRemote(a.remote));
  if (remote) return RunRemoteStatus(ctx, a.id, *remote, a.json);
  std::optional<nlohmann::json> engine = EngineStatus(ctx, a.id);
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
    if (engine) {
      j["engine"] = {{"answered", engine->value("answered", false)},
                     {"store", engine->value("store", nlohmann::json())},
                     {"tasks", engine->value("tasks", nlohmann::json::object())}};
    }
    ctx.out << j.dump(2) << "\n";
    return Status::Ok();
  }
  ctx.out << fmt::format("Exercise {}\n", log.exercise);
  if (engine) ctx.out << StoreLine(*engine) << TasksLines(*engine);
  ctx.out << scoring::RenderScoreboard(board);
  ctx.out << "\nMetrics\n";
  for (const auto& t : scorer.teams()) {
    scoring::TeamMetrics m = scorer.Metrics(t);
    if (m.role != "blue") continue;
    auto secs = [](const std::optional<double>& v) {
      return v ? HumanDuration(Duration::Nanos(std::llround(*v * 1e9))) : std::string("-");
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
  AddRemoteOptions(cmd, args->remote);
  cmd->callback([args, &ctx] { ctx.status = RunStatus(*args, ctx); });
}

}  // namespace livefire::cli
