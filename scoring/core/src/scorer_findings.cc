// Weaknesses found: red findings that matched a planted vulnerability (the
// engine validates them on submission) or that the white cell accepted.
// Counted for the statistics, not scored (docs/scoring.md).
#include <fmt/format.h>

#include <algorithm>

#include "scorer_state.h"

namespace livefire::scoring {

using namespace internal;  // NOLINT: the scorer's own internals

namespace {

std::string JsonStr(const json& p, const char* key) {
  auto it = p.find(key);
  return it != p.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// "cwe-78" -> "CWE-78"; anything else is not a CWE id.
std::string CweOf(std::string v) {
  if (v.size() < 5 || !std::equal(v.begin(), v.begin() + 4, "CWE-", [](char a, char b) {
        return std::toupper(static_cast<unsigned char>(a)) == b;
      })) {
    return {};
  }
  std::transform(v.begin(), v.begin() + 3, v.begin(), [](char c) {
    return static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  });
  return v;
}

}  // namespace

json ToJson(const WeaknessFound& w) {
  json j = {{"against", w.against}, {"node", w.node},           {"weakness", w.weakness},
            {"cwe", w.cwe},         {"severity", w.severity},   {"how", w.how},
            {"seq", w.seq},         {"time_ns", w.time.nanos()}};
  if (w.review_seq > 0) j["review_seq"] = w.review_seq;
  return j;
}

void Scorer::State::CountWeakness(const std::string& team, WeaknessFound w) {
  TeamState& ts = Team(team);
  if (!ts.weakness_keys.insert(w.against + '/' + w.node + '/' + w.weakness).second) return;
  ts.weaknesses.push_back(std::move(w));
}

Status Scorer::State::OnFinding(const Event& e) {
  FieldReader f(e);
  std::string node, validation, vulnerability;
  LF_RETURN_IF_ERROR(f.NeedTeamAndNode(node));
  LF_RETURN_IF_ERROR(f.Str("validation", validation, false));
  LF_RETURN_IF_ERROR(f.Str("vulnerability", vulnerability, false));
  RememberSubmission(e);
  WeaknessFound w;
  w.against = JsonStr(e.payload, "against");
  w.node = node;
  w.seq = e.seq;
  w.time = e.time;
  if (validation == "planted") {
    auto it = e.payload.find("weakness");
    if (it == e.payload.end() || !it->is_object()) {
      return f.Error("a planted finding lacks its 'weakness' {node, vulnerability, cwe, severity}");
    }
    w.weakness = JsonStr(*it, "vulnerability");
    w.cwe = JsonStr(*it, "cwe");
    w.severity = JsonStr(*it, "severity");
    w.how = "planted";
    CountWeakness(e.team, std::move(w));
  } else if (validation == "unplanted") {
    w.weakness = vulnerability;
    w.cwe = CweOf(vulnerability);
    w.how = "reviewed";
    if (unplanted.size() >= kMaxSubmissions) unplanted.erase(unplanted.begin());
    unplanted[e.seq] = {e.team, std::move(w)};
  }
  return Status::Ok();
}

Status Scorer::State::OnFindingReviewed(const Event& e) {
  FieldReader f(e);
  int64_t target = 0;
  bool has_target = false, accepted = false;
  std::string severity;
  LF_RETURN_IF_ERROR(f.NeedTeam());
  LF_RETURN_IF_ERROR(f.Int("target_seq", target, has_target));
  if (!has_target) return f.Error("payload lacks field 'target_seq'");
  LF_RETURN_IF_ERROR(f.Bool("accepted", accepted));
  LF_RETURN_IF_ERROR(f.Str("severity", severity, false));
  auto it = unplanted.find(target);
  if (it == unplanted.end() || it->second.first != e.team) {
    return f.Error(fmt::format("target_seq {} is not an unreviewed unplanted finding of '{}'",
                               target, e.team));
  }
  auto [team, w] = std::move(it->second);
  unplanted.erase(it);
  if (!accepted) return Status::Ok();
  w.severity = severity.empty() ? "medium" : severity;
  w.review_seq = e.seq;
  CountWeakness(team, std::move(w));
  return Status::Ok();
}

}  // namespace livefire::scoring
