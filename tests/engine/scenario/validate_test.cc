// One failing fixture per validation rule: each must report the expected
// message at the expected scenario.lua line. A fixture is either a folder
// tests/engine/scenario/data/<rule>, or the valid fixture with lines added
// (so the base it breaks is written once).

#include <gtest/gtest.h>

#include <ostream>
#include <string>
#include <tuple>
#include <vector>

#include "livefire/scenario/loader.h"
#include "livefire/testing/files.h"
#include "livefire/testing/scenario_files.h"
#include "livefire/testing/temp_dir.h"

namespace livefire::scenario {
namespace {

LoadOptions Opts() { return {.templates_dir = testsupport::TemplatesDir()}; }

std::string Dir(const std::string& rule) {
  return std::string(LIVEFIRE_TEST_DATA_DIR) + "/" + rule;
}

struct Case {
  const char* rule;
  int line;
  const char* message;     // must appear in the diagnostic at that line
  const char* added = "";  // lines after the valid fixture's; "" = folder data/<rule>
};

// The folder of the case's scenario, written under `tmp` when it is built on
// the valid fixture.
std::string FixtureDir(const Case& c, const testsupport::TempDir& tmp) {
  if (*c.added == '\0') return Dir(c.rule);
  return testsupport::WriteScenario(
      tmp.path() / c.rule, testsupport::ReadFile(Dir("valid") + "/scenario.lua") + c.added);
}

// Test names and failure messages show the rule, not the struct's bytes.
void PrintTo(const Case& c, std::ostream* os) { *os << c.rule; }

class ValidationRule : public testing::TestWithParam<Case> {};

TEST_P(ValidationRule, ReportsMessageAtLine) {
  const Case& c = GetParam();
  testsupport::TempDir tmp;
  std::string dir = FixtureDir(c, tmp);
  LoadOutcome out = LoadScenario(dir, Opts());
  ASSERT_FALSE(out.ok()) << c.rule << " unexpectedly validated";
  std::string file = dir + "/scenario.lua";
  bool found = false;
  for (const Diagnostic& d : out.diagnostics) {
    EXPECT_EQ(d.loc.file, file);
    if (d.loc.line == c.line && d.message.find(c.message) != std::string::npos) found = true;
  }
  EXPECT_TRUE(found) << "expected line " << c.line << ": " << c.message << "\ngot:\n"
                     << out.Report();
  // The printed form names file and line.
  EXPECT_NE(out.Report().find(file + ":" + std::to_string(c.line) + ": "), std::string::npos);
}

const Case kCases[] = {
    {"syntax_error", 16, "unexpected symbol near '='",
     R"lua(local x = = 1
)lua"},
    {"runtime_error", 17, "attempt to index a nil value (local 't')",
     R"lua(local t = nil
local y = t.field
)lua"},
    {"blocked_function", 16, "os.execute is not allowed in a scenario sandbox",
     R"lua(local out = os.execute("id")
)lua"},
    {"memory_bomb", 17, "memory budget of 67108864 bytes exceeded",
     R"lua(local t = {}
while true do t[#t + 1] = string.rep("x", 4096) .. #t end
)lua"},
    {"unknown_template", 8, "unknown template 'mikro' (did you mean 'micro'?)"},
    {"duplicate_team", 16, "duplicate team name 'blue1' (first declared at ",
     R"lua(team "blue1" { role = "blue" }
)lua"},
    {"duplicate_network", 16, "duplicate network name 'dmz'",
     R"lua(network "dmz" { cidr = "10.20.0.0/24" }
)lua"},
    {"duplicate_node", 16, "duplicate node name 'web'",
     R"lua(node "web" { template = "micro", iface { network = "dmz", address = "10.10.1.20" } }
)lua"},
    {"duplicate_service", 12, "duplicate service (on node 'web') name 'http'"},
    {"duplicate_objective", 17, "duplicate objective name 'flag'",
     R"lua(objective "flag" { kind = "read_flag", node = "web", flag = "FLAG{a}" }
objective "flag" { kind = "read_flag", node = "web", flag = "FLAG{b}" }
)lua"},
    {"duplicate_inject", 16, "duplicate inject name 'probe'",
     R"lua(inject "probe" { owner = "red", at = "20m", run = function(ctx) return true end }
)lua"},
    {"malformed_cidr", 5, "network 'dmz': malformed CIDR '10.10.1.0/33'"},
    {"address_outside", 10, "address 10.10.2.10 is outside network 'dmz' (10.10.1.0/24)"},
    {"address_duplicate", 16, "address 10.10.1.10 is already used by node 'web'",
     R"lua(node "web2" { template = "micro", iface { network = "dmz", address = "10.10.1.10" } }
)lua"},
    {"overlapping_networks", 16, "network 'internal' (10.10.1.128/25) overlaps network 'dmz'",
     R"lua(network "internal" { cidr = "10.10.1.128/25" }
)lua"},
    {"shared_in_pool", 6, "shared network 'red' (10.64.5.0/24) overlaps the address pool"},
    {"unreachable_service", 11, "service 'http' (tcp/80) must be reachable from 'red' but is not"},
    {"objective_missing_node", 16, "objective 'steal': unknown node 'wbe' (did you mean 'web'?)",
     R"lua(objective "steal" { kind = "read_flag", node = "wbe", flag = "FLAG{x}" }
)lua"},
    {"objective_missing_service", 16, "objective 'deface': node 'web' has no service 'https'",
     R"lua(objective "deface" { kind = "deface", node = "web", service = "https" }
)lua"},
    {"unknown_rule_ref", 7, "rule refers to unknown network or node 'dmzz' (did you mean 'dmz'?)"},
    {"unknown_iface_network", 10, "unknown network 'dnz' (did you mean 'dmz'?)"},
    {"unknown_after", 16, "after names unknown inject 'probee' (did you mean 'probe'?)",
     R"lua(inject "next" { owner = "red", after = { inject = "probee", on = "success" }, run = function(ctx) return true end }
)lua"},
    {"unknown_target", 15, "unknown target node 'nope'"},
    {"unknown_reachable_from", 11, "reachable_from names unknown network or node 'internet'"},
    {"trigger_cycle", 16, "trigger cycle: a -> b -> c -> a",
     R"lua(inject "a" { owner = "red", after = "b", run = function(ctx) return true end }
inject "b" { owner = "red", after = { inject = "c", delay = "1m" }, run = function(ctx) return true end }
inject "c" { owner = "red", after = "a", run = function(ctx) return true end }
)lua"},
    {"security_level", 1, "security level 7 is out of range 1..5"},
    {"node_security_level", 8, "field 'security_level' must be an integer, got 0.5"},
    {"vuln_not_exposed", 14, "is on service 'telnet' (tcp/23), which is not exposed"},
    {"vuln_unknown_service", 12, "unknown service 'https' (did you mean 'http'?)"},
    {"vuln_not_in_template", 12, "template 'micro' cannot plant vulnerability 'sql-injection'"},
    {"service_not_in_template", 16,
     "node 'db': template 'micro' cannot run service 'emr-db' (tcp/3306); it offers http "
     "(tcp/80), telnet (tcp/23), ftp (tcp/21), smtp (tcp/25), dns (udp/53)",
     R"lua(node "db" { template = "micro", iface { network = "dmz", address = "10.10.1.30" }, service "emr-db" { port = 3306 } }
)lua"},
    {"service_check_kind_not_in_template", 17,
     "template 'micro' cannot run service 'emr-db' (tcp/3306, check kind 'tcp')",
     R"lua(node "db" { template = "micro", iface { network = "dmz", address = "10.10.1.30" },
  service "emr-db" { port = 3306, check = { kind = "tcp" } } }
)lua"},
    {"vuln_in_other_service", 18,
     "vulnerability 'cgi-cmd-injection': template 'micro' plants it in its 'http' service, but "
     "service 'telnet' runs as 'telnet'",
     R"lua(node "db" { template = "micro", iface { network = "dmz", address = "10.10.1.30" },
  service "telnet" { port = 23 },
  vuln "cgi-cmd-injection" { service = "telnet" } }
)lua"},
    {"vuln_service_not_run", 17,
     "vulnerability 'weak-password': template 'micro' plants it in its 'telnet' service, which "
     "the node does not run",
     R"lua(node "db" { template = "micro", iface { network = "dmz", address = "10.10.1.30" },
  vuln "weak-password" { } }
)lua"},
    // The attack model's credentials (#13): names come from accounts.
    {"yields_unknown_credential", 17,
     "node 'db' vulnerability 'world-readable-secret': yields unknown credential 'db-admn' (did "
     "you mean 'db-admin'?)",
     R"lua(node "db" { template = "micro", iface { network = "dmz", address = "10.10.1.30" },
  vuln "world-readable-secret" { yields = { credential = "db-admn" } },
  account { user = "admin", password = "a", credential = "db-admin" } }
)lua"},
    {"credential_reuse_differs", 18,
     "node 'db' account 'admin': credential 'db-admin' has another user or password than at",
     R"lua(node "db" { template = "micro", iface { network = "dmz", address = "10.10.1.30" },
  account { user = "admin", password = "a", credential = "db-admin" },
  account { user = "admin", password = "b", credential = "db-admin" } }
)lua"},
    {"login_unknown_service", 17,
     "node 'db' account 'admin': login names unknown service 'ssh'",
     R"lua(node "db" { template = "micro", iface { network = "dmz", address = "10.10.1.30" },
  account { user = "admin", password = "a", credential = "db-admin", login = "ssh" } }
)lua"},
    {"login_without_credential", 18, "node 'db' account 'admin': login needs credential = ",
     R"lua(node "db" { template = "micro", iface { network = "dmz", address = "10.10.1.30" },
  service "telnet" { port = 23 },
  account { user = "admin", password = "a", login = "telnet" } }
)lua"},
    {"vuln_credential_not_on_node", 18,
     "node 'db' vulnerability 'weak-password': credential 'db-admin' belongs to no account of "
     "node 'db'",
     R"lua(node "db" { template = "micro", iface { network = "dmz", address = "10.10.1.30" },
  service "telnet" { port = 23 },
  vuln "weak-password" { service = "telnet", credential = "db-admin" } }
)lua"},
    {"credentials_effect_without_yields", 17,
     "node 'db' vulnerability 'world-readable-secret': effect \"credentials\" needs yields",
     R"lua(node "db" { template = "micro", iface { network = "dmz", address = "10.10.1.30" },
  vuln "world-readable-secret" { effect = "credentials" } }
)lua"},
    {"bad_effect", 17,
     "field 'effect' must be one of foothold, credentials, information, privesc, got 'footholds'",
     R"lua(node "db" { template = "micro", iface { network = "dmz", address = "10.10.1.30" },
  vuln "world-readable-secret" { effect = "footholds" } }
)lua"},
    {"bad_resources", 16, "node 'db': resources.memory_mb 32 is below 64",
     R"lua(node "db" { template = "micro", resources = { vcpus = 0, memory_mb = 32 }, iface { network = "dmz", address = "10.10.1.30" } }
)lua"},
    {"negative_vcpus", 16, "node 'db': resources.vcpus -1 is out of range 1..64",
     R"lua(node "db" { template = "micro", resources = { vcpus = -1 }, iface { network = "dmz", address = "10.10.1.30" } }
)lua"},
    {"no_blue_team", 1, "no blue team"},
    {"no_red_team", 1, "no red team"},
    {"no_white_team", 1, "no white team"},
    {"bad_duration", 15, "field 'at' is not a valid duration: '10 minutes'"},
    {"wrong_type", 11, "field 'port' must be an integer, got string"},
    {"unknown_field", 10, "unknown field 'adress' (did you mean 'address'?)"},
    {"invalid_name", 4, "invalid team name 'blue_1' may contain only a-z, 0-9 and '-'"},
    {"outside_node", 16, "service 'ssh' is declared outside a node",
     R"lua(service "ssh" { port = 22 }
)lua"},
    {"multiple_triggers", 15, "has more than one trigger (at, manual)"},
    {"inject_without_run", 16, "a blue inject needs run = function(ctx) ... end",
     R"lua(inject "noop" { owner = "blue", manual = true }
)lua"},
};

