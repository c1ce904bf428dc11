#pragma once
// The scoring model: a pure, deterministic fold over the event log in seq
// order. No wall clock, no randomness: the same events give the same ledger,
// bit for bit, live or replayed (Replay() runs this very code).
//
// Every score change is a LedgerEntry citing the event(s) that caused it.
// The scorer keeps totals, not the ledger: entries are handed to the caller
// (to publish, or to print for `livefire explain`), so memory stays bounded
// however long the exercise runs. The rules are in docs/scoring.md.

#include <array>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>

#include "livefire/event.h"
#include "livefire/scoring/config.h"
#include "livefire/status.h"
#include "livefire/time.h"

namespace livefire::scoring {

enum class Category { kAvailability = 0, kRedImpact, kDetection, kReports, kPenalties };
inline constexpr int kCategoryCount = 5;
inline constexpr std::array<Category, kCategoryCount> kCategories = {
    Category::kAvailability, Category::kRedImpact, Category::kDetection, Category::kReports,
    Category::kPenalties};

std::string_view CategoryName(Category c);  // "availability", "red_impact", ...
double Weight(const model::ScoringWeights& w, Category c);

struct LedgerEntry {
  int64_t seq = 0;  // entry number, 1-based, in the order entries were made
  SimTime time;     // exercise time of the event that caused it
  std::string team;
  Category category = Category::kAvailability;
  // Change of the category score (0..100, % of the category's maximum); 0
  // entries explain non-changes. Summed per category they give the score.
  double delta = 0;
  double points = 0;  // the raw points behind it (earned; deductions negative)
  double max = 0;     // what it added to the category's possible maximum
  std::string reason;
  // Event seqs that justify the entry, most specific first (a persistence
  // accrual cites the compromise, then the event whose time triggered it).
  std::vector<int64_t> causes;
};
nlohmann::json ToJson(const LedgerEntry& e);

// One team's total moved because of one event: what the runtime appends as a
// score.changed event (team = team; payload {total, delta, reason, cause_seq}).
struct ScoreChange {
  std::string team;
  double total = 0;  // weighted total after the event
  double delta = 0;  // weighted change
  std::string reason;
  int64_t cause_seq = 0;
  bool operator==(const ScoreChange&) const = default;
};
Event ToEvent(const ScoreChange& c, SimTime time);

struct TeamScore {
  std::string team;
  std::string role;  // "blue" or "red"
  // Category scores, each 0..100: % of what the team could have got in this
  // exercise so far (docs/scoring.md "Normalised categories").
  std::array<double, kCategoryCount> category{};
  std::array<double, kCategoryCount> points{};  // raw points earned (deductions negative)
  std::array<double, kCategoryCount> max{};     // raw maximum possible so far
  double total = 0;  // sum of weight x category: at most 100 x the sum of the weights
  bool operator==(const TeamScore&) const = default;
};

struct Scores {
  int64_t last_seq = 0;  // last event applied
  SimTime time;          // its exercise time
  std::map<std::string, TeamScore> teams;
  bool operator==(const Scores&) const = default;
};

// A weakness a red team found (docs/scoring.md "Weaknesses found"): a finding
// that matched a planted vulnerability, or an unplanted one the white cell
// accepted (finding.reviewed). Counted once per blue team's copy, node and
// weakness; not scored, but the annual statistics count them by severity.
struct WeaknessFound {
  std::string against;  // the blue team whose copy of the range it was found in
  std::string node;
  std::string weakness;    // the planted vulnerability's id, or what red reported
  std::string cwe;         // "" when unknown
  std::string severity;    // low|medium|high|critical
  std::string how;         // "planted" (matched on submission) or "reviewed" (accepted)
  int64_t seq = 0;         // the submission.finding
  int64_t review_seq = 0;  // the finding.reviewed that accepted it (0 = planted)
  SimTime time;            // when it was found (the finding's time)
  bool operator==(const WeaknessFound&) const = default;
};
nlohmann::json ToJson(const WeaknessFound& w);

// Per-team figures for reports and the maturity assessment.
struct TeamMetrics {
  std::string team;
  std::string role;
  // Time to detect: observed_at - action time; time to report: report event
  // time - action time. Over credited detections; absent when there are none.
  std::optional<double> mean_ttd_s, median_ttd_s, mean_ttr_s, median_ttr_s;
  int64_t check_rounds = 0;
  int64_t up_rounds = 0;
  std::optional<double> availability_pct;  // up_rounds / check_rounds x 100
  std::map<std::string, int64_t> compromises_by_severity;  // low/medium/high/critical
  int64_t compromises = 0;
  int64_t reports_accepted = 0;   // matched a red action
  int64_t reports_false = 0;      // matched nothing
  int64_t reports_duplicate = 0;  // matched only actions already credited
  int64_t red_actions = 0;
  std::vector<std::string> techniques_executed;  // sorted ATT&CK ids red used on this team
  std::vector<std::string> techniques_detected;  // sorted subset blue reported in time
  int64_t wrong_flags = 0;
  int64_t reverts = 0;
  std::vector<WeaknessFound> weaknesses_found;            // red teams: in the order found
  std::map<std::string, int64_t> weaknesses_by_severity;  // low/medium/high/critical
  bool operator==(const TeamMetrics&) const = default;
};
nlohmann::json ToJson(const TeamMetrics& m);
// Flat (metric, value) pairs for the store's team_metrics table; absent
// optionals are left out.
std::vector<std::pair<std::string, double>> FlatMetrics(const TeamMetrics& m);

// What applying one event produced.
struct Applied {
  std::vector<LedgerEntry> entries;
  std::vector<ScoreChange> changes;
  void clear() {
    entries.clear();
    changes.clear();
  }
};

// Credit fraction for a detection reported `elapsed` after the action:
// 1 up to ttd_full_credit, then linear or quadratic down to ttd_floor at
// ttd_zero_credit, ttd_floor after.
double DecayFactor(const model::ScoringParams& p, Duration elapsed);

class Scorer {
 public:
  explicit Scorer(ScoringConfig config);
  ~Scorer();
  Scorer(Scorer&&) noexcept;
  Scorer& operator=(Scorer&&) noexcept;

