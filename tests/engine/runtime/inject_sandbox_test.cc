// Inject bodies that try to break the sandbox, run through the real
// InjectRunner on the "sandbox" test scenario: one team's run must not
// change what another team's runs see, and abuse ends with file:line.
#include <gtest/gtest.h>

#include <cstdio>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "../../../engine/runtime/src/inject_runner.h"
#include "livefire/scenario/loader.h"
#include "livefire/topology/plan.h"

namespace livefire::runtime {
namespace {

struct Host : InjectRunner::Host {
  struct Result {
    Outcome outcome;
    std::string reason;
  };
  std::map<std::string, Result> finished;  // "inject/team"
  std::vector<Duration> timers;

  SimTime Now() const override { return SimTime::Start(); }
  livefire::Result<Event> Record(const std::string& team, std::string_view kind,
                                 nlohmann::json payload) override {
    Event e;
    e.team = team;
    e.kind = std::string(kind);
    e.payload = std::move(payload);
    return e;
  }
  uint64_t SubmitGuest(guest::GuestRequest) override { return ++next_guest; }
  void After(Duration d, std::function<void()>, std::string) override { timers.push_back(d); }
  void Finished(const model::Inject& inject, const std::string& team, Outcome outcome,
                const std::string& reason) override {
    finished[inject.name + "/" + team] = {outcome, reason};
  }
  void ConditionResult(const model::Inject&, const std::string&,
                       const livefire::Result<bool>&) override {}
  uint64_t next_guest = 0;
};

// The line of `needle` in the test scenario.
int LineOf(const std::string& needle) {
  std::FILE* f =
      std::fopen((std::string(LIVEFIRE_TEST_DATA_DIR) + "/sandbox/scenario.lua").c_str(), "r");
  if (!f) return 0;
  char buf[512];
  int line = 0;
  int found = 0;
  while (std::fgets(buf, sizeof buf, f)) {
    ++line;
    if (std::string(buf).find(needle) != std::string::npos) {
      found = line;
      break;
    }
  }
  std::fclose(f);
  return found;
}

// "sandbox/scenario.lua:N: " for the line of `needle` (Lua shortens long
// paths at the front, so reasons are compared from "sandbox/" on).
std::string Where(const std::string& needle) {
  return "sandbox/scenario.lua:" + std::to_string(LineOf(needle)) + ": ";
}

// The reason from "sandbox/scenario.lua:" on ("" when it does not name it).
std::string Tail(const std::string& reason) {
  size_t at = reason.find("sandbox/scenario.lua:");
  return at == std::string::npos ? "" : reason.substr(at);
}

class InjectSandbox : public ::testing::Test {
 protected:
  void SetUp() override {
    scenario::LoadOptions lo;
    lo.templates_dir = std::string(LIVEFIRE_SOURCE_DIR) + "/vm-templates";
    auto s = scenario::LoadValidScenario(std::string(LIVEFIRE_TEST_DATA_DIR) + "/sandbox", lo);
    ASSERT_TRUE(s.ok()) << s.status().message();
    scenario_ = std::move(*s);
    auto p = topology::MakePlan(scenario_);
    ASSERT_TRUE(p.ok()) << p.status().message();
    plan_ = std::move(*p);
    InjectRunner::Options o;
    o.instruction_limit = 5'000'000;
    auto r = InjectRunner::Load(scenario_, plan_, host_, o);
    ASSERT_TRUE(r.ok()) << r.status().message();
    runner_ = std::move(*r);
  }

  Host::Result Run(const std::string& inject, const std::string& team) {
    const model::Inject* inj = scenario_.FindInject(inject);
    EXPECT_NE(inj, nullptr) << inject;
    if (!inj) return {Outcome::kError, "no inject"};
    runner_->Start(*inj, team);
    auto it = host_.finished.find(inject + "/" + team);
    EXPECT_NE(it, host_.finished.end()) << inject << " did not finish";
    if (it == host_.finished.end()) return {Outcome::kError, "did not finish"};
    return it->second;
  }

