// scenarios/provincial-egov end to end with one blue team on real debian
// nodes under qemu (TCG): up -> run with the portal (the red chain SQLi ->
// reused password -> SSH -> sudo -> file-server exfiltration on the real
// services, the scripted blue team reading nginx's access log and auth.log)
// -> report -> down. Once the SQL injection has worked, a blue1 member opens
// the web server's console in the portal (headless Chromium), logs in with
// the scenario's IR account and finds the attack in nginx's access log
// (with LIVEFIRE_PORTAL_SHOTS=DIR: portal-console-debian.png, the
// screenshot in docs/img).
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <iostream>
#include <regex>
#include <string>
#include <thread>

#include "livefire/testing/engine_process.h"
#include "livefire/testing/files.h"
#include "livefire/testing/real_exercise.h"
#include "livefire/testing/temp_dir.h"
#include "livefire/testing/wait.h"

namespace livefire::cli {
namespace {

namespace fs = std::filesystem;

using testsupport::CountEvents;
using testsupport::Outcome;
using testsupport::RunArgs;

TEST(EgovEndToEnd, KillChainOnRealDebianServicesDetectedFromTheirLogs) {
  const std::string src = LIVEFIRE_SOURCE_DIR;
  for (const char* t : {"micro", "debian"}) {  // the team router is a micro node
    ASSERT_EQ(std::system(("bash " + src + "/vm-templates/build.sh " + t + " >/dev/null").c_str()),
              0);
  }
  const auto t0 = std::chrono::steady_clock::now();
  // Six debian guests share two cores under TCG: boots take minutes.
  testsupport::UpExercise up(src + "/scenarios/provincial-egov", 1, {"--timeout", "15m"});
  const std::string& id = up.id();
  ASSERT_FALSE(id.empty()) << up.up().err;
  ASSERT_EQ(up.up().code, 0) << up.up().out << up.up().err;
  const auto t1 = std::chrono::steady_clock::now();

  // Two exercise hours at 60x: about two minutes, plus the guests' own time
  // (and the console visit below, with the clock paused).
  testsupport::TempDir tmp{"lf-egov-slow"};
  const std::string engine_log = tmp.str() + "/engine.log";
  testsupport::EngineProcess engine(testsupport::ExerciseStateDir(), id, engine_log,
                                    {"--portal", "127.0.0.1:0"}, {.speed = "60", .checks = true});
  ASSERT_GT(engine.pid(), 0);
  const std::string url = testsupport::WaitForPortalUrl(engine_log);
  ASSERT_FALSE(url.empty()) << testsupport::ReadFile(engine_log);
  const auto sqli_done = [&] {
    for (const Event& e : testsupport::ReadEvents(id)) {
      if (e.kind == kinds::kInjectOutcome && e.team == "blue1" &&
          e.payload.value("inject", "") == "sqli-dump" && e.payload.value("outcome", "") == "success")
        return true;
    }
    std::this_thread::sleep_for(std::chrono::seconds(2));  // the whole log, read again
    return false;
  };
  ASSERT_TRUE(testsupport::WaitFor(sqli_done, std::chrono::minutes(10)))
      << testsupport::ReadFile(engine_log);
  // The white cell pauses while the team looks, so the exercise does not end under it.
  ASSERT_EQ(RunArgs({"pause", id, "--reason", "console visit"}).code, 0);
  const std::string shots = testsupport::ScreenshotDir(tmp.str());
  // ungcuu: the scenario's IR account (admin: in adm, which reads nginx's logs).
  const std::string console = testsupport::RunConsoleScript(
      id, url, "portal", shots,
      "LF_CONSOLE_USER=ungcuu LF_CONSOLE_PASSWORD='UngCuu#2026' "
      "LF_CONSOLE_COMMAND=\"grep -i union /var/log/nginx/access.log | tail -n 3\" "
      "LF_CONSOLE_EXPECT='UNION%20SELECT.* 200 ' LF_CONSOLE_SHOT=portal-console-debian");
  std::cerr << console;
  EXPECT_NE(console.find("console: 172.30.208.10 "), std::string::npos)
      << console << testsupport::ReadFile(engine_log);
  ASSERT_EQ(RunArgs({"resume", id}).code, 0);
  EXPECT_EQ(engine.Wait(), 0) << testsupport::ReadFile(engine_log);
  std::cerr << "provincial-egov, 1 team (7 domains): up "
            << std::chrono::duration<double>(t1 - t0).count() << " s, run "
            << std::chrono::duration<double>(std::chrono::steady_clock::now() - t1).count()
            << " s\n";

  const std::vector<Event> events = testsupport::ReadEvents(id);
  EXPECT_EQ(CountEvents(events, kinds::kConsoleOpened, "blue1", "account", "blue1"), 1);
  EXPECT_EQ(CountEvents(events, kinds::kConsoleEnded, "blue1", "account", "white"), 1);
  testsupport::ExpectScreenshot(shots + "/portal-console-debian.png");
  testsupport::ExpectScreenshot(src + "/docs/img/portal-console-debian.png");
  // "OUTCOME REASON" of the inject's last run for blue1, "none" if it never ended.
  auto outcome = [&](std::string_view inject) {
    std::string last = "none";
    for (const Event& e : events) {
      if (e.kind == kinds::kInjectOutcome && e.team == "blue1" &&
          e.payload.value("inject", "") == inject)
        last = e.payload.value("outcome", "") + " " + e.payload.value("reason", "");
    }
    return last;
  };
  // Every step of the red chain worked on the real services.
  for (const char* step :
       {"recon-web", "sqli-dump", "ssh-portal", "privesc-sudo", "exfil-plan", "db-root"}) {
    EXPECT_EQ(outcome(step).substr(0, 8), "success ") << step << ": " << outcome(step);
  }
  EXPECT_EQ(CountEvents(events, kinds::kObjectiveReached, "blue1", "objective", "root-portal"), 1);
  EXPECT_EQ(CountEvents(events, kinds::kObjectiveReached, "blue1", "objective", "steal-plan"), 1);
  // The scripted blue team saw it in nginx's access log and in auth.log.
  for (const char* technique : {"T1190", "T1021.004", "T1548.003"}) {
    EXPECT_EQ(CountEvents(events, kinds::kSubmissionReport, "blue1", "technique", technique), 1)
        << technique;
  }
  EXPECT_GT(CountEvents(events, kinds::kCheckResult, "blue1", "status", "up"), 50);

  EXPECT_EQ(RunArgs({"replay", id}).code, 0);
  testsupport::ExpectReportVerifyAndDown(id);
}

}  // namespace
}  // namespace livefire::cli
