#include "livefire/runtime/triggers.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace livefire::runtime {
namespace {

using model::AfterOutcome;
using model::Inject;
using model::TriggerKind;

Inject At(std::string name, Duration at) {
  Inject i;
  i.name = std::move(name);
  i.owner = model::InjectOwner::kRed;
  i.trigger.kind = TriggerKind::kAt;
  i.trigger.at = at;
  return i;
}

Inject After(std::string name, std::string pre, AfterOutcome on, Duration delay) {
  Inject i;
  i.name = std::move(name);
  i.trigger.kind = TriggerKind::kAfter;
  i.trigger.after = std::move(pre);
  i.trigger.on = on;
  i.trigger.delay = delay;
  return i;
}

Inject Condition(std::string name, Duration poll) {
  Inject i;
  i.name = std::move(name);
  i.trigger.kind = TriggerKind::kCondition;
  i.trigger.poll_interval = poll;
  return i;
}

// Records fires as "name@team@seconds" and answers each fire through a
// scripted outcome, as the runtime does when a body finishes.
struct Harness {
  model::Scenario s;
  Scheduler sched;
  std::vector<std::string> log;
  std::map<std::string, std::vector<Outcome>> script;  // per inject, outcomes in order
  std::map<std::string, bool> condition;               // per inject
  bool async_conditions = false;  // answer later, as a predicate waiting on a guest would
  std::unique_ptr<TriggerEngine> engine;

