#pragma once
// CyberBattleSim's chain network as a livefire scenario (`livefire gen-chain`).

#include <string>

#include "livefire/status.h"

namespace livefire::cli {

// Nodes in the largest chain: its per-team network must fit the /16 pool.
inline constexpr int kMaxChainNodes = 16002;

// scenario.lua for CyberBattleSim's chain of size nodes - 2 (nodes even, 4..
// kMaxChainNodes); InvalidArgument naming --nodes otherwise.
Result<std::string> ChainScenarioLua(int nodes);

}  // namespace livefire::cli
