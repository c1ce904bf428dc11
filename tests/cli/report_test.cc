// `livefire report`: writes the after-action report of a recorded exercise
// (the provincial-portal fast run of tests/scoring/report_fixture.h).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "../scoring/report_fixture.h"
#include "exercise_files.h"
#include "livefire/testing/cli_runner.h"
#include "livefire/testing/files.h"
#include "livefire/testing/temp_dir.h"

namespace livefire::cli {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

using testsupport::Outcome;

const ExerciseId kId("lf-20261121-093000-3fa2c1");

class ReportCommand : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new testsupport::TempDir();
    Status s = testing_report::RecordPortalExercise(dir_->str(), kId);
    ASSERT_TRUE(s.ok()) << s.ToString();
  }
  static void TearDownTestSuite() { delete dir_; }

  static std::string State() { return dir_->str(); }
  static std::string ExerciseDir() { return State() + "/exercises/" + kId.str(); }

  Outcome Run(std::vector<std::string> args) { return testsupport::RunInState(State(), args); }
  static std::string Slurp(const std::string& path) { return testsupport::ReadFile(path); }

  static inline testsupport::TempDir* dir_ = nullptr;
};

TEST_F(ReportCommand, WithoutOptionsWritesBothNextToTheLog) {
  Outcome o = Run({"report", kId.str()});
  ASSERT_EQ(o.code, 0) << o.err;
  const std::string html = ExerciseDir() + "/report.html", js = ExerciseDir() + "/report.json";
  EXPECT_EQ(o.out, html + "\n" + js + "\n");
  json doc = json::parse(Slurp(js));
  EXPECT_EQ(doc["exercise"]["id"], kId.str());
  EXPECT_EQ(doc["exercise"]["organisation"], "Sở Thông tin và Truyền thông tỉnh Hòa Bình Xanh");
  EXPECT_TRUE(doc["log"]["chain_ok"].get<bool>());
  // The head hash ties the report to the log that `verify` checks.
  Outcome v = Run({"verify", kId.str()});
  EXPECT_NE(v.out.find(doc["log"]["head_hash"].get<std::string>().substr(0, 16)), std::string::npos)
      << v.out << v.err;
  // Same numbers as `status`.
  Outcome st = Run({"status", kId.str(), "--json"});
  ASSERT_EQ(st.code, 0) << st.err;
  json status = json::parse(st.out);
  for (const auto& t : doc["blue"]) {
    bool found = false;
    for (const auto& row : status["scoreboard"]["blue"]) {
      if (row["team"] != t["team"]) continue;
      found = true;
      EXPECT_DOUBLE_EQ(row["total"].get<double>(), t["total"].get<double>());
      EXPECT_EQ(row["rank"], t["rank"]);
    }
    EXPECT_TRUE(found) << t["team"];
  }
  std::string page = Slurp(html);
  EXPECT_NE(page.find("<html lang=\"vi\">"), std::string::npos);
  EXPECT_EQ(page.find("http://"), std::string::npos);
  EXPECT_EQ(page.find("https://"), std::string::npos);
}

TEST_F(ReportCommand, WritesOnlyWhatIsAskedWhereAsked) {
  const std::string js = State() + "/only.json";
  Outcome o = Run({"report", kId.str(), "--json", js});
  ASSERT_EQ(o.code, 0) << o.err;
  EXPECT_EQ(o.out, js + "\n");
  EXPECT_TRUE(fs::exists(js));
  EXPECT_FALSE(fs::exists(State() + "/only.html"));
  const std::string html = State() + "/only.html";
  Outcome h = Run({"report", kId.str(), "--html", html});
  ASSERT_EQ(h.code, 0) << h.err;
  EXPECT_EQ(h.out, html + "\n");
  EXPECT_NE(Slurp(html).find("Diễn tập thực chiến"), std::string::npos);
}

TEST_F(ReportCommand, ScenarioCopyAddsDisplayNames) {
  // Without the scenario copy: team names only, and a note says why.
  Outcome bare = Run({"report", kId.str(), "--html", State() + "/bare.html"});
  ASSERT_EQ(bare.code, 0) << bare.err;
  EXPECT_NE(bare.err.find("note: without the scenario copy"), std::string::npos) << bare.err;
  EXPECT_EQ(Slurp(State() + "/bare.html").find("Đội ứng cứu sự cố tỉnh Sơn Lâm"),
            std::string::npos);

  std::ostringstream out, err;
  Context ctx{out, err};
  ctx.state_dir = State();
  ASSERT_TRUE(
      SaveExerciseFiles(ctx, kId, testing_report::PortalScenarioDir(), "qemu:///session", 0).ok());
  Outcome full = Run({"report", kId.str(), "--html", State() + "/full.html"});
  ASSERT_EQ(full.code, 0) << full.err;
  EXPECT_EQ(full.err.find("note: without the scenario copy"), std::string::npos) << full.err;
  std::string page = Slurp(State() + "/full.html");
  EXPECT_NE(page.find("Đội ứng cứu sự cố tỉnh Sơn Lâm"), std::string::npos);
  EXPECT_NE(page.find("Command injection in ping.cgi: read the root flag"), std::string::npos);
}

TEST_F(ReportCommand, UnknownExerciseOrUnwritablePathIsAUserError) {
  Outcome o = Run({"report", "lf-20261121-093000-000000"});
  EXPECT_EQ(o.code, 1);
  EXPECT_NE(o.err.find("no exercise"), std::string::npos) << o.err;
  Outcome w = Run({"report", kId.str(), "--html", State() + "/no/such/dir/r.html"});
  EXPECT_EQ(w.code, 1);
  EXPECT_NE(w.err.find("no/such/dir/r.html"), std::string::npos) << w.err;
}

}  // namespace
}  // namespace livefire::cli
