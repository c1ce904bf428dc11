// livefire revert ID TEAM [NODE] [--reason TEXT] [--by WHO]: puts one node,
// or a team's whole copy, back to its pristine state (a saved state when
// `livefire snapshot` made one, else a cold boot from the original boot
// configuration with files re-planted). Every revert is appended to
// <state>/exercises/ID/reverts.jsonl, and recorded in the exercise's event
// log as range.node.reverted, which ends the node's compromise and may cost
// the revert penalty (docs/scoring.md).
//
// The log has one writer. While an engine runs (it holds the engine lock)
// the CLI sends it a `revert` control request per node and the engine
// records it; otherwise the CLI appends itself through the store, holding the
// engine lock for the whole revert so that no engine starts meanwhile. The
// event is recorded before the node is touched: its running state is
// discarded at once, so the compromise ends there; a node that then fails to
// come back is recorded as range.node.failed.

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>

#include "cli.h"
#include "exercise_files.h"
#include "libvirt_options.h"
#include "livefire/bus/bus.h"
#include "livefire/bus/protocol.h"
#include "livefire/event.h"
#include "livefire/ids.h"
#include "livefire/runtime/engine_lock.h"
#include "livefire/store/event_store.h"
#include "livefire/time.h"

namespace livefire::cli {

namespace {

constexpr const char* kClient = "livefire-cli";

struct RevertArgs {
  std::string id, team, node, reason, by, timeout = "5m", uri;
};

// Writes range.node.* events for one team, either itself (no engine runs) or
// through the running engine.
class RevertLog {
 public:
  static Result<RevertLog> Open(Context& ctx, const ExerciseId& id, const std::string& team) {
    RevertLog log;
    log.team_ = team;
    auto lock = runtime::EngineLock::Acquire(ctx.state_dir, id);
    if (lock.ok()) {
      log.lock_.emplace(std::move(lock).value());
      // No log yet: the exercise never ran, so there is nothing to score (and
      // a first event would make `livefire run` take it for a restart).
      std::error_code ec;
      if (!std::filesystem::exists(store::EventStore::PathFor(ctx.state_dir, id), ec)) return log;
      LF_ASSIGN_OR_RETURN(log.store_, store::EventStore::OpenExercise(ctx.state_dir, id));
      return log;
    }
    if (lock.status().code() != StatusCode::kFailedPrecondition) return lock.status();
    // An engine holds the lock: it records for us.
    LF_ASSIGN_OR_RETURN(bus::Endpoints eps, bus::DefaultEndpoints(ctx.state_dir, id));
    std::error_code ec;
    if (eps.control.rfind("ipc://", 0) == 0 &&
        !std::filesystem::exists(eps.control.substr(6), ec)) {
      return Status::FailedPrecondition(
          fmt::format("{}, but it has no control socket (still starting, or stuck?); try again",
                      lock.status().message()));
    }
    log.zctx_ = std::make_unique<bus::Context>();
    LF_ASSIGN_OR_RETURN(log.client_, bus::ControlClient::Connect(*log.zctx_, eps.control, kClient));
    return log;
  }

  bool recording() const { return store_ || client_; }

  Status Reverted(const std::string& node, const std::string& by, const std::string& reason) {
    if (client_) return Ask(bus::MakeRevertRequest(team_, node, by, reason));
    return Append(kinds::kRangeNodeReverted,
                  {{"node", node}, {"by", by}, {"reason", reason}, {"client", kClient}});
  }
  Status Ready(const std::string& node, const std::string& domain) {
    if (client_) return Ask(bus::MakeRevertReadyRequest(team_, node, domain));
    return Append(kinds::kRangeNodeReady,
                  {{"node", node}, {"domain", domain}, {"client", kClient}});
  }
  Status Failed(const std::string& node, const std::string& error) {
    if (client_) return Ask(bus::MakeRevertFailedRequest(team_, node, error));
    return Append(kinds::kRangeNodeFailed,
                  {{"node", node}, {"reason", "revert failed: " + error}, {"client", kClient}});
  }

 private:
  // The event takes the time the exercise's clock last showed.
  Status Append(std::string_view kind, nlohmann::json payload) {
    if (!store_) return Status::Ok();
    Event e;
    e.time = store_->head().time;
    e.wall_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                    std::chrono::system_clock::now().time_since_epoch())
                    .count();
    e.team = team_;
    e.kind = std::string(kind);
    e.payload = std::move(payload);
    return store_->AppendAndWait(std::move(e)).status();
  }
  Status Ask(bus::Request req) {
    req.id = fmt::format("cli-{}-revert-{}", ::getpid(), ++calls_);
    const std::string node = req.args.value("node", "");
    LF_ASSIGN_OR_RETURN(bus::Reply reply, client_->Call(std::move(req), Duration::Seconds(10)));
    if (!reply.ok) {
      return Status::FailedPrecondition(fmt::format("the engine refused to record {} ({}): {}",
                                                    node, reply.error_code, reply.error_message));
    }
    return Status::Ok();
  }

