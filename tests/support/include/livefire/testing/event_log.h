#pragma once
// Renders an event log as golden logs compare it: one line per event, without
// wall time and hash (they differ from run to run), and with the checkout's
// path removed so that the log does not depend on where it lives. And
// LogBuilder: a hand-written log for the scorer's and the report's tests.

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <string>
#include <string_view>
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

// Events in seq order from 1, at whole seconds of exercise time; each one
// must be a valid event of the catalogue.
class LogBuilder {
 public:
  Event& Add(int64_t t_s, std::string team, std::string_view kind, nlohmann::json payload) {
    Event e;
    e.seq = static_cast<int64_t>(events_.size()) + 1;
    e.time = SimTime::FromNanos(t_s * 1'000'000'000);
    e.team = std::move(team);
    e.kind = std::string(kind);
    e.payload = std::move(payload);
    EXPECT_TRUE(ValidateEvent(e).ok()) << ValidateEvent(e).ToString();
    events_.push_back(std::move(e));
    return events_.back();
  }
  // One check round of node/service for team.
  Event& Check(int64_t t, const std::string& node, const std::string& svc, bool up,
               const std::string& team = "blue") {
    return Add(t, team, kinds::kCheckResult,
               {{"service", svc},
                {"node", node},
                {"status", up ? "up" : "down"},
                {"latency_ms", 3},
                {"detail", up ? "" : "refused"}});
  }
  const std::vector<Event>& events() const { return events_; }

 private:
  std::vector<Event> events_;
};

}  // namespace livefire::testsupport
