#pragma once
// A thread beside the engine loop that notices an iteration which does not
// come back: an inject script spinning under a budget set very high, or a
// C call that holds the loop. It cannot record events itself (the log, the
// bus publisher and the scheduler belong to the loop thread), so it warns
// on the log at once and the loop records engine.stalled when it is back.
// When a stop or shutdown is requested while an iteration is stuck, it sets
// the interrupt flag the Lua count hook checks (lua::SandboxOptions::
// interrupt): the running script then raises an error at its next hook and
// the loop can exit. Stop requests may come from a signal handler, so the
// watchdog only reads them (a predicate over atomics).

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>

namespace livefire::runtime {

class LoopWatchdog {
 public:
  struct Options {
    // An iteration running longer than this (wall) is a stall.
    std::chrono::milliseconds stall_after{30'000};
    // After a stop is requested, how long the iteration running then may go
    // on before its script is interrupted.
    std::chrono::milliseconds stop_grace{1'000};
    std::chrono::milliseconds poll{20};
  };

  // `stopping`: whether a stop or shutdown was requested (called on the
  // watchdog thread). `interrupt`: the flag given to the sandboxes as
  // lua::SandboxOptions::interrupt; it must outlive the watchdog.
  LoopWatchdog(Options options, std::function<bool()> stopping, std::atomic<bool>& interrupt);
  ~LoopWatchdog();  // stops and joins the thread
  LoopWatchdog(const LoopWatchdog&) = delete;
  LoopWatchdog& operator=(const LoopWatchdog&) = delete;

  // Loop thread: around each iteration. End() returns how long the
  // iteration ran when it was a stall.
  void Begin();
  std::optional<std::chrono::milliseconds> End();

  bool interrupted() const { return interrupt_.load(); }

  const Options& options() const { return options_; }

 private:
  using Clock = std::chrono::steady_clock;
  void Watch();

  Options options_;
  std::function<bool()> stopping_;
  std::atomic<bool>& interrupt_;
  // Start of the running iteration in Clock ticks, 0 when none runs.
  std::atomic<Clock::rep> started_{0};
  std::atomic<bool> warned_{false};  // this iteration's stall was logged
  std::mutex mu_;
  std::condition_variable cv_;
  bool quit_ = false;
  std::thread thread_;  // last: started after the members it reads
};

}  // namespace livefire::runtime
