// The archive database and the JSON form of what it keeps. SQLiteCpp throws;
// every call is caught here and returned as a Status naming the archive.
#include "livefire/archive/archive.h"

#include <SQLiteCpp/SQLiteCpp.h>
#include <fmt/format.h>

#include <filesystem>

namespace livefire::archive {

using nlohmann::json;

namespace {

// Bumped when the stored JSON changes shape; older rows are re-measured by
// archiving their exercise again.
constexpr int kArchiveSchema = 1;

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS exercises (
  id TEXT PRIMARY KEY,
  head_hash TEXT NOT NULL,
  head_seq INTEGER NOT NULL,
  organisation TEXT NOT NULL,
  kind TEXT NOT NULL,
  year INTEGER NOT NULL,
  security_level INTEGER NOT NULL,
  scenario TEXT NOT NULL,
  scenario_version TEXT NOT NULL,
  summary TEXT NOT NULL,
  UNIQUE (id, head_hash));
CREATE TABLE IF NOT EXISTS team_results (
  exercise_id TEXT NOT NULL REFERENCES exercises(id) ON DELETE CASCADE,
  team TEXT NOT NULL,
  organisation TEXT NOT NULL,
  result TEXT NOT NULL,
  PRIMARY KEY (exercise_id, team));
)sql";

Status Sql(const std::exception& e, std::string_view what, const std::string& path) {
  return Status::Internal(fmt::format("archive {}: {}: {}", path, what, e.what()));
}

json StrMapJson(const std::map<std::string, double>& m) { return json(m); }

}  // namespace

json ToJson(const TeamResult& r) {
  json tasks = json::array();
  for (const auto& t : r.tasks) {
    json j = {{"inject", t.inject},         {"status", t.status},
              {"fired_seq", t.fired_seq},   {"response_seq", t.response_seq},
              {"grade_seq", t.grade_seq}};
    j["rubric"] = t.rubric ? json(*t.rubric) : json(nullptr);
    tasks.push_back(std::move(j));
  }
  json weak = json::array();
  for (const auto& w : r.weaknesses) {
    weak.push_back({{"node", w.node},
                    {"weakness", w.weakness},
                    {"cwe", w.cwe},
                    {"severity", w.severity},
                    {"how", w.how},
                    {"seq", w.seq}});
  }
  return {{"team", r.team},
          {"role", r.role},
          {"organisation", r.organisation},
          {"members", r.members},
          {"categories", StrMapJson(r.categories)},
          {"total", r.total},
          {"indicators", StrMapJson(r.indicators)},
          {"samples", r.samples},
          {"evidence", r.evidence},
          {"techniques_executed", r.techniques_executed},
          {"techniques_detected", r.techniques_detected},
          {"compromises_by_severity", r.compromises_by_severity},
          {"reports_accepted", r.reports_accepted},
          {"reports_false", r.reports_false},
          {"reports_late", r.reports_late},
          {"reverts", r.reverts},
          {"tasks", std::move(tasks)},
          {"weaknesses_found", std::move(weak)}};
}

json ToJson(const ExerciseSummary& s) {
  json teams = json::array();
  for (const auto& t : s.teams) {
    teams.push_back(
        {{"name", t.name}, {"role", t.role}, {"organisation", t.organisation}, {"members", t.members}});
  }
  json results = json::array();
  for (const auto& r : s.results) results.push_back(ToJson(r));
  return {{"id", s.id},
          {"head_hash", s.head_hash},
          {"head_seq", s.head_seq},
          {"scenario", s.scenario},
          {"scenario_version", s.scenario_version},
          {"title", s.title},
          {"organisation", s.organisation},
          {"kind", s.kind},
          {"year", s.year},
          {"security_level", s.security_level},
          {"chain_ok", s.chain_ok},
          {"config_recorded", s.config_recorded},
          {"teams", std::move(teams)},
          {"accounts", s.accounts},
          {"results", std::move(results)}};
}

