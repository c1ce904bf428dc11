// The portal in a real browser: Debian's headless Chromium driven by
// puppeteer-core (tests/browser, installed by .ci/setup) logs in as blue1,
// files a report and sees it acknowledged and listed; the engine holds it.
#include <gtest/gtest.h>
#include <stdio.h>
#include <sys/wait.h>

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
  const std::string cmd = "node " + dir + "/report.mjs " + run.portal->url() + " blue1 '" +
                          run.Password("blue1") + "' 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  ASSERT_NE(p, nullptr);
  std::string out;
  char buf[512];
  while (size_t n = fread(buf, 1, sizeof buf, p)) out.append(buf, n);
  const int status = pclose(p);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << out;
  EXPECT_NE(out.find("acknowledged"), std::string::npos) << out;
  bool stored = false;
  for (const Event& e : run.Log()) {
    if (e.kind == kinds::kSubmissionReport && e.team == "blue1" &&
        e.payload.value("account", "") == "blue1" &&
        e.payload.value("description", "").find("<img") != std::string::npos)
      stored = true;
  }
  EXPECT_TRUE(stored);
}

}  // namespace
}  // namespace livefire::portal
