#pragma once
// A recorded exercise of the shipped provincial-portal scenario for report
// tests: the real runtime in fast mode with live scoring, the guest agent
// replaced by a scripted range in which the whole attack chain succeeds in
// both blue teams' copies. blue1 spots the CGI abuse, blue2 does not; blue2
// also has two outages (one long enough for SLA charges) and files a false
// report whose description carries markup. Service checks are played by a
// small extension on the exercise clock (no network), so that every event,
// score.changed included, is recorded exactly as in a live run.
//
// Header-only: shared by tests/scoring and tests/cli.

#include <fmt/format.h>
#include <unistd.h>

#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "livefire/guest/guest_io.h"
#include "livefire/ids.h"
#include "livefire/live/live.h"
#include "livefire/runtime/exercise.h"
#include "livefire/scenario/loader.h"
#include "livefire/scoring/config.h"
#include "livefire/status.h"
#include "livefire/topology/plan.h"

namespace livefire::testing_report {

inline std::string PortalScenarioDir() {
  return std::string(LIVEFIRE_SOURCE_DIR) + "/scenarios/provincial-portal";
}

// What the scripted guests of every team's copy remember.
struct PortalRange {
  const topology::RangePlan* plan = nullptr;
  std::map<std::string, std::string> files;  // "team:node:path" -> content
  std::set<std::string> exploited, lateral, defaced;

  std::string Addr(const std::string& team, const std::string& node) const {
    for (const auto& d : plan->domains) {
      if (d.team == team && d.node == node && !d.interfaces.empty()) {
        return d.interfaces.front().address;
      }
    }
    return "";
  }

  // The team whose copy holds an address (requests from the shared attacker
  // node carry team "shared": the URL says which copy they cross into).
  std::string TeamOf(const std::string& command) const {
    for (const auto& d : plan->domains) {
      for (const auto& i : d.interfaces) {
        if (!d.team.empty() && command.find("//" + i.address + ":") != std::string::npos) {
          return d.team;
        }
      }
    }
    return "";
  }

  guest::GuestReply Answer(const guest::GuestRequest& r) {
    using Op = guest::GuestRequest::Op;
    guest::GuestReply out;
    const std::string& c = r.command;
    if (r.op == Op::kHttp) {  // the portal's front page, from the host
      out.http_status = 200;
      out.out =
          defaced.count(r.team) ? "HACKED-BY-RED1\n" : "<h1>Cong thong tin dien tu tinh</h1>\n";
      return out;
    }
    if (r.op == Op::kPut) {
      files[r.team + ":" + r.node + ":" + r.path] = r.content;
      if (r.node == "portal" && r.path == "/www/index.html") defaced.erase(r.team);
      return out;
    }
    if (r.op == Op::kGet) {
      auto it = files.find(r.team + ":" + r.node + ":" + r.path);
      if (it == files.end()) {
        out.status = Status::NotFound("no such file " + r.path);
      } else {
        out.out = it->second;
      }
      return out;
    }
    const std::string ping = "PING 127.0.0.1 (127.0.0.1): 56 data bytes\n";
    if (c.find("wget ") != std::string::npos) {  // through ping.cgi, from the attacker node
      const std::string team = TeamOf(c);
      out.err = "  HTTP/1.0 200 OK\n";
      out.out = ping;
      if (c.find("/root/flag.txt") != std::string::npos) {
        exploited.insert(team);
        out.out += "FLAG{dvc-root-7f3a91}\n";
      } else if (c.find("credentials.txt") != std::string::npos) {
        out.out += "admin:HoaBinhXanh@2024\n";
      } else if (c.find("secret.txt") != std::string::npos) {
        out.out += "TÀI LIỆU MẬT - Kế hoạch chuyển đổi số 2026\nFLAG{docs-exfil-52c8e0}\n";
      } else if (c.find("HACKED-BY-RED1") != std::string::npos) {
        defaced.insert(team);
      } else if (c.find("telnet") != std::string::npos) {
        lateral.insert(team);
        out.out += "uid=0(root) gid=0(root)\n";
      }
      return out;
    }
    if (c == "cat /var/log/cgi.log") {
      // Only blue1's sensor logs the injected command line.
      if (r.team == "blue1" && exploited.count(r.team)) {
        out.out = "GET /cgi-bin/ping.cgi?host=127.0.0.1;cat /root/flag.txt\n";
      }
      return out;
    }
    if (c == "cat /var/log/telnet.log") {
      if (lateral.count(r.team)) out.out = "login root from " + Addr(r.team, "dichvucong") + "\n";
      return out;
    }
    if (c.find("ping-safe.cgi") != std::string::npos) return out;  // patch-cgi
    out.exit_code = 127;
    out.err = "sh: not found";
    return out;
  }
};

// Service checks on the exercise clock: every minute, every checked service
// of every blue team; the portal is down while defaced, blue2's public
// service site is down 00:40-00:49 and its mail relay 01:00-01:03. Also
// files blue2's false report and blue1's graded status report.
class ScriptedChecks : public runtime::Extension {
 public:
  explicit ScriptedChecks(PortalRange& range) : range_(range) {}
  std::string_view name() const override { return "scripted-checks"; }
  void OnEvent(runtime::ExerciseContext&, const Event& e, bool) override {
    if (e.kind == kinds::kSubmissionReport && e.team == "blue1" &&
        e.payload.value("technique", "x").empty()) {
      status_report_seq_ = e.seq;
    }
  }
  void OnStart(runtime::ExerciseContext& ctx) override {
    Duration end = ctx.scenario().meta.duration;
    for (Duration t = Duration::Minutes(1); t <= end; t += Duration::Minutes(1)) {
      ctx.scheduler().At(
          SimTime::Start() + t, [this, &ctx, t](SimTime) { Round(ctx, t); }, "scripted checks");
    }
    ctx.scheduler().At(SimTime::Start() + Duration::Minutes(42), [&ctx](SimTime now) {
      (void)ctx.Record("blue2", kinds::kSubmissionReport,
                       {{"node", "mail"},
                        {"technique", "T1059"},
                        {"observed_at", now.nanos() - Duration::Minutes(2).nanos()},
                        {"description", "<script>alert('xss')</script> lệnh lạ trên máy chủ thư"}});
    });
    ctx.scheduler().At(SimTime::Start() + Duration::Minutes(100), [&ctx](SimTime now) {
      (void)ctx.Record("blue1", kinds::kSubmissionReport,
                       {{"node", "portal"},
                        {"technique", ""},
                        {"observed_at", now.nanos()},
                        {"description", "Báo cáo tình hình ứng cứu gửi Bộ TT&TT"}});
    });
    ctx.scheduler().At(SimTime::Start() + Duration::Minutes(110), [this, &ctx](SimTime) {
      (void)ctx.Record("blue1", kinds::kGradeGiven,
                       {{"target_seq", status_report_seq_},
                        {"rubric", 100},
                        {"points", 20},
                        {"grader", "white"},
                        {"inject", "ministry-status"},
                        {"comment", "đầy đủ, đúng hạn"}});
    });
  }

