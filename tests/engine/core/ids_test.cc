#include "livefire/ids.h"

#include <gtest/gtest.h>

#include <unordered_set>

namespace livefire {
namespace {

TEST(Ids, ExerciseIdSortsByStartTimeAndIsValid) {
  ExerciseId a = MakeExerciseId(1'795'000'000, 1);
  ExerciseId b = MakeExerciseId(1'795'000'060, 1);
  EXPECT_LT(a.str(), b.str());
  EXPECT_TRUE(ParseExerciseId(a.str()).ok());
  EXPECT_EQ(a.str().rfind("lf-2026", 0), 0u) << a.str();
}

TEST(Ids, SameSecondDifferentSeedsDiffer) {
  EXPECT_NE(MakeExerciseId(1'795'000'000, 1), MakeExerciseId(1'795'000'000, 2));
  EXPECT_EQ(MakeExerciseId(1'795'000'000, 7), MakeExerciseId(1'795'000'000, 7));
}

TEST(Ids, CheckNameNamesTheProblem) {
  EXPECT_TRUE(CheckName("node", "web-01").ok());
  EXPECT_NE(CheckName("node", "Web").message().find("must start"), std::string::npos);
  EXPECT_NE(CheckName("node", "a_b").message().find("found '_'"), std::string::npos);
  EXPECT_NE(CheckName("team", "").message().find("team name is empty"), std::string::npos);
  EXPECT_FALSE(CheckName("node", std::string(40, 'a')).ok());
  EXPECT_FALSE(ParseExerciseId("../etc").ok());
}

TEST(Ids, StrongIdsHashAndCompare) {
  std::unordered_set<TeamId> teams{TeamId("blue1"), TeamId("blue2"), TeamId("blue1")};
  EXPECT_EQ(teams.size(), 2u);
  EXPECT_EQ(TeamId("x"), TeamId("x"));
}

}  // namespace
}  // namespace livefire
