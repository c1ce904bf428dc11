// livefire sim SCENARIO [--teams N] [--seed S] [--runs R] [--policy ...]
//                       [--json F] [--html F] [--out DIR]
// The scenario's exercise on a model of its range (engine/sim), scored by the
// live Scorer. One run with --out writes a normal exercise folder (report,
// replay, explain, verify, archive and the GUI open it); --runs R is the
// organiser's Monte Carlo dry run: per team and category the mean and the
// 5th/50th/95th percentiles, each objective's probability and times, and
// warnings a scenario author can act on (an objective never or always reached,
// a category that never moves, teams that tie, a white-cell task answered in
// time in fewer than half its firings). Monte Carlo runs fold events
// straight into the Scorer (no store: docs/simulation.md says what it costs).
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <ctime>
#include <fstream>
#include <map>
#include <memory>
#include <numeric>
#include <random>
#include <set>

#include "exercise_files.h"
#include "livefire/escape.h"
#include "livefire/files.h"
#include "livefire/scenario/loader.h"
#include "livefire/scoring/config.h"
#include "livefire/scoring/scorer.h"
#include "livefire/sim/sim.h"
#include "livefire/store/event_store.h"
#include "livefire/templates/catalog.h"
#include "livefire/topology/plan.h"
#include "livefire/version.h"

