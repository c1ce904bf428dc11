// `livefire run ID --portal` and `livefire portal ID` from the command line
// (libvirt's test driver, as integrity_test.cc); the portal's own behaviour
// is tested in tests/engine/portal.

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include "livefire/testing/cli_range.h"
#include "test_driver_cli.h"

namespace livefire::cli {
namespace {

using testsupport::Outcome;

class PortalCli : public TestDriverCli {
 protected:
  PortalCli() : TestDriverCli(testsupport::WebAndAttackerScenario("cli-portal"), "lf-cli-portal") {}
  std::string Up() {
    Outcome up = Cli({"up", state_ + "/scenario", "--uri", uri_, "--no-wait"});
    EXPECT_EQ(up.code, 0) << up.out << up.err;
    return testsupport::LastLine(up.out);
  }
};

TEST_F(PortalCli, PortalNeedsAnEngineListeningOnTcp) {
  const std::string id = Up();
  Outcome p = Cli({"portal", id, "--listen", "127.0.0.1:0"});
  EXPECT_EQ(p.code, 1) << p.err;
  EXPECT_NE(p.err.find("does not listen on TCP"), std::string::npos) << p.err;
  EXPECT_NE(p.err.find("--listen tcp://127.0.0.1:PORT"), std::string::npos) << p.err;
  Outcome half = Cli({"portal", id, "--listen", "127.0.0.1:0", "--cert", "x.pem"});
  EXPECT_NE(half.code, 0);
}

TEST_F(PortalCli, RunWithPortalServesHttpsAndPrintsTheFingerprint) {
  const std::string id = Up();
  Outcome run;
  std::thread engine([&] {
    run = Cli({"run", id, "--uri", uri_, "--quiet", "--no-checks", "--portal", "127.0.0.1:0"});
  });
  bool answered = false;
  for (int i = 0; i < 200 && !answered; ++i) {
    answered = Cli({"stop", id}).code == 0;
    if (!answered) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  engine.join();
  ASSERT_TRUE(answered);
  EXPECT_EQ(run.code, 0) << run.err;
  EXPECT_NE(run.err.find("portal on https://127.0.0.1:"), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("certificate SHA-256 "), std::string::npos) << run.err;
  // --portal alone listens for the portal's CURVE clients on loopback.
  EXPECT_NE(run.err.find("listening for remote clients on tcp://127.0.0.1:"), std::string::npos)
      << run.err;
  const std::string dir = state_ + "/exercises/" + id + "/portal";
  EXPECT_TRUE(std::filesystem::exists(dir + "/cert.pem"));
  EXPECT_TRUE(std::filesystem::exists(dir + "/key.pem"));
}

}  // namespace
}  // namespace livefire::cli
