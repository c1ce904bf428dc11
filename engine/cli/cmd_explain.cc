// livefire explain ID TEAM [--category C] [--json]: every score change of a
// team with the events that caused it (the ledger), for debriefs and appeals.

#include <fmt/format.h>

#include <memory>
#include <nlohmann/json.hpp>

#include "cli.h"
#include "exercise_files.h"
#include "livefire/scoring/replay.h"

namespace livefire::cli {

namespace {

struct ExplainArgs {
  std::string id;
  std::string team;
  std::string category;
  bool json = false;
  bool all = false;
};

Status RunExplain(const ExplainArgs& a, Context& ctx) {
  if (!a.category.empty()) {
    bool known = false;
    for (auto c : scoring::kCategories) known = known || scoring::CategoryName(c) == a.category;
    if (!known) {
      return Status::InvalidArgument(fmt::format(
          "unknown category '{}' (availability, red_impact, detection, reports, penalties)",
          a.category));
    }
  }
  LF_ASSIGN_OR_RETURN(ExerciseLog log, OpenExerciseLog(ctx, a.id));
  LF_ASSIGN_OR_RETURN(scoring::LogReplay replay,
                      scoring::ReplayLog(log.events, log.replay_options));
  const scoring::Scorer& scorer = replay.scorer();
  nlohmann::json entries = nlohmann::json::array();
  int64_t shown = 0;
  for (const auto& x : replay.ledger) {
    if (x.team != a.team) continue;
    if (!a.category.empty() && scoring::CategoryName(x.category) != a.category) continue;
    if (x.delta == 0 && !a.all) continue;
    ++shown;
    if (a.json) {
      entries.push_back(scoring::ToJson(x));
    } else {
      std::vector<std::string> causes;
      for (int64_t s : x.causes) causes.push_back(std::to_string(s));
      ctx.out << fmt::format("{:>7} {} {:<12} {:>+9.2f}  {}  [event {}]\n", x.seq,
                             FormatClock(x.time), scoring::CategoryName(x.category), x.delta,
                             x.reason, fmt::join(causes, ", "));
    }
  }
  const scoring::TeamScore* t = scorer.team(a.team);
  if (t == nullptr) {
    return Status::NotFound(fmt::format("exercise {} has no team '{}' (teams: {})", log.exercise,
                                        a.team, fmt::join(scorer.teams(), ", ")));
  }
  nlohmann::json totals = nlohmann::json::object();
  for (auto c : scoring::kCategories) {
    totals[std::string(scoring::CategoryName(c))] = t->category[static_cast<int>(c)];
  }
  if (a.json) {
    ctx.out << nlohmann::json({{"exercise", log.exercise},
                               {"team", a.team},
                               {"entries", std::move(entries)},
                               {"categories", totals},
                               {"total", t->total}})
                   .dump(2)
            << "\n";
    return Status::Ok();
  }
  if (shown == 0) ctx.out << "(no score changes)\n";
  ctx.out << fmt::format("\n{} totals:", a.team);
  for (auto c : scoring::kCategories) {
    ctx.out << fmt::format(" {} {:.2f}", scoring::CategoryName(c),
                           t->category[static_cast<int>(c)]);
  }
  ctx.out << fmt::format("; weighted total {:.2f}\n", t->total);
  return Status::Ok();
}

}  // namespace

void RegisterExplain(CLI::App& app, Context& ctx) {
  auto args = std::make_shared<ExplainArgs>();
  CLI::App* cmd = app.add_subcommand(
      "explain", "A team's score ledger: every change, its reason and the events behind it.");
  cmd->add_option("id", args->id, "exercise id")->required();
  cmd->add_option("team", args->team, "team name, e.g. blue1")->required();
  cmd->add_option("--category", args->category,
                  "only availability, red_impact, detection, reports or penalties");
  cmd->add_flag("--all", args->all, "also list entries that changed nothing (down rounds, ...)");
  cmd->add_flag("--json", args->json, "machine-readable output");
  cmd->callback([args, &ctx] { ctx.status = RunExplain(*args, ctx); });
}

}  // namespace livefire::cli
