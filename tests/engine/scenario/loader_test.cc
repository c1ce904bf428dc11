#include "livefire/scenario/loader.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <lua.hpp>
#include <sstream>

#include "livefire/scenario/script.h"
#include "livefire/testing/scenario_files.h"
#include "livefire/testing/temp_dir.h"

namespace livefire::scenario {
namespace {

LoadOptions Opts() { return {.templates_dir = testsupport::TemplatesDir()}; }

std::string Portal() { return std::string(LIVEFIRE_SOURCE_DIR) + "/scenarios/provincial-portal"; }

TEST(Loader, ProvincialPortalIsValid) {
  auto r = LoadValidScenario(Portal(), Opts());
  ASSERT_TRUE(r.ok()) << r.status().message();
  const model::Scenario& s = *r;
  EXPECT_EQ(s.meta.name, "provincial-portal");
  EXPECT_EQ(s.meta.security_level, 3);
  EXPECT_EQ(s.meta.duration, Duration::Hours(2));
  EXPECT_EQ(s.meta.seed, 20261121u);
  EXPECT_EQ(s.meta.loc.line, 6);
  EXPECT_EQ(s.networks.size(), 3u);
  EXPECT_EQ(s.TeamsWithRole(model::TeamRole::kBlue).size(), 2u);
  const model::Node* dvc = s.FindNode("dichvucong");
  ASSERT_NE(dvc, nullptr);
  EXPECT_EQ(dvc->interfaces.at(0).address, "10.10.1.11");
  EXPECT_EQ(dvc->vulnerabilities.at(0).id, "cgi-cmd-injection");
  EXPECT_EQ(dvc->vulnerabilities.at(0).severity, model::Severity::kCritical);
  EXPECT_EQ(dvc->files.at(0).mode, 0600);
  const model::Inject* exploit = s.FindInject("exploit-cgi");
  ASSERT_NE(exploit, nullptr);
  EXPECT_EQ(exploit->trigger.kind, model::TriggerKind::kAfter);
  EXPECT_EQ(exploit->trigger.after, "recon-web");
  EXPECT_EQ(exploit->trigger.on, model::AfterOutcome::kSuccess);
  EXPECT_EQ(exploit->trigger.delay, Duration::Minutes(5));
  EXPECT_EQ(exploit->repeat_count, 3);
  EXPECT_EQ(exploit->repeat_interval, Duration::Minutes(2));
  EXPECT_TRUE(exploit->until_success);
  EXPECT_TRUE(exploit->has_body);
  EXPECT_EQ(exploit->points_success, 50);
  const model::Inject* watch = s.FindInject("detect-cgi-abuse");
  ASSERT_NE(watch, nullptr);
  EXPECT_EQ(watch->trigger.kind, model::TriggerKind::kCondition);
  EXPECT_TRUE(watch->has_condition);
  EXPECT_EQ(watch->trigger.poll_interval, Duration::Minutes(1));
  const model::Inject* press = s.FindInject("press-query");
  ASSERT_NE(press, nullptr);
  EXPECT_EQ(press->trigger.kind, model::TriggerKind::kManual);
  EXPECT_EQ(press->response_due, Duration::Minutes(20));
  EXPECT_FALSE(press->has_body);
}

// Writes a scenario into a folder of this binary's temporary folder.
std::string WriteScenario(const std::string& name, const std::string& code) {
  static testsupport::TempDir scratch("lf-loader-test");
  return testsupport::WriteScenario(scratch.path() / name, code);
}

constexpr const char* kMinimal = R"(scenario { name = "mini", duration = "1h", seed = 7 }
team "w" { role = "white" }
team "r" { role = "red" }
team "b" { role = "blue", members = 5 }
network "lan" { cidr = "10.1.0.0/24" }
network "wan" { cidr = "172.31.0.0/24", zone = "shared" }
)";

TEST(Loader, RulesExpandPortListsAndKeepOrderAndLines) {
  std::string dir = WriteScenario("rules", std::string(kMinimal) + R"(
rule { allow = true, from = "wan", to = "lan", protocol = "tcp", ports = {80, 443} }
deny { from = "*", to = "lan", ports = "8000-8080" }
allow { from = "lan", to = "wan" }
)");
  LoadOutcome out = LoadScenario(dir, Opts());
  ASSERT_TRUE(out.scenario.has_value()) << out.Report();
  const auto& rules = out.scenario->rules;
  ASSERT_EQ(rules.size(), 4u);
  EXPECT_EQ(rules[0].port_min, 80);
  EXPECT_EQ(rules[1].port_min, 443);
  EXPECT_EQ(rules[1].loc.line, 8);
  EXPECT_EQ(rules[2].action, model::RuleAction::kDeny);
  EXPECT_EQ(rules[2].protocol, "tcp");
  EXPECT_EQ(rules[2].port_min, 8000);
  EXPECT_EQ(rules[2].port_max, 8080);
  EXPECT_EQ(rules[3].protocol, "any");
  EXPECT_EQ(rules[3].port_min, 0);
  EXPECT_EQ(out.scenario->meta.seed, 7u);
  EXPECT_EQ(out.scenario->teams[2].members, 5);
}

// The exercise kind and version the archive keeps (docs/maturity.md).
TEST(Loader, ScenarioKindAndVersion) {
  std::string body = std::string(kMinimal).substr(std::string(kMinimal).find('\n'));
  std::string dir = WriteScenario(
      "kind", R"(scenario { name = "mini", kind = "national", version = "2.1" })" + body);
  LoadOutcome out = LoadScenario(dir, Opts());
  ASSERT_TRUE(out.ok()) << out.Report();
  EXPECT_EQ(out.scenario->meta.kind, "national");
  EXPECT_EQ(out.scenario->meta.version, "2.1");
  dir = WriteScenario("bad-kind", R"(scenario { name = "mini", kind = "county" })" + body);
  out = LoadScenario(dir, Opts());
  EXPECT_FALSE(out.ok());
  EXPECT_NE(out.Report().find("scenario.lua:1:"), std::string::npos) << out.Report();
  EXPECT_NE(out.Report().find("county"), std::string::npos) << out.Report();
}

TEST(Loader, NodeSubDeclarationsRecordTheirOwnLines) {
  std::string dir = WriteScenario("node", std::string(kMinimal) + R"(
node "srv" {
  template = "micro", resources = { vcpus = 2, memory_mb = 512 },
  iface { network = "lan", address = "10.1.0.10" },
  service "dns" { port = 53, protocol = "udp",
                  check = { kind = "dns", query = "portal.local" } },
  account { user = "root", password = "toor", admin = true },
  file { path = "/etc/motd", content = "xin chào" },
}
)");
  LoadOutcome out = LoadScenario(dir, Opts());
  ASSERT_TRUE(out.scenario.has_value()) << out.Report();
  const model::Node* n = out.scenario->FindNode("srv");
  ASSERT_NE(n, nullptr);
  EXPECT_EQ(n->loc.line, 8);
  EXPECT_EQ(n->resources.vcpus, 2);
  EXPECT_EQ(n->resources.memory_mb, 512);
  EXPECT_EQ(n->interfaces.at(0).loc.line, 10);
  EXPECT_EQ(n->services.at(0).loc.line, 11);
  EXPECT_EQ(n->services.at(0).protocol, "udp");
  EXPECT_EQ(n->services.at(0).check.query, "portal.local");
  EXPECT_EQ(n->accounts.at(0).loc.line, 13);
  EXPECT_TRUE(n->accounts.at(0).admin);
  EXPECT_EQ(n->files.at(0).content, "xin chào");
  EXPECT_EQ(n->files.at(0).mode, 0644);
}

TEST(Loader, AttackModelFieldsAndTheirDefaults) {
  std::string dir = WriteScenario("attack", std::string(kMinimal) + R"(
allow { from = "wan", to = "lan" }
node "srv" {
  template = "micro",
  iface { network = "lan", address = "10.1.0.10" },
  service "http" { port = 80 }, service "telnet" { port = 23 }, service "smtp" { port = 25 },
  vuln "cgi-cmd-injection" { service = "http", gives = "user" },
  vuln "smtp-vrfy-enum" { service = "smtp", effect = "information" },
  vuln "world-readable-secret" { yields = "a" },
  vuln "weak-password" { service = "telnet", credential = "a" },
  account { user = "admin", password = "x", credential = "a", login = { "telnet" } },
  account { user = "u2", password = "y", credential = "b" },
}
node "ws" { template = "micro", iface { network = "lan", address = "10.1.0.11" },
  vuln "world-readable-secret" { yields = { "a", "b" } } }
node "ws2" { template = "micro", iface { network = "lan", address = "10.1.0.12" },
  vuln "world-readable-secret" { yields = { credential = "b" }, needs = "root" } }
node "ws3" { template = "micro", iface { network = "lan", address = "10.1.0.13" },
  vuln "world-readable-secret" { } }
)");
  LoadOutcome out = LoadScenario(dir, Opts());
  ASSERT_TRUE(out.ok()) << out.Report();
  const model::Node& srv = *out.scenario->FindNode("srv");
  using model::Privilege;
  using model::VulnEffect;
  EXPECT_EQ(srv.vulnerabilities[0].effect, VulnEffect::kFoothold);  // a service: foothold
  EXPECT_EQ(srv.vulnerabilities[0].gives, Privilege::kUser);
  EXPECT_EQ(srv.vulnerabilities[1].effect, VulnEffect::kInformation);
  EXPECT_EQ(srv.vulnerabilities[2].effect, VulnEffect::kCredentials);  // yields: credentials
  EXPECT_EQ(srv.vulnerabilities[2].yields, std::vector<std::string>{"a"});
  EXPECT_EQ(srv.vulnerabilities[2].needs, Privilege::kUser);
  EXPECT_EQ(srv.vulnerabilities[3].credential, "a");
  EXPECT_EQ(srv.vulnerabilities[3].gives, Privilege::kRoot);
  EXPECT_EQ(srv.accounts[0].credential, "a");
  EXPECT_EQ(srv.accounts[0].login, std::vector<std::string>{"telnet"});
  EXPECT_EQ(out.scenario->FindNode("ws")->vulnerabilities[0].yields,
            (std::vector<std::string>{"a", "b"}));
  const model::Vulnerability& root = out.scenario->FindNode("ws2")->vulnerabilities[0];
  EXPECT_EQ(root.yields, std::vector<std::string>{"b"});
  EXPECT_EQ(root.needs, Privilege::kRoot);
  // A local weakness with nothing declared claims nothing.
  EXPECT_EQ(out.scenario->FindNode("ws3")->vulnerabilities[0].effect, VulnEffect::kInformation);
}

TEST(Loader, SimulationFieldsOfAWeakness) {
  std::string dir = WriteScenario("simfields", std::string(kMinimal) + R"(
allow { from = "wan", to = "lan" }
node "srv" {
  template = "micro",
  iface { network = "lan", address = "10.1.0.10" },
  service "http" { port = 80 },
  vuln "cgi-cmd-injection" { service = "http", sim = { success = 0.5, time_to_exploit = "20m",
    detect = 0.8, detect_delay = "5m", time_to_patch = "1h", block = 0.3, time_to_block = "15m" } },
}
)");
  LoadOutcome out = LoadScenario(dir, Opts());
  ASSERT_TRUE(out.ok()) << out.Report();
  const model::SimParams& p = out.scenario->FindNode("srv")->vulnerabilities[0].sim;
  EXPECT_EQ(p.success, 0.5);
  EXPECT_EQ(p.detect, 0.8);
  EXPECT_EQ(p.block, 0.3);
  ASSERT_TRUE(p.time_to_block.has_value());
  EXPECT_EQ(p.time_to_block->nanos(), Duration::Minutes(15).nanos());
  EXPECT_EQ(p.time_to_patch->nanos(), Duration::Hours(1).nanos());

  std::string bad = WriteScenario("simbad", std::string(kMinimal) + R"(
allow { from = "wan", to = "lan" }
node "srv" { template = "micro", iface { network = "lan", address = "10.1.0.10" },
  service "http" { port = 80 },
  vuln "cgi-cmd-injection" { service = "http", sim = { block = 2 } } }
)");
  LoadOutcome o2 = LoadScenario(bad, Opts());
  EXPECT_FALSE(o2.ok());
  EXPECT_NE(o2.Report().find("block are probabilities"), std::string::npos) << o2.Report();
}

TEST(Loader, CallShapeMistakesAreScriptErrorsWithLines) {
  std::string dir =
      WriteScenario("shape", std::string(kMinimal) + "\nnode { template = \"micro\" }\n");
  LoadOutcome out = LoadScenario(dir, Opts());
  ASSERT_EQ(out.diagnostics.size(), 1u);
  EXPECT_EQ(out.diagnostics[0].loc.line, 8);
  EXPECT_EQ(out.diagnostics[0].message, "node needs a name: node \"name\" { ... }");
  EXPECT_FALSE(out.scenario.has_value());
}

TEST(Loader, NamedDeclarationWithoutBodyIsReported) {
  std::string dir = WriteScenario("nobody", std::string(kMinimal) + "\nteam \"extra\"\n");
  LoadOutcome out = LoadScenario(dir, Opts());
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.diagnostics.at(0).ToString(),
            dir + "/scenario.lua:8: team 'extra' has no body: write team \"extra\" { ... }");
}