  std::string team_;
  std::optional<runtime::EngineLock> lock_;  // released after the store closes
  std::unique_ptr<store::EventStore> store_;
  std::unique_ptr<bus::Context> zctx_;
  std::unique_ptr<bus::ControlClient> client_;
  int calls_ = 0;
};

Status RunRevert(const RevertArgs& a, Context& ctx) {
  LF_ASSIGN_OR_RETURN(ExerciseId id, ParseExerciseId(a.id));
  LF_ASSIGN_OR_RETURN(Duration timeout, ParseDuration(a.timeout));
  LF_ASSIGN_OR_RETURN(auto prov, OpenProvisioner(ctx, a.uri));
  // The scored nodes the revert touches (routers are not scored).
  LF_ASSIGN_OR_RETURN(LoadedExercise ex, LoadExercise(ctx, a.id));
  LF_RETURN_IF_ERROR(RequireRecordedPlan(ex));
  const std::string plan_team = a.team == "shared" ? std::string() : a.team;
  std::vector<std::string> nodes;
  for (const auto& d : ex.plan.domains) {
    if (d.team == plan_team && !d.is_router && (a.node.empty() || d.node == a.node)) {
      nodes.push_back(d.node);
    }
  }
  std::optional<NodeId> node;
  if (!a.node.empty()) node = NodeId(a.node);
  LF_ASSIGN_OR_RETURN(RevertLog log, RevertLog::Open(ctx, id, a.team));
  if (!log.recording()) {
    ctx.out << "note: the exercise has not run yet (no event log): the revert is not scored\n";
  }
  const std::string by = a.by.empty() ? a.team : a.by;
  for (const std::string& n : nodes) {
    if (Status s = log.Reverted(n, by, a.reason); !s.ok()) {
      return Status(s.code(), "not reverted: the event log cannot record it: " + s.message());
    }
  }
  LF_ASSIGN_OR_RETURN(auto recs, prov->Revert(id, TeamId(a.team), node, a.reason, timeout));
  int failed = 0;
  Status record_failure;
  for (const auto& r : recs) {
    if (r.ok) {
      ctx.out << fmt::format("reverted {}/{} ({}, {})\n", a.team, r.node, r.method,
                             HumanDuration(Duration::Nanos(std::llround(r.seconds * 1e9))));
      // Back and answering: the log says so (it ends the revert's excuse).
      if (std::find(nodes.begin(), nodes.end(), r.node) != nodes.end()) {
        if (Status s = log.Ready(r.node, r.domain); !s.ok()) record_failure = s;
      }
      continue;
    }
    ++failed;
    ctx.out << fmt::format("FAILED {}/{}: {}\n", a.team, r.node, r.error);
    if (std::find(nodes.begin(), nodes.end(), r.node) == nodes.end()) continue;
    if (Status s = log.Failed(r.node, r.error); !s.ok()) record_failure = s;
  }
  if (!record_failure.ok()) {
    return Status(record_failure.code(),
                  "the revert's outcome is not in the event log: " + record_failure.message());
  }
  if (failed > 0) {
    return Status::Unavailable(
        fmt::format("{} of {} nodes could not be reverted", failed, recs.size()));
  }
  return Status::Ok();
}

}  // namespace

void RegisterRevert(CLI::App& app, Context& ctx) {
  auto a = std::make_shared<RevertArgs>();
  auto* cmd = app.add_subcommand("revert", "Revert a node or a team's whole copy");
  cmd->add_option("ID", a->id, "exercise id")->required();
  cmd->add_option("TEAM", a->team, "blue team, or 'shared' for shared nodes")->required();
  cmd->add_option("NODE", a->node, "one node (default: every node of the team)");
  cmd->add_option("--reason", a->reason, "why (recorded in reverts.jsonl and the event log)");
  cmd->add_option("--by", a->by,
                  "who asked: the team (default; costs the revert penalty) or 'white' (free)");
  cmd->add_option("--timeout", a->timeout, "readiness wait per node")->capture_default_str();
  AddUriOption(cmd, a->uri);
  cmd->callback([a, &ctx] { ctx.status = RunRevert(*a, ctx); });
}

}  // namespace livefire::cli
