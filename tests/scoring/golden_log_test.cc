// Golden event log of the reference scenario: scenarios/provincial-portal in
// fast mode with the guest agent answered by a scripted double (see
// report_fixture.h). Any change to the runtime, the injects, the triggers or
// the scoring shows up as a diff of tests/scoring/data/provincial-portal.events;
// regenerate with LIVEFIRE_UPDATE_GOLDEN=1 and review the diff.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "livefire/store/event_store.h"
#include "report_fixture.h"

namespace livefire::scoring {
namespace {

std::string RenderLog(const std::string& state_dir, const ExerciseId& id) {
  auto st = store::EventStore::OpenExercise(state_dir, id, {.read_only = true});
  EXPECT_TRUE(st.ok());
  auto events = (*st)->Read({});
  EXPECT_TRUE(events.ok());
  std::string out;
  const std::string src = std::string(LIVEFIRE_SOURCE_DIR) + "/";
  for (const Event& e : *events) {
    // Wall time and hashes differ from run to run; the rest may not.
    std::string line = fmt::format("{} {} {} {}\n", FormatClock(e.time),
                                   e.team.empty() ? "-" : e.team, e.kind,
                                   CanonicalPayload(e.payload));
    for (size_t at; (at = line.find(src)) != std::string::npos;) line.replace(at, src.size(), "");
    out += line;
  }
  return out;
}

TEST(GoldenLog, ProvincialPortalFastModeMatches) {
  testing_report::TempDir a, b;
  ExerciseId id("lf-golden-portal");
  ASSERT_TRUE(testing_report::RecordPortalExercise(a.path.string(), id).ok());
  ASSERT_TRUE(testing_report::RecordPortalExercise(b.path.string(), id).ok());
  std::string first = RenderLog(a.path.string(), id);
  EXPECT_EQ(first, RenderLog(b.path.string(), id)) << "two runs of the same inputs differ";
  const std::string golden = std::string(LIVEFIRE_SOURCE_DIR) +
                             "/tests/scoring/data/provincial-portal.events";
  if (const char* u = std::getenv("LIVEFIRE_UPDATE_GOLDEN"); u && std::string(u) == "1") {
    std::ofstream(golden) << first;
  }
  std::ifstream in(golden);
  ASSERT_TRUE(in.good()) << "missing " << golden << " (run with LIVEFIRE_UPDATE_GOLDEN=1)";
  std::stringstream want;
  want << in.rdbuf();
  EXPECT_EQ(first, want.str()) << "the reference event log changed; if intended, regenerate "
                               << golden << " with LIVEFIRE_UPDATE_GOLDEN=1 and review the diff";
}

}  // namespace
}  // namespace livefire::scoring
