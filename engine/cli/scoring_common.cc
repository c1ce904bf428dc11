#include "scoring_common.h"

#include <fmt/format.h>

#include <algorithm>

namespace livefire::cli {

Result<ScoredLog> OpenScoredLog(const Context& ctx, const std::string& id_text) {
  LF_ASSIGN_OR_RETURN(ExerciseId id, ParseExerciseId(id_text));
  std::string path = store::EventStore::PathFor(ctx.state_dir, id);
  auto opened = store::EventStore::Open(path, {.read_only = true});
  if (!opened.ok()) {
    if (opened.status().code() == StatusCode::kNotFound) {
      return Status::NotFound(
          fmt::format("no exercise '{}' under {} (no {})", id.str(), ctx.state_dir, path));
    }
    return opened.status();
  }
  ScoredLog log;
  log.exercise = id.str();
  log.store = std::move(opened).value();
  LF_ASSIGN_OR_RETURN(auto created,
                      log.store->Read({.kind = std::string(kinds::kExerciseCreated), .limit = 1}));
  auto recorded = scoring::ConfigFromEvents(created);
  if (recorded.ok()) {
    log.config = std::move(recorded).value();
    log.config_recorded = true;
    return log;
  }
  if (recorded.status().code() != StatusCode::kNotFound) return recorded.status();
  // Older logs: the teams and nodes tables carry what the rules weigh by.
  LF_ASSIGN_OR_RETURN(auto teams, log.store->Teams());
  for (const auto& t : teams) {
    if (t.role == "blue") log.config.blue_teams.push_back(t.name);
    if (t.role == "red") log.config.red_teams.push_back(t.name);
  }
  std::sort(log.config.blue_teams.begin(), log.config.blue_teams.end());
  std::sort(log.config.red_teams.begin(), log.config.red_teams.end());
  LF_ASSIGN_OR_RETURN(auto nodes, log.store->Nodes());
  for (const auto& n : nodes) {
    scoring::NodeInfo info;
    info.security_level = n.security_level > 0 ? n.security_level : 3;
    info.value = n.value > 0 ? n.value : 1.0;
    log.config.nodes.emplace(n.node, info);
  }
  return log;
}

Status ReplayLog(const ScoredLog& log, scoring::ReplayChecker& checker) {
  Status fed;
  LF_RETURN_IF_ERROR(log.store->Scan({}, [&](const Event& e) {
    fed = checker.Feed(e);
    return fed.ok();
  }));
  if (!fed.ok()) return Status::DataLoss(fed.message());
  checker.Finish();
  return Status::Ok();
}

}  // namespace livefire::cli