TEST(Loader, MissingScenarioDeclarationIsReported) {
  std::string dir = WriteScenario("nometa", "team \"w\" { role = \"white\" }\n");
  LoadOutcome out = LoadScenario(dir, Opts());
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.diagnostics.at(0).loc.line, 1);
  EXPECT_NE(out.diagnostics.at(0).message.find("scenario { name = \"...\", ... } is missing"),
            std::string::npos);
}

TEST(Loader, EndlessTopLevelLoopIsStopped) {
  std::string dir = WriteScenario("loop", std::string(kMinimal) + "while true do end\n");
  LoadOptions o = Opts();
  o.instruction_limit = 100'000;
  LoadOutcome out = LoadScenario(dir, o);
  ASSERT_EQ(out.diagnostics.size(), 1u);
  EXPECT_EQ(out.diagnostics[0].loc.line, 7);
  EXPECT_EQ(out.diagnostics[0].message, "instruction budget of 100000 instructions exceeded");
}

TEST(Loader, AcceptsThePathOfScenarioLuaItself) {
  auto r = LoadValidScenario(Portal() + "/scenario.lua", Opts());
  EXPECT_TRUE(r.ok()) << r.status().message();
}

TEST(ScenarioScript, ExposesInjectFunctionsAndLuaChecksByName) {
  std::string dir = WriteScenario("script", std::string(kMinimal) + R"(
node "srv" {
  template = "micro",
  iface { network = "lan", address = "10.1.0.10" },
  service "http" { port = 80, check = { kind = "lua", run = function(ctx) return ctx * 3 end } },
}
inject "go" { owner = "red", at = "1m", run = function(ctx) return ctx + 1 end,
              points = 10 }
inject "watch" { owner = "blue", when = function(ctx) return ctx > 2 end,
                 run = function(ctx) return "seen" end }
)");
  auto sb = lua::Sandbox::Create({});
  ASSERT_TRUE(sb.ok());
  auto script = ScenarioScript::Load(*sb, dir + "/scenario.lua");
  ASSERT_TRUE(script.ok()) << script.status().message();
  lua_State* L = sb->L();
  const lua::Ref* run = script->InjectBody("go");
  ASSERT_NE(run, nullptr);
  run->Push(L);
  lua_pushinteger(L, 41);
  ASSERT_TRUE(sb->Call(1, 1).ok());
  EXPECT_EQ(lua_tointeger(L, -1), 42);
  lua_settop(L, 0);
  const lua::Ref* when = script->InjectCondition("watch");
  ASSERT_NE(when, nullptr);
  when->Push(L);
  lua_pushinteger(L, 3);
  ASSERT_TRUE(sb->Call(1, 1).ok());
  EXPECT_TRUE(lua_toboolean(L, -1));
  lua_settop(L, 0);
  const lua::Ref* check = script->Check("srv/http");
  ASSERT_NE(check, nullptr);
  check->Push(L);
  lua_pushinteger(L, 5);
  ASSERT_TRUE(sb->Call(1, 1).ok());
  EXPECT_EQ(lua_tointeger(L, -1), 15);
  lua_settop(L, 0);
  EXPECT_EQ(script->InjectBody("nope"), nullptr);
  EXPECT_EQ(script->InjectCondition("go"), nullptr);
  EXPECT_EQ(script->SimPolicy("red"), nullptr);
}

