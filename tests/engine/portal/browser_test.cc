// The portal in a real browser: Debian's headless Chromium driven by
// puppeteer-core (tests/browser, installed by .ci/setup) logs in as blue1,
// files a report and sees it acknowledged and listed; white grades it and
// blue1's page shows the grade live, then white's message on the
// dashboard; the engine holds all three. With
// LIVEFIRE_PORTAL_SHOTS=DIR it also saves the pages' screenshots there (how
// docs/img/portal-*.png are made).
#include <gtest/gtest.h>
#include <stdio.h>
#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>

#include "livefire/testing/files.h"
#include "portal_fixture.h"

namespace livefire::portal {
namespace {

TEST(PortalBrowser, BlueLogsInFilesAReportAndSeesItAcknowledged) {
  const std::string dir = std::string(LIVEFIRE_SOURCE_DIR) + "/tests/browser";
  ASSERT_TRUE(std::filesystem::exists(dir + "/node_modules/puppeteer-core"))
      << "puppeteer-core is not installed: run bash .ci/setup (npm ci in tests/browser)";
  PortalRange run;
  ASSERT_TRUE(run.Start());
  // The screenshots are always taken and checked; LIVEFIRE_PORTAL_SHOTS=docs/img
  // keeps them (how the shipped ones are made).
  testsupport::TempDir tmp{"lf-portal-shots"};
  const std::string shots = testsupport::ScreenshotDir(tmp.str());
  const std::string cmd = "node " + dir + "/report.mjs " + run.portal->url() + " blue1 '" +
                          run.Password("blue1") + "' white '" + run.Password("white") + "' " +
                          shots + " 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  ASSERT_NE(p, nullptr);
  std::string out;
  char buf[512];
  while (size_t n = fread(buf, 1, sizeof buf, p)) out.append(buf, n);
  const int status = pclose(p);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << out;
  EXPECT_NE(out.find("acknowledged"), std::string::npos) << out;
  EXPECT_NE(out.find("graded"), std::string::npos) << out;
  EXPECT_NE(out.find("message shown"), std::string::npos) << out;
  bool stored = false, graded = false, messaged = false;
  for (const Event& e : run.Log()) {
    if (e.kind == kinds::kSubmissionReport && e.team == "blue1" &&
        e.payload.value("account", "") == "blue1" &&
        e.payload.value("description", "").find("<img") != std::string::npos)
      stored = true;
    if (e.kind == kinds::kGradeGiven && e.team == "blue1" &&
        e.payload.value("comment", "") == "good catch")
      graded = true;
    if (e.kind == kinds::kMessageSent && e.team == "blue1" &&
        e.payload.value("account", "") == "white")
      messaged = true;
  }
  EXPECT_TRUE(stored);
  EXPECT_TRUE(graded);
  EXPECT_TRUE(messaged);
  for (const char* name : {"dashboard", "report", "submissions", "scoreboard"}) {
    testsupport::ExpectScreenshot(shots + "/portal-" + name + ".png");
    // What docs/portal.md shows.
    testsupport::ExpectScreenshot(std::string(LIVEFIRE_SOURCE_DIR) + "/docs/img/portal-" + name +
                                  ".png");
  }
}

}  // namespace
}  // namespace livefire::portal
