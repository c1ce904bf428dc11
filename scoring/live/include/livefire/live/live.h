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

#include "livefire/checks/check_pool.h"
#include "livefire/checks/schedule.h"
#include "livefire/runtime/exercise.h"
#include "livefire/scoring/scoreboard.h"
#include "livefire/scoring/scorer.h"

namespace livefire::live {

// Runs the scenario's `check = { kind = "lua", run = function(ctx) ... end }`
// checks on the check workers. Each function returned owns its sandboxes (one
// per call running at once, each with the scenario loaded; budgets per call):
// two exercises in one process never share Lua globals or a seed. ctx has team, node, service,
// address, port and http(path) -> {status, body}; run returns ok, detail.
checks::LuaCheckFn MakeLuaCheckFn(const model::Scenario& scenario);

struct LiveScoringOptions {
  bool run_checks = true;  // false: no service checks (dry runs, tests without a range)
  int check_workers = 4;
};

class LiveScoring : public runtime::Extension {
 public:
  LiveScoring(const model::Scenario& scenario, const topology::RangePlan& plan,
              LiveScoringOptions options = {});
  ~LiveScoring() override;

  std::string_view name() const override { return "scoring"; }
  void OnEvent(runtime::ExerciseContext& ctx, const Event& e, bool replaying) override;
  void OnStart(runtime::ExerciseContext& ctx) override;
  void OnLoop(runtime::ExerciseContext& ctx) override;
  size_t Outstanding() const override;
  std::optional<nlohmann::json> OnStatus(runtime::ExerciseContext& ctx) override;
  std::optional<nlohmann::json> OnScoreboardAt(runtime::ExerciseContext& ctx,
                                               SimTime at) override;
  void OnEnd(runtime::ExerciseContext& ctx) override;

  const scoring::Scorer& scorer() const { return scorer_; }
  scoring::Scoreboard Board() const { return scoring::MakeScoreboard(scorer_); }

 private:
  const model::Scenario& scenario_;
  const topology::RangePlan& plan_;
  LiveScoringOptions options_;
  scoring::Scorer scorer_;
  std::unique_ptr<checks::CheckPool> pool_;
  std::unique_ptr<checks::CheckScheduler> checks_;
  scoring::PublishThrottle throttle_;
  bool changed_ = false;
  std::vector<checks::CheckResult> results_;  // reused drain buffer
};

}  // namespace livefire::live
