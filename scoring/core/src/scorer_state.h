#pragma once
// The scorer's state, shared by its source files (internal to scoring/core):
// scorer.cc applies events and replays logs, scorer_ledger.cc keeps the
// ledger and the metrics, and one file per concern handles its events
// (availability, red impact, detection, grades and penalties).

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <deque>
#include <map>
#include <set>
#include <tuple>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "livefire/scoring/scorer.h"

namespace livefire::scoring {

namespace internal {

using json = nlohmann::json;

// Submissions remembered for grading (grades cite them by seq). Submissions
// are human-made, so this bounds memory without limiting real exercises.
constexpr size_t kMaxSubmissions = 100'000;
// Red actions kept per team for matching, besides the detection_window pruning.
constexpr size_t kMaxRedActionsPerTeam = 100'000;
// Penalty points a team can lose before its penalties category reaches 0 %.
constexpr double kPenaltyBudget = 100.0;
// Failed checks of a node are excused from its revert until it is ready (or a
// check finds it up) again, at most this long (docs/scoring.md "Reverts").
inline constexpr Duration kRevertExcuseMax = Duration::Minutes(5);

inline std::string Pct(double f) { return fmt::format("{:.1f} %", f * 100); }
inline std::string Pts(double v) { return fmt::format("{:g}", v); }

inline std::string UpperTechnique(std::string t) {
  for (char& c : t) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return t;
}
inline std::string_view ParentTechnique(std::string_view t) {
  auto dot = t.find('.');
  return dot == std::string_view::npos ? t : t.substr(0, dot);
}
// Same technique, or one is the other's parent (T1059 vs T1059.004).
inline bool TechniqueMatches(std::string_view reported, std::string_view executed) {
  if (reported.empty() || executed.empty()) return false;
  return reported == executed || reported == ParentTechnique(executed) ||
         ParentTechnique(reported) == executed;
}

struct TeamState {
  TeamScore score;
  bool opened = false;  // its starting category scores have ledger entries
  int64_t check_rounds = 0;
  int64_t up_rounds = 0;
  std::vector<double> ttd_s, ttr_s;
  std::map<std::string, int64_t> compromises_by_severity;
  int64_t compromises = 0;
  int64_t reports_accepted = 0, reports_false = 0, reports_duplicate = 0;
  int64_t red_actions = 0;
  std::set<std::string> techniques_executed, techniques_detected;
  int64_t wrong_flags = 0;
  int64_t reverts = 0;
  std::vector<WeaknessFound> weaknesses;
  std::set<std::string> weakness_keys;  // against/node/weakness: counted once
};

struct ServiceState {
  int fail_streak = 0;
  bool down = false;  // the last round failed
  double sla_paid = 0;
};

struct RedAction {
  int64_t seq = 0;
  SimTime time;
  std::string node;
  std::string technique;
  bool credited = false;
};

struct Compromise {
  std::string team, node, objective, red_team;
  double deduction = 0;
  SimTime reached;
  int64_t seq = 0;
  double accrued = 0;
  SimTime next_accrual;
  bool open = true;
  bool refunded = false;
};

struct TimelyDetection {
  int64_t report_seq = 0;
  int64_t action_seq = 0;
  SimTime action_time;
};

struct Submission {
  SimTime time;
  std::string team;
};

class FieldReader {
 public:
  FieldReader(const Event& e) : e_(e) {}  // NOLINT
  Status Str(const char* key, std::string& out, bool required = true) const {
    auto it = e_.payload.find(key);
    if (it == e_.payload.end() || it->is_null()) return required ? Missing(key) : Status::Ok();
    if (!it->is_string()) return Wrong(key, "a string");
    out = it->get<std::string>();
    return Status::Ok();
  }
  Status Num(const char* key, double& out, bool required = true) const {
    auto it = e_.payload.find(key);
    if (it == e_.payload.end() || it->is_null()) return required ? Missing(key) : Status::Ok();
    if (!it->is_number()) return Wrong(key, "a number");
    out = it->get<double>();
    if (!std::isfinite(out)) return Wrong(key, "a finite number");
    return Status::Ok();
  }
  Status Int(const char* key, int64_t& out, bool& present) const {
    present = false;
    auto it = e_.payload.find(key);
    if (it == e_.payload.end() || it->is_null()) return Status::Ok();
    if (!it->is_number_integer()) return Wrong(key, "an integer");
    out = it->get<int64_t>();
    present = true;
    return Status::Ok();
  }
  Status Bool(const char* key, bool& out) const {
    auto it = e_.payload.find(key);
    if (it == e_.payload.end()) return Missing(key);
    if (!it->is_boolean()) return Wrong(key, "true or false");
    out = it->get<bool>();
    return Status::Ok();
  }
  Status NeedTeam() const {
    return e_.team.empty() ? Error("has no team (scoring needs the team it concerns)")
                           : Status::Ok();
  }
  // The team and payload "node", both required: what every event about one
  // team's node names first.
  Status NeedTeamAndNode(std::string& node) const {
    Status s = NeedTeam();
    return s.ok() ? Str("node", node) : s;
  }
  Status Error(std::string_view what) const {
    return Status::InvalidArgument(fmt::format("event {} ({}): {}", e_.seq, e_.kind, what));
  }