  model::Scenario scenario_;
  topology::RangePlan plan_;
  Host host_;
  std::unique_ptr<InjectRunner> runner_;
};

TEST_F(InjectSandbox, StringMetatableAndLibrariesStayIntact) {
  Host::Result r = Run("poison-strings", "blue1");
  EXPECT_EQ(r.outcome, Outcome::kError);
  EXPECT_EQ(Tail(r.reason), Where("getmetatable(\"\").__index =") +
                                "getmetatable('').__index is read-only in an inject sandbox");
  r = Run("poison-library", "blue1");
  EXPECT_EQ(r.outcome, Outcome::kError);
  EXPECT_EQ(Tail(r.reason),
            Where("string.upper = function") + "string.upper is read-only in an inject sandbox");
  for (const char* team : {"blue1", "blue2", "white"}) {
    r = Run("use-strings", team);
    EXPECT_EQ(r.outcome, Outcome::kSuccess) << team << ": " << r.reason;
    EXPECT_EQ(r.reason, "ABC a+b") << team;
  }
}

TEST_F(InjectSandbox, GlobalsStayWithTheTeam) {
  ASSERT_EQ(Run("leak", "blue1").outcome, Outcome::kSuccess);
  EXPECT_EQ(Run("peek", "blue1").reason, "LEAK=blue1 password=hunter2 shared=from blue1");
  EXPECT_EQ(Run("peek", "blue2").reason, "LEAK=nil password=nil shared=from blue1");
  EXPECT_EQ(Run("peek", "white").reason, "LEAK=nil password=nil shared=from blue1");
}

TEST_F(InjectSandbox, AfterRefusesDelaysOutOfRange) {
  Host::Result r = Run("after-negative", "blue1");
  EXPECT_EQ(r.outcome, Outcome::kError);
  EXPECT_EQ(Tail(r.reason).rfind(Where("ctx.after(-1") + "ctx.after: the delay must be > 0", 0), 0u)
      << r.reason;
  r = Run("after-huge", "blue1");
  EXPECT_EQ(r.outcome, Outcome::kError);
  EXPECT_EQ(Tail(r.reason).rfind(Where("ctx.after(1e300") + "ctx.after: the delay must be > 0", 0),
            0u)
      << r.reason;
  r = Run("after-too-late", "blue1");
  EXPECT_EQ(r.outcome, Outcome::kError);
  EXPECT_EQ(Tail(r.reason).rfind(Where("ctx.after(\"2h\"") + "ctx.after: the delay must be > 0", 0),
            0u)
      << r.reason;
  EXPECT_TRUE(host_.timers.empty());
  r = Run("after-ok", "blue1");
  EXPECT_EQ(r.outcome, Outcome::kSuccess) << r.reason;
  ASSERT_EQ(host_.timers.size(), 2u);
  EXPECT_EQ(host_.timers[0].nanos(), Duration::Minutes(1).nanos());
  EXPECT_EQ(host_.timers[1].nanos(), Duration::Seconds(90).nanos());
}

TEST_F(InjectSandbox, CatastrophicPatternEndsWithABudgetError) {
  Host::Result r = Run("redos", "blue1");
  EXPECT_EQ(r.outcome, Outcome::kError);
  EXPECT_EQ(Tail(r.reason), Where("string.find(string.rep") +
                                "instruction budget of 5000000 instructions exceeded");
  // The next run has its budget again.
  EXPECT_EQ(Run("use-strings", "blue2").outcome, Outcome::kSuccess);
}

TEST_F(InjectSandbox, CStackOverflowNamesTheLine) {
  Host::Result r = Run("deep", "blue1");
  EXPECT_EQ(r.outcome, Outcome::kError);
  EXPECT_EQ(Tail(r.reason).rfind(Where("(\"x\"):gsub"), 0), 0u) << r.reason;
  EXPECT_NE(r.reason.find("stack overflow"), std::string::npos) << r.reason;
}

}  // namespace
}  // namespace livefire::runtime
