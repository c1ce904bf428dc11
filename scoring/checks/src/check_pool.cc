#include "livefire/checks/check_pool.h"

#include <fmt/format.h>

#include <algorithm>

namespace livefire::checks {

CheckPool::CheckPool(CheckPoolOptions options) : options_(std::move(options)) {
  int n = std::max(1, options_.workers);
  options_.max_pending = std::max<size_t>(1, options_.max_pending);
  options_.max_results = std::max<size_t>(1, options_.max_results);
  threads_.reserve(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) threads_.emplace_back([this] { Work(); });
}

CheckPool::~CheckPool() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
    jobs_.clear();
  }
  job_ready_.notify_all();
  result_room_.notify_all();
  for (auto& t : threads_) t.join();
}

Status CheckPool::Submit(CheckJob job) {
  {
    std::lock_guard lock(mu_);
    if (jobs_.size() >= options_.max_pending) {
      return Status::ResourceExhausted(fmt::format(
          "check pool: {} checks already waiting; {}/{}/{} round {} not run", jobs_.size(),
          job.target.team, job.target.node, job.target.service, job.round));
    }
    jobs_.push_back(std::move(job));
  }
  job_ready_.notify_one();
  return Status::Ok();
}

size_t CheckPool::Drain(std::vector<CheckResult>& out, size_t max) {
  size_t n = 0;
  {
    std::lock_guard lock(mu_);
    while (n < max && !results_.empty()) {
      out.push_back(std::move(results_.front()));
      results_.pop_front();
      ++n;
    }
  }
  if (n > 0) result_room_.notify_all();
  return n;
}

bool CheckPool::WaitForResult(std::chrono::milliseconds wait) {
  std::unique_lock lock(mu_);
  return result_ready_.wait_for(lock, wait, [this] { return !results_.empty(); });
}

size_t CheckPool::pending() const {
  std::lock_guard lock(mu_);
  return jobs_.size();
}

size_t CheckPool::in_flight() const {
  std::lock_guard lock(mu_);
  return running_;
}

void CheckPool::Work() {
  std::unique_lock lock(mu_);
  while (true) {
    job_ready_.wait(lock, [this] { return stop_ || !jobs_.empty(); });
    if (stop_) return;
    CheckJob job = std::move(jobs_.front());
    jobs_.pop_front();
    ++running_;
    lock.unlock();
    CheckOutcome outcome = RunCheck(job.target, job.timeout, options_.lua);
    lock.lock();
    --running_;
    // Backpressure: wait for the loop to drain rather than drop a result.
    result_room_.wait(lock, [this] { return stop_ || results_.size() < options_.max_results; });
    if (stop_) return;
    results_.push_back({std::move(job), std::move(outcome)});
    result_ready_.notify_all();
  }
}

}  // namespace livefire::checks
