// Commands that talk to a running engine through its control endpoint
// (docs/protocol.md): pause, resume, speed, stop, inject, submit, grade,
// review, scoreboard, message.
// They never write the event log themselves: the engine records what it
// accepts, and a submission is acknowledged only once it is durable.

#include <fmt/format.h>

#include <cmath>
#include <filesystem>
#include <limits>
#include <memory>
#include <nlohmann/json.hpp>

#include "cli.h"
#include "remote_options.h"
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
  RemoteOptions remote;
};

Result<bus::Reply> Call(Context& ctx, const Common& c, bus::Request req) {
  LF_ASSIGN_OR_RETURN(ExerciseId id, ParseExerciseId(c.id));
  LF_ASSIGN_OR_RETURN(std::optional<Remote> remote, ResolveRemote(c.remote));
  if (remote) LF_RETURN_IF_ERROR(CheckTeamFlag(*remote, req.team));
  // A team member's submissions are its team's: the credential says which,
  // so --team is not needed (the engine takes it from the account anyway).
  const bool submission = req.type == bus::RequestType::kSubmitReport ||
                          req.type == bus::RequestType::kSubmitFinding ||
                          req.type == bus::RequestType::kSubmitFlag ||
                          req.type == bus::RequestType::kSubmitResponse;
  if (remote && submission && req.team.empty()) req.team = remote->credential.team;
  bus::Context zctx;
  LF_ASSIGN_OR_RETURN(auto client, ConnectControl(zctx, ctx, id, remote, c.client));
  req.client = c.client;
  if (req.id.empty()) req.id = fmt::format("cli-{}", ::getpid());
  auto reply =
      client->Call(std::move(req), Duration::Millis(static_cast<int64_t>(c.timeout_s * 1000)));
  if (!reply.ok()) {
    if (reply.status().code() == StatusCode::kDeadlineExceeded) {
      return Status::Unavailable(fmt::format(
          "no answer from the engine of exercise '{}' within {}s (is `livefire run {}` running?)",
          c.id, c.timeout_s, c.id));
    }
    return reply.status();
  }
  if (!reply->ok) {
    // `internal`: the engine's environment failed (e.g. its store cannot
    // write), not the request: exit 2 like every environment error.
    if (reply->error_code == bus::errors::kInternal) {
      return Status::Unavailable(
          fmt::format("engine failed ({}): {}", reply->error_code, reply->error_message));
    }
    // The engine refused: the user's request, not the machine, is at fault.
    return Status::InvalidArgument(
        fmt::format("engine refused ({}): {}", reply->error_code, reply->error_message));
  }
  return reply;
}

std::string Clock(const nlohmann::json& body) {
  return FormatClock(SimTime::FromNanos(body.value("time_ns", int64_t{0})));
}

std::string Seq(const nlohmann::json& body) {
  return std::to_string(body.value("seq", int64_t{0}));
}

// Every control subcommand's options land here; each uses its own copy.
struct ControlArgs {
  Common common;
  std::string reason;
  double speed = 1.0;
  std::string inject;
  std::string team;
  // submit
  std::string kind = "report";
  bus::ReportFields report;
  bus::FindingFields finding;  // node and against are shared with report/flag
  std::string flag;
  std::string text;  // response
  // grade
  bus::GradeFields grade;
  double points = std::numeric_limits<double>::quiet_NaN();  // NaN = not given
  // review
  bus::ReviewFields review;
  bool accept = false;
  bool reject = false;
  // scoreboard
  std::string mode;
  std::string at;
};

// One control subcommand: its options (besides the common ones), the request
// it sends and the line it prints on success (--json prints the reply).
struct ControlCommand {
  const char* name;
  const char* help;
  void (*options)(CLI::App& cmd, ControlArgs& a);
  bus::Request (*request)(const ControlArgs& a);
  std::string (*done)(const ControlArgs& a, const nlohmann::json& reply);
  // Refuses bad input before anything is sent (null: nothing to check here).
  Status (*check)(const ControlArgs& a) = nullptr;
};

