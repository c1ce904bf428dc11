// The maturity page and the annual statistics as a browser renders them:
// headless Chromium loads the HTML that `livefire maturity` and `livefire
// stats` write for an archive of three exercises (the two golden logs and a
// recorded one), dumps the DOM and takes a screenshot. With
// LIVEFIRE_UPDATE_SCREENSHOT=1 the screenshot replaces docs/img/maturity.png.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>

#include "archive_fixture.h"
#include "livefire/testing/files.h"
#include "livefire/testing/temp_dir.h"

namespace livefire::archive {
namespace {

namespace fs = std::filesystem;
using testsupport::ReadFile;
using testsupport::RunInState;
using testsupport::TempDir;

// Runs chromium headless on a local file; returns its exit status.
int Chromium(const std::string& args, const std::string& out) {
  // --no-sandbox: the tests run as root in the build container.
  std::string cmd =
      "chromium --headless --no-sandbox --disable-gpu --no-first-run "
      "--user-data-dir=" +
      fs::path(out).parent_path().string() + "/chromium " + args + " > " + out + " 2>/dev/null";
  return std::system(cmd.c_str());
}

TEST(MaturityPage, RendersInHeadlessChromium) {
  // A browser test that cannot run fails: the suite must not pass without it.
  ASSERT_EQ(std::system("command -v chromium > /dev/null"), 0)
      << "chromium is missing: run bash .ci/setup";
  TempDir state;
  testing::ArchiveThreeExercises(state.str());
  const std::string html = state.str() + "/maturity.html";
  auto o = RunInState(state.str(), {"maturity", testing::kHoaBinh, "--html", html});
  ASSERT_EQ(o.code, 0) << o.err;
  const std::string stats = state.str() + "/stats.html";
  o = RunInState(state.str(), {"stats", "--year", "2026", "--html", stats});
  ASSERT_EQ(o.code, 0) << o.err;

  const std::string dom = state.str() + "/dom.html";
  ASSERT_EQ(Chromium("--dump-dom file://" + html, dom), 0);
  std::string d = ReadFile(dom);
  EXPECT_NE(d.find("<svg id=\"radar\""), std::string::npos) << d.substr(0, 400);
  EXPECT_NE(d.find("class=\"subject\""), std::string::npos);
  EXPECT_NE(d.find("class=\"peers\""), std::string::npos);
  EXPECT_NE(d.find("<svg id=\"trend\""), std::string::npos);
  EXPECT_NE(d.find("class=\"trend-line\""), std::string::npos);
  EXPECT_NE(d.find("Phát hiện sự cố / Incident detection"), std::string::npos);
  EXPECT_NE(d.find("id=\"tier\""), std::string::npos);
  EXPECT_EQ(d.find(testing::kSonLam), std::string::npos) << "a peer is named";

  ASSERT_EQ(Chromium("--dump-dom file://" + stats, dom), 0);
  d = ReadFile(dom);
  EXPECT_NE(d.find("<b id=\"exercise-count\">3</b>"), std::string::npos);
  EXPECT_NE(d.find("id=\"national\""), std::string::npos);

  const std::string png = state.str() + "/maturity.png";
  ASSERT_EQ(Chromium("--window-size=1100,1400 --screenshot=" + png + " file://" + html,
                     state.str() + "/shot.log"),
            0);
  ASSERT_TRUE(fs::exists(png));
  EXPECT_GT(fs::file_size(png), 20000u);
  const std::string docs_png = std::string(LIVEFIRE_SOURCE_DIR) + "/docs/img/maturity.png";
  if (const char* u = std::getenv("LIVEFIRE_UPDATE_SCREENSHOT"); u && std::string(u) == "1") {
    fs::create_directories(std::string(LIVEFIRE_SOURCE_DIR) + "/docs/img");
    fs::copy_file(png, docs_png, fs::copy_options::overwrite_existing);
  }
  // The screenshot docs/maturity.md shows is a real page: a PNG of the
  // window's size, far larger than a blank one (a white 1100x1400 PNG
  // compresses to a few kB).
  const std::string shipped = ReadFile(docs_png);
  ASSERT_GT(shipped.size(), 24u) << docs_png;
  EXPECT_EQ(shipped.substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8));
  EXPECT_EQ(shipped.substr(12, 4), "IHDR");
  auto be32 = [&](size_t at) {
    uint32_t v = 0;
    for (size_t i = 0; i < 4; ++i) v = v << 8 | static_cast<unsigned char>(shipped[at + i]);
    return v;
  };
  EXPECT_EQ(be32(16), 1100u);  // width
  EXPECT_EQ(be32(20), 1400u);  // height
  EXPECT_GT(shipped.size(), 20000u) << docs_png << " looks blank";
}

}  // namespace
}  // namespace livefire::archive