  void Start(std::vector<std::string> teams = {"blue1"}) {
    TriggerEngine::Hooks hooks;
    hooks.fire = [this](const Inject& inj, const std::string& team, SimTime now) {
      log.push_back(fmt::format("{}@{}@{}", inj.name, team, (now - SimTime::Start()).millis() / 1000));
      auto& outs = script[inj.name];
      Outcome o = outs.empty() ? Outcome::kSuccess : outs.front();
      if (!outs.empty()) outs.erase(outs.begin());
      // Bodies finish one second after they start.
      sched.After(Duration::Seconds(1), [this, name = inj.name, team, o](SimTime) {
        ASSERT_TRUE(engine->OnOutcome(name, team, o).ok());
      });
    };
    hooks.poll = [this](const Inject& inj, const std::string&, SimTime) -> std::optional<bool> {
      if (async_conditions) return std::nullopt;
      return condition[inj.name];
    };
    engine = std::make_unique<TriggerEngine>(s, teams, sched, hooks);
    engine->Arm();
  }
  void RunFor(Duration d) { sched.RunUntil(sched.Now() + d); }
};

TEST(Triggers, AtTriggerFiresOncePerTeamAtItsTime) {
  Harness h;
  h.s.injects.push_back(At("scan", Duration::Minutes(10)));
  h.Start({"blue1", "blue2"});
  h.RunFor(Duration::Minutes(9));
  EXPECT_TRUE(h.log.empty());
  h.RunFor(Duration::Hours(1));
  EXPECT_EQ(h.log, (std::vector<std::string>{"scan@blue1@600", "scan@blue2@600"}));
}

TEST(Triggers, AfterTriggerWaitsForTheMatchingOutcomePlusDelay) {
  Harness h;
  h.s.injects.push_back(At("exploit", Duration::Seconds(10)));
  h.s.injects.push_back(After("lateral", "exploit", AfterOutcome::kSuccess, Duration::Minutes(5)));
  h.s.injects.push_back(After("cleanup", "exploit", AfterOutcome::kFailure, Duration::Zero()));
  h.s.injects.push_back(After("report", "exploit", AfterOutcome::kCompletion, Duration::Seconds(2)));
  h.Start();
  h.RunFor(Duration::Hours(1));
  // exploit ends at 11 s; lateral at 11 + 300; report at 13; cleanup never.
  EXPECT_EQ(h.log,
            (std::vector<std::string>{"exploit@blue1@10", "report@blue1@13", "lateral@blue1@311"}));
  auto why = h.engine->Why("cleanup", "blue1");
  ASSERT_TRUE(why.ok());
  EXPECT_NE(why->find("waiting for 'exploit' to end in failure"), std::string::npos) << *why;
  EXPECT_NE(why->find("will not fire"), std::string::npos) << *why;
}

TEST(Triggers, FailureTriggerAlsoFollowsAnError) {
  Harness h;
  h.s.injects.push_back(At("exploit", Duration::Seconds(1)));
  h.s.injects.push_back(After("fallback", "exploit", AfterOutcome::kFailure, Duration::Zero()));
  h.script["exploit"] = {Outcome::kError};
  h.Start();
  h.RunFor(Duration::Minutes(1));
  EXPECT_EQ(h.log, (std::vector<std::string>{"exploit@blue1@1", "fallback@blue1@2"}));
}

TEST(Triggers, RepeatsUntilSuccessAtTheInterval) {
  Harness h;
  Inject i = At("brute", Duration::Seconds(0));
  i.repeat_count = 5;
  i.repeat_interval = Duration::Minutes(1);
  i.until_success = true;
  h.s.injects.push_back(i);
  h.script["brute"] = {Outcome::kFailure, Outcome::kFailure, Outcome::kSuccess, Outcome::kFailure};
  h.Start();
  h.RunFor(Duration::Hours(1));
  // Runs at 0, outcome 1 -> next 61, outcome 62 -> next 122 (success) -> stop.
  EXPECT_EQ(h.log, (std::vector<std::string>{"brute@blue1@0", "brute@blue1@61",
                                             "brute@blue1@122"}));
  EXPECT_NE(h.engine->Why("brute", "blue1")->find("finished: succeeded"), std::string::npos);
}

TEST(Triggers, RepeatCountBoundsRunsWithoutUntilSuccess) {
  Harness h;
  Inject i = At("beacon", Duration::Seconds(0));
  i.repeat_count = 3;
  i.repeat_interval = Duration::Seconds(10);
  h.s.injects.push_back(i);
  h.Start();
  h.RunFor(Duration::Hours(1));
  EXPECT_EQ(h.log.size(), 3u);
  EXPECT_EQ(h.engine->Find("beacon", "blue1")->runs, 3);
}

TEST(Triggers, ConditionIsPolledUntilTrue) {
  Harness h;
  h.s.injects.push_back(Condition("respond", Duration::Seconds(30)));
  h.Start();
  h.RunFor(Duration::Seconds(100));  // polls at 30, 60, 90: all false
  EXPECT_TRUE(h.log.empty());
  EXPECT_NE(h.engine->Why("respond", "blue1")->find("condition was false at 00:01:30"),
            std::string::npos)
      << *h.engine->Why("respond", "blue1");
  h.condition["respond"] = true;
  h.RunFor(Duration::Seconds(30));
  EXPECT_EQ(h.log, (std::vector<std::string>{"respond@blue1@120"}));
}

TEST(Triggers, AsynchronousConditionFiresWhenItsAnswerArrives) {
  Harness h;
  h.s.injects.push_back(Condition("detect", Duration::Seconds(30)));
  h.async_conditions = true;
  h.Start();
  h.RunFor(Duration::Seconds(40));  // first poll at 30 s: pending
  EXPECT_NE(h.engine->Why("detect", "blue1")->find("being evaluated"), std::string::npos);
  // No further polls while one is pending.
  h.RunFor(Duration::Minutes(5));
  EXPECT_TRUE(h.log.empty());
  ASSERT_TRUE(h.engine->OnConditionResult("detect", "blue1", false).ok());
  EXPECT_FALSE(h.engine->OnConditionResult("detect", "blue1", true).ok());  // none pending now
  h.RunFor(Duration::Seconds(30));  // polled again: pending
  ASSERT_TRUE(h.engine->OnConditionResult("detect", "blue1", true).ok());
  EXPECT_EQ(h.log.size(), 1u);
}

TEST(Triggers, ManualInjectWaitsForTheWhiteCell) {
  Harness h;
  Inject i;
  i.name = "press";
  i.trigger.kind = TriggerKind::kManual;
  h.s.injects.push_back(i);
  h.Start({"blue1", "blue2"});
  h.RunFor(Duration::Hours(1));
  EXPECT_TRUE(h.log.empty());
  EXPECT_NE(h.engine->Why("press", "blue1")->find("manual"), std::string::npos);
  ASSERT_TRUE(h.engine->FireManual("press", "blue2").ok());
  EXPECT_EQ(h.log, (std::vector<std::string>{"press@blue2@3600"}));
  // Running: a second fire is refused with the reason.
  Status again = h.engine->FireManual("press", "blue2");
  EXPECT_EQ(again.code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(again.message().find("already running"), std::string::npos);
  h.RunFor(Duration::Seconds(5));
  again = h.engine->FireManual("press", "blue2");
  EXPECT_NE(again.message().find("already run 1 of 1"), std::string::npos) << again.message();
  EXPECT_EQ(h.engine->FireManual("nope", "").code(), StatusCode::kNotFound);
}

TEST(Triggers, ChainsAcrossTeamsStayIndependent) {
  Harness h;
  h.s.injects.push_back(At("exploit", Duration::Seconds(10)));
  h.s.injects.push_back(After("lateral", "exploit", AfterOutcome::kSuccess, Duration::Zero()));
  h.Start({"blue1", "blue2"});
  // blue1's exploit fails, blue2's succeeds: only blue2 moves laterally.
  h.script["exploit"] = {Outcome::kFailure, Outcome::kSuccess};
  h.RunFor(Duration::Minutes(5));
  EXPECT_EQ(h.log, (std::vector<std::string>{"exploit@blue1@10", "exploit@blue2@10",
                                             "lateral@blue2@11"}));
}

TEST(Triggers, RestoreFromHistoryReArmsWhatWasPending) {
  model::Scenario s;
  s.injects.push_back(At("exploit", Duration::Seconds(10)));
  s.injects.push_back(After("lateral", "exploit", AfterOutcome::kSuccess, Duration::Minutes(5)));
  Inject late = At("late", Duration::Minutes(30));
  s.injects.push_back(late);
  // The log of a run that crashed at 00:02:00.
  std::vector<InjectHistory> hist = {
      {"exploit", "blue1", true, Outcome::kSuccess, SimTime::Start() + Duration::Seconds(10)},
      {"exploit", "blue1", false, Outcome::kSuccess, SimTime::Start() + Duration::Seconds(11)},
  };
  Scheduler sched(SimTime::Start() + Duration::Minutes(2));
  std::vector<std::string> fired;
  TriggerEngine::Hooks hooks;
  hooks.fire = [&](const Inject& inj, const std::string&, SimTime now) {
    fired.push_back(fmt::format("{}@{}", inj.name, (now - SimTime::Start()).millis() / 1000));
  };
  TriggerEngine e(s, {"blue1"}, sched, hooks);
  e.Restore(hist);
  e.Arm();
  sched.RunUntil(SimTime::Start() + Duration::Hours(1));
  // exploit is not run again; lateral keeps its original time; late fires on time.
  EXPECT_EQ(fired, (std::vector<std::string>{"lateral@311", "late@1800"}));
}

TEST(Triggers, RestoreLeavesAnInterruptedRunInFlight) {
  model::Scenario s;
  s.injects.push_back(At("exploit", Duration::Seconds(10)));
  Scheduler sched(SimTime::Start() + Duration::Minutes(1));
  TriggerEngine e(s, {"blue1"}, sched, {});
  e.Restore({{"exploit", "blue1", true, Outcome::kSuccess, SimTime::Start() + Duration::Seconds(10)}});
  auto inflight = e.InFlight();
  ASSERT_EQ(inflight.size(), 1u);
  EXPECT_TRUE(e.OnOutcome("exploit", "blue1", Outcome::kError).ok());
  EXPECT_TRUE(e.InFlight().empty());
  EXPECT_EQ(e.OnOutcome("exploit", "blue1", Outcome::kError).code(),
            StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace livefire::runtime