INSTANTIATE_TEST_SUITE_P(Fixtures, ValidationRule, testing::ValuesIn(kCases),
                         [](const testing::TestParamInfo<Case>& i) {
                           return std::string(i.param.rule);
                         });

TEST(Validation, ValidFixturePasses) {
  LoadOutcome out = LoadScenario(Dir("valid"), Opts());
  EXPECT_TRUE(out.ok()) << out.Report();
}

TEST(Validation, ReportsEveryProblemNotJustTheFirst) {
  LoadOutcome out = LoadScenario(Dir("unreachable_service"), Opts());
  ASSERT_EQ(out.diagnostics.size(), 2u) << out.Report();
  EXPECT_EQ(out.diagnostics[0].loc.line, 11);
  EXPECT_EQ(out.diagnostics[1].loc.line, 12);
  EXPECT_NE(out.diagnostics[1].message.find("not exposed"), std::string::npos);
}

TEST(Validation, LoadValidScenarioListsEveryDiagnosticOnePerLine) {
  auto r = LoadValidScenario(Dir("unreachable_service"), Opts());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  std::string file = Dir("unreachable_service") + "/scenario.lua";
  EXPECT_EQ(r.status().message(),
            file +
                ":11: node 'web' service 'http' (tcp/80) must be reachable from 'red' but is "
                "not: denied by default policy (red -> dmz)\n" +
                file +
                ":12: node 'web' vulnerability 'cgi-cmd-injection' is on service 'http' "
                "(tcp/80), which is not exposed: no other network or node can reach it");
}

