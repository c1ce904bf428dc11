#pragma once
// livefire-gui --connect tcp://HOST:PORT --credential FILE: a remote account
// opens the engine from its own machine (docs/gui.md, "Remote"). A white
// account gets the control room (the same live view as on the host, the log
// paged from the engine); a blue account gets its team view.

#include <nlohmann/json.hpp>
#include <string>

#include "app.h"
#include "livefire/bus/bus.h"
#include "livefire/gui/feed.h"
#include "livefire/gui/plan_file.h"
#include "livefire/gui/team_model.h"
#include "livefire/identity/accounts.h"
#include "livefire/status.h"

namespace livefire::gui {

struct RemoteSession {
  identity::Credential credential;
  bus::CurveClientKeys keys;
  std::string control;    // the engine's control endpoint (tcp)
  std::string events;     // its remote feed (the status reply's "feed")
  std::string exercise;   // from the status reply
  nlohmann::json status;  // the first status reply
};

// Reads the credential and asks the engine for its status over CURVE.
// InvalidArgument for bad options or credential, Unavailable when the engine
// does not answer (a refused key gets no answer either).
Result<RemoteSession> ConnectRemote(bus::Context& ctx, const AppOptions& o);

// The exercise's plan from the engine (`plan`, white cell): the topology.
Result<ExercisePlan> RemotePlan(bus::Context& ctx, const RemoteSession& session);

// The team view's own state between frames.
struct TeamUi {
  char node[129] = "";
  char technique[32] = "";
  char observed_at[32] = "";
  char description[4096] = "";
  int task = -1;  // index into TeamModel::OpenTasks()
  char response[4096] = "";
  std::string message;  // the last submission's outcome
  std::string mode_line;
};

// Draws the team view into the current ImGui context; submissions go
// through control.
void DrawTeamView(TeamModel& team, TeamUi& ui, ControlWorker& control);

// The blue account's window loop (exit code as RunApp).
int RunTeamView(const AppOptions& o, bus::Context& ctx, const RemoteSession& session);

}  // namespace livefire::gui
