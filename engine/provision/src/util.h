#pragma once
// Small helpers shared by the provision sources (not part of the public API).

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "livefire/status.h"

namespace livefire::provision {

uint64_t Fnv1a(std::string_view s);
std::string XmlEscape(std::string_view s);
std::string Base64Encode(std::string_view bytes);
Result<std::string> Base64Decode(std::string_view text);

// Text of the first <name> or <prefix:name> element in xml ("" when absent).
std::string ElementText(std::string_view xml, std::string_view name);

// Runs argv (PATH searched) with extra environment variables, waits, and
// returns its combined stdout+stderr; non-zero exit is an error naming it.
Result<std::string> RunCommand(const std::vector<std::string>& argv,
                               const std::map<std::string, std::string>& env = {});

// True when a TCP connection to address:port opens within `timeout`.
bool TcpConnects(const std::string& address, int port, std::chrono::milliseconds timeout);

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
