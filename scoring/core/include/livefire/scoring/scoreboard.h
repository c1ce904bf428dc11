#pragma once
// The scoreboard: ranked rows per team and category, as shown in the control
// room and published on the bus, plus a throttle so that publication costs
// at most one message per 250 ms of wall time however fast events arrive.

#include <chrono>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "livefire/scoring/scorer.h"

namespace livefire::scoring {

struct ScoreboardRow {
  int rank = 0;  // 1-based within the role; ties broken deterministically
  TeamScore score;
};

struct Scoreboard {
  int64_t seq = 0;  // last event reflected
  SimTime time;
  model::ScoringWeights weights;
  std::vector<ScoreboardRow> blue;  // ranked
  std::vector<ScoreboardRow> red;   // ranked
};

// Ranks by total (higher first); equal totals are ordered by detection, then
// availability, then fewer penalties, then team name, so the order never
// depends on insertion order or hash seeds.
Scoreboard MakeScoreboard(const Scores& scores, const model::ScoringWeights& weights);
Scoreboard MakeScoreboard(const Scorer& scorer);

// {"seq", "time_ns", "clock", "weights", "blue":[{"rank","team","total",
//  "categories":{...}}], "red":[...]}
nlohmann::json ToJson(const Scoreboard& b);
// Fixed-width table for the terminal.
std::string RenderScoreboard(const Scoreboard& b);

// Publish at most every `interval` of wall time, and only when something
// changed; a change that arrives inside the interval is not lost: the next
// call after the interval publishes it even without a new change.
class PublishThrottle {
 public:
  using Clock = std::chrono::steady_clock;
  PublishThrottle() = default;
  explicit PublishThrottle(Clock::duration interval) : interval_(interval) {}

  // Call on every loop iteration; `changed` says whether scores moved since
  // the previous call. True means: publish now.
  bool ShouldPublish(Clock::time_point now, bool changed) {
    pending_ = pending_ || changed;
    if (!pending_) return false;
    if (published_ && now - last_ < interval_) return false;
    published_ = true;
    last_ = now;
    pending_ = false;
    return true;
  }
  bool pending() const { return pending_; }

 private:
  Clock::duration interval_ = std::chrono::milliseconds(250);
  Clock::time_point last_{};
  bool published_ = false;
  bool pending_ = false;
};

}  // namespace livefire::scoring
