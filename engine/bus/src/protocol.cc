#include "livefire/bus/protocol.h"

#include <fmt/format.h>

#include <array>
#include <cmath>
#include <limits>

#include "livefire/ids.h"
#include "livefire/scheduler.h"
#include "livefire/time.h"

namespace livefire::bus {

namespace {

using json = nlohmann::json;

constexpr std::array<std::pair<RequestType, std::string_view>, 18> kTypes = {{
    {RequestType::kPause, "pause"},
    {RequestType::kResume, "resume"},
    {RequestType::kSpeed, "speed"},
    {RequestType::kFireInject, "fire_inject"},
    {RequestType::kStatus, "status"},
    {RequestType::kSubmitReport, "submit_report"},
    {RequestType::kSubmitFinding, "submit_finding"},
    {RequestType::kSubmitFlag, "submit_flag"},
    {RequestType::kGrade, "grade"},
    {RequestType::kStop, "stop"},
    {RequestType::kRevert, "revert"},
    {RequestType::kSubmitResponse, "submit_response"},
    {RequestType::kReviewFinding, "review_finding"},
    {RequestType::kScoreboard, "scoreboard"},
    {RequestType::kEvents, "events"},
    {RequestType::kPlan, "plan"},
    {RequestType::kConsole, "console"},
    {RequestType::kMessage, "message"},
}};

constexpr size_t kMaxIdBytes = 64;
constexpr size_t kMaxNameBytes = 128;
constexpr size_t kMaxTextBytes = 16 * 1024;

// Nesting depth of the JSON text outside strings; stops counting past limit.
int JsonDepth(std::string_view s, int limit) {
  int depth = 0, max_depth = 0;
  bool in_string = false, escaped = false;
  for (char c : s) {
    if (in_string) {
      if (escaped)
        escaped = false;
      else if (c == '\\')
        escaped = true;
      else if (c == '"')
        in_string = false;
      continue;
    }
    if (c == '"')
      in_string = true;
    else if (c == '[' || c == '{') {
      max_depth = std::max(max_depth, ++depth);
      if (max_depth > limit) return max_depth;
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return max_depth;
}

// Status codes carry the protocol error class through Result<Request>.
Status BadRequest(std::string m) { return Status::InvalidArgument(std::move(m)); }

// Copies a required (or optional) string field into args after checking it.
Status TakeString(const json& j, json& args, std::string_view type, const char* key, size_t max_len,
                  bool required) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) {
    if (!required) return Status::Ok();
    return BadRequest(fmt::format("{}: missing field '{}'", type, key));
  }
  if (!it->is_string())
    return BadRequest(fmt::format("{}: field '{}' must be a string", type, key));
  const auto& s = it->get_ref<const std::string&>();
  if (required && s.empty()) return BadRequest(fmt::format("{}: field '{}' is empty", type, key));
  if (s.size() > max_len) {
    return BadRequest(fmt::format("{}: field '{}' is longer than {} bytes", type, key, max_len));
  }
  args[key] = s;
  return Status::Ok();
}

Status TakeNumber(const json& j, json& args, std::string_view type, const char* key, double lo,
                  double hi) {
  auto it = j.find(key);
  if (it == j.end()) return BadRequest(fmt::format("{}: missing field '{}'", type, key));
  if (!it->is_number())
    return BadRequest(fmt::format("{}: field '{}' must be a number", type, key));
  double v = it->get<double>();
  if (!std::isfinite(v) || v < lo || v > hi) {
    return BadRequest(fmt::format("{}: field '{}' must be between {} and {}", type, key, lo, hi));
  }
  args[key] = *it;
  return Status::Ok();
}

// A positive event seq (integer >= 1) under key, when present (or required).
Status TakeSeq(const json& j, json& args, std::string_view type, const char* key, bool required) {
  auto it = j.find(key);
  if (it == j.end()) {
    if (!required) return Status::Ok();
    return BadRequest(fmt::format("{}: missing field '{}'", type, key));
  }
  if (!it->is_number_integer() || it->get<int64_t>() < 1 ||
      (it->is_number_unsigned() && it->get<uint64_t>() > INT64_MAX)) {
    return BadRequest(fmt::format("{}: field '{}' must be an event seq (integer >= 1)", type, key));
  }
  args[key] = *it;
  return Status::Ok();
}

Status DecodeArgs(const json& j, Request& r) {
  std::string_view type = RequestTypeName(r.type);
  json& a = r.args;
  switch (r.type) {
    case RequestType::kPause:
    case RequestType::kStop:
      return TakeString(j, a, type, "reason", 1024, false);
    case RequestType::kResume:
    case RequestType::kStatus:
    case RequestType::kPlan:
      return Status::Ok();
    case RequestType::kSpeed:
      // Any number here: ValidateSpeed names the range.
      LF_RETURN_IF_ERROR(TakeNumber(j, a, type, "speed", std::numeric_limits<double>::lowest(),
                                    std::numeric_limits<double>::max()));
      if (Status v = ValidateSpeed(a["speed"].get<double>()); !v.ok()) {
        return BadRequest("speed: field 'speed': " + v.message());
      }
      return Status::Ok();
    case RequestType::kFireInject:
      return TakeString(j, a, type, "inject", kMaxNameBytes, true);
    case RequestType::kSubmitReport: {
      LF_RETURN_IF_ERROR(TakeString(j, a, type, "node", kMaxNameBytes, true));
      LF_RETURN_IF_ERROR(TakeString(j, a, type, "technique", 64, true));
      LF_RETURN_IF_ERROR(TakeString(j, a, type, "description", kMaxTextBytes, true));
      auto it = j.find("observed_at");
      // Absent: the engine stamps the report with its own clock.
      if (it == j.end()) return Status::Ok();
      if (it->is_number_integer()) {
        int64_t ns = it->get<int64_t>();
        if (ns < 0 || (it->is_number_unsigned() && it->get<uint64_t>() > INT64_MAX)) {
          return BadRequest("submit_report: field 'observed_at' must be >= 0");
        }
        a["observed_at"] = *it;
        a["observed_at_ns"] = ns;
      } else if (it->is_string()) {
        auto d = ParseDuration(it->get_ref<const std::string&>());
        if (!d.ok()) {
          return BadRequest(
              fmt::format("submit_report: field 'observed_at': {}", d.status().message()));
        }
        a["observed_at"] = *it;
        a["observed_at_ns"] = d->nanos();
      } else {
        return BadRequest(
            "submit_report: field 'observed_at' must be exercise time (\"01:20:00\") or ns");
      }
      return Status::Ok();
    }
    case RequestType::kSubmitFinding:
      LF_RETURN_IF_ERROR(TakeString(j, a, type, "node", kMaxNameBytes, true));
      LF_RETURN_IF_ERROR(TakeString(j, a, type, "vulnerability", kMaxNameBytes, true));
      LF_RETURN_IF_ERROR(TakeString(j, a, type, "against", kMaxNameBytes, false));
      return TakeString(j, a, type, "evidence", kMaxTextBytes, true);
    case RequestType::kSubmitFlag:
      // against: the blue team whose copy of the range the flag was taken from.
      LF_RETURN_IF_ERROR(TakeString(j, a, type, "against", kMaxNameBytes, false));
      return TakeString(j, a, type, "flag", 256, true);
    case RequestType::kGrade: {
      LF_RETURN_IF_ERROR(TakeString(j, a, type, "rubric", kMaxNameBytes, true));
      // Optional: a task's grade defaults to the task's points (the engine
      // refuses a grade of anything else without them). Never negative: a
      // grade cannot take points away.
      if (j.contains("points")) {
        LF_RETURN_IF_ERROR(TakeNumber(j, a, type, "points", 0.0, 1000.0));
      }
      LF_RETURN_IF_ERROR(TakeString(j, a, type, "comment", kMaxTextBytes, false));
      LF_RETURN_IF_ERROR(TakeString(j, a, type, "inject", kMaxNameBytes, false));
      LF_RETURN_IF_ERROR(TakeSeq(j, a, type, "target_seq", false));
      if (a.contains("inject") == a.contains("target_seq")) {
        return BadRequest(
            "grade: give exactly one of 'target_seq' (a submission of that team) or 'inject' "
            "(a white-cell task)");
      }
      return Status::Ok();
    }
    case RequestType::kSubmitResponse:
      LF_RETURN_IF_ERROR(TakeString(j, a, type, "inject", kMaxNameBytes, true));
      return TakeString(j, a, type, "text", kMaxTextBytes, true);
    case RequestType::kReviewFinding: {
      LF_RETURN_IF_ERROR(TakeSeq(j, a, type, "target_seq", true));
      auto it = j.find("accepted");
      if (it == j.end() || !it->is_boolean()) {
        return BadRequest("review_finding: field 'accepted' must be true or false");
      }
      a["accepted"] = *it;
      LF_RETURN_IF_ERROR(TakeString(j, a, type, "severity", kMaxNameBytes, false));
      if (a.contains("severity")) {
        const std::string sev = a["severity"];
        if (sev != "low" && sev != "medium" && sev != "high" && sev != "critical") {
          return BadRequest(
              "review_finding: field 'severity' must be low, medium, high or critical");
        }
      }
      return TakeString(j, a, type, "comment", kMaxTextBytes, false);
    }
    case RequestType::kConsole: {
      LF_RETURN_IF_ERROR(TakeString(j, a, type, "action", kMaxNameBytes, true));
      const std::string action = a["action"];
      if (action != "open" && action != "close" && action != "end") {
        return BadRequest(
            fmt::format("console: field 'action' must be open, close or end, got '{}'", action));
      }
      LF_RETURN_IF_ERROR(TakeString(j, a, type, "node", kMaxNameBytes, true));
      LF_RETURN_IF_ERROR(TakeString(j, a, type, "copy", kMaxNameBytes, false));
      return TakeString(j, a, type, "reason", 1024, false);
    }
    case RequestType::kMessage:
      // A message is read on a dashboard: a few paragraphs, not a document.
      LF_RETURN_IF_ERROR(TakeString(j, a, type, "to", kMaxNameBytes, true));
      return TakeString(j, a, type, "text", 4096, true);
    case RequestType::kEvents:
      LF_RETURN_IF_ERROR(TakeSeq(j, a, type, "from_seq", false));
      if (j.contains("limit")) {
        LF_RETURN_IF_ERROR(TakeNumber(j, a, type, "limit", 1, kMaxEventsPerReply));
        a["limit"] = static_cast<int64_t>(a["limit"].get<double>());
      }
      return Status::Ok();
    case RequestType::kScoreboard: {
      LF_RETURN_IF_ERROR(TakeString(j, a, type, "mode", kMaxNameBytes, true));
      const std::string mode = a["mode"];
      if (mode != "live" && mode != "frozen" && mode != "hidden") {
        return BadRequest(
            fmt::format("scoreboard: field 'mode' must be live, frozen or hidden, got '{}'", mode));
      }
      auto it = j.find("at");
      if (it == j.end()) return Status::Ok();  // frozen: at the engine's clock
      if (mode != "frozen") return BadRequest("scoreboard: field 'at' goes with mode frozen only");
      if (it->is_number_integer() && it->get<int64_t>() >= 0 &&
          !(it->is_number_unsigned() && it->get<uint64_t>() > INT64_MAX)) {
        a["at_ns"] = it->get<int64_t>();
      } else if (it->is_string()) {
        auto d = ParseDuration(it->get_ref<const std::string&>());
        if (!d.ok()) {
          return BadRequest(fmt::format("scoreboard: field 'at': {}", d.status().message()));
        }
        a["at_ns"] = d->nanos();
      } else {
        return BadRequest("scoreboard: field 'at' must be exercise time (\"2h\") or ns >= 0");
      }
      a["at"] = *it;
      return Status::Ok();
    }
    case RequestType::kRevert: {
      LF_RETURN_IF_ERROR(TakeString(j, a, type, "node", kMaxNameBytes, true));
      LF_RETURN_IF_ERROR(TakeString(j, a, type, "by", kMaxNameBytes, false));
      LF_RETURN_IF_ERROR(TakeString(j, a, type, "error", 1024, false));
      LF_RETURN_IF_ERROR(TakeString(j, a, type, "domain", kMaxNameBytes, false));
      if (auto it = j.find("ready"); it != j.end()) {
        if (!it->is_boolean()) return BadRequest("revert: field 'ready' must be true or false");
        a["ready"] = *it;
      }
      return TakeString(j, a, type, "reason", 1024, false);
    }
  }
  return Status::Internal("unhandled request type");
}

bool NeedsTeam(RequestType t) {
  return t == RequestType::kSubmitReport || t == RequestType::kSubmitFinding ||
         t == RequestType::kSubmitFlag || t == RequestType::kGrade || t == RequestType::kRevert ||
         t == RequestType::kSubmitResponse;
}

}  // namespace

std::string_view RequestTypeName(RequestType t) {
  for (const auto& [type, name] : kTypes) {
    if (type == t) return name;
  }
  return "unknown";
}

Result<Request> DecodeRequest(std::string_view bytes) {
  if (bytes.size() > kMaxMessageBytes) {
    return Status::ResourceExhausted(
        fmt::format("request is {} bytes; the limit is {}", bytes.size(), kMaxMessageBytes));
  }
  if (JsonDepth(bytes, kMaxJsonDepth) > kMaxJsonDepth) {
    return Status::ResourceExhausted(
        fmt::format("request nests deeper than {} levels", kMaxJsonDepth));
  }
  json j = json::parse(bytes, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return Status::DataLoss("request is not valid JSON");
  if (!j.is_object()) return Status::DataLoss("request is not a JSON object");

  auto v = j.find("v");
  if (v == j.end()) return BadRequest("missing field 'v' (protocol version)");
  if (!v->is_number_integer()) return BadRequest("field 'v' must be an integer");
  if (v->get<int64_t>() != kProtocolVersion ||
      (v->is_number_unsigned() && v->get<uint64_t>() != 1)) {
    return Status::FailedPrecondition(
        fmt::format("protocol version {} is not supported (this server speaks {})", v->dump(),
                    kProtocolVersion));
  }

  Request r;
  auto id = j.find("id");
  if (id == j.end()) return BadRequest("missing field 'id'");
  if (!id->is_string() || id->get_ref<const std::string&>().empty() ||
      id->get_ref<const std::string&>().size() > kMaxIdBytes) {
    return BadRequest(fmt::format("field 'id' must be a string of 1..{} bytes", kMaxIdBytes));
  }
  r.id = id->get<std::string>();

  auto type = j.find("type");
  if (type == j.end()) return BadRequest("missing field 'type'");
  if (!type->is_string()) return BadRequest("field 'type' must be a string");
  const auto& tname = type->get_ref<const std::string&>();
  bool known = false;
  for (const auto& [t, name] : kTypes) {
    if (name == tname) {
      r.type = t;
      known = true;
      break;
    }
  }
  if (!known) {
    std::string shown = tname.substr(0, 64);
    return Status::NotFound(fmt::format("unknown request type '{}'", shown));
  }

  auto team = j.find("team");
  if (team != j.end() && !team->is_null()) {
    if (!team->is_string()) return BadRequest("field 'team' must be a string");
    r.team = team->get<std::string>();
    Status s = CheckName("team", r.team);
    if (!s.ok()) return BadRequest(s.message());
  } else if (NeedsTeam(r.type)) {
    return BadRequest(fmt::format("{}: missing field 'team'", tname));
  }
  auto client = j.find("client");
  if (client != j.end() && !client->is_null()) {
    if (!client->is_string() || client->get_ref<const std::string&>().size() > kMaxNameBytes) {
      return BadRequest(
          fmt::format("field 'client' must be a string of at most {} bytes", kMaxNameBytes));
    }
    r.client = client->get<std::string>();
  }
  LF_RETURN_IF_ERROR(DecodeArgs(j, r));
  return r;
}

std::string_view ProtocolErrorCode(const Status& s) {
  switch (s.code()) {
    case StatusCode::kResourceExhausted:
      return errors::kTooLarge;
    case StatusCode::kDataLoss:
      return errors::kBadJson;
    case StatusCode::kFailedPrecondition:
      return errors::kUnsupportedVersion;
    case StatusCode::kNotFound:
      return errors::kUnknownType;
    case StatusCode::kInvalidArgument:
      return errors::kBadRequest;
    default:
      return errors::kInternal;
  }
}

std::string BestEffortId(std::string_view bytes) {
  if (bytes.size() > kMaxMessageBytes || JsonDepth(bytes, kMaxJsonDepth) > kMaxJsonDepth) return {};
  json j = json::parse(bytes, nullptr, false);
  if (!j.is_object()) return {};
  auto id = j.find("id");
  if (id == j.end() || !id->is_string() || id->get_ref<const std::string&>().size() > kMaxIdBytes) {
    return {};
  }
  return id->get<std::string>();
}

namespace {
std::string Dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }
}  // namespace

std::string EncodeRequest(const Request& r) {
  json j = r.args.is_object() ? r.args : json::object();
  j.erase("observed_at_ns");  // derived on decode
  j["v"] = kProtocolVersion;
  j["type"] = std::string(RequestTypeName(r.type));
  j["id"] = r.id;
  if (!r.team.empty()) j["team"] = r.team;
  if (!r.client.empty()) j["client"] = r.client;
  return Dump(j);
}

std::string EncodeOkReply(std::string_view id, json result) {
  json j = result.is_object() ? std::move(result) : json{{"result", std::move(result)}};
  j["v"] = kProtocolVersion;
  j["id"] = std::string(id);
  j["ok"] = true;
  j.erase("error");
  return Dump(j);
}

std::string EncodeErrorReply(std::string_view id, std::string_view code, std::string_view message) {
  json j = {{"v", kProtocolVersion},
            {"id", std::string(id)},
            {"ok", false},
            {"error", {{"code", std::string(code)}, {"message", std::string(message)}}}};
  return Dump(j);
}

Result<Reply> DecodeReply(std::string_view bytes) {
  json j = json::parse(bytes, nullptr, false);
  if (!j.is_object()) return Status::InvalidArgument("reply is not a JSON object");
  auto v = j.find("v");
  if (v == j.end() || !v->is_number_integer() || v->get<int64_t>() != kProtocolVersion) {
    return Status::InvalidArgument("reply has no supported protocol version 'v'");
  }
  Reply r;
  auto id = j.find("id");
  auto ok = j.find("ok");
  if (id == j.end() || !id->is_string()) return Status::InvalidArgument("reply has no string 'id'");
  if (ok == j.end() || !ok->is_boolean())
    return Status::InvalidArgument("reply has no boolean 'ok'");
  r.id = id->get<std::string>();
  r.ok = ok->get<bool>();
  if (!r.ok) {
    auto err = j.find("error");
    if (err == j.end() || !err->is_object()) {
      return Status::InvalidArgument("error reply has no 'error' object");
    }
    auto code = err->find("code");
    auto message = err->find("message");
    r.error_code = code != err->end() && code->is_string() ? code->get<std::string>()
                                                           : std::string(errors::kInternal);
    if (message != err->end() && message->is_string())
      r.error_message = message->get<std::string>();
  }
  r.body = std::move(j);
  return r;
}

// ---- request builders ----------------------------------------------------------

namespace {
Request Req(RequestType t, std::string_view team = {}) {
  Request r;
  r.type = t;
  r.team = std::string(team);
  return r;
}
}  // namespace

Request MakeStatusRequest() { return Req(RequestType::kStatus); }

Request MakePauseRequest(std::string_view reason) {
  Request r = Req(RequestType::kPause);
  if (!reason.empty()) r.args["reason"] = reason;
  return r;
}

Request MakeResumeRequest() { return Req(RequestType::kResume); }

Request MakeSpeedRequest(double speed) {
  Request r = Req(RequestType::kSpeed);
  r.args["speed"] = speed;
  return r;
}

Request MakeStopRequest(std::string_view reason) {
  Request r = Req(RequestType::kStop);
  if (!reason.empty()) r.args["reason"] = reason;
  return r;
}

Request MakeFireInjectRequest(std::string_view inject, std::string_view team) {
  Request r = Req(RequestType::kFireInject, team);
  r.args["inject"] = inject;
  return r;
}

Request MakeSubmitReportRequest(std::string_view team, const ReportFields& f) {
  Request r = Req(RequestType::kSubmitReport, team);
  r.args = {{"node", f.node}, {"technique", f.technique}, {"description", f.description}};
  if (!f.observed_at.empty()) r.args["observed_at"] = f.observed_at;
  return r;
}

Request MakeSubmitFindingRequest(std::string_view team, const FindingFields& f) {
  Request r = Req(RequestType::kSubmitFinding, team);
  r.args = {{"node", f.node}, {"vulnerability", f.vulnerability}, {"evidence", f.evidence}};
  if (!f.against.empty()) r.args["against"] = f.against;
  return r;
}

Request MakeSubmitFlagRequest(std::string_view team, std::string_view flag,
                              std::string_view against) {
  Request r = Req(RequestType::kSubmitFlag, team);
  r.args = {{"flag", flag}};
  if (!against.empty()) r.args["against"] = against;
  return r;
}

Request MakeGradeRequest(std::string_view team, const GradeFields& f) {
  Request r = Req(RequestType::kGrade, team);
  r.args = {{"rubric", f.rubric}};
  if (f.points) r.args["points"] = *f.points;
  if (!f.comment.empty()) r.args["comment"] = f.comment;
  if (f.target_seq > 0) r.args["target_seq"] = f.target_seq;
  if (!f.inject.empty()) r.args["inject"] = f.inject;
  return r;
}

Request MakeSubmitResponseRequest(std::string_view team, std::string_view inject,
                                  std::string_view text) {
  Request r = Req(RequestType::kSubmitResponse, team);
  r.args = {{"inject", inject}, {"text", text}};
  return r;
}

Request MakeReviewFindingRequest(const ReviewFields& f) {
  Request r = Req(RequestType::kReviewFinding);
  r.args = {{"target_seq", f.target_seq}, {"accepted", f.accepted}};
  if (!f.severity.empty()) r.args["severity"] = f.severity;
  if (!f.comment.empty()) r.args["comment"] = f.comment;
  return r;
}

Request MakeRevertRequest(std::string_view team, std::string_view node, std::string_view by,
                          std::string_view reason) {
  Request r = Req(RequestType::kRevert, team);
  r.args = {{"node", node}};
  if (!by.empty()) r.args["by"] = by;
  if (!reason.empty()) r.args["reason"] = reason;
  return r;
}

Request MakeRevertFailedRequest(std::string_view team, std::string_view node,
                                std::string_view error) {
  Request r = Req(RequestType::kRevert, team);
  r.args = {{"node", node}, {"error", error}};
  return r;
}

Request MakeRevertReadyRequest(std::string_view team, std::string_view node,
                               std::string_view domain) {
  Request r = Req(RequestType::kRevert, team);
  r.args = {{"node", node}, {"ready", true}, {"domain", domain}};
  return r;
}

Request MakePlanRequest() { return Req(RequestType::kPlan); }

Request MakeConsoleRequest(std::string_view action, std::string_view copy, std::string_view node,
                           std::string_view reason) {
  Request r = Req(RequestType::kConsole);
  r.args = {{"action", action}, {"node", node}};
  if (!copy.empty()) r.args["copy"] = copy;
  if (!reason.empty()) r.args["reason"] = reason;
  return r;
}

Request MakeEventsRequest(int64_t from_seq, int64_t limit) {
  Request r = Req(RequestType::kEvents);
  r.args = {{"from_seq", std::max<int64_t>(1, from_seq)}};
  if (limit > 0) r.args["limit"] = limit;
  return r;
}

Request MakeScoreboardRequest(std::string_view mode, std::string_view at) {
  Request r = Req(RequestType::kScoreboard);
  r.args = {{"mode", mode}};
  if (!at.empty()) r.args["at"] = at;
  return r;
}

Request MakeMessageRequest(std::string_view to, std::string_view text) {
  Request r = Req(RequestType::kMessage);
  r.args = {{"to", to}, {"text", text}};
  return r;
}

std::string Topic(std::string_view exercise, std::string_view team, std::string_view kind) {
  return fmt::format("{}/{}/{}", exercise, team.empty() ? "*" : team, kind);
}

}  // namespace livefire::bus
