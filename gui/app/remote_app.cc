#include "remote_app.h"

#include <fmt/format.h>

#include <chrono>
#include <cstdio>

#include "livefire/gui/feed.h"

namespace livefire::gui {

Result<RemoteSession> ConnectRemote(bus::Context& ctx, const AppOptions& o) {
  if (o.credential.empty()) {
    return Status::InvalidArgument(
        "--connect needs --credential FILE (or LIVEFIRE_CREDENTIAL): the engine admits remote "
        "clients by their account's key");
  }
  RemoteSession r;
  LF_ASSIGN_OR_RETURN(r.credential, identity::ReadCredential(o.credential));
  r.control = o.connect.empty() ? r.credential.server : o.connect;
  if (r.control.rfind("tcp://", 0) != 0) {
    return Status::InvalidArgument(
        fmt::format("no engine address: give --connect tcp://HOST:PORT (credential {} names '{}')",
                    o.credential, r.control));
  }
  r.keys = {r.credential.server_public_key, r.credential.public_key, r.credential.secret_key};
  LF_ASSIGN_OR_RETURN(auto client,
                      bus::ControlClient::Connect(ctx, r.control, "livefire-gui", r.keys));
  auto reply = client->Call(bus::MakeStatusRequest(), Duration::Seconds(5));
  if (!reply.ok()) {
    return Status::Unavailable(fmt::format(
        "no answer from {} as account '{}' (is the engine running with --listen, and the "
        "account not revoked?): {}",
        r.control, r.credential.account, reply.status().message()));
  }
  if (!reply->ok) {
    return Status::InvalidArgument(
        fmt::format("the engine refused: {}: {}", reply->error_code, reply->error_message));
  }
  r.status = reply->body;
  r.events = r.status.value("feed", std::string());
  r.exercise = r.status.value("exercise", std::string());
  if (!o.exercise.empty() && o.exercise != r.exercise) {
    return Status::InvalidArgument(
        fmt::format("{} runs exercise {}, not {}", r.control, r.exercise, o.exercise));
  }
  if (r.events.empty()) return Status::Unavailable("the engine's status names no remote feed");
  return r;
}

Result<ExercisePlan> RemotePlan(bus::Context& ctx, const RemoteSession& s) {
  LF_ASSIGN_OR_RETURN(auto client,
                      bus::ControlClient::Connect(ctx, s.control, "livefire-gui", s.keys));
  LF_ASSIGN_OR_RETURN(bus::Reply reply, client->Call(bus::MakePlanRequest(), Duration::Seconds(5)));
  if (!reply.ok) {
    return Status::NotFound(fmt::format("no topology: the engine has no plan ({}: {})",
                                        reply.error_code, reply.error_message));
  }
  return PlanFromJson(reply.body.value("plan_file", nlohmann::json::object()), s.control + " plan");
}

int RunTeamView(const AppOptions& o, bus::Context& ctx, const RemoteSession& s) {
  if (s.credential.role != identity::Role::kBlue) {
    std::fprintf(stderr,
                 "livefire-gui: account '%s' is %s: the GUI opens the control room for a white "
                 "account and the team view for a blue one (use `livefire status` or `events "
                 "--follow`)\n",
                 s.credential.account.c_str(),
                 std::string(identity::RoleName(s.credential.role)).c_str());
    return 1;
  }
  FeedOptions fo;
  fo.exercise = s.exercise;
  fo.events_endpoint = s.events;
  fo.control_endpoint = s.control;
  fo.keys = s.keys;
  auto feed = EventFeed::Start(ctx, fo);
  if (!feed.ok()) {
    std::fprintf(stderr, "livefire-gui: %s\n", feed.status().message().c_str());
    return 2;
  }
  ControlWorker control(ctx, s.control, "livefire-gui", Duration::Seconds(5), s.keys);
  TeamModel team(s.credential.team);
  team.ApplyStatus(s.status);
  TeamUi ui;
  ui.mode_line = fmt::format("{} · team {} · {}", s.exercise, s.credential.team, s.control);
  std::vector<Event> buf;
  auto last_status = std::chrono::steady_clock::now();
  return RunWindowLoop(o, [&] {
    buf.clear();
    (*feed)->Drain(&buf, 2000);
    for (const Event& e : buf) team.Apply(e);
    for (const ControlResult& r : control.TakeResults()) {
      if (r.what == "status") {
        if (r.ok) team.ApplyStatus(nlohmann::json::parse(r.message, nullptr, false));
        continue;
      }
      ui.message = (r.ok ? "sent: " : "refused: ") + r.what + (r.ok ? "" : " — " + r.message);
    }
    // Open tasks and the board as shown come with the status reply.
    if (control.in_flight() == 0 &&
        std::chrono::steady_clock::now() - last_status > std::chrono::seconds(2)) {
      control.Submit(bus::MakeStatusRequest(), "status");
      last_status = std::chrono::steady_clock::now();
    }
    DrawTeamView(team, ui, control);
  });
}

}  // namespace livefire::gui
