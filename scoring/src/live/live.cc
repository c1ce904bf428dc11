#include "livefire/scoring/live.h"

#include <spdlog/spdlog.h>

#include <chrono>

#include "livefire/scoring/checks.h"
#include "livefire/scoring/config.h"

namespace livefire::scoring {

LiveScoring::LiveScoring(const scenario::Scenario& scenario, const topology::RangePlan& plan,
                         LiveScoringOptions options)
    : scenario_(scenario),
      plan_(plan),
      options_(options),
      scorer_(MakeScoringConfig(scenario)),
      throttle_(std::chrono::milliseconds(250)) {}

LiveScoring::~LiveScoring() {
  checks_.reset();  // cancels timers before the pool goes
  pool_.reset();
}

void LiveScoring::OnEvent(runtime::ExerciseContext& ctx, const Event& e, bool replaying) {
  // Our own output: recorded for explanation and replay, never an input.
  if (e.kind == kinds::kScoreChanged) return;
  Applied applied;
  Status s = scorer_.Apply(e, &applied);
  if (!s.ok()) {
    spdlog::warn("scoring: event {} ({}): {}", e.seq, e.kind, s.message());
    return;
  }
  if (applied.changes.empty()) return;
  changed_ = true;
  // On recovery the score.changed events are already in the log.
  if (replaying) return;
  for (const ScoreChange& c : applied.changes) {
    Event ev = ToEvent(c, e.time);
    Result<Event> r = ctx.Record(ev.team, ev.kind, std::move(ev.payload));
    if (!r.ok()) spdlog::error("scoring: cannot record score change: {}", r.status().message());
  }
}

void LiveScoring::OnStart(runtime::ExerciseContext& ctx) {
  if (!options_.run_checks) return;
  CheckPoolOptions po;
  po.workers = options_.check_workers;
  pool_ = std::make_unique<CheckPool>(po);
  const scenario::ScoringParams& p = scenario_.scoring;
  checks_ = std::make_unique<CheckScheduler>(
      ctx.scheduler(), scenario_.meta.seed, p, CheckTargets(scenario_, plan_),
      [this, &p](const CheckTarget& t, int64_t round, SimTime at) {
        CheckJob job{t, at, round, p.check_timeout};
        Status s = pool_->Submit(std::move(job));
        if (!s.ok()) spdlog::warn("check {}/{}/{} round {}: {}", t.team, t.node, t.service, round, s.message());
      });
  checks_->Start();
}

void LiveScoring::OnLoop(runtime::ExerciseContext& ctx) {
  if (pool_) {
    results_.clear();
    pool_->Drain(results_);
    for (const CheckResult& r : results_) {
      Event ev = MakeCheckEvent(r.job.target, r.outcome, r.job.scheduled);
      Result<Event> rec = ctx.Record(ev.team, ev.kind, std::move(ev.payload));
      if (!rec.ok()) spdlog::error("scoring: cannot record check result: {}", rec.status().message());
    }
  }
  if (throttle_.ShouldPublish(PublishThrottle::Clock::now(), changed_)) {
    ctx.PublishDerived("", "scoreboard", ToJson(Board()));
  }
  changed_ = false;
}

size_t LiveScoring::Outstanding() const {
  if (!pool_) return 0;
  // Jobs queued or running: in fast mode the clock waits for their results.
  return pool_->pending() + pool_->in_flight();
}

std::optional<nlohmann::json> LiveScoring::OnStatus(runtime::ExerciseContext&) {
  return ToJson(Board());
}

void LiveScoring::OnEnd(runtime::ExerciseContext& ctx) {
  if (checks_) checks_->Stop();
  for (const std::string& team : scorer_.teams()) {
    for (const auto& [metric, value] : FlatMetrics(scorer_.Metrics(team))) {
      Status s = ctx.SaveMetric(team, metric, value);
      if (!s.ok()) spdlog::error("scoring: cannot store metric {}/{}: {}", team, metric, s.message());
    }
  }
}

}  // namespace livefire::scoring
