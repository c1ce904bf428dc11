#pragma once
// Scoring inside a running exercise (a runtime::Extension): every event goes
// through the same Scorer a replay uses; each score change is recorded as a
// score.changed event citing its cause; service checks run on worker threads
// on the exercise clock and come back as check.result events; the scoreboard
// is published on the bus at most every 250 ms while scores move; at the end
// the per-team metrics are stored with the exercise.

#include <memory>
#include <optional>
#include <string>

#include "livefire/runtime/exercise.h"
#include "livefire/scoring/check_pool.h"
#include "livefire/scoring/schedule.h"
#include "livefire/scoring/scoreboard.h"
#include "livefire/scoring/scorer.h"

namespace livefire::scoring {

// Runs the scenario's `check = { kind = "lua", run = function(ctx) ... end }`
// checks on the check workers: each worker thread loads the scenario into a
// sandbox of its own (budgets per call). ctx has team, node, service,
// address, port and http(path) -> {status, body}; run returns ok, detail.
LuaCheckFn MakeLuaCheckFn(const scenario::Scenario& scenario);

struct LiveScoringOptions {
  bool run_checks = true;  // false: no service checks (dry runs, tests without a range)
  int check_workers = 4;
};

class LiveScoring : public runtime::Extension {
 public:
  LiveScoring(const scenario::Scenario& scenario, const topology::RangePlan& plan,
              LiveScoringOptions options = {});
  ~LiveScoring() override;

  std::string_view name() const override { return "scoring"; }
  void OnEvent(runtime::ExerciseContext& ctx, const Event& e, bool replaying) override;
  void OnStart(runtime::ExerciseContext& ctx) override;
  void OnLoop(runtime::ExerciseContext& ctx) override;
  size_t Outstanding() const override;
  std::optional<nlohmann::json> OnStatus(runtime::ExerciseContext& ctx) override;
  void OnEnd(runtime::ExerciseContext& ctx) override;

  const Scorer& scorer() const { return scorer_; }
  Scoreboard Board() const { return MakeScoreboard(scorer_); }

 private:
  const scenario::Scenario& scenario_;
  const topology::RangePlan& plan_;
  LiveScoringOptions options_;
  Scorer scorer_;
  std::unique_ptr<CheckPool> pool_;
  std::unique_ptr<CheckScheduler> checks_;
  PublishThrottle throttle_;
  bool changed_ = false;
  std::vector<CheckResult> results_;  // reused drain buffer
};

}  // namespace livefire::scoring