TEST(ScenarioScript, SimPolicyIsAFunctionDeclaredOnce) {
  std::string dir = WriteScenario("policy", std::string(kMinimal) + R"(
sim_policy { red = function(view) return #view.options end }
)");
  LoadOutcome out = LoadScenario(dir, Opts());
  EXPECT_TRUE(out.ok()) << out.Report();
  auto sb = lua::Sandbox::Create({});
  ASSERT_TRUE(sb.ok());
  auto script = ScenarioScript::Load(*sb, dir + "/scenario.lua");
  ASSERT_TRUE(script.ok()) << script.status().message();
  const lua::Ref* red = script->SimPolicy("red");
  ASSERT_NE(red, nullptr);
  lua_State* L = sb->L();
  red->Push(L);
  lua_createtable(L, 0, 1);
  lua_createtable(L, 2, 0);
  lua_setfield(L, -2, "options");
  ASSERT_TRUE(sb->Call(1, 1).ok());
  EXPECT_EQ(lua_tointeger(L, -1), 0);
  lua_settop(L, 0);

  std::string bad = WriteScenario("policybad", std::string(kMinimal) + R"(
sim_policy { red = 3 }
sim_policy { blue = function() end }
)");
  LoadOutcome o2 = LoadScenario(bad, Opts());
  EXPECT_FALSE(o2.ok());
  const std::string report = o2.Report();
  EXPECT_NE(report.find("sim_policy: field 'red' must be a function, got integer"),
            std::string::npos)
      << report;
  const std::string twice =
      "sim_policy { ... } is declared twice (first at " + bad + "/scenario.lua:8)";
  EXPECT_NE(report.find(twice), std::string::npos)
      << report;
}

}  // namespace
}  // namespace livefire::scenario

