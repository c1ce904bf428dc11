// Measures an exercise from its event log: the Scorer's categories and
// metrics (through ReplayLog) plus a fold over the same events for what the
// maturity model needs beyond the score (task timing, restore times, who took
// part, weaknesses found) and the event seqs behind every indicator.
#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>

#include "livefire/archive/archive.h"
#include "livefire/ids.h"

namespace livefire::archive {

using nlohmann::json;
namespace k = kinds;

namespace {

// At most this many seqs are kept per indicator: enough to find the events
// again, without copying the log into the archive.
constexpr size_t kMaxEvidence = 50;

void Cite(std::vector<int64_t>& v, int64_t seq) {
  if (v.size() < kMaxEvidence) v.push_back(seq);
}

double Pct(double part, double whole) { return whole > 0 ? 100.0 * part / whole : 0.0; }

// What the fold remembers about one blue team.
struct Fold {
  std::optional<SimTime> first_attack;
  int64_t rounds_under_attack = 0, up_under_attack = 0;
  std::map<std::string, SimTime> down_since;  // node/service -> first failed check
  std::vector<double> restore_s;
  std::set<std::string> people;
  std::map<std::string, std::vector<int64_t>> cite;
  std::map<std::string, std::pair<SimTime, int64_t>> fired;  // inject -> first firing
  std::map<std::string, std::pair<SimTime, int64_t>> response;
  std::map<std::string, std::pair<int, int64_t>> grade;  // inject -> latest rubric, seq
  std::map<std::string, WeaknessFound> weaknesses;       // node/weakness -> first
};

std::string Str(const json& p, const char* key) {
  auto it = p.find(key);
  return it != p.end() && it->is_string() ? it->get<std::string>() : "";
}

// The person behind a submission: the identity issue's attribution, else an
// account other than the team's own or the host's.
std::string PersonOf(const Event& e) {
  std::string person = Str(e.payload, "person");
  if (!person.empty()) return person;
  std::string account = Str(e.payload, "account");
  if (!account.empty() && account != "host" && account != e.team) return account;
  return "";
}

void AddWeakness(Fold& f, WeaknessFound w) {
  f.weaknesses.emplace(w.node + "/" + w.weakness, std::move(w));
}

}  // namespace

Result<scoring::ReplayOptions> FallbackReplayOptions(const store::EventStore& store) {
  scoring::ScoringConfig fallback;
  LF_ASSIGN_OR_RETURN(auto teams, store.Teams());
  for (const auto& t : teams) {
    if (t.role == "blue") fallback.blue_teams.push_back(t.name);
    if (t.role == "red") fallback.red_teams.push_back(t.name);
  }
  std::sort(fallback.blue_teams.begin(), fallback.blue_teams.end());
  std::sort(fallback.red_teams.begin(), fallback.red_teams.end());
  LF_ASSIGN_OR_RETURN(auto nodes, store.Nodes());
  for (const auto& n : nodes) {
    scoring::NodeInfo info;
    info.security_level = n.security_level > 0 ? n.security_level : 3;
    info.value = n.value > 0 ? n.value : 1.0;
    fallback.nodes.emplace(n.node, info);
  }
  scoring::ReplayOptions o;
  o.fallback_config = std::move(fallback);
  return o;
}

Result<ExerciseSummary> Measure(const MeasureInput& in) {
  LF_ASSIGN_OR_RETURN(scoring::LogReplay replay, scoring::ReplayLog(in.events, in.replay));
  const scoring::ScoringConfig& cfg = replay.config;
  ExerciseSummary s;
  s.id = in.id;
  s.head_hash = in.head_hash;
  s.head_seq = in.events.empty() ? 0 : in.events.back().seq;
  s.chain_ok = in.chain_ok;
  s.config_recorded = replay.config_recorded;
  s.scenario = in.record.scenario;
  s.title = in.record.title;
  s.organisation = in.record.organisation;
  s.year = in.record.year;
  s.security_level = in.record.security_level;
  for (const Event& e : in.events) {
    if (e.kind != k::kExerciseCreated) continue;
    // The log is the authority; the store's record only fills what it lacks.
    const json& p = e.payload;
    if (auto v = Str(p, "scenario"); !v.empty()) s.scenario = v;
    if (auto v = Str(p, "title"); !v.empty()) s.title = v;
    if (auto v = Str(p, "organisation"); !v.empty()) s.organisation = v;
    s.kind = Str(p, "exercise_kind");
    s.scenario_version = Str(p, "scenario_version");
    if (p.contains("year") && p["year"].is_number_integer()) s.year = p["year"].get<int>();
    if (p.contains("security_level") && p["security_level"].is_number_integer()) {
      s.security_level = p["security_level"].get<int>();
    }
    break;
  }
  for (const auto& t : in.teams) s.teams.push_back({t.name, t.role, t.organisation, t.members});
  std::sort(s.teams.begin(), s.teams.end(),
            [](const TeamInfo& a, const TeamInfo& b) { return a.name < b.name; });
  if (in.accounts.is_array() || in.accounts.is_object()) {
    const json& list = in.accounts.is_object() && in.accounts.contains("accounts")
                           ? in.accounts["accounts"]
                           : in.accounts;
    for (const auto& a : list) {
      if (!a.is_object()) continue;
      json pub = json::object();  // never keys or passwords
      for (const char* f : {"name", "team", "person", "role", "revoked"}) {
        if (a.contains(f)) pub[f] = a[f];
      }
      s.accounts.push_back(std::move(pub));
    }
  }

  std::map<std::string, Fold> folds;
  std::set<std::string> blue(cfg.blue_teams.begin(), cfg.blue_teams.end());
  std::map<int64_t, const Event*> by_seq;
  for (const Event& e : in.events) {
    by_seq[e.seq] = &e;
    const json& p = e.payload;
    // Red findings name the blue copy they were made against.
    std::string against = Str(p, "against");
    if (e.kind == k::kSubmissionFinding && blue.count(against)) {
      if (Str(p, "validation") == "planted" && p.contains("weakness") && p["weakness"].is_object()) {
        const json& w = p["weakness"];
        AddWeakness(folds[against], {Str(w, "node"), Str(w, "vulnerability"), Str(w, "cwe"),
                                     Str(w, "severity"), "planted", e.seq});
      }
      continue;
    }
    if (e.kind == k::kFindingReviewed && p.value("accepted", false)) {
      auto it = by_seq.find(p.value("target_seq", int64_t{0}));
      if (it != by_seq.end()) {
        const json& f = it->second->payload;
        if (std::string a = Str(f, "against"); blue.count(a)) {
          AddWeakness(folds[a], {Str(f, "node"), Str(f, "vulnerability"), Str(f, "cwe"),
                                 Str(p, "severity"), "reviewed", e.seq});
        }
      }
      continue;
    }
    if (e.kind == k::kInjectFired && e.team.empty()) {
      for (const auto& t : blue) folds[t].fired.try_emplace(Str(p, "inject"), e.time, e.seq);
      continue;
    }
    if (!blue.count(e.team)) continue;
    Fold& f = folds[e.team];
    if (e.kind == k::kRedAction) {
      if (!f.first_attack) f.first_attack = e.time;
      Cite(f.cite["detection_coverage_pct"], e.seq);
    } else if (e.kind == k::kCheckResult) {
      const std::string key = Str(p, "node") + "/" + Str(p, "service");
      const bool up = Str(p, "status") == "up";
      if (f.first_attack && e.time >= *f.first_attack) {
        ++f.rounds_under_attack;
        if (up) ++f.up_under_attack;
        if (!up) Cite(f.cite["availability_under_attack_pct"], e.seq);
      }
      auto down = f.down_since.find(key);
      if (!up && down == f.down_since.end()) {
        f.down_since.emplace(key, e.time);
      } else if (up && down != f.down_since.end()) {
        f.restore_s.push_back(static_cast<double>((e.time - down->second).nanos()) / 1e9);
        Cite(f.cite["mttr_min"], e.seq);
        f.down_since.erase(down);
      }
    } else if (e.kind == k::kObjectiveReached) {
      // A reached objective is a weakness exploited; its severity is the
      // event's, else the node's worst planted one (as the scorer weighs it).
      std::string sev = Str(p, "severity");
      if (sev.empty()) sev = cfg.Node(Str(p, "node")).severity;
      AddWeakness(f, {Str(p, "node"), Str(p, "objective"), "", sev, "exploited", e.seq});
    } else if (e.kind == k::kInjectFired) {
      f.fired.try_emplace(Str(p, "inject"), e.time, e.seq);
    } else if (e.kind == k::kSubmissionResponse) {
      f.response.try_emplace(Str(p, "inject"), e.time, e.seq);
    } else if (e.kind == k::kGradeGiven) {
      std::string inject = Str(p, "inject");
      if (!inject.empty()) {
        f.grade[inject] = {p.value("rubric", 0), e.seq};
        // A graded submission (a situation report) is the task's response.
        auto target = by_seq.find(p.value("target_seq", int64_t{0}));
        if (target != by_seq.end() && target->second->team == e.team) {
          f.response.try_emplace(inject, target->second->time, target->second->seq);
        }
      }
    } else if (e.kind == k::kSubmissionReport) {
      if (!Str(p, "technique").empty()) Cite(f.cite["report_precision_pct"], e.seq);
    }
    if (e.kind.rfind("submission.", 0) == 0) {
      if (std::string who = PersonOf(e); !who.empty()) {
        f.people.insert(who);
        Cite(f.cite["member_participation_pct"], e.seq);
      }
    }
  }

  const auto& params = cfg.params;
  for (const std::string& team : replay.scorer().teams()) {
    if (!blue.count(team)) continue;
    Fold& f = folds[team];
    TeamResult r;
    r.team = team;
    r.role = "blue";
    for (const auto& t : s.teams) {
      if (t.name == team) {
        r.organisation = t.organisation;
        r.members = t.members;
      }
    }
    if (const scoring::TeamScore* ts = replay.scorer().team(team)) {
      for (scoring::Category c : scoring::kCategories) {
        r.categories[std::string(scoring::CategoryName(c))] = ts->category[static_cast<int>(c)];
      }
      r.total = ts->total;
    }
    scoring::TeamMetrics m = replay.scorer().Metrics(team);
    r.techniques_executed = m.techniques_executed;
    r.techniques_detected = m.techniques_detected;
    r.compromises_by_severity = m.compromises_by_severity;
    r.reports_accepted = m.reports_accepted;
    r.reports_false = m.reports_false;
    r.reverts = m.reverts;
    auto& ind = r.indicators;
    auto& n = r.samples;
    auto cite = [&](const std::string& name) { r.evidence[name] = f.cite[name]; };
    if (!m.techniques_executed.empty()) {
      ind["detection_coverage_pct"] =
          Pct(static_cast<double>(m.techniques_detected.size()), m.techniques_executed.size());
      n["detection_coverage_pct"] = static_cast<int64_t>(m.techniques_executed.size());
      cite("detection_coverage_pct");
    }
    if (m.mean_ttd_s) {
      ind["mttd_min"] = *m.mean_ttd_s / 60;
      n["mttd_min"] = static_cast<int64_t>(m.techniques_detected.size());
    }
    if (m.mean_ttr_s) ind["time_to_report_min"] = *m.mean_ttr_s / 60;
    if (!f.restore_s.empty()) {
      double sum = 0;
      for (double v : f.restore_s) sum += v;
      ind["mttr_min"] = sum / static_cast<double>(f.restore_s.size()) / 60;
      n["mttr_min"] = static_cast<int64_t>(f.restore_s.size());
      cite("mttr_min");
    }
    if (m.availability_pct) ind["availability_pct"] = *m.availability_pct;
    if (f.rounds_under_attack > 0) {
      ind["availability_under_attack_pct"] =
          Pct(static_cast<double>(f.up_under_attack), static_cast<double>(f.rounds_under_attack));
      n["availability_under_attack_pct"] = f.rounds_under_attack;
      cite("availability_under_attack_pct");
    }
    if (m.reports_accepted + m.reports_false > 0) {
      ind["report_precision_pct"] = Pct(static_cast<double>(m.reports_accepted),
                                        static_cast<double>(m.reports_accepted + m.reports_false));
      n["report_precision_pct"] = m.reports_accepted + m.reports_false;
      cite("report_precision_pct");
    }
    int64_t severe = 0;
    for (const char* sev : {"high", "critical"}) {
      auto it = m.compromises_by_severity.find(sev);
      if (it != m.compromises_by_severity.end()) severe += it->second;
    }
    ind["severe_compromises"] = static_cast<double>(severe);
    ind["reverts"] = static_cast<double>(m.reverts);
    if (r.members > 0 && !f.people.empty()) {
      ind["member_participation_pct"] =
          std::min(100.0, Pct(static_cast<double>(f.people.size()), r.members));
      n["member_participation_pct"] = r.members;
      cite("member_participation_pct");
    }
    // Tasks: the white injects with a deadline that reached this team.
    for (const auto& [inject, info] : cfg.injects) {
      if (info.response_due.nanos() <= 0) continue;
      auto fired = f.fired.find(inject);
      if (fired == f.fired.end()) continue;
      TaskResult t;
      t.inject = inject;
      t.fired_seq = fired->second.second;
      const SimTime due = fired->second.first + info.response_due;
      auto resp = f.response.find(inject);
      if (resp == f.response.end()) {
        t.status = "missing";
      } else {
        t.response_seq = resp->second.second;
        const SimTime at = resp->second.first;
        t.status = at <= due ? "on_time" : at <= due + params.late_grace ? "late" : "refused";
      }
      if (auto g = f.grade.find(inject); g != f.grade.end()) {
        t.rubric = g->second.first;
        t.grade_seq = g->second.second;
      }
      if (t.status == "late" || t.status == "refused") ++r.reports_late;
      r.tasks.push_back(std::move(t));
    }
    if (!r.tasks.empty()) {
      std::vector<int64_t> seqs;
      for (const auto& t : r.tasks) {
        for (int64_t q : {t.fired_seq, t.response_seq, t.grade_seq}) {
          if (q > 0) Cite(seqs, q);
        }
      }
      r.evidence["tasks"] = std::move(seqs);
    }
    for (auto& [key, w] : f.weaknesses) r.weaknesses.push_back(std::move(w));
    std::sort(r.weaknesses.begin(), r.weaknesses.end(),
              [](const WeaknessFound& a, const WeaknessFound& b) { return a.seq < b.seq; });
    ind["weaknesses_found"] = static_cast<double>(r.weaknesses.size());
    s.results.push_back(std::move(r));
  }
  return s;
}

Result<ExerciseSummary> MeasureFolder(const std::string& dir_or_db) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::path db = dir_or_db;
  if (fs::is_directory(db, ec)) db /= "events.db";
  if (!fs::exists(db, ec)) {
    return Status::NotFound(fmt::format("no event log at {} (give an exercise folder or its events.db)",
                                        db.string()));
  }
  LF_ASSIGN_OR_RETURN(auto store, store::EventStore::Open(db.string(), {.read_only = true}));
  MeasureInput in;
  LF_ASSIGN_OR_RETURN(in.events, store->Read({}));
  auto record = store->GetExercise();
  if (record.ok()) {
    in.record = *record;
  } else if (record.status().code() != StatusCode::kNotFound) {
    return record.status();
  }
  in.id = !in.record.id.empty() ? in.record.id : db.parent_path().filename().string();
  LF_RETURN_IF_ERROR(ParseExerciseId(in.id).status());
  LF_ASSIGN_OR_RETURN(in.teams, store->Teams());
  LF_ASSIGN_OR_RETURN(store::VerifyReport verify, store->Verify());
  in.chain_ok = verify.ok;
  if (!verify.ok) {
    return Status::DataLoss(fmt::format("{}: the hash chain breaks at seq {} ({}); not archived",
                                        db.string(), verify.broken_seq, verify.problem));
  }
  in.head_hash = verify.head_hash;
  LF_ASSIGN_OR_RETURN(in.replay, FallbackReplayOptions(*store));
  fs::path accounts = db.parent_path() / "accounts.json";
  if (fs::exists(accounts, ec)) {
    std::ifstream f(accounts);
    in.accounts = json::parse(f, nullptr, false);
    if (in.accounts.is_discarded()) {
      return Status::InvalidArgument(fmt::format("{}: not valid JSON", accounts.string()));
    }
  }
  return Measure(in);
}

}  // namespace livefire::archive
