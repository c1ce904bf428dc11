// The portal's browser console on a real micro-node (#15): `livefire run
// --portal` in its own process, headless Chromium (tests/browser/console.mjs)
// logs in as blue1, opens its node's console from the dashboard, logs in as
// root over the serial pty, runs `uname -a` and sees Linux; white closes the
// console. The log then holds blue1's open and close and white's end. With
// LIVEFIRE_PORTAL_SHOTS=DIR the console's screenshot is saved there
// (docs/img/portal-console.png) and checked as non-blank.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "livefire/event.h"
#include "livefire/store/event_store.h"
#include "livefire/testing/cli_range.h"
#include "livefire/testing/cli_runner.h"
#include "livefire/testing/engine_process.h"
#include "livefire/testing/real_exercise.h"
#include "livefire/testing/scenario_files.h"
#include "livefire/testing/temp_dir.h"
#include "livefire/testing/wait.h"

namespace livefire::cli {
namespace {

using testsupport::Outcome;
using testsupport::RunArgs;

// One blue team, one micro node; an address pool of this test's own.
constexpr const char* kScenario = R"(
scenario { name = "portal-console", title = "the browser console on a micro node",
           duration = "1h", seed = 15, address_pool = "10.213.0.0/16", default_policy = "deny" }
team "white" { role = "white" }
team "red1" { role = "red" }
team "blue1" { role = "blue" }
network "dmz" { cidr = "10.10.1.0/24", zone = "per_team" }
node "web" { template = "micro", iface { network = "dmz", address = "10.10.1.10" } }
)";


TEST(PortalConsoleBrowser, BlueRunsUnameAsRootOnItsNodeAndWhiteClosesTheConsole) {
  const std::string src = LIVEFIRE_SOURCE_DIR;
  ASSERT_TRUE(std::filesystem::exists(src + "/tests/browser/node_modules/puppeteer-core"))
      << "puppeteer-core is not installed: run bash .ci/setup";
  ASSERT_TRUE(std::filesystem::exists(src + "/engine/portal/web/node_modules/@xterm/xterm"))
      << "xterm.js is not installed: run bash .ci/setup (npm ci in engine/portal/web)";
  ASSERT_EQ(std::system(("bash " + src + "/vm-templates/build.sh micro >/dev/null").c_str()), 0);
  testsupport::TempDir tmp{"lf-console-slow"};
  const std::string dir = testsupport::WriteScenario(tmp.path() / "scenario", kScenario);
  const std::string state = testsupport::ExerciseStateDir();

  Outcome up = RunArgs({"up", dir});
  const std::string id = testsupport::LastLine(up.out);
  ASSERT_EQ(up.code, 0) << up.out << up.err;
  struct Down {
    std::string id;
    ~Down() { RunArgs({"down", id}); }
  } down{id};

  // The engine and its portal in their own process, on a free loopback port.
  const std::string engine_log = tmp.str() + "/engine.log";
  testsupport::EngineProcess engine(state, id, engine_log, {"--portal", "127.0.0.1:0"});
  ASSERT_GT(engine.pid(), 0);
  const std::string url = testsupport::WaitForPortalUrl(engine_log);
  ASSERT_FALSE(url.empty()) << testsupport::ReadFile(engine_log);

  const std::string shots = testsupport::ScreenshotDir(tmp.str());
  const std::string out = testsupport::RunConsoleScript(id, url, "web", shots);
  std::printf("%s", out.c_str());
  EXPECT_NE(out.find("console: Linux"), std::string::npos)
      << out << testsupport::ReadFile(engine_log);
  EXPECT_NE(out.find("closed:"), std::string::npos) << out;

  engine.Terminate();
  auto store = store::EventStore::OpenExercise(state, ExerciseId(id), {.read_only = true});
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  auto log = (*store)->Read({});
  ASSERT_TRUE(log.ok());
  bool opened = false, closed = false, ended = false;
  for (const Event& e : *log) {
    const std::string account = e.payload.value("account", "");
    if (e.kind == kinds::kConsoleOpened && e.team == "blue1" && account == "blue1") opened = true;
    if (e.kind == kinds::kConsoleClosed && e.team == "blue1" && account == "blue1") closed = true;
    if (e.kind == kinds::kConsoleEnded && e.team == "blue1" && account == "white") ended = true;
  }
  EXPECT_TRUE(opened);
  EXPECT_TRUE(closed);
  EXPECT_TRUE(ended);
  testsupport::ExpectScreenshot(shots + "/portal-console.png");
  testsupport::ExpectScreenshot(src + "/docs/img/portal-console.png");
}

}  // namespace
}  // namespace livefire::cli
