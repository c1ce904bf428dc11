#include "livefire/runtime/triggers.h"

#include <fmt/format.h>

#include <algorithm>

namespace livefire::runtime {

using model::AfterOutcome;
using model::Inject;
using model::TriggerKind;

std::string_view ToString(Outcome o) {
  switch (o) {
    case Outcome::kSuccess: return "success";
    case Outcome::kFailure: return "failure";
    case Outcome::kError: return "error";
  }
  return "error";
}

nlohmann::json FiredPayload(const model::Inject& inject) {
  nlohmann::json p = {{"inject", inject.name}, {"side", model::ToString(inject.owner)}};
  if (!inject.technique.empty()) p["technique"] = inject.technique;
  if (!inject.target.empty()) p["node"] = inject.target;
  return p;
}

nlohmann::json OutcomePayload(const model::Inject& inject, Outcome outcome,
                              const std::string& reason) {
  const double points = outcome == Outcome::kSuccess   ? inject.points_success
                        : outcome == Outcome::kFailure ? inject.points_failure
                                                       : 0.0;
  nlohmann::json p = {{"inject", inject.name},
                      {"side", model::ToString(inject.owner)},
                      {"outcome", ToString(outcome)},
                      {"reason", reason},
                      {"points", points}};
  if (!inject.technique.empty()) p["technique"] = inject.technique;
  if (!inject.target.empty()) p["node"] = inject.target;
  return p;
}

Result<Outcome> ParseOutcome(std::string_view s) {
  if (s == "success") return Outcome::kSuccess;
  if (s == "failure") return Outcome::kFailure;
  if (s == "error") return Outcome::kError;
  return Status::InvalidArgument(
      fmt::format("unknown outcome '{}' (use success, failure or error)", s));
}

namespace {
bool Matches(AfterOutcome on, Outcome o) {
  switch (on) {
    case AfterOutcome::kSuccess: return o == Outcome::kSuccess;
    // An error is a failure for whoever waits on a failure: the step did not happen.
    case AfterOutcome::kFailure: return o != Outcome::kSuccess;
    case AfterOutcome::kCompletion: return true;
  }
  return false;
}

std::string Label(const Inject& inj, const std::string& team) {
  return fmt::format("inject {} for {}", inj.name, team);
}
}  // namespace

TriggerEngine::TriggerEngine(const model::Scenario& scenario, std::vector<std::string> teams,
                             Scheduler& scheduler, Hooks hooks)
    : scenario_(scenario), teams_(std::move(teams)), sched_(scheduler), hooks_(std::move(hooks)) {
  for (const Inject& inj : scenario_.injects) {
    for (const std::string& team : teams_) {
      Instance in;
      in.inject = &inj;
      in.team = team;
      instances_.emplace(std::make_pair(inj.name, team), std::move(in));
      order_.emplace_back(inj.name, team);
    }
  }
}

const TriggerEngine::Instance* TriggerEngine::Find(const std::string& inject,
                                                   const std::string& team) const {
  auto it = instances_.find({inject, team});
  return it == instances_.end() ? nullptr : &it->second;
}

TriggerEngine::Instance* TriggerEngine::FindMut(const std::string& inject,
                                                const std::string& team) {
  auto it = instances_.find({inject, team});
  return it == instances_.end() ? nullptr : &it->second;
}

bool TriggerEngine::Done(const Instance& in) const {
  const Inject& inj = *in.inject;
  if (in.runs >= std::max(1, inj.repeat_count)) return true;
  return inj.until_success && in.successes > 0;
}

void TriggerEngine::Restore(const std::vector<InjectHistory>& history) {
  for (const InjectHistory& h : history) {
    Instance* in = FindMut(h.inject, h.team);
    if (!in) continue;  // an inject removed from the scenario since: nothing to re-arm
    if (h.fired) {
      in->started = true;
      in->in_flight = true;
      in->last_fired = h.time;
      in->after_ready_at.reset();
      continue;
    }
    in->in_flight = false;
    in->runs++;
    in->last_outcome = h.outcome;
    in->last_outcome_time = h.time;
    if (h.outcome == Outcome::kSuccess) in->successes++;
    if (h.outcome == Outcome::kFailure) in->failures++;
    if (h.outcome == Outcome::kError) in->errors++;
    // Dependents learn of the outcome the same way as live.
    for (auto& [key, dep] : instances_) {
      const Inject& d = *dep.inject;
      if (dep.team != h.team || d.trigger.kind != TriggerKind::kAfter) continue;
      if (d.trigger.after != h.inject || dep.started || dep.after_ready_at) continue;
      if (Matches(d.trigger.on, h.outcome)) dep.after_ready_at = h.time + d.trigger.delay;
    }
  }
}

void TriggerEngine::Arm() {
  for (const auto& key : order_) ArmOne(instances_.at(key));
}

void TriggerEngine::SetTimer(Instance& in, SimTime at, bool poll) {
  if (in.timer) sched_.Cancel(*in.timer);
  if (at < sched_.Now()) at = sched_.Now();
  in.timer_at = at;
  in.polling = poll;
  Instance* p = &in;  // instances_ is a std::map: element addresses are stable
  in.timer = sched_.At(at, [this, p, poll](SimTime) { OnTimer(*p, poll); },
                       Label(*in.inject, in.team));
  if (!poll && hooks_.armed) hooks_.armed(*in.inject, in.team, at);
}

void TriggerEngine::ArmOne(Instance& in) {
  if (in.in_flight || Done(in) || in.timer || in.poll_pending) return;
  const Inject& inj = *in.inject;
  if (in.started) {
    // A repeat: the next run comes repeat_interval after the last outcome.
    SetTimer(in, in.last_outcome_time + inj.repeat_interval, false);
    return;
  }
  switch (inj.trigger.kind) {
    case TriggerKind::kAt:
      SetTimer(in, SimTime::Start() + inj.trigger.at, false);
      break;
    case TriggerKind::kAfter:
      if (in.after_ready_at) SetTimer(in, *in.after_ready_at, false);
      break;
    case TriggerKind::kCondition: {
      Duration every = inj.trigger.poll_interval > Duration::Zero() ? inj.trigger.poll_interval
                                                                    : Duration::Seconds(30);
      SetTimer(in, sched_.Now() + every, true);
      break;
    }
    case TriggerKind::kManual:
      break;
  }
}

void TriggerEngine::OnTimer(Instance& in, bool poll) {
  in.timer.reset();
  if (poll) {
    in.last_poll = sched_.Now();
    std::optional<bool> ready =
        hooks_.poll ? hooks_.poll(*in.inject, in.team, sched_.Now()) : std::optional<bool>(false);
    if (!ready) {
      in.poll_pending = true;  // OnConditionResult continues
      return;
    }
    if (!*ready) {
      ArmOne(in);  // poll again after the interval
      return;
    }
  }
  Fire(in);
}

void TriggerEngine::Fire(Instance& in) {
  if (in.timer) {
    sched_.Cancel(*in.timer);
    in.timer.reset();
  }
  in.started = true;
  in.in_flight = true;
  in.polling = false;
  in.last_fired = sched_.Now();
  in.after_ready_at.reset();
  if (hooks_.fire) hooks_.fire(*in.inject, in.team, sched_.Now());
}

void TriggerEngine::NotifyDependents(const Instance& src, Outcome outcome) {
  // The same team's instances in scenario order (order_ is scenario order x
  // team order): a walk of every team's would cost O(teams) per outcome.
  for (const Inject& d : scenario_.injects) {
    if (d.trigger.kind != TriggerKind::kAfter || d.trigger.after != src.inject->name) continue;
    Instance* found = FindMut(d.name, src.team);
    if (!found) continue;
    Instance& dep = *found;
    if (dep.started || dep.after_ready_at) continue;
    if (!Matches(d.trigger.on, outcome)) continue;
    dep.after_ready_at = sched_.Now() + d.trigger.delay;
    ArmOne(dep);
  }
}

Status TriggerEngine::OnOutcome(const std::string& inject, const std::string& team,
                                Outcome outcome) {
  Instance* in = FindMut(inject, team);
  if (!in) return Status::NotFound(fmt::format("no inject '{}' for team '{}'", inject, team));
  if (!in->in_flight) {
    return Status::FailedPrecondition(
        fmt::format("inject '{}' for team '{}' is not running", inject, team));
  }
  in->in_flight = false;
  in->runs++;
  in->last_outcome = outcome;
  in->last_outcome_time = sched_.Now();
  if (outcome == Outcome::kSuccess) in->successes++;
  if (outcome == Outcome::kFailure) in->failures++;
  if (outcome == Outcome::kError) in->errors++;
  NotifyDependents(*in, outcome);
  ArmOne(*in);
  return Status::Ok();
}

Status TriggerEngine::OnConditionResult(const std::string& inject, const std::string& team,
                                       bool met) {
  Instance* in = FindMut(inject, team);
  if (!in) return Status::NotFound(fmt::format("no inject '{}' for team '{}'", inject, team));
  if (!in->poll_pending) {
    return Status::FailedPrecondition(
        fmt::format("inject '{}' for team '{}' has no condition being evaluated", inject, team));
  }
  in->poll_pending = false;
  if (met && !in->in_flight && !Done(*in) && !in->started) {
    Fire(*in);
  } else {
    ArmOne(*in);
  }
  return Status::Ok();
}

Status TriggerEngine::FireManual(const std::string& inject, const std::string& team) {
  const Inject* inj = scenario_.FindInject(inject);
  if (!inj) return Status::NotFound(fmt::format("no inject named '{}'", inject));
  std::vector<Instance*> targets;
  if (team.empty()) {
    for (const std::string& t : teams_) targets.push_back(FindMut(inject, t));
  } else {
    Instance* in = FindMut(inject, team);
    if (!in) return Status::NotFound(fmt::format("no blue team named '{}'", team));
    targets.push_back(in);
  }
  for (Instance* in : targets) {
    if (in->in_flight) {
      return Status::FailedPrecondition(
          fmt::format("inject '{}' for team '{}' is already running", inject, in->team));
    }
    if (Done(*in)) {
      return Status::FailedPrecondition(fmt::format(
          "inject '{}' for team '{}' has already run {} of {} time(s)", inject, in->team, in->runs,
          std::max(1, inj->repeat_count)));
    }
  }
  for (Instance* in : targets) Fire(*in);
  return Status::Ok();
}

std::vector<std::pair<std::string, std::string>> TriggerEngine::InFlight() const {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& key : order_) {
    if (instances_.at(key).in_flight) out.push_back(key);
  }
  return out;
}