Result<ExerciseSummary> SummaryFromJson(const json& j) {
  try {
    ExerciseSummary s;
    s.id = j.at("id").get<std::string>();
    s.head_hash = j.at("head_hash").get<std::string>();
    s.head_seq = j.at("head_seq").get<int64_t>();
    s.scenario = j.at("scenario").get<std::string>();
    s.scenario_version = j.at("scenario_version").get<std::string>();
    s.title = j.at("title").get<std::string>();
    s.organisation = j.at("organisation").get<std::string>();
    s.kind = j.at("kind").get<std::string>();
    s.year = j.at("year").get<int>();
    s.security_level = j.at("security_level").get<int>();
    s.chain_ok = j.at("chain_ok").get<bool>();
    s.config_recorded = j.at("config_recorded").get<bool>();
    for (const auto& t : j.at("teams")) {
      s.teams.push_back({t.at("name").get<std::string>(), t.at("role").get<std::string>(),
                         t.at("organisation").get<std::string>(), t.at("members").get<int>()});
    }
    s.accounts = j.at("accounts");
    for (const auto& rj : j.at("results")) {
      TeamResult r;
      r.team = rj.at("team").get<std::string>();
      r.role = rj.at("role").get<std::string>();
      r.organisation = rj.at("organisation").get<std::string>();
      r.members = rj.at("members").get<int>();
      r.categories = rj.at("categories").get<std::map<std::string, double>>();
      r.total = rj.at("total").get<double>();
      r.indicators = rj.at("indicators").get<std::map<std::string, double>>();
      r.samples = rj.at("samples").get<std::map<std::string, int64_t>>();
      r.evidence = rj.at("evidence").get<std::map<std::string, std::vector<int64_t>>>();
      r.techniques_executed = rj.at("techniques_executed").get<std::vector<std::string>>();
      r.techniques_detected = rj.at("techniques_detected").get<std::vector<std::string>>();
      r.compromises_by_severity =
          rj.at("compromises_by_severity").get<std::map<std::string, int64_t>>();
      r.reports_accepted = rj.at("reports_accepted").get<int64_t>();
      r.reports_false = rj.at("reports_false").get<int64_t>();
      r.reports_late = rj.at("reports_late").get<int64_t>();
      r.reverts = rj.at("reverts").get<int64_t>();
      for (const auto& tj : rj.at("tasks")) {
        TaskResult t;
        t.inject = tj.at("inject").get<std::string>();
        t.status = tj.at("status").get<std::string>();
        if (!tj.at("rubric").is_null()) t.rubric = tj.at("rubric").get<int>();
        t.fired_seq = tj.at("fired_seq").get<int64_t>();
        t.response_seq = tj.at("response_seq").get<int64_t>();
        t.grade_seq = tj.at("grade_seq").get<int64_t>();
        r.tasks.push_back(std::move(t));
      }
      for (const auto& wj : rj.at("weaknesses_found")) {
        r.weaknesses.push_back({wj.at("node").get<std::string>(),
                                wj.at("weakness").get<std::string>(),
                                wj.at("cwe").get<std::string>(),
                                wj.at("severity").get<std::string>(),
                                wj.at("how").get<std::string>(), wj.at("seq").get<int64_t>()});
      }
      s.results.push_back(std::move(r));
    }
    return s;
  } catch (const json::exception& e) {
    return Status::DataLoss(fmt::format("archived exercise record is malformed: {}", e.what()));
  }
}

std::string_view ToString(PutOutcome o) {
  switch (o) {
    case PutOutcome::kAdded: return "added";
    case PutOutcome::kUnchanged: return "unchanged";
    case PutOutcome::kReplaced: return "replaced";
  }
  return "?";
}

struct Archive::Impl {
  std::string path;
  std::unique_ptr<SQLite::Database> db;
};

