#include "livefire/runtime/exercise.h"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <deque>
#include <exception>
#include <fstream>
#include <map>
#include <mutex>

#include "inject_runner.h"
#include "livefire/bus/bus.h"
#include "livefire/bus/protocol.h"
#include "livefire/identity/accounts.h"
#include "livefire/runtime/authorize.h"
#include "livefire/runtime/engine_lock.h"
#include "livefire/runtime/triggers.h"
#include "livefire/store/event_store.h"
#include "loop_watchdog.h"

namespace livefire::runtime {

namespace k = livefire::kinds;
using model::Inject;
using model::InjectOwner;
using nlohmann::json;
using WallClock = std::chrono::steady_clock;

namespace {

int64_t WallNowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string_view OwnerName(InjectOwner o) { return model::ToString(o); }

// The trigger history an inject.fired / inject.outcome event stands for.
std::optional<InjectHistory> HistoryFromEvent(const Event& e) {
  if (e.kind != k::kInjectFired && e.kind != k::kInjectOutcome) return std::nullopt;
  InjectHistory h;
  h.inject = e.payload.value("inject", "");
  h.team = e.team;
  h.fired = e.kind == k::kInjectFired;
  h.time = e.time;
  if (!h.fired) {
    h.outcome = ParseOutcome(e.payload.value("outcome", "error")).value_or(Outcome::kError);
  }
  return h;
}

// An ipc socket file this engine bound, by inode: a file at that path with
// another inode belongs to someone else and is not ours to remove.
struct BoundSocket {
  std::string path;
  dev_t dev = 0;
  ino_t ino = 0;
};

std::optional<BoundSocket> IpcSocketFile(const std::string& endpoint) {
  if (endpoint.rfind("ipc://", 0) != 0) return std::nullopt;
  BoundSocket b{endpoint.substr(6)};
  struct stat st {};
  if (::lstat(b.path.c_str(), &st) != 0) return std::nullopt;
  b.dev = st.st_dev;
  b.ino = st.st_ino;
  return b;
}

// What an exception in flight says about itself (for the engine.error event).
std::string CurrentExceptionText() {
  try {
    throw;
  } catch (const std::exception& e) {
    return e.what();
  } catch (...) {
    return "unknown exception (not a std::exception)";
  }
}

// A submission waiting for its transaction to commit before it is acknowledged.
struct PendingAck {
  bus::PendingRequest request;
  Status status;
  int64_t seq = 0;
};

}  // namespace

struct Exercise::Impl : public InjectRunner::Host {
  Impl(const model::Scenario& s, const topology::RangePlan& p, guest::GuestIo& g, ExerciseOptions o)
      : scenario(s),
        plan(p),
        guest(g),
        options(std::move(o)),
        pacer(SimTime::Start(), options.speed, WallClock::now()),
        board_show(s.meta.scoreboard) {}

  const model::Scenario& scenario;
  const topology::RangePlan& plan;
  guest::GuestIo& guest;
  ExerciseOptions options;
  Exercise* self = nullptr;
  // Declared before the store and the sockets so that it is released after them.
  std::optional<EngineLock> engine_lock;

  std::unique_ptr<Scheduler> sched;
  Pacer pacer;
  std::unique_ptr<store::EventStore> store;
  std::unique_ptr<bus::Context> bus_ctx;
  std::unique_ptr<bus::EventPublisher> publisher;
  std::unique_ptr<bus::ControlServer> control;
  // The accounts of remote clients (with --listen only).
  std::unique_ptr<identity::AccountDirectory> accounts;
  std::string events_tcp;
  std::unique_ptr<TriggerEngine> triggers;
  std::unique_ptr<InjectRunner> runner;
  // An extension that threw is disabled for the rest of the run: its state
  // is unknown after a half-done hook.
  struct ExtensionSlot {
    Extension* ext = nullptr;
    bool disabled = false;
  };
  std::vector<ExtensionSlot> extensions;
  std::vector<BoundSocket> bound_sockets;

  // Set by the loop watchdog: the running script raises an error at its
  // next count hook (see LoopWatchdog).
  std::atomic<bool> interrupt_scripts{false};

  bool recovered = false;
  bool ended = false;
  bool paused = false;
  std::vector<InjectHistory> history;  // from the log, for Restore()
  SimTime resume_time;
  uint64_t next_guest_id = 1;
  bool recorded_since_tick = false;
  std::string stop_reason = "stop requested";
  std::string stop_by = "white cell";
  // Refused requests already summarised (bus counters at the last
  // control.refused event) and when the first one since then was seen.
  std::map<std::string, uint64_t> refusals_summarised;
  std::optional<WallClock::time_point> first_unsummarised_refusal;

  // What grades, reviews and task replies refer to, kept from the log (seen
  // at Dispatch and in LoadHistory): submissions by seq, white-cell tasks
  // fired per team, and what has been answered and graded.
  struct SubmissionRef {
    std::string team;
    std::string kind;
    std::string inject;      // submission.response
    std::string validation;  // submission.finding
    bool reviewed = false;   // submission.finding (unplanted)
    bool graded = false;
  };
  std::map<int64_t, SubmissionRef> submissions;
  struct TaskState {
    SimTime fired;
    int64_t response_seq = 0;  // the latest response; 0 = none
    bool graded = false;
  };
  std::map<std::string, std::map<std::string, TaskState>> tasks;  // team -> inject -> state
  void Track(const Event& e);
  bool IsTask(const Inject& inj) const {
    return inj.owner == InjectOwner::kWhite &&
           (inj.response_due.nanos() > 0 || inj.points_success > 0);
  }
  json TasksJson() const;
  json ShortDeadlines(double speed) const;
  // The blue team a red submission concerns: `against` when given (a blue team
  // of this exercise), else the only blue team.
  Result<std::string> AgainstTeam(const json& args) const;

  std::mutex ack_mu;
  std::deque<PendingAck> acks;  // committed (or failed) submissions to answer

  // Messages for the bus waiting for their events' commit (see Dispatch).
  struct Outgoing {
    Event event;
    int64_t after_seq = 0;  // publish once committed_seq reaches it
  };
  std::deque<Outgoing> outbox;
  // While the store cannot write: the clock is paused and submissions refused.
  struct StoreOutage {
    std::string first_error;
    std::string last_error;
    int64_t since_wall_ns = 0;
    int64_t failed_attempts = 0;
  };
  std::optional<StoreOutage> outage;
  // Guest requests the backend threw on, answered as failed at the next drain.
  std::vector<guest::GuestReply> failed_guest;

  SimTime End() const {
    Duration d = options.stop_after ? *options.stop_after : scenario.meta.duration;
    return SimTime::Start() + d;
  }

  // ---- InjectRunner::Host ----
  SimTime Now() const override { return sched->Now(); }
  Result<Event> Record(const std::string& team, std::string_view kind, json payload) override {
    Event e;
    e.time = sched->Now();
    e.wall_ns = WallNowNs();
    e.team = team;
    e.kind = std::string(kind);
    e.payload = std::move(payload);
    LF_ASSIGN_OR_RETURN(Event stored, store->Append(std::move(e)));
    Dispatch(stored);
    return stored;
  }
  uint64_t SubmitGuest(guest::GuestRequest request) override {
    request.id = next_guest_id++;
    uint64_t id = request.id;
    // Called from inside a Lua binding: nothing may unwind through Lua.
    try {
      guest.Submit(std::move(request));
    } catch (...) {
      RecordEngineError("guest", "submit", CurrentExceptionText());
      guest::GuestReply failed;
      failed.id = id;
      failed.status = Status::Internal("the guest backend threw: " + CurrentExceptionText());
      failed_guest.push_back(std::move(failed));
    }
    return id;
  }
  void After(Duration d, std::function<void()> fn, std::string label) override {
    sched->After(
        d, [this, fn = std::move(fn), label](SimTime) { Guard("lua", label, [&] { fn(); }); },
        label);
  }
  void Finished(const Inject& inject, const std::string& team, Outcome outcome,
                const std::string& reason) override {
    (void)Record(team, k::kInjectOutcome, OutcomePayload(inject, outcome, reason));
    Status s = triggers->OnOutcome(inject.name, team, outcome);
    if (!s.ok()) spdlog::warn("inject {} for {}: {}", inject.name, team, s.message());
  }

  void ConditionResult(const Inject& inject, const std::string& team,
                       const Result<bool>& met) override {
    if (!met.ok()) {
      (void)Record(
          team, k::kInjectSkipped,
          {{"inject", inject.name}, {"reason", "condition error: " + met.status().message()}});
    }
    Status s = triggers->OnConditionResult(inject.name, team, met.ok() && *met);
    if (!s.ok()) spdlog::warn("inject {} for {}: {}", inject.name, team, s.message());
  }

  // Shows a sequenced event to the extensions now and queues it for the bus,
  // which gets it once the transaction holding it committed: nothing is
  // published that a crash or a failing disk could still take back.
  void Dispatch(const Event& e) {
    recorded_since_tick = true;
    Track(e);
    if (publisher) outbox.push_back({e, e.seq});
    PublishCommitted();
    ForEachExtension("OnEvent", [&](Extension& x) { x.OnEvent(*self, e, false); });
  }

  // Publishes, in order, what the store has committed (a derived message waits
  // for the events before it).
  void PublishCommitted() {
    if (outbox.empty()) return;
    const int64_t committed = store->committed_seq();
    while (!outbox.empty() && outbox.front().after_seq <= committed) {
      const Event& e = outbox.front().event;
      Status s = publisher->Publish(e);
      if (!s.ok()) spdlog::warn("publish event {}: {}", e.seq, s.message());
      outbox.pop_front();
    }
  }

  // Notices a store outage (pauses the clock, records store.unhealthy) and
  // the recovery (records store.recovered, resumes unless the white cell
  // paused). Once per loop iteration.
  void WatchStore();
  bool StoreDown() const { return outage.has_value(); }

