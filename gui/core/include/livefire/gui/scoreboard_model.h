#pragma once
// Scoreboard view model. The GUI scores nothing itself: live it shows the
// scoreboard the engine publishes on the bus (kind "scoreboard", seq 0,
// scoring::ToJson(Scoreboard), see docs/protocol.md) and plots the totals the
// engine recorded as score.changed events; in --replay mode, and once an
// exercise ended, it shows scoring::ReplayLog's board for the whole log, the
// same one `livefire status` and the report print.

#include <array>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "livefire/event.h"
#include "livefire/scoring/replay.h"
#include "livefire/scoring/scoreboard.h"
#include "livefire/status.h"

namespace livefire::gui {

// The kind of the engine's published scoreboard message (scoring/live).
inline constexpr std::string_view kPublishedScoreboard = "scoreboard";

// Parses a published scoreboard (what scoring::ToJson(Scoreboard) writes).
// InvalidArgument naming the field when it is not one.
Result<scoring::Scoreboard> ScoreboardFromJson(const nlohmann::json& j);

enum class ScoreColumn { kRank, kTeam, kTotal, kCategory };

struct ScoreSort {
  ScoreColumn column = ScoreColumn::kRank;
  int category = 0;  // scoring::Category index when column == kCategory
  bool descending = false;
};

struct ScoreRow {
  int rank = 0;
  std::string team;
  std::string role;
  std::array<double, scoring::kCategoryCount> category{};
  double total = 0;
};

struct ScorePoint {
  double t_s = 0;  // exercise seconds
  double total = 0;
};

class ScoreboardModel {
 public:
  // Keeps at most this many points per team: older halves are thinned to
  // every other point, so a long exercise plots in bounded memory.
  static constexpr size_t kMaxHistory = 2048;

  // Teams and roles for a log that records no scoring config (from the
  // store's team table), used by LoadReplay.
  void SetFallbackTeams(std::vector<std::string> blue, std::vector<std::string> red);

  // A log event: score.changed (the engine's recorded total) extends the
  // history. Nothing is scored here.
  void Apply(const Event& e);

  // The engine's published scoreboard payload. One older (by seq) than the
  // board shown is ignored; a malformed one is InvalidArgument and changes
  // nothing.
  Status ApplyPublished(const nlohmann::json& payload);

  // Scores the whole log through scoring::ReplayLog: board, history and
  // warnings become the replay's. Later score.changed events add nothing.
  Status LoadReplay(const std::vector<Event>& log);

  // Blue then red, each ranked by the engine's rules, then sorted by `sort`
  // (ties keep rank order, so the result never depends on input order).
  std::vector<ScoreRow> Rows(const ScoreSort& sort) const;
  const std::vector<ScorePoint>& History(const std::string& team) const;
  std::vector<std::string> Teams() const;  // sorted
  const scoring::Scoreboard& board() const { return board_; }
  bool has_board() const { return has_board_; }
  bool replayed() const { return replayed_; }
  bool has_config_from_log() const { return config_from_log_; }
  // Scoring warnings (malformed events, bad published boards), newest last,
  // at most 100.
  const std::vector<std::string>& warnings() const { return warnings_; }
  int64_t revision() const { return revision_; }

 private:
  std::vector<std::string> fallback_blue_, fallback_red_;
  scoring::Scoreboard board_;
  bool has_board_ = false;
  bool replayed_ = false;
  bool config_from_log_ = false;
  std::vector<std::string> warnings_;
  std::map<std::string, std::vector<ScorePoint>> history_;
  int64_t revision_ = 0;
  void Record(const std::string& team, double t_s, double total);
  void Warn(std::string message);
};

}  // namespace livefire::gui
