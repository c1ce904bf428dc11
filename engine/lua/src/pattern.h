#pragma once
// Lua 5.4 pattern matching (string.find, match, gmatch, gsub) with a step
// counter. liblua's matcher runs in C where the instruction hook never fires,
// so a backtracking pattern could spin forever; this port charges every
// matcher step to the sandbox's instruction budget instead.

#include <cstdint>

struct lua_State;

namespace livefire::lua::pattern {

// Called every kChargeEvery matcher steps with the steps done since the last
// call; raises a Lua error (a budget overrun) when the budget is spent.
using ChargeFn = void (*)(lua_State* L, int64_t steps);

constexpr int64_t kChargeEvery = 1000;

// Replaces find, match, gmatch and gsub in the table at stack index `table`
// with the bounded versions; `charge` is called as described above.
void Install(lua_State* L, int table, ChargeFn charge);

}  // namespace livefire::lua::pattern
