#pragma once
// What an authenticated account may do and receive (docs/protocol.md,
// "Roles"). Pure functions: the engine applies them before dispatching a
// request and to each subscription of a remote event feed.

#include <string>
#include <string_view>
#include <vector>

#include "livefire/bus/protocol.h"
#include "livefire/identity/accounts.h"
#include "livefire/status.h"

namespace livefire::runtime {

// The table: which roles may send which request type.
bool RoleMay(identity::Role role, bus::RequestType type);

// The request as the engine handles it for account `a`: refused
// (FailedPrecondition, the reply's message) beyond the role or for another
// team; otherwise with team and client taken from the account (a white
// account names the team, as the ipc channel does).
Result<bus::Request> AuthorizeRequest(const identity::Account& a, bus::Request r);

// The topic prefixes a remote account is subscribed to when it asks for
// `requested` (topics "<exercise>/<team or *>/<kind>", see bus::Topic): the
// intersection of what it asked with what its role may see. white: all;
// blue: its team's own submissions, grades, checks, penalties and scores
// plus exercise-wide events and the scoreboard; red: exercise-wide events,
// the scoreboard and, per blue team, red actions, red submissions and
// objectives; observer: the scoreboard only (unless hidden).
std::vector<std::string> FeedPrefixes(const identity::Account& a, std::string_view exercise,
                                      const std::vector<std::string>& blue_teams,
                                      std::string_view requested);

// Whether a remote account receives an event of `team` ("" = exercise-wide)
// and `kind`: its topic lies under one of FeedPrefixes(a, ..., "").
bool FeedAllows(const identity::Account& a, std::string_view exercise,
                const std::vector<std::string>& blue_teams, std::string_view team,
                std::string_view kind);

}  // namespace livefire::runtime
