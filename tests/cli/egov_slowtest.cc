// scenarios/provincial-egov end to end with one blue team on real debian
// nodes under qemu (TCG): up -> run (the red chain SQLi -> reused password ->
// SSH -> sudo -> file-server exfiltration on the real services, the scripted
// blue team reading nginx's access log and auth.log) -> report -> down.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <iostream>
#include <string>

#include "livefire/testing/real_exercise.h"

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

  // Two exercise hours at 60x: about two minutes, plus the guests' own time.
  Outcome run = RunArgs({"run", id, "--speed", "60", "--quiet"});
  ASSERT_EQ(run.code, 0) << run.out << run.err;
  std::cerr << "provincial-egov, 1 team (7 domains): up "
            << std::chrono::duration<double>(t1 - t0).count() << " s, run "
            << std::chrono::duration<double>(std::chrono::steady_clock::now() - t1).count()
            << " s\n";

  const std::vector<Event> events = testsupport::ReadEvents(id);
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
