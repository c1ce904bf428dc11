#pragma once
// FNV-1a, 64 bits: the stable hash behind object names (ExerciseShort,
// BridgeName) and the domain spec fingerprint. It must never change, or
// existing ranges stop being recognised.

#include <cstdint>
#include <string_view>

namespace livefire::provision {

inline uint64_t Fnv1a(std::string_view s) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

}  // namespace livefire::provision
