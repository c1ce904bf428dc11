// livefire stats --year Y [--archive DB] [--html F] [--csv F] [--json F]
// [--organisations F] [--model F]: the annual exercise statistics from the
// archive (docs/maturity.md).

#include <fmt/format.h>

#include <fstream>
#include <memory>

#include "archive_exercise.h"
#include "livefire/archive/stats.h"
#include "livefire/files.h"

namespace livefire::cli {

namespace {

struct StatsArgs {
  int year = 0;
  std::string db, html, csv, json, organisations, model;
};

// One organisation a line; blank lines and # comments skipped.
Result<std::vector<std::string>> ReadOrganisations(const std::string& path) {
  std::vector<std::string> out;
  if (path.empty()) return out;
  std::ifstream f(path);
  if (!f) return Status::NotFound(fmt::format("cannot read --organisations {}", path));
  for (std::string line; std::getline(f, line);) {
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
    if (!line.empty() && line[0] != '#') out.push_back(line);
  }
  return out;
}

Status RunStats(const StatsArgs& a, Context& ctx) {
  archive::MaturityModel loaded;
  if (!a.model.empty()) {
    LF_ASSIGN_OR_RETURN(loaded, archive::LoadModel(a.model));
  }
  const archive::MaturityModel& model = a.model.empty() ? archive::DefaultModel() : loaded;
  LF_ASSIGN_OR_RETURN(auto known, ReadOrganisations(a.organisations));
  LF_ASSIGN_OR_RETURN(auto db, archive::Archive::Open(ArchivePath(ctx, a.db), true));
  LF_ASSIGN_OR_RETURN(auto all, db->All());
  archive::YearStats s = archive::ComputeYearStats(all, a.year, model, known);
  if (!a.html.empty()) {
    LF_RETURN_IF_ERROR(WriteFileAtomic(a.html, archive::RenderStatsHtml(s)));
    ctx.out << a.html << "\n";
  }
  if (!a.csv.empty()) {
    LF_RETURN_IF_ERROR(WriteFileAtomic(a.csv, archive::RenderStatsCsv(s)));
    ctx.out << a.csv << "\n";
  }
  if (!a.json.empty()) {
    LF_RETURN_IF_ERROR(WriteFileAtomic(a.json, archive::ToJson(s).dump(2) + "\n"));
    ctx.out << a.json << "\n";
  }
  if (a.html.empty() && a.csv.empty() && a.json.empty()) {
    ctx.out << fmt::format("{}: {} exercise(s), {} participant(s), {} without an exercise\n",
                           s.year, s.exercises.size(), s.participants,
                           s.organisations_without_exercise.size());
    for (const auto& [kind, n] : s.by_kind) ctx.out << fmt::format("  {:<12} {}\n", kind, n);
  }
  return Status::Ok();
}

}  // namespace

void RegisterStats(CLI::App& app, Context& ctx) {
  auto args = std::make_shared<StatsArgs>();
  CLI::App* cmd = app.add_subcommand(
      "stats",
      "The year's exercise statistics from the archive: exercises by organisation and\n"
      "kind, participants, weaknesses found by severity, national against local\n"
      "severe/high weaknesses per exercise, teams by tier, organisations with no exercise.");
  cmd->add_option("--year", args->year, "year")->required();
  cmd->add_option("--archive", args->db, "archive database (default <state>/archive.db)");
  cmd->add_option("--html", args->html, "write the statistics page to FILE");
  cmd->add_option("--csv", args->csv, "write one row per exercise (and per idle organisation) to FILE");
  cmd->add_option("--json", args->json, "write the statistics as JSON to FILE");
  cmd->add_option("--organisations", args->organisations,
                  "file of organisations expected to exercise, one a line");
  cmd->add_option("--model", args->model, "maturity model JSON for the tiers");
  cmd->callback([args, &ctx] { ctx.status = RunStats(*args, ctx); });
}

}  // namespace livefire::cli
