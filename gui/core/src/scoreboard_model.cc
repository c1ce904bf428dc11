#include "livefire/gui/scoreboard_model.h"

#include <fmt/format.h>

#include <algorithm>

namespace livefire::gui {

namespace {

Result<std::vector<scoring::ScoreboardRow>> RowsFromJson(const nlohmann::json& j,
                                                         const char* role) {
  std::vector<scoring::ScoreboardRow> rows;
  auto list = j.find(role);
  if (list == j.end() || !list->is_array()) {
    return Status::InvalidArgument(fmt::format("scoreboard: '{}' is not an array", role));
  }
  for (const auto& r : *list) {
    if (!r.is_object() || !r.contains("team") || !r["team"].is_string() || !r.contains("total") ||
        !r["total"].is_number()) {
      return Status::InvalidArgument(
          fmt::format("scoreboard: a '{}' row lacks team or total", role));
    }
    scoring::ScoreboardRow row;
    row.rank = r.value("rank", 0);
    row.score.team = r["team"].get<std::string>();
    row.score.role = role;
    row.score.total = r["total"].get<double>();
    if (auto cats = r.find("categories"); cats != r.end() && cats->is_object()) {
      for (scoring::Category c : scoring::kCategories) {
        auto v = cats->find(std::string(scoring::CategoryName(c)));
        if (v != cats->end() && v->is_number()) {
          row.score.category[static_cast<int>(c)] = v->get<double>();
        }
      }
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

}  // namespace

Result<scoring::Scoreboard> ScoreboardFromJson(const nlohmann::json& j) {
  if (!j.is_object()) return Status::InvalidArgument("scoreboard: not a JSON object");
  scoring::Scoreboard b;
  auto seq = j.find("seq");
  if (seq == j.end() || !seq->is_number_integer()) {
    return Status::InvalidArgument("scoreboard: 'seq' is not an integer");
  }
  b.seq = seq->get<int64_t>();
  if (auto t = j.find("time_ns"); t != j.end() && t->is_number_integer()) {
    b.time = SimTime::FromNanos(t->get<int64_t>());
  }
  if (auto w = j.find("weights"); w != j.end() && w->is_object()) {
    auto get = [&](const char* k, double& out) {
      if (auto v = w->find(k); v != w->end() && v->is_number()) out = v->get<double>();
    };
    get("availability", b.weights.availability);
    get("red_impact", b.weights.red_impact);
    get("detection", b.weights.detection);
    get("reports", b.weights.reports);
    get("penalties", b.weights.penalties);
  }
  LF_ASSIGN_OR_RETURN(b.blue, RowsFromJson(j, "blue"));
  LF_ASSIGN_OR_RETURN(b.red, RowsFromJson(j, "red"));
  return b;
}

void ScoreboardModel::SetFallbackTeams(std::vector<std::string> blue, std::vector<std::string> red) {
  fallback_blue_ = std::move(blue);
  fallback_red_ = std::move(red);
}

void ScoreboardModel::Warn(std::string message) {
  warnings_.push_back(std::move(message));
  if (warnings_.size() > 100) warnings_.erase(warnings_.begin());
}

void ScoreboardModel::Apply(const Event& e) {
  if (replayed_ || e.kind != kinds::kScoreChanged || e.team.empty()) return;
  auto total = e.payload.find("total");
  if (total == e.payload.end() || !total->is_number()) return;
  if (history_.find(e.team) == history_.end()) Record(e.team, 0, 0);
  Record(e.team, e.time.SinceStart().seconds(), total->get<double>());
  ++revision_;
}

Status ScoreboardModel::ApplyPublished(const nlohmann::json& payload) {
  auto b = ScoreboardFromJson(payload);
  if (!b.ok()) {
    Warn(b.status().message());
    return b.status();
  }
  if (has_board_ && b->seq < board_.seq) return Status::Ok();  // a late, older board
  board_ = std::move(*b);
  has_board_ = true;
  for (const auto* list : {&board_.blue, &board_.red}) {
    for (const auto& r : *list) {
      if (history_.find(r.score.team) == history_.end()) Record(r.score.team, 0, 0);
    }
  }
  ++revision_;
  return Status::Ok();
}

Status ScoreboardModel::LoadReplay(const std::vector<Event>& log) {
  scoring::ReplayOptions options;
  scoring::ScoringConfig fallback;
  fallback.blue_teams = fallback_blue_;
  fallback.red_teams = fallback_red_;
  if (fallback.blue_teams.empty()) {
    // A log older than the store's team table: exercise.created names them.
    for (const auto& e : log) {
      if (e.kind != kinds::kExerciseCreated) continue;
      if (auto bt = e.payload.find("blue_teams"); bt != e.payload.end() && bt->is_array()) {
        for (const auto& t : *bt) {
          if (t.is_string()) fallback.blue_teams.push_back(t.get<std::string>());
        }
      }
      break;
    }
  }
  options.fallback_config = std::move(fallback);
  std::map<std::string, std::vector<ScorePoint>> history;
  std::swap(history, history_);
  options.on_applied = [this](const Event& e, const scoring::Applied& applied, bool) {
    for (const auto& c : applied.changes) Record(c.team, e.time.SinceStart().seconds(), c.total);
  };
  auto r = scoring::ReplayLog(log, options);
  if (!r.ok()) {
    history_ = std::move(history);  // keep what was shown
    Warn(r.status().message());
    return r.status();
  }
  // Every team starts at 0; teams that never scored still get a line.
  for (const auto& t : r->scorer().teams()) {
    auto& h = history_[t];
    if (h.empty() || h.front().t_s != 0) h.insert(h.begin(), ScorePoint{0, 0});
  }
  board_ = std::move(r->board);
  has_board_ = true;
  replayed_ = true;
  config_from_log_ = r->config_recorded;
  warnings_.clear();
  for (const auto& w : r->warnings()) Warn(w);
  ++revision_;
  return Status::Ok();
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
  if (!has_board_) return rows;
  for (const auto* list : {&board_.blue, &board_.red}) {
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
  std::vector<std::string> teams;
  for (const auto* list : {&board_.blue, &board_.red}) {
    for (const auto& r : *list) teams.push_back(r.score.team);
  }
  std::sort(teams.begin(), teams.end());
  return teams;
}

}  // namespace livefire::gui