  // Applies the next event. Seqs must increase (FailedPrecondition otherwise,
  // nothing applied). score.changed events are outputs and are skipped. A
  // scoring event with a malformed payload is InvalidArgument naming the seq
  // and field; its own effect is skipped (time-driven accruals up to its
  // time still happen) and the scorer stays usable.
  Status Apply(const Event& e, Applied* out = nullptr);

  const ScoringConfig& config() const;
  Scores scores() const;
  const TeamScore* team(std::string_view name) const;
  TeamMetrics Metrics(std::string_view team) const;
  std::vector<std::string> teams() const;  // sorted
  int64_t last_seq() const;

 private:
  struct State;
  std::unique_ptr<State> s_;
};

// ---- replay ----------------------------------------------------------------
// Feeds a log through a Scorer and checks the recomputed score changes
// against the score.changed events recorded live (in order, exact values).
class ReplayChecker {
 public:
  explicit ReplayChecker(ScoringConfig config);
  // Returns a non-ok Status only for events the scorer rejects out of order;
  // malformed events are counted in warnings() like the live runtime logs them.
  Status Feed(const Event& e);
  const Scorer& scorer() const { return scorer_; }
  int64_t recorded_changes() const { return recorded_; }
  int64_t recomputed_changes() const { return recomputed_; }
  // Empty while everything matched so far (and at the end, for equality).
  const std::string& first_difference() const { return diff_; }
  // Call after the last event: unmatched changes on either side are a difference.
  void Finish();
  const std::vector<std::string>& warnings() const { return warnings_; }
  // The ledger entries of the last event fed (none for a score.changed one).
  const std::vector<LedgerEntry>& last_entries() const { return applied_.entries; }
  // Everything the last event fed applied (empty for a score.changed one).
  const Applied& last_applied() const { return applied_; }

 private:
  Scorer scorer_;
  Applied applied_;
  std::deque<ScoreChange> pending_;  // recomputed, not yet matched to recorded ones
  std::deque<ScoreChange> recorded_pending_;
  int64_t recorded_ = 0;
  int64_t recomputed_ = 0;
  std::string diff_;
  std::vector<std::string> warnings_;
  void Match();
};

// The config the log was scored with: exercise.created's "scoring" payload.
// NotFound when the log has none (then the caller picks a config).
Result<ScoringConfig> ConfigFromEvents(const std::vector<Event>& events);

// Replays events (score.changed skipped) and returns the final scores.
Result<Scores> Replay(const ScoringConfig& config, const std::vector<Event>& events,
                      std::vector<LedgerEntry>* ledger = nullptr);

}  // namespace livefire::scoring