 private:
  Status Missing(const char* key) const {
    return Error(fmt::format("payload lacks field '{}'", key));
  }
  Status Wrong(const char* key, const char* what) const {
    return Error(fmt::format("payload field '{}' is not {}", key, what));
  }
  const Event& e_;
};

}  // namespace internal

struct Scorer::State {
  ScoringConfig cfg;
  int64_t last_seq = 0;
  SimTime time;
  int64_t entry_seq = 0;
  std::map<std::string, internal::TeamState, std::less<>> teams;
  size_t opened_teams = 0;  // how many of `teams` OpenTeams has opened
  std::unordered_map<std::string, internal::ServiceState> services;             // team/node/service
  std::map<std::string, std::deque<internal::RedAction>, std::less<>> actions;  // by team
  std::vector<internal::Compromise> compromises;            // every compromise, in seq order
  std::map<std::string, internal::TimelyDetection> timely;  // team/node -> last timely detection
  std::unordered_map<int64_t, internal::Submission> submissions;
  std::deque<int64_t> submission_order;
  std::map<std::string, SimTime> fired;  // team/inject -> last firing
  std::map<std::string, SimTime> rebooting;  // team/node -> end of its revert's excuse
  // Unplanted findings awaiting the white cell's review, by seq (the team is
  // the red team); bounded like the submissions.
  std::map<int64_t, std::pair<std::string, WeaknessFound>> unplanted;
  // Tasks fired and not yet due: (due time, team, inject, fired seq), checked
  // as time moves on; team/inject -> the team's last response to it.
  std::multimap<SimTime, std::tuple<std::string, std::string, int64_t>> tasks_due;
  std::map<std::string, int64_t> responded;  // team/inject -> the team's last response seq
  std::map<std::string, double> grades;     // grade key -> points awarded so far
  std::map<std::string, double> grade_max;  // grade key -> its points in the maximum

  // Per Apply: entries made and each touched team's total before the event.
  Applied* out = nullptr;
  std::vector<std::pair<std::string, double>> touched;
  std::vector<std::string> reasons;  // parallel to touched

  // ---- ledger (scorer_ledger.cc) ----------------------------------------------
  internal::TeamState& Team(std::string_view name);
  // delta: raw points earned (deductions negative); max_delta: what the
  // event adds to the category's possible maximum. The entry records the
  // change of the normalised (0..100) category score.
  void Add(const std::string& team, Category c, double delta, std::string reason,
           std::vector<int64_t> causes, double max_delta = 0);
  // The category score 0..100 from the team's raw points and maximum.
  double Normalised(const TeamScore& s, Category c) const;
  // Entries for the category scores a team starts with (100 % of nothing missed).
  void OpenTeams(int64_t seq);
  // A compromise's deduction D, and the most it can cost with persistence.
  double Deduction(std::string_view node, double objective_points) const;
  double MaxLoss(std::string_view node, double objective_points) const;
  // Weighted total, summed in category order so live and replay agree bit for bit.
  double Total(const TeamScore& s) const;
  std::string RedTeamFor(const Event& e) const;
  Status Dispatch(const Event& e);

  // ---- availability (scorer_availability.cc) ----------------------------------
  Status OnCheck(const Event& e);

  // ---- red impact (scorer_red_impact.cc) --------------------------------------
  // Persistence of compromises up to t.
  void AccrueUntil(SimTime t, int64_t trigger_seq);
  void Refund(internal::Compromise& c, int64_t report_seq, int64_t action_seq, int64_t cause_seq);
  Status OnObjective(const Event& e);
  Status OnRevert(const Event& e);
  // range.node.ready / range.node.failed: the node's revert excuse ends.
  Status OnNodeSettled(const Event& e);
  Status OnEnded(const Event& e);

  // ---- detection (scorer_detection.cc) ----------------------------------------
  Status OnRedAction(const Event& e);
  void PruneActions(std::deque<internal::RedAction>& q, SimTime now);
  Status OnReport(const Event& e);

  // ---- reports and penalties (scorer_grades.cc) -------------------------------
  void RememberSubmission(const Event& e);
  Status OnFired(const Event& e);
  Status OnResponse(const Event& e);
  // Tasks whose response_due passed by t with no response: 0 of their points.
  void TasksDueUntil(SimTime t, int64_t trigger_seq);
  Status OnGrade(const Event& e);
  Status OnPenalty(const Event& e);
  Status OnFlag(const Event& e);

  // ---- weaknesses found (scorer_findings.cc) -----------------------------------
  Status OnFinding(const Event& e);
  Status OnFindingReviewed(const Event& e);
  void CountWeakness(const std::string& team, WeaknessFound w);
};

}  // namespace livefire::scoring
