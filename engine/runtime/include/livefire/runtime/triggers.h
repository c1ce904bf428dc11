#pragma once
// When injects run. Every inject is instantiated once per blue team (red and
// blue bots act on that team's copy of the range; white-cell tasks are put to
// that team). An instance first waits for its start condition (a time, another
// inject's outcome, a Lua predicate, or the white cell), then runs; after each
// outcome it repeats every repeat_interval until it has run repeat_count times
// or, with until_success, until it succeeded.
//
// The state of every instance is a pure function of its history (fired and
// outcome events), so after a crash the engine rebuilds it from the event log
// with Restore() and re-arms the timers with Arm(): nothing else is kept.

#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "livefire/model/model.h"
#include "livefire/scheduler.h"
#include "livefire/status.h"

namespace livefire::runtime {

enum class Outcome { kSuccess, kFailure, kError };
std::string_view ToString(Outcome o);
Result<Outcome> ParseOutcome(std::string_view s);

// The payloads of inject.fired ({inject, side, technique, node}; the runtime
// adds a `when` trigger's fields) and inject.outcome ({inject, side, outcome,
// reason, points, technique, node}), as the live runtime and the simulator
// record them.
nlohmann::json FiredPayload(const model::Inject& inject);
nlohmann::json OutcomePayload(const model::Inject& inject, Outcome outcome,
                              const std::string& reason);

// One entry of an instance's history, as recorded in the event log.
struct InjectHistory {
  std::string inject;
  std::string team;
  bool fired = false;  // true: inject.fired; false: inject.outcome
  Outcome outcome = Outcome::kSuccess;
  SimTime time;
};

class TriggerEngine {
 public:
  struct Hooks {
    // Start the inject's body; the runtime must later call OnOutcome.
    std::function<void(const model::Inject&, const std::string& team, SimTime now)> fire;
    // Evaluate a condition trigger's predicate: true/false now, or nullopt
    // when the answer comes later through OnConditionResult (the predicate
    // waits on a guest). An error is recorded by the runtime and counts as
    // "not yet".
    std::function<std::optional<bool>(const model::Inject&, const std::string& team,
                                      SimTime now)>
        poll;
    // A timer was set for the instance (for inject.armed events; optional).
    std::function<void(const model::Inject&, const std::string& team, SimTime at)> armed;
  };

  TriggerEngine(const model::Scenario& scenario, std::vector<std::string> teams,
                Scheduler& scheduler, Hooks hooks);
  TriggerEngine(const TriggerEngine&) = delete;
  TriggerEngine& operator=(const TriggerEngine&) = delete;

  // Rebuilds instance state from recorded history (in log order). An instance
  // fired but without an outcome is left in flight: the caller decides (after
  // a crash it records an error outcome through OnOutcome).
  void Restore(const std::vector<InjectHistory>& history);

  // Sets the timers every instance needs from its current state. Call once at
  // start (or after Restore); the engine re-arms by itself afterwards.
  void Arm();

  // The outcome of a fired instance. Arms its repeat and the instances that
  // wait for it. FailedPrecondition if the instance was not in flight.
  Status OnOutcome(const std::string& inject, const std::string& team, Outcome outcome);

  // The late answer of a condition whose poll returned nullopt.
  Status OnConditionResult(const std::string& inject, const std::string& team, bool met);

  // The white cell fires an inject now. team "" = every team. Refused (with
  // the reason) when the instance is in flight or has nothing left to run.
  Status FireManual(const std::string& inject, const std::string& team);

  // Why the instance has not fired (yet), or what it is doing.
  Result<std::string> Why(const std::string& inject, const std::string& team) const;

  // Instances currently running, as (inject, team).
  std::vector<std::pair<std::string, std::string>> InFlight() const;

  const std::vector<std::string>& teams() const { return teams_; }

  struct Instance {
    const model::Inject* inject = nullptr;
    std::string team;
    bool started = false;  // start condition met
    bool in_flight = false;
    int runs = 0;          // outcomes recorded
    int successes = 0;
    int failures = 0;
    int errors = 0;
    SimTime last_fired;
    SimTime last_outcome_time;
    std::optional<Outcome> last_outcome;
    std::optional<TimerId> timer;
    SimTime timer_at;
    bool polling = false;
    bool poll_pending = false;  // an asynchronous condition is being evaluated
    SimTime last_poll;
    // Start time granted by the predecessor's outcome (kAfter).
    std::optional<SimTime> after_ready_at;
  };
  const Instance* Find(const std::string& inject, const std::string& team) const;

 private:
  Instance* FindMut(const std::string& inject, const std::string& team);
  bool Done(const Instance& in) const;
  void ArmOne(Instance& in);
  void SetTimer(Instance& in, SimTime at, bool poll);
  void OnTimer(Instance& in, bool poll);
  void Fire(Instance& in);
  void NotifyDependents(const Instance& in, Outcome outcome);

  const model::Scenario& scenario_;
  std::vector<std::string> teams_;
  Scheduler& sched_;
  Hooks hooks_;
  // Keyed by (inject, team); std::map keeps iteration order deterministic.
  std::map<std::pair<std::string, std::string>, Instance> instances_;
  std::vector<std::pair<std::string, std::string>> order_;  // scenario order × team order
};

}  // namespace livefire::runtime