  // ---- errors thrown at the engine ----
  // Records an engine.error event (team ""): an exception that reached the
  // loop from an extension, a Lua binding or a request handler.
  void RecordEngineError(std::string_view source, std::string_view name, const std::string& what,
                         json extra = json::object()) {
    spdlog::error("{} {}: {}", source, name, what);
    json p = {{"source", source}, {"name", name}, {"what", what}};
    p.update(extra);
    // The store itself may be what threw; then the log line above is all.
    try {
      Result<Event> r = Record("", kEngineError, std::move(p));
      if (!r.ok()) spdlog::error("cannot record engine.error: {}", r.status().message());
    } catch (...) {
      spdlog::error("cannot record engine.error: {}", CurrentExceptionText());
    }
  }

  // Runs fn; an exception becomes an engine.error event. Returns whether fn
  // returned normally.
  template <class F>
  bool Guard(std::string_view source, std::string_view name, F&& fn) {
    try {
      fn();
      return true;
    } catch (...) {
      RecordEngineError(source, name, CurrentExceptionText());
      return false;
    }
  }

  // Calls one hook of every enabled extension. One that throws is disabled
  // (so that the engine.error event is not shown to it); the error is
  // recorded after the others have had the hook, so that they still see
  // events in seq order.
  template <class F>
  void ForEachExtension(std::string_view hook, F&& fn) {
    std::vector<std::pair<std::string, std::string>> thrown;  // name, what
    // By index: a hook may record events, which calls back in here.
    for (size_t i = 0; i < extensions.size(); ++i) {
      if (extensions[i].disabled) continue;
      Extension& x = *extensions[i].ext;
      try {
        fn(x);
      } catch (...) {
        extensions[i].disabled = true;
        thrown.emplace_back(std::string(x.name()), CurrentExceptionText());
      }
    }
    for (const auto& [name, what] : thrown) {
      RecordEngineError("extension", name, what, {{"hook", hook}, {"disabled", true}});
    }
  }

  // ---- set-up and recovery ----
  Status OpenStore();
  Status OpenRemote(const std::string& control_ipc);
  Status LoadHistory();
  Status RecordNewExercise();
  void WireTriggers();

