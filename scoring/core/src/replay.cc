#include "livefire/scoring/replay.h"

#include <utility>

namespace livefire::scoring {

Result<ScoringConfig> ConfigForLog(const std::vector<Event>& events, const ReplayOptions& options,
                                   bool* recorded) {
  if (options.config) {
    if (recorded != nullptr) *recorded = false;
    return *options.config;
  }
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
    const size_t warnings_before = r.checker.warnings().size();
    Status fed = r.checker.Feed(e);
    if (fed.code() == StatusCode::kFailedPrecondition) return Status::DataLoss(fed.message());
    const Applied& applied = r.checker.last_applied();
    r.ledger.insert(r.ledger.end(), applied.entries.begin(), applied.entries.end());
    if (options.on_applied) {
      options.on_applied(e, applied, r.checker.warnings().size() == warnings_before);
    }
    ++r.events;
  }
  r.checker.Finish();
  r.board = MakeScoreboard(r.checker.scorer());
  return r;
}

}  // namespace livefire::scoring
