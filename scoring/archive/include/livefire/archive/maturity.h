#pragma once
// The maturity model as data (scoring/archive/models/sim3-livefire-v1.json,
// docs/maturity.md) and the assessment of a team or an organisation over the
// archived exercises: per parameter a level 0-4 from measured indicators,
// the evidence behind it and its trend, a tier, peers of the same security
// level, and what to improve next.

#include <array>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "livefire/archive/archive.h"
#include "livefire/status.h"

namespace livefire::archive {

struct Parameter {
  std::string id, name_en, name_vi;
  bool measured = true;  // false: only a declaration can rate it
  std::string indicator;
  std::string inject_match;  // task indicators: regex over inject names ("" = every task)
  std::string unit;
  bool higher_is_better = true;
  std::array<double, 4> thresholds{};  // value for level 1, 2, 3, 4
  int min_exercises = 1;
  int64_t min_samples = 1;
  std::string improve_en, improve_vi;
};

struct TierRule {
  std::string tier, name_vi;
  int min_level = 0;             // every rated parameter at least this
  double min_rated_share = 0;    // rated / measured parameters
};

struct MaturityModel {
  std::string name, version, description;
  std::vector<Parameter> parameters;
  std::vector<TierRule> tiers;  // best first
  // subject (team or organisation) -> parameter id -> declared level
  std::map<std::string, std::map<std::string, int>> declarations;
};

// source names the file in errors.
Result<MaturityModel> ParseModel(const nlohmann::json& j, const std::string& source);
Result<MaturityModel> LoadModel(const std::string& path);
const MaturityModel& DefaultModel();  // the shipped sim3-livefire-v1

// The level a value earns: how many thresholds it meets (a value exactly at
// a threshold meets it).
int LevelOf(const Parameter& p, double value);

// One exercise's measured value of a parameter for the subject.
struct Observation {
  std::string exercise;
  int year = 0;
  std::string team;
  double value = 0;
  int64_t samples = 0;
  int level = 0;
  std::vector<int64_t> seqs;
};

inline constexpr const char* kInsufficient = "insufficient evidence";

struct ParameterRating {
  std::string id;
  // "measured", "declared", "insufficient evidence", "not measured"
  std::string status;
  std::optional<int> level;
  std::optional<double> value;  // mean over the observations
  int exercises = 0;
  int64_t samples = 0;
  std::vector<Observation> observations;  // exercise order (year, id)
  std::map<int, double> level_by_year;    // mean level per year
  std::string trend;                      // "up", "down", "flat", "" (one point)
};

struct YearRange {
  int from = 0, to = 9999;
  bool Contains(int y) const { return y >= from && y <= to; }
};
// "2024-2026" or "2025"; InvalidArgument otherwise.
Result<YearRange> ParseYears(const std::string& text);

struct Peer {
  std::string label;  // the subject's name, or "Team A", ... when anonymised
  std::string tier;
  std::map<std::string, std::optional<int>> levels;  // parameter id -> level
};

struct Improvement {
  std::string parameter;
  int level = 0;
  std::string advice_en, advice_vi;
};

struct Assessment {
  std::string subject;
  std::string model_name, model_version;
  YearRange years;
  std::vector<std::string> exercises;  // ids, in order
  std::vector<std::string> teams;      // the subject's team names seen
  int security_level = 0;              // of the subject's latest exercise
  std::vector<ParameterRating> ratings;  // model order
  std::string tier;                      // or kInsufficient
  std::vector<Peer> peers;
  bool peers_named = false;
  std::vector<Improvement> improve;         // weakest rated parameters first
  std::vector<std::string> techniques_missed;  // "T1059 (exercise id)"
  std::vector<std::string> tasks_late;         // "press-query: missing (exercise id)"
};

struct AssessOptions {
  YearRange years;
  bool name_peers = false;  // a white account (the host's operator) asked
};

// NotFound when no archived team matches subject (a team name or an
// organisation).
Result<Assessment> Assess(const MaturityModel& model, const std::vector<ExerciseSummary>& archive,
                          const std::string& subject, const AssessOptions& options = {});

// The subject key of a team: its organisation, else its name.
std::string SubjectOf(const TeamResult& r);

nlohmann::json ToJson(const Assessment& a, const MaturityModel& model);
std::string RenderMaturityHtml(const Assessment& a, const MaturityModel& model);

}  // namespace livefire::archive
