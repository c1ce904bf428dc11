#pragma once
// Reading and writing whole files in tests, and comparing output with a
// golden file (LIVEFIRE_UPDATE_GOLDEN=1 rewrites it instead).

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>

namespace livefire::testsupport {

// The whole file ("" when it cannot be read).
inline std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Writes `content` to dir/name, creating dir; returns the file's path.
inline std::string WriteFile(const std::filesystem::path& dir, std::string_view name,
                             std::string_view content) {
  std::filesystem::create_directories(dir);
  std::ofstream(dir / name, std::ios::binary) << content;
  return (dir / name).string();
}

// Expects `actual` to equal the golden file; `what` names it in the failure.
inline void ExpectMatchesGolden(const std::string& actual, const std::string& golden,
                                std::string_view what) {
  if (const char* u = std::getenv("LIVEFIRE_UPDATE_GOLDEN"); u && std::string(u) == "1") {
    std::ofstream(golden, std::ios::binary) << actual;
  }
  ASSERT_TRUE(std::filesystem::exists(golden))
      << "missing " << golden << " (run with LIVEFIRE_UPDATE_GOLDEN=1)";
  EXPECT_EQ(actual, ReadFile(golden)) << what << " changed; if intended, regenerate " << golden
                                      << " with LIVEFIRE_UPDATE_GOLDEN=1 and review the diff";
}

// Where the browser tests save their screenshots: LIVEFIRE_PORTAL_SHOTS
// (docs/img, to update the shipped ones), else `fallback` (a temp dir).
inline std::string ScreenshotDir(const std::string& fallback) {
  const char* env = std::getenv("LIVEFIRE_PORTAL_SHOTS");
  return env && *env ? env : fallback;
}

// Expects `path` to be a PNG screenshot that is not blank: the PNG
// signature, and more than min_bytes (a blank page's PNG compresses to a
// few kB; the portal's pages and consoles are well over 10 kB).
inline void ExpectScreenshot(const std::filesystem::path& path, size_t min_bytes = 10'000) {
  const std::string png = ReadFile(path);
  ASSERT_GT(png.size(), 8u) << path << " is missing or empty";
  EXPECT_EQ(png.substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8)) << path << " is not a PNG";
  EXPECT_GT(png.size(), min_bytes) << path << " looks blank";
}

}  // namespace livefire::testsupport