// A service named for what it serves runs as its check's kind: accepted.
TEST(Validation, ServiceRunsAsItsCheckKind) {
  testsupport::TempDir tmp;
  std::string dir = testsupport::WriteScenario(
      tmp.path() / "s", testsupport::ReadFile(Dir("valid") + "/scenario.lua") +
                            R"lua(node "portal" { template = "micro", iface { network = "dmz", address = "10.10.1.40" },
  service "portal" { port = 8080, check = { kind = "http", path = "/" } },
  vuln "cgi-cmd-injection" { } }
)lua");
  LoadOutcome out = LoadScenario(dir, Opts());
  EXPECT_TRUE(out.ok()) << out.Report();
}

// What a template can run comes from its manifest, not from a list in the
// engine: a template with mysql accepts 3306, micro refuses it.
TEST(Validation, ServicesComeFromTheNodesTemplateManifest) {
  testsupport::TempDir tmp;
  testsupport::WriteFile(tmp.path() / "tpl" / "micro", "manifest.json",
                         testsupport::ReadFile(testsupport::TemplatesDir() + "/micro/manifest.json"));
  testsupport::WriteFile(tmp.path() / "tpl" / "dbhost", "manifest.json", R"json({
  "name": "dbhost", "boot": "disk", "artifacts": {"disk": "base.qcow2"},
  "services": ["ssh", "mysql"],
  "service_details": {"ssh": {"default_port": 22, "proto": "tcp"},
                      "mysql": {"default_port": 3306, "proto": "tcp"}},
  "vulnerabilities": [{"id": "mysql-default-root", "cwe": "CWE-1393", "service": "mysql",
                       "description": "root:root"}]
})json");
  LoadOptions opts{.templates_dir = (tmp.path() / "tpl").string()};
  std::string base = testsupport::ReadFile(Dir("valid") + "/scenario.lua");
  std::string ok = testsupport::WriteScenario(
      tmp.path() / "ok", base + R"lua(node "db" { template = "dbhost", iface { network = "dmz", address = "10.10.1.30" },
  service "mysql" { port = 3306 }, service "admin" { port = 2222, check = { kind = "ssh" } },
  vuln "mysql-default-root" { service = "mysql" } }
)lua");
  LoadOutcome good = LoadScenario(ok, opts);
  EXPECT_TRUE(good.ok()) << good.Report();

  std::string bad = testsupport::WriteScenario(
      tmp.path() / "bad", base + R"lua(node "db" { template = "dbhost", iface { network = "dmz", address = "10.10.1.30" },
  service "emr-db" { port = 3306 }, service "http" { port = 80 } }
)lua");
  LoadOutcome out = LoadScenario(bad, opts);
  ASSERT_FALSE(out.ok());
  std::string file = bad + "/scenario.lua";
  EXPECT_NE(out.Report().find(file + ":17: node 'db': template 'dbhost' cannot run service "
                                     "'emr-db' (tcp/3306) (port 3306 is its 'mysql'); it offers "
                                     "ssh (tcp/22), mysql (tcp/3306)"),
            std::string::npos)
      << out.Report();
  EXPECT_NE(out.Report().find(file + ":17: node 'db': template 'dbhost' cannot run service "
                                     "'http' (tcp/80)"),
            std::string::npos)
      << out.Report();
}

