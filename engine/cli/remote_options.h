#pragma once
// The options every control and query command shares to reach an engine
// from another machine: --connect tcp://HOST:PORT --credential FILE (or
// LIVEFIRE_CONNECT / LIVEFIRE_CREDENTIAL). Without them a command uses the
// host's ipc sockets in the state folder, as the white cell.

#include <memory>
#include <optional>
#include <string>

#include "cli.h"
#include "livefire/bus/bus.h"
#include "livefire/identity/accounts.h"

namespace livefire::cli {

struct RemoteOptions {
  std::string connect;     // tcp://HOST:PORT (the engine's control socket)
  std::string credential;  // credential file from `livefire accounts ID export`
};

void AddRemoteOptions(CLI::App* cmd, RemoteOptions& r);

struct Remote {
  std::string endpoint;
  identity::Credential credential;
  bus::CurveClientKeys keys() const;
};

// nullopt: neither given (ipc). Both or none: one alone is an error; so is
// an unreadable credential. --connect defaults to the credential's server.
Result<std::optional<Remote>> ResolveRemote(const RemoteOptions& r);

// --team given to a command of a non-white account must be its own team.
Status CheckTeamFlag(const Remote& r, const std::string& team);

// A control client: remote with CURVE, or on the host's ipc socket.
Result<std::unique_ptr<bus::ControlClient>> ConnectControl(bus::Context& zctx, const Context& ctx,
                                                           const ExerciseId& id,
                                                           const std::optional<Remote>& remote,
                                                           const std::string& client_name);

}  // namespace livefire::cli
