#pragma once
// Where the control room's events come from, off the render thread.
//
// EventFeed: one background thread. Live: it subscribes to the engine's PUB
// socket first, then reads the store (read-only) from seq 1, then forwards
// bus events; a bus event whose seq skips ahead (PUB dropped some) makes it
// re-read the missing range from the store, one already read is dropped.
// The engine's published scoreboard (seq 0: derived, not in the log) is
// queued as it comes, for ExerciseModel to hand to the scoreboard.
// Replay: it reads the store once. Either way the render thread only takes
// what is queued (Drain), under a mutex held for a swap.
//
// ControlWorker: one background thread owning the ControlClient; the render
// thread queues requests and later collects replies, never waiting.

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "livefire/bus/bus.h"
#include "livefire/event.h"
#include "livefire/status.h"

namespace livefire::gui {

struct FeedOptions {
  std::string db_path;          // events.db ("" = none)
  std::string events_endpoint;  // "" = replay only
  std::string exercise;         // topic prefix
  int backfill_batch = 5000;    // events read from the store per step
  // A remote account (livefire-gui --connect): the subscription is CURVE
  // with these keys, and the log comes in `events` pages from the engine's
  // control endpoint (what the account may see) instead of the file.
  std::optional<bus::CurveClientKeys> keys;
  std::string control_endpoint;
};

struct FeedStatus {
  bool live = false;
  bool store_open = false;
  bool done = false;       // replay finished reading
  int64_t from_store = 0;  // events read from the store
  int64_t from_bus = 0;    // events taken from the bus
  int64_t scoreboards = 0;  // published scoreboards taken from the bus (seq 0, not log events)
  int64_t dropped_dup = 0;
  int64_t backfills = 0;   // gaps repaired from the store
  std::string error;       // last problem ("" = none)
};

class EventFeed {
 public:
  static Result<std::unique_ptr<EventFeed>> Start(bus::Context& ctx, FeedOptions options);
  ~EventFeed();  // stops and joins the thread
  EventFeed(const EventFeed&) = delete;
  EventFeed& operator=(const EventFeed&) = delete;

  // Moves up to max queued events (seq order) into out; never blocks on I/O.
  size_t Drain(std::vector<Event>* out, size_t max);
  FeedStatus status() const;

 private:
  EventFeed(bus::Context& ctx, FeedOptions options);
  void Run();
  void Push(std::vector<Event>&& batch);
  bus::Context& ctx_;
  FeedOptions options_;
  mutable std::mutex mu_;
  std::deque<Event> queue_;
  FeedStatus status_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

struct ControlResult {
  uint64_t ticket = 0;
  std::string what;  // "pause", "grade blue1 seq 42 50 %", ...
  bool ok = false;
  std::string message;  // reply digest or the error
};

class ControlWorker {
 public:
  // keys: a remote account's CURVE connection (livefire-gui --connect).
  ControlWorker(bus::Context& ctx, std::string endpoint, std::string client_name,
                Duration timeout = Duration::Seconds(3),
                std::optional<bus::CurveClientKeys> keys = {});
  ~ControlWorker();
  ControlWorker(const ControlWorker&) = delete;
  ControlWorker& operator=(const ControlWorker&) = delete;

  // Queues a request; returns its ticket. Never blocks on the network.
  uint64_t Submit(bus::Request request, std::string what);
  // Replies that came back since the last call.
  std::vector<ControlResult> TakeResults();
  size_t in_flight() const;

 private:
  void Run();
  bus::Context& ctx_;
  std::string endpoint_, client_;
  Duration timeout_;
  std::optional<bus::CurveClientKeys> keys_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::pair<ControlResult, bus::Request>> requests_;
  std::vector<ControlResult> results_;
  uint64_t next_ticket_ = 1;
  size_t in_flight_ = 0;
  bool stop_ = false;
  std::thread thread_;
};

// A white-cell task of one team as the engine's status reply lists it
// (status "tasks": {team: [{inject, fired_ns, due_ns, left_ns, responded,
// response_seq, graded}]}), for the control room's open-task list.
struct OpenTask {
  std::string team, inject;
  SimTime fired;
  std::optional<SimTime> due;  // none: no deadline
  Duration left;               // exercise time left when the reply was made
  bool responded = false, graded = false;
  int64_t response_seq = 0;
  // "12m30s left", "overdue", "no deadline", "responded", "graded".
  std::string Label() const;
};
// Every listed task, team by team; nothing for a reply without "tasks".
std::vector<OpenTask> OpenTasksFromStatus(const nlohmann::json& status);

// A request builder per control action (pure, unit-tested).
bus::Request MakePause(const std::string& reason);
bus::Request MakeResume();
bus::Request MakeSpeed(double speed);
bus::Request MakeFireInject(const std::string& inject, const std::string& team);
// What a grade grades: a submission of the team (its seq), or the team's
// response to a white-cell task (the task's inject); exactly one.
struct GradeTarget {
  int64_t seq = 0;
  std::string inject;
};
// rubric_band must be 0, 50 or 100; points is what 100 % is worth (>= 0;
// none = the task's points, only for a task).
Result<bus::Request> MakeGrade(const std::string& team, const GradeTarget& target, int rubric_band,
                               std::optional<double> points, const std::string& comment);

}  // namespace livefire::gui
