#include "livefire/gui/scoreboard_model.h"

#include <fmt/format.h>

#include <algorithm>

namespace livefire::gui {

ScoreboardModel::ScoreboardModel() = default;
ScoreboardModel::~ScoreboardModel() = default;

void ScoreboardModel::SetFallbackTeams(std::vector<std::string> blue, std::vector<std::string> red) {
  fallback_blue_ = std::move(blue);
  fallback_red_ = std::move(red);
}

void ScoreboardModel::Apply(const Event& e) {
  if (!scorer_) {
    scoring::ScoringConfig cfg;
    cfg.blue_teams = fallback_blue_;
    cfg.red_teams = fallback_red_;
    if (e.kind == kinds::kExerciseCreated) {
      if (auto it = e.payload.find("scoring"); it != e.payload.end()) {
        auto c = scoring::ConfigFromJson(*it);
        if (c.ok()) {
          cfg = std::move(*c);
          config_from_log_ = true;
        } else {
          warnings_.push_back(fmt::format("event {}: {}; scoring with defaults", e.seq,
                                          c.status().message()));
        }
      }
      if (!config_from_log_) {
        if (auto bt = e.payload.find("blue_teams"); bt != e.payload.end() && bt->is_array()) {
          cfg.blue_teams.clear();
          for (const auto& t : *bt) {
            if (t.is_string()) cfg.blue_teams.push_back(t.get<std::string>());
          }
        }
      }
    }
    scorer_ = std::make_unique<scoring::Scorer>(std::move(cfg));
    for (const auto& t : scorer_->teams()) Record(t, 0, 0);
  }
  applied_.clear();
  Status st = scorer_->Apply(e, &applied_);
  if (!st.ok()) {
    warnings_.push_back(st.message());
    if (warnings_.size() > 100) warnings_.erase(warnings_.begin());
  }
  for (const auto& c : applied_.changes) Record(c.team, e.time.SinceStart().seconds(), c.total);
  if (!applied_.changes.empty() || !applied_.entries.empty()) ++revision_;
}

void ScoreboardModel::Record(const std::string& team, double t_s, double total) {
  auto& h = history_[team];
  if (!h.empty() && h.back().t_s == t_s) {
    h.back().total = total;  // several changes at one instant: keep the last
    return;
  }
  h.push_back({t_s, total});
  if (h.size() > kMaxHistory) {
    // Thin the older half to every other point; the recent half stays exact.
    std::vector<ScorePoint> thinned;
    thinned.reserve(kMaxHistory);
    const size_t half = h.size() / 2;
    for (size_t i = 0; i < half; i += 2) thinned.push_back(h[i]);
    thinned.insert(thinned.end(), h.begin() + static_cast<std::ptrdiff_t>(half), h.end());
    h = std::move(thinned);
  }
}

std::vector<ScoreRow> ScoreboardModel::Rows(const ScoreSort& sort) const {
  std::vector<ScoreRow> rows;
  if (!scorer_) return rows;
  scoring::Scoreboard board = scoring::MakeScoreboard(*scorer_);
  for (const auto* list : {&board.blue, &board.red}) {
    for (const auto& r : *list) {
      ScoreRow row;
      row.rank = r.rank;
      row.team = r.score.team;
      row.role = r.score.role;
      row.category = r.score.category;
      row.total = r.score.total;
      rows.push_back(std::move(row));
    }
  }
  auto key_less = [&](const ScoreRow& a, const ScoreRow& b) {
    switch (sort.column) {
      case ScoreColumn::kRank: return a.rank < b.rank;
      case ScoreColumn::kTeam: return a.team < b.team;
      case ScoreColumn::kTotal: return a.total < b.total;
      case ScoreColumn::kCategory: {
        int c = std::clamp(sort.category, 0, scoring::kCategoryCount - 1);
        return a.category[c] < b.category[c];
      }
    }
    return false;
  };
  // Roles stay grouped (blue first); within a role the chosen key decides
  // and equal keys keep the engine's rank order.
  std::stable_sort(rows.begin(), rows.end(), [&](const ScoreRow& a, const ScoreRow& b) {
    if (a.role != b.role) return a.role == "blue";
    bool lt = sort.descending ? key_less(b, a) : key_less(a, b);
    bool gt = sort.descending ? key_less(a, b) : key_less(b, a);
    if (lt != gt) return lt;
    return a.rank < b.rank;
  });
  return rows;
}

const std::vector<ScorePoint>& ScoreboardModel::History(const std::string& team) const {
  static const std::vector<ScorePoint> kEmpty;
  auto it = history_.find(team);
  return it == history_.end() ? kEmpty : it->second;
}

std::vector<std::string> ScoreboardModel::Teams() const {
  return scorer_ ? scorer_->teams() : std::vector<std::string>{};
}

}  // namespace livefire::gui
