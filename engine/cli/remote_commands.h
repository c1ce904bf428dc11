#pragma once
// `status` and `events --follow` of a remote client (--connect/--credential):
// what the engine's feed and status reply show the account, not the log
// (which stays on the engine's machine).

#include "cli.h"
#include "remote_options.h"

namespace livefire::cli {

Status RunRemoteStatus(Context& ctx, const std::string& id, const Remote& remote, bool json);

struct RemoteEventsFilter {
  std::string team;  // "" = every team the account may see
  std::string kind;  // "" = every kind; a trailing '.' matches a prefix
  bool json = false;
};
// Follows the account's feed until exercise.ended or Ctrl-C.
Status RunRemoteEvents(Context& ctx, const std::string& id, const Remote& remote,
                       const RemoteEventsFilter& f);

}  // namespace livefire::cli
