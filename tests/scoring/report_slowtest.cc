// Rendering check of the after-action report: the HTML of a recorded
// provincial-portal run, screenshotted by headless Chromium (no network:
// the page loads nothing), must be a drawn page with its charts, not a
// blank one. Set LIVEFIRE_REPORT_KEEP_SCREENSHOT=path to keep the PNG.
#include <gtest/gtest.h>

#define STB_IMAGE_IMPLEMENTATION
#define STBI_ONLY_PNG
#include <stb/stb_image.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>

#include "livefire/report/report.h"
#include "livefire/testing/temp_dir.h"
#include "report_fixture.h"

namespace livefire::report {
namespace {

namespace fs = std::filesystem;

const ExerciseId kId("lf-20261121-093000-3fa2c1");

bool HaveChromium() { return std::system("command -v chromium >/dev/null 2>&1") == 0; }

TEST(ReportRender, HeadlessChromiumScreenshotShowsChartsAndText) {
  ASSERT_TRUE(HaveChromium())
      << "chromium not installed: apt-get install -y chromium (bash .ci/setup should install it)";
  testsupport::TempDir dir;
  Status rec = testing_report::RecordPortalExercise(dir.str(), kId);
  ASSERT_TRUE(rec.ok()) << rec.ToString();
  auto st = store::EventStore::OpenExercise(dir.str(), kId, {.read_only = true});
  ASSERT_TRUE(st.ok()) << st.status().ToString();
  auto created = (*st)->Read({.kind = std::string(kinds::kExerciseCreated), .limit = 1});
  ASSERT_TRUE(created.ok());
  auto config = scoring::ConfigFromEvents(*created);
  ASSERT_TRUE(config.ok());
  auto in = ReadReportInput(**st, *config);
  ASSERT_TRUE(in.ok()) << in.status().ToString();
  in->exercise_id = kId.str();
  auto sc = scenario::LoadValidScenario(
      testing_report::PortalScenarioDir(),
      {.templates_dir = std::string(LIVEFIRE_SOURCE_DIR) + "/vm-templates"});
  ASSERT_TRUE(sc.ok()) << sc.status().ToString();
  in->scenario = &*sc;
  auto data = BuildReport(*in);
  ASSERT_TRUE(data.ok()) << data.status().ToString();
  const fs::path html = dir.path() / "report.html", png = dir.path() / "report.png";
  std::ofstream(html) << RenderReportHtml(*data);

  // Tall enough for the header, the scoreboard chart, the coverage grid, the
  // tasks, findings and reverts sections and the first team's timeline and
  // availability bands.
  const std::string cmd =
      "timeout 180 chromium --headless --no-sandbox --disable-gpu --disable-background-networking "
      "--disable-component-update --disable-sync --no-first-run --user-data-dir='" +
      (dir.path() / "profile").string() + "' --screenshot='" + png.string() +
      "' --window-size=1280,6400 'file://" + html.string() + "' > '" +
      (dir.path() / "chromium.log").string() + "' 2>&1";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
  ASSERT_TRUE(fs::exists(png)) << cmd;

  int w = 0, h = 0, ch = 0;
  unsigned char* px = stbi_load(png.c_str(), &w, &h, &ch, 3);
  ASSERT_NE(px, nullptr) << stbi_failure_reason();
  EXPECT_EQ(w, 1280);
  EXPECT_EQ(h, 6400);
  double sum = 0, sum2 = 0;
  std::set<uint32_t> colours;
  size_t up = 0, red = 0, blue = 0, header = 0;
  const size_t n = static_cast<size_t>(w) * h;
  auto near = [](const unsigned char* p, int r, int g, int b) {
    return std::abs(p[0] - r) < 8 && std::abs(p[1] - g) < 8 && std::abs(p[2] - b) < 8;
  };
  for (size_t i = 0; i < n; ++i) {
    const unsigned char* p = px + i * 3;
    const double l = 0.299 * p[0] + 0.587 * p[1] + 0.114 * p[2];
    sum += l;
    sum2 += l * l;
    colours.insert((p[0] << 16) | (p[1] << 8) | p[2]);
    up += near(p, 0x2e, 0x9e, 0x57);      // up rounds, blue2's score line
    red += near(p, 0xc0, 0x39, 0x2b);     // red actions, down rounds
    blue += near(p, 0x1f, 0x5f, 0xa8);    // detections, blue1's score line
    header += near(p, 0x14, 0x28, 0x3f);  // the title band
  }
  stbi_image_free(px);
  const double mean = sum / n, var = sum2 / n - mean * mean;
  EXPECT_GT(std::sqrt(var), 10.0) << "page looks blank";
  EXPECT_GT(colours.size(), 200u) << "too few colours to hold text and charts";
  EXPECT_GT(up, 20000u) << "availability bands not drawn";
  EXPECT_GT(red, 300u) << "red actions not drawn";
  EXPECT_GT(blue, 300u) << "detections / score line not drawn";
  EXPECT_GT(header, 100000u) << "header band not drawn";
  if (const char* keep = std::getenv("LIVEFIRE_REPORT_KEEP_SCREENSHOT"); keep && *keep) {
    fs::copy_file(png, keep, fs::copy_options::overwrite_existing);
  }
}

}  // namespace
}  // namespace livefire::report
