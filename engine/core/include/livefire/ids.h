#pragma once
// Strong ids: an ExerciseId cannot be passed where a TeamId is expected.

#include <compare>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "livefire/status.h"

namespace livefire {

template <typename Tag>
class StrongId {
 public:
  StrongId() = default;
  explicit StrongId(std::string v) : v_(std::move(v)) {}
  const std::string& str() const { return v_; }
  bool empty() const { return v_.empty(); }
  auto operator<=>(const StrongId&) const = default;

 private:
  std::string v_;
};

struct ExerciseTag {};
struct TeamTag {};
struct NodeTag {};

using ExerciseId = StrongId<ExerciseTag>;  // "lf-20261121-0930-3fa2c1"
using TeamId = StrongId<TeamTag>;          // scenario team name, e.g. "blue1"
using NodeId = StrongId<NodeTag>;          // scenario node name, e.g. "portal"

// Names used in ids and libvirt object names: [a-z0-9][a-z0-9-]*, at most
// `max_len` characters. Returns InvalidArgument naming the offence.
Status CheckName(std::string_view what, std::string_view name, size_t max_len = 32);

// A new exercise id from the wall-clock start time (UTC, seconds) and a
// random suffix drawn from `seed`, so ids sort by start time and two
// exercises started in the same second still differ.
ExerciseId MakeExerciseId(int64_t unix_seconds, uint64_t seed);

// Validates an id given on the command line.
Result<ExerciseId> ParseExerciseId(std::string_view text);

}  // namespace livefire

template <typename Tag>
struct std::hash<livefire::StrongId<Tag>> {
  size_t operator()(const livefire::StrongId<Tag>& id) const noexcept {
    return std::hash<std::string>()(id.str());
  }
};
