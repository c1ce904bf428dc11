#include "livefire/runtime/authorize.h"

#include <fmt/format.h>

#include "livefire/bus/protocol.h"
#include "livefire/event.h"

namespace livefire::runtime {

namespace {

using identity::Role;
using RT = bus::RequestType;
namespace k = kinds;

// The intersection of two prefix sets, one prefix each: the longer one when
// one extends the other.
void Intersect(std::string_view requested, const std::string& allowed,
               std::vector<std::string>& out) {
  if (allowed.starts_with(requested)) {
    out.push_back(allowed);
  } else if (requested.starts_with(allowed)) {
    out.emplace_back(requested);
  }
}

// Kinds of a blue team's own topic it may read.
constexpr std::string_view kBlueOwn[] = {
    "submission.report", "submission.response", "grade.given", "check.result",
    "penalty",           "score.changed",       "range.node.", "finding.reviewed",
    "message.sent"};
// Exercise-wide (team "*") kinds every team and observer may read.
constexpr std::string_view kPublic[] = {"exercise.", "clock.checkpoint", "range.up", "range.down",
                                        "scoreboard"};
// Kinds of a blue team's topic the red team may read (its own work).
constexpr std::string_view kRedOnBlue[] = {"red.action", "submission.finding", "submission.flag",
                                           "objective.reached", "finding.reviewed"};

}  // namespace

bool RoleMay(Role role, RT type) {
  switch (role) {
    case Role::kWhite:
      return true;
    case Role::kBlue:
      // Its own team's reports and answers to the white cell's tasks.
      return type == RT::kStatus || type == RT::kEvents || type == RT::kSubmitReport ||
             type == RT::kSubmitResponse || type == RT::kConsole;
    case Role::kRed:
      return type == RT::kStatus || type == RT::kEvents || type == RT::kSubmitFinding ||
             type == RT::kSubmitFlag || type == RT::kConsole;
    case Role::kObserver:
      return type == RT::kStatus || type == RT::kEvents;
  }
  return false;
}

Result<bus::Request> AuthorizeRequest(const identity::Account& a, bus::Request r) {
  if (!RoleMay(a.role, r.type)) {
    return Status::FailedPrecondition(fmt::format("account '{}' (role {}) may not send {}", a.name,
                                                  identity::RoleName(a.role),
                                                  bus::RequestTypeName(r.type)));
  }
  if (a.role != Role::kWhite) {
    if (!r.team.empty() && r.team != a.team) {
      return Status::FailedPrecondition(fmt::format(
          "account '{}' acts for team '{}' only, not for '{}'", a.name, a.team, r.team));
    }
    r.team = a.team;
  }
  // The sender recorded in the log is the account, whatever the client says.
  r.client = a.name;
  return r;
}

std::vector<std::string> FeedPrefixes(const identity::Account& a, std::string_view exercise,
                                      const std::vector<std::string>& blue_teams,
                                      std::string_view requested) {
  std::vector<std::string> out;
  const std::string ex(exercise);
  auto topic = [&](std::string_view team, std::string_view kind) {
    return fmt::format("{}/{}/{}", ex, team, kind);
  };
  switch (a.role) {
    case Role::kWhite:
      out.emplace_back(requested);
      break;
    case Role::kBlue:
      for (std::string_view kind : kBlueOwn) Intersect(requested, topic(a.team, kind), out);
      for (std::string_view kind : kPublic) Intersect(requested, topic("*", kind), out);
      break;
    case Role::kRed:
      for (std::string_view kind : kPublic) Intersect(requested, topic("*", kind), out);
      // The white cell's messages to the red team, on its own topic.
      Intersect(requested, topic(a.team, k::kMessageSent), out);
      for (const std::string& b : blue_teams) {
        for (std::string_view kind : kRedOnBlue) Intersect(requested, topic(b, kind), out);
      }
      break;
    case Role::kObserver:
      Intersect(requested, topic("*", "scoreboard"), out);
      break;
  }
  return out;
}

bool FeedAllows(const identity::Account& a, std::string_view exercise,
                const std::vector<std::string>& blue_teams, std::string_view team,
                std::string_view kind) {
  if (a.role == Role::kWhite) return true;
  const std::string topic = bus::Topic(exercise, team, kind);
  for (const std::string& p : FeedPrefixes(a, exercise, blue_teams, "")) {
    if (topic.starts_with(p)) return true;
  }
  return false;
}

}  // namespace livefire::runtime
