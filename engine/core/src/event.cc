#include "livefire/event.h"

#include <fmt/format.h>

#include "livefire/ids.h"

namespace livefire {

namespace {

using json = nlohmann::json;

// JSON string literal for s (quotes included), invalid UTF-8 replaced.
void AppendQuoted(std::string& out, std::string_view s) {
  // Fast path for plain ASCII (kinds, team names): nothing to escape.
  bool plain = true;
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u >= 0x80 || c == '"' || c == '\\') {
      plain = false;
      break;
    }
  }
  if (plain) {
    out += '"';
    out += s;
    out += '"';
    return;
  }
  out += json(std::string(s)).dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace

const std::vector<EventKindSpec>& EventCatalogue() {
  static const std::vector<EventKindSpec> kCatalogue = {
      {kinds::kExerciseCreated, {"scenario", "title", "organisation", "year", "security_level", "seed"}},
      {kinds::kExerciseStarted, {"speed"}},
      {kinds::kExercisePaused, {"by"}},
      {kinds::kExerciseResumed, {"by"}},
      {kinds::kExerciseSpeed, {"speed", "by"}},
      {kinds::kExerciseStopped, {"by", "reason"}},
      {kinds::kExerciseEnded, {"reason"}},
      {kinds::kExerciseScoreboard, {"mode", "by"}},
      {kinds::kClockCheckpoint, {"speed", "paused"}},
      {kinds::kRangeUp, {"nodes"}},
      {kinds::kRangeDown, {"reason"}},
      {kinds::kRangeNodeReady, {"node", "domain"}},
      {kinds::kRangeNodeFailed, {"node", "reason"}},
      {kinds::kRangeNodeReverted, {"node", "by", "reason"}},
      {kinds::kInjectArmed, {"inject", "side", "at_ns"}},
      {kinds::kInjectFired, {"inject", "side"}},
      {kinds::kInjectOutcome, {"inject", "outcome", "reason", "points"}},
      {kinds::kInjectSkipped, {"inject", "reason"}},
      {kinds::kRedAction, {"node", "technique", "inject", "detail"}},
      {kinds::kCheckResult, {"service", "node", "status", "latency_ms", "detail"}},
      {kinds::kObjectiveReached, {"node", "objective", "kind"}},
      {kinds::kSubmissionReport, {"node", "technique", "observed_at", "description"}},
      {kinds::kSubmissionFinding, {"node", "vulnerability", "evidence"}},
      {kinds::kSubmissionFlag, {"flag", "correct"}},
      {kinds::kSubmissionResponse, {"inject", "text"}},
      {kinds::kFindingReviewed, {"target_seq", "accepted"}},
      {kinds::kGradeGiven, {"rubric", "points", "grader", "comment"}},
      {kinds::kPenalty, {"kind", "points", "reason"}},
      {kinds::kScoreChanged, {"total", "delta", "reason", "cause_seq"}},
      {kinds::kMessageSent, {"text", "to", "account"}},
      {kinds::kControlRefused, {"counts", "total", "interval_ns"}},
      {kinds::kControlPrefix, {"id", "client", "request"}},
  };
  return kCatalogue;
}

Status ValidateEvent(const Event& e) {
  if (e.kind.empty()) return Status::InvalidArgument("event kind is empty");
  if (!e.payload.is_object()) {
    return Status::InvalidArgument(fmt::format("event '{}': payload is not a JSON object", e.kind));
  }
  if (!e.team.empty()) LF_RETURN_IF_ERROR(CheckName("team", e.team).WithContext(e.kind));
  std::string_view kind = e.kind;
  // control.refused is a summary, not a request: it has its own entry.
  if (kind.starts_with(kinds::kControlPrefix) && kind != kinds::kControlRefused) {
    kind = kinds::kControlPrefix;
  }
  for (const auto& spec : EventCatalogue()) {
    if (spec.kind != kind) continue;
    for (std::string_view field : spec.required) {
      if (!e.payload.contains(field)) {
        return Status::InvalidArgument(
            fmt::format("event '{}': payload lacks required field '{}'", e.kind, field));
      }
    }
    if (kind == kinds::kInjectOutcome) {
      const auto& o = e.payload["outcome"];
      if (!o.is_string() || (o != "success" && o != "failure" && o != "error")) {
        return Status::InvalidArgument(fmt::format(
            "event '{}': outcome must be \"success\", \"failure\" or \"error\"", e.kind));
      }
    }
    if (kind == kinds::kCheckResult) {
      const auto& s = e.payload["status"];
      if (!s.is_string() || (s != "up" && s != "down")) {
        return Status::InvalidArgument(
            fmt::format("event '{}': status must be \"up\" or \"down\"", e.kind));
      }
    }
    if (kind == kinds::kPenalty) {
      const auto& k = e.payload["kind"];
      if (!k.is_string() || (k != "revert" && k != "roe" && k != "wrong_flag")) {
        return Status::InvalidArgument(fmt::format(
            "event '{}': kind must be \"revert\", \"roe\" or \"wrong_flag\"", e.kind));
      }
    }
    return Status::Ok();
  }
  return Status::InvalidArgument(fmt::format("unknown event kind '{}'", e.kind));
}

std::string CanonicalPayload(const json& payload) {
  return payload.dump(-1, ' ', false, json::error_handler_t::replace);
}

namespace {
// Keys in sorted order, written by hand: this runs once per appended event.
std::string Canonical(const Event& e, std::string_view payload_text, bool with_hash) {
  std::string out;
  out.reserve(96 + payload_text.size() + e.kind.size() + e.team.size() +
              (with_hash ? e.hash.size() + 10 : 0));
  out += '{';
  if (with_hash) {
    out += "\"hash\":";
    AppendQuoted(out, e.hash);
    out += ',';
  }
  out += "\"kind\":";
  AppendQuoted(out, e.kind);
  out += ",\"payload\":";
  out += payload_text;
  out += ",\"seq\":";
  out += std::to_string(e.seq);
  out += ",\"team\":";
  AppendQuoted(out, e.team);
  out += ",\"time_ns\":";
  out += std::to_string(e.time.nanos());
  out += ",\"wall_ns\":";
  out += std::to_string(e.wall_ns);
  out += '}';
  return out;
}
}  // namespace

std::string CanonicalJson(const Event& e, bool with_hash) {
  return Canonical(e, CanonicalPayload(e.payload), with_hash);
}

std::string CanonicalJsonWithPayload(const Event& e, std::string_view payload_text,
                                     bool with_hash) {
  return Canonical(e, payload_text, with_hash);
}

Result<Event> EventFromJson(std::string_view text) {
  json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return Status::InvalidArgument("event: not valid JSON");
  if (!j.is_object()) return Status::InvalidArgument("event: not a JSON object");
  Event e;
  auto get_int = [&](const char* key, bool required, int64_t& out) -> Status {
    auto it = j.find(key);
    if (it == j.end()) {
      return required ? Status::InvalidArgument(fmt::format("event: missing field '{}'", key))
                      : Status::Ok();
    }
    if (!it->is_number_integer()) {
      return Status::InvalidArgument(fmt::format("event: field '{}' is not an integer", key));
    }
    out = it->get<int64_t>();
    return Status::Ok();
  };
  auto get_str = [&](const char* key, bool required, std::string& out) -> Status {
    auto it = j.find(key);
    if (it == j.end()) {
      return required ? Status::InvalidArgument(fmt::format("event: missing field '{}'", key))
                      : Status::Ok();
    }
    if (!it->is_string()) {
      return Status::InvalidArgument(fmt::format("event: field '{}' is not a string", key));
    }
    out = it->get<std::string>();
    return Status::Ok();
  };
  int64_t time_ns = 0;
  LF_RETURN_IF_ERROR(get_int("seq", true, e.seq));
  LF_RETURN_IF_ERROR(get_int("time_ns", true, time_ns));
  LF_RETURN_IF_ERROR(get_int("wall_ns", false, e.wall_ns));
  LF_RETURN_IF_ERROR(get_str("team", true, e.team));
  LF_RETURN_IF_ERROR(get_str("kind", true, e.kind));
  LF_RETURN_IF_ERROR(get_str("hash", false, e.hash));
  e.time = SimTime::FromNanos(time_ns);
  auto p = j.find("payload");
  if (p == j.end()) return Status::InvalidArgument("event: missing field 'payload'");
  if (!p->is_object()) return Status::InvalidArgument("event: field 'payload' is not an object");
  e.payload = std::move(*p);
  return e;
}

}  // namespace livefire
