// livefire report ID [--html FILE] [--json FILE]: the after-action report of
// an exercise, built from its event log (docs/report.md). Without either
// option both go next to the log: <state>/exercises/<id>/report.{html,json}.

#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <memory>

#include "cli.h"
#include "exercise_files.h"
#include "livefire/files.h"
#include "livefire/report/report.h"
#include "livefire/scoring/replay.h"

namespace livefire::cli {

namespace {

struct ReportArgs {
  std::string id;
  std::string html;
  std::string json;
};

Status RunReport(ReportArgs a, Context& ctx) {
  LF_ASSIGN_OR_RETURN(ExerciseLog log, OpenExerciseLog(ctx, a.id));
  bool recorded = false;
  LF_ASSIGN_OR_RETURN(scoring::ScoringConfig config,
                      scoring::ConfigForLog(log.events, log.replay_options, &recorded));
  LF_ASSIGN_OR_RETURN(report::ReportInput in,
                      report::ReadReportInput(*log.store, std::move(config), recorded));
  in.exercise_id = log.exercise;
  // The scenario copy adds display names and inject descriptions; the report
  // stands without it (an exercise recorded elsewhere, a copy removed).
  auto loaded = LoadExercise(ctx, a.id);
  if (loaded.ok()) {
    in.scenario = &loaded->scenario;
  } else {
    ctx.err << "note: without the scenario copy (" << loaded.status().message()
            << "), teams are shown by name only\n";
  }
  LF_ASSIGN_OR_RETURN(report::ReportData data, report::BuildReport(in));
  if (a.html.empty() && a.json.empty()) {
    std::string dir = ctx.state_dir + "/exercises/" + log.exercise;
    a.html = dir + "/report.html";
    a.json = dir + "/report.json";
  }
  if (!a.html.empty()) {
    LF_RETURN_IF_ERROR(WriteFileAtomic(a.html, report::RenderReportHtml(data)));
    ctx.out << a.html << "\n";
  }
  if (!a.json.empty()) {
    LF_RETURN_IF_ERROR(WriteFileAtomic(a.json, report::ReportToJson(data).dump(2) + "\n"));
    ctx.out << a.json << "\n";
  }
  if (!recorded) {
    ctx.err << "note: the log records no scoring config; default parameters were used\n";
  }
  if (!data.chain_ok) {
    ctx.err << "warning: the event log's hash chain is broken (the report says so too): "
            << data.chain_problem << "\n";
  }
  for (const auto& w : data.warnings) ctx.err << "warning: " << w << "\n";
  return Status::Ok();
}

}  // namespace

void RegisterReport(CLI::App& app, Context& ctx) {
  auto args = std::make_shared<ReportArgs>();
  CLI::App* cmd = app.add_subcommand(
      "report",
      "After-action report of an exercise from its event log: scores with their ledger,\n"
      "red actions against detections, availability, compromises, ATT&CK coverage and\n"
      "lessons. Self-contained HTML and/or JSON; without options both are written to\n"
      "<state>/exercises/<id>/report.{html,json}. Prints the paths written.");
  cmd->add_option("id", args->id, "exercise id")->required();
  cmd->add_option("--html", args->html, "write the HTML report to FILE");
  cmd->add_option("--json", args->json, "write the JSON report to FILE");
  cmd->callback([args, &ctx] { ctx.status = RunReport(*args, ctx); });
}

}  // namespace livefire::cli
