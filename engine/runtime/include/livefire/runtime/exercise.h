#pragma once
// One exercise's engine loop (`livefire run ID`). Single-threaded by design:
// the loop owns the clock, the injects' Lua state and the event log; network
// and libvirt I/O happen on worker threads (the control server, GuestIo,
// extensions such as service checks) and come back through queues the loop
// drains (Zeek's OnLoop). Every state change is an event: appended to the
// SQLite store, published on the ZeroMQ bus, and shown to extensions.
//
// Time: exercise time only (Scheduler). Real-time mode paces it against the
// wall clock with a speed factor (Pacer); fast mode jumps from event to event
// but waits while guest operations are outstanding, so injects see the same
// exercise times they would at any speed.
//
// Recovery: Open() on an exercise that already has events rebuilds the clock,
// the speed, the pause state and every inject's state from the log, records
// an error outcome for runs the crash interrupted, and re-arms the rest.

#include <atomic>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "livefire/event.h"
#include "livefire/guest/guest_io.h"
#include "livefire/ids.h"
#include "livefire/lua/sandbox.h"
#include "livefire/model/model.h"
#include "livefire/scheduler.h"
#include "livefire/status.h"
#include "livefire/topology/plan.h"

namespace livefire::bus {
struct Request;
}
namespace livefire::store {
class EventStore;
struct StoreFaults;
}  // namespace livefire::store

namespace livefire::runtime {

class TriggerEngine;

// {source: "extension"|"lua"|"control"|"guest"|"engine", name: the extension,
//  inject (or callback label), request type or hook, what: the exception's
//  text, hook and disabled (extensions)}: an exception reached the engine
// loop. The loop goes on; an extension that threw is disabled for the rest of
// the run.
inline constexpr std::string_view kEngineError = "engine.error";

// The event store could not commit: the engine paused the exercise clock and
// refuses submissions until writes succeed again. {error, since_wall_ns,
// time_ns}: recorded when the outage is noticed and committed (so published)
// once the store writes again, before store.recovered.
inline constexpr std::string_view kStoreUnhealthy = "store.unhealthy";
// {outage_ns (wall), failed_attempts, error (the last one)}: writes succeed
// again; the clock resumes unless the white cell had paused it.
inline constexpr std::string_view kStoreRecovered = "store.recovered";

// What extensions (scoring, checks) may do with the running exercise. Only
// from the engine thread, except Wake().
class ExerciseContext {
 public:
  virtual ~ExerciseContext() = default;
  virtual SimTime Now() const = 0;
  virtual Scheduler& scheduler() = 0;
  virtual const model::Scenario& scenario() const = 0;
  virtual const topology::RangePlan& plan() const = 0;
  virtual const ExerciseId& id() const = 0;
  virtual bool paused() const = 0;
  // Appends an event at Now() (store, bus, extensions) and returns it.
  virtual Result<Event> Record(const std::string& team, std::string_view kind,
                               nlohmann::json payload) = 0;
  // Publishes a message on the bus without storing it (e.g. the scoreboard,
  // which is derived from stored events and can be recomputed).
  virtual void PublishDerived(const std::string& team, std::string_view kind,
                              const nlohmann::json& payload) = 0;
  // Thread-safe: a worker has results for its extension's OnLoop.
  virtual void Wake() = 0;
  // Per-team metrics kept with the exercise (maturity assessment input).
  virtual Status SaveMetric(const std::string& team, const std::string& metric, double value) = 0;
  // Reads the committed log in seq order until fn returns false.
  virtual Status ScanLog(const std::function<bool(const Event&)>& fn) const {
    (void)fn;
    return Status::FailedPrecondition("this context has no log");
  }
};

class Extension {
 public:
  virtual ~Extension() = default;
  virtual std::string_view name() const = 0;
  // Every event in seq order: on recovery first the stored ones (replaying =
  // true), then each new one as it is recorded.
  virtual void OnEvent(ExerciseContext& ctx, const Event& e, bool replaying) = 0;
  // The exercise (re)starts at ctx.Now(): schedule periodic work here.
  virtual void OnStart(ExerciseContext& ctx) { (void)ctx; }
  // Each loop iteration: drain your own queues without blocking.
  virtual void OnLoop(ExerciseContext& ctx) { (void)ctx; }
  // Work handed to threads and not yet back: fast mode does not advance the
  // clock while any is outstanding, so results keep their exercise time.
  virtual size_t Outstanding() const { return 0; }
  // Extra fields for the status reply (e.g. the scoreboard).
  virtual std::optional<nlohmann::json> OnStatus(ExerciseContext& ctx) {
    (void)ctx;
    return std::nullopt;
  }
  // The scoreboard as it stood at exercise time `at` (< Now()), for a
  // scoreboard the white cell froze (published as "scoreboard"); nullopt
  // when the extension keeps none.
  virtual std::optional<nlohmann::json> OnScoreboardAt(ExerciseContext& ctx, SimTime at) {
    (void)ctx;
    (void)at;
    return std::nullopt;
  }
  virtual void OnEnd(ExerciseContext& ctx) { (void)ctx; }
};

struct ExerciseOptions {
  std::string state_dir;  // exercises live in <state_dir>/exercises/<id>/
  ExerciseId id;
  std::string uri;     // libvirt URI the range runs on (recorded)
  double speed = 1.0;  // exercise seconds per wall second
  // On recovery, use the last speed recorded in the log instead of `speed`.
  bool keep_recorded_speed = false;
  bool fast = false;             // as fast as possible when nothing external is awaited
  bool bind_bus = true;          // false: no ZeroMQ sockets (tests)
  std::string events_endpoint;   // "" = ipc under the exercise folder
  std::string control_endpoint;  // "" = ipc under the exercise folder
  // Remote clients: also listen on this tcp://ADDR:PORT with CURVE, control
  // on PORT and events on PORT+1 (both free ports for PORT 0); "" = ipc only.
  // Accounts come from the exercise folder's accounts.json.
  std::string listen;
  Duration checkpoint_interval = Duration::Seconds(30);
  // Wall time refused control requests are summed over before one
  // control.refused event records them (counted from the first refusal).
  Duration refused_summary_interval = Duration::Seconds(60);
  // End earlier than the scenario's duration (tests, dry runs).
  std::optional<Duration> stop_after;
  // Budgets for every inject body, condition and callback (per resume).
  size_t lua_memory_limit = size_t{32} << 20;
  int64_t lua_instruction_limit = 10'000'000;
  // Wall time one loop iteration may take before it counts as a stall
  // (engine.stalled is recorded when it comes back). A script still holding
  // the loop stop_grace after Stop()/Shutdown() is interrupted (it ends with
  // an error outcome), so a stop always takes effect.
  Duration stall_after = Duration::Seconds(30);
  Duration stop_grace = Duration::Seconds(1);
  Duration guest_timeout = Duration::Seconds(60);  // default for ctx.exec and friends
  // Merged into the exercise.created payload (e.g. the scoring rules, so that
  // a replay needs nothing but the log).
  nlohmann::json created_extra = nlohmann::json::object();
  // Tests only: fail the store's writes on demand (see store::StoreFaults).
  std::shared_ptr<store::StoreFaults> store_faults;
  // Called from the loop after each iteration that recorded events (e.g. the
  // CLI's live scoreboard). Optional.
  std::function<void(ExerciseContext&)> on_tick;
};

class Exercise : public ExerciseContext {
 public:
  // Opens (or resumes) the exercise. `scenario` and `plan` must outlive it;
  // `guest` is the agent boundary (live range or test double).
  static Result<std::unique_ptr<Exercise>> Open(const model::Scenario& scenario,
                                                const topology::RangePlan& plan,
                                                guest::GuestIo& guest, ExerciseOptions options);
  ~Exercise() override;

