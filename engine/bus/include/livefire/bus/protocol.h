#pragma once
// The control protocol spoken on the ControlServer's ROUTER socket (see
// docs/protocol.md). Requests and replies are single JSON objects:
//   {"v":1, "type":"pause", "id":"c1-7", "team":"white", ...type fields}
//   {"v":1, "id":"c1-7", "ok":true, ...result fields}
//   {"v":1, "id":"c1-7", "ok":false, "error":{"code":"bad_request","message":"..."}}
// Pure functions: no sockets here, so the decoder is unit-tested and fuzzed
// on its own.

#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "livefire/status.h"

namespace livefire::bus {

inline constexpr int kProtocolVersion = 1;
// Most events one `events` reply carries (it also stops near 1 MiB).
inline constexpr int64_t kMaxEventsPerReply = 1000;
// Largest accepted request (bytes of JSON). Larger ones get "too_large".
inline constexpr size_t kMaxMessageBytes = 64 * 1024;
// Deepest accepted JSON nesting (guards the parser's stack).
inline constexpr int kMaxJsonDepth = 16;

enum class RequestType {
  kPause,
  kResume,
  kSpeed,
  kFireInject,
  kStatus,
  kSubmitReport,
  kSubmitFinding,
  kSubmitFlag,
  kGrade,
  kStop,            // the white cell ends the exercise early
  kRevert,          // `livefire revert` asks the engine to record a revert (or its failure)
  kSubmitResponse,  // a blue team's answer to a white-cell task (inject)
  kReviewFinding,   // the white cell accepts or rejects an unplanted red finding
  kScoreboard,      // the white cell shows the scoreboard live, frozen or hidden
  kEvents,          // a page of the stored log, as the sender's account may see it
  kPlan,            // the range plan `up` recorded (plan.json), for a remote control room
  kConsole,         // the portal opens, leaves or ends a node's serial console (recorded)
  kMessage,         // the white cell writes to one team or to every team (recorded per team)
};

std::string_view RequestTypeName(RequestType t);  // "pause", "submit_report", ...

struct Request {
  RequestType type = RequestType::kStatus;
  std::string id;      // client-chosen, echoed in the reply (1..64 bytes)
  std::string team;    // who sends it / whose submission; "" when absent
  std::string client;  // free-text client name for the log; "" when absent
  // The type's fields, validated (see docs/protocol.md). Unknown fields are
  // dropped. submit_report's observed_at is normalised to exercise ns
  // ("observed_at_ns"); the original text is kept as "observed_at".
  nlohmann::json args = nlohmann::json::object();
};

// Error codes in replies (the "code" of {"ok":false,"error":{...}}).
namespace errors {
inline constexpr std::string_view kTooLarge = "too_large";
inline constexpr std::string_view kBadJson = "bad_json";
inline constexpr std::string_view kBadRequest = "bad_request";
inline constexpr std::string_view kUnsupportedVersion = "unsupported_version";
inline constexpr std::string_view kUnknownType = "unknown_type";
inline constexpr std::string_view kBusy = "busy";           // server queue full, retry
inline constexpr std::string_view kRejected = "rejected";   // engine refused (state, role)
inline constexpr std::string_view kNotFound = "not_found";  // e.g. no such inject
// The authenticated account may not: beyond its role, for another team, or revoked.
inline constexpr std::string_view kForbidden = "forbidden";
inline constexpr std::string_view kInternal = "internal";
}  // namespace errors

// Parses and validates one request. Never throws. Errors carry a message
// naming the field; ProtocolErrorCode() maps them to the reply code.
Result<Request> DecodeRequest(std::string_view bytes);

// The error code for a DecodeRequest failure (too_large, bad_json, ...).
std::string_view ProtocolErrorCode(const Status& decode_error);

// The request's "id" if bytes is a JSON object with a string id of a sane
// length, else "": lets the server echo the id even on a bad request.
std::string BestEffortId(std::string_view bytes);

// Canonical request encoding (what ControlClient sends).
std::string EncodeRequest(const Request& r);

// ---- request builders ----
// The one place that knows which fields each control request carries; the
// CLI and the GUI build their requests here. Empty optional fields are left
// out (the engine then uses its default: "now", "every blue team", ...). The
// id and client are the sender's to fill in.
Request MakeStatusRequest();
Request MakePauseRequest(std::string_view reason = {});
Request MakeResumeRequest();
Request MakeSpeedRequest(double speed);
// The white cell ends the exercise now.
Request MakeStopRequest(std::string_view reason = {});
// team "" = every blue team.
Request MakeFireInjectRequest(std::string_view inject, std::string_view team = {});

struct ReportFields {
  std::string node;
  std::string technique;    // ATT&CK id, e.g. "T1190"
  std::string observed_at;  // exercise time ("01:20:05"); "" = when the engine receives it
  std::string description;
};
Request MakeSubmitReportRequest(std::string_view team, const ReportFields& f);

struct FindingFields {
  std::string node;
  std::string vulnerability;
  std::string evidence;
  std::string against;  // "" = not given
};
Request MakeSubmitFindingRequest(std::string_view team, const FindingFields& f);

// against "" = not given.
Request MakeSubmitFlagRequest(std::string_view team, std::string_view flag,
                              std::string_view against = {});

struct GradeFields {
  std::string rubric;  // "0", "50" or "100": the band, % of points
  // The graded item's full points (>= 0); unset = the task's points (only
  // for a task or a response to one).
  std::optional<double> points;
  std::string comment;     // "" = none
  int64_t target_seq = 0;  // the graded submission of that team; 0 = none
  std::string inject;      // or: the task (white inject) whose response is graded
};
// team = the graded team.
Request MakeGradeRequest(std::string_view team, const GradeFields& f);

// team = the blue team answering the white-cell task `inject`.
Request MakeSubmitResponseRequest(std::string_view team, std::string_view inject,
                                  std::string_view text);

struct ReviewFields {
  int64_t target_seq = 0;  // the unplanted finding
  bool accepted = false;
  std::string severity;  // "" = the finding keeps none; else low|medium|high|critical
  std::string comment;
};
Request MakeReviewFindingRequest(const ReviewFields& f);

// `livefire revert` while the engine runs: the engine is the log's only
// writer, so it records range.node.reverted (before the CLI reverts the
// node). by: who asked ("white" = free of penalty, see docs/scoring.md).
Request MakeRevertRequest(std::string_view team, std::string_view node, std::string_view by,
                          std::string_view reason);
// The revert of node then failed: the engine records range.node.failed.
Request MakeRevertFailedRequest(std::string_view team, std::string_view node,
                                std::string_view error);
// The revert of node is done and its guest answers again (domain: its libvirt
// domain): the engine records range.node.ready, which ends the revert's
// excuse of failed checks (docs/scoring.md "Reverts").
Request MakeRevertReadyRequest(std::string_view team, std::string_view node,
                               std::string_view domain);

// The plan file of the exercise (white cell: a remote control room's topology).
Request MakePlanRequest();
// The serial console of `node` in `copy` (a blue team's copy; "" = the
// shared zone): action "open" (the sender attaches), "close" (the sender
// leaves) or "end" (white: closes it for everyone). The engine decides who
// may, and records console.opened / console.closed / console.ended.
Request MakeConsoleRequest(std::string_view action, std::string_view copy, std::string_view node,
                           std::string_view reason = {});

// The white cell's message to team `to` (a playing team's name, or "all":
// every playing team, blue and red). The engine records control.message,
// then message.sent on each recipient's topic.
Request MakeMessageRequest(std::string_view to, std::string_view text);

// A page of the committed log from from_seq on (limit 0 = the engine's
// default): what a remote client has instead of the log file.
Request MakeEventsRequest(int64_t from_seq, int64_t limit = 0);

// How everyone but the white cell sees the scoreboard: mode "live",
// "frozen" (as it stood at exercise time `at`, e.g. "2h"; "" = now) or
// "hidden".
Request MakeScoreboardRequest(std::string_view mode, std::string_view at = {});

// {"v":1,"id":id,"ok":true, ...result}; result must be an object (other
// values are put under "result"); its v/id/ok keys are overwritten.
std::string EncodeOkReply(std::string_view id, nlohmann::json result = nlohmann::json::object());
std::string EncodeErrorReply(std::string_view id, std::string_view code, std::string_view message);

struct Reply {
  std::string id;
  bool ok = false;
  nlohmann::json body = nlohmann::json::object();  // the whole reply object
  std::string error_code;                          // when !ok
  std::string error_message;
};
Result<Reply> DecodeReply(std::string_view bytes);

// Event topic: "<exercise>/<team or *>/<kind>". Subscribers filter by prefix,
// e.g. "lf-2026.../blue1/" or "lf-2026.../*/exercise.".
std::string Topic(std::string_view exercise, std::string_view team, std::string_view kind);

}  // namespace livefire::bus