namespace livefire::cli {

namespace {

using json = nlohmann::json;

struct SimArgs {
  std::string dir;
  int teams = 0;
  int64_t seed = -1;  // -1: the scenario's seed
  int runs = 1;
  std::string policy;
  std::string json_out, html_out, out_dir;
  std::string stop_after;
  bool quiet = false;
};

double Percentile(std::vector<double> v, double q) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  // Nearest rank: an observed value, the same on every machine.
  size_t rank = static_cast<size_t>(std::ceil(q * static_cast<double>(v.size())));
  return v[std::clamp<size_t>(rank, 1, v.size()) - 1];
}

json Dist(const std::vector<double>& v) {
  double mean =
      v.empty() ? 0 : std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(v.size());
  return {{"mean", mean},
          {"p5", Percentile(v, 0.05)},
          {"p50", Percentile(v, 0.50)},
          {"p95", Percentile(v, 0.95)}};
}

// Writes one run into a normal exercise folder under `state`: the header the
// live runtime writes (exercise record, teams, nodes, exercise.created with
// the scoring rules), then the events and their score.changed, then metrics.
struct FolderSink {
  std::unique_ptr<store::EventStore> store;
  ExerciseId id;
};

Result<Event> WriteHeader(store::EventStore& st, const ExerciseId& id, const model::Scenario& s,
                          const topology::RangePlan& plan, const scoring::ScoringConfig& cfg,
                          uint64_t seed) {
  store::ExerciseRecord rec;
  rec.id = id.str();
  rec.scenario = s.meta.name;
  rec.title = s.meta.title;
  rec.organisation = s.meta.organisation;
  rec.year = s.meta.year;
  rec.security_level = s.meta.security_level;
  rec.seed = seed;
  rec.uri = "sim://";
  rec.status = "ended";
  LF_RETURN_IF_ERROR(st.PutExercise(rec));
  std::set<std::string> playing(plan.blue_teams.begin(), plan.blue_teams.end());
  for (const auto& t : s.teams) {
    if (t.role == model::TeamRole::kBlue && !playing.count(t.name)) continue;
    LF_RETURN_IF_ERROR(
        st.PutTeam({t.name, std::string(model::ToString(t.role)), t.organisation, t.members}));
  }
  for (const auto& t : plan.blue_teams) {
    if (!s.FindTeam(t)) LF_RETURN_IF_ERROR(st.PutTeam({t, "blue", "", 0}));
  }
  for (const auto& d : plan.domains) {
    if (!d.is_router) LF_RETURN_IF_ERROR(st.PutNode({d.team, d.node, d.security_level, d.value}));
  }
  json teams = json::array();
  for (const auto& t : plan.blue_teams) teams.push_back(t);
  json created = {{"scoring", scoring::ConfigToJson(cfg)},
                  {"scenario", s.meta.name},
                  {"title", s.meta.title},
                  {"organisation", s.meta.organisation},
                  {"year", s.meta.year},
                  {"security_level", s.meta.security_level},
                  {"seed", seed},
                  {"duration_ns", s.meta.duration.nanos()},
                  {"blue_teams", teams},
                  {"simulated", true}};
  if (!s.meta.kind.empty()) created["exercise_kind"] = s.meta.kind;
  if (!s.meta.version.empty()) created["scenario_version"] = s.meta.version;
  Event e;
  e.kind = std::string(kinds::kExerciseCreated);
  e.payload = std::move(created);
  return st.Append(std::move(e));
}

struct RunResult {
  sim::RunSummary summary;
  scoring::Scores scores;
  int64_t events = 0;
};

Result<RunResult> OneRun(const model::Scenario& s, const topology::RangePlan& plan,
                         const scoring::ScoringConfig& cfg, const sim::Options& o,
                         store::EventStore* st, const Event* header) {
  scoring::Scorer scorer(cfg);
  scoring::Applied applied;
  int64_t seq = st ? st->head().seq : 0;
  RunResult out;
  // Every event, the header included, goes through the scorer as live.
  auto score = [&](Event& e) -> Status {
    applied.clear();
    Status sc = scorer.Apply(e, &applied);
    if (!sc.ok() && sc.code() != StatusCode::kInvalidArgument) return sc;
    // As live scoring records them: the log then replays to the same scores.
    for (const auto& c : applied.changes) {
      if (st) {
        LF_RETURN_IF_ERROR(st->Append(scoring::ToEvent(c, e.time)).status());
      } else {
        ++seq;
      }
    }
    return Status::Ok();
  };
  if (header) {
    Event h = *header;
    LF_RETURN_IF_ERROR(score(h));
  }
  sim::Sink sink = [&](Event& e) -> Status {
    if (st) {
      LF_ASSIGN_OR_RETURN(Event stored, st->Append(e));
      e.seq = stored.seq;
    } else {
      e.seq = ++seq;
    }
    return score(e);
  };
  LF_ASSIGN_OR_RETURN(out.summary, sim::Run(s, plan, o, sink));
  out.scores = scorer.scores();
  out.events = out.summary.events;
  if (st) {
    for (const auto& t : scorer.teams()) {
      for (const auto& [metric, value] : scoring::FlatMetrics(scorer.Metrics(t))) {
        LF_RETURN_IF_ERROR(st->PutMetric({t, metric, value}));
      }
    }
    LF_RETURN_IF_ERROR(st->Flush());
  }
  return out;
}

std::string Svg(const json& teams) {
  // One horizontal bar per team: p5..p95 of the total, a tick at the median.
  const int row = 18, width = 520, left = 90;
  std::string svg =
      fmt::format(R"(<svg xmlns="http://www.w3.org/2000/svg" width="{}" height="{}">)",
                  width + left + 20, row * static_cast<int>(teams.size()) + 30);
  double max = 1;
  for (const auto& [t, j] : teams.items()) max = std::max(max, j["total"]["p95"].get<double>());
  int y = 10;
  for (const auto& [t, j] : teams.items()) {
    auto x = [&](double v) { return left + static_cast<int>(v / max * width); };
    const auto& d = j["total"];
    svg += fmt::format(R"(<text x="0" y="{}" font-size="12">{}</text>)", y + 12, EscapeMarkup(t));
    svg += fmt::format(R"(<rect x="{}" y="{}" width="{}" height="12" fill="#8ab"/>)", x(d["p5"]),
                       y + 2, std::max(1, x(d["p95"]) - x(d["p5"])));
    svg +=
        fmt::format(R"(<rect x="{}" y="{}" width="2" height="16" fill="#123"/>)", x(d["p50"]), y);
    y += row;
  }
  svg += fmt::format(
      R"(<text x="{}" y="{}" font-size="11">total score: bar = 5th..95th percentile, tick = median (max {:.1f})</text>)",
      left, y + 12, max);
  return svg + "</svg>";
}

std::string Html(const json& j) {
  std::string h =
      "<!doctype html><html lang=\"en\"><meta charset=\"utf-8\"><title>livefire sim: " +
      EscapeMarkup(j["scenario"].get<std::string>()) +
      "</title><style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}"
      "td,th{border:1px solid #ccc;padding:2px 6px;text-align:right}th{background:#eee}"
      ".warn{color:#a40}</style><body>";
  h += fmt::format(
      "<h1>Dry run: {}</h1><p>{} run(s), {} team(s), seed {}, policy {}; {} events in {:.2f} s</p>",
      EscapeMarkup(j["scenario"].get<std::string>()), j["runs"].get<int>(), j["teams"].size(),
      j["seed"].get<uint64_t>(), EscapeMarkup(j["policy"].get<std::string>()),
      j["events"].get<int64_t>(), j["seconds"].get<double>());
  h += "<h2>Warnings</h2><ul>";
  for (const auto& w : j["warnings"])
    h += "<li class=\"warn\">" + EscapeMarkup(w.get<std::string>()) + "</li>";
  if (j["warnings"].empty()) h += "<li>none</li>";
  h += "</ul><h2>Total per team</h2>" + Svg(j["teams"]);
  h += "<h2>Categories (share of the maximum, "
       "%)</h2><table><tr><th>team</th><th>category</th><th>mean</th>"
       "<th>p5</th><th>p50</th><th>p95</th></tr>";
  for (const auto& [t, tj] : j["teams"].items()) {
    for (const auto& [c, d] : tj["categories"].items()) {
      h += fmt::format(
          "<tr><td>{}</td><td>{}</td><td>{:.1f}</td><td>{:.1f}</td><td>{:.1f}</td><td>{:.1f}</td></"
          "tr>",
          EscapeMarkup(t), EscapeMarkup(c), d["mean"].get<double>(), d["p5"].get<double>(),
          d["p50"].get<double>(), d["p95"].get<double>());
    }
  }
  h += "</table><h2>Objectives</h2><table><tr><th>objective</th><th>reached</th><th>time "
       "p5</th><th>p50</th>"
       "<th>p95</th></tr>";
  for (const auto& [o, d] : j["objectives"].items()) {
    h += fmt::format("<tr><td>{}</td><td>{:.0f} %</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                     EscapeMarkup(o), d["probability"].get<double>() * 100,
                     EscapeMarkup(d.value("time_p5", "-")), EscapeMarkup(d.value("time_p50", "-")),
                     EscapeMarkup(d.value("time_p95", "-")));
  }
  h += "</table><h2>White-cell tasks</h2><table><tr><th>task</th><th>due</th><th>fired</th>"
       "<th>answered</th><th>in time</th></tr>";
  for (const auto& [t, d] : j["tasks"].items()) {
    h += fmt::format("<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{:.0f} %</td></tr>",
                     EscapeMarkup(t), EscapeMarkup(d["due"].get<std::string>()),
                     d["fired"].get<int64_t>(), d["answered"].get<int64_t>(),
                     d["share_on_time"].get<double>() * 100);
  }
  if (j["tasks"].empty()) h += "<tr><td colspan=\"5\">none fired</td></tr>";
  return h + "</table></body></html>\n";
}

Status RunSim(const SimArgs& a, Context& ctx) {
  if (a.runs < 1) return Status::InvalidArgument("--runs must be at least 1");
  if (a.teams < 0) return Status::InvalidArgument("--teams must be 0 (the scenario's) or more");
  if (!a.out_dir.empty() && a.runs != 1) {
    return Status::InvalidArgument("--out writes one exercise folder: give it with --runs 1");
  }
  LF_ASSIGN_OR_RETURN(std::string templates_dir, templates::DefaultTemplatesDir());
  LF_ASSIGN_OR_RETURN(model::Scenario s,
                      scenario::LoadValidScenario(a.dir, {.templates_dir = templates_dir}));
  LF_ASSIGN_OR_RETURN(templates::Catalog catalog, templates::Catalog::Load(templates_dir));
  topology::PlanOptions po;
  po.team_count = a.teams;
  po.template_resources = catalog.Resources();
  LF_ASSIGN_OR_RETURN(topology::RangePlan plan, topology::MakePlan(s, po));

  sim::Options o;
  o.seed = a.seed >= 0 ? static_cast<uint64_t>(a.seed) : s.meta.seed;
  // Red injects attack as declared; a policy attacks scenarios without them
  // (or on request).
  bool red_injects = false;
  for (const auto& inj : s.injects) red_injects |= inj.owner == model::InjectOwner::kRed;
  o.red = red_injects ? sim::RedPolicy::kNone : sim::RedPolicy::kPaths;
  LF_RETURN_IF_ERROR(sim::ParsePolicy(a.policy, o.red, o.blue));
  if (!a.stop_after.empty()) {
    LF_ASSIGN_OR_RETURN(Duration d, ParseDuration(a.stop_after));
    o.stop_after = d;
  }
  scoring::ScoringConfig cfg = scoring::MakeScoringConfig(s);
  cfg.blue_teams = plan.blue_teams;
  std::sort(cfg.blue_teams.begin(), cfg.blue_teams.end());
  const std::string policy =
      fmt::format("red={},blue={}", sim::ToString(o.red), sim::ToString(o.blue));

  auto started = std::chrono::steady_clock::now();
  std::vector<RunResult> results;
  std::string folder_line;
  if (!a.out_dir.empty()) {
    Context out_ctx{ctx.out, ctx.err, {}, ctx.log_level, a.out_dir, ctx.host_capacity};
    const ExerciseId id = MakeExerciseId(std::time(nullptr), o.seed ^ std::random_device{}());
    LF_RETURN_IF_ERROR(SaveExerciseFiles(out_ctx, id, a.dir, "sim://", a.teams));
    // The topology the GUI and `report` draw, in up's plan.json format (no
    // guest specs: nothing was provisioned), marked as simulated.
    json guests = json::object();
    for (const auto& d : plan.domains) {
      const model::Node* n = s.FindNode(d.node);
      if (!n || d.is_router) continue;
      json services = json::array();
      for (const auto& svc : n->services) {
        services.push_back({{"kind", svc.name}, {"protocol", svc.protocol}, {"port", svc.port}});
      }
      guests[d.key] = {{"services", services}};
    }
    LF_RETURN_IF_ERROR(WriteFileAtomic(a.out_dir + "/exercises/" + id.str() + "/plan.json",
                                       json({{"format", 1},
                                             {"exercise", id.str()},
                                             {"plan", plan},
                                             {"guests", guests},
                                             {"simulated", true}})
                                               .dump(2) +
                                           "\n",
                                       0600));
    store::StoreOptions so;
    so.stamp_wall = false;  // wall_ns 0: the same seed gives the same log, byte for byte
    LF_ASSIGN_OR_RETURN(auto st, store::EventStore::OpenExercise(a.out_dir, id, so));
    LF_ASSIGN_OR_RETURN(Event header, WriteHeader(*st, id, s, plan, cfg, o.seed));
    LF_ASSIGN_OR_RETURN(RunResult r, OneRun(s, plan, cfg, o, st.get(), &header));
    results.push_back(std::move(r));
    folder_line = fmt::format(
        "exercise {} written to {} (open it with `livefire --state-dir {} report {}`)\n", id.str(),
        st->path(), a.out_dir, id.str());
  } else {
    for (int i = 0; i < a.runs; ++i) {
      sim::Options oi = o;
      oi.seed = o.seed + static_cast<uint64_t>(i);  // run i: seed + i (recorded in the JSON)
      LF_ASSIGN_OR_RETURN(RunResult r, OneRun(s, plan, cfg, oi, nullptr, nullptr));
      results.push_back(std::move(r));
    }
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();

  // ---- aggregate ----
  json j = {{"scenario", s.meta.name},
            {"runs", a.runs},
            {"seed", o.seed},
            {"policy", policy},
            {"seeds", fmt::format("{}..{}", o.seed, o.seed + static_cast<uint64_t>(a.runs) - 1)}};
  int64_t events = 0;
  std::map<std::string, std::map<std::string, std::vector<double>>>
      cat;  // team -> category -> values
  std::map<std::string, std::vector<double>> totals;
  for (const auto& r : results) {
    events += r.events;
    for (const auto& [team, ts] : r.scores.teams) {
      if (ts.role != "blue") continue;
      totals[team].push_back(ts.total);
      for (auto c : scoring::kCategories) {
        cat[team][std::string(scoring::CategoryName(c))].push_back(
            ts.category[static_cast<int>(c)]);
      }
    }
  }
  json teams = json::object();
  for (const auto& [team, cs] : cat) {
    json tj = {{"total", Dist(totals[team])}, {"categories", json::object()}};
    for (const auto& [c, v] : cs) tj["categories"][c] = Dist(v);
    teams[team] = tj;
  }
  j["teams"] = teams;
  json objectives = json::object();
  std::map<std::string, std::vector<double>> obj_times;
  std::map<std::string, int64_t> obj_hits, obj_total;
  for (const auto& r : results) {
    for (const auto& oo : r.summary.objectives) {
      ++obj_total[oo.objective];
      if (oo.reached) {
        ++obj_hits[oo.objective];
        obj_times[oo.objective].push_back(static_cast<double>(oo.time.nanos()) / 1e9);
      }
    }
  }
  std::vector<std::string> warnings;
  for (const auto& [name, n] : obj_total) {
    const double p = static_cast<double>(obj_hits[name]) / static_cast<double>(n);
    json d = {{"probability", p}, {"reached", obj_hits[name]}, {"instances", n}};
    if (!obj_times[name].empty()) {
      for (auto [key, q] : {std::pair{"time_p5", 0.05}, {"time_p50", 0.5}, {"time_p95", 0.95}}) {
        d[key] = FormatClock(SimTime::Start() + Duration::Nanos(static_cast<int64_t>(
                                                    Percentile(obj_times[name], q) * 1e9)));
      }
    }
    objectives[name] = d;
    if (p == 0)
      warnings.push_back(fmt::format("objective {} is never reached ({} team-runs)", name, n));
    if (p == 1 && n > 1)
      warnings.push_back(fmt::format("objective {} is always reached ({} team-runs)", name, n));
  }
  j["objectives"] = objectives;
  // A category that never moves tells teams nothing.
  std::map<std::string, std::set<double>> seen;
  for (const auto& [team, cs] : cat)
    for (const auto& [c, v] : cs) seen[c].insert(v.begin(), v.end());
  for (const auto& [c, vals] : seen) {
    if (vals.size() == 1)
      warnings.push_back(fmt::format(
          "category {} never moves: every team, every run ends at {:.1f}", c, *vals.begin()));
  }
  // Teams that tie in most runs cannot be told apart by the scoring.
  if (results.size() > 1 && plan.blue_teams.size() > 1) {
    int ties = 0;
    for (const auto& r : results) {
      std::set<long long> t;
      int blue = 0;
      for (const auto& [team, ts] : r.scores.teams) {
        if (ts.role != "blue") continue;
        ++blue;
        t.insert(std::llround(ts.total * 100));
      }
      if (static_cast<int>(t.size()) < blue) ++ties;
    }
    if (ties * 2 > static_cast<int>(results.size())) {
      warnings.push_back(
          fmt::format("teams tie (same total to 0.01) in {} of {} runs", ties, results.size()));
    }
  }
  // A white-cell task the blue policy does not answer in time in most of its
  // firings (over every team-run): its due time, or the task, is likely
  // wrong. Answers after the exercise ended do not count.
  json tasks = json::object();
  struct TaskTally {
    int64_t fired = 0, answered = 0, on_time = 0;
    Duration due;
  };
  std::map<std::string, TaskTally> tally;
  for (const auto& r : results) {
    for (const auto& t : r.summary.tasks) {
      TaskTally& c = tally[t.inject];
      ++c.fired;
      c.answered += t.answered;
      c.on_time += t.on_time;
      c.due = t.due;
    }
  }
  for (const auto& [name, c] : tally) {
    const std::string due_text = c.due.nanos() > 0 ? FormatDuration(c.due) : "none";
    tasks[name] = {{"fired", c.fired}, {"answered", c.answered}, {"on_time", c.on_time},
                   {"share_on_time", static_cast<double>(c.on_time) / static_cast<double>(c.fired)},
                   {"due", due_text}};
    if (c.on_time == 0) {
      warnings.push_back(fmt::format(
          "task {} is never answered in time by blue={} ({} firing(s), due {})", name,
          sim::ToString(o.blue), c.fired, due_text));
    } else if (c.on_time * 2 < c.fired) {
      warnings.push_back(fmt::format(
          "task {} is answered in time in only {} of {} firing(s) by blue={} (due {})", name,
          c.on_time, c.fired, sim::ToString(o.blue), due_text));
    }
  }
  j["tasks"] = tasks;
  j["warnings"] = warnings;
  j["events"] = events;
  j["seconds"] = seconds;

  if (!a.quiet) {
    ctx.out << fmt::format(
        "livefire sim {}: {} run(s) x {} team(s), policy {}, seeds {}: {} events in {:.2f} s "
        "({:.0f} events/s)\n",
        s.meta.name, a.runs, plan.blue_teams.size(), policy, j["seeds"].get<std::string>(), events,
        seconds, seconds > 0 ? static_cast<double>(events) / seconds : 0.0);
    size_t shown = 0;
    ctx.out << fmt::format("{:<12} {:>8} {:>8} {:>8} {:>8}\n", "team", "mean", "p5", "p50", "p95");
    for (const auto& [team, tj] : teams.items()) {
      if (++shown > 10) {
        ctx.out << fmt::format("... and {} more team(s) (see --json)\n", teams.size() - 10);
        break;
      }
      const auto& d = tj["total"];
      ctx.out << fmt::format("{:<12} {:>8.1f} {:>8.1f} {:>8.1f} {:>8.1f}\n", team,
                             d["mean"].get<double>(), d["p5"].get<double>(), d["p50"].get<double>(),
                             d["p95"].get<double>());
    }
    for (const auto& [name, d] : objectives.items()) {
      ctx.out << fmt::format(
          "objective {}: reached in {:.0f} % of team-runs{}\n", name,
          d["probability"].get<double>() * 100,
          d.contains("time_p50") ? ", median at " + d["time_p50"].get<std::string>() : "");
    }
    for (const auto& [name, d] : tasks.items()) {
      ctx.out << fmt::format("task {}: answered in time in {:.0f} % of {} firing(s) (due {})\n",
                             name, d["share_on_time"].get<double>() * 100,
                             d["fired"].get<int64_t>(), d["due"].get<std::string>());
    }
    for (const auto& w : warnings) ctx.out << "warning: " << w << "\n";
    ctx.out << folder_line;
  }
  if (!a.json_out.empty()) LF_RETURN_IF_ERROR(WriteFileAtomic(a.json_out, j.dump(2) + "\n"));
  if (!a.html_out.empty()) LF_RETURN_IF_ERROR(WriteFileAtomic(a.html_out, Html(j)));
  return Status::Ok();
}

}  // namespace

void RegisterSim(CLI::App& app, Context& ctx) {
  auto args = std::make_shared<SimArgs>();
  CLI::App* cmd = app.add_subcommand(
      "sim",
      "Run the scenario's exercise on a model of its range (no VMs), on the simulated\n"
      "clock, deterministically, scored by the live scorer. --out DIR writes one run as\n"
      "an exercise folder under DIR (a state folder: report, replay, verify, archive,\n"
      "livefire-gui --replay open it); --runs R is a Monte Carlo dry run (docs/simulation.md).");
  cmd->add_option("scenario", args->dir, "scenario folder (or its scenario.lua)")->required();
  cmd->add_option("--teams", args->teams, "blue teams (0 = the scenario's)");
  cmd->add_option("--seed", args->seed, "seed (default: the scenario's); run i uses seed + i");
  cmd->add_option("--runs", args->runs, "independent runs (Monte Carlo)");
  cmd->add_option("--policy", args->policy,
                  "red=paths|random|none|lua,blue=scripted|none (default: red injects as "
                  "declared, else red=paths; blue=scripted; lua: the scenario's sim_policy)");
  cmd->add_option("--json", args->json_out, "write the summary as JSON");
  cmd->add_option("--html", args->html_out, "write the summary as HTML with charts");
  cmd->add_option("--out", args->out_dir,
                  "state folder to write the run's exercise into (one run)");
  cmd->add_option("--stop-after", args->stop_after, "end earlier than the scenario's duration");
  cmd->add_flag("--quiet", args->quiet, "print nothing but errors");
  cmd->callback([args, &ctx] { ctx.status = RunSim(*args, ctx); });
}

}  // namespace livefire::cli
