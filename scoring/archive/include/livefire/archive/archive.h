#pragma once
// The exercise archive (docs/maturity.md): one SQLite database gathering
// finished exercises, from this host or imported from others, for the
// maturity assessment and the annual statistics. Every figure is recomputed
// from the exercise's event log through scoring::ReplayLog and a fold over
// the same events, never copied from a report.

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "livefire/event.h"
#include "livefire/scoring/replay.h"
#include "livefire/status.h"
#include "livefire/store/event_store.h"

namespace livefire::archive {

// A white-cell task (an inject with response_due) as one blue team met it.
struct TaskResult {
  std::string inject;
  std::string status;         // "on_time", "late", "refused" (after the grace), "missing"
  std::optional<int> rubric;  // the latest grade, 0/50/100
  int64_t fired_seq = 0, response_seq = 0, grade_seq = 0;
  bool operator==(const TaskResult&) const = default;
};

// A weakness of the team's copy that the exercise brought to light.
struct WeaknessFound {
  std::string node, weakness, cwe, severity;
  std::string how;  // "exploited" (objective reached), "planted" (red finding), "reviewed"
  int64_t seq = 0;
  bool operator==(const WeaknessFound&) const = default;
};

// What one team measured in one exercise. Indicators absent from the map
// were not measurable (no red action, no task, no member count, ...).
struct TeamResult {
  std::string team, role, organisation;
  int members = 0;
  std::map<std::string, double> categories;  // name -> % of the category's maximum
  double total = 0;
  std::map<std::string, double> indicators;
  std::map<std::string, int64_t> samples;               // indicator -> how many observations
  std::map<std::string, std::vector<int64_t>> evidence;  // indicator -> event seqs
  std::vector<std::string> techniques_executed, techniques_detected;
  std::map<std::string, int64_t> compromises_by_severity;
  int64_t reports_accepted = 0, reports_false = 0, reports_late = 0, reverts = 0;
  std::vector<TaskResult> tasks;
  std::vector<WeaknessFound> weaknesses;
  bool operator==(const TeamResult&) const = default;
};

struct TeamInfo {
  std::string name, role, organisation;
  int members = 0;
  bool operator==(const TeamInfo&) const = default;
};

struct ExerciseSummary {
  std::string id;
  std::string head_hash;  // with id, what makes a record: the same log archives once
  int64_t head_seq = 0;
  std::string scenario, scenario_version, title, organisation;
  std::string kind;  // national / ministry / province / "" (not declared)
  int year = 0;
  int security_level = 0;
  bool chain_ok = true;
  bool config_recorded = true;
  std::vector<TeamInfo> teams;
  nlohmann::json accounts = nlohmann::json::array();  // public fields only
  std::vector<TeamResult> results;                    // blue teams, sorted by name
  bool operator==(const ExerciseSummary&) const = default;
};

nlohmann::json ToJson(const TeamResult& r);
nlohmann::json ToJson(const ExerciseSummary& s);
Result<ExerciseSummary> SummaryFromJson(const nlohmann::json& j);

// The config an old log (without "scoring" in exercise.created) is scored
// with: the store's team and node tables with default parameters.
Result<scoring::ReplayOptions> FallbackReplayOptions(const store::EventStore& store);

// Measures an exercise from its whole log (seq order) and its store's
// exercise and team tables. accounts: accounts.json's content or null.
struct MeasureInput {
  std::string id;
  std::vector<Event> events;
  store::ExerciseRecord record;
  std::vector<store::TeamRecord> teams;
  std::string head_hash;
  bool chain_ok = true;
  nlohmann::json accounts;
  scoring::ReplayOptions replay;
};
Result<ExerciseSummary> Measure(const MeasureInput& in);

// Opens an exercise folder (holding events.db, maybe accounts.json) or an
// events.db file read-only and measures it. The id is the store's exercise
// record's, else the folder's name.
Result<ExerciseSummary> MeasureFolder(const std::string& dir_or_db);

enum class PutOutcome { kAdded, kUnchanged, kReplaced };
std::string_view ToString(PutOutcome o);

class Archive {
 public:
  // Creates the database (and its folder) unless read_only.
  static Result<std::unique_ptr<Archive>> Open(const std::string& path, bool read_only = false);
  ~Archive();
  Archive(const Archive&) = delete;
  Archive& operator=(const Archive&) = delete;

  // The same (id, head hash) again is kUnchanged; the same id with another
  // head (the log grew, or was re-imported after more events) replaces it.
  Result<PutOutcome> Put(const ExerciseSummary& s);
  Result<std::vector<ExerciseSummary>> All() const;  // sorted by year, then id
  Result<int64_t> Count() const;
  const std::string& path() const;

 private:
  struct Impl;
  explicit Archive(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace livefire::archive