const ControlCommand kControlCommands[] = {
    {"pause", "Pause the exercise clock (white cell)",
     [](CLI::App& cmd, ControlArgs& a) {
       cmd.add_option("--reason", a.reason, "recorded with the pause");
     },
     [](const ControlArgs& a) { return bus::MakePauseRequest(a.reason); },
     [](const ControlArgs&, const nlohmann::json& r) { return "paused at " + Clock(r); }},
    {"resume", "Resume the exercise clock", [](CLI::App&, ControlArgs&) {},
     [](const ControlArgs&) { return bus::MakeResumeRequest(); },
     [](const ControlArgs&, const nlohmann::json& r) { return "resumed at " + Clock(r); }},
    {"speed", "Set the exercise speed (60 = an hour a minute)",
     [](CLI::App& cmd, ControlArgs& a) {
       cmd.add_option("SPEED", a.speed, "exercise seconds per wall second, 0.01..1000")->required();
     },
     [](const ControlArgs& a) { return bus::MakeSpeedRequest(a.speed); },
     [](const ControlArgs& a, const nlohmann::json& r) {
       std::string out = fmt::format("speed {}", a.speed);
       // Open task deadlines that now pass in a few wall minutes.
       for (const auto& w : r.value("warnings", nlohmann::json::array())) {
         out += "\nwarning: " + w.value("message", std::string());
       }
       return out;
     },
     // Refused here too, so that the message does not depend on the engine.
     [](const ControlArgs& a) { return ValidateSpeed(a.speed); }},
    {"stop", "End the exercise now (white cell)",
     [](CLI::App& cmd, ControlArgs& a) {
       cmd.add_option("--reason", a.reason, "recorded with the stop");
     },
     [](const ControlArgs& a) { return bus::MakeStopRequest(a.reason); },
     [](const ControlArgs&, const nlohmann::json& r) { return "stopping at " + Clock(r); }},
    {"inject", "Fire an inject now (manual injects and overrides)",
     [](CLI::App& cmd, ControlArgs& a) {
       cmd.add_option("INJECT", a.inject, "inject name from scenario.lua")->required();
       cmd.add_option("--team", a.team, "blue team to fire it for (default: every blue team)");
     },
     [](const ControlArgs& a) { return bus::MakeFireInjectRequest(a.inject, a.team); },
     [](const ControlArgs& a, const nlohmann::json& r) {
       return fmt::format("fired {} for {} at {}", a.inject,
                          a.team.empty() ? "every blue team" : a.team, Clock(r));
     }},
    {"submit",
     "Submit for a team: an incident report or a task response (blue), a finding or a flag (red)",
     [](CLI::App& cmd, ControlArgs& a) {
       cmd.add_option("--team", a.team, "submitting team (remote: the credential's)");
       cmd.add_option("--kind", a.kind, "report, finding, flag or response")
           ->check(CLI::IsMember({"report", "finding", "flag", "response"}))
           ->capture_default_str();
       cmd.add_option("--node", a.finding.node, "node concerned (report, finding)");
       cmd.add_option("--technique", a.report.technique,
                      "ATT&CK technique id, e.g. T1190 (report)");
       cmd.add_option("--observed-at", a.report.observed_at,
                      "exercise time the activity was seen, e.g. 01:20:00 (report; default now)");
       cmd.add_option("--description", a.report.description, "what was seen (report)");
       cmd.add_option("--vulnerability", a.finding.vulnerability, "vulnerability id (finding)");
       cmd.add_option("--evidence", a.finding.evidence, "evidence text (finding)");
       cmd.add_option("--flag", a.flag, "the flag text (flag)");
       cmd.add_option("--inject", a.inject, "the white-cell task answered (response)");
       cmd.add_option("--text", a.text, "the response (response)");
       cmd.add_option("--against", a.finding.against,
                      "blue team whose copy it concerns (finding, flag)");
     },
     [](const ControlArgs& a) {
       if (a.kind == "report") {
         bus::ReportFields f = a.report;
         f.node = a.finding.node;
         return bus::MakeSubmitReportRequest(a.team, f);
       }
       if (a.kind == "finding") return bus::MakeSubmitFindingRequest(a.team, a.finding);
       if (a.kind == "response") return bus::MakeSubmitResponseRequest(a.team, a.inject, a.text);
       return bus::MakeSubmitFlagRequest(a.team, a.flag, a.finding.against);
     },
     [](const ControlArgs&, const nlohmann::json& r) {
       return "accepted and stored as event " + Seq(r);
     },
     [](const ControlArgs& a) {
       if (a.kind == "response" && (a.inject.empty() || a.text.empty())) {
         return Status::InvalidArgument("--kind response needs --inject NAME and --text TEXT");
       }
       return Status::Ok();
     }},
    {"grade", "Grade a team's submission (--seq) or its response to a task (--inject)",
     [](CLI::App& cmd, ControlArgs& a) {
       cmd.add_option("--team", a.team, "the graded team")->required();
       cmd.add_option("--rubric", a.grade.rubric, "band: 0, 50 or 100 (% of the points)")
           ->check(CLI::IsMember({"0", "50", "100"}))
           ->required();
       cmd.add_option("--points", a.points,
                      "full points of the graded item, >= 0 (default for a task: its points)");
       auto* seq = cmd.add_option("--seq", a.grade.target_seq,
                                  "event seq of the graded submission of that team");
       auto* inj = cmd.add_option("--inject", a.grade.inject,
                                  "the white-cell task whose response is graded");
       seq->excludes(inj);
       cmd.add_option("--comment", a.grade.comment, "grader's comment");
     },
     [](const ControlArgs& a) {
       bus::GradeFields g = a.grade;
       if (!std::isnan(a.points)) g.points = a.points;
       return bus::MakeGradeRequest(a.team, g);
     },
     [](const ControlArgs&, const nlohmann::json& r) { return "grade stored as event " + Seq(r); },
     [](const ControlArgs& a) {
       if (a.grade.target_seq <= 0 && a.grade.inject.empty()) {
         return Status::InvalidArgument(
             "grade names what it grades: --seq N (a submission of that team) or --inject NAME "
             "(a task)");
       }
       if (!std::isnan(a.points) && a.points < 0) {
         return Status::InvalidArgument("--points must be >= 0 (a grade cannot take points away)");
       }
       return Status::Ok();
     }},
    {"review", "Accept or reject a red finding that matches no planted vulnerability",
     [](CLI::App& cmd, ControlArgs& a) {
       cmd.add_option("--seq", a.review.target_seq, "event seq of the finding")->required();
       auto* acc = cmd.add_flag("--accept", a.accept, "a real weakness: counts as found");
       auto* rej = cmd.add_flag("--reject", a.reject, "not a weakness");
       acc->excludes(rej);
       cmd.add_option("--severity", a.review.severity, "low, medium, high or critical")
           ->check(CLI::IsMember({"low", "medium", "high", "critical"}));
       cmd.add_option("--comment", a.review.comment, "reviewer's comment");
     },
     [](const ControlArgs& a) {
       bus::ReviewFields f = a.review;
       f.accepted = a.accept;
       return bus::MakeReviewFindingRequest(f);
     },
     [](const ControlArgs& a, const nlohmann::json& r) {
       return fmt::format("finding {} {}; stored as event {}", a.review.target_seq,
                          a.accept ? "accepted" : "rejected", Seq(r));
     },
     [](const ControlArgs& a) {
       if (a.accept == a.reject) return Status::InvalidArgument("give --accept or --reject");
       return Status::Ok();
     }},
    {"scoreboard",
     "Show the scoreboard to observers and teams live, frozen at a time, or hidden (white cell)",
     [](CLI::App& cmd, ControlArgs& a) {
       cmd.add_option("--mode", a.mode, "live, frozen or hidden")
           ->check(CLI::IsMember({"live", "frozen", "hidden"}))
           ->required();
       cmd.add_option("--at", a.at,
                      "frozen: the exercise time it shows, e.g. 2h or 01:30:00 (default now)");
     },
     [](const ControlArgs& a) { return bus::MakeScoreboardRequest(a.mode, a.at); },
     [](const ControlArgs&, const nlohmann::json& r) {
       const std::string mode = r.value("mode", std::string());
       if (mode == "frozen") return "scoreboard frozen at " + r.value("at", std::string());
       return "scoreboard " + mode;
     },
     [](const ControlArgs& a) {
       if (!a.at.empty() && a.mode != "frozen") {
         return Status::InvalidArgument("--at goes with --mode frozen");
       }
       if (!a.at.empty()) return ParseDuration(a.at).status().WithContext("--at");
       return Status::Ok();
     }},
    {"message", "Write to a team, or to every team, in its portal and feed (white cell)",
     [](CLI::App& cmd, ControlArgs& a) {
       cmd.add_option("--to", a.team, "the team it is for, or all")->required();
       cmd.add_option("TEXT", a.text, "the message (up to 4 KiB)")->required();
     },
     [](const ControlArgs& a) { return bus::MakeMessageRequest(a.team, a.text); },
     [](const ControlArgs& a, const nlohmann::json& r) {
       return fmt::format("message to {} stored as event {}", a.team, Seq(r));
     }},
};

}  // namespace

void RegisterControl(CLI::App& app, Context& ctx) {
  for (const ControlCommand& spec : kControlCommands) {
    auto a = std::make_shared<ControlArgs>();
    Common& c = a->common;
    CLI::App* cmd = app.add_subcommand(spec.name, spec.help);
    cmd->add_option("ID", c.id, "exercise id")->required();
    cmd->add_option("--client", c.client, "name recorded as the sender")->capture_default_str();
    cmd->add_option("--timeout", c.timeout_s, "seconds to wait for the engine")
        ->capture_default_str();
    cmd->add_flag("--json", c.json, "print the engine's reply as JSON");
    AddRemoteOptions(cmd, c.remote);
    spec.options(*cmd, *a);
    cmd->callback([&ctx, &spec, a] {
      if (spec.check) {
        if (Status v = spec.check(*a); !v.ok()) {
          ctx.status = v;
          return;
        }
      }
      auto rep = Call(ctx, a->common, spec.request(*a));
      if (!rep.ok()) {
        ctx.status = rep.status();
        return;
      }
      if (a->common.json) {
        ctx.out << rep->body.dump(2) << "\n";
      } else {
        ctx.out << spec.done(*a, rep->body) << "\n";
      }
    });
  }
}

}  // namespace livefire::cli
