#include "cli.h"

#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

#include "livefire/testing/cli_runner.h"
#include "livefire/version.h"

namespace livefire::cli {
namespace {

using testsupport::Outcome;
using testsupport::RunArgs;

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

}  // namespace
}  // namespace livefire::cli
