#include "remote_options.h"

#include <fmt/format.h>

#include <filesystem>

namespace livefire::cli {

void AddRemoteOptions(CLI::App* cmd, RemoteOptions& r) {
  cmd->add_option("--connect", r.connect,
                  "engine's tcp://HOST:PORT, for a remote client (default: the credential's "
                  "server)")
      ->envname("LIVEFIRE_CONNECT");
  cmd->add_option("--credential", r.credential,
                  "credential file of the account (`livefire accounts ID export`)")
      ->envname("LIVEFIRE_CREDENTIAL");
}

bus::CurveClientKeys Remote::keys() const {
  return {credential.server_public_key, credential.public_key, credential.secret_key};
}

Result<std::optional<Remote>> ResolveRemote(const RemoteOptions& r) {
  if (r.connect.empty() && r.credential.empty()) return std::optional<Remote>();
  if (r.credential.empty()) {
    return Status::InvalidArgument(
        "--connect needs --credential FILE (or LIVEFIRE_CREDENTIAL): the engine admits remote "
        "clients by their account's key");
  }
  Remote out;
  LF_ASSIGN_OR_RETURN(out.credential, identity::ReadCredential(r.credential));
  out.endpoint = r.connect.empty() ? out.credential.server : r.connect;
  if (out.endpoint.empty()) {
    return Status::InvalidArgument(fmt::format(
        "no engine address: give --connect tcp://HOST:PORT (credential {} names no server)",
        r.credential));
  }
  if (out.endpoint.rfind("tcp://", 0) != 0) {
    return Status::InvalidArgument(
        fmt::format("--connect '{}' must be tcp://HOST:PORT", out.endpoint));
  }
  return std::optional<Remote>(std::move(out));
}

Status CheckTeamFlag(const Remote& r, const std::string& team) {
  if (team.empty() || r.credential.role == identity::Role::kWhite || team == r.credential.team) {
    return Status::Ok();
  }
  return Status::InvalidArgument(fmt::format(
      "--team {} contradicts the credential: account '{}' acts for team '{}' (leave --team out)",
      team, r.credential.account, r.credential.team));
}

Result<std::unique_ptr<bus::ControlClient>> ConnectControl(bus::Context& zctx, const Context& ctx,
                                                           const ExerciseId& id,
                                                           const std::optional<Remote>& remote,
                                                           const std::string& client_name) {
  if (remote) return bus::ControlClient::ConnectCurve(zctx, remote->endpoint, remote->keys(), client_name);
  LF_ASSIGN_OR_RETURN(bus::Endpoints eps, bus::DefaultEndpoints(ctx.state_dir, id));
  // An ipc endpoint is a socket file that exists only while the engine runs.
  if (eps.control.rfind("ipc://", 0) == 0 && !std::filesystem::exists(eps.control.substr(6))) {
    return Status::FailedPrecondition(fmt::format(
        "no engine is running for exercise '{}' (start it with `livefire run {}`)", id.str(),
        id.str()));
  }
  return bus::ControlClient::Connect(zctx, eps.control, client_name);
}

}  // namespace livefire::cli
