#pragma once
// Shared by the scoring commands (status, explain, replay): opening an
// exercise's event log read-only and replaying it through the scorer.

#include <functional>
#include <memory>
#include <string>

#include "cli.h"
#include "livefire/scoring/scorer.h"
#include "livefire/store/event_store.h"

namespace livefire::cli {

struct ScoredLog {
  std::string exercise;
  std::unique_ptr<store::EventStore> store;
  scoring::ScoringConfig config;
  bool config_recorded = false;  // false: rebuilt from the store's team and node tables
};

// Opens <state_dir>/exercises/<id>/events.db read-only and finds the scoring
// config the exercise ran with (exercise.created "scoring"), else builds one
// from the store's teams and nodes with default parameters.
Result<ScoredLog> OpenScoredLog(const Context& ctx, const std::string& id_text);

// Feeds every event in seq order to the checker, then Finish()es it. A log
// whose seqs do not increase is DataLoss (the store guarantees they do).
Status ReplayLog(const ScoredLog& log, scoring::ReplayChecker& checker);

}  // namespace livefire::cli
