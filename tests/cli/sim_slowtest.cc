// #18 "must show": the organiser's dry run at provincial scale, a hundred
// blue teams and two hundred runs of provincial-portal, timed.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "livefire/testing/cli_runner.h"
#include "livefire/testing/temp_dir.h"

namespace livefire::cli {
namespace {

TEST(SimDryRun, ProvincialPortalHundredTeamsTwoHundredRuns) {
  testsupport::TempDir tmp("lf-simdry");
  const std::string js = tmp.path().string() + "/dry.json",
                    html = tmp.path().string() + "/dry.html";
  const auto t0 = std::chrono::steady_clock::now();
  auto o = testsupport::RunArgs({"sim",
                                 std::string(LIVEFIRE_SOURCE_DIR) + "/scenarios/provincial-portal",
                                 "--teams", "100", "--runs", "200", "--json", js, "--html", html});
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  ASSERT_EQ(o.code, 0) << o.err;
  std::cout << o.out.substr(0, o.out.find('\n')) << "\n"
            << "livefire sim scenarios/provincial-portal --teams 100 --runs 200: " << s
            << " s wall\n";
  std::ifstream f(js);
  std::stringstream ss;
  ss << f.rdbuf();
  auto j = nlohmann::json::parse(ss.str());
  EXPECT_EQ(j["runs"], 200);
  ASSERT_EQ(j["teams"].size(), 100u);
  // 200 runs x 100 teams of each red objective.
  EXPECT_EQ(j["objectives"]["root-dvc"]["instances"], 20000);
  EXPECT_GT(j["events"].get<int64_t>(), 200 * 100 * 300);
  const double p = j["objectives"]["root-dvc"]["probability"].get<double>();
  EXPECT_GT(p, 0.0);
  EXPECT_LE(p, 1.0);
  EXPECT_TRUE(std::filesystem::file_size(html) > 1000);
}

}  // namespace
}  // namespace livefire::cli
