#include "livefire/scoring/scorer.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <numeric>
#include <set>

#include "scorer_state.h"

namespace livefire::scoring {

using namespace internal;  // NOLINT: the scorer's own internals

std::string_view CategoryName(Category c) {
  switch (c) {
    case Category::kAvailability:
      return "availability";
    case Category::kRedImpact:
      return "red_impact";
    case Category::kDetection:
      return "detection";
    case Category::kReports:
      return "reports";
    case Category::kPenalties:
      return "penalties";
  }
  return "?";
}

double Weight(const model::ScoringWeights& w, Category c) {
  switch (c) {
    case Category::kAvailability:
      return w.availability;
    case Category::kRedImpact:
      return w.red_impact;
    case Category::kDetection:
      return w.detection;
    case Category::kReports:
      return w.reports;
    case Category::kPenalties:
      return w.penalties;
  }
  return 0;
}

double DecayFactor(const model::ScoringParams& p, Duration elapsed) {
  if (elapsed <= p.ttd_full_credit) return 1.0;
  if (elapsed >= p.ttd_zero_credit) return p.ttd_floor;
  double x = static_cast<double>((elapsed - p.ttd_full_credit).nanos()) /
             static_cast<double>((p.ttd_zero_credit - p.ttd_full_credit).nanos());
  if (p.ttd_decay == model::DecayShape::kQuadratic) x *= x;
  return 1.0 - (1.0 - p.ttd_floor) * x;
}

json ToJson(const LedgerEntry& e) {
  return {{"seq", e.seq},
          {"time_ns", e.time.nanos()},
          {"clock", FormatClock(e.time)},
          {"team", e.team},
          {"category", CategoryName(e.category)},
          {"delta", e.delta},
          {"points", e.points},
          {"max", e.max},
          {"reason", e.reason},
          {"causes", e.causes}};
}

Event ToEvent(const ScoreChange& c, SimTime time) {
  Event e;
  e.time = time;
  e.team = c.team;
  e.kind = std::string(kinds::kScoreChanged);
  e.payload = {
      {"total", c.total}, {"delta", c.delta}, {"reason", c.reason}, {"cause_seq", c.cause_seq}};
  return e;
}
Scorer::Scorer(ScoringConfig config) : s_(std::make_unique<State>()) {
  s_->cfg = std::move(config);
  for (const auto& t : s_->cfg.blue_teams) s_->Team(t);
  for (const auto& t : s_->cfg.red_teams) s_->Team(t);
}
Scorer::~Scorer() = default;
Scorer::Scorer(Scorer&&) noexcept = default;
Scorer& Scorer::operator=(Scorer&&) noexcept = default;

Status Scorer::Apply(const Event& e, Applied* out) {
  State& s = *s_;
  if (out != nullptr) out->clear();
  if (e.seq <= s.last_seq) {
    return Status::FailedPrecondition(
        fmt::format("event {} ({}) arrives after event {}: the scorer needs seq order", e.seq,
                    e.kind, s.last_seq));
  }
  s.last_seq = e.seq;
  if (e.kind == kinds::kScoreChanged) return Status::Ok();
  // Exercise time never runs backwards for the scorer: a late-stamped event
  // is scored at the latest time seen.
  if (e.time > s.time) s.time = e.time;
  s.out = out;
  s.touched.clear();
  s.reasons.clear();
  s.OpenTeams(e.seq);
  s.AccrueUntil(s.time, e.seq);
  s.TasksDueUntil(s.time, e.seq);
  Status st = s.Dispatch(e);
  s.OpenTeams(e.seq);  // teams this event named for the first time
  for (size_t i = 0; i < s.touched.size(); ++i) {
    TeamState& ts = s.Team(s.touched[i].first);
    double before = s.touched[i].second;
    ts.score.total = s.Total(ts.score);
    double delta = ts.score.total - before;
    if (out != nullptr && delta != 0) {
      out->changes.push_back({ts.score.team, ts.score.total, delta, s.reasons[i], e.seq});
    }
  }
  s.out = nullptr;
  return st;
}

const ScoringConfig& Scorer::config() const { return s_->cfg; }

Scores Scorer::scores() const {
  Scores r;
  r.last_seq = s_->last_seq;
  r.time = s_->time;
  for (const auto& [name, ts] : s_->teams) r.teams[name] = ts.score;
  return r;
}

const TeamScore* Scorer::team(std::string_view name) const {
  auto it = s_->teams.find(name);
  return it == s_->teams.end() ? nullptr : &it->second.score;
}

std::vector<std::string> Scorer::teams() const {
  std::vector<std::string> r;
  for (const auto& [name, ts] : s_->teams) r.push_back(name);
  return r;
}

int64_t Scorer::last_seq() const { return s_->last_seq; }

// ---- replay --------------------------------------------------------------------

ReplayChecker::ReplayChecker(ScoringConfig config) : scorer_(std::move(config)) {}

Status ReplayChecker::Feed(const Event& e) {
  if (e.kind == kinds::kScoreChanged) {
    ++recorded_;
    ScoreChange c;
    c.team = e.team;
    const auto& p = e.payload;
    auto num = [&](const char* k) {
      return p.contains(k) && p[k].is_number() ? p[k].get<double>() : NAN;
    };
    c.total = num("total");
    c.delta = num("delta");
    c.reason = p.value("reason", std::string());
    c.cause_seq = p.contains("cause_seq") && p["cause_seq"].is_number_integer()
                      ? p["cause_seq"].get<int64_t>()
                      : -1;
    recorded_pending_.push_back(std::move(c));
    applied_.clear();                       // an output applies nothing
    Status st = scorer_.Apply(e, nullptr);  // keeps the seq check uniform
    Match();
    return st;
  }
  Status st = scorer_.Apply(e, &applied_);
  if (st.code() == StatusCode::kFailedPrecondition) return st;
  if (!st.ok()) warnings_.push_back(st.message());
  // Copied, not moved: last_applied() still shows them to the caller.
  pending_.insert(pending_.end(), applied_.changes.begin(), applied_.changes.end());
  recomputed_ += static_cast<int64_t>(applied_.changes.size());
  Match();
  return Status::Ok();
}

void ReplayChecker::Match() {
  while (diff_.empty() && !recorded_pending_.empty()) {
    const ScoreChange& rec = recorded_pending_.front();
    if (pending_.empty()) {
      diff_ = fmt::format(
          "recorded score change for team {} (cause event {}, total {}) has no recomputed "
          "counterpart",
          rec.team, rec.cause_seq, Pts(rec.total));
      return;
    }
    const ScoreChange& got = pending_.front();
    if (got.team != rec.team || got.cause_seq != rec.cause_seq || got.total != rec.total ||
        got.delta != rec.delta) {
      diff_ = fmt::format(
          "cause event {}: recorded team {} total {} (delta {}), recomputed team {} cause "
          "event {} total {} (delta {})",
          rec.cause_seq, rec.team, fmt::format("{:.17g}", rec.total),
          fmt::format("{:.17g}", rec.delta), got.team, got.cause_seq,
          fmt::format("{:.17g}", got.total), fmt::format("{:.17g}", got.delta));
      return;
    }
    pending_.pop_front();
    recorded_pending_.pop_front();
  }
}

void ReplayChecker::Finish() {
  Match();
  // A log recorded without score.changed events has nothing to compare with.
  if (diff_.empty() && recorded_ > 0 && !pending_.empty()) {
    const ScoreChange& got = pending_.front();
    diff_ = fmt::format(
        "recomputed score change for team {} (cause event {}, total {}) was never recorded",
        got.team, got.cause_seq, Pts(got.total));
  }
}

Result<ScoringConfig> ConfigFromEvents(const std::vector<Event>& events) {
  for (const auto& e : events) {
    if (e.kind != kinds::kExerciseCreated) continue;
    auto it = e.payload.find("scoring");
    if (it == e.payload.end()) break;
    auto c = ConfigFromJson(*it);
    if (!c.ok()) return c.status().WithContext(fmt::format("event {} (exercise.created)", e.seq));
    return c;
  }
  return Status::NotFound("the log records no scoring config (exercise.created lacks 'scoring')");
}

Result<Scores> Replay(const ScoringConfig& config, const std::vector<Event>& events,
                      std::vector<LedgerEntry>* ledger) {
  Scorer scorer(config);
  Applied applied;
  for (const auto& e : events) {
    Status st = scorer.Apply(e, &applied);
    if (st.code() == StatusCode::kFailedPrecondition) return st;
    if (ledger != nullptr) {
      for (auto& entry : applied.entries) ledger->push_back(std::move(entry));
    }
  }
  return scorer.scores();
}

}  // namespace livefire::scoring
