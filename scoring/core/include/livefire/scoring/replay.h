#pragma once
// The one way readers score a finished (or stopped) exercise: its event log
// replayed through the Scorer with the config the log records. The CLI
// (status, explain, replay, report), the report and the GUI in --replay mode
// (or once an exercise ended) use it; a running engine publishes the same
// scoreboard on the bus (scoring/live).

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "livefire/event.h"
#include "livefire/scoring/config.h"
#include "livefire/scoring/scoreboard.h"
#include "livefire/scoring/scorer.h"
#include "livefire/status.h"

namespace livefire::scoring {

struct ReplayOptions {
  // Used when the log records no config (logs older than exercise.created's
  // "scoring"); without it such a log is NotFound.
  std::optional<ScoringConfig> fallback_config;
  // Scores with this config whatever the log records (a report built for a
  // config its caller chose); config_recorded is then false.
  std::optional<ScoringConfig> config;
  // Called after each event with what it applied (empty for score.changed);
  // ok is false for a malformed scoring event, whose own effect was skipped
  // (its message is in warnings()). Readers that show per-event effects (the
  // report's lines, the GUI's score history) take them here instead of
  // folding the log a second time.
  std::function<void(const Event& e, const Applied& applied, bool ok)> on_applied;
};

struct LogReplay {
  ScoringConfig config;
  bool config_recorded = false;     // false: options.fallback_config or options.config was used
  ReplayChecker checker;            // fed every event and Finish()ed
  std::vector<LedgerEntry> ledger;  // every entry, in event order
  Scoreboard board;                 // after the last event
  int64_t events = 0;

  const Scorer& scorer() const { return checker.scorer(); }
  // Empty when the recomputed score changes equal the recorded ones exactly.
  const std::string& first_difference() const { return checker.first_difference(); }
  const std::vector<std::string>& warnings() const { return checker.warnings(); }
};

// The config a log is scored with: options.config, else the recorded one,
// else the fallback (*recorded says whether it was the recorded one);
// NotFound when there is none.
Result<ScoringConfig> ConfigForLog(const std::vector<Event>& events, const ReplayOptions& options,
                                   bool* recorded = nullptr);

// Replays events (seq order). DataLoss when seqs do not increase; a bad
// recorded config is the config's error naming the event.
Result<LogReplay> ReplayLog(const std::vector<Event>& events, const ReplayOptions& options = {});

}  // namespace livefire::scoring
