#pragma once
// Logging goes through spdlog. The CLI configures it once at start-up; library
// code only calls spdlog::info/warn/error (or the `logger()` it is given).

#include <string_view>

#include "livefire/status.h"

namespace livefire {

// level: trace, debug, info, warn, error, off. Logs go to stderr so that
// stdout stays clean for machine-readable output (--json).
Status InitLogging(std::string_view level);

}  // namespace livefire