// scenario { scoreboard = ... }: how observers and teams see the board at the start.
TEST(Validation, ScoreboardSettingIsLiveHiddenOrFrozenAtATime) {
  testsupport::TempDir tmp;
  const std::string base = testsupport::ReadFile(Dir("valid") + "/scenario.lua");
  auto load = [&](const std::string& name, const std::string& setting) {
    const std::string duration = "duration = \"2h\"";
    std::string text = base;
    text.replace(text.find(duration), duration.size(), duration + ", scoreboard = " + setting);
    return LoadScenario(testsupport::WriteScenario(tmp.path() / name, text), Opts());
  };
  LoadOutcome frozen = load("frozen", "{ frozen_at = \"01:30:00\" }");
  ASSERT_TRUE(frozen.ok()) << frozen.Report();
  EXPECT_EQ(frozen.scenario->meta.scoreboard.mode, model::ScoreboardMode::kFrozen);
  EXPECT_EQ(frozen.scenario->meta.scoreboard.frozen_at, Duration::Minutes(90));
  LoadOutcome hidden = load("hidden", "\"hidden\"");
  ASSERT_TRUE(hidden.ok()) << hidden.Report();
  EXPECT_EQ(hidden.scenario->meta.scoreboard.mode, model::ScoreboardMode::kHidden);
  for (const auto& [name, setting, message] :
       std::vector<std::tuple<std::string, std::string, std::string>>{
           {"typo", "\"frozn\"", "must be one of live, hidden"},
           {"late", "{ frozen_at = \"3h\" }", "beyond the exercise duration"},
           {"empty", "{ }", "frozen_at"},
           {"extra", "{ frozen_at = \"1h\", thawed = true }", "thawed"}}) {
    LoadOutcome out = load(name, setting);
    ASSERT_FALSE(out.ok()) << name;
    EXPECT_NE(out.Report().find(message), std::string::npos) << name << ": " << out.Report();
    EXPECT_NE(out.Report().find("scenario.lua:1"), std::string::npos) << out.Report();
  }
}

TEST(Validation, MissingFolderIsNotFound) {
  auto r = LoadValidScenario(Dir("does-not-exist"), Opts());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace livefire::scenario
