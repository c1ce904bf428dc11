#pragma once
// Runs inject bodies, conditions and ctx.after callbacks in the exercise's
// Lua sandbox. Each run is a coroutine: ctx.exec/http/put/get/objective yield
// while the engine's GuestIo works, and the coroutine is resumed with the
// reply when the loop drains it. Budgets apply to every resume.

#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "livefire/event.h"
#include "livefire/guest/guest_io.h"
#include "livefire/runtime/triggers.h"
#include "livefire/model/model.h"
#include "livefire/scheduler.h"
#include "livefire/status.h"
#include "livefire/topology/plan.h"

namespace livefire::runtime {

class InjectRunner {
 public:
  // What the runner needs from the exercise loop.
  class Host {
   public:
    virtual ~Host() = default;
    virtual SimTime Now() const = 0;
    virtual Result<Event> Record(const std::string& team, std::string_view kind,
                                 nlohmann::json payload) = 0;
    // Returns the request id the reply will carry.
    virtual uint64_t SubmitGuest(guest::GuestRequest request) = 0;
    virtual void After(Duration d, std::function<void()> fn, std::string label) = 0;
    // A run ended: record the outcome and let the triggers move on.
    virtual void Finished(const model::Inject& inject, const std::string& team,
                          Outcome outcome, const std::string& reason) = 0;
    // The late answer of a condition that waited on a guest (see Poll).
    virtual void ConditionResult(const model::Inject& inject, const std::string& team,
                                 const Result<bool>& met) = 0;
  };

  struct Options {
    size_t memory_limit = size_t{32} << 20;
    int64_t instruction_limit = 10'000'000;
    Duration guest_timeout = Duration::Seconds(60);
    uint64_t seed = 1;
    // Set by the loop watchdog to end a script that holds the loop while
    // the engine must stop (lua::SandboxOptions::interrupt).
    const std::atomic<bool>* interrupt = nullptr;
  };

  static Result<std::unique_ptr<InjectRunner>> Load(const model::Scenario& scenario,
                                                    const topology::RangePlan& plan, Host& host,
                                                    Options options);
  virtual ~InjectRunner() = default;

  // Starts a run of the inject's body for the team. Injects without a body
  // (white-cell tasks) finish at once with success.
  virtual void Start(const model::Inject& inject, const std::string& team) = 0;
  // Evaluates a condition trigger's `when` function as a coroutine: the
  // answer when it finished at once, nullopt when it waits on a guest (the
  // answer then comes through Host::ConditionResult). Errors are returned.
  virtual Result<std::optional<bool>> Poll(const model::Inject& inject,
                                           const std::string& team) = 0;
  // Resumes the coroutine that waits for this reply (unknown ids are ignored:
  // a reply for a run the engine already gave up on).
  virtual void OnGuestReply(const guest::GuestReply& reply) = 0;
  virtual size_t running() const = 0;
};

}  // namespace livefire::runtime
