#pragma once
// A bounded worker pool for the provisioner's per-domain work.

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <thread>
#include <vector>

namespace livefire::provision {

// Runs fn(i) for i in [0, n) on at most `workers` threads (a bounded pool:
// libvirt and the host's cores, not the plan's size, set the useful width).
template <typename Fn>
void ParallelFor(size_t n, int workers, Fn fn) {
  size_t k = std::min<size_t>(n, static_cast<size_t>(std::max(1, workers)));
  if (k <= 1) {
    for (size_t i = 0; i < n; ++i) fn(i);
    return;
  }
  std::atomic<size_t> next{0};
  std::vector<std::thread> pool;
  pool.reserve(k);
  for (size_t w = 0; w < k; ++w) {
    pool.emplace_back([&] {
      for (size_t i = next++; i < n; i = next++) fn(i);
    });
  }
  for (auto& t : pool) t.join();
}

}  // namespace livefire::provision
