#pragma once
// The exercise event: the one record everything that happens is written as.
// The event log (store) is the source of truth; scores, the GUI timeline and
// after-action reports are all derived from it, so a replay of the log
// reproduces every decision.
//
// An event's hash chains it to the previous one (see store/event_store.h):
//   hash(n) = hex(SHA-256(hash(n-1) || CanonicalJson(event n)))
// with hash(0) = "" — an edited, inserted or deleted row breaks the chain.

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "livefire/status.h"
#include "livefire/time.h"

namespace livefire {

struct Event {
  int64_t seq = 0;      // assigned by the store: 1-based, gap-free
  SimTime time;         // exercise time the event happened at
  int64_t wall_ns = 0;  // wall clock (unix ns), recorded only, never decides
  std::string team;     // team the event concerns; "" = exercise-wide
  std::string kind;     // one of the kinds below, e.g. "check.result"
  nlohmann::json payload = nlohmann::json::object();  // always an object
  std::string hash;                                   // lower-case hex SHA-256, set by the store
};

// ---- catalogue of kinds ---------------------------------------------------
// Each constant lists the payload fields the event carries; "(opt)" fields may
// be absent. Team-scoped events carry the team in Event::team, not in payload.
namespace kinds {
// Exercise lifecycle (team "").
// {scenario, title, organisation, year, security_level, seed, scoring (opt):
//  the scoring config, scoring::ConfigToJson, so replays need only the log}
inline constexpr std::string_view kExerciseCreated = "exercise.created";
// {speed}
inline constexpr std::string_view kExerciseStarted = "exercise.started";
// {by, reason (opt)}
inline constexpr std::string_view kExercisePaused = "exercise.paused";
// {by}
inline constexpr std::string_view kExerciseResumed = "exercise.resumed";
// {speed, by}
inline constexpr std::string_view kExerciseSpeed = "exercise.speed";
// {by, reason}: the white cell stopped the exercise early.
inline constexpr std::string_view kExerciseStopped = "exercise.stopped";
// {mode: live|frozen|hidden, at_ns (frozen), by}: how everyone but the
// white cell sees the scoreboard from now on (docs/protocol.md).
inline constexpr std::string_view kExerciseScoreboard = "exercise.scoreboard";
// {reason: "duration"|"stopped"}
inline constexpr std::string_view kExerciseEnded = "exercise.ended";
// {speed, paused}: periodic, so recovery can resume the clock where it was.
inline constexpr std::string_view kClockCheckpoint = "clock.checkpoint";

// Range provisioning (team = the blue team whose copy of the range it is).
// {nodes}
inline constexpr std::string_view kRangeUp = "range.up";
// {reason}
inline constexpr std::string_view kRangeDown = "range.down";
// {node, domain}
inline constexpr std::string_view kRangeNodeReady = "range.node.ready";
// {node, reason}
inline constexpr std::string_view kRangeNodeFailed = "range.node.failed";
// {node, by, reason}: reverted to its snapshot (a revert may cost a penalty).
inline constexpr std::string_view kRangeNodeReverted = "range.node.reverted";

// Injects (team = the team the inject targets, "" for exercise-wide).
// {inject, side: "red"|"blue"|"white", at_ns}
inline constexpr std::string_view kInjectArmed = "inject.armed";
// {inject, side, technique (opt), node (opt); a `when`-triggered inject also
//  trigger: "when", condition: its description, poll: the check interval}
inline constexpr std::string_view kInjectFired = "inject.fired";
// {inject, outcome: "success"|"failure"|"error", reason, points}
inline constexpr std::string_view kInjectOutcome = "inject.outcome";
// {inject, reason}
inline constexpr std::string_view kInjectSkipped = "inject.skipped";

// Ground truth of what red did, for scoring blue's detections.
// {node, technique (ATT&CK id), inject, detail}
inline constexpr std::string_view kRedAction = "red.action";
// Service health check. {service, node, status: "up"|"down", latency_ms, detail,
//  check (opt): the check kind}
inline constexpr std::string_view kCheckResult = "check.result";
// {node, objective, kind, red_team (opt), severity (opt): low|medium|high|critical}
inline constexpr std::string_view kObjectiveReached = "objective.reached";

// Team submissions (acknowledged to the team only once durable).
// Blue incident report. {node, technique, observed_at (exercise ns), description}
inline constexpr std::string_view kSubmissionReport = "submission.report";
// Red finding; team = the submitting red team. {node, vulnerability, evidence,
//  against (the blue team whose copy), validation: "planted"|"unplanted",
//  weakness (when planted): {node, vulnerability, cwe, severity}}
inline constexpr std::string_view kSubmissionFinding = "submission.finding";
// team = the submitting red team. {flag, correct, against, objective (when correct)}
inline constexpr std::string_view kSubmissionFlag = "submission.flag";
// A blue team's response to a white-cell task (a white inject). {inject, text}
inline constexpr std::string_view kSubmissionResponse = "submission.response";
// The white cell accepts or rejects an unplanted red finding; team = the red
// team. {target_seq, accepted, severity, reviewer, comment}
inline constexpr std::string_view kFindingReviewed = "finding.reviewed";

// White-cell rubric grade. {target_seq (opt), rubric: 0|50|100, points, grader, comment,
//  inject (opt): the inject graded (its points and due time apply)}
inline constexpr std::string_view kGradeGiven = "grade.given";
// {kind: "revert"|"roe"|"wrong_flag", points, reason}
inline constexpr std::string_view kPenalty = "penalty";
// Scoring output. {total, delta, reason, cause_seq}
inline constexpr std::string_view kScoreChanged = "score.changed";
// Control requests as received: "control.<type>". {id, client, request}
inline constexpr std::string_view kControlPrefix = "control.";
// The audit trail: every accepted state-changing control request, recorded
// just before its effect (team = the request's team, "" when none).
// {id: the request id, client: the client's name ("" when it gave none),
//  request: its arguments, account (opt): absent until clients authenticate}
inline constexpr std::string_view kControlPaused = "control.paused";
inline constexpr std::string_view kControlResumed = "control.resumed";
inline constexpr std::string_view kControlSpeed = "control.speed";
inline constexpr std::string_view kControlStopped = "control.stopped";
inline constexpr std::string_view kControlInject = "control.inject";  // manual fire_inject
inline constexpr std::string_view kControlGrade = "control.grade";    // before grade.given
inline constexpr std::string_view kControlRevert = "control.revert";  // before range.node.reverted
inline constexpr std::string_view kControlScoreboard = "control.scoreboard";
inline constexpr std::string_view kControlMessage = "control.message";  // before message.sent
// The white cell's message to a team (team = the recipient; one event per
// team when sent to "all"). {text, to: as asked (a team or "all"), account,
//  person (opt)}
inline constexpr std::string_view kMessageSent = "message.sent";
// A node's serial console in the portal (team = the copy's team, "" for the
// shared zone). {node, copy, account, person (opt), reason (closed/ended, opt)}
// opened: the account attached; closed: it left (or was closed on);
// ended: a white account closed the console for everyone.
inline constexpr std::string_view kConsoleOpened = "console.opened";
inline constexpr std::string_view kConsoleClosed = "console.closed";
inline constexpr std::string_view kConsoleEnded = "console.ended";
// Requests refused (bad frames, oversized, queue full, engine refusals),
// summed over a wall-time interval (ExerciseOptions::refused_summary_interval)
// so that a flood costs one event, not one each:
// {counts: {reason: n} (malformed, oversized, busy, or the error code the
//  engine replied with: bad_request, rejected, not_found, internal), total,
//  interval_ns}
inline constexpr std::string_view kControlRefused = "control.refused";
}  // namespace kinds

// One catalogue entry: a kind and the payload fields it must carry.
struct EventKindSpec {
  std::string_view kind;
  std::vector<std::string_view> required;
};

// Every kind above (control.* as the single entry "control.", besides
// control.refused) in a fixed order.
const std::vector<EventKindSpec>& EventCatalogue();

// Checks that kind is in the catalogue (or starts with "control."), that the
// payload is an object holding the kind's required fields, and that team is
// "" or a valid name. Producers call it in tests; the store only requires a
// non-empty kind and an object payload so that new kinds need no store change.
Status ValidateEvent(const Event& e);

// Canonical encoding: compact JSON, keys sorted (nlohmann's std::map order),
// UTF-8 kept as is (invalid bytes replaced by U+FFFD), fixed fields
//   {"hash":..,"kind":..,"payload":{..},"seq":..,"team":..,"time_ns":..,"wall_ns":..}
// with_hash = false leaves out "hash": that form is what the chain hashes.
// The bus sends the with_hash form.
std::string CanonicalJson(const Event& e, bool with_hash = true);

// Same, with the payload already in canonical form (CanonicalPayload): lets the
// store encode the payload once for both the hash and its TEXT column.
std::string CanonicalJsonWithPayload(const Event& e, std::string_view payload_text, bool with_hash);

// Canonical form of a payload alone (what the store keeps in its TEXT column).
std::string CanonicalPayload(const nlohmann::json& payload);

// Parses CanonicalJson output (or any JSON object with those fields; "hash"
// and "wall_ns" optional). Errors name the offending field.
Result<Event> EventFromJson(std::string_view text);

}  // namespace livefire
