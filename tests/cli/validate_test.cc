#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

#include "cli.h"
#include "livefire/testing/cli_runner.h"
#include "livefire/testing/scenario_files.h"

namespace livefire::cli {
namespace {

using testsupport::Outcome;
using testsupport::RunArgs;

const std::string kSrc = LIVEFIRE_SOURCE_DIR;
const std::string kTemplates = testsupport::TemplatesDir();

TEST(Validate, ProvincialPortalIsOk) {
  std::string dir = kSrc + "/scenarios/provincial-portal";
  Outcome o = RunArgs({"validate", dir, "--templates", kTemplates});
  EXPECT_EQ(o.code, 0) << o.err;
  EXPECT_EQ(o.out, dir + ": ok (3 networks, 6 nodes, 12 injects, 4 teams)\n");
}

TEST(Validate, PrintsEveryErrorAndExitsOne) {
  std::string dir = kSrc + "/tests/engine/scenario/data/unreachable_service";
  Outcome o = RunArgs({"validate", dir, "--templates", kTemplates});
  EXPECT_EQ(o.code, 1);
  EXPECT_NE(o.err.find(dir + "/scenario.lua:11: node 'web' service 'http'"), std::string::npos)
      << o.err;
  EXPECT_NE(o.err.find(dir + "/scenario.lua:12: node 'web' vulnerability"), std::string::npos)
      << o.err;
  EXPECT_NE(o.err.find("2 problems found"), std::string::npos) << o.err;
}

TEST(Validate, MissingFolderIsAUserError) {
  Outcome o = RunArgs({"validate", "/nonexistent/scenario", "--templates", kTemplates});
  EXPECT_EQ(o.code, 1);
  EXPECT_NE(o.err.find("/nonexistent/scenario/scenario.lua"), std::string::npos) << o.err;
}

TEST(Validate, DirectoryIsRequired) {
  Outcome o = RunArgs({"validate"});
  EXPECT_EQ(o.code, 1);
}

}  // namespace
}  // namespace livefire::cli
