// One engine per exercise: a second engine on a running exercise is refused
// before it touches the log or the sockets, the first goes on recording, and
// the lock goes with its holder, also when the holder is killed.
#include "livefire/runtime/engine_lock.h"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "child_process.h"
#include "livefire/bus/bus.h"
#include "livefire/runtime/exercise.h"
#include "livefire/scenario/loader.h"
#include "livefire/store/event_store.h"
#include "livefire/testing/mini_range.h"
#include "livefire/topology/plan.h"

namespace livefire::runtime {
namespace {

using testsupport::MiniRange;

namespace fs = std::filesystem;

struct TempState {
  fs::path dir = fs::temp_directory_path() / fmt::format("lf-lock-{}-{}", getpid(), ++counter);
  TempState() { fs::remove_all(dir); }
  ~TempState() { fs::remove_all(dir); }
  static inline int counter = 0;
};

TEST(EngineLock, SecondEngineIsRefusedAndTheFirstKeepsRecording) {
  TempState st;
  MiniRange mini;
  ExerciseId id("lf-test-lock");
  ExerciseOptions o = MiniRange::Options(st.dir, id);
  o.speed = 1.0;  // real time: the first engine outlives the second's attempt

  auto first = mini.Open(o);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  Status run_status;
  std::thread engine([&] { run_status = (*first)->Run(); });
  auto eps = bus::DefaultEndpoints(st.dir.string(), id);
  ASSERT_TRUE(eps.ok());
  bus::Context zctx;
  auto client = bus::ControlClient::Connect(zctx, eps->control, "test");
  ASSERT_TRUE(client.ok());
  auto call = [&](bus::RequestType type, nlohmann::json args) {
    bus::Request r;
    r.type = type;
    r.args = std::move(args);
    auto rep = (*client)->Call(r, Duration::Seconds(10));
    EXPECT_TRUE(rep.ok()) << rep.status().ToString();
    return rep.value_or(bus::Reply{});
  };
  int64_t events_before = call(bus::RequestType::kStatus, {}).body.value("events", int64_t{0});

  auto second = mini.Open(o);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(second.status().ExitCode(), 1);
  const std::string msg = second.status().message();
  EXPECT_NE(msg.find(fmt::format(
                "exercise lf-test-lock already has a running engine (pid {}, since ", getpid())),
            std::string::npos)
      << msg;
  EXPECT_NE(msg.find("stop it with `livefire stop lf-test-lock`"), std::string::npos) << msg;

  // The refused engine left the sockets alone: the first still answers and records.
  EXPECT_TRUE(fs::exists(eps->control.substr(6)));
  EXPECT_TRUE(call(bus::RequestType::kPause, {{"reason", "after the refusal"}}).ok);
  bus::Reply status = call(bus::RequestType::kStatus, {});
  EXPECT_TRUE(status.body["paused"].get<bool>());
  EXPECT_GT(status.body.value("events", int64_t{0}), events_before);

  (*first)->Shutdown();
  engine.join();
  EXPECT_TRUE(run_status.ok()) << run_status.ToString();
  first->reset();
  EXPECT_FALSE(fs::exists(eps->control.substr(6)));

  // The lock went with the engine: a new one resumes the exercise.
  auto third = mini.Open(o);
  ASSERT_TRUE(third.ok()) << third.status().ToString();
  EXPECT_TRUE((*third)->recovered());
  third->reset();
  auto store = store::EventStore::OpenExercise(st.dir.string(), id, {.read_only = true});
  ASSERT_TRUE(store.ok());
  auto verify = (*store)->Verify();
  ASSERT_TRUE(verify.ok()) << verify.status().ToString();
  EXPECT_TRUE(verify->ok) << verify->problem;
}

TEST(EngineLock, ALockOfAKilledProcessDoesNotBlock) {
  TempState st;
  ExerciseId id("lf-test-lock-kill");
  pid_t pid = ForkUntilReady([&](const std::function<void()>& ready) {
    auto lock = EngineLock::Acquire(st.dir.string(), id);
    if (!lock.ok()) _exit(3);
    ready();
    for (;;) pause();
  });
  ASSERT_GT(pid, 0);

  auto held = EngineLock::Acquire(st.dir.string(), id);
  ASSERT_FALSE(held.ok());
  EXPECT_NE(held.status().message().find(fmt::format("(pid {}, since ", pid)), std::string::npos)
      << held.status().message();

  ASSERT_TRUE(KillNine(pid));
  // The file is still there with the dead holder's pid; the lock is not.
  EXPECT_TRUE(fs::exists(EngineLock::PathFor(st.dir.string(), id)));
  auto free = EngineLock::Acquire(st.dir.string(), id);
  ASSERT_TRUE(free.ok()) << free.status().ToString();
  std::ifstream in(EngineLock::PathFor(st.dir.string(), id));
  std::string line;
  std::getline(in, line);
  EXPECT_EQ(line.rfind(fmt::format("pid {} since ", getpid()), 0), 0u) << line;
}

TEST(EngineLock, AnEngineRemovesOnlyTheSocketFilesItMade) {
  TempState st;
  MiniRange mini;
  ExerciseId id("lf-test-lock-sock");
  ExerciseOptions o = MiniRange::Options(st.dir, id);
  auto ex = mini.Open(o);
  ASSERT_TRUE(ex.ok()) << ex.status().ToString();
  auto eps = bus::DefaultEndpoints(st.dir.string(), id);
  ASSERT_TRUE(eps.ok());
  const std::string control = eps->control.substr(6), events = eps->events.substr(6);
  ASSERT_TRUE(fs::exists(control));
  // Someone else's file now sits where the control socket was.
  fs::remove(control);
  std::ofstream(control) << "not ours";
  ex->reset();
  EXPECT_TRUE(fs::exists(control)) << "another's file was removed";
  EXPECT_FALSE(fs::exists(events)) << "our own socket was left behind";
}

}  // namespace
}  // namespace livefire::runtime
