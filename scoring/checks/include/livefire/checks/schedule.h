#pragma once
// When each service is checked. Round k of (team, node, service) is due at
//   start + (k + 1) x check_interval + jitter(seed, team/node/service, k)
// with jitter uniform in [-check_jitter, +check_jitter], drawn from a
// counter-based generator (SplitMix64 over the seed, an FNV-1a hash of the
// key and k). It is a pure function of its inputs: the same seed gives the
// same schedule on every machine, and any round can be computed on its own
// (recovery resumes at the right round without replaying the RNG).

#include <cstdint>
#include <functional>
#include <string_view>
#include <vector>

#include "livefire/model/model.h"
#include "livefire/scheduler.h"
#include "livefire/checks/checks.h"
#include "livefire/time.h"

namespace livefire::checks {

SimTime CheckTime(uint64_t seed, std::string_view team, std::string_view node,
                  std::string_view service, int64_t round, const model::ScoringParams& p,
                  SimTime start = SimTime::Start());

// The first round due strictly after `now` (for resuming after recovery).
int64_t RoundAfter(uint64_t seed, const CheckTarget& t, SimTime now,
                   const model::ScoringParams& p, SimTime start = SimTime::Start());

// Drives the schedule on the runtime's Scheduler: for every target, calls
// `due(target, round, time)` at each round's time (the runtime submits the
// job to its CheckPool there). Stop() cancels the pending timers.
class CheckScheduler {
 public:
  using DueFn = std::function<void(const CheckTarget&, int64_t round, SimTime at)>;

  CheckScheduler(Scheduler& scheduler, uint64_t seed, model::ScoringParams params,
                 std::vector<CheckTarget> targets, DueFn due, SimTime start = SimTime::Start());
  ~CheckScheduler();
  CheckScheduler(const CheckScheduler&) = delete;
  CheckScheduler& operator=(const CheckScheduler&) = delete;

  // Schedules each target's first round after the scheduler's Now().
  void Start();
  void Stop();
  const std::vector<CheckTarget>& targets() const { return targets_; }

 private:
  void Arm(size_t index, int64_t round);

  Scheduler& scheduler_;
  uint64_t seed_;
  model::ScoringParams params_;
  std::vector<CheckTarget> targets_;
  DueFn due_;
  SimTime start_;
  std::vector<TimerId> timers_;  // per target; 0 = none
};

}  // namespace livefire::checks
