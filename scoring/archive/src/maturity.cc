// The maturity model (docs/maturity.md): parsing, levels and the assessment.
#include "livefire/archive/maturity.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <regex>
#include <set>

namespace livefire::archive {

using nlohmann::json;

namespace {

// Share of a grade a late response keeps in task_score_pct: the scoring
// default (late_factor), fixed here so that archives from hosts with other
// parameters compare alike.
constexpr double kLateShare = 0.5;

Status Bad(const std::string& source, const std::string& where, const std::string& what) {
  return Status::InvalidArgument(fmt::format("{}: {}: {}", source, where, what));
}

// The indicator of one parameter in one team's result of one exercise;
// nullopt when that exercise cannot show it.
std::optional<Observation> Observe(const Parameter& p, const ExerciseSummary& ex,
                                   const TeamResult& r) {
  Observation o;
  o.exercise = ex.id;
  o.year = ex.year;
  o.team = r.team;
  const bool task = p.indicator.rfind("task_", 0) == 0;
  if (task) {
    std::regex match(p.inject_match.empty() ? std::string(".*") : p.inject_match,
                     std::regex::icase | std::regex::ECMAScript);
    double sum = 0;
    int64_t n = 0;
    for (const auto& t : r.tasks) {
      if (!std::regex_search(t.inject, match)) continue;
      const bool answered = t.status == "on_time" || t.status == "late";
      double v = 0;
      if (p.indicator == "task_on_time_pct") {
        v = t.status == "on_time" ? 100 : 0;
      } else if (p.indicator == "task_grade_pct") {
        if (!t.rubric) continue;  // ungraded: nothing to say about quality
        v = *t.rubric;
      } else {  // task_score_pct: timeliness x grade; answered but ungraded is left out
        if (answered && !t.rubric) continue;
        v = answered ? *t.rubric * (t.status == "late" ? kLateShare : 1.0) : 0;
      }
      sum += v;
      ++n;
      for (int64_t q : {t.fired_seq, t.response_seq, t.grade_seq}) {
        if (q > 0) o.seqs.push_back(q);
      }
    }
    if (n == 0) return std::nullopt;
    o.value = sum / static_cast<double>(n);
    o.samples = n;
  } else {
    auto it = r.indicators.find(p.indicator);
    if (it == r.indicators.end()) return std::nullopt;
    o.value = it->second;
    auto s = r.samples.find(p.indicator);
    o.samples = s != r.samples.end() ? s->second : 1;
    auto e = r.evidence.find(p.indicator);
    if (e != r.evidence.end()) o.seqs = e->second;
  }
  o.level = LevelOf(p, o.value);
  return o;
}

bool Matches(const TeamResult& r, const std::string& subject) {
  return r.team == subject || r.organisation == subject;
}

std::string Trend(double first, double last) {
  if (last > first + 1e-9) return "up";
  if (last < first - 1e-9) return "down";
  return "flat";
}

// Rates every parameter for the teams `pick` selects.
template <typename Pick>
std::vector<ParameterRating> Rate(const MaturityModel& model,
                                  const std::vector<ExerciseSummary>& archive,
                                  const YearRange& years, const std::string& subject, Pick pick) {
  std::vector<ParameterRating> out;
  auto declared = model.declarations.find(subject);
  for (const Parameter& p : model.parameters) {
    ParameterRating pr;
    pr.id = p.id;
    if (!p.measured) {
      if (declared != model.declarations.end() && declared->second.count(p.id)) {
        pr.status = "declared";
        pr.level = declared->second.at(p.id);
      } else {
        pr.status = "not measured";
      }
      out.push_back(std::move(pr));
      continue;
    }
    std::set<std::string> exercises;
    double sum = 0;
    std::map<int, std::pair<double, int>> by_year;
    for (const auto& ex : archive) {
      if (!years.Contains(ex.year)) continue;
      for (const auto& r : ex.results) {
        if (!pick(r)) continue;
        auto o = Observe(p, ex, r);
        if (!o) continue;
        exercises.insert(ex.id);
        sum += o->value;
        pr.samples += o->samples;
        by_year[o->year].first += o->level;
        ++by_year[o->year].second;
        pr.observations.push_back(std::move(*o));
      }
    }
    pr.exercises = static_cast<int>(exercises.size());
    for (const auto& [y, v] : by_year) pr.level_by_year[y] = v.first / v.second;
    if (!pr.observations.empty()) {
      pr.value = sum / static_cast<double>(pr.observations.size());
      if (pr.level_by_year.size() >= 2) {
        pr.trend = Trend(pr.level_by_year.begin()->second, pr.level_by_year.rbegin()->second);
      } else if (pr.observations.size() >= 2) {
        pr.trend = Trend(pr.observations.front().level, pr.observations.back().level);
      }
    }
    if (pr.observations.empty() || pr.exercises < p.min_exercises || pr.samples < p.min_samples) {
      pr.status = kInsufficient;
    } else {
      pr.status = "measured";
      pr.level = LevelOf(p, *pr.value);
    }
    out.push_back(std::move(pr));
  }
  return out;
}

std::string TierOf(const MaturityModel& model, const std::vector<ParameterRating>& ratings) {
  int measured = 0, rated = 0, lowest = 4;
  for (size_t i = 0; i < ratings.size(); ++i) {
    if (!model.parameters[i].measured) continue;  // declarations never make a tier
    ++measured;
    if (ratings[i].status == "measured") {
      ++rated;
      lowest = std::min(lowest, *ratings[i].level);
    }
  }
  if (rated == 0) return kInsufficient;
  const double share = static_cast<double>(rated) / measured;
  for (const auto& t : model.tiers) {
    if (share + 1e-9 >= t.min_rated_share && lowest >= t.min_level) return t.tier;
  }
  return kInsufficient;
}

}  // namespace

int LevelOf(const Parameter& p, double value) {
  int level = 0;
  for (double t : p.thresholds) {
    if (p.higher_is_better ? value >= t : value <= t) ++level;
  }
  return level;
}

std::string SubjectOf(const TeamResult& r) { return r.organisation.empty() ? r.team : r.organisation; }

Result<MaturityModel> ParseModel(const json& j, const std::string& source) {
  if (!j.is_object()) return Bad(source, "top level", "must be an object");
  MaturityModel m;
  m.name = j.value("model", "");
  m.version = j.value("version", "");
  m.description = j.value("description", "");
  if (m.name.empty() || m.version.empty()) {
    return Bad(source, "top level", "needs \"model\" and \"version\"");
  }
  if (!j.contains("parameters") || !j["parameters"].is_array() || j["parameters"].empty()) {
    return Bad(source, "parameters", "must be a non-empty array");
  }
  std::set<std::string> ids;
  static const std::set<std::string> kIndicators = {
      "detection_coverage_pct", "mttd_min", "mttr_min", "time_to_report_min",
      "availability_pct", "availability_under_attack_pct", "report_precision_pct",
      "severe_compromises", "reverts", "member_participation_pct", "weaknesses_found",
      "task_score_pct", "task_on_time_pct", "task_grade_pct"};
  for (size_t i = 0; i < j["parameters"].size(); ++i) {
    const json& pj = j["parameters"][i];
    const std::string where = fmt::format("parameters[{}]", i);
    try {
      Parameter p;
      p.id = pj.at("id").get<std::string>();
      if (!ids.insert(p.id).second) return Bad(source, where, "duplicate id " + p.id);
      p.name_en = pj.value("name_en", p.id);
      p.name_vi = pj.value("name_vi", p.name_en);
      p.measured = pj.value("measured", true);
      if (p.measured) {
        p.indicator = pj.at("indicator").get<std::string>();
        if (!kIndicators.count(p.indicator)) {
          return Bad(source, where + " (" + p.id + ")", "unknown indicator '" + p.indicator + "'");
        }
        p.inject_match = pj.value("inject_match", "");
        try {
          std::regex check(p.inject_match);
        } catch (const std::regex_error& e) {
          return Bad(source, where + " (" + p.id + ")", std::string("bad inject_match: ") + e.what());
        }
        p.unit = pj.value("unit", "");
        const std::string better = pj.value("better", "higher");
        if (better != "higher" && better != "lower") {
          return Bad(source, where + " (" + p.id + ")", "better must be \"higher\" or \"lower\"");
        }
        p.higher_is_better = better == "higher";
        auto th = pj.at("thresholds").get<std::vector<double>>();
        if (th.size() != 4) return Bad(source, where + " (" + p.id + ")", "needs 4 thresholds (levels 1-4)");
        for (size_t k = 1; k < 4; ++k) {
          if (p.higher_is_better ? th[k] < th[k - 1] : th[k] > th[k - 1]) {
            return Bad(source, where + " (" + p.id + ")",
                       p.higher_is_better ? "thresholds must not decrease"
                                          : "thresholds must not increase (lower is better)");
          }
        }
        std::copy(th.begin(), th.end(), p.thresholds.begin());
        p.min_exercises = pj.value("min_exercises", 1);
        p.min_samples = pj.value("min_samples", int64_t{1});
        p.improve_en = pj.value("improve_en", "");
        p.improve_vi = pj.value("improve_vi", "");
      }
      m.parameters.push_back(std::move(p));
    } catch (const json::exception& e) {
      return Bad(source, where, e.what());
    }
  }
  try {
    for (const auto& tj : j.at("tiers")) {
      m.tiers.push_back({tj.at("tier").get<std::string>(), tj.value("name_vi", ""),
                         tj.at("min_level").get<int>(), tj.at("min_rated_share").get<double>()});
    }
    if (j.contains("declarations")) {
      for (const auto& [subject, params] : j["declarations"].items()) {
        for (const auto& [id, level] : params.items()) {
          auto it = std::find_if(m.parameters.begin(), m.parameters.end(),
                                 [&](const Parameter& p) { return p.id == id; });
          if (it == m.parameters.end() || it->measured) {
            return Bad(source, "declarations." + subject,
                       "'" + id + "' is not a declared-only parameter of the model");
          }
          int l = level.get<int>();
          if (l < 0 || l > 4) return Bad(source, "declarations." + subject + "." + id, "level must be 0-4");
          m.declarations[subject][id] = l;
        }
      }
    }
  } catch (const json::exception& e) {
    return Bad(source, "tiers/declarations", e.what());
  }
  if (m.tiers.empty()) return Bad(source, "tiers", "must not be empty");
  return m;
}

Result<MaturityModel> LoadModel(const std::string& path) {
  std::ifstream f(path);
  if (!f) return Status::NotFound(fmt::format("cannot read model {}", path));
  json j = json::parse(f, nullptr, false);
  if (j.is_discarded()) return Status::InvalidArgument(fmt::format("{}: not valid JSON", path));
  return ParseModel(j, path);
}

const MaturityModel& DefaultModel() {
  static const MaturityModel model = [] {
    auto m = ParseModel(json::parse(
#include "default_model.inc"
                            ),
                        "sim3-livefire-v1.json");
    return m.ok() ? std::move(m).value() : MaturityModel{};  // the model test guards it
  }();
  return model;
}

Result<YearRange> ParseYears(const std::string& text) {
  YearRange r;
  int a = 0, b = 0;
  char dash = 0;
  char extra = 0;
  const int n = std::sscanf(text.c_str(), "%d%c%d%c", &a, &dash, &b, &extra);
  if (n == 1) {
    r.from = r.to = a;
  } else if (n == 3 && dash == '-' && a <= b) {
    r.from = a;
    r.to = b;
  } else {
    return Status::InvalidArgument(
        fmt::format("--years '{}': expected YEAR or FROM-TO (e.g. 2024-2026)", text));
  }
  return r;
}

Result<Assessment> Assess(const MaturityModel& model, const std::vector<ExerciseSummary>& archive,
                          const std::string& subject, const AssessOptions& options) {
  Assessment a;
  a.subject = subject;
  a.model_name = model.name;
  a.model_version = model.version;
  a.years = options.years;
  a.peers_named = options.name_peers;
  std::set<std::string> teams, keys;
  for (const auto& ex : archive) {
    if (!options.years.Contains(ex.year)) continue;
    for (const auto& r : ex.results) {
      if (!Matches(r, subject)) continue;
      if (a.exercises.empty() || a.exercises.back() != ex.id) a.exercises.push_back(ex.id);
      teams.insert(r.team);
      keys.insert(SubjectOf(r));
      a.security_level = ex.security_level;
      for (const auto& t : r.techniques_executed) {
        if (!std::binary_search(r.techniques_detected.begin(), r.techniques_detected.end(), t)) {
          a.techniques_missed.push_back(fmt::format("{} ({}, {})", t, ex.id, r.team));
        }
      }
      for (const auto& t : r.tasks) {
        if (t.status != "on_time") {
          a.tasks_late.push_back(fmt::format("{}: {} ({}, {})", t.inject, t.status, ex.id, r.team));
        }
      }
    }
  }
  if (a.exercises.empty()) {
    return Status::NotFound(fmt::format(
        "no archived team or organisation '{}' in {}-{} (see `livefire stats` for who is archived)",
        subject, options.years.from, options.years.to));
  }
  a.teams.assign(teams.begin(), teams.end());
  a.ratings = Rate(model, archive, options.years, subject,
                   [&](const TeamResult& r) { return Matches(r, subject); });
  a.tier = TierOf(model, a.ratings);

  // Peers: other subjects whose exercises ran at the same security level.
  std::set<std::string> peers;
  for (const auto& ex : archive) {
    if (!options.years.Contains(ex.year) || ex.security_level != a.security_level) continue;
    for (const auto& r : ex.results) {
      if (!Matches(r, subject) && !keys.count(SubjectOf(r))) peers.insert(SubjectOf(r));
    }
  }
  int n = 0;
  for (const auto& key : peers) {
    Peer p;
    p.label = options.name_peers ? key : fmt::format("Team {}", static_cast<char>('A' + n % 26));
    if (!options.name_peers && n >= 26) p.label += std::to_string(n / 26);
    ++n;
    auto ratings = Rate(model, archive, options.years, key,
                        [&](const TeamResult& r) { return SubjectOf(r) == key; });
    p.tier = TierOf(model, ratings);
    for (const auto& r : ratings) p.levels[r.id] = r.level;
    a.peers.push_back(std::move(p));
  }

  std::vector<std::pair<int, size_t>> weakest;
  for (size_t i = 0; i < a.ratings.size(); ++i) {
    if (a.ratings[i].status == "measured" && *a.ratings[i].level < 4) {
      weakest.emplace_back(*a.ratings[i].level, i);
    }
  }
  std::stable_sort(weakest.begin(), weakest.end(),
                   [](const auto& x, const auto& y) { return x.first < y.first; });
  for (size_t k = 0; k < weakest.size() && k < 3; ++k) {
    const Parameter& p = model.parameters[weakest[k].second];
    a.improve.push_back({p.id, weakest[k].first, p.improve_en, p.improve_vi});
  }
  return a;
}

json ToJson(const Assessment& a, const MaturityModel& model) {
  json ratings = json::array();
  for (size_t i = 0; i < a.ratings.size(); ++i) {
    const ParameterRating& r = a.ratings[i];
    const Parameter& p = model.parameters[i];
    json obs = json::array();
    for (const auto& o : r.observations) {
      obs.push_back({{"exercise", o.exercise},
                     {"year", o.year},
                     {"team", o.team},
                     {"value", o.value},
                     {"samples", o.samples},
                     {"level", o.level},
                     {"event_seqs", o.seqs}});
    }
    json by_year = json::object();
    for (const auto& [y, l] : r.level_by_year) by_year[std::to_string(y)] = l;
    ratings.push_back({{"id", r.id},
                       {"name_en", p.name_en},
                       {"name_vi", p.name_vi},
                       {"indicator", p.indicator},
                       {"status", r.status},
                       {"level", r.level ? json(*r.level) : json(nullptr)},
                       {"value", r.value ? json(*r.value) : json(nullptr)},
                       {"exercises", r.exercises},
                       {"samples", r.samples},
                       {"evidence", std::move(obs)},
                       {"level_by_year", std::move(by_year)},
                       {"trend", r.trend}});
  }
  json peers = json::array();
  for (const auto& p : a.peers) {
    json levels = json::object();
    for (const auto& [id, l] : p.levels) levels[id] = l ? json(*l) : json(nullptr);
    peers.push_back({{"label", p.label}, {"tier", p.tier}, {"levels", std::move(levels)}});
  }
  json improve = json::array();
  for (const auto& i : a.improve) {
    improve.push_back({{"parameter", i.parameter},
                       {"level", i.level},
                       {"advice_en", i.advice_en},
                       {"advice_vi", i.advice_vi}});
  }
  return {{"subject", a.subject},
          {"model", {{"name", a.model_name}, {"version", a.model_version}}},
          {"years", {a.years.from, a.years.to}},
          {"exercises", a.exercises},
          {"teams", a.teams},
          {"security_level", a.security_level},
          {"parameters", std::move(ratings)},
          {"tier", a.tier},
          {"peers", std::move(peers)},
          {"peers_named", a.peers_named},
          {"improve", std::move(improve)},
          {"techniques_missed", a.techniques_missed},
          {"tasks_late", a.tasks_late}};
}

}  // namespace livefire::archive
