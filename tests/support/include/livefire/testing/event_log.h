#pragma once
// Renders an event log as golden logs compare it: one line per event, without
// wall time and hash (they differ from run to run), and with the checkout's
// path removed so that the log does not depend on where it lives.

#include <fmt/format.h>

#include <string>
#include <vector>

#include "livefire/event.h"
#include "livefire/time.h"

namespace livefire::testsupport {

inline std::string RenderGoldenLog(const std::vector<Event>& events) {
  std::string out;
  const std::string src = std::string(LIVEFIRE_SOURCE_DIR) + "/";
  for (const Event& e : events) {
    std::string line =
        fmt::format("{} {} {} {}\n", FormatClock(e.time), e.team.empty() ? "-" : e.team, e.kind,
                    CanonicalPayload(e.payload));
    for (size_t at; (at = line.find(src)) != std::string::npos;) line.replace(at, src.size(), "");
    out += line;
  }
  return out;
}

}  // namespace livefire::testsupport