  // Extensions must be added before Run() and outlive it.
  void AddExtension(Extension* ext);

  // Runs until the scenario's duration (or stop_after) is reached, or Stop().
  // Never throws: an exception from an extension, a Lua binding or a handler
  // is recorded as an engine.error event (see kEngineError).
  Status Run();
  // Ends the exercise now (exercise.stopped, exercise.ended). Thread-safe.
  void Stop() { stop_requested_.store(true); }
  // Leaves the loop without ending the exercise (Ctrl-C of the engine): a
  // later Open()+Run() resumes it. Thread-safe and async-signal-safe.
  void Shutdown() { shutdown_requested_.store(true); }
  // Whether Run() returned because the exercise ended (vs. a Shutdown()).
  bool ended() const;

  // ---- ExerciseContext ----
  SimTime Now() const override;
  Scheduler& scheduler() override;
  const model::Scenario& scenario() const override;
  const topology::RangePlan& plan() const override;
  const ExerciseId& id() const override;
  bool paused() const override;
  Result<Event> Record(const std::string& team, std::string_view kind,
                       nlohmann::json payload) override;
  void PublishDerived(const std::string& team, std::string_view kind,
                      const nlohmann::json& payload) override;
  void Wake() override;
  Status SaveMetric(const std::string& team, const std::string& metric, double value) override;
  Status ScanLog(const std::function<bool(const Event&)>& fn) const override;

  // The bound tcp:// endpoints of --listen ("" when not listening).
  std::string control_tcp_endpoint() const;
  std::string events_tcp_endpoint() const;

  // For `why` and tests.
  const TriggerEngine& triggers() const;
  store::EventStore& store();
  bool recovered() const;

  struct Impl;

 private:
  explicit Exercise(std::unique_ptr<Impl> impl);
  Status RunLoop();
  std::unique_ptr<Impl> impl_;
  std::atomic<bool> stop_requested_{false};
  std::atomic<bool> shutdown_requested_{false};
};

// Explains, from the event log alone, why an inject has not fired (yet) for
// a team: the same trigger logic as the live engine, rebuilt from history.
Result<std::string> ExplainInject(const model::Scenario& scenario, const std::vector<Event>& log,
                                  const std::string& inject, const std::string& team);

}  // namespace livefire::runtime
