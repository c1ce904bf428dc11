#pragma once
// The simulated clock and its event queue (after ns-3's simulator): events
// run in (time, sequence) order, so two events at the same instant run in the
// order they were scheduled and every run of the same inputs is identical.
// A Pacer maps wall time to exercise time for real-time runs (speed factor,
// pause/resume, after Zeek's pseudo-realtime); fast mode ignores it.

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <queue>
#include <string>
#include <unordered_map>
#include <vector>

#include "livefire/status.h"
#include "livefire/time.h"

namespace livefire {

// The speeds an exercise accepts (exercise seconds per wall second), the
// same for `run --speed`, `speed ID X` and the control protocol. Outside it
// the pacing breaks: far below, the engine wakes every few milliseconds for
// nothing; far above, exercise time overflows and the clock freezes.
inline constexpr double kMinSpeed = 0.01;
inline constexpr double kMaxSpeed = 1000;

// InvalidArgument ("speed -1 is outside 0.01..1000 ...") unless speed is in
// [kMinSpeed, kMaxSpeed]; NaN and infinities are refused.
Status ValidateSpeed(double speed);

using TimerId = uint64_t;

class Scheduler {
 public:
  using Callback = std::function<void(SimTime now)>;

  struct Pending {
    TimerId id;
    SimTime at;
    std::string label;
  };

  explicit Scheduler(SimTime start = SimTime::Start()) : now_(start) {}
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  SimTime Now() const { return now_; }

  // Schedules cb at time t; a time in the past runs at Now() (never earlier:
  // the clock does not go backwards). The label shows up in Pending().
  TimerId At(SimTime t, Callback cb, std::string label = {});
  TimerId After(Duration d, Callback cb, std::string label = {});
  // False when the timer already ran or was cancelled.
  bool Cancel(TimerId id);

  // Time of the next live event, if any.
  std::optional<SimTime> NextTime();
  // Runs the next event (advancing Now() to its time); false when empty.
  bool Step();
  // Runs every event with time <= t, then sets Now() to t (if t > Now()).
  // Events scheduled by callbacks for times <= t also run. Returns how many ran.
  size_t RunUntil(SimTime t);

  size_t size() const { return callbacks_.size(); }
  bool empty() const { return callbacks_.empty(); }
  // Live timers in run order (for `livefire why` and for checkpoints).
  std::vector<Pending> PendingTimers() const;

 private:
  struct Entry {
    int64_t at;
    uint64_t seq;
    bool operator>(const Entry& o) const { return at != o.at ? at > o.at : seq > o.seq; }
  };
  struct Slot {
    SimTime at;
    Callback cb;
    std::string label;
  };
  void DropCancelled();

  SimTime now_;
  uint64_t next_seq_ = 1;
  std::priority_queue<Entry, std::vector<Entry>, std::greater<Entry>> queue_;
  std::unordered_map<uint64_t, Slot> callbacks_;  // seq doubles as TimerId
};

// Maps wall-clock time to exercise time. speed 1.0 = real time, 60 = one
// exercise hour per wall minute. Paused: exercise time stands still.
class Pacer {
 public:
  using WallClock = std::chrono::steady_clock;

  Pacer(SimTime start, double speed, WallClock::time_point wall_now);

  SimTime SimAt(WallClock::time_point wall) const;
  // When exercise time t will be reached; time_point::max() while paused.
  WallClock::time_point WallAt(SimTime t) const;

  // Returns ValidateSpeed's error for a speed outside kMinSpeed..kMaxSpeed.
  Status SetSpeed(double speed, WallClock::time_point wall_now);
  void Pause(WallClock::time_point wall_now);
  void Resume(WallClock::time_point wall_now);
  bool paused() const { return paused_; }
  double speed() const { return speed_; }

 private:
  // Exercise time at the last re-anchoring, and the wall time of it.
  SimTime anchor_sim_;
  WallClock::time_point anchor_wall_;
  double speed_;
  bool paused_ = false;
};

}  // namespace livefire
