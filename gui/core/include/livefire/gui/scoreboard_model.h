#pragma once
// Scoreboard view model. Events are folded through the engine's own
// scoring::Scorer, so the control room shows exactly the numbers the engine
// and `livefire replay` compute. The config comes from the log
// (exercise.created "scoring"); a log without one is scored with the
// default parameters and the teams the log names.

#include <array>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "livefire/event.h"
#include "livefire/scoring/scoreboard.h"
#include "livefire/scoring/scorer.h"

namespace livefire::gui {

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

  ScoreboardModel();
  ~ScoreboardModel();

  // Teams and roles for a log that records no scoring config (from the
  // store's team table); ignored once the config came from the log.
  void SetFallbackTeams(std::vector<std::string> blue, std::vector<std::string> red);

  void Apply(const Event& e);

  // Blue then red, each ranked by the engine's rules, then sorted by `sort`
  // (ties keep rank order, so the result never depends on input order).
  std::vector<ScoreRow> Rows(const ScoreSort& sort) const;
  const std::vector<ScorePoint>& History(const std::string& team) const;
  std::vector<std::string> Teams() const;
  bool has_config_from_log() const { return config_from_log_; }
  // Scoring warnings (malformed events), newest last, at most 100.
  const std::vector<std::string>& warnings() const { return warnings_; }
  int64_t revision() const { return revision_; }

 private:
  std::unique_ptr<scoring::Scorer> scorer_;
  std::vector<std::string> fallback_blue_, fallback_red_;
  bool config_from_log_ = false;
  std::vector<std::string> warnings_;
  std::map<std::string, std::vector<ScorePoint>> history_;
  int64_t revision_ = 0;
  scoring::Applied applied_;
  void Record(const std::string& team, double t_s, double total);
};

}  // namespace livefire::gui
