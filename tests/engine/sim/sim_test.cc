// The simulator (#18 item 7) on networks small enough to know the answer by
// hand: determinism, a firewall rule that cuts the only path, a patch that
// lands before the exploit, credentials reused across nodes.
#include "livefire/sim/sim.h"

#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "../graph/scenario_builder.h"
#include "livefire/testing/firewall_rules.h"
#include "livefire/testing/temp_dir.h"

namespace livefire::sim {
namespace {

using model::RuleAction;
using model::VulnEffect;
using testsupport::AddService;
using testsupport::AddVuln;
using testsupport::Builder;
using testsupport::ThreeZones;

// red -(http 80)-> portal -(ssh 22)-> db: the portal's CGI gives root, a
// backup on it yields db-admin, which logs in to db over ssh.
Builder Reuse() {
  Builder b = ThreeZones();
  auto& s = b.s();
  s.meta.duration = Duration::Hours(8);
  s.meta.seed = 42;
  AddService(s.nodes[1], "http", "tcp", 80);
  AddVuln(s.nodes[1], "cgi-cmd-injection", "http", 1);
  AddVuln(s.nodes[1], "world-readable-backup", "", 1);
  s.nodes[1].vulnerabilities.back().effect = VulnEffect::kCredentials;
  s.nodes[1].vulnerabilities.back().yields = {"db-admin"};
  AddService(s.nodes[3], "ssh", "tcp", 22);
  model::Account a;
  a.user = "admin";
  a.password = "Secret@2026";
  a.admin = true;
  a.credential = "db-admin";
  a.login = {"ssh"};
  s.nodes[3].accounts.push_back(a);
  b.Rule(RuleAction::kAllow, "red", "dmz", "tcp", 80, 80)
      .Rule(RuleAction::kAllow, "dmz", "internal", "tcp", 22, 22);
  b.Objective("db-flag", "db");
  return b;
}

topology::RangePlan Teams(std::vector<std::string> names) {
  topology::RangePlan p;
  p.blue_teams = std::move(names);
  return p;
}

std::vector<Event> Play(const model::Scenario& s, const topology::RangePlan& plan, Options o) {
  std::vector<Event> log;
  int64_t seq = 0;
  auto r = Run(s, plan, o, [&](Event& e) {
    e.seq = ++seq;
    log.push_back(e);
    return Status::Ok();
  });
  EXPECT_TRUE(r.ok()) << r.status().message();
  return log;
}

std::string Dump(const std::vector<Event>& log) {
  std::string out;
  for (const auto& e : log) {
    out += std::to_string(e.seq) + " " + std::to_string(e.time.nanos()) + " " + e.team + " " +
           e.kind + " " + e.payload.dump() + "\n";
  }
  return out;
}

std::vector<const Event*> Of(const std::vector<Event>& log, std::string_view kind,
                             std::string_view team = "") {
  std::vector<const Event*> out;
  for (const auto& e : log) {
    if (e.kind == kind && (team.empty() || e.team == team)) out.push_back(&e);
  }
  return out;
}

TEST(Sim, SameSeedGivesTheSameLogAnotherSeedAnother) {
  Builder b = Reuse();
  auto plan = Teams({"blue1", "blue2"});
  Options o;
  o.seed = 7;
  const std::string a = Dump(Play(b.s(), plan, o)), again = Dump(Play(b.s(), plan, o));
  EXPECT_EQ(a, again);
  o.seed = 8;
  EXPECT_NE(a, Dump(Play(b.s(), plan, o)));
  EXPECT_NE(a.find("red.action"), std::string::npos);
}

TEST(Sim, CredentialReuseReachesTheDatabaseThroughALogin) {
  Builder b = Reuse();
  Options o;
  o.blue = BluePolicy::kNone;  // nobody stops red: every step eventually succeeds
  o.params.exploit_success = 1.0;
  auto log = Play(b.s(), Teams({"blue1"}), o);
  auto reached = Of(log, kinds::kObjectiveReached);
  ASSERT_EQ(reached.size(), 1u) << Dump(log);
  EXPECT_EQ(reached[0]->payload["node"], "db");
  // Before it: the CGI exploit on the portal, the backup read, then a login to db
  // as admin (Valid Accounts), in that order.
  std::vector<std::string> steps;
  for (const auto* e : Of(log, kinds::kRedAction)) {
    if (e->seq < reached[0]->seq)
      steps.push_back(e->payload["node"].get<std::string>() + " " +
                      e->payload["technique"].get<std::string>());
  }
  EXPECT_EQ(steps, (std::vector<std::string>{"portal T1190", "portal T1552", "db T1078"}))
      << Dump(log);

  // Without the backup nothing discloses db-admin: db is out of reach.
  b.s().nodes[1].vulnerabilities.pop_back();
  EXPECT_TRUE(Of(Play(b.s(), Teams({"blue1"}), o), kinds::kObjectiveReached).empty());
}

TEST(Sim, FirewallRuleCuttingTheOnlyPathMakesTheObjectiveUnreachableInEveryRun) {
  Builder b = Reuse();
  b.s().rules.insert(
      b.s().rules.begin() + 1,
      testsupport::MakeRule(RuleAction::kDeny, "dmz", "db", "tcp", 22, 22, {"scenario.lua", 99}));
  Options o;
  o.blue = BluePolicy::kNone;
  o.params.exploit_success = 1.0;
  for (RedPolicy red : {RedPolicy::kPaths, RedPolicy::kRandom}) {
    o.red = red;
    for (uint64_t seed = 1; seed <= 20; ++seed) {
      o.seed = seed;
      auto log = Play(b.s(), Teams({"blue1", "blue2"}), o);
      EXPECT_TRUE(Of(log, kinds::kObjectiveReached).empty()) << "seed " << seed;
      // Red still took the portal: the cut is where the rule is, not before.
      bool portal = false;
      for (const auto* e : Of(log, kinds::kRedAction)) portal |= e->payload["node"] == "portal";
      EXPECT_TRUE(portal) << "seed " << seed;
    }
  }
}

TEST(Sim, APatchBeforeTheExploitCompletesPreventsIt) {
  // One weakness, slow to exploit (mean 2 h), seen at once and patched within
  // minutes: across seeds, every run where the patch lands before the exploit
  // completes ends with red outside; runs where it does not, red inside.
  Builder b = ThreeZones();
  auto& s = b.s();
  s.meta.duration = Duration::Hours(8);
  AddService(s.nodes[1], "http", "tcp", 80);
  AddVuln(s.nodes[1], "cgi-cmd-injection", "http", 1);
  auto& v = s.nodes[1].vulnerabilities.back();
  v.sim.success = 1.0;
  v.sim.time_to_exploit = Duration::Hours(2);
  v.sim.detect = 1.0;
  v.sim.detect_delay = Duration::Minutes(2);
  v.sim.time_to_patch = Duration::Minutes(5);
  v.sim.block = 0.0;  // the patch alone (a firewall block is the next test's)
  b.Rule(RuleAction::kAllow, "red", "dmz", "tcp", 80, 80);
  b.Objective("portal-flag", "portal");
  int prevented = 0, reached = 0;
  for (uint64_t seed = 1; seed <= 40; ++seed) {
    Options o;
    o.seed = seed;
    auto log = Play(s, Teams({"blue1"}), o);
    auto patched = Of(log, "sim.patched");
    auto hit = Of(log, kinds::kObjectiveReached);
    ASSERT_LE(patched.size(), 1u);
    if (!patched.empty()) {
      // After the patch, that weakness gives nothing again.
      for (const auto* h : hit)
        EXPECT_LT(h->seq, patched[0]->seq) << "seed " << seed << "\n" << Dump(log);
    }
    if (hit.empty()) {
      ++prevented;
      EXPECT_EQ(patched.size(), 1u) << "seed " << seed;  // the only thing that stops red here
    } else {
      ++reached;
    }
  }
  // Exp(2 h) against ~7 minutes: most runs are prevented, some are not.
  EXPECT_GT(prevented, 25);
  EXPECT_GT(reached, 0);
}

TEST(Sim, AFirewallBlockBeforeTheExploitCompletesShutsRedOut) {
  // red -(http 80)-> portal, one weakness (mean 1 h to exploit), always seen
  // after ~2 min and its source (red's network) always blocked at the router
  // ~5 min later; no patch within the exercise. A run where the block lands
  // before the exploit completes ends with red outside and red never acting
  // again (nothing it can reach crosses the router any more); otherwise red
  // is in before the block. With no block, red is in in every run.
  Builder b = ThreeZones();
  auto& s = b.s();
  s.meta.duration = Duration::Hours(8);
  AddService(s.nodes[1], "http", "tcp", 80);
  AddVuln(s.nodes[1], "cgi-cmd-injection", "http", 1);
  auto& v = s.nodes[1].vulnerabilities.back();
  v.sim.success = 1.0;
  v.sim.time_to_exploit = Duration::Hours(1);
  v.sim.detect = 1.0;
  v.sim.detect_delay = Duration::Minutes(2);
  v.sim.time_to_patch = Duration::Hours(1000);
  v.sim.block = 1.0;
  v.sim.time_to_block = Duration::Minutes(5);
  b.Rule(RuleAction::kAllow, "red", "dmz", "tcp", 80, 80);
  b.Objective("portal-flag", "portal");
  int prevented = 0, reached = 0;
  for (uint64_t seed = 1; seed <= 40; ++seed) {
    Options o;
    o.seed = seed;
    auto log = Play(s, Teams({"blue1", "blue2"}), o);
    for (const std::string team : {"blue1", "blue2"}) {
      auto blocked = Of(log, "sim.blocked", team);
      auto hit = Of(log, kinds::kObjectiveReached, team);
      ASSERT_EQ(blocked.size(), 1u) << "seed " << seed << " " << team << "\n" << Dump(log);
      EXPECT_EQ(blocked[0]->payload["source"], "red");
      EXPECT_EQ(blocked[0]->payload["node"], "portal");
      EXPECT_EQ(Of(log, "sim.patched", team).size(), 0u);
      if (hit.empty()) {
        ++prevented;
        for (const auto* e : Of(log, kinds::kRedAction, team))
          EXPECT_LT(e->seq, blocked[0]->seq) << "seed " << seed << "\n" << Dump(log);
      } else {
        ++reached;
        EXPECT_LT(hit[0]->seq, blocked[0]->seq) << "seed " << seed << "\n" << Dump(log);
      }
    }
  }
  // Exp(1 h) against ~7 minutes: about 1 in 9 exploits completes first.
  RecordProperty("prevented", prevented);
  RecordProperty("reached", reached);
  EXPECT_GT(prevented, 60);
  EXPECT_GT(reached, 0);

  // The same seed gives the same log, blocks included.
  Options o;
  o.seed = 5;
  const std::string a = Dump(Play(s, Teams({"blue1", "blue2"}), o));
  EXPECT_EQ(a, Dump(Play(s, Teams({"blue1", "blue2"}), o)));
  EXPECT_NE(a.find("sim.blocked"), std::string::npos);

  // Without the block nothing stops red within the exercise.
  v.sim.block = 0.0;
  for (uint64_t seed = 1; seed <= 10; ++seed) {
    o.seed = seed;
    auto log = Play(s, Teams({"blue1"}), o);
    EXPECT_TRUE(Of(log, "sim.blocked").empty());
    EXPECT_EQ(Of(log, kinds::kObjectiveReached).size(), 1u) << "seed " << seed;
  }
}

TEST(Sim, InjectsFireOnTheLiveTriggersAndTasksAreAnsweredAndGraded) {
  Builder b = Reuse();
  auto& s = b.s();
  model::Inject task;
  task.name = "press-query";
  task.owner = model::InjectOwner::kWhite;
  task.trigger.kind = model::TriggerKind::kAt;
  task.trigger.at = Duration::Minutes(30);
  task.response_due = Duration::Hours(1);
  task.points_success = 10;
  s.injects.push_back(task);
  model::Inject red;
  red.name = "exploit-cgi";
  red.owner = model::InjectOwner::kRed;
  red.technique = "T1190";
  red.target = "portal";
  red.trigger.kind = model::TriggerKind::kAt;
  red.trigger.at = Duration::Minutes(10);
  s.injects.push_back(red);
  Options o;
  o.red = RedPolicy::kNone;  // red acts through its inject only
  o.params.response_rate = 1.0;
  auto log = Play(s, Teams({"blue1"}), o);
  auto fired = Of(log, kinds::kInjectFired);
  ASSERT_EQ(fired.size(), 2u) << Dump(log);
  EXPECT_EQ(fired[0]->payload["inject"], "exploit-cgi");
  EXPECT_EQ(fired[0]->time.nanos(), Duration::Minutes(10).nanos());
  EXPECT_EQ(fired[1]->time.nanos(), Duration::Minutes(30).nanos());
  auto actions = Of(log, kinds::kRedAction);
  ASSERT_FALSE(actions.empty());
  EXPECT_EQ(actions[0]->payload["inject"], "exploit-cgi");
  EXPECT_EQ(actions[0]->payload["technique"], "T1190");
  ASSERT_EQ(Of(log, kinds::kInjectOutcome).size(), 2u);
  auto resp = Of(log, kinds::kSubmissionResponse);
  auto grade = Of(log, kinds::kGradeGiven);
  ASSERT_EQ(resp.size(), 1u);
  ASSERT_EQ(grade.size(), 1u);
  EXPECT_EQ(grade[0]->payload["target_seq"], resp[0]->seq);
  EXPECT_EQ(grade[0]->payload["inject"], "press-query");
  EXPECT_EQ(log.back().kind, kinds::kExerciseEnded);
  EXPECT_EQ(log.back().time.nanos(), Duration::Hours(8).nanos());
}

TEST(Sim, TaskFiringsRecordWhetherBlueAnsweredInTime) {
  // One white task at 30 min, due 20 min after; the scripted team answers
  // every task (rate 1) after a log-normal time (median 15 min): the summary
  // says, per firing, whether the answer came by the due time, which the
  // events' own times confirm. With blue=none nobody answers.
  Builder b = Reuse();
  auto& s = b.s();
  model::Inject task;
  task.name = "status-report";
  task.owner = model::InjectOwner::kWhite;
  task.trigger.kind = model::TriggerKind::kAt;
  task.trigger.at = Duration::Minutes(30);
  task.response_due = Duration::Minutes(20);
  task.points_success = 10;
  s.injects.push_back(task);
  int on_time = 0, late = 0;
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    Options o;
    o.seed = seed;
    o.red = RedPolicy::kNone;
    o.params.response_rate = 1.0;
    std::vector<Event> log;
    int64_t seq = 0;
    auto r = sim::Run(s, Teams({"blue1", "blue2"}), o, [&](Event& e) {
      e.seq = ++seq;
      log.push_back(e);
      return Status::Ok();
    });
    ASSERT_TRUE(r.ok()) << r.status().message();
    ASSERT_EQ(r->tasks.size(), 2u);
    for (const TaskOutcome& t : r->tasks) {
      EXPECT_EQ(t.inject, "status-report");
      EXPECT_EQ(t.fired.nanos(), Duration::Minutes(30).nanos());
      EXPECT_EQ(t.due.nanos(), Duration::Minutes(20).nanos());
      EXPECT_TRUE(t.answered);
      auto resp = Of(log, kinds::kSubmissionResponse, t.team);
      ASSERT_EQ(resp.size(), 1u);
      EXPECT_EQ(t.on_time, resp[0]->time.nanos() <= Duration::Minutes(50).nanos())
          << "seed " << seed;
      (t.on_time ? on_time : late) += 1;
    }
    o.blue = BluePolicy::kNone;
    auto none = sim::Run(s, Teams({"blue1"}), o, [&](Event& e) {
      e.seq = ++seq;
      return Status::Ok();
    });
    ASSERT_TRUE(none.ok());
    ASSERT_EQ(none->tasks.size(), 1u);
    EXPECT_FALSE(none->tasks[0].answered);
    EXPECT_FALSE(none->tasks[0].on_time);
  }
  // P(LogNormal(15 min, 0.5) <= 20 min) = Phi(0.58) ~ 0.72: both outcomes occur.
  EXPECT_GT(on_time, late);
  EXPECT_GT(late, 0);
}

// The scenario's own red policy: Reuse's model with a scenario.lua that only
// declares the policy (ScenarioScript reads functions, not the topology).
struct LuaPolicy {
  testsupport::TempDir dir{"lf-simlua"};
  Builder b = Reuse();
  explicit LuaPolicy(const std::string& code) {
    b.s().file = dir.file("scenario.lua");
    std::ofstream(b.s().file) << code;
  }
  Result<RunSummary> Run(Options o, std::vector<Event>* log) {
    o.red = RedPolicy::kLua;
    int64_t seq = 0;
    return sim::Run(b.s(), Teams({"blue1", "blue2"}), o, [&](Event& e) {
      e.seq = ++seq;
      log->push_back(e);
      return Status::Ok();
    });
  }
};

TEST(Sim, AScenarioRedPolicyPicksAmongTheOptionsItIsShown) {
  // Always the first option: red walks portal, its backup, then db's login.
  LuaPolicy p("sim_policy {\n  red = function(view) return 1 end,\n}\n");
  Options o;
  o.blue = BluePolicy::kNone;
  o.params.exploit_success = 1.0;
  std::vector<Event> log;
  auto r = p.Run(o, &log);
  ASSERT_TRUE(r.ok()) << r.status().message();
  std::vector<std::string> steps;
  for (const auto* e : Of(log, kinds::kRedAction, "blue1"))
    steps.push_back(e->payload["node"].get<std::string>() + " " +
                    e->payload["technique"].get<std::string>());
  EXPECT_EQ(steps, (std::vector<std::string>{"portal T1190", "portal T1552", "db T1078"}));
  EXPECT_EQ(Of(log, kinds::kObjectiveReached).size(), 2u);  // both teams
  EXPECT_EQ(Of(log, kinds::kExerciseStarted)[0]->payload["policy"], "red=lua,blue=none");

  // The view: options with kind, node, source, weakness; what red holds; the
  // team. nil waits (red takes nothing). A math.random pick is seeded by the
  // run's seed: the same seed, the same log.
  LuaPolicy seen(R"(sim_policy { red = function(view)
  local o = view.options[1]
  assert(view.team == "blue1" or view.team == "blue2", "team")
  assert(#view.options == 1 and o.kind == "exploit" and o.node == "portal", "option")
  assert(o.source == "red" and o.vulnerability == "cgi-cmd-injection" and o.service == "http")
  assert(o.technique == "T1190" and o.crosses_firewall == true and o.cost == 1)
  assert(view.holds.attacker == "root" and view.holds.portal == nil and #view.credentials == 0)
  assert(view.time >= 300)
  view.options[1] = nil  -- a copy: changes nothing
  return nil
end }
)");
  log.clear();
  r = seen.Run(o, &log);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_TRUE(Of(log, kinds::kRedAction).empty());

  LuaPolicy random("sim_policy { red = function(view) return math.random(#view.options) end }\n");
  o.blue = BluePolicy::kScripted;
  o.params.exploit_success = 0.7;
  o.seed = 3;
  std::vector<Event> a, again;
  ASSERT_TRUE(random.Run(o, &a).ok());
  ASSERT_TRUE(random.Run(o, &again).ok());
  EXPECT_EQ(Dump(a), Dump(again));
  EXPECT_FALSE(Of(a, kinds::kRedAction).empty());
}

TEST(Sim, AScenarioRedPolicyThatFailsOrAnswersWronglyStopsTheRunWithFileAndLine) {
  Options o;
  std::vector<Event> log;
  {
    LuaPolicy p("sim_policy {\n  red = function(view)\n    return view.nope.x\n  end,\n}\n");
    auto r = p.Run(o, &log);
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.status().message().find(p.b.s().file + ":3:"), std::string::npos)
        << r.status().message();
  }
  {
    LuaPolicy p("\nsim_policy { red = function(view) return 99 end }\n");
    auto r = p.Run(o, &log);
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.status().message().find(p.b.s().file +
                                        ":2: sim_policy red returned 99, not an option index in "
                                        "1..1 (or nil to wait)"),
              std::string::npos)
        << r.status().message();
  }
  {
    LuaPolicy p("sim_policy { red = function(view) return \"first\" end }\n");
    auto r = p.Run(o, &log);
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.status().message().find(":1: sim_policy red returned string"), std::string::npos)
        << r.status().message();
  }
  {
    LuaPolicy p("sim_policy {\n red = function(view)\n  while true do end\n end }\n");
    o.policy_instruction_limit = 100'000;
    auto r = p.Run(o, &log);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), StatusCode::kResourceExhausted) << r.status().message();
    EXPECT_NE(r.status().message().find("instruction budget"), std::string::npos);
    EXPECT_NE(r.status().message().find(p.b.s().file + ":3:"), std::string::npos)
        << r.status().message();
  }
  {
    LuaPolicy p("-- no policy here\n");
    auto r = p.Run(o, &log);
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.status().message().find("declares no sim_policy"), std::string::npos)
        << r.status().message();
  }
}

TEST(Sim, PolicyTextIsParsedAndBadValuesAreNamed) {
  RedPolicy red = RedPolicy::kPaths;
  BluePolicy blue = BluePolicy::kScripted;
  ASSERT_TRUE(ParsePolicy("red=random,blue=none", red, blue).ok());
  EXPECT_EQ(red, RedPolicy::kRandom);
  EXPECT_EQ(blue, BluePolicy::kNone);
  Status st = ParsePolicy("red=smart", red, blue);
  EXPECT_FALSE(st.ok());
  EXPECT_NE(st.message().find("red=smart"), std::string::npos);
  EXPECT_FALSE(ParsePolicy("green=paths", red, blue).ok());
  ASSERT_TRUE(ParsePolicy("red=lua", red, blue).ok());
  EXPECT_EQ(red, RedPolicy::kLua);
}

}  // namespace
}  // namespace livefire::sim
