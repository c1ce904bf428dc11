#include "cli.h"

#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

#include "livefire/version.h"

namespace livefire::cli {
namespace {

struct Outcome {
  int code;
  std::string out;
  std::string err;
};

Outcome RunArgs(std::vector<std::string> args) {
  args.insert(args.begin(), "livefire");
  std::vector<const char*> argv;
  for (auto& a : args) argv.push_back(a.c_str());
  std::ostringstream out, err;
  int code = Run(static_cast<int>(argv.size()), argv.data(), out, err);
  return {code, out.str(), err.str()};
}

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
