#include "livefire/scoring/config.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "livefire/scoring/scorer.h"

namespace livefire::scoring {

namespace {

using json = nlohmann::json;
using model::ScoringParams;

int SeverityRank(model::Severity s) {
  switch (s) {
    case model::Severity::kLow: return 0;
    case model::Severity::kMedium: return 1;
    case model::Severity::kHigh: return 2;
    case model::Severity::kCritical: return 3;
  }
  return 1;
}

constexpr const char* kSeverityNames[] = {"low", "medium", "high", "critical"};

// One table drives both directions of the JSON mapping, so a parameter added
// here is written, read and published alike.
struct DoubleParam {
  const char* key;
  double ScoringParams::*field;
};
struct DurationParam {
  const char* key;
  Duration ScoringParams::*field;
};
constexpr DoubleParam kDoubles[] = {
    {"sla_penalty", &ScoringParams::sla_penalty},
    {"sla_cap", &ScoringParams::sla_cap},
    {"ttd_floor", &ScoringParams::ttd_floor},
    {"false_report_penalty", &ScoringParams::false_report_penalty},
    {"detection_refund", &ScoringParams::detection_refund},
    {"revert_penalty", &ScoringParams::revert_penalty},
    {"wrong_flag_penalty", &ScoringParams::wrong_flag_penalty},
    {"round_points", &ScoringParams::round_points},
    {"compromise_points", &ScoringParams::compromise_points},
    {"persist_rate", &ScoringParams::persist_rate},
    {"persist_cap", &ScoringParams::persist_cap},
    {"detection_points", &ScoringParams::detection_points},
    {"late_factor", &ScoringParams::late_factor},
};
constexpr DurationParam kDurations[] = {
    {"check_interval", &ScoringParams::check_interval},
    {"check_jitter", &ScoringParams::check_jitter},
    {"check_timeout", &ScoringParams::check_timeout},
    {"ttd_full_credit", &ScoringParams::ttd_full_credit},
    {"ttd_zero_credit", &ScoringParams::ttd_zero_credit},
    {"detection_window", &ScoringParams::detection_window},
    {"detection_slack", &ScoringParams::detection_slack},
    {"late_grace", &ScoringParams::late_grace},
};

// SourceLoc::ToString lives in the model library; formatting here keeps the
// scoring model free of that link dependency.
std::string Where(const model::SourceLoc& loc) {
  if (loc.file.empty()) return "scoring";
  return loc.line > 0 ? fmt::format("{}:{}", loc.file, loc.line) : loc.file;
}

Status Bad(const ScoringParams& p, std::string_view key, std::string_view what) {
  return Status::InvalidArgument(fmt::format("{}: scoring.{} {}", Where(p.loc), key, what));
}

std::string Fmt(double v) { return fmt::format("{:g}", v); }

}  // namespace

const NodeInfo& ScoringConfig::Node(std::string_view name) const {
  static const NodeInfo kDefault{};
  auto it = nodes.find(name);
  return it == nodes.end() ? kDefault : it->second;
}

bool ScoringConfig::IsRed(std::string_view team) const {
  return std::find(red_teams.begin(), red_teams.end(), team) != red_teams.end();
}

ScoringConfig MakeScoringConfig(const model::Scenario& s) {
  ScoringConfig c;
  c.params = s.scoring;
  c.default_security_level = s.meta.security_level;
  for (const auto& t : s.teams) {
    if (t.role == model::TeamRole::kBlue) c.blue_teams.push_back(t.name);
    if (t.role == model::TeamRole::kRed) c.red_teams.push_back(t.name);
  }
  std::sort(c.blue_teams.begin(), c.blue_teams.end());
  std::sort(c.red_teams.begin(), c.red_teams.end());
  for (const auto& n : s.nodes) {
    NodeInfo info;
    info.security_level = n.security_level > 0 ? n.security_level : s.meta.security_level;
    info.value = n.value;
    int worst = -1;
    for (const auto& v : n.vulnerabilities) worst = std::max(worst, SeverityRank(v.severity));
    info.severity = kSeverityNames[worst < 0 ? 1 : worst];
    c.nodes[n.name] = info;
  }
  for (const auto& o : s.objectives) c.objectives[o.name] = {o.node, o.points};
  for (const auto& i : s.injects) c.injects[i.name] = {i.points_success, i.response_due};
  return c;
}

json ParamsToJson(const ScoringParams& p) {
  json j = json::object();
  j["weights"] = {{"availability", p.weights.availability},
                  {"red_impact", p.weights.red_impact},
                  {"detection", p.weights.detection},
                  {"reports", p.weights.reports},
                  {"penalties", p.weights.penalties}};
  for (const auto& d : kDoubles) j[d.key] = p.*d.field;
  for (const auto& d : kDurations) j[d.key] = FormatDuration(p.*d.field);
  j["sla_threshold"] = p.sla_threshold;
  j["free_wrong_flags"] = p.free_wrong_flags;
  j["ttd_decay"] = p.ttd_decay == model::DecayShape::kLinear ? "linear" : "quadratic";
  return j;
}

Status ParamsFromJson(const json& j, ScoringParams& p) {
  if (!j.is_object()) return Status::InvalidArgument("scoring params: not a JSON object");
  auto number = [&](const json& v, std::string_view key, double& out) -> Status {
    if (!v.is_number()) {
      return Status::InvalidArgument(fmt::format("scoring params: '{}' is not a number", key));
    }
    out = v.get<double>();
    return Status::Ok();
  };
  if (auto w = j.find("weights"); w != j.end()) {
    if (!w->is_object()) return Status::InvalidArgument("scoring params: 'weights' is not an object");
    for (Category c : kCategories) {
      auto it = w->find(std::string(CategoryName(c)));
      if (it == w->end()) continue;
      double v = 0;
      LF_RETURN_IF_ERROR(number(*it, fmt::format("weights.{}", CategoryName(c)), v));
      switch (c) {
        case Category::kAvailability: p.weights.availability = v; break;
        case Category::kRedImpact: p.weights.red_impact = v; break;
        case Category::kDetection: p.weights.detection = v; break;
        case Category::kReports: p.weights.reports = v; break;
        case Category::kPenalties: p.weights.penalties = v; break;
      }
    }
  }
  for (const auto& d : kDoubles) {
    if (auto it = j.find(d.key); it != j.end()) LF_RETURN_IF_ERROR(number(*it, d.key, p.*d.field));
  }
  for (const auto& d : kDurations) {
    auto it = j.find(d.key);
    if (it == j.end()) continue;
    if (!it->is_string()) {
      return Status::InvalidArgument(
          fmt::format("scoring params: '{}' is not a duration string", d.key));
    }
    auto dur = ParseDuration(it->get<std::string>());
    if (!dur.ok()) return dur.status().WithContext(fmt::format("scoring params: '{}'", d.key));
    p.*d.field = *dur;
  }
  for (const char* key : {"sla_threshold", "free_wrong_flags"}) {
    auto it = j.find(key);
    if (it == j.end()) continue;
    if (!it->is_number_integer()) {
      return Status::InvalidArgument(fmt::format("scoring params: '{}' is not an integer", key));
    }
    (std::string_view(key) == "sla_threshold" ? p.sla_threshold : p.free_wrong_flags) =
        it->get<int>();
  }
  if (auto it = j.find("ttd_decay"); it != j.end()) {
    if (*it == "linear") {
      p.ttd_decay = model::DecayShape::kLinear;
    } else if (*it == "quadratic") {
      p.ttd_decay = model::DecayShape::kQuadratic;
    } else {
      return Status::InvalidArgument(
          "scoring params: 'ttd_decay' must be \"linear\" or \"quadratic\"");
    }
  }
  return Status::Ok();
}

json ConfigToJson(const ScoringConfig& c) {
  json j = json::object();
  j["params"] = ParamsToJson(c.params);
  j["default_security_level"] = c.default_security_level;
  j["blue_teams"] = c.blue_teams;
  j["red_teams"] = c.red_teams;
  json nodes = json::object();
  for (const auto& [name, n] : c.nodes) {
    nodes[name] = {{"security_level", n.security_level}, {"value", n.value},
                   {"severity", n.severity}};
  }
  j["nodes"] = std::move(nodes);
  json objectives = json::object();
  for (const auto& [name, o] : c.objectives) {
    objectives[name] = {{"node", o.node}, {"points", o.points}};
  }
  j["objectives"] = std::move(objectives);
  json injects = json::object();
  for (const auto& [name, i] : c.injects) {
    injects[name] = {{"points", i.points}, {"response_due", FormatDuration(i.response_due)}};
  }
  j["injects"] = std::move(injects);
  return j;
}

Result<ScoringConfig> ConfigFromJson(const json& j) {
  if (!j.is_object()) return Status::InvalidArgument("scoring config: not a JSON object");
  ScoringConfig c;
  // Exceptions from nlohmann (type errors) become a Status naming the key.
  std::string key;
  try {
    key = "params";
    if (j.contains("params")) LF_RETURN_IF_ERROR(ParamsFromJson(j.at("params"), c.params));
    key = "default_security_level";
    c.default_security_level = j.value("default_security_level", 3);
    key = "blue_teams";
    c.blue_teams = j.value("blue_teams", std::vector<std::string>{});
    key = "red_teams";
    c.red_teams = j.value("red_teams", std::vector<std::string>{});
    const json nodes = j.value("nodes", json::object());
    for (const auto& [name, n] : nodes.items()) {
      key = "nodes." + name;
      NodeInfo info;
      info.security_level = n.value("security_level", c.default_security_level);
      info.value = n.value("value", 1.0);
      info.severity = n.value("severity", std::string("medium"));
      c.nodes[name] = info;
    }
    const json objectives = j.value("objectives", json::object());
    for (const auto& [name, o] : objectives.items()) {
      key = "objectives." + name;
      c.objectives[name] = {o.value("node", std::string()), o.value("points", 0.0)};
    }
    const json injects = j.value("injects", json::object());
    for (const auto& [name, i] : injects.items()) {
      key = "injects." + name;
      InjectInfo info;
      info.points = i.value("points", 0.0);
      auto due = ParseDuration(i.value("response_due", std::string("0s")));
      if (!due.ok()) return due.status().WithContext("scoring config: " + key);
      info.response_due = *due;
      c.injects[name] = info;
    }
  } catch (const json::exception& e) {
    return Status::InvalidArgument(fmt::format("scoring config: '{}': {}", key, e.what()));
  }
  LF_RETURN_IF_ERROR(ValidateParams(c.params));
  return c;
}

Status ValidateParams(const ScoringParams& p) {
  const auto& w = p.weights;
  for (Category c : kCategories) {
    double v = Weight(w, c);
    if (!std::isfinite(v) || v < 0) {
      return Bad(p, fmt::format("weights.{}", CategoryName(c)), "must be a number >= 0");
    }
  }
  for (const auto& d : kDoubles) {
    double v = p.*d.field;
    if (!std::isfinite(v) || v < 0) return Bad(p, d.key, fmt::format("must be >= 0 (is {})", Fmt(v)));
  }
  for (const auto& d : kDurations) {
    if ((p.*d.field).nanos() < 0) return Bad(p, d.key, "must not be negative");
  }
  if (p.check_interval.nanos() <= 0) return Bad(p, "check_interval", "must be positive");
  if (p.check_jitter * 2 >= p.check_interval) {
    return Bad(p, "check_jitter", "must be less than half of check_interval");
  }
  if (p.check_timeout.nanos() <= 0) return Bad(p, "check_timeout", "must be positive");
  if (p.ttd_zero_credit <= p.ttd_full_credit) {
    return Bad(p, "ttd_zero_credit", "must be later than ttd_full_credit");
  }
  if (p.ttd_floor > 1) return Bad(p, "ttd_floor", "must be between 0 and 1");
  if (p.detection_refund > 1) return Bad(p, "detection_refund", "must be between 0 and 1");
  if (p.late_factor > 1) return Bad(p, "late_factor", "must be between 0 and 1");
  if (p.sla_threshold < 1) return Bad(p, "sla_threshold", "must be at least 1");
  if (p.free_wrong_flags < 0) return Bad(p, "free_wrong_flags", "must not be negative");
  return Status::Ok();
}

json RulesJson(const ScoringConfig& c) {
  const auto& p = c.params;
  json j = json::object();
  j["params"] = ParamsToJson(p);
  j["total"] =
      "sum over categories of weight x category score; each category is 0..100, the % of its "
      "maximum for the team in this exercise, so a weight is the category's share of the "
      "maximum total (100)";
  json rules = json::array();
  auto rule = [&](std::string_view category, std::string text) {
    rules.push_back({{"category", category}, {"rule", std::move(text)}});
  };
  rule("availability", fmt::format(
      "each check round of a service: up = {} x node value; first up after a failure "
      "(recovering) = half of that; down = 0",
      Fmt(p.round_points)));
  rule("availability", fmt::format(
      "from the {}. consecutive failed round on, every further failed round costs {} "
      "(SLA breach), at most {} per service over the exercise; recovery does not refund it",
      p.sla_threshold, Fmt(p.sla_penalty), Fmt(p.sla_cap)));
  rule("red_impact", fmt::format(
      "a verified compromise (objective reached) costs the blue team D = points (or {}) x "
      "security level / 3 x node value and credits the red team the same",
      Fmt(p.compromise_points)));
  rule("red_impact", fmt::format(
      "while it persists it costs a further {} x D per hour of exercise time (and credits red), "
      "added every {}, at most {} x D (reached after {} h), until the node is reverted or the "
      "exercise ends",
      Fmt(p.persist_rate), FormatDuration(p.check_interval), Fmt(p.persist_cap),
      Fmt(p.persist_rate > 0 ? p.persist_cap / p.persist_rate : 0)));
  rule("red_impact", fmt::format(
      "a credited detection of a red action on the compromised node, reported within {}, "
      "gives back {} x D to blue (once per compromise)",
      FormatDuration(p.ttd_zero_credit), Fmt(p.detection_refund)));
  rule("detection", fmt::format(
      "a report matches a red action on the same team and node with the same technique (or "
      "its parent/sub-technique), observed_at from {} before the action, reported within {}; "
      "the earliest uncredited match is credited once",
      FormatDuration(p.detection_slack), FormatDuration(p.detection_window)));
  rule("detection", fmt::format(
      "credit = {} x f(time to report): f = 1 up to {}, then {} down to {} at {} and after",
      Fmt(p.detection_points), FormatDuration(p.ttd_full_credit),
      p.ttd_decay == model::DecayShape::kLinear ? "linear" : "quadratic", Fmt(p.ttd_floor),
      FormatDuration(p.ttd_zero_credit)));
  rule("detection", fmt::format(
      "a report matching no red action costs {}; repeating an already credited one costs nothing",
      Fmt(p.false_report_penalty)));
  rule("reports", fmt::format(
      "white-cell grade: rubric 0/50/100 % of the inject's points; a response after its due "
      "time keeps {} of it, after due + {} it is refused (0); a regrade replaces the grade",
      Fmt(p.late_factor), FormatDuration(p.late_grace)));
  rule("penalties", fmt::format(
      "a node reverted at the team's request costs {}; white-cell penalty events cost their "
      "points; every wrong flag after the first {} costs {}",
      Fmt(p.revert_penalty), p.free_wrong_flags, Fmt(p.wrong_flag_penalty)));
  j["rules"] = std::move(rules);
  json nodes = json::object();
  for (const auto& [name, n] : c.nodes) {
    nodes[name] = {{"security_level", n.security_level},
                   {"value", n.value},
                   {"compromise_multiplier", n.security_level / 3.0 * n.value}};
  }
  j["nodes"] = std::move(nodes);
  json objectives = json::object();
  for (const auto& [name, o] : c.objectives) {
    const NodeInfo& n = c.Node(o.node);
    double base = o.points > 0 ? o.points : p.compromise_points;
    objectives[name] = {{"node", o.node}, {"deduction", base * n.security_level / 3.0 * n.value}};
  }
  j["objectives"] = std::move(objectives);
  return j;
}

std::string RenderRules(const ScoringConfig& c) {
  json j = RulesJson(c);
  const auto& w = c.params.weights;
  std::string out = "Scoring rules\n\nTotal = ";
  bool first = true;
  for (Category cat : kCategories) {
    out += fmt::format("{}{} x {}", first ? "" : " + ", Fmt(Weight(w, cat)), CategoryName(cat));
    first = false;
  }
  out += "\n";
  std::string last;
  for (const auto& r : j["rules"]) {
    std::string cat = r["category"];
    if (cat != last) out += fmt::format("\n[{}]\n", cat);
    last = cat;
    out += fmt::format("  - {}\n", r["rule"].get<std::string>());
  }
  if (!j["objectives"].empty()) {
    out += "\nCompromise deductions (D) per objective:\n";
    for (const auto& [name, o] : j["objectives"].items()) {
      out += fmt::format("  {:<24} node {:<16} D = {}\n", name, o["node"].get<std::string>(),
                         Fmt(o["deduction"].get<double>()));
    }
  }
  return out;
}

}  // namespace livefire::scoring
