#include "livefire/scoring/replay.h"

#include <utility>

namespace livefire::scoring {

Result<ScoringConfig> ConfigForLog(const std::vector<Event>& events, const ReplayOptions& options,
                                   bool* recorded) {
  auto from_log = ConfigFromEvents(events);
  if (recorded != nullptr) *recorded = from_log.ok();
  if (from_log.ok() || from_log.status().code() != StatusCode::kNotFound ||
      !options.fallback_config) {
    return from_log;
  }
  return *options.fallback_config;
}

Result<LogReplay> ReplayLog(const std::vector<Event>& events, const ReplayOptions& options) {
  bool recorded = false;
  LF_ASSIGN_OR_RETURN(ScoringConfig config, ConfigForLog(events, options, &recorded));
  LogReplay r{.config = config, .config_recorded = recorded, .checker = ReplayChecker(config)};
  for (const Event& e : events) {
    Status fed = r.checker.Feed(e);
    if (fed.code() == StatusCode::kFailedPrecondition) return Status::DataLoss(fed.message());
    if (e.kind != kinds::kScoreChanged) {
      r.ledger.insert(r.ledger.end(), r.checker.last_entries().begin(),
                      r.checker.last_entries().end());
    }
    ++r.events;
  }
  r.checker.Finish();
  r.board = MakeScoreboard(r.checker.scorer());
  return r;
}

}  // namespace livefire::scoring