 private:
  void Round(runtime::ExerciseContext& ctx, Duration t) {
    for (const std::string team : {"blue1", "blue2"}) {
      Check(ctx, team, "portal", "http", !range_.defaced.count(team),
            "HTTP 200: body (15 bytes) lacks \"Cong thong tin\"");
      bool dvc_down = team == "blue2" && t >= Duration::Minutes(40) && t < Duration::Minutes(50);
      Check(ctx, team, "dichvucong", "http", !dvc_down, "connect: Connection refused");
      bool mail_down = team == "blue2" && t >= Duration::Minutes(60) && t < Duration::Minutes(64);
      Check(ctx, team, "mail", "smtp", !mail_down, "timed out after 5s waiting for greeting");
    }
  }
  void Check(runtime::ExerciseContext& ctx, const std::string& team, const std::string& node,
             const std::string& service, bool up, const std::string& down_detail) {
    (void)ctx.Record(team, kinds::kCheckResult,
                     {{"service", service},
                      {"node", node},
                      {"status", up ? "up" : "down"},
                      {"latency_ms", up ? 3 : 5000},
                      {"detail", up ? "ok" : down_detail},
                      {"check", service == "smtp" ? "smtp" : "http"}});
  }
  PortalRange& range_;
  int64_t status_report_seq_ = 0;
};

// Records the exercise under state_dir/exercises/<id>. Returns the error of
// the first step that failed.
inline Status RecordPortalExercise(const std::string& state_dir, const ExerciseId& id) {
  scenario::LoadOptions lo;
  lo.templates_dir = std::string(LIVEFIRE_SOURCE_DIR) + "/vm-templates";
  LF_ASSIGN_OR_RETURN(model::Scenario s, scenario::LoadValidScenario(PortalScenarioDir(), lo));
  LF_ASSIGN_OR_RETURN(topology::RangePlan plan, topology::MakePlan(s));
  PortalRange range;
  range.plan = &plan;
  guest::ScriptedGuestIo guest([&range](const guest::GuestRequest& r) { return range.Answer(r); });
  runtime::ExerciseOptions o;
  o.state_dir = state_dir;
  o.id = id;
  o.fast = true;
  o.bind_bus = false;
  o.created_extra = {{"scoring", scoring::ConfigToJson(scoring::MakeScoringConfig(s))}};
  LF_ASSIGN_OR_RETURN(auto ex, runtime::Exercise::Open(s, plan, guest, o));
  live::LiveScoring live(s, plan, {.run_checks = false});
  ScriptedChecks checks(range);
  ex->AddExtension(&checks);
  ex->AddExtension(&live);
  LF_RETURN_IF_ERROR(ex->Run());
  ex.reset();
  return Status::Ok();
}

}  // namespace livefire::testing_report
