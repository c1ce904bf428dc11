#pragma once
// Waiting on a condition with a generous deadline: tests wait for what must
// happen, never for a fixed time (they run under ASan on two busy cores).

#include <chrono>
#include <functional>
#include <thread>

namespace livefire::testsupport {

inline bool WaitFor(const std::function<bool()>& cond,
                    std::chrono::seconds deadline = std::chrono::seconds(60)) {
  auto until = std::chrono::steady_clock::now() + deadline;
  while (std::chrono::steady_clock::now() < until) {
    if (cond()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return cond();
}

}  // namespace livefire::testsupport