namespace livefire::scenario {
namespace {

// Every scenario shipped under scenarios/ loads and validates without a
// single diagnostic (the demo and organisers start from these).
TEST(Loader, EveryShippedScenarioIsValid) {
  int seen = 0;
  for (const auto& e :
       std::filesystem::directory_iterator(std::string(LIVEFIRE_SOURCE_DIR) + "/scenarios")) {
    if (!std::filesystem::exists(e.path() / "scenario.lua")) continue;
    ++seen;
    LoadOptions o;
    o.templates_dir = std::string(LIVEFIRE_SOURCE_DIR) + "/vm-templates";
    auto r = LoadValidScenario(e.path().string(), o);
    EXPECT_TRUE(r.ok()) << e.path() << ":\n" << r.status().message();
  }
  EXPECT_GE(seen, 2);
}

}  // namespace
}  // namespace livefire::scenario

namespace livefire::scenario {
namespace {

// The complete example in docs/scenario-language.md is a valid scenario.
TEST(Loader, LanguageDocExampleIsValid) {
  std::string doc =
      testsupport::ReadFile(std::string(LIVEFIRE_SOURCE_DIR) + "/docs/scenario-language.md");
  size_t at = doc.find("## Example");
  ASSERT_NE(at, std::string::npos);
  size_t begin = doc.find("```lua\n", at);
  ASSERT_NE(begin, std::string::npos);
  begin += 7;
  size_t end = doc.find("```", begin);
  ASSERT_NE(end, std::string::npos);
  testsupport::TempDir tmp("lf-doc-example");
  std::string dir = testsupport::WriteScenario(tmp.path(), doc.substr(begin, end - begin));
  LoadOptions o;
  o.templates_dir = std::string(LIVEFIRE_SOURCE_DIR) + "/vm-templates";
  auto r = LoadValidScenario(dir, o);
  EXPECT_TRUE(r.ok()) << r.status().message();
}

}  // namespace
}  // namespace livefire::scenario
