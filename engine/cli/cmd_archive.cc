// livefire archive ID [--archive DB] | archive --import DIR [--archive DB]:
// copies an exercise's metadata and its measured per-team results (recomputed
// from the event log) into the archive the maturity assessment and the
// annual statistics read (docs/maturity.md). Idempotent: the same log again
// changes nothing.

#include <fmt/format.h>

#include <memory>

#include "archive_exercise.h"
#include "exercise_files.h"
#include "livefire/archive/archive.h"

namespace livefire::cli {

namespace {

struct ArchiveArgs {
  std::string id;
  std::string import_dir;
  std::string db;
};

std::string Line(const archive::ExerciseSummary& s, archive::PutOutcome o, const std::string& db) {
  return fmt::format("{}: {} in {} (head seq {}, {}, {} blue team(s))", s.id, ToString(o), db,
                     s.head_seq, s.head_hash.substr(0, 12), s.results.size());
}

Result<std::string> Put(const archive::ExerciseSummary& s, const std::string& db) {
  LF_ASSIGN_OR_RETURN(auto a, archive::Archive::Open(db));
  LF_ASSIGN_OR_RETURN(archive::PutOutcome o, a->Put(s));
  return Line(s, o, db);
}

Status RunArchive(const ArchiveArgs& a, Context& ctx) {
  const std::string db = ArchivePath(ctx, a.db);
  if (a.id.empty() == a.import_dir.empty()) {
    return Status::InvalidArgument("give either an exercise ID or --import DIR");
  }
  std::string line;
  if (!a.import_dir.empty()) {
    LF_ASSIGN_OR_RETURN(archive::ExerciseSummary s, archive::MeasureFolder(a.import_dir));
    LF_ASSIGN_OR_RETURN(line, Put(s, db));
  } else {
    LF_ASSIGN_OR_RETURN(line, ArchiveExercise(ctx, a.id, db));
  }
  ctx.out << line << "\n";
  return Status::Ok();
}

}  // namespace

std::string ArchivePath(const Context& ctx, const std::string& given) {
  return given.empty() ? ctx.state_dir + "/archive.db" : given;
}

Result<std::string> ArchiveExercise(const Context& ctx, const std::string& id,
                                    const std::string& db) {
  LF_ASSIGN_OR_RETURN(ExerciseId eid, ParseExerciseId(id));
  const std::string dir = ctx.state_dir + "/exercises/" + eid.str();
  LF_ASSIGN_OR_RETURN(archive::ExerciseSummary s, archive::MeasureFolder(dir));
  // Logs from before the scenario's kind and version were recorded: the
  // scenario copy beside the log still says.
  if (s.kind.empty() || s.scenario_version.empty()) {
    if (auto loaded = LoadExercise(ctx, id); loaded.ok()) {
      if (s.kind.empty()) s.kind = loaded->scenario.meta.kind;
      if (s.scenario_version.empty()) s.scenario_version = loaded->scenario.meta.version;
    }
  }
  return Put(s, db);
}

void RegisterArchive(CLI::App& app, Context& ctx) {
  auto args = std::make_shared<ArchiveArgs>();
  CLI::App* cmd = app.add_subcommand(
      "archive",
      "Copy an exercise into the archive (default <state>/archive.db): its organisation,\n"
      "year, security level, kind, scenario, teams and accounts, and per blue team the\n"
      "results measured from the event log (category shares, MTTD/MTTR, detection\n"
      "coverage, availability under attack, compromises, reports, tasks, reverts,\n"
      "weaknesses found). The same log twice is one record. --import takes an exercise\n"
      "folder (or its events.db) from another host.");
  cmd->add_option("id", args->id, "exercise id (of this host's state folder)");
  cmd->add_option("--import", args->import_dir, "exercise folder or events.db to import");
  cmd->add_option("--archive", args->db, "archive database (default <state>/archive.db)");
  cmd->callback([args, &ctx] { ctx.status = RunArchive(*args, ctx); });
}

}  // namespace livefire::cli
