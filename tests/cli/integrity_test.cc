// The record never lies, from the command line: one engine per exercise,
// speeds inside the documented range, and an exercise folder only root can
// read (on libvirt's in-memory test driver, as provision_test.cc).

#include <gtest/gtest.h>
#include <libvirt/libvirt.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "cli.h"
#include "livefire/store/event_store.h"
#include "livefire/testing/cli_range.h"
#include "livefire/testing/cli_runner.h"
#include "test_driver_cli.h"

namespace livefire::cli {
namespace {

namespace fs = std::filesystem;

using testsupport::Outcome;

const std::string kScenario = testsupport::WebAndAttackerScenario("cli-integrity");

using testsupport::LastLine;

// Every path under dir (and dir) that group or others may read.
std::vector<std::string> ReadableByOthers(const std::string& dir) {
  std::vector<std::string> out;
  auto check = [&](const fs::path& p) {
    struct stat st {};
    if (::lstat(p.c_str(), &st) == 0 && !S_ISLNK(st.st_mode) && (st.st_mode & 044) != 0) {
      out.push_back(p.string() + " " + std::to_string(st.st_mode & 0777));
    }
  };
  check(dir);
  for (const auto& e : fs::recursive_directory_iterator(dir)) check(e.path());
  return out;
}

class IntegrityCli : public TestDriverCli {
 protected:
  IntegrityCli() : TestDriverCli(kScenario, "lf-cli-integrity") {}
  std::string Up() {
    Outcome up = Cli({"up", state_ + "/scenario", "--uri", uri_, "--no-wait"});
    EXPECT_EQ(up.code, 0) << up.out << up.err;
    return LastLine(up.out);
  }
};

TEST_F(IntegrityCli, SecondRunIsRefusedWhileTheFirstRuns) {
  const std::string id = Up();
  ASSERT_EQ(id.rfind("lf-", 0), 0u);
  Outcome first;
  std::thread engine([&] { first = Cli({"run", id, "--uri", uri_, "--quiet", "--no-checks"}); });
  // Wait until the first engine's loop answers (its Ctrl-C handler is set by then).
  bool up = false;
  for (int i = 0; i < 200 && !up; ++i) {
    up = Cli({"pause", id}).code == 0;
    if (!up) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_TRUE(up) << "the first engine never answered";

  Outcome second = Cli({"run", id, "--uri", uri_, "--quiet", "--no-checks"});
  EXPECT_EQ(second.code, 1) << second.err;
  EXPECT_NE(second.err.find("exercise " + id + " already has a running engine (pid " +
                            std::to_string(getpid()) + ", since "),
            std::string::npos)
      << second.err;
  EXPECT_NE(second.err.find("stop it with `livefire stop " + id + "`"), std::string::npos)
      << second.err;
  // The first still answers and records.
  EXPECT_EQ(Cli({"resume", id}).code, 0);
  // The store commits in batches: the event shows in the log shortly after.
  Outcome events;
  for (int i = 0; i < 100; ++i) {
    events = Cli({"events", id});
    if (events.out.find("exercise.resumed") != std::string::npos) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_EQ(events.code, 0) << events.err;
  EXPECT_NE(events.out.find("exercise.resumed"), std::string::npos) << events.out;

  // Ctrl-C of the first engine: it leaves without ending the exercise.
  ::kill(::getpid(), SIGINT);
  engine.join();
  EXPECT_EQ(first.code, 0) << first.err;
  EXPECT_NE(first.out.find("the exercise is not over"), std::string::npos) << first.out;

  // The lock went with it: a new run starts (and is stopped at once).
  Outcome third;
  std::thread again([&] { third = Cli({"run", id, "--uri", uri_, "--quiet", "--no-checks"}); });
  bool answered = false;
  for (int i = 0; i < 200 && !answered; ++i) {
    answered = Cli({"stop", id}).code == 0;
    if (!answered) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  again.join();
  EXPECT_TRUE(answered);
  EXPECT_EQ(third.code, 0) << third.err;
  EXPECT_NE(third.err.find("resumed from its event log"), std::string::npos) << third.err;
}

TEST_F(IntegrityCli, SpeedOutsideTheRangeIsAUserErrorWithAReadableNumber) {
  Outcome run = Cli({"run", "lf-20200101-000000-000000", "--speed", "-1"});
  EXPECT_EQ(run.code, 1) << run.err;
  EXPECT_NE(run.err.find("speed -1 is outside 0.01..1000"), std::string::npos) << run.err;
  EXPECT_LT(run.err.size(), 200u) << run.err;
  Outcome huge = Cli({"run", "lf-20200101-000000-000000", "--speed", "1e300"});
  EXPECT_EQ(huge.code, 1);
  EXPECT_NE(huge.err.find("speed 1e+300 is outside"), std::string::npos) << huge.err;
  // `speed` refuses before it looks for an engine.
  Outcome tiny = Cli({"speed", "lf-20200101-000000-000000", "1e-9"});
  EXPECT_EQ(tiny.code, 1);
  EXPECT_NE(tiny.err.find("speed 1e-09 is outside 0.01..1000"), std::string::npos) << tiny.err;
  Outcome nan = Cli({"speed", "lf-20200101-000000-000000", "nan"});
  EXPECT_EQ(nan.code, 1) << nan.err;
}

TEST_F(IntegrityCli, TheExerciseFolderIsReadableByRootOnly) {
  ::umask(022);  // the usual default: livefire must not rely on a strict one
  const std::string id = Up();
  ASSERT_EQ(id.rfind("lf-", 0), 0u);
  const std::string dir = state_ + "/exercises/" + id;
  EXPECT_TRUE(fs::exists(dir + "/scenario/scenario.lua"));
  EXPECT_TRUE(fs::exists(dir + "/plan.json"));
  EXPECT_EQ(ReadableByOthers(dir), std::vector<std::string>{});

  {
    auto store = store::EventStore::OpenExercise(state_, ExerciseId(id));
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    Event e;
    e.kind = "test.event";
    e.payload = {{"secret", "grade"}};
    ASSERT_TRUE((*store)->Append(e).ok());
    ASSERT_TRUE((*store)->Flush().ok());
    EXPECT_TRUE(fs::exists(dir + "/events.db-wal"));
    EXPECT_EQ(ReadableByOthers(dir), std::vector<std::string>{});
  }
  struct stat st {};
  ASSERT_EQ(::stat(dir.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0711u) << "traversable (qemu), not listable";
  ASSERT_EQ(::stat((dir + "/events.db").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);

  // A folder from before: opening it for an engine restricts it again.
  fs::permissions(dir + "/events.db", fs::perms(0644));
  fs::permissions(dir + "/scenario/scenario.lua", fs::perms(0644));
  fs::permissions(dir + "/scenario", fs::perms(0755));
  ASSERT_FALSE(ReadableByOthers(dir).empty());
  {
    auto store = store::EventStore::OpenExercise(state_, ExerciseId(id));
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    EXPECT_EQ(ReadableByOthers(dir), std::vector<std::string>{});
  }
  EXPECT_EQ(Cli({"down", id, "--uri", uri_}).code, 0);
}

}  // namespace
}  // namespace livefire::cli