  // ---- the loop ----
  void HandleControl();
  void HandleRequest(const bus::PendingRequest& pr);
  bool Authorize(bus::PendingRequest& pr);
  json Attribution(const bus::PendingRequest& pr) const;
  void HandleStatus(const bus::PendingRequest& pr);
  void HandlePause(const bus::PendingRequest& pr);
  void HandleResume(const bus::PendingRequest& pr);
  void HandleSpeed(const bus::PendingRequest& pr);
  void HandleFireInject(const bus::PendingRequest& pr);
  void HandleSubmitReport(const bus::PendingRequest& pr);
  void HandleSubmitFinding(const bus::PendingRequest& pr);
  void HandleSubmitFlag(const bus::PendingRequest& pr);
  void HandleGrade(const bus::PendingRequest& pr);
  void HandleStop(const bus::PendingRequest& pr);
  void HandleRevert(const bus::PendingRequest& pr);
  void HandleSubmitResponse(const bus::PendingRequest& pr);
  void HandleReviewFinding(const bus::PendingRequest& pr);
  void HandleScoreboard(const bus::PendingRequest& pr);
  void HandleEvents(const bus::PendingRequest& pr);
  void HandlePlan(const bus::PendingRequest& pr);
  void HandleConsole(const bus::PendingRequest& pr);
  void HandleMessage(const bus::PendingRequest& pr);
  // Answers forbidden and records the refusal now, with the account.
  void Refuse(const bus::PendingRequest& pr, const std::string& reason);
  void RecordControl(const bus::PendingRequest& pr, std::string_view kind);
  void SummariseRefusals(bool flush);
  std::optional<model::TeamRole> TeamRole(const std::string& name) const;
  bool IsPlayingBlue(const std::string& name) const {
    return std::find(plan.blue_teams.begin(), plan.blue_teams.end(), name) != plan.blue_teams.end();
  }
  // Whether the event was accepted (sequenced; answered once durable).
  bool SubmitDurable(const bus::PendingRequest& pr, const std::string& team, std::string_view kind,
                     json payload);
  void AnswerAcks();
  void DrainGuest();
  size_t Outstanding();
  json StatusJson();
  // ---- the scoreboard as everyone but the white cell sees it ----
  model::ScoreboardShow board_show;  // the scenario's, then the last exercise.scoreboard
  std::optional<json> frozen_board;  // the board as of board_show.frozen_at, once computed
  std::optional<json> last_board;    // the last live scoreboard published
  // The board to show given the live one; nullopt = none (hidden, or frozen
  // at a time whose board cannot be computed yet).
  std::optional<json> ShownBoard(const json& live);
  json ScoreboardModeJson() const;
  bus::FeedView RemoteView(std::string_view account, const Event& e);
  std::string ByWhom(const bus::Request& r) const {
    if (!r.team.empty()) return r.team;
    return r.client.empty() ? "control" : r.client;
  }
};

// ---- set-up -------------------------------------------------------------------

Status Exercise::Impl::OpenStore() {
  store::StoreOptions so;
  so.faults = options.store_faults;
  LF_ASSIGN_OR_RETURN(store, store::EventStore::OpenExercise(options.state_dir, options.id, so));
  return Status::Ok();
}

Status Exercise::Impl::RecordNewExercise() {
  store::ExerciseRecord rec;
  rec.id = options.id.str();
  rec.scenario = scenario.meta.name;
  rec.title = scenario.meta.title;
  rec.organisation = scenario.meta.organisation;
  rec.year = scenario.meta.year;
  rec.security_level = scenario.meta.security_level;
  rec.seed = scenario.meta.seed;
  rec.created_wall = WallNowNs();
  rec.uri = options.uri;
  rec.status = "created";
  LF_RETURN_IF_ERROR(store->PutExercise(rec));
  for (const auto& t : scenario.teams) {
    // A scenario blue team left out by --teams N does not play.
    if (t.role == model::TeamRole::kBlue && !IsPlayingBlue(t.name)) continue;
    LF_RETURN_IF_ERROR(
        store->PutTeam({t.name, std::string(model::ToString(t.role)), t.organisation, t.members}));
  }
  // Blue teams generated by --teams N are not in the scenario's list.
  for (const auto& t : plan.blue_teams) {
    if (!scenario.FindTeam(t)) LF_RETURN_IF_ERROR(store->PutTeam({t, "blue", "", 0}));
  }
  for (const auto& d : plan.domains) {
    if (d.is_router) continue;
    LF_RETURN_IF_ERROR(store->PutNode({d.team, d.node, d.security_level, d.value}));
  }
  json teams = json::array();
  for (const auto& t : plan.blue_teams) teams.push_back(t);
  json created = options.created_extra.is_object() ? options.created_extra : json::object();
  created.update(json{{"scenario", scenario.meta.name},
                      {"title", scenario.meta.title},
                      {"organisation", scenario.meta.organisation},
                      {"year", scenario.meta.year},
                      {"security_level", scenario.meta.security_level},
                      {"seed", scenario.meta.seed},
                      {"duration_ns", scenario.meta.duration.nanos()},
                      {"blue_teams", teams}});
  // Only when declared, so that logs of scenarios without them stay as they were.
  if (!scenario.meta.kind.empty()) created["exercise_kind"] = scenario.meta.kind;
  if (!scenario.meta.version.empty()) created["scenario_version"] = scenario.meta.version;
  return Record("", k::kExerciseCreated, std::move(created)).status();
}

Status Exercise::Impl::LoadHistory() {
  double speed = options.speed;
  bool was_paused = false;
  SimTime last;
  int64_t count = 0;
  Status scan = store->Scan({}, [&](const Event& e) {
    ++count;
    last = std::max(last, e.time);
    if (e.kind == k::kExerciseEnded) ended = true;
    if (e.kind == k::kExercisePaused) was_paused = true;
    if (e.kind == k::kExerciseResumed) was_paused = false;
    if (e.kind == k::kClockCheckpoint) was_paused = e.payload.value("paused", was_paused);
    if (e.kind == k::kExerciseScoreboard) {
      auto mode = model::ParseScoreboardMode(e.payload.value("mode", ""));
      if (mode) board_show = {*mode, Duration::Nanos(e.payload.value("at_ns", int64_t{0}))};
    }
    const bool carries_speed = e.kind == k::kExerciseSpeed || e.kind == k::kExerciseStarted ||
                               e.kind == k::kClockCheckpoint;
    if (carries_speed && e.payload.contains("speed") && e.payload["speed"].is_number()) {
      speed = e.payload["speed"].get<double>();
    }
    if (auto h = HistoryFromEvent(e)) history.push_back(std::move(*h));
    Track(e);
    return true;
  });
  LF_RETURN_IF_ERROR(scan);
  if (count == 0) return Status::Ok();
  if (ended) {
    return Status::FailedPrecondition(
        fmt::format("exercise {} already ended at {}; its log is kept for reports and replay",
                    options.id.str(), FormatClock(last)));
  }
  recovered = true;
  resume_time = last;
  // A restart keeps the speed the white cell last set, unless the operator
  // gives one again.
  // (A speed recorded before the bounds existed is not taken.)
  if (options.keep_recorded_speed && ValidateSpeed(speed).ok()) options.speed = speed;
  paused = was_paused;
  return Status::Ok();
}

void Exercise::Impl::WireTriggers() {
  TriggerEngine::Hooks hooks;
  hooks.fire = [this](const Inject& inj, const std::string& team, SimTime) {
    json p = FiredPayload(inj);
    // A `when` inject fires on its condition: the control room says so
    // instead of taking it for a manual one (it has no planned time).
    if (inj.trigger.kind == model::TriggerKind::kCondition) {
      p["trigger"] = "when";
      p["condition"] = inj.description;  // "" when the inject has none
      p["poll"] = FormatDuration(inj.trigger.poll_interval);
    }
    (void)Record(team, k::kInjectFired, p);
    // Ground truth for scoring detections: every red attempt with a technique.
    if (inj.owner == InjectOwner::kRed && !inj.technique.empty()) {
      (void)Record(team, k::kRedAction,
                   {{"node", inj.target},
                    {"technique", inj.technique},
                    {"inject", inj.name},
                    {"detail", inj.description}});
    }
    if (!Guard("lua", inj.name, [&] { runner->Start(inj, team); })) {
      Finished(inj, team, Outcome::kError, "engine error: see the engine.error event");
    }
  };
  hooks.poll = [this](const Inject& inj, const std::string& team, SimTime) -> std::optional<bool> {
    Result<std::optional<bool>> r = Status::Internal("the condition threw");
    Guard("lua", inj.name, [&] { r = runner->Poll(inj, team); });
    if (!r.ok()) {
      (void)Record(team, k::kInjectSkipped,
                   {{"inject", inj.name}, {"reason", "condition error: " + r.status().message()}});
      return false;
    }
    return *r;
  };
  hooks.armed = [this](const Inject& inj, const std::string& team, SimTime at) {
    (void)Record(team, k::kInjectArmed,
                 {{"inject", inj.name}, {"side", OwnerName(inj.owner)}, {"at_ns", at.nanos()}});
  };
  triggers = std::make_unique<TriggerEngine>(scenario, plan.blue_teams, *sched, std::move(hooks));
}

// ---- control ------------------------------------------------------------------

json Exercise::Impl::StatusJson() {
  json running = json::array();
  for (const auto& [inj, team] : triggers->InFlight())
    running.push_back({{"inject", inj}, {"team", team}});
  json j = {{"exercise", options.id.str()},
            {"scenario", scenario.meta.name},
            {"time_ns", sched->Now().nanos()},
            {"clock", FormatClock(sched->Now())},
            {"end_ns", End().nanos()},
            {"speed", pacer.speed()},
            {"fast", options.fast},
            {"paused", paused},
            {"running", running},
            {"guest_in_flight", guest.in_flight()},
            {"events", store->head().seq},
            {"tasks", TasksJson()}};
  store::StoreHealth h = store->health();
  json st = {{"healthy", h.healthy},
             {"committed_seq", h.committed_seq},
             {"queued", h.queued},
             {"clock_paused", StoreDown()}};
  if (!h.healthy) {
    st["error"] = h.error.message();
    st["since_wall_ns"] = h.unhealthy_since_wall_ns;
    st["failed_attempts"] = h.failed_attempts;
  }
  j["store"] = std::move(st);
  if (control) j["control"] = control->counters().ToJson();
  if (!events_tcp.empty()) j["feed"] = events_tcp;  // remote clients subscribe there
  j["scoreboard_mode"] = ScoreboardModeJson();
  ForEachExtension("OnStatus", [&](Extension& x) {
    if (auto extra = x.OnStatus(*self)) j[std::string(x.name())] = *extra;
  });
  return j;
}

bool Exercise::Impl::SubmitDurable(const bus::PendingRequest& pr, const std::string& team,
                                   std::string_view kind, json payload) {
  // Not even sequenced while the store cannot write: an accepted submission
  // must be durable, and the team is told to retry instead of waiting.
  if (store::StoreHealth h = store->health(); !h.healthy) {
    control->ReplyError(
        pr, bus::errors::kInternal,
        fmt::format("not stored: the event store cannot write ({}); submissions are refused and "
                    "the exercise clock is paused until it recovers",
                    h.error.message()));
    return false;
  }
  Event e;
  e.time = sched->Now();
  e.wall_ns = WallNowNs();
  e.team = team;
  e.kind = std::string(kind);
  e.payload = std::move(payload);
  e.payload.update(Attribution(pr));
  Result<Event> stored = store->Append(std::move(e), [this, pr](const Status& s, const Event& ev) {
    std::lock_guard<std::mutex> lock(ack_mu);
    acks.push_back({pr, s, ev.seq});
  });
  if (!stored.ok()) {
    control->ReplyError(pr, bus::errors::kInternal, "not stored: " + stored.status().message());
    return false;
  }
  // Extensions see it now, in seq order; the bus once it is committed.
  Dispatch(*stored);
  return true;
}

void Exercise::Impl::WatchStore() {
  store::StoreHealth h = store->health();
  auto now = WallClock::now();
  if (!h.healthy && !outage) {
    outage = StoreOutage{h.error.message(), h.error.message(), h.unhealthy_since_wall_ns,
                         h.failed_attempts};
    pacer.Pause(now);
    spdlog::error("the event store cannot write; exercise clock paused at {}: {}",
                  FormatClock(sched->Now()), h.error.message());
    // Queued behind what failed: committed, and published, when the store is back.
    (void)Record("", kStoreUnhealthy,
                 {{"error", h.error.message()},
                  {"since_wall_ns", h.unhealthy_since_wall_ns},
                  {"time_ns", sched->Now().nanos()}});
    return;
  }
  if (!outage) return;
  if (!h.healthy) {
    outage->last_error = h.error.message();
    outage->failed_attempts = h.failed_attempts;
    // A resume request during the outage must not let the clock run.
    pacer.Pause(now);
    return;
  }
  // Writes succeed again (store.unhealthy is committed by now or follows in order).
  const int64_t outage_ns = std::max<int64_t>(0, WallNowNs() - outage->since_wall_ns);
  spdlog::warn("the event store writes again after {} ms; exercise clock {}", outage_ns / 1'000'000,
               paused ? "stays paused (white cell)" : "resumes");
  (void)Record("", kStoreRecovered,
               {{"outage_ns", outage_ns},
                {"failed_attempts", outage->failed_attempts},
                {"error", outage->last_error}});
  outage.reset();
  if (!paused) pacer.Resume(now);
}

void Exercise::Impl::AnswerAcks() {
  std::deque<PendingAck> ready;
  {
    std::lock_guard<std::mutex> lock(ack_mu);
    ready.swap(acks);
  }
  for (const PendingAck& a : ready) {
    if (!control) continue;
    if (a.status.ok()) {
      control->Reply(a.request, {{"seq", a.seq}, {"durable", true}});
    } else {
      control->ReplyError(a.request, bus::errors::kInternal, "not stored: " + a.status.message());
    }
  }
}

std::optional<model::TeamRole> Exercise::Impl::TeamRole(const std::string& name) const {
  if (IsPlayingBlue(name)) return model::TeamRole::kBlue;
  // A scenario blue team left out by --teams N is not a team of this exercise.
  if (const model::Team* t = scenario.FindTeam(name); t && t->role != model::TeamRole::kBlue) {
    return t->role;
  }
  return std::nullopt;
}

// One handler per request type; each replies (now, or once its event is
// durable) or rejects.
void Exercise::Impl::HandleStatus(const bus::PendingRequest& pr) {
  control->Reply(pr, StatusJson());
}

void Exercise::Impl::HandlePause(const bus::PendingRequest& pr) {
  const bus::Request& r = pr.request;
  RecordControl(pr, k::kControlPaused);
  if (!paused) {
    pacer.Pause(WallClock::now());
    paused = true;
    (void)Record("", k::kExercisePaused,
                 {{"by", ByWhom(r)}, {"reason", r.args.value("reason", "")}});
  }
  control->Reply(pr, {{"paused", true}, {"time_ns", sched->Now().nanos()}});
}

void Exercise::Impl::HandleResume(const bus::PendingRequest& pr) {
  RecordControl(pr, k::kControlResumed);
  if (paused) {
    pacer.Resume(WallClock::now());
    paused = false;
    (void)Record("", k::kExerciseResumed, {{"by", ByWhom(pr.request)}});
  }
  control->Reply(pr, {{"paused", false}, {"time_ns", sched->Now().nanos()}});
}

void Exercise::Impl::HandleSpeed(const bus::PendingRequest& pr) {
  const json& a = pr.request.args;
  double speed = a.contains("speed") && a["speed"].is_number() ? a["speed"].get<double>() : 0;
  if (Status v = ValidateSpeed(speed); !v.ok()) {
    return control->ReplyError(pr, bus::errors::kBadRequest, v.message());
  }
  RecordControl(pr, k::kControlSpeed);
  Status s = pacer.SetSpeed(speed, WallClock::now());
  if (!s.ok()) return control->ReplyError(pr, bus::errors::kBadRequest, s.message());
  // Open task deadlines that now pass in a few wall minutes: the white cell
  // is told (and it is recorded) so that teams are not surprised.
  json warnings = ShortDeadlines(speed);
  json p = {{"speed", speed}, {"by", ByWhom(pr.request)}};
  if (!warnings.empty()) p["warnings"] = warnings;
  (void)Record("", k::kExerciseSpeed, std::move(p));
  json reply = {{"speed", speed}};
  if (!warnings.empty()) reply["warnings"] = std::move(warnings);
  control->Reply(pr, reply);
}

void Exercise::Impl::HandleFireInject(const bus::PendingRequest& pr) {
  const bus::Request& r = pr.request;
  std::string name = r.args.value("inject", "");
  std::string team = r.team;  // "" = every blue team
  if (!scenario.FindInject(name)) {
    return control->ReplyError(pr, bus::errors::kNotFound,
                               fmt::format("no inject named '{}'", name));
  }
  // Recorded before the inject.fired it causes; a refusal below is counted
  // in control.refused.
  RecordControl(pr, k::kControlInject);
  Status s = triggers->FireManual(name, team);
  if (!s.ok()) {
    return control->ReplyError(
        pr, s.code() == StatusCode::kNotFound ? bus::errors::kNotFound : bus::errors::kRejected,
        s.message());
  }
  control->Reply(pr, {{"fired", name}, {"team", team}, {"time_ns", sched->Now().nanos()}});
}

void Exercise::Impl::HandleSubmitReport(const bus::PendingRequest& pr) {
  const bus::Request& r = pr.request;
  const json& a = r.args;
  if (TeamRole(r.team) != model::TeamRole::kBlue) {
    return control->ReplyError(
        pr, bus::errors::kRejected,
        fmt::format("incident reports come from blue teams; '{}' is not one", r.team));
  }
  std::string node = a.value("node", "");
  if (!node.empty() && !scenario.FindNode(node)) {
    return control->ReplyError(pr, bus::errors::kNotFound, fmt::format("no node named '{}'", node));
  }
  json p = {{"node", node},
            {"technique", a.value("technique", "")},
            {"observed_at", a.value("observed_at_ns", sched->Now().nanos())},
            {"description", a.value("description", "")},
            {"by", r.client.empty() ? r.team : r.client}};
  SubmitDurable(pr, r.team, k::kSubmissionReport, std::move(p));
}

// ---- submissions and what refers to them ---------------------------------------

void Exercise::Impl::Track(const Event& e) {
  const std::string_view kind = e.kind;
  if (kind == k::kInjectFired) {
    const Inject* inj = scenario.FindInject(e.payload.value("inject", ""));
    // A task fired again keeps its first fire time: the deadline does not move.
    if (inj && IsTask(*inj) && !e.team.empty())
      tasks[e.team].try_emplace(inj->name, TaskState{e.time});
    return;
  }
  if (kind == k::kSubmissionReport || kind == k::kSubmissionFinding || kind == k::kSubmissionFlag ||
      kind == k::kSubmissionResponse) {
    SubmissionRef ref{e.team, std::string(kind), e.payload.value("inject", ""),
                      e.payload.value("validation", "")};
    if (kind == k::kSubmissionResponse) {
      auto t = tasks.find(e.team);
      if (t != tasks.end()) {
        auto it = t->second.find(ref.inject);
        if (it != t->second.end()) it->second.response_seq = e.seq;
      }
    }
    submissions[e.seq] = std::move(ref);
    return;
  }
  if (kind == k::kFindingReviewed) {
    auto it = submissions.find(e.payload.value("target_seq", int64_t{0}));
    if (it != submissions.end()) it->second.reviewed = true;
    return;
  }
  if (kind == k::kGradeGiven) {
    auto it = submissions.find(e.payload.value("target_seq", int64_t{0}));
    if (it != submissions.end()) it->second.graded = true;
    const std::string inject = e.payload.value("inject", "");
    if (!inject.empty()) {
      auto t = tasks.find(e.team);
      if (t != tasks.end() && t->second.count(inject)) t->second[inject].graded = true;
    }
  }
}

json Exercise::Impl::TasksJson() const {
  json out = json::object();
  const int64_t now = sched->Now().nanos();
  for (const std::string& team : plan.blue_teams) {
    json list = json::array();
    auto t = tasks.find(team);
    if (t != tasks.end()) {
      for (const auto& [name, st] : t->second) {
        const Inject* inj = scenario.FindInject(name);
        const int64_t due_ns =
            inj && inj->response_due.nanos() > 0 ? st.fired.nanos() + inj->response_due.nanos() : 0;
        list.push_back({{"inject", name},
                        {"fired_ns", st.fired.nanos()},
                        {"due_ns", due_ns},
                        {"left_ns", due_ns > 0 ? std::max<int64_t>(0, due_ns - now) : 0},
                        {"responded", st.response_seq > 0},
                        {"response_seq", st.response_seq},
                        {"graded", st.graded}});
      }
    }
    out[team] = std::move(list);
  }
  return out;
}

json Exercise::Impl::ShortDeadlines(double speed) const {
  // "A few wall minutes": less than this is too short to write a response.
  constexpr int64_t kShortWallNs = 3LL * 60 * 1'000'000'000;
  json out = json::array();
  const int64_t now = sched->Now().nanos();
  for (const auto& [team, list] : tasks) {
    for (const auto& [name, st] : list) {
      const Inject* inj = scenario.FindInject(name);
      if (!inj || inj->response_due.nanos() <= 0 || st.response_seq > 0) continue;
      const int64_t left = st.fired.nanos() + inj->response_due.nanos() - now;
      if (left <= 0) continue;
      const auto wall_left = static_cast<int64_t>(static_cast<double>(left) / speed);
      if (wall_left >= kShortWallNs) continue;
      out.push_back({{"team", team},
                     {"inject", name},
                     {"left_ns", left},
                     {"wall_left_ns", wall_left},
                     {"message", fmt::format("{}'s response to '{}' is due in {} of exercise time, "
                                             "{} of wall time at speed {}",
                                             team, name, HumanDuration(Duration::Nanos(left)),
                                             HumanDuration(Duration::Nanos(wall_left)), speed)}});
    }
  }
  return out;
}

Result<std::string> Exercise::Impl::AgainstTeam(const json& args) const {
  const std::string against = args.value("against", "");
  const auto& blue = plan.blue_teams;
  if (against.empty()) {
    if (blue.size() == 1) return blue.front();
    return Status::InvalidArgument(
        fmt::format("'against' is required: name the blue team whose copy of the range it concerns "
                    "(one of {})",
                    fmt::join(blue, ", ")));
  }
  if (std::find(blue.begin(), blue.end(), against) == blue.end()) {
    return Status::InvalidArgument(
        fmt::format("'against' must be a blue team of this exercise ({}); '{}' is not one",
                    fmt::join(blue, ", "), against));
  }
  return against;
}

void Exercise::Impl::HandleSubmitFinding(const bus::PendingRequest& pr) {
  const bus::Request& r = pr.request;
  const json& a = r.args;
  if (TeamRole(r.team) != model::TeamRole::kRed) {
    return control->ReplyError(
        pr, bus::errors::kRejected,
        fmt::format("findings come from red teams; '{}' is not one", r.team));
  }
  Result<std::string> against = AgainstTeam(a);
  if (!against.ok()) {
    return control->ReplyError(pr, bus::errors::kRejected, against.status().message());
  }
  const std::string node_name = a.value("node", "");
  const model::Node* node = scenario.FindNode(node_name);
  if (!node) {
    return control->ReplyError(pr, bus::errors::kNotFound,
                               fmt::format("no node named '{}'", node_name));
  }
  // Planted: the node's vulnerability by its id or its CWE (either case).
  const std::string vuln = a.value("vulnerability", "");
  auto same = [](std::string_view x, std::string_view y) {
    return x.size() == y.size() && std::equal(x.begin(), x.end(), y.begin(), [](char p, char q) {
             return std::tolower(static_cast<unsigned char>(p)) ==
                    std::tolower(static_cast<unsigned char>(q));
           });
  };
  const model::Vulnerability* planted = nullptr;
  for (const auto& v : node->vulnerabilities) {
    if (same(v.id, vuln) || (!v.cwe.empty() && same(v.cwe, vuln))) {
      planted = &v;
      break;
    }
  }
  json p = {{"node", node_name},
            {"vulnerability", vuln},
            {"evidence", a.value("evidence", "")},
            {"against", *against},
            {"validation", planted ? "planted" : "unplanted"},
            {"by", r.client.empty() ? r.team : r.client}};
  if (planted) {
    p["weakness"] = {{"node", node_name},
                     {"vulnerability", planted->id},
                     {"cwe", planted->cwe},
                     {"severity", model::ToString(planted->severity)}};
  }
  SubmitDurable(pr, r.team, k::kSubmissionFinding, std::move(p));
}

void Exercise::Impl::HandleSubmitFlag(const bus::PendingRequest& pr) {
  const bus::Request& r = pr.request;
  const json& a = r.args;
  if (TeamRole(r.team) != model::TeamRole::kRed) {
    return control->ReplyError(pr, bus::errors::kRejected,
                               fmt::format("flags come from red teams; '{}' is not one", r.team));
  }
  Result<std::string> against = AgainstTeam(a);
  if (!against.ok()) {
    return control->ReplyError(pr, bus::errors::kRejected, against.status().message());
  }
  std::string flag = a.value("flag", "");
  const model::Objective* hit = nullptr;
  for (const auto& o : scenario.objectives) {
    if (!o.flag.empty() && o.flag == flag) hit = &o;
  }
  json p = {{"flag", flag}, {"correct", hit != nullptr}, {"by", r.team}, {"against", *against}};
  if (hit) p["objective"] = hit->name;
  // The event is the red team's (a wrong flag costs red); a correct one
  // reaches the objective in the copy it was taken from. A refused flag
  // (the store cannot write) reaches no objective.
  const bool accepted = SubmitDurable(pr, r.team, k::kSubmissionFlag, p);
  if (accepted && hit) {
    (void)Record(*against, k::kObjectiveReached,
                 {{"node", hit->node},
                  {"objective", hit->name},
                  {"kind", model::ToString(hit->kind)},
                  {"by", r.team},
                  {"via", "flag"}});
  }
}

void Exercise::Impl::HandleSubmitResponse(const bus::PendingRequest& pr) {
  const bus::Request& r = pr.request;
  const json& a = r.args;
  if (TeamRole(r.team) != model::TeamRole::kBlue) {
    return control->ReplyError(
        pr, bus::errors::kRejected,
        fmt::format("task responses come from blue teams; '{}' is not one", r.team));
  }
  const std::string name = a.value("inject", "");
  const Inject* inj = scenario.FindInject(name);
  if (!inj) {
    return control->ReplyError(pr, bus::errors::kNotFound,
                               fmt::format("no inject named '{}'", name));
  }
  if (!IsTask(*inj)) {
    return control->ReplyError(
        pr, bus::errors::kRejected,
        fmt::format("inject '{}' is not a white-cell task (a white inject with response_due or "
                    "points); there is nothing to respond to",
                    name));
  }
  auto t = tasks.find(r.team);
  if (t == tasks.end() || !t->second.count(name)) {
    return control->ReplyError(
        pr, bus::errors::kRejected,
        fmt::format("task '{}' has not been given to {} yet (not fired for that team)", name,
                    r.team));
  }
  json p = {{"inject", name},
            {"text", a.value("text", "")},
            {"by", r.client.empty() ? r.team : r.client}};
  SubmitDurable(pr, r.team, k::kSubmissionResponse, std::move(p));
}

void Exercise::Impl::HandleReviewFinding(const bus::PendingRequest& pr) {
  const bus::Request& r = pr.request;
  const json& a = r.args;
  const int64_t seq = a.value("target_seq", int64_t{0});
  auto it = submissions.find(seq);
  if (it == submissions.end() || it->second.kind != k::kSubmissionFinding) {
    return control->ReplyError(pr, bus::errors::kNotFound,
                               fmt::format("event {} is not a red finding", seq));
  }
  if (it->second.validation != "unplanted") {
    return control->ReplyError(
        pr, bus::errors::kRejected,
        fmt::format("finding {} matched a planted vulnerability; only unplanted findings are "
                    "reviewed",
                    seq));
  }
  if (it->second.reviewed) {
    return control->ReplyError(pr, bus::errors::kRejected,
                               fmt::format("finding {} has already been reviewed", seq));
  }
  const bool accepted = a.value("accepted", false);
  json p = {{"target_seq", seq},
            {"accepted", accepted},
            {"severity", a.value("severity", accepted ? "medium" : "")},
            {"reviewer", r.client.empty() ? std::string("white cell") : r.client},
            {"comment", a.value("comment", "")}};
  // A review is a white-cell judgement recorded like a grade.
  RecordControl(pr, k::kControlGrade);
  SubmitDurable(pr, it->second.team, k::kFindingReviewed, std::move(p));
}

void Exercise::Impl::HandleGrade(const bus::PendingRequest& pr) {
  // team = the graded team; the grader is the client (the white cell's
  // console).
  const bus::Request& r = pr.request;
  const json& a = r.args;
  auto role = TeamRole(r.team);
  if (role != model::TeamRole::kBlue && role != model::TeamRole::kRed) {
    return control->ReplyError(
        pr, bus::errors::kBadRequest,
        fmt::format("grade needs the graded team; '{}' is not a red or blue team", r.team));
  }
  std::string rubric = a.value("rubric", "");
  if (rubric != "0" && rubric != "50" && rubric != "100") {
    return control->ReplyError(pr, bus::errors::kBadRequest,
                               "rubric must be \"0\", \"50\" or \"100\" (percent of the points)");
  }
  // What is graded: a submission of that team, or its response to a task.
  int64_t target = 0;
  std::string inject;
  if (a.contains("inject")) {
    inject = a.value("inject", "");
    const Inject* inj = scenario.FindInject(inject);
    if (!inj || !IsTask(*inj)) {
      return control->ReplyError(pr, bus::errors::kNotFound,
                                 fmt::format("no white-cell task named '{}'", inject));
    }
    const TaskState* st = nullptr;
    if (auto t = tasks.find(r.team); t != tasks.end()) {
      if (auto i = t->second.find(inject); i != t->second.end()) st = &i->second;
    }
    if (!st || st->response_seq == 0) {
      return control->ReplyError(
          pr, bus::errors::kRejected,
          fmt::format("{} has not responded to task '{}'; there is nothing to grade", r.team,
                      inject));
    }
    target = st->response_seq;
  } else {
    target = a.value("target_seq", int64_t{0});
    auto it = submissions.find(target);
    if (it == submissions.end()) {
      return control->ReplyError(
          pr, bus::errors::kNotFound,
          fmt::format("event {} is not a submission (report, finding, flag or response)", target));
    }
    if (it->second.team != r.team) {
      return control->ReplyError(
          pr, bus::errors::kRejected,
          fmt::format("submission {} is {}'s, not {}'s", target, it->second.team, r.team));
    }
    inject = it->second.inject;
  }
  double points = 0;
  if (a.contains("points")) {
    points = a["points"].get<double>();
  } else if (!inject.empty()) {
    points = scenario.FindInject(inject)->points_success;
  } else {
    return control->ReplyError(pr, bus::errors::kBadRequest,
                               "grade: 'points' is required unless a task response is graded");
  }
  json p = {{"rubric", std::stoi(rubric)},
            {"points", points},
            {"grader", r.client.empty() ? std::string("white cell") : r.client},
            {"comment", a.value("comment", "")},
            {"target_seq", target}};
  if (!inject.empty()) p["inject"] = inject;
  RecordControl(pr, k::kControlGrade);
  SubmitDurable(pr, r.team, k::kGradeGiven, std::move(p));
}

void Exercise::Impl::HandleStop(const bus::PendingRequest& pr) {
  const bus::Request& r = pr.request;
  RecordControl(pr, k::kControlStopped);
  stop_reason = r.args.value("reason", "stopped by the white cell");
  stop_by = ByWhom(r);
  self->Stop();
  control->Reply(pr, {{"stopping", true}, {"time_ns", sched->Now().nanos()}});
}

// `livefire revert` put a node back while this engine runs; the engine, the
// log's only writer, records it so that scoring ends the node's compromise.
void Exercise::Impl::HandleRevert(const bus::PendingRequest& pr) {
  const bus::Request& r = pr.request;
  const std::string node = r.args.value("node", "");
  const bool shared = r.team == "shared";
  if (!shared && TeamRole(r.team) != model::TeamRole::kBlue) {
    return control->ReplyError(
        pr, bus::errors::kBadRequest,
        fmt::format("revert needs a blue team (or 'shared'); '{}' is not one", r.team));
  }
  if (!scenario.FindNode(node)) {
    return control->ReplyError(pr, bus::errors::kNotFound, fmt::format("no node named '{}'", node));
  }
  // A revert that then failed comes back with its error: the node is down.
  if (r.args.contains("error")) {
    json p = {{"node", node},
              {"reason", "revert failed: " + r.args.value("error", "")},
              {"client", r.client}};
    (void)SubmitDurable(pr, r.team, k::kRangeNodeFailed, std::move(p));
    return;
  }
  // The node is back: readiness is recorded again, so the revert's excuse
  // ends when the node answers, not at its 5-minute cap.
  if (r.args.value("ready", false)) {
    json p = {{"node", node}, {"domain", r.args.value("domain", "")}, {"client", r.client}};
    (void)SubmitDurable(pr, r.team, k::kRangeNodeReady, std::move(p));
    return;
  }
  RecordControl(pr, k::kControlRevert);
  json p = {{"node", node},
            {"by", r.args.value("by", ByWhom(r))},
            {"reason", r.args.value("reason", "")},
            {"client", r.client}};
  SubmitDurable(pr, r.team, k::kRangeNodeReverted, std::move(p));
}

void Exercise::Impl::RecordControl(const bus::PendingRequest& pr, std::string_view kind) {
  const bus::Request& r = pr.request;
  json p = {{"id", r.id}, {"client", r.client}, {"request", r.args}};
  p.update(Attribution(pr));
  (void)Record(r.team, kind, std::move(p));
}

void Exercise::Impl::SummariseRefusals(bool flush) {
  if (!control) return;
  const bus::ControlCounters c = control->counters();
  std::map<std::string, uint64_t> now = c.refused;
  now["malformed"] += c.malformed;
  now["oversized"] += c.oversized;
  now["busy"] += c.busy;
  json counts = json::object();
  uint64_t total = 0;
  for (const auto& [reason, n] : now) {
    const uint64_t before = refusals_summarised.count(reason) ? refusals_summarised[reason] : 0;
    if (n > before) {
      counts[reason] = n - before;
      total += n - before;
    }
  }
  if (total == 0) return;
  const auto wall = WallClock::now();
  if (!first_unsummarised_refusal) first_unsummarised_refusal = wall;
  const auto interval = std::chrono::nanoseconds(options.refused_summary_interval.nanos());
  if (!flush && wall - *first_unsummarised_refusal < interval) return;
  (void)Record("", k::kControlRefused,
               {{"counts", counts},
                {"total", total},
                {"interval_ns", options.refused_summary_interval.nanos()}});
  refusals_summarised = std::move(now);
  first_unsummarised_refusal.reset();
}

void Exercise::Impl::HandleRequest(const bus::PendingRequest& received) {
  bus::PendingRequest pr = received;
  if (!Authorize(pr)) return;
  using Handler = void (Impl::*)(const bus::PendingRequest&);
  static const std::map<bus::RequestType, Handler> kHandlers = {
      {bus::RequestType::kStatus, &Impl::HandleStatus},
      {bus::RequestType::kPause, &Impl::HandlePause},
      {bus::RequestType::kResume, &Impl::HandleResume},
      {bus::RequestType::kSpeed, &Impl::HandleSpeed},
      {bus::RequestType::kFireInject, &Impl::HandleFireInject},
      {bus::RequestType::kSubmitReport, &Impl::HandleSubmitReport},
      {bus::RequestType::kSubmitFinding, &Impl::HandleSubmitFinding},
      {bus::RequestType::kSubmitFlag, &Impl::HandleSubmitFlag},
      {bus::RequestType::kGrade, &Impl::HandleGrade},
      {bus::RequestType::kStop, &Impl::HandleStop},
      {bus::RequestType::kRevert, &Impl::HandleRevert},
      {bus::RequestType::kSubmitResponse, &Impl::HandleSubmitResponse},
      {bus::RequestType::kReviewFinding, &Impl::HandleReviewFinding},
      {bus::RequestType::kScoreboard, &Impl::HandleScoreboard},
      {bus::RequestType::kEvents, &Impl::HandleEvents},
      {bus::RequestType::kPlan, &Impl::HandlePlan},
      {bus::RequestType::kConsole, &Impl::HandleConsole},
      {bus::RequestType::kMessage, &Impl::HandleMessage},
  };
  auto it = kHandlers.find(pr.request.type);
  if (it == kHandlers.end()) {
    return control->ReplyError(pr, bus::errors::kBadRequest, "unhandled request type");
  }
  (this->*(it->second))(pr);
}

// Who sent a request, for its events: the account (and person) of a remote
// client; "host" for the ipc channel (root on the engine's machine).
json Exercise::Impl::Attribution(const bus::PendingRequest& pr) const {
  if (pr.account.empty()) return {{"account", "host"}};
  json j = {{"account", pr.account}};
  if (accounts) {
    if (auto a = accounts->ByName(pr.account); a && !a->person.empty()) j["person"] = a->person;
  }
  return j;
}

// The one authorization step before dispatch (docs/protocol.md, "Roles"):
// a remote request is handled with the team and sender of its account, and
// only when its role allows the type. false: answered (refused, or the
// reduced status of a non-white account).
bool Exercise::Impl::Authorize(bus::PendingRequest& pr) {
  if (pr.account.empty()) return true;  // the host's ipc channel
  std::optional<identity::Account> a = accounts ? accounts->ByName(pr.account) : std::nullopt;
  Result<bus::Request> r = a ? AuthorizeRequest(*a, pr.request)
                             : Result<bus::Request>(Status::FailedPrecondition(
                                   fmt::format("account '{}' is revoked", pr.account)));
  if (!r.ok()) {
    Refuse(pr, r.status().message());
    return false;
  }
  pr.request = std::move(r).value();
  if (pr.request.type == bus::RequestType::kStatus && a->role != identity::Role::kWhite) {
    // No in-flight injects, store or bus details: the clock and the board.
    json full = StatusJson();
    json j = json::object();
    for (const char* key : {"exercise", "scenario", "time_ns", "clock", "end_ns", "speed", "paused",
                            "feed", "scoreboard_mode"}) {
      if (full.contains(key)) j[key] = full[key];
    }
    if (full.contains("scoring")) {
      if (std::optional<json> shown = ShownBoard(full["scoring"])) j["scoring"] = *shown;
    }
    // A team's own open tasks (what its team view lists).
    if (full.contains("tasks") && full["tasks"].contains(a->team)) {
      j["tasks"] = {{a->team, full["tasks"][a->team]}};
    }
    j["account"] = a->name;
    j["team"] = a->team;
    j["role"] = identity::RoleName(a->role);
    // A team's own white-cell tasks (the portal shows them with their deadlines).
    if (full["tasks"].contains(a->team)) j["tasks"] = {{a->team, full["tasks"][a->team]}};
    control->Reply(pr, std::move(j));
    return false;
  }
  return true;
}

void Exercise::Impl::Refuse(const bus::PendingRequest& pr, const std::string& reason) {
  control->ReplyError(pr, bus::errors::kForbidden, reason);
  // Recorded now, with the account, and left out of the periodic summary.
  ++refusals_summarised[std::string(bus::errors::kForbidden)];
  json p = {{"counts", {{bus::errors::kForbidden, 1}}},
            {"total", 1},
            {"interval_ns", 0},
            {"type", bus::RequestTypeName(pr.request.type)},
            {"id", pr.request.id},
            {"team", pr.request.team},
            {"reason", reason}};
  if (pr.request.type == bus::RequestType::kConsole) p["request"] = pr.request.args;
  p.update(Attribution(pr));
  (void)Record("", k::kControlRefused, std::move(p));
}

void Exercise::Impl::HandleControl() {
  if (!control) return;
  for (const bus::PendingRequest& pr : control->Poll(256)) {
    const std::string type(bus::RequestTypeName(pr.request.type));
    if (!Guard("control", type, [&] { HandleRequest(pr); })) {
      control->ReplyError(pr, bus::errors::kInternal,
                          "the engine failed on this request (see the engine.error event)");
    }
  }
  SummariseRefusals(false);
}

void Exercise::Impl::DrainGuest() {
  std::vector<guest::GuestReply> replies = guest.Drain();
  for (guest::GuestReply& r : failed_guest) replies.push_back(std::move(r));
  failed_guest.clear();
  for (const guest::GuestReply& r : replies) {
    Guard("lua", "guest reply", [&] { runner->OnGuestReply(r); });
  }
}

size_t Exercise::Impl::Outstanding() {
  size_t n = guest.in_flight() + failed_guest.size();
  ForEachExtension("Outstanding", [&](Extension& x) { n += x.Outstanding(); });
  return n;
}

// ---- the scoreboard as shown (docs/protocol.md, "Scoreboard modes") ----------------

json Exercise::Impl::ScoreboardModeJson() const {
  json j = {{"mode", model::ToString(board_show.mode)}};
  if (board_show.mode == model::ScoreboardMode::kFrozen) {
    j["at_ns"] = board_show.frozen_at.nanos();
    j["at"] = FormatClock(SimTime::FromNanos(board_show.frozen_at.nanos()));
  }
  return j;
}

std::optional<json> Exercise::Impl::ShownBoard(const json& live) {
  switch (board_show.mode) {
    case model::ScoreboardMode::kLive:
      return live;
    case model::ScoreboardMode::kHidden:
      return std::nullopt;
    case model::ScoreboardMode::kFrozen:
      break;
  }
  const SimTime at = SimTime::FromNanos(board_show.frozen_at.nanos());
  // Until the clock passes the freeze, the board as of now is the board as of then.
  if (sched->Now() <= at) return live;
  if (frozen_board) return frozen_board;
  // Replayed from the log up to `at`: every event that old must be on disk
  // (a short wait, once per freeze; none while the store cannot write).
  if (store->committed_seq() < store->head().seq && !store->Flush().ok()) return std::nullopt;
  ForEachExtension("OnScoreboardAt", [&](Extension& x) {
    if (!frozen_board) frozen_board = x.OnScoreboardAt(*self, at);
  });
  return frozen_board;
}

bus::FeedView Exercise::Impl::RemoteView(std::string_view account, const Event& e) {
  std::optional<identity::Account> a = accounts->ByName(account);
  // Revoked: nothing from the next message on.
  if (!a || !FeedAllows(*a, options.id.str(), plan.blue_teams, e.team, e.kind)) return {};
  if (a->role == identity::Role::kWhite || !e.team.empty() || e.kind != "scoreboard") {
    return {true, std::nullopt};
  }
  std::optional<json> shown = ShownBoard(e.payload);
  if (!shown) return {};
  if (board_show.mode == model::ScoreboardMode::kLive) return {true, std::nullopt};
  return {true, std::move(shown)};
}

void Exercise::Impl::HandleScoreboard(const bus::PendingRequest& pr) {
  const json& a = pr.request.args;
  auto mode = model::ParseScoreboardMode(a.value("mode", ""));
  if (!mode) return control->ReplyError(pr, bus::errors::kBadRequest, "unknown scoreboard mode");
  model::ScoreboardShow show{*mode, Duration()};
  if (*mode == model::ScoreboardMode::kFrozen) {
    show.frozen_at = Duration::Nanos(a.value("at_ns", sched->Now().nanos()));
    if (show.frozen_at.nanos() > End().nanos()) {
      return control->ReplyError(
          pr, bus::errors::kRejected,
          fmt::format("cannot freeze the scoreboard at {}: the exercise ends at {}",
                      FormatClock(SimTime::FromNanos(show.frozen_at.nanos())), FormatClock(End())));
    }
  }
  RecordControl(pr, k::kControlScoreboard);
  if (!(show == board_show)) frozen_board.reset();
  board_show = show;
  json p = ScoreboardModeJson();
  p["by"] = ByWhom(pr.request);
  (void)Record("", k::kExerciseScoreboard, std::move(p));
  // Viewers get the board as now shown at once, not at the next score change.
  if (last_board) self->PublishDerived("", "scoreboard", *last_board);
  json reply = ScoreboardModeJson();
  reply["time_ns"] = sched->Now().nanos();
  control->Reply(pr, std::move(reply));
}

// A page of the committed log, filtered as the account's feed is: what a
// remote client (the GUI) reads instead of the log file.
void Exercise::Impl::HandleEvents(const bus::PendingRequest& pr) {
  const json& a = pr.request.args;
  const int64_t from = a.value("from_seq", int64_t{1});
  const int64_t limit = a.value("limit", int64_t{500});
  constexpr size_t kMaxReplyBytes = size_t{1} << 20;
  std::optional<identity::Account> account;
  if (!pr.account.empty() && accounts) account = accounts->ByName(pr.account);
  json events = json::array();
  size_t bytes = 0;
  int64_t next = from;
  store::EventQuery q;
  q.from_seq = from;
  Status s = store->Scan(q, [&](const Event& e) {
    next = e.seq + 1;
    if (account && !FeedAllows(*account, options.id.str(), plan.blue_teams, e.team, e.kind)) {
      return true;
    }
    std::string text = CanonicalJson(e);
    bytes += text.size();
    events.push_back(json::parse(text));
    return static_cast<int64_t>(events.size()) < limit && bytes < kMaxReplyBytes;
  });
  if (!s.ok()) return control->ReplyError(pr, bus::errors::kInternal, s.message());
  control->Reply(pr, {{"events", std::move(events)},
                      {"next_seq", next},
                      {"committed_seq", store->committed_seq()}});
}

// The plan file `up` wrote beside the log (the GUI's topology), as it is:
// what a remote control room has instead of reading the folder.
void Exercise::Impl::HandlePlan(const bus::PendingRequest& pr) {
  const std::string path = options.state_dir + "/exercises/" + options.id.str() + "/plan.json";
  std::ifstream in(path);
  if (!in) return control->ReplyError(pr, bus::errors::kNotFound, "the exercise has no plan.json");
  json plan = json::parse(in, nullptr, false);
  if (plan.is_discarded()) {
    return control->ReplyError(pr, bus::errors::kInternal, "plan.json is not JSON");
  }
  control->Reply(pr, {{"plan_file", std::move(plan)}});
}

// The portal's consoles: blue on its own copy, red on the shared zone (the
// red team's nodes), white (and the host) everywhere; only white ends a
// console for everyone. Recorded durably before the portal attaches.
void Exercise::Impl::HandleConsole(const bus::PendingRequest& pr) {
  const json& a = pr.request.args;
  const std::string action = a.value("action", "");
  const std::string node = a.value("node", "");
  const std::string copy = a.value("copy", "");
  std::optional<identity::Account> account;
  if (!pr.account.empty() && accounts) account = accounts->ByName(pr.account);
  if (account && account->role != identity::Role::kWhite) {
    const std::string where = copy.empty() ? "the shared zone" : "team '" + copy + "'";
    if (action == "end") {
      return Refuse(pr,
                    fmt::format("account '{}' may not end consoles (white only)", account->name));
    }
    if (account->role == identity::Role::kBlue && copy != account->team) {
      return Refuse(pr,
                    fmt::format("account '{}' may use the consoles of team '{}' only, not of {}",
                                account->name, account->team, where));
    }
    if (account->role == identity::Role::kRed && !copy.empty()) {
      return Refuse(pr, fmt::format("account '{}' may use the consoles of the shared zone only, "
                                    "not of {}",
                                    account->name, where));
    }
    if (account->role != identity::Role::kBlue && account->role != identity::Role::kRed) {
      return Refuse(pr, fmt::format("account '{}' may not use consoles", account->name));
    }
  }
  const bool known = std::any_of(plan.domains.begin(), plan.domains.end(), [&](const auto& d) {
    return !d.is_router && d.node == node && d.team == copy;
  });
  if (!known) {
    return control->ReplyError(
        pr, bus::errors::kNotFound,
        fmt::format("no node '{}' in {}", node,
                    copy.empty() ? std::string("the shared zone") : "team '" + copy + "'"));
  }
  json p = {{"node", node}, {"copy", copy}};
  if (a.contains("reason")) p["reason"] = a["reason"];
  const std::string_view kind = action == "open"    ? k::kConsoleOpened
                                : action == "close" ? k::kConsoleClosed
                                                    : k::kConsoleEnded;
  SubmitDurable(pr, copy, kind, std::move(p));
}

// The white cell's message: control.message (the audit trail), then one
// message.sent on each recipient's topic, so that each team's feed and
// portal see only their own. Answered once the last one is durable.
void Exercise::Impl::HandleMessage(const bus::PendingRequest& pr) {
  const json& a = pr.request.args;
  const std::string to = a.value("to", "");
  // Who can be written to: the playing blue teams, then the red teams.
  std::vector<std::string> playing = plan.blue_teams;
  for (const auto& t : scenario.teams) {
    if (t.role == model::TeamRole::kRed) playing.push_back(t.name);
  }
  std::vector<std::string> teams;
  if (to == "all") {
    teams = playing;
  } else if (std::find(playing.begin(), playing.end(), to) != playing.end()) {
    teams.push_back(to);
  }
  if (teams.empty()) {
    return control->ReplyError(
        pr, bus::errors::kRejected,
        fmt::format("message: no team '{}' plays in this exercise (to: one of {}, or all)", to,
                    playing.empty() ? "(none)" : fmt::format("{}", fmt::join(playing, ", "))));
  }
  // Refused whole rather than half sent: SubmitDurable checks the same.
  if (store::StoreHealth h = store->health(); !h.healthy) {
    return control->ReplyError(
        pr, bus::errors::kInternal,
        fmt::format("not stored: the event store cannot write ({})", h.error.message()));
  }
  RecordControl(pr, k::kControlMessage);
  json p = {{"to", to}, {"text", a.value("text", "")}};
  for (size_t i = 0; i + 1 < teams.size(); ++i) {
    json one = p;
    one.update(Attribution(pr));
    (void)Record(teams[i], k::kMessageSent, std::move(one));
  }
  // The store commits in seq order: the last one durable means all are.
  SubmitDurable(pr, teams.back(), k::kMessageSent, std::move(p));
}

// --listen: the control server and the publisher also on CURVE tcp, the
// ZAP handler knowing clients by the accounts' keys.
Status Exercise::Impl::OpenRemote(const std::string& control_ipc) {
  const std::string path =
      identity::AccountBook::PathIn(options.state_dir + "/exercises/" + options.id.str());
  auto dir = identity::AccountDirectory::Open(path);
  if (!dir.ok()) {
    return dir.status().WithContext(
        "--listen needs the exercise's accounts (made by `livefire up`, see `livefire accounts`)");
  }
  accounts = std::move(dir).value();
  identity::AccountDirectory* d = accounts.get();
  const std::string secret = d->server_secret_key();
  LF_ASSIGN_OR_RETURN(control,
                      bus::ControlServer::Bind(*bus_ctx, control_ipc, {options.listen, secret},
                                               [d](std::string_view key) {
                                                 auto a = d->ByPublicKey(key);
                                                 return a ? a->name : std::string();
                                               }));
  // Events on the next port (or a free one when the control port was).
  const std::string& ct = control->tcp_endpoint();
  const size_t colon = ct.rfind(':');
  const std::string requested = options.listen.substr(options.listen.rfind(':') + 1);
  const int port = requested == "0" ? 0 : std::stoi(ct.substr(colon + 1)) + 1;
  const std::string events = fmt::format("{}:{}", ct.substr(0, colon), port);
  LF_ASSIGN_OR_RETURN(
      events_tcp,
      publisher->Listen({events, secret}, [this](std::string_view account, const Event& e) {
        return RemoteView(account, e);
      }));
  spdlog::info("listening for remote clients: control {}, events {}", ct, events_tcp);
  return Status::Ok();
}

// ---- Exercise -------------------------------------------------------------------

Exercise::Exercise(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) { impl_->self = this; }
Exercise::~Exercise() {
  // Close the sockets, then remove their ipc files: a stale socket file would
  // make clients believe an engine is still running.
  impl_->control.reset();
  impl_->publisher.reset();
  for (const BoundSocket& b : impl_->bound_sockets) {
    auto now = IpcSocketFile("ipc://" + b.path);
    if (now && now->dev == b.dev && now->ino == b.ino) ::unlink(b.path.c_str());
  }
}

Result<std::unique_ptr<Exercise>> Exercise::Open(const model::Scenario& scenario,
                                                 const topology::RangePlan& plan,
                                                 guest::GuestIo& guest, ExerciseOptions options) {
  if (options.id.empty()) return Status::InvalidArgument("exercise id is empty");
  if (plan.blue_teams.empty()) return Status::InvalidArgument("the plan has no blue team");
  LF_RETURN_IF_ERROR(ValidateSpeed(options.speed));
  auto impl = std::make_unique<Impl>(scenario, plan, guest, std::move(options));
  Impl& m = *impl;
  // Before the store and the sockets: a second engine must touch neither.
  LF_ASSIGN_OR_RETURN(m.engine_lock, EngineLock::Acquire(m.options.state_dir, m.options.id));
  LF_RETURN_IF_ERROR(m.OpenStore());
  LF_RETURN_IF_ERROR(m.LoadHistory());
  m.sched = std::make_unique<Scheduler>(m.recovered ? m.resume_time : SimTime::Start());
  m.pacer = Pacer(m.sched->Now(), m.options.speed, WallClock::now());
  if (m.paused) m.pacer.Pause(WallClock::now());

  if (m.options.bind_bus) {
    m.bus_ctx = std::make_unique<bus::Context>();
    auto eps = bus::DefaultEndpoints(m.options.state_dir, m.options.id);
    if (!eps.ok()) return eps.status();
    std::string ev = m.options.events_endpoint.empty() ? eps->events : m.options.events_endpoint;
    std::string ct = m.options.control_endpoint.empty() ? eps->control : m.options.control_endpoint;
    LF_ASSIGN_OR_RETURN(m.publisher, bus::EventPublisher::Bind(*m.bus_ctx, ev, m.options.id));
    if (auto b = IpcSocketFile(ev)) m.bound_sockets.push_back(*b);
    if (m.options.listen.empty()) {
      LF_ASSIGN_OR_RETURN(m.control, bus::ControlServer::Bind(*m.bus_ctx, ct));
    } else {
      LF_RETURN_IF_ERROR(m.OpenRemote(ct));
    }
    if (auto b = IpcSocketFile(ct)) m.bound_sockets.push_back(*b);
  }

  InjectRunner::Options ro;
  ro.memory_limit = m.options.lua_memory_limit;
  ro.instruction_limit = m.options.lua_instruction_limit;
  ro.guest_timeout = m.options.guest_timeout;
  ro.seed = scenario.meta.seed;
  ro.interrupt = &m.interrupt_scripts;
  try {
    LF_ASSIGN_OR_RETURN(m.runner, InjectRunner::Load(scenario, plan, m, ro));
  } catch (...) {
    return Status::Internal("loading the injects threw: " + CurrentExceptionText());
  }
  m.WireTriggers();
  return std::unique_ptr<Exercise>(new Exercise(std::move(impl)));
}

std::string Exercise::control_tcp_endpoint() const {
  return impl_->control ? impl_->control->tcp_endpoint() : std::string();
}
std::string Exercise::events_tcp_endpoint() const { return impl_->events_tcp; }

void Exercise::AddExtension(Extension* ext) { impl_->extensions.push_back({ext, false}); }

Status Exercise::Run() {
  // The last line of defence: whatever still throws ends Run() with a
  // Status (the exercise is left "interrupted", so a restart resumes it).
  try {
    return RunLoop();
  } catch (...) {
    const std::string what = CurrentExceptionText();
    impl_->RecordEngineError("engine", "run", what);
    try {
      (void)impl_->store->Flush();
      impl_->AnswerAcks();
      impl_->PublishCommitted();
      (void)impl_->store->SetExerciseStatus("interrupted", WallNowNs());
    } catch (...) {
      spdlog::error("after an engine error: {}", CurrentExceptionText());
    }
    return Status::Internal("engine error: " + what);
  }
}

namespace {
// {seconds, limit_seconds, interrupted}: one loop iteration ran longer than
// ExerciseOptions::stall_after (wall); interrupted: its script was ended.
constexpr std::string_view kEngineStalled = "engine.stalled";
}  // namespace

Status Exercise::RunLoop() {
  Impl& m = *impl_;
  // Extensions rebuild their state from the log first (scores, check rounds).
  if (m.recovered) {
    LF_RETURN_IF_ERROR(m.store->Scan({}, [&](const Event& e) {
      m.ForEachExtension("OnEvent", [&](Extension& x) { x.OnEvent(*this, e, true); });
      return true;
    }));
  } else {
    LF_RETURN_IF_ERROR(m.RecordNewExercise());
  }
  LF_RETURN_IF_ERROR(m.store->SetExerciseStatus("running", WallNowNs()));

  m.triggers->Restore(m.history);
  if (m.recovered) {
    (void)m.Record("", k::kExerciseResumed,
                   {{"by", "engine"}, {"reason", "recovery after an engine restart"}});
    // Runs the crash interrupted: their coroutines are gone.
    for (const auto& [inj, team] : m.triggers->InFlight()) {
      const Inject* i = m.scenario.FindInject(inj);
      if (i) m.Finished(*i, team, Outcome::kError, "interrupted by an engine restart");
    }
  } else {
    (void)m.Record("", k::kExerciseStarted, {{"speed", m.pacer.speed()}, {"fast", m.options.fast}});
  }
  m.triggers->Arm();
  m.ForEachExtension("OnStart", [&](Extension& x) { x.OnStart(*this); });

  // Periodic checkpoints let recovery resume the clock close to where it was.
  std::function<void(SimTime)> checkpoint = [&](SimTime) {
    (void)m.Record("", k::kClockCheckpoint, {{"speed", m.pacer.speed()}, {"paused", m.paused}});
    m.sched->After(m.options.checkpoint_interval, checkpoint, "clock checkpoint");
  };
  m.sched->After(m.options.checkpoint_interval, checkpoint, "clock checkpoint");

  const SimTime end = m.End();
  std::string end_reason = "duration";
  // An iteration that did not come back for stall_after is recorded once it
  // is back; a stop makes the watchdog interrupt a script holding the loop.
  std::optional<LoopWatchdog> watchdog;
  watchdog.emplace(
      LoopWatchdog::Options{
          .stall_after = std::chrono::milliseconds(m.options.stall_after.nanos() / 1'000'000),
          .stop_grace = std::chrono::milliseconds(m.options.stop_grace.nanos() / 1'000'000)},
      [this] { return stop_requested_.load() || shutdown_requested_.load(); }, m.interrupt_scripts);
  auto iteration_done = [&] {
    if (auto ran = watchdog->End()) {
      (void)m.Record("", kEngineStalled,
                     {{"seconds", static_cast<double>(ran->count()) / 1000.0},
                      {"limit_seconds", static_cast<double>(m.options.stall_after.nanos()) / 1e9},
                      {"interrupted", watchdog->interrupted()}});
    }
  };
  // Once out of the loop, scripts (OnEnd hooks) run normally again.
  auto leave_loop = [&] {
    iteration_done();
    watchdog.reset();
    m.interrupt_scripts.store(false);
  };
  while (true) {
    iteration_done();
    watchdog->Begin();
    m.HandleControl();
    m.DrainGuest();
    m.ForEachExtension("OnLoop", [&](Extension& x) { x.OnLoop(*this); });
    m.AnswerAcks();
    m.WatchStore();
    m.PublishCommitted();
    if (m.options.on_tick && m.recorded_since_tick) {
      m.recorded_since_tick = false;
      m.options.on_tick(*this);
    }
    if (stop_requested_.load()) {
      end_reason = "stopped";
      break;
    }
    if (shutdown_requested_.load()) {
      leave_loop();
      m.SummariseRefusals(true);
      // Not an end: record where the clock is so that a restart resumes here.
      (void)m.Record("", k::kClockCheckpoint,
                     {{"speed", m.pacer.speed()}, {"paused", m.paused}, {"shutdown", true}});
      LF_RETURN_IF_ERROR(m.store->Flush());
      m.AnswerAcks();
      m.PublishCommitted();
      return m.store->SetExerciseStatus("interrupted", WallNowNs());
    }
    if (m.sched->Now() >= end) break;

    const size_t outstanding = m.Outstanding();
    if (m.paused || m.StoreDown()) {
      m.guest.WaitForReply(std::chrono::milliseconds(10));
      continue;
    }
    if (m.options.fast) {
      if (outstanding > 0) {
        m.guest.WaitForReply(std::chrono::milliseconds(5));
        continue;
      }
      auto next = m.sched->NextTime();
      SimTime target = next && *next < end ? *next : end;
      m.sched->RunUntil(target);
      continue;
    }
    // Real time: run what is due, then sleep until the next event is due
    // (at most 10 ms, to stay responsive to control requests).
    SimTime due = std::min(m.pacer.SimAt(WallClock::now()), end);
    if (due > m.sched->Now()) m.sched->RunUntil(due);
    auto next = m.sched->NextTime();
    auto wake = WallClock::now() + std::chrono::milliseconds(10);
    if (next) wake = std::min(wake, m.pacer.WallAt(*next));
    if (m.pacer.WallAt(end) < wake) wake = m.pacer.WallAt(end);
    auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(wake - WallClock::now());
    if (wait.count() > 0) m.guest.WaitForReply(wait);
  }
  leave_loop();

  // Refusals not yet summarised are not lost at the end.
  m.SummariseRefusals(true);
  if (end_reason == "stopped") {
    (void)m.Record("", k::kExerciseStopped, {{"by", m.stop_by}, {"reason", m.stop_reason}});
  }
  m.ForEachExtension("OnEnd", [&](Extension& x) { x.OnEnd(*this); });
  (void)m.Record("", k::kExerciseEnded, {{"reason", end_reason}});
  m.ended = true;
  LF_RETURN_IF_ERROR(m.store->Flush());
  m.AnswerAcks();
  m.PublishCommitted();
  LF_RETURN_IF_ERROR(m.store->SetExerciseStatus("ended", WallNowNs()));
  return Status::Ok();
}

SimTime Exercise::Now() const { return impl_->sched->Now(); }
Scheduler& Exercise::scheduler() { return *impl_->sched; }
const model::Scenario& Exercise::scenario() const { return impl_->scenario; }
const topology::RangePlan& Exercise::plan() const { return impl_->plan; }
const ExerciseId& Exercise::id() const { return impl_->options.id; }
bool Exercise::paused() const { return impl_->paused; }
Result<Event> Exercise::Record(const std::string& team, std::string_view kind, json payload) {
  return impl_->Record(team, kind, std::move(payload));
}
void Exercise::PublishDerived(const std::string& team, std::string_view kind, const json& payload) {
  if (!impl_->publisher) return;
  Event e;
  e.seq = 0;  // derived: not in the log
  e.time = impl_->sched->Now();
  e.wall_ns = WallNowNs();
  e.team = team;
  e.kind = std::string(kind);
  e.payload = payload;
  if (team.empty() && kind == "scoreboard") impl_->last_board = payload;
  // Derived from the events recorded so far: not ahead of their commit.
  impl_->outbox.push_back({std::move(e), impl_->store->head().seq});
  impl_->PublishCommitted();
}
void Exercise::Wake() {}
Status Exercise::ScanLog(const std::function<bool(const Event&)>& fn) const {
  return impl_->store->Scan({}, fn);
}
Status Exercise::SaveMetric(const std::string& team, const std::string& metric, double value) {
  return impl_->store->PutMetric({team, metric, value});
}
const TriggerEngine& Exercise::triggers() const { return *impl_->triggers; }
store::EventStore& Exercise::store() { return *impl_->store; }
bool Exercise::recovered() const { return impl_->recovered; }
bool Exercise::ended() const { return impl_->ended; }

// ---- why, offline ----------------------------------------------------------------

Result<std::string> ExplainInject(const model::Scenario& scenario, const std::vector<Event>& log,
                                  const std::string& inject, const std::string& team) {
  std::vector<InjectHistory> hist;
  std::vector<std::string> teams;
  SimTime last;
  for (const Event& e : log) {
    last = std::max(last, e.time);
    if (e.kind == k::kExerciseCreated && e.payload.contains("blue_teams")) {
      for (const auto& t : e.payload["blue_teams"]) teams.push_back(t.get<std::string>());
    }
    if (auto h = HistoryFromEvent(e)) hist.push_back(std::move(*h));
  }
  if (teams.empty()) {
    for (const auto* t : scenario.TeamsWithRole(model::TeamRole::kBlue)) teams.push_back(t->name);
  }
  if (std::find(teams.begin(), teams.end(), team) == teams.end()) {
    return Status::NotFound(fmt::format("no blue team '{}' in this exercise (teams: {})", team,
                                        fmt::join(teams, ", ")));
  }
  Scheduler sched(last);
  TriggerEngine t(scenario, teams, sched, {});
  t.Restore(hist);
  t.Arm();
  return t.Why(inject, team);
}

}  // namespace livefire::runtime