Result<std::string> TriggerEngine::Why(const std::string& inject, const std::string& team) const {
  const Inject* inj = scenario_.FindInject(inject);
  if (!inj) return Status::NotFound(fmt::format("no inject named '{}'", inject));
  const Instance* in = Find(inject, team);
  if (!in) return Status::NotFound(fmt::format("no blue team named '{}'", team));
  const SimTime now = sched_.Now();
  const int max_runs = std::max(1, inj->repeat_count);
  std::string runs = fmt::format("{} of {} run(s) done ({} success, {} failure, {} error)",
                                 in->runs, max_runs, in->successes, in->failures, in->errors);
  if (in->in_flight) {
    return fmt::format("running since {} (fired {} ago); {}", FormatClock(in->last_fired),
                       HumanDuration(now - in->last_fired), runs);
  }
  if (Done(*in)) {
    if (inj->until_success && in->successes > 0) {
      return fmt::format("finished: succeeded at {} and repeats stop after a success; {}",
                         FormatClock(in->last_outcome_time), runs);
    }
    return fmt::format("finished: {}", runs);
  }
  if (in->started) {
    return fmt::format("waiting to repeat at {} (in {}), every {}; {}", FormatClock(in->timer_at),
                       HumanDuration(in->timer_at - now), FormatDuration(inj->repeat_interval),
                       runs);
  }
  switch (inj->trigger.kind) {
    case TriggerKind::kAt:
      return fmt::format("waiting for exercise time {} (in {})",
                         FormatClock(SimTime::Start() + inj->trigger.at),
                         HumanDuration(SimTime::Start() + inj->trigger.at - now));
    case TriggerKind::kAfter: {
      if (in->after_ready_at) {
        return fmt::format("'{}' reached its outcome; starts at {} (in {})", inj->trigger.after,
                           FormatClock(*in->after_ready_at),
                           HumanDuration(*in->after_ready_at - now));
      }
      const Instance* pre = Find(inj->trigger.after, team);
      std::string want = std::string(model::ToString(inj->trigger.on));
      if (!pre) return fmt::format("waits for '{}' which does not exist", inj->trigger.after);
      std::string pre_state;
      if (pre->in_flight) {
        pre_state = "it is running now";
      } else if (pre->runs == 0) {
        pre_state = "it has not run yet";
      } else {
        pre_state = fmt::format("it ran {} time(s), last outcome {} at {}", pre->runs,
                                ToString(*pre->last_outcome), FormatClock(pre->last_outcome_time));
      }
      bool impossible = Done(*pre) && !pre->in_flight;
      return fmt::format("waiting for '{}' to end in {} (+{}); {}{}", inj->trigger.after, want,
                         FormatDuration(inj->trigger.delay), pre_state,
                         impossible ? "; it will not run again, so this inject will not fire"
                                    : "");
    }
    case TriggerKind::kCondition:
      if (in->poll_pending) {
        return fmt::format("its condition is being evaluated since {} (waiting on a guest)",
                           FormatClock(in->last_poll));
      }
      if (in->last_poll > SimTime::Start()) {
        return fmt::format("its condition was false at {}; next check at {} (every {})",
                           FormatClock(in->last_poll), FormatClock(in->timer_at),
                           FormatDuration(inj->trigger.poll_interval));
      }
      return fmt::format("its condition is first checked at {} (every {})",
                         FormatClock(in->timer_at), FormatDuration(inj->trigger.poll_interval));
    case TriggerKind::kManual:
      return std::string("manual: waiting for the white cell to fire it (livefire inject)");
  }
  return std::string("unknown trigger");
}

}  // namespace livefire::runtime
