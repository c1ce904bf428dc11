// Smoke test of the blue team view (#14): a real engine listening on CURVE
// tcp, blue1's credential file as `accounts export` writes it, and
// livefire-gui --credential FILE under Xvfb; the white cell's control room
// the same way. The screenshots must be drawn frames. Set
// LIVEFIRE_GUI_KEEP_SCREENSHOT / LIVEFIRE_GUI_KEEP_WHITE_SCREENSHOT=path to keep them.
#include <gtest/gtest.h>
#include <stb_image.h>
#include <sys/stat.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>

#include "livefire/gui/plan_file.h"
#include "livefire/testing/files.h"
#include "livefire/testing/remote_engine.h"
#include "livefire/testing/temp_dir.h"

namespace livefire::gui {
namespace {

namespace fs = std::filesystem;

// Writes `account`'s credential file, opens livefire-gui with it under Xvfb
// and checks the screenshot is a drawn frame (kept under keep_env's path).
void ExpectDrawnRemoteFrame(testsupport::RemoteEngine& run, const fs::path& dir,
                            const std::string& account, const char* keep_env) {
  auto cred = run.book.Credential(account, run.ex->control_tcp_endpoint());
  ASSERT_TRUE(cred.ok()) << cred.status().ToString();
  const fs::path file = dir / (account + ".json");
  std::ofstream(file) << cred->dump(2);
  ::chmod(file.c_str(), 0600);
  const fs::path png = dir / (account + ".png");
  const std::string gui = std::string(LIVEFIRE_BINARY_DIR) + "/gui/livefire-gui";
  const std::string cmd = "xvfb-run -a -s '-screen 0 1280x800x24' '" + gui + "' --credential '" +
                          file.string() + "' --width 1280 --height 800 --frames 30 --screenshot '" +
                          png.string() + "' > '" + (dir / (account + ".log")).string() + "' 2>&1";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd << "\n"
                                         << testsupport::ReadFile(dir / (account + ".log"));
  ASSERT_TRUE(fs::exists(png));
  int w = 0, h = 0, ch = 0;
  unsigned char* px = stbi_load(png.c_str(), &w, &h, &ch, 3);
  ASSERT_NE(px, nullptr);
  EXPECT_EQ(w, 1280);
  double sum = 0, sum2 = 0;
  std::set<uint32_t> colours;
  const size_t n = static_cast<size_t>(w) * h;
  for (size_t i = 0; i < n; ++i) {
    const unsigned char* p = px + i * 3;
    const double l = 0.299 * p[0] + 0.587 * p[1] + 0.114 * p[2];
    sum += l;
    sum2 += l * l;
    colours.insert((p[0] << 16) | (p[1] << 8) | p[2]);
  }
  stbi_image_free(px);
  const double mean = sum / n;
  EXPECT_GT(std::sqrt(sum2 / n - mean * mean), 5.0) << "frame looks blank";
  EXPECT_GT(colours.size(), 30u) << "frame has too few colours to hold text";
  if (const char* keep = std::getenv(keep_env); keep && *keep) {
    fs::copy_file(png, keep, fs::copy_options::overwrite_existing);
  }
}

// blue1 has a graded report and an open task when its team view opens.
void StartWithBlueActivity(testsupport::RemoteEngine& run, const fs::path& dir) {
  ASSERT_NO_FATAL_FAILURE(run.Start(dir, 1));
  const int64_t seq = run.Call(*run.host, bus::MakeSubmitReportRequest(
                                              "blue1", {"portal", "T1190", "", "ping.cgi"}))
                          .value("seq", int64_t{0});
  bus::GradeFields g;
  g.rubric = "100";
  g.points = 10;
  g.target_seq = seq;
  run.Call(*run.host, bus::MakeGradeRequest("blue1", g));
  run.Call(*run.host, bus::MakeFireInjectRequest("press-query", "blue1"));
}

TEST(GuiSmoke, BlueTeamViewOverCurveIsDrawn) {
  ASSERT_EQ(std::system("command -v xvfb-run >/dev/null 2>&1"), 0) << "xvfb-run not installed";
  testsupport::TempDir tmp("lf-gui-team");
  testsupport::RemoteEngine run;
  ASSERT_NO_FATAL_FAILURE(StartWithBlueActivity(run, tmp.path()));
  ExpectDrawnRemoteFrame(run, tmp.path(), "blue1", "LIVEFIRE_GUI_KEEP_SCREENSHOT");
}

// The white cell's control room from another machine (no local log).
TEST(GuiSmoke, WhiteControlRoomOverCurveIsDrawn) {
  ASSERT_EQ(std::system("command -v xvfb-run >/dev/null 2>&1"), 0) << "xvfb-run not installed";
  testsupport::TempDir tmp("lf-gui-white");
  testsupport::RemoteEngine run;
  ASSERT_NO_FATAL_FAILURE(StartWithBlueActivity(run, tmp.path()));
  // The plan `up` would have written: the engine hands it to the remote GUI.
  ExercisePlan plan;
  plan.exercise = run.id.str();
  plan.plan = run.plan;
  ASSERT_TRUE(WritePlanFile(PlanPathFor(run.state, run.id), plan).ok());
  ExpectDrawnRemoteFrame(run, tmp.path(), "white", "LIVEFIRE_GUI_KEEP_WHITE_SCREENSHOT");
}

}  // namespace
}  // namespace livefire::gui
