// livefire maturity TEAM|ORG [--archive DB] [--years 2024-2026] [--html F]
// [--json F] [--model F] [--names]: the IR-team maturity assessment from the
// archived exercises (docs/maturity.md). Without --html/--json it prints a
// summary. The host's operator is its white cell, so --names may reveal the
// peers (anonymised otherwise).

#include <fmt/format.h>

#include <memory>

#include "archive_exercise.h"
#include "livefire/archive/maturity.h"
#include "livefire/files.h"

namespace livefire::cli {

namespace {

struct MaturityArgs {
  std::string subject;
  std::string db;
  std::string years;
  std::string html;
  std::string json;
  std::string model;
  bool names = false;
};

Status RunMaturity(const MaturityArgs& a, Context& ctx) {
  archive::MaturityModel loaded;
  if (!a.model.empty()) {
    LF_ASSIGN_OR_RETURN(loaded, archive::LoadModel(a.model));
  }
  const archive::MaturityModel& model = a.model.empty() ? archive::DefaultModel() : loaded;
  archive::AssessOptions o;
  if (!a.years.empty()) {
    LF_ASSIGN_OR_RETURN(o.years, archive::ParseYears(a.years));
  }
  o.name_peers = a.names;
  LF_ASSIGN_OR_RETURN(auto db, archive::Archive::Open(ArchivePath(ctx, a.db), true));
  LF_ASSIGN_OR_RETURN(auto all, db->All());
  LF_ASSIGN_OR_RETURN(archive::Assessment as, archive::Assess(model, all, a.subject, o));
  if (!a.html.empty()) {
    LF_RETURN_IF_ERROR(WriteFileAtomic(a.html, archive::RenderMaturityHtml(as, model)));
    ctx.out << a.html << "\n";
  }
  if (!a.json.empty()) {
    LF_RETURN_IF_ERROR(WriteFileAtomic(a.json, archive::ToJson(as, model).dump(2) + "\n"));
    ctx.out << a.json << "\n";
  }
  if (a.html.empty() && a.json.empty()) {
    ctx.out << fmt::format("{}: tier {} ({} exercise(s), model {} v{})\n", as.subject, as.tier,
                           as.exercises.size(), as.model_name, as.model_version);
    for (size_t i = 0; i < as.ratings.size(); ++i) {
      const auto& r = as.ratings[i];
      ctx.out << fmt::format("  {:<5} {:<56} {}\n", r.id, model.parameters[i].name_en,
                             r.level ? fmt::format("{} ({})", *r.level, r.status) : r.status);
    }
  }
  return Status::Ok();
}

}  // namespace

void RegisterMaturity(CLI::App& app, Context& ctx) {
  auto args = std::make_shared<MaturityArgs>();
  CLI::App* cmd = app.add_subcommand(
      "maturity",
      "IR-team maturity from the archived exercises (SIM3-aligned parameters 0-4 with\n"
      "their evidence and trend, the tier, peers of the same security level, what to\n"
      "improve next). TEAM is a team name, ORG a team's organisation.");
  cmd->add_option("subject", args->subject, "team or organisation")->required();
  cmd->add_option("--archive", args->db, "archive database (default <state>/archive.db)");
  cmd->add_option("--years", args->years, "years to assess, YEAR or FROM-TO (e.g. 2024-2026)");
  cmd->add_option("--html", args->html, "write the maturity page to FILE");
  cmd->add_option("--json", args->json, "write the assessment as JSON to FILE");
  cmd->add_option("--model", args->model, "maturity model JSON (default: sim3-livefire v1)");
  cmd->add_flag("--names", args->names,
                "name the peers (the host's operator is the white cell; anonymised otherwise)");
  cmd->callback([args, &ctx] { ctx.status = RunMaturity(*args, ctx); });
}

}  // namespace livefire::cli
