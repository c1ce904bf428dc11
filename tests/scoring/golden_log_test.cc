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
#include "livefire/testing/event_log.h"
#include "livefire/testing/files.h"
#include "livefire/testing/temp_dir.h"
#include "report_fixture.h"

namespace livefire::scoring {
namespace {

std::string RenderLog(const std::string& state_dir, const ExerciseId& id) {
  auto st = store::EventStore::OpenExercise(state_dir, id, {.read_only = true});
  EXPECT_TRUE(st.ok());
  auto events = (*st)->Read({});
  EXPECT_TRUE(events.ok());
  return testsupport::RenderGoldenLog(*events);
}

TEST(GoldenLog, ProvincialPortalFastModeMatches) {
  testsupport::TempDir a, b;
  ExerciseId id("lf-golden-portal");
  ASSERT_TRUE(testing_report::RecordPortalExercise(a.str(), id).ok());
  ASSERT_TRUE(testing_report::RecordPortalExercise(b.str(), id).ok());
  std::string first = RenderLog(a.str(), id);
  EXPECT_EQ(first, RenderLog(b.str(), id)) << "two runs of the same inputs differ";
  testsupport::ExpectMatchesGolden(
      first, std::string(LIVEFIRE_SOURCE_DIR) + "/tests/scoring/data/provincial-portal.events",
      "the reference event log");
}

}  // namespace
}  // namespace livefire::scoring
