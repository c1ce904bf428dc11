// Smoke test of the real window: records a small exercise of the shipped
// scenario into a temporary state dir, opens it with livefire-gui under
// Xvfb (software OpenGL), and checks the screenshot is a drawn frame, not
// a blank one. Set LIVEFIRE_GUI_KEEP_SCREENSHOT=path to keep the PNG.
#include <gtest/gtest.h>
#include <stb_image.h>
#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <set>

#include "livefire/gui/sample.h"
#include "livefire/scenario/loader.h"
#include "livefire/topology/plan.h"

namespace livefire::gui {
namespace {

namespace fs = std::filesystem;

const ExerciseId kId("lf-20261121-093000-3fa2c1");

bool HaveXvfb() { return std::system("command -v xvfb-run >/dev/null 2>&1") == 0; }

ExercisePlan ScenarioPlan() {
  auto s = scenario::LoadValidScenario(std::string(LIVEFIRE_SOURCE_DIR) +
                                       "/scenarios/provincial-portal");
  EXPECT_TRUE(s.ok()) << s.status().ToString();
  if (!s.ok()) return {};
  auto plan = topology::MakePlan(*s);
  EXPECT_TRUE(plan.ok()) << plan.status().ToString();
  if (!plan.ok()) return {};
  ExercisePlan ep;
  ep.plan = *plan;
  for (const auto& d : plan->domains) {
    const model::Node* n = s->FindNode(d.node);
    if (!n || d.is_router) continue;
    for (const auto& svc : n->services)
      ep.services[d.key].push_back({svc.name, svc.protocol, svc.port});
  }
  return ep;
}

struct Frame {
  int w = 0, h = 0;
  double stddev = 0;
  size_t colours = 0, green = 0;  // green: "up" nodes of the topology
};

Frame ReadFrame(const fs::path& png) {
  Frame f;
  int ch = 0;
  unsigned char* px = stbi_load(png.c_str(), &f.w, &f.h, &ch, 3);
  EXPECT_NE(px, nullptr) << png;
  if (!px) return f;
  double sum = 0, sum2 = 0;
  std::set<uint32_t> colours;
  const size_t n = static_cast<size_t>(f.w) * f.h;
  for (size_t i = 0; i < n; ++i) {
    const unsigned char* p = px + i * 3;
    const double l = 0.299 * p[0] + 0.587 * p[1] + 0.114 * p[2];
    sum += l;
    sum2 += l * l;
    colours.insert((p[0] << 16) | (p[1] << 8) | p[2]);
    if (p[0] == 46 && p[1] == 160 && p[2] == 84) ++f.green;
  }
  stbi_image_free(px);
  const double mean = sum / n;
  f.stddev = std::sqrt(sum2 / n - mean * mean);
  f.colours = colours.size();
  return f;
}

TEST(GuiSmoke, ReplayScreenshotUnderXvfbIsNotBlank) {
  ASSERT_TRUE(HaveXvfb())
      << "xvfb-run not installed (Debian package xvfb; bash .ci/setup installs it)";
  const fs::path dir = fs::temp_directory_path() / ("lf-gui-smoke-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  ExercisePlan plan = ScenarioPlan();
  ASSERT_FALSE(plan.plan.domains.empty());
  auto s = scenario::LoadValidScenario(std::string(LIVEFIRE_SOURCE_DIR) +
                                       "/scenarios/provincial-portal");
  ASSERT_TRUE(s.ok());
  SampleOptions so;
  so.title = s->meta.title;  // Vietnamese: the font must carry its glyphs
  so.organisation = s->meta.organisation;
  so.compromise_fraction = 1.0;
  ASSERT_TRUE(WriteSampleExercise(dir.string(), kId, plan, MakeSampleEvents(plan, so)).ok());

  const fs::path png = dir / "control-room.png";
  const std::string gui = std::string(LIVEFIRE_BINARY_DIR) + "/gui/livefire-gui";
  const std::string cmd = "xvfb-run -a -s '-screen 0 1600x960x24' '" + gui + "' " + kId.str() +
                          " --state-dir '" + dir.string() +
                          "' --replay --frames 20 --screenshot '" + png.string() + "' > '" +
                          (dir / "gui.log").string() + "' 2>&1";
  const int rc = std::system(cmd.c_str());
  ASSERT_EQ(rc, 0) << cmd;
  ASSERT_TRUE(fs::exists(png));

  const Frame f = ReadFrame(png);
  EXPECT_EQ(f.w, 1600);
  EXPECT_EQ(f.h, 960);
  EXPECT_GT(f.stddev, 10.0) << "frame looks blank";
  EXPECT_GT(f.colours, 100u) << "frame has too few colours to hold text and nodes";
  EXPECT_GT(f.green, 500u) << "no 'up' nodes drawn in the topology";
  if (const char* keep = std::getenv("LIVEFIRE_GUI_KEEP_SCREENSHOT"); keep && *keep) {
    fs::copy_file(png, keep, fs::copy_options::overwrite_existing);
  }
  fs::remove_all(dir);
}

// #18: a simulated exercise (`livefire sim --out`) opens in the control
// room's replay like a live one.
TEST(GuiSmoke, SimulatedExerciseOpensInReplay) {
  ASSERT_TRUE(HaveXvfb())
      << "xvfb-run not installed (Debian package xvfb; bash .ci/setup installs it)";
  const fs::path dir = fs::temp_directory_path() / ("lf-gui-sim-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  const std::string cli = std::string(LIVEFIRE_BINARY_DIR) + "/engine/cli/livefire";
  const std::string sim = "'" + cli + "' sim '" + LIVEFIRE_SOURCE_DIR +
                          "/scenarios/provincial-portal' --teams 2 --seed 5 --out '" +
                          dir.string() + "' --quiet";
  ASSERT_EQ(std::system(sim.c_str()), 0) << sim;
  std::string id;
  for (const auto& e : fs::directory_iterator(dir / "exercises")) id = e.path().filename().string();
  ASSERT_FALSE(id.empty());
  const fs::path png = dir / "sim.png";
  const std::string gui = std::string(LIVEFIRE_BINARY_DIR) + "/gui/livefire-gui";
  const std::string cmd = "xvfb-run -a -s '-screen 0 1600x960x24' '" + gui + "' " + id +
                          " --state-dir '" + dir.string() +
                          "' --replay --frames 20 --screenshot '" + png.string() + "' > '" +
                          (dir / "gui.log").string() + "' 2>&1";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
  const Frame f = ReadFrame(png);
  EXPECT_EQ(f.w, 1600);
  EXPECT_GT(f.stddev, 10.0) << "frame looks blank";
  EXPECT_GT(f.colours, 100u);
  EXPECT_GT(f.green, 500u)
      << "no 'up' nodes drawn: the simulated log's checks did not reach the view";
  fs::remove_all(dir);
}

TEST(GuiSmoke, UnknownExerciseIsAUserError) {
  const std::string gui = std::string(LIVEFIRE_BINARY_DIR) + "/gui/livefire-gui";
  const std::string cmd =
      "'" + gui + "' lf-20261121-093000-000000 --state-dir /nonexistent >/dev/null 2>&1";
  const int rc = std::system(cmd.c_str());
  ASSERT_TRUE(WIFEXITED(rc));
  EXPECT_EQ(WEXITSTATUS(rc), 1);
}

}  // namespace
}  // namespace livefire::gui
