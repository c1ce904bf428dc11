#include "remote_commands.h"

#include <fmt/format.h>
#include <signal.h>

#include <atomic>

#include "livefire/bus/protocol.h"
#include "livefire/ids.h"
#include "livefire/time.h"

namespace livefire::cli {

namespace {

std::atomic<bool> g_stop{false};
extern "C" void OnRemoteInterrupt(int) { g_stop.store(true); }

Result<nlohmann::json> CallStatus(const Context& ctx, const ExerciseId& id, const Remote& remote) {
  bus::Context zctx;
  LF_ASSIGN_OR_RETURN(auto client, ConnectControl(zctx, ctx, id, remote, "livefire-status"));
  auto reply = client->Call(bus::MakeStatusRequest(), Duration::Seconds(10));
  if (!reply.ok()) {
    return Status::Unavailable(fmt::format(
        "no answer from {} within 10s (engine not listening there, or the handshake was "
        "refused: unknown or revoked credential)",
        remote.endpoint));
  }
  if (!reply->ok) {
    return Status::InvalidArgument(
        fmt::format("engine refused ({}): {}", reply->error_code, reply->error_message));
  }
  return reply->body;
}

}  // namespace

Status RunRemoteStatus(Context& ctx, const std::string& id_text, const Remote& remote, bool json) {
  LF_ASSIGN_OR_RETURN(ExerciseId id, ParseExerciseId(id_text));
  LF_ASSIGN_OR_RETURN(nlohmann::json s, CallStatus(ctx, id, remote));
  if (json) {
    ctx.out << s.dump(2) << "\n";
    return Status::Ok();
  }
  ctx.out << fmt::format("exercise {} ({}): {} / {}{}, speed {}\n", s.value("exercise", ""),
                         s.value("scenario", ""), s.value("clock", ""),
                         FormatClock(SimTime::FromNanos(s.value("end_ns", int64_t{0}))),
                         s.value("paused", false) ? " [PAUSED]" : "", s.value("speed", 1.0));
  ctx.out << fmt::format("account {} (team {}, role {})\n", remote.credential.account,
                         remote.credential.team, identity::RoleName(remote.credential.role));
  if (s.contains("scoring")) ctx.out << "scoreboard: " << s["scoring"].dump() << "\n";
  return Status::Ok();
}

Status RunRemoteEvents(Context& ctx, const std::string& id_text, const Remote& remote,
                       const RemoteEventsFilter& f) {
  LF_RETURN_IF_ERROR(CheckTeamFlag(remote, f.team));
  LF_ASSIGN_OR_RETURN(ExerciseId id, ParseExerciseId(id_text));
  // The status reply names the feed's port; the host is the one we reach.
  LF_ASSIGN_OR_RETURN(nlohmann::json s, CallStatus(ctx, id, remote));
  std::string feed = s.value("feed", "");
  if (feed.empty()) return Status::Unavailable("the engine does not publish a remote feed");
  const std::string host = remote.endpoint.substr(0, remote.endpoint.rfind(':'));
  feed = host + feed.substr(feed.rfind(':'));
  bus::Context zctx;
  LF_ASSIGN_OR_RETURN(auto sub, bus::Subscriber::ConnectCurve(zctx, feed, remote.keys()));
  std::string prefix = id.str() + "/";
  if (!f.team.empty()) {
    prefix += f.team + "/";
    prefix += f.kind;  // exact kinds are matched below
  }
  LF_RETURN_IF_ERROR(sub->Subscribe(prefix));
  g_stop.store(false);
  signal(SIGINT, OnRemoteInterrupt);
  Status result = Status::Ok();
  while (!g_stop.load()) {
    auto m = sub->Receive(Duration::Millis(200));
    if (!m.ok()) {
      ctx.err << "warning: " << m.status().message() << "\n";
      continue;
    }
    if (!m->has_value()) continue;
    const Event& e = (*m)->event;
    if (!f.kind.empty()) {
      const bool match = f.kind.back() == '.' ? e.kind.starts_with(f.kind) : e.kind == f.kind;
      if (!match && e.kind != kinds::kExerciseEnded) continue;
    }
    if (f.json) {
      ctx.out << CanonicalJson(e) << "\n";
    } else {
      ctx.out << fmt::format("{:>6} {} {:<8} {:<20} {}\n", e.seq, FormatClock(e.time),
                             e.team.empty() ? "-" : e.team, e.kind, CanonicalPayload(e.payload))
              << std::flush;
    }
    if (e.kind == kinds::kExerciseEnded) break;
  }
  signal(SIGINT, SIG_DFL);
  return result;
}

}  // namespace livefire::cli
