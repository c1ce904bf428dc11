#include "cli.h"

#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

#include "livefire/testing/cli_runner.h"
#include "livefire/testing/temp_dir.h"
#include "livefire/version.h"

namespace livefire::cli {
namespace {

using testsupport::Outcome;
using testsupport::RunArgs;
using testsupport::RunInState;

TEST(Cli, VersionPrintsVersionAndExitsZero) {
  Outcome o = RunArgs({"--version"});
  EXPECT_EQ(o.code, 0);
  EXPECT_NE(o.out.find(std::string("livefire ") + kVersion), std::string::npos) << o.out;
}

TEST(Cli, HelpListsExitCodes) {
  Outcome o = RunArgs({"--help"});
  EXPECT_EQ(o.code, 0);
  EXPECT_NE(o.out.find("Exit codes"), std::string::npos) << o.out;
}

TEST(Cli, NoArgumentsPrintsHelp) {
  Outcome o = RunArgs({});
  EXPECT_EQ(o.code, 0);
  EXPECT_NE(o.out.find("Usage"), std::string::npos) << o.out;
}

TEST(Cli, UnknownSubcommandIsAUserError) {
  Outcome o = RunArgs({"frobnicate"});
  EXPECT_EQ(o.code, 1);
  EXPECT_NE(o.err.find("frobnicate"), std::string::npos) << o.err;
}

TEST(Cli, BadLogLevelIsAUserError) {
  Outcome o = RunArgs({"--log-level", "loud"});
  EXPECT_EQ(o.code, 1);
  EXPECT_NE(o.err.find("loud"), std::string::npos) << o.err;
}

// `livefire scoreboard` refuses what it can before it asks the engine.
TEST(Cli, ScoreboardChecksItsOptionsBeforeAskingTheEngine) {
  testsupport::TempDir tmp("lf-cli-board");
  const std::string id = "lf-20200101-000000-000000";
  Outcome at = RunInState(tmp.str(), {"scoreboard", id, "--mode", "live", "--at", "1h"});
  EXPECT_EQ(at.code, 1);
  EXPECT_NE(at.err.find("--at goes with --mode frozen"), std::string::npos) << at.err;
  Outcome soon = RunInState(tmp.str(), {"scoreboard", id, "--mode", "frozen", "--at", "soon"});
  EXPECT_EQ(soon.code, 1);
  EXPECT_NE(soon.err.find("--at"), std::string::npos) << soon.err;
  Outcome mode = RunInState(tmp.str(), {"scoreboard", id, "--mode", "paused"});
  EXPECT_EQ(mode.code, 1);
  EXPECT_NE(mode.err.find("--mode"), std::string::npos) << mode.err;
  Outcome none = RunInState(tmp.str(), {"scoreboard", id, "--mode", "hidden"});
  EXPECT_EQ(none.code, 1);
  EXPECT_NE(none.err.find("no engine is running"), std::string::npos) << none.err;
}

}  // namespace
}  // namespace livefire::cli
