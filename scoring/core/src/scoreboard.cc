#include "livefire/scoring/scoreboard.h"

#include <fmt/format.h>

#include <algorithm>

namespace livefire::scoring {

namespace {

double Cat(const TeamScore& s, Category c) { return s.category[static_cast<int>(c)]; }

bool RanksBefore(const TeamScore& a, const TeamScore& b) {
  if (a.total != b.total) return a.total > b.total;
  if (Cat(a, Category::kDetection) != Cat(b, Category::kDetection)) {
    return Cat(a, Category::kDetection) > Cat(b, Category::kDetection);
  }
  if (Cat(a, Category::kAvailability) != Cat(b, Category::kAvailability)) {
    return Cat(a, Category::kAvailability) > Cat(b, Category::kAvailability);
  }
  // Penalties are 100 % when clean: the larger value is the smaller penalty.
  if (Cat(a, Category::kPenalties) != Cat(b, Category::kPenalties)) {
    return Cat(a, Category::kPenalties) > Cat(b, Category::kPenalties);
  }
  return a.team < b.team;
}

void Rank(std::vector<ScoreboardRow>& rows) {
  std::sort(rows.begin(), rows.end(),
            [](const ScoreboardRow& a, const ScoreboardRow& b) { return RanksBefore(a.score, b.score); });
  for (size_t i = 0; i < rows.size(); ++i) rows[i].rank = static_cast<int>(i) + 1;
}

// categories: each 0..100 (% of its maximum); points: weight x that, what it
// adds to the total.
nlohmann::json RowsJson(const std::vector<ScoreboardRow>& rows,
                        const model::ScoringWeights& weights) {
  nlohmann::json a = nlohmann::json::array();
  for (const auto& r : rows) {
    nlohmann::json cats = nlohmann::json::object();
    nlohmann::json pts = nlohmann::json::object();
    for (Category c : kCategories) {
      cats[std::string(CategoryName(c))] = Cat(r.score, c);
      pts[std::string(CategoryName(c))] = Weight(weights, c) * Cat(r.score, c);
    }
    a.push_back({{"rank", r.rank}, {"team", r.score.team}, {"total", r.score.total},
                 {"categories", std::move(cats)}, {"points", std::move(pts)}});
  }
  return a;
}

}  // namespace

Scoreboard MakeScoreboard(const Scores& scores, const model::ScoringWeights& weights) {
  Scoreboard b;
  b.seq = scores.last_seq;
  b.time = scores.time;
  b.weights = weights;
  for (const auto& [name, s] : scores.teams) {
    (s.role == "red" ? b.red : b.blue).push_back({0, s});
  }
  Rank(b.blue);
  Rank(b.red);
  return b;
}

Scoreboard MakeScoreboard(const Scorer& scorer) {
  return MakeScoreboard(scorer.scores(), scorer.config().params.weights);
}

nlohmann::json ToJson(const Scoreboard& b) {
  nlohmann::json w = nlohmann::json::object();
  for (Category c : kCategories) w[std::string(CategoryName(c))] = Weight(b.weights, c);
  return {{"seq", b.seq},          {"time_ns", b.time.nanos()}, {"clock", FormatClock(b.time)},
          {"weights", std::move(w)}, {"blue", RowsJson(b.blue, b.weights)},
          {"red", RowsJson(b.red, b.weights)}};
}

std::string RenderScoreboard(const Scoreboard& b) {
  std::string out = fmt::format("Scoreboard at {} (event {})\n", FormatClock(b.time), b.seq);
  auto table = [&](const char* title, const std::vector<ScoreboardRow>& rows) {
    if (rows.empty()) return;
    out += fmt::format("\n{}\n{:>4}  {:<16} {:>7}", title, "rank", "team", "total");
    for (Category c : kCategories) out += fmt::format(" {:>16}", CategoryName(c));
    out += "\n";
    // Each category: % of its maximum, then the points it adds to the total.
    for (const auto& r : rows) {
      out += fmt::format("{:>4}  {:<16} {:>7.2f}", r.rank, r.score.team, r.score.total);
      for (Category c : kCategories) {
        out += fmt::format(" {:>6.1f}% {:>7.2f}", Cat(r.score, c),
                           Weight(b.weights, c) * Cat(r.score, c));
      }
      out += "\n";
    }
  };
  table("Blue teams", b.blue);
  table("Red teams", b.red);
  out += fmt::format("\nEach category: % of its maximum, then weight x % in points. Total = "
                     "the sum, at most 100 (weights: availability {:g}, red_impact {:g}, "
                     "detection {:g}, reports {:g}, penalties {:g})\n",
                     b.weights.availability, b.weights.red_impact, b.weights.detection,
                     b.weights.reports, b.weights.penalties);
  return out;
}

}  // namespace livefire::scoring
