#pragma once
// What the scorer needs to know about a scenario: the scoring parameters and
// the few facts about teams, nodes, objectives and injects the rules weigh
// by. Built from the scenario before the exercise and recorded in the log
// (exercise.created payload "scoring"), so that a replay needs the log only.

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "livefire/model/model.h"
#include "livefire/status.h"
#include "livefire/time.h"

namespace livefire::scoring {

struct NodeInfo {
  int security_level = 3;        // 1..5 (Decree 85/2016)
  double value = 1.0;            // asset weight
  std::string severity = "medium";  // worst planted vulnerability: low|medium|high|critical
};

struct ObjectiveInfo {
  std::string node;
  double points = 0;  // 0 = params.compromise_points
};

struct InjectInfo {
  double points = 0;      // what a 100 % grade is worth (0 = the grade's own points)
  Duration response_due;  // 0 = no deadline
};

struct ScoringConfig {
  model::ScoringParams params;
  int default_security_level = 3;  // for nodes not listed
  std::vector<std::string> blue_teams;
  std::vector<std::string> red_teams;
  std::map<std::string, NodeInfo, std::less<>> nodes;  // by scenario node name
  std::map<std::string, ObjectiveInfo, std::less<>> objectives;
  std::map<std::string, InjectInfo, std::less<>> injects;

  const NodeInfo& Node(std::string_view name) const;
  bool IsRed(std::string_view team) const;
};

// From a validated scenario (node levels inherit the scenario's).
ScoringConfig MakeScoringConfig(const model::Scenario& s);

// Durations as FormatDuration text ("5m"), so the JSON is readable in the log
// and in `livefire rules`; ConfigFromJson accepts what ConfigToJson writes and
// names the offending key otherwise. Missing keys keep their defaults.
nlohmann::json ConfigToJson(const ScoringConfig& c);
Result<ScoringConfig> ConfigFromJson(const nlohmann::json& j);
nlohmann::json ParamsToJson(const model::ScoringParams& p);
Status ParamsFromJson(const nlohmann::json& j, model::ScoringParams& p);

// Rejects parameter values the rules cannot work with (negative points,
// ttd_zero_credit <= ttd_full_credit, floor outside 0..1, ...), naming the
// parameter and the scenario place (params.loc).
Status ValidateParams(const model::ScoringParams& p);

// The rules as published to the teams before the exercise: every rule with
// its parameter values, the weights and the per-node multipliers.
nlohmann::json RulesJson(const ScoringConfig& c);
std::string RenderRules(const ScoringConfig& c);

}  // namespace livefire::scoring
