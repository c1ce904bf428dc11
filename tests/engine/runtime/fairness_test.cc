// Issue #13 "nothing acknowledged and ignored": every submission, grade and
// review that cannot count is refused with a reason, and what is accepted is
// recorded with the team it belongs to. A running mini exercise (real time)
// driven through the control endpoint, as the CLI and the GUI drive it.
#include <gtest/gtest.h>

#include <filesystem>

#include "livefire/bus/bus.h"
#include "livefire/bus/protocol.h"
#include "livefire/runtime/exercise.h"
#include "livefire/store/event_store.h"
#include "livefire/testing/mini_range.h"
#include "livefire/testing/temp_dir.h"

namespace livefire::runtime {
namespace {

using testsupport::EventsOfKind;
using testsupport::RunningMini;

namespace fs = std::filesystem;

struct Fair : ::testing::Test {
  testsupport::TempDir tmp{"lf-fair"};
  ExerciseId id{"lf-test-fair"};
  RunningMini run;

  void SetUp() override { ASSERT_TRUE(run.Start(tmp.path(), id, "test-white-cell")); }

  bus::Reply Call(bus::RequestType type, std::string team, nlohmann::json args) {
    return run.Call(type, std::move(team), std::move(args));
  }
  void ExpectRefused(const bus::Reply& r, std::string_view code, std::string_view mentions) {
    EXPECT_FALSE(r.ok) << r.body.dump();
    EXPECT_EQ(r.error_code, code) << r.error_message;
    EXPECT_NE(r.error_message.find(mentions), std::string::npos) << r.error_message;
  }
  std::vector<Event> Stop() { return run.StopAndReadLog(tmp.path(), id); }
};

std::vector<const Event*> Find(const std::vector<Event>& log, std::string_view kind) {
  return EventsOfKind(log, kind);
}

TEST_F(Fair, FlagsComeFromRedAgainstABlueTeamAndBelongToRed) {
  using T = bus::RequestType;
  ExpectRefused(Call(T::kSubmitFlag, "blue1", {{"flag", "FLAG{mini-web}"}, {"against", "blue2"}}),
                "rejected", "red teams");
  ExpectRefused(Call(T::kSubmitFlag, "white", {{"flag", "FLAG{mini-web}"}, {"against", "blue1"}}),
                "rejected", "red teams");
  // Two blue teams: the copy must be named, and must be a blue team.
  ExpectRefused(Call(T::kSubmitFlag, "red1", {{"flag", "FLAG{mini-web}"}}), "rejected",
                "'against' is required");
  ExpectRefused(Call(T::kSubmitFlag, "red1", {{"flag", "x"}, {"against", "red1"}}), "rejected",
                "not one");
  ExpectRefused(Call(T::kSubmitFlag, "red1", {{"flag", "x"}, {"against", "blue9"}}), "rejected",
                "not one");
  bus::Reply wrong = Call(T::kSubmitFlag, "red1", {{"flag", "FLAG{guess}"}, {"against", "blue1"}});
  ASSERT_TRUE(wrong.ok) << wrong.error_message;
  bus::Reply right =
      Call(T::kSubmitFlag, "red1", {{"flag", "FLAG{mini-web}"}, {"against", "blue2"}});
  ASSERT_TRUE(right.ok) << right.error_message;
  auto log = Stop();
  auto flags = Find(log, kinds::kSubmissionFlag);
  ASSERT_EQ(flags.size(), 2u);
  // The wrong flag is red's (red pays for it), not the blue team it aimed at.
  EXPECT_EQ(flags[0]->team, "red1");
  EXPECT_FALSE(flags[0]->payload["correct"].get<bool>());
  EXPECT_EQ(flags[0]->payload["against"], "blue1");
  EXPECT_EQ(flags[1]->team, "red1");
  auto reached = Find(log, kinds::kObjectiveReached);
  ASSERT_EQ(reached.size(), 1u);
  EXPECT_EQ(reached[0]->team, "blue2");
  EXPECT_EQ(reached[0]->payload["objective"], "root-web");
}

TEST_F(Fair, FindingsAreValidatedAgainstThePlantedVulnerabilities) {
  using T = bus::RequestType;
  ExpectRefused(
      Call(T::kSubmitFinding, "red1",
           {{"node", "web"}, {"vulnerability", "CWE-78"}, {"evidence", "e"}, {"against", "white"}}),
      "rejected", "not one");
  ExpectRefused(
      Call(
          T::kSubmitFinding, "red1",
          {{"node", "nope"}, {"vulnerability", "CWE-78"}, {"evidence", "e"}, {"against", "blue1"}}),
      "not_found", "nope");
  bus::Reply by_cwe = Call(
      T::kSubmitFinding, "red1",
      {{"node", "web"}, {"vulnerability", "cwe-78"}, {"evidence", "id"}, {"against", "blue1"}});
  ASSERT_TRUE(by_cwe.ok) << by_cwe.error_message;
  bus::Reply by_id = Call(T::kSubmitFinding, "red1",
                          {{"node", "web"},
                           {"vulnerability", "cgi-cmd-injection"},
                           {"evidence", "id"},
                           {"against", "blue2"}});
  ASSERT_TRUE(by_id.ok) << by_id.error_message;
  bus::Reply other = Call(T::kSubmitFinding, "red1",
                          {{"node", "web"},
                           {"vulnerability", "CWE-200"},
                           {"evidence", "banner"},
                           {"against", "blue1"}});
  ASSERT_TRUE(other.ok) << other.error_message;
  const int64_t planted_seq = by_cwe.body["seq"];
  const int64_t unplanted_seq = other.body["seq"];
  // Only an unplanted finding is reviewed, once; an unknown seq is refused.
  ExpectRefused(Call(T::kReviewFinding, "", {{"target_seq", planted_seq}, {"accepted", true}}),
                "rejected", "planted");
  ExpectRefused(Call(T::kReviewFinding, "", {{"target_seq", 99999}, {"accepted", true}}),
                "not_found", "99999");
  bus::Reply ok = Call(T::kReviewFinding, "",
                       {{"target_seq", unplanted_seq}, {"accepted", true}, {"severity", "low"}});
  ASSERT_TRUE(ok.ok) << ok.error_message;
  ExpectRefused(Call(T::kReviewFinding, "", {{"target_seq", unplanted_seq}, {"accepted", false}}),
                "rejected", "already");
  auto log = Stop();
  auto findings = Find(log, kinds::kSubmissionFinding);
  ASSERT_EQ(findings.size(), 3u);
  EXPECT_EQ(findings[0]->team, "red1");
  EXPECT_EQ(findings[0]->payload["validation"], "planted");
  EXPECT_EQ(findings[0]->payload["weakness"]["vulnerability"], "cgi-cmd-injection");
  EXPECT_EQ(findings[0]->payload["weakness"]["severity"], "critical");
  EXPECT_EQ(findings[1]->payload["validation"], "planted");
  EXPECT_EQ(findings[2]->payload["validation"], "unplanted");
  EXPECT_FALSE(findings[2]->payload.contains("weakness"));
  auto reviews = Find(log, kinds::kFindingReviewed);
  ASSERT_EQ(reviews.size(), 1u);
  EXPECT_EQ(reviews[0]->team, "red1");
  EXPECT_EQ(reviews[0]->payload["target_seq"], unplanted_seq);
  EXPECT_TRUE(reviews[0]->payload["accepted"].get<bool>());
  EXPECT_EQ(reviews[0]->payload["severity"], "low");
}

TEST_F(Fair, TaskResponsesAndGradesNameWhatTheyGrade) {
  using T = bus::RequestType;
  // Not fired yet for blue1; not a task; not a blue team; unknown inject.
  ExpectRefused(Call(T::kSubmitResponse, "blue1", {{"inject", "press"}, {"text", "t"}}), "rejected",
                "not been given");
  ExpectRefused(Call(T::kSubmitResponse, "blue1", {{"inject", "probe"}, {"text", "t"}}), "rejected",
                "not a white-cell task");
  ExpectRefused(Call(T::kSubmitResponse, "red1", {{"inject", "press"}, {"text", "t"}}), "rejected",
                "blue teams");
  ExpectRefused(Call(T::kSubmitResponse, "blue1", {{"inject", "nope"}, {"text", "t"}}), "not_found",
                "nope");
  ASSERT_TRUE(Call(T::kFireInject, "blue1", {{"inject", "press"}}).ok);
  // The open task shows in status with its deadline.
  bus::Reply st = Call(T::kStatus, "", {});
  ASSERT_TRUE(st.body["tasks"]["blue1"].is_array());
  ASSERT_EQ(st.body["tasks"]["blue1"].size(), 1u);
  const auto& task = st.body["tasks"]["blue1"][0];
  EXPECT_EQ(task["inject"], "press");
  EXPECT_EQ(task["due_ns"].get<int64_t>() - task["fired_ns"].get<int64_t>(),
            Duration::Minutes(20).nanos());
  EXPECT_GT(task["left_ns"].get<int64_t>(), 0);
  EXPECT_FALSE(task["responded"].get<bool>());
  EXPECT_TRUE(st.body["tasks"]["blue2"].empty());
  // At speed 1000 twenty exercise minutes are 1.2 wall seconds: warned.
  bus::Reply fast = Call(T::kSpeed, "", {{"speed", 1000}});
  ASSERT_TRUE(fast.ok) << fast.error_message;
  ASSERT_EQ(fast.body["warnings"].size(), 1u);
  EXPECT_EQ(fast.body["warnings"][0]["team"], "blue1");
  ASSERT_TRUE(Call(T::kPause, "", {}).ok);
  // Grading blue1's task before it responded: nothing to grade.
  ExpectRefused(Call(T::kGrade, "blue1", {{"rubric", "100"}, {"inject", "press"}}), "rejected",
                "has not responded");
  bus::Reply resp = Call(T::kSubmitResponse, "blue1", {{"inject", "press"}, {"text", "statement"}});
  ASSERT_TRUE(resp.ok) << resp.error_message;
  const int64_t resp_seq = resp.body["seq"];
  bus::Reply report = Call(T::kSubmitReport, "blue2",
                           {{"node", "web"}, {"technique", "T1190"}, {"description", "x"}});
  ASSERT_TRUE(report.ok) << report.error_message;
  const int64_t blue2_report = report.body["seq"];
  // Another team's submission, an unknown seq, a non-submission, no points.
  ExpectRefused(
      Call(T::kGrade, "blue1", {{"rubric", "50"}, {"points", 10}, {"target_seq", blue2_report}}),
      "rejected", "blue2's");
  ExpectRefused(Call(T::kGrade, "blue1", {{"rubric", "50"}, {"points", 10}, {"target_seq", 99999}}),
                "not_found", "not a submission");
  ExpectRefused(Call(T::kGrade, "blue1", {{"rubric", "50"}, {"points", 10}, {"target_seq", 1}}),
                "not_found", "not a submission");
  ExpectRefused(Call(T::kGrade, "blue2", {{"rubric", "50"}, {"target_seq", blue2_report}}),
                "bad_request", "'points'");
  bus::Reply g = Call(T::kGrade, "blue1", {{"rubric", "50"}, {"inject", "press"}});
  ASSERT_TRUE(g.ok) << g.error_message;
  st = Call(T::kStatus, "", {});
  EXPECT_TRUE(st.body["tasks"]["blue1"][0]["responded"].get<bool>());
  EXPECT_EQ(st.body["tasks"]["blue1"][0]["response_seq"], resp_seq);
  EXPECT_TRUE(st.body["tasks"]["blue1"][0]["graded"].get<bool>());
  auto log = Stop();
  auto responses = Find(log, kinds::kSubmissionResponse);
  ASSERT_EQ(responses.size(), 1u);
  EXPECT_EQ(responses[0]->team, "blue1");
  EXPECT_EQ(responses[0]->payload["inject"], "press");
  EXPECT_EQ(responses[0]->payload["text"], "statement");
  auto grades = Find(log, kinds::kGradeGiven);
  ASSERT_EQ(grades.size(), 1u);
  EXPECT_EQ(grades[0]->payload["target_seq"], resp_seq);
  EXPECT_EQ(grades[0]->payload["inject"], "press");
  auto speeds = Find(log, kinds::kExerciseSpeed);
  ASSERT_FALSE(speeds.empty());
  EXPECT_EQ(speeds.back()->payload["warnings"].size(), 1u);
}

// Issue #13 item 5: after a revert the node's readiness is recorded again
// when it is back, so the excuse of its failed checks ends there (not at the
// 5-minute cap) and the timeline shows when it came back.
TEST_F(Fair, ARevertedNodeIsReadyAgainWhenItIsBack) {
  ASSERT_TRUE(Call(bus::RequestType::kStatus, "", {}).ok);
  bus::Reply reverted = run.Call(bus::MakeRevertRequest("blue1", "web", "blue1", "defaced"));
  ASSERT_TRUE(reverted.ok) << reverted.error_message;
  bus::Reply ready =
      run.Call(bus::MakeRevertReadyRequest("blue1", "web", "lf-test-fair-blue1-web"));
  ASSERT_TRUE(ready.ok) << ready.error_message;
  EXPECT_GT(ready.body["seq"].get<int64_t>(), reverted.body["seq"].get<int64_t>());
  // Readiness of a node the scenario lacks, or of a team that has no copy: refused.
  ExpectRefused(run.Call(bus::MakeRevertReadyRequest("blue1", "nope", "d")), "not_found", "nope");
  ExpectRefused(run.Call(bus::MakeRevertReadyRequest("red1", "web", "d")), "bad_request",
                "blue team");
  auto log = Stop();
  auto back = EventsOfKind(log, kinds::kRangeNodeReady, "blue1");
  ASSERT_EQ(back.size(), 1u);
  EXPECT_EQ(back[0]->payload["node"], "web");
  EXPECT_EQ(back[0]->payload["domain"], "lf-test-fair-blue1-web");
  EXPECT_TRUE(ValidateEvent(*back[0]).ok());
  auto rev = EventsOfKind(log, kinds::kRangeNodeReverted, "blue1");
  ASSERT_EQ(rev.size(), 1u);
  EXPECT_LT(rev[0]->seq, back[0]->seq);
  // No audit entry of its own: readiness is the range's news, not a request.
  EXPECT_EQ(EventsOfKind(log, kinds::kControlRevert).size(), 1u);
}

}  // namespace
}  // namespace livefire::runtime
