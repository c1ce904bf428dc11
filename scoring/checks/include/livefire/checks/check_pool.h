#pragma once
// Runs service checks off the engine loop: a fixed pool of worker threads
// takes jobs from a bounded queue and puts results on a bounded queue that
// the engine loop drains without blocking. Both bounds hold however slow the
// services are: a full job queue refuses Submit (the round is reported as
// skipped by the caller), a full result queue makes workers wait for the loop.

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

#include "livefire/checks/checks.h"
#include "livefire/status.h"
#include "livefire/time.h"

namespace livefire::checks {

struct CheckJob {
  CheckTarget target;
  SimTime scheduled;  // exercise time the round was due
  int64_t round = 0;
  Duration timeout = Duration::Seconds(5);
};

struct CheckResult {
  CheckJob job;
  CheckOutcome outcome;
};

struct CheckPoolOptions {
  int workers = 4;
  size_t max_pending = 1024;  // jobs waiting for a worker
  size_t max_results = 4096;  // results waiting for Drain
  LuaCheckFn lua;             // runs kind "lua" checks (empty: they report down)
};

class CheckPool {
 public:
  explicit CheckPool(CheckPoolOptions options = {});
  // Stops the workers: queued jobs are dropped, running checks end within
  // their timeout.
  ~CheckPool();
  CheckPool(const CheckPool&) = delete;
  CheckPool& operator=(const CheckPool&) = delete;

  // Never blocks. ResourceExhausted when max_pending jobs are already queued.
  Status Submit(CheckJob job);
  // Moves up to `max` finished results into out (appending); never blocks.
  size_t Drain(std::vector<CheckResult>& out, size_t max = SIZE_MAX);
  // For callers without an event loop (tests, the CLI): waits until a result
  // is ready or the wait ends; true when one is ready.
  bool WaitForResult(std::chrono::milliseconds wait);

  size_t pending() const;
  size_t in_flight() const;

 private:
  void Work();

  CheckPoolOptions options_;
  mutable std::mutex mu_;
  std::condition_variable job_ready_;
  std::condition_variable result_room_;
  std::condition_variable result_ready_;
  std::deque<CheckJob> jobs_;
  std::deque<CheckResult> results_;
  size_t running_ = 0;
  bool stop_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace livefire::checks
