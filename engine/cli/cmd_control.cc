// Commands that talk to a running engine through its control endpoint
// (docs/protocol.md): pause, resume, speed, stop, inject, submit, grade.
// They never write the event log themselves: the engine records what it
// accepts, and a submission is acknowledged only once it is durable.

#include <fmt/format.h>

#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>

#include "cli.h"
#include "livefire/bus/bus.h"
#include "livefire/bus/protocol.h"
#include "livefire/ids.h"
#include "livefire/scheduler.h"

namespace livefire::cli {

namespace {

struct Common {
  std::string id;
  std::string client = "livefire-cli";
  double timeout_s = 10;
  bool json = false;
};

Result<bus::Reply> Call(Context& ctx, const Common& c, bus::Request req) {
  LF_ASSIGN_OR_RETURN(ExerciseId id, ParseExerciseId(c.id));
  LF_ASSIGN_OR_RETURN(bus::Endpoints eps, bus::DefaultEndpoints(ctx.state_dir, id));
  // An ipc endpoint is a socket file that exists only while the engine runs.
  if (eps.control.rfind("ipc://", 0) == 0 && !std::filesystem::exists(eps.control.substr(6))) {
    return Status::FailedPrecondition(fmt::format(
        "no engine is running for exercise '{}' (start it with `livefire run {}`)", c.id, c.id));
  }
  bus::Context zctx;
  LF_ASSIGN_OR_RETURN(auto client, bus::ControlClient::Connect(zctx, eps.control, c.client));
  req.client = c.client;
  if (req.id.empty()) req.id = fmt::format("cli-{}", ::getpid());
  auto reply = client->Call(std::move(req),
                            Duration::Millis(static_cast<int64_t>(c.timeout_s * 1000)));
  if (!reply.ok()) {
    if (reply.status().code() == StatusCode::kDeadlineExceeded) {
      return Status::Unavailable(fmt::format(
          "no answer from the engine of exercise '{}' within {}s (is `livefire run {}` running?)",
          c.id, c.timeout_s, c.id));
    }
    return reply.status();
  }
  if (!reply->ok) {
    // The engine refused: the user's request, not the machine, is at fault.
    return Status::InvalidArgument(
        fmt::format("engine refused ({}): {}", reply->error_code, reply->error_message));
  }
  return reply;
}

void Print(Context& ctx, const Common& c, const bus::Reply& r, const std::string& human) {
  if (c.json) {
    ctx.out << r.body.dump(2) << "\n";
  } else {
    ctx.out << human << "\n";
  }
}

CLI::App* AddCommon(CLI::App& app, const char* name, const char* help, Common& c) {
  CLI::App* cmd = app.add_subcommand(name, help);
  cmd->add_option("ID", c.id, "exercise id")->required();
  cmd->add_option("--client", c.client, "name recorded as the sender")->capture_default_str();
  cmd->add_option("--timeout", c.timeout_s, "seconds to wait for the engine")->capture_default_str();
  cmd->add_flag("--json", c.json, "print the engine's reply as JSON");
  return cmd;
}

std::string Clock(const nlohmann::json& body) {
  return FormatClock(SimTime::FromNanos(body.value("time_ns", int64_t{0})));
}

}  // namespace

void RegisterControl(CLI::App& app, Context& ctx) {
  {
    auto c = std::make_shared<Common>();
    auto reason = std::make_shared<std::string>();
    CLI::App* cmd = AddCommon(app, "pause", "Pause the exercise clock (white cell)", *c);
    cmd->add_option("--reason", *reason, "recorded with the pause");
    cmd->callback([&ctx, c, reason] {
      bus::Request r;
      r.type = bus::RequestType::kPause;
      if (!reason->empty()) r.args["reason"] = *reason;
      auto rep = Call(ctx, *c, r);
      if (!rep.ok()) {
        ctx.status = rep.status();
        return;
      }
      Print(ctx, *c, *rep, "paused at " + Clock(rep->body));
    });
  }
  {
    auto c = std::make_shared<Common>();
    CLI::App* cmd = AddCommon(app, "resume", "Resume the exercise clock", *c);
    cmd->callback([&ctx, c] {
      bus::Request r;
      r.type = bus::RequestType::kResume;
      auto rep = Call(ctx, *c, r);
      if (!rep.ok()) {
        ctx.status = rep.status();
        return;
      }
      Print(ctx, *c, *rep, "resumed at " + Clock(rep->body));
    });
  }
  {
    auto c = std::make_shared<Common>();
    auto speed = std::make_shared<double>(1.0);
    CLI::App* cmd = AddCommon(app, "speed", "Set the exercise speed (60 = an hour a minute)", *c);
    cmd->add_option("SPEED", *speed, "exercise seconds per wall second, 0.01..1000")->required();
    cmd->callback([&ctx, c, speed] {
      // Refused here too, so that the message does not depend on the engine.
      if (Status v = ValidateSpeed(*speed); !v.ok()) {
        ctx.status = v;
        return;
      }
      bus::Request r;
      r.type = bus::RequestType::kSpeed;
      r.args["speed"] = *speed;
      auto rep = Call(ctx, *c, r);
      if (!rep.ok()) {
        ctx.status = rep.status();
        return;
      }
      Print(ctx, *c, *rep, fmt::format("speed {}", *speed));
    });
  }
  {
    auto c = std::make_shared<Common>();
    auto reason = std::make_shared<std::string>();
    CLI::App* cmd = AddCommon(app, "stop", "End the exercise now (white cell)", *c);
    cmd->add_option("--reason", *reason, "recorded with the stop");
    cmd->callback([&ctx, c, reason] {
      bus::Request r;
      r.type = bus::RequestType::kStop;
      if (!reason->empty()) r.args["reason"] = *reason;
      auto rep = Call(ctx, *c, r);
      if (!rep.ok()) {
        ctx.status = rep.status();
        return;
      }
      Print(ctx, *c, *rep, "stopping at " + Clock(rep->body));
    });
  }
  {
    auto c = std::make_shared<Common>();
    auto name = std::make_shared<std::string>();
    auto team = std::make_shared<std::string>();
    CLI::App* cmd = AddCommon(app, "inject", "Fire an inject now (manual injects and overrides)", *c);
    cmd->add_option("INJECT", *name, "inject name from scenario.lua")->required();
    cmd->add_option("--team", *team, "blue team to fire it for (default: every blue team)");
    cmd->callback([&ctx, c, name, team] {
      bus::Request r;
      r.type = bus::RequestType::kFireInject;
      r.team = *team;
      r.args["inject"] = *name;
      auto rep = Call(ctx, *c, r);
      if (!rep.ok()) {
        ctx.status = rep.status();
        return;
      }
      Print(ctx, *c, *rep,
            fmt::format("fired {} for {} at {}", *name, team->empty() ? "every blue team" : *team,
                        Clock(rep->body)));
    });
  }
  {
    struct SubmitArgs {
      std::string team, kind = "report", node, technique, observed_at, description, vulnerability,
          evidence, flag, against;
    };
    auto c = std::make_shared<Common>();
    auto a = std::make_shared<SubmitArgs>();
    CLI::App* cmd = AddCommon(
        app, "submit",
        "Submit for a team: an incident report (blue), a finding or a flag (red)", *c);
    cmd->add_option("--team", a->team, "submitting team")->required();
    cmd->add_option("--kind", a->kind, "report, finding or flag")
        ->check(CLI::IsMember({"report", "finding", "flag"}))
        ->capture_default_str();
    cmd->add_option("--node", a->node, "node concerned (report, finding)");
    cmd->add_option("--technique", a->technique, "ATT&CK technique id, e.g. T1190 (report)");
    cmd->add_option("--observed-at", a->observed_at,
                    "exercise time the activity was seen, e.g. 01:20:00 (report; default now)");
    cmd->add_option("--description", a->description, "what was seen (report)");
    cmd->add_option("--vulnerability", a->vulnerability, "vulnerability id (finding)");
    cmd->add_option("--evidence", a->evidence, "evidence text (finding)");
    cmd->add_option("--flag", a->flag, "the flag text (flag)");
    cmd->add_option("--against", a->against, "blue team whose copy it concerns (finding, flag)");
    cmd->callback([&ctx, c, a] {
      bus::Request r;
      r.team = a->team;
      if (a->kind == "report") {
        r.type = bus::RequestType::kSubmitReport;
        r.args = {{"node", a->node},
                  {"technique", a->technique},
                  {"description", a->description}};
        // Absent: the engine stamps it with the exercise clock.
        if (!a->observed_at.empty()) r.args["observed_at"] = a->observed_at;
      } else if (a->kind == "finding") {
        r.type = bus::RequestType::kSubmitFinding;
        r.args = {{"node", a->node}, {"vulnerability", a->vulnerability}, {"evidence", a->evidence}};
        if (!a->against.empty()) r.args["against"] = a->against;
      } else {
        r.type = bus::RequestType::kSubmitFlag;
        r.args = {{"flag", a->flag}};
        if (!a->against.empty()) r.args["against"] = a->against;
      }
      auto rep = Call(ctx, *c, r);
      if (!rep.ok()) {
        ctx.status = rep.status();
        return;
      }
      Print(ctx, *c, *rep,
            fmt::format("accepted and stored as event {}", rep->body.value("seq", int64_t{0})));
    });
  }
  {
    struct GradeArgs {
      std::string team, rubric, comment;
      double points = 0;
      int64_t target_seq = 0;
    };
    auto c = std::make_shared<Common>();
    auto g = std::make_shared<GradeArgs>();
    CLI::App* cmd = AddCommon(app, "grade",
                              "Grade a team's report or inject response (white cell rubric)", *c);
    cmd->add_option("--team", g->team, "the graded team")->required();
    cmd->add_option("--rubric", g->rubric, "band: 0, 50 or 100 (% of the points)")
        ->check(CLI::IsMember({"0", "50", "100"}))
        ->required();
    cmd->add_option("--points", g->points, "full points of the graded item")->required();
    cmd->add_option("--seq", g->target_seq, "event seq of the graded submission");
    cmd->add_option("--comment", g->comment, "grader's comment");
    cmd->callback([&ctx, c, g] {
      bus::Request r;
      r.type = bus::RequestType::kGrade;
      r.team = g->team;
      r.args = {{"rubric", g->rubric}, {"points", g->points}};
      if (!g->comment.empty()) r.args["comment"] = g->comment;
      if (g->target_seq > 0) r.args["target_seq"] = g->target_seq;
      auto rep = Call(ctx, *c, r);
      if (!rep.ok()) {
        ctx.status = rep.status();
        return;
      }
      Print(ctx, *c, *rep,
            fmt::format("grade stored as event {}", rep->body.value("seq", int64_t{0})));
    });
  }
}

}  // namespace livefire::cli
