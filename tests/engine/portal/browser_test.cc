// The portal in a real browser: Debian's headless Chromium driven by
// puppeteer-core (tests/browser, installed by .ci/setup) logs in as blue1,
// files a report and sees it acknowledged and listed; white grades it and
// blue1's page shows the grade live; the engine holds both. With
// LIVEFIRE_PORTAL_SHOTS=DIR it also saves the pages' screenshots there (how
// docs/img/portal-*.png are made).
#include <gtest/gtest.h>
#include <stdio.h>
#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>

#include "portal_fixture.h"

namespace livefire::portal {
namespace {

TEST(PortalBrowser, BlueLogsInFilesAReportAndSeesItAcknowledged) {
  const std::string dir = std::string(LIVEFIRE_SOURCE_DIR) + "/tests/browser";
  ASSERT_TRUE(std::filesystem::exists(dir + "/node_modules/puppeteer-core"))
      << "puppeteer-core is not installed: run bash .ci/setup (npm ci in tests/browser)";
  PortalRange run;
  ASSERT_TRUE(run.Start());
  const char* shots = std::getenv("LIVEFIRE_PORTAL_SHOTS");
  const std::string cmd = "node " + dir + "/report.mjs " + run.portal->url() + " blue1 '" +
                          run.Password("blue1") + "' white '" + run.Password("white") + "' " +
                          (shots ? shots : "") + " 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  ASSERT_NE(p, nullptr);
  std::string out;
  char buf[512];
  while (size_t n = fread(buf, 1, sizeof buf, p)) out.append(buf, n);
  const int status = pclose(p);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << out;
  EXPECT_NE(out.find("acknowledged"), std::string::npos) << out;
  EXPECT_NE(out.find("graded"), std::string::npos) << out;
  bool stored = false, graded = false;
  for (const Event& e : run.Log()) {
    if (e.kind == kinds::kSubmissionReport && e.team == "blue1" &&
        e.payload.value("account", "") == "blue1" &&
        e.payload.value("description", "").find("<img") != std::string::npos)
      stored = true;
    if (e.kind == kinds::kGradeGiven && e.team == "blue1" &&
        e.payload.value("comment", "") == "good catch")
      graded = true;
  }
  EXPECT_TRUE(stored);
  EXPECT_TRUE(graded);
  if (shots) {
    for (const char* name : {"dashboard", "report", "submissions", "scoreboard"}) {
      const std::string png = std::string(shots) + "/portal-" + name + ".png";
      EXPECT_GT(std::filesystem::exists(png) ? std::filesystem::file_size(png) : 0, 10'000u)
          << png;
    }
  }
}

}  // namespace
}  // namespace livefire::portal
