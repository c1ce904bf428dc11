#include "loop_watchdog.h"

#include <spdlog/spdlog.h>

#include <algorithm>

namespace livefire::runtime {

LoopWatchdog::LoopWatchdog(Options options, std::function<bool()> stopping,
                           std::atomic<bool>& interrupt)
    : options_(options),
      stopping_(std::move(stopping)),
      interrupt_(interrupt),
      thread_([this] { Watch(); }) {}

LoopWatchdog::~LoopWatchdog() {
  {
    std::lock_guard lock(mu_);
    quit_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void LoopWatchdog::Begin() {
  warned_.store(false);
  // Never 0 (that means "idle"), even on a clock whose epoch is now.
  started_.store(std::max<Clock::rep>(1, Clock::now().time_since_epoch().count()));
}

std::optional<std::chrono::milliseconds> LoopWatchdog::End() {
  const Clock::rep t0 = started_.exchange(0);
  if (t0 == 0) return std::nullopt;
  auto ran = std::chrono::duration_cast<std::chrono::milliseconds>(
      Clock::now() - Clock::time_point(Clock::duration(t0)));
  if (ran < options_.stall_after) return std::nullopt;
  return ran;
}

void LoopWatchdog::Watch() {
  std::optional<Clock::time_point> stop_seen;
  std::unique_lock lock(mu_);
  while (!quit_) {
    cv_.wait_for(lock, options_.poll);
    if (quit_) break;
    const Clock::time_point now = Clock::now();
    if (!stop_seen && stopping_()) stop_seen = now;
    const Clock::rep t0 = started_.load();
    if (t0 == 0) continue;
    const Clock::time_point began{Clock::duration(t0)};
    const auto ran = std::chrono::duration_cast<std::chrono::milliseconds>(now - began);
    if (ran >= options_.stall_after && !warned_.exchange(true)) {
      spdlog::warn("engine loop stalled: one iteration has run for {} ms (limit {} ms)",
                   ran.count(), options_.stall_after.count());
    }
    // Grace counts from the later of the stop request and the iteration's start.
    if (stop_seen && !interrupt_.load() &&
        now - std::max(*stop_seen, began) >= options_.stop_grace) {
      spdlog::warn("engine stopping: interrupting the script that holds the loop");
      interrupt_.store(true);
    }
  }
}

}  // namespace livefire::runtime
