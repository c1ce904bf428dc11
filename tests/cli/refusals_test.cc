// Issue #13 "nothing acknowledged and ignored", from the command line: what
// the engine refuses, `livefire grade` and `livefire submit` report with the
// reason and exit 1 (the user's request is at fault), and what the CLI can
// see is wrong it refuses before asking. A running mini exercise in-process.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "livefire/testing/cli_runner.h"
#include "livefire/testing/mini_range.h"
#include "livefire/testing/temp_dir.h"

namespace livefire::cli {
namespace {

using testsupport::Outcome;

class CliRefusals : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(run_.Start(tmp_.path(), id_, "test-white-cell")); }
  void TearDown() override {
    if (run_.ex) (void)run_.StopAndReadLog(tmp_.path(), id_);
  }

  Outcome Cli(std::vector<std::string> args) {
    args.insert(args.begin() + 1, id_.str());  // the subcommand, then the exercise
    return testsupport::RunInState(tmp_.str(), std::move(args));
  }
  // A command the engine must accept; returns the seq it stored.
  int64_t Stored(std::vector<std::string> args) {
    Outcome o = Cli(std::move(args));
    EXPECT_EQ(o.code, 0) << o.out << o.err;
    auto at = o.out.find("stored as event ");
    if (at == std::string::npos) {
      ADD_FAILURE() << o.out;
      return 0;
    }
    return std::stoll(o.out.substr(at + 16));
  }
  // Exit 1 with the message on stderr, and nothing on stdout that could be
  // taken for an acknowledgement.
  void ExpectRefused(std::vector<std::string> args, const std::string& mentions) {
    Outcome o = Cli(args);
    EXPECT_EQ(o.code, 1) << o.out << o.err;
    EXPECT_NE(o.err.find(mentions), std::string::npos) << o.err;
    EXPECT_EQ(o.out.find("stored"), std::string::npos) << o.out;
  }

  testsupport::TempDir tmp_{"lf-cli-refusals"};
  ExerciseId id_{"lf-test-cli-refusals"};
  testsupport::RunningMini run_;
};

TEST_F(CliRefusals, GradesThatCannotCountAreRefusedWithTheReason) {
  const int64_t blue2 = Stored({"submit", "--team", "blue2", "--kind", "report", "--node", "web",
                                "--technique", "T1190", "--description", "seen"});
  ASSERT_GT(blue2, 0);
  const std::string seq = std::to_string(blue2);
  // Another team's submission: the engine refuses and names whose it is.
  ExpectRefused({"grade", "--team", "blue1", "--rubric", "50", "--points", "10", "--seq", seq},
                "engine refused (rejected): submission " + seq + " is blue2's, not blue1's");
  ExpectRefused({"grade", "--team", "blue1", "--rubric", "50", "--points", "10", "--seq", "99999"},
                "engine refused (not_found): event 99999 is not a submission");
  // Refused by the CLI before it asks: negative points, nothing named.
  ExpectRefused({"grade", "--team", "blue2", "--rubric", "50", "--points", "-1000", "--seq", seq},
                "--points must be >= 0");
  ExpectRefused({"grade", "--team", "blue2", "--rubric", "50", "--points", "10"},
                "grade names what it grades");
  // A task nobody answered, and a task that does not exist.
  ExpectRefused({"grade", "--team", "blue1", "--rubric", "100", "--inject", "press"},
                "has not responded to task 'press'");
  ExpectRefused({"grade", "--team", "blue1", "--rubric", "100", "--inject", "nope"},
                "no white-cell task named 'nope'");
  // The same grade of blue2's own report counts.
  EXPECT_GT(Stored({"grade", "--team", "blue2", "--rubric", "50", "--points", "10", "--seq", seq}),
            blue2);
}

TEST_F(CliRefusals, FlagsAndFindingsComeFromRedAgainstABlueTeam) {
  ExpectRefused({"submit", "--team", "blue1", "--kind", "flag", "--flag", "FLAG{mini-web}",
                 "--against", "blue2"},
                "flags come from red teams; 'blue1' is not one");
  ExpectRefused({"submit", "--team", "white", "--kind", "flag", "--flag", "FLAG{mini-web}",
                 "--against", "blue2"},
                "'white' is not one");
  ExpectRefused(
      {"submit", "--team", "red1", "--kind", "flag", "--flag", "x", "--against", "white"},
      "'against' must be a blue team of this exercise (blue1, blue2); 'white' is not one");
  ExpectRefused({"submit", "--team", "red1", "--kind", "finding", "--node", "web",
                 "--vulnerability", "CWE-78", "--evidence", "id", "--against", "red1"},
                "'red1' is not one");
  ExpectRefused({"submit", "--team", "blue1", "--kind", "finding", "--node", "web",
                 "--vulnerability", "CWE-78", "--evidence", "id", "--against", "blue1"},
                "findings come from red teams");
  // Two blue teams: the copy must be named.
  ExpectRefused({"submit", "--team", "red1", "--kind", "finding", "--node", "web",
                 "--vulnerability", "CWE-78", "--evidence", "id"},
                "'against' is required");
  EXPECT_GT(Stored({"submit", "--team", "red1", "--kind", "finding", "--node", "web",
                    "--vulnerability", "CWE-78", "--evidence", "id", "--against", "blue1"}),
            0);
  auto log = run_.StopAndReadLog(tmp_.path(), id_);
  // Only the accepted finding was recorded, and no team appeared from nowhere.
  EXPECT_EQ(testsupport::EventsOfKind(log, kinds::kSubmissionFinding).size(), 1u);
  EXPECT_TRUE(testsupport::EventsOfKind(log, kinds::kSubmissionFlag).empty());
  for (const Event& e : log) {
    EXPECT_TRUE(e.team.empty() || e.team == "blue1" || e.team == "blue2" || e.team == "red1")
        << e.kind << " for " << e.team;
  }
}

TEST_F(CliRefusals, MessagesGoToTeamsThatPlayAndAreStoredPerTeam) {
  EXPECT_GT(Stored({"message", "--to", "all", "Lunch at 12:00; the clock keeps running"}), 0);
  ExpectRefused({"message", "--to", "blue3", "hello"},
                "engine refused (rejected): message: no team 'blue3' plays in this exercise");
  ExpectRefused({"message", "--to", "blue1", ""}, "message: field 'text' is empty");
  auto log = run_.StopAndReadLog(tmp_.path(), id_);
  std::vector<std::string> to;
  for (const Event* e : testsupport::EventsOfKind(log, kinds::kMessageSent)) to.push_back(e->team);
  EXPECT_EQ(to, (std::vector<std::string>{"blue1", "blue2", "red1"}));
  ASSERT_EQ(testsupport::EventsOfKind(log, kinds::kControlMessage).size(), 1u);
  EXPECT_EQ(testsupport::EventsOfKind(log, kinds::kControlMessage)[0]->payload.value("client", ""),
            "livefire-cli");
}

}  // namespace
}  // namespace livefire::cli
