#include "livefire/ids.h"

#include <fmt/format.h>

#include <ctime>
#include <random>

namespace livefire {

Status CheckName(std::string_view what, std::string_view name, size_t max_len) {
  if (name.empty()) return Status::InvalidArgument(fmt::format("{} name is empty", what));
  if (name.size() > max_len) {
    return Status::InvalidArgument(
        fmt::format("{} name '{}' is longer than {} characters", what, name, max_len));
  }
  auto ok_char = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  if (!ok_char(name.front())) {
    return Status::InvalidArgument(fmt::format(
        "{} name '{}' must start with a lower-case letter or a digit", what, name));
  }
  for (char c : name) {
    if (!ok_char(c) && c != '-') {
      return Status::InvalidArgument(fmt::format(
          "{} name '{}' may contain only a-z, 0-9 and '-' (found '{}')", what, name, c));
    }
  }
  return Status::Ok();
}

ExerciseId MakeExerciseId(int64_t unix_seconds, uint64_t seed) {
  std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  std::mt19937_64 rng(seed);
  return ExerciseId(fmt::format("lf-{:04d}{:02d}{:02d}-{:02d}{:02d}{:02d}-{:06x}", tm.tm_year + 1900,
                                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                                rng() & 0xffffff));
}

Result<ExerciseId> ParseExerciseId(std::string_view text) {
  LF_RETURN_IF_ERROR(CheckName("exercise id", text, 40));
  return ExerciseId(std::string(text));
}

}  // namespace livefire
