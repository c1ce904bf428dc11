#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "cli.h"
#include "livefire/store/event_store.h"
#include "livefire/testing/cli_runner.h"
#include "livefire/testing/temp_dir.h"

namespace livefire::cli {
namespace {

namespace fs = std::filesystem;

using testsupport::Outcome;
using testsupport::RunArgs;

class VerifyCommand : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = store::EventStore::OpenExercise(dir_, id_);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    for (int i = 0; i < 5; ++i) {
      Event e;
      e.time = SimTime::FromNanos(i);
      e.kind = "clock.checkpoint";
      e.payload = {{"speed", 1}, {"paused", false}};
      auto r = (*s)->Append(e);
      ASSERT_TRUE(r.ok());
      head_ = r->hash;
    }
  }

  std::string db() const { return store::EventStore::PathFor(dir_, id_); }

  testsupport::TempDir tmp_{"lf-verify"};
  std::string dir_ = tmp_.str();
  ExerciseId id_{"lf-20261121-093000-3fa2c1"};
  std::string head_;
};

TEST_F(VerifyCommand, IntactLogPrintsCountAndHead) {
  Outcome o = RunArgs({"--state-dir", dir_, "verify", id_.str()});
  EXPECT_EQ(o.code, 0) << o.err;
  EXPECT_EQ(o.out, "ok 5 events, head " + head_ + "\n");
  o = RunArgs({"--state-dir", dir_, "verify", "--json", id_.str()});
  EXPECT_EQ(o.code, 0);
  EXPECT_NE(o.out.find("\"count\": 5"), std::string::npos) << o.out;
}

TEST_F(VerifyCommand, TamperedLogNamesTheRowAndExitsOne) {
  sqlite3* h = nullptr;
  ASSERT_EQ(sqlite3_open(db().c_str(), &h), SQLITE_OK);
  ASSERT_EQ(
      sqlite3_exec(h, "UPDATE events SET time_ns = 99 WHERE seq = 3", nullptr, nullptr, nullptr),
      SQLITE_OK);
  sqlite3_close(h);
  Outcome o = RunArgs({"--state-dir", dir_, "verify", id_.str()});
  EXPECT_EQ(o.code, 1);
  EXPECT_NE(o.out.find("BROKEN at seq 3"), std::string::npos) << o.out;
  EXPECT_NE(o.err.find("seq 3"), std::string::npos) << o.err;
}

TEST_F(VerifyCommand, UnknownExerciseExitsOne) {
  Outcome o = RunArgs({"--state-dir", dir_, "verify", "lf-20200101-000000-000000"});
  EXPECT_EQ(o.code, 1);
  EXPECT_NE(o.err.find("no exercise"), std::string::npos) << o.err;
  o = RunArgs({"--state-dir", dir_, "verify", "Bad Id"});
  EXPECT_EQ(o.code, 1);
}

TEST_F(VerifyCommand, UnreadableDatabaseExitsTwo) {
  fs::remove(db() + "-wal");
  fs::remove(db() + "-shm");
  std::ofstream(db(), std::ios::trunc) << "this is not an SQLite database, it is junk text";
  Outcome o = RunArgs({"--state-dir", dir_, "verify", id_.str()});
  EXPECT_EQ(o.code, 2) << o.out << o.err;
}

}  // namespace
}  // namespace livefire::cli