Archive::Archive(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Archive::~Archive() = default;
const std::string& Archive::path() const { return impl_->path; }

Result<std::unique_ptr<Archive>> Archive::Open(const std::string& path, bool read_only) {
  auto impl = std::make_unique<Impl>();
  impl->path = path;
  std::error_code ec;
  if (read_only) {
    if (!std::filesystem::exists(path, ec)) {
      return Status::NotFound(fmt::format("no archive at {} (run `livefire archive ID` first)", path));
    }
  } else if (auto parent = std::filesystem::path(path).parent_path(); !parent.empty()) {
    std::filesystem::create_directories(parent, ec);
    if (ec) return Status::Internal(fmt::format("cannot create {}: {}", parent.string(), ec.message()));
  }
  try {
    impl->db = std::make_unique<SQLite::Database>(
        path, read_only ? SQLite::OPEN_READONLY : (SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE),
        5000);
    impl->db->exec("PRAGMA foreign_keys = ON");
    if (!read_only) {
      SQLite::Transaction tx(*impl->db);
      impl->db->exec(kSchema);
      SQLite::Statement v(*impl->db, "INSERT OR IGNORE INTO meta VALUES ('schema', ?)");
      v.bind(1, std::to_string(kArchiveSchema));
      v.exec();
      tx.commit();
    }
    SQLite::Statement v(*impl->db, "SELECT value FROM meta WHERE key = 'schema'");
    if (!v.executeStep() || v.getColumn(0).getString() != std::to_string(kArchiveSchema)) {
      return Status::FailedPrecondition(
          fmt::format("archive {} has another schema (this livefire reads {})", path, kArchiveSchema));
    }
  } catch (const std::exception& e) {
    return Sql(e, "open", path);
  }
  return std::unique_ptr<Archive>(new Archive(std::move(impl)));
}

Result<PutOutcome> Archive::Put(const ExerciseSummary& s) {
  try {
    auto& db = *impl_->db;
    SQLite::Transaction tx(db);
    SQLite::Statement q(db, "SELECT head_hash FROM exercises WHERE id = ?");
    q.bind(1, s.id);
    PutOutcome outcome = PutOutcome::kAdded;
    if (q.executeStep()) {
      if (q.getColumn(0).getString() == s.head_hash) return PutOutcome::kUnchanged;
      outcome = PutOutcome::kReplaced;
    }
    q.reset();
    SQLite::Statement del(db, "DELETE FROM exercises WHERE id = ?");
    del.bind(1, s.id);
    del.exec();
    SQLite::Statement ins(db, "INSERT INTO exercises VALUES (?,?,?,?,?,?,?,?,?,?)");
    ins.bind(1, s.id);
    ins.bind(2, s.head_hash);
    ins.bind(3, s.head_seq);
    ins.bind(4, s.organisation);
    ins.bind(5, s.kind);
    ins.bind(6, s.year);
    ins.bind(7, s.security_level);
    ins.bind(8, s.scenario);
    ins.bind(9, s.scenario_version);
    ins.bind(10, ToJson(s).dump());
    ins.exec();
    SQLite::Statement team(db, "INSERT INTO team_results VALUES (?,?,?,?)");
    for (const auto& r : s.results) {
      team.bind(1, s.id);
      team.bind(2, r.team);
      team.bind(3, r.organisation);
      team.bind(4, ToJson(r).dump());
      team.exec();
      team.reset();
    }
    tx.commit();
    return outcome;
  } catch (const std::exception& e) {
    return Sql(e, "store exercise " + s.id, impl_->path);
  }
}

Result<std::vector<ExerciseSummary>> Archive::All() const {
  std::vector<ExerciseSummary> out;
  try {
    SQLite::Statement q(*impl_->db, "SELECT id, summary FROM exercises ORDER BY year, id");
    while (q.executeStep()) {
      json j = json::parse(q.getColumn(1).getString(), nullptr, false);
      auto s = SummaryFromJson(j);
      if (!s.ok()) {
        return Status::DataLoss(fmt::format("archive {}: exercise {}: {}", impl_->path,
                                            q.getColumn(0).getString(), s.status().message()));
      }
      out.push_back(std::move(s).value());
    }
  } catch (const std::exception& e) {
    return Sql(e, "read", impl_->path);
  }
  return out;
}

Result<int64_t> Archive::Count() const {
  try {
    SQLite::Statement q(*impl_->db, "SELECT COUNT(*) FROM exercises");
    q.executeStep();
    return q.getColumn(0).getInt64();
  } catch (const std::exception& e) {
    return Sql(e, "count", impl_->path);
  }
}

}  // namespace livefire::archive
