#include "livefire/log.h"

#include <fmt/format.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

namespace livefire {

Status InitLogging(std::string_view level) {
  auto lvl = spdlog::level::from_str(std::string(level));
  if (lvl == spdlog::level::off && level != "off") {
    return Status::InvalidArgument(fmt::format(
        "unknown log level '{}' (use trace, debug, info, warn, error, off)", level));
  }
  // Idempotent: tests and embedded callers may initialise more than once.
  auto logger = spdlog::get("livefire");
  if (!logger) logger = spdlog::stderr_color_mt("livefire");
  logger->set_pattern("%^%L%$ %H:%M:%S.%e %v");
  logger->set_level(lvl);
  spdlog::set_default_logger(logger);
  return Status::Ok();
}

}  // namespace livefire
