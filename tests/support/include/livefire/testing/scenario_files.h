#pragma once
// Writes scenario folders for tests: a scenario.lua (and any other file) in a
// folder created on demand.

#include <filesystem>
#include <string>
#include <string_view>

#include "livefire/testing/files.h"

namespace livefire::testsupport {

// The checkout's VM templates (what scenarios in tests build on).
inline std::string TemplatesDir() { return std::string(LIVEFIRE_SOURCE_DIR) + "/vm-templates"; }

// Writes dir/scenario.lua; returns the folder (what the loader takes).
inline std::string WriteScenario(const std::filesystem::path& dir, std::string_view code) {
  WriteFile(dir, "scenario.lua", code);
  return dir.string();
}

}  // namespace livefire::testsupport
