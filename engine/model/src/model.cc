#include <fmt/format.h>

#include <algorithm>

#include "livefire/model/model.h"

namespace livefire::model {

std::string SourceLoc::ToString() const {
  if (line <= 0) return file;
  return fmt::format("{}:{}", file, line);
}

namespace {
template <typename T>
const T* FindByName(const std::vector<T>& v, std::string_view name) {
  auto it = std::find_if(v.begin(), v.end(), [&](const T& x) { return x.name == name; });
  return it == v.end() ? nullptr : &*it;
}
}  // namespace

const Team* Scenario::FindTeam(std::string_view name) const { return FindByName(teams, name); }
const Network* Scenario::FindNetwork(std::string_view name) const {
  return FindByName(networks, name);
}
const Node* Scenario::FindNode(std::string_view name) const { return FindByName(nodes, name); }
const Inject* Scenario::FindInject(std::string_view name) const {
  return FindByName(injects, name);
}

std::vector<const Team*> Scenario::TeamsWithRole(TeamRole role) const {
  std::vector<const Team*> out;
  for (const Team& t : teams) {
    if (t.role == role) out.push_back(&t);
  }
  return out;
}

int Scenario::EffectiveSecurityLevel(const Node& n) const {
  return n.security_level > 0 ? n.security_level : meta.security_level;
}

// These spellings are the scenario language's (docs/scenario-language.md).
std::string_view ToString(TeamRole r) {
  switch (r) {
    case TeamRole::kWhite: return "white";
    case TeamRole::kRed: return "red";
    case TeamRole::kBlue: return "blue";
  }
  return "?";
}

std::string_view ToString(NetworkZone z) {
  switch (z) {
    case NetworkZone::kPerTeam: return "per_team";
    case NetworkZone::kShared: return "shared";
  }
  return "?";
}

std::string_view ToString(RuleAction a) {
  switch (a) {
    case RuleAction::kAllow: return "allow";
    case RuleAction::kDeny: return "deny";
  }
  return "?";
}

std::string_view ToString(Severity s) {
  switch (s) {
    case Severity::kLow: return "low";
    case Severity::kMedium: return "medium";
    case Severity::kHigh: return "high";
    case Severity::kCritical: return "critical";
  }
  return "?";
}

std::string_view ToString(VulnEffect e) {
  switch (e) {
    case VulnEffect::kFoothold: return "foothold";
    case VulnEffect::kCredentials: return "credentials";
    case VulnEffect::kInformation: return "information";
    case VulnEffect::kPrivesc: return "privesc";
  }
  return "?";
}

std::string_view ToString(Privilege p) {
  switch (p) {
    case Privilege::kNone: return "none";
    case Privilege::kUser: return "user";
    case Privilege::kRoot: return "root";
  }
  return "?";
}

std::string_view ToString(ObjectiveKind k) {
  switch (k) {
    case ObjectiveKind::kReadFlag: return "read_flag";
    case ObjectiveKind::kDeface: return "deface";
    case ObjectiveKind::kExfiltrate: return "exfiltrate";
    case ObjectiveKind::kPersist: return "persist";
    case ObjectiveKind::kKeepAvailable: return "keep_available";
  }
  return "?";
}

std::string_view ToString(InjectOwner o) {
  switch (o) {
    case InjectOwner::kRed: return "red";
    case InjectOwner::kBlue: return "blue";
    case InjectOwner::kWhite: return "white";
  }
  return "?";
}

std::string_view ToString(TriggerKind k) {
  switch (k) {
    case TriggerKind::kAt: return "at";
    case TriggerKind::kAfter: return "after";
    case TriggerKind::kCondition: return "condition";
    case TriggerKind::kManual: return "manual";
  }
  return "?";
}

std::string_view ToString(ScoreboardMode m) {
  switch (m) {
    case ScoreboardMode::kLive: return "live";
    case ScoreboardMode::kFrozen: return "frozen";
    case ScoreboardMode::kHidden: return "hidden";
  }
  return "?";
}

std::optional<ScoreboardMode> ParseScoreboardMode(std::string_view text) {
  for (ScoreboardMode m :
       {ScoreboardMode::kLive, ScoreboardMode::kFrozen, ScoreboardMode::kHidden}) {
    if (ToString(m) == text) return m;
  }
  return std::nullopt;
}

std::string_view ToString(AfterOutcome o) {
  switch (o) {
    case AfterOutcome::kSuccess: return "success";
    case AfterOutcome::kFailure: return "failure";
    case AfterOutcome::kCompletion: return "completion";
  }
  return "?";
}

}  // namespace livefire::model
