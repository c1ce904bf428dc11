// kill -9 under load: the livefire binary runs an exercise (on libvirt's test
// driver, no guests, no checks) while 4 submitters file incident reports over
// the control socket; the engine is killed with SIGKILL three times and
// restarted. Every acknowledged submission must be stored exactly once, no
// report twice, and `verify` must pass. The counts are printed for the CI log.

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "livefire/bus/bus.h"
#include "livefire/bus/protocol.h"
#include "livefire/store/event_store.h"
#include "livefire/testing/cli_range.h"
#include "livefire/testing/cli_runner.h"
#include "livefire/testing/scenario_files.h"
#include "livefire/testing/temp_dir.h"

namespace livefire::cli {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

constexpr const char* kScenario = R"(
scenario { name = "kill-nine", title = "kill -9 under load", duration = "2h", seed = 3,
           address_pool = "10.96.0.0/12", default_policy = "deny" }
team "white" { role = "white" }
team "red1" { role = "red" }
team "blue1" { role = "blue" }
network "dmz" { cidr = "10.10.1.0/24", zone = "per_team" }
node "web" { template = "micro", iface { network = "dmz", address = "10.10.1.10" } }
)";

using testsupport::LastLine;

// The engine: `livefire run ID` in its own process.
pid_t StartEngine(const std::string& state, const std::string& id, int round) {
  const std::string bin = std::string(LIVEFIRE_BINARY_DIR) + "/engine/cli/livefire";
  const std::string log = state + "/engine-" + std::to_string(round) + ".log";
  pid_t pid = fork();
  if (pid == 0) {
    FILE* f = std::freopen(log.c_str(), "w", stdout);
    if (f) (void)!dup2(fileno(stdout), STDERR_FILENO);
    execl(bin.c_str(), bin.c_str(), "--state-dir", state.c_str(), "run", id.c_str(), "--speed", "1",
          "--no-checks", "--quiet", "--uri", "test:///default", static_cast<char*>(nullptr));
    _exit(127);
  }
  return pid;
}

// Waits until the engine answers a status request (bounded).
bool WaitForEngine(bus::Context& ctx, const std::string& endpoint) {
  for (int i = 0; i < 200; ++i) {
    auto c = bus::ControlClient::Connect(ctx, endpoint, "killnine-probe");
    if (c.ok()) {
      auto r = (*c)->Call(bus::MakeStatusRequest(), Duration::Millis(300));
      if (r.ok() && r->ok) return true;
    }
    std::this_thread::sleep_for(50ms);
  }
  return false;
}

TEST(KillNine, EveryAcknowledgedSubmissionIsStoredExactlyOnce) {
  testsupport::TempDir tmp{"lf-killnine"};
  const std::string state = tmp.str();
  testsupport::FakeBuiltMicroTemplate(state);
  testsupport::WriteScenario(state + "/scenario", kScenario);
  auto up = testsupport::RunInState(
      state, {"up", state + "/scenario", "--uri", "test:///default", "--no-wait"});
  ASSERT_EQ(up.code, 0) << up.out << up.err;
  const std::string id = LastLine(up.out);
  auto eps = bus::DefaultEndpoints(state, ExerciseId(id));
  ASSERT_TRUE(eps.ok()) << eps.status().ToString();

  bus::Context ctx;
  pid_t engine = StartEngine(state, id, 0);
  ASSERT_GT(engine, 0);
  ASSERT_TRUE(WaitForEngine(ctx, eps->control)) << "the engine never answered";

  // Submitters: one report at a time, each with a unique description; an
  // unanswered one is not retried (it may or may not be stored).
  std::atomic<bool> quit{false};
  std::mutex mu;
  std::set<std::string> acked;
  int unanswered = 0;
  std::vector<std::thread> submitters;
  for (int s = 0; s < 4; ++s) {
    submitters.emplace_back([&, s] {
      std::unique_ptr<bus::ControlClient> client;
      for (int n = 0; !quit.load(); ++n) {
        if (!client) {
          auto c = bus::ControlClient::Connect(ctx, eps->control, "submitter" + std::to_string(s));
          if (!c.ok()) {
            std::this_thread::sleep_for(20ms);
            continue;
          }
          client = std::move(c).value();
        }
        const std::string what = "s" + std::to_string(s) + "-" + std::to_string(n);
        bus::ReportFields f{"web", "T1190", "", what};
        auto r = client->Call(bus::MakeSubmitReportRequest("blue1", f), Duration::Millis(1500));
        std::lock_guard lock(mu);
        if (r.ok() && r->ok) {
          acked.insert(what);
        } else {
          ++unanswered;
          client.reset();  // a fresh connection: no late reply of this one
        }
      }
    });
  }

  for (int round = 1; round <= 3; ++round) {
    std::this_thread::sleep_for(2500ms);
    ASSERT_EQ(kill(engine, SIGKILL), 0);
    int st = 0;
    ASSERT_EQ(waitpid(engine, &st, 0), engine);
    ASSERT_TRUE(WIFSIGNALED(st));
    std::this_thread::sleep_for(300ms);  // submitters see the engine gone
    engine = StartEngine(state, id, round);
    ASSERT_GT(engine, 0);
    ASSERT_TRUE(WaitForEngine(ctx, eps->control)) << "restart " << round;
  }
  std::this_thread::sleep_for(2000ms);
  quit.store(true);
  for (auto& t : submitters) t.join();
  // A clean stop of the last engine (SIGTERM leaves the exercise resumable).
  ASSERT_EQ(kill(engine, SIGTERM), 0);
  int st = 0;
  ASSERT_EQ(waitpid(engine, &st, 0), engine);
  EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0) << st;

  auto store = store::EventStore::OpenExercise(state, ExerciseId(id), {.read_only = true});
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  auto log = (*store)->Read({});
  ASSERT_TRUE(log.ok());
  std::map<std::string, int> stored;
  for (const Event& e : *log) {
    if (e.kind == kinds::kSubmissionReport) ++stored[e.payload.value("description", "")];
  }
  int duplicates = 0, lost = 0;
  for (const auto& [what, n] : stored) duplicates += n > 1 ? n - 1 : 0;
  for (const auto& what : acked) lost += stored.count(what) ? 0 : 1;
  std::cout << "kill -9 x3: acknowledged " << acked.size() << ", stored " << stored.size()
            << " distinct, duplicates " << duplicates << ", acknowledged but lost " << lost
            << ", unanswered " << unanswered << "\n";
  EXPECT_GT(acked.size(), 20u) << "too little load to prove anything";
  EXPECT_EQ(duplicates, 0);
  EXPECT_EQ(lost, 0);
  for (const auto& what : acked) EXPECT_EQ(stored[what], 1) << what;

  store->reset();
  auto verify = testsupport::RunInState(state, {"verify", id});
  EXPECT_EQ(verify.code, 0) << verify.out << verify.err;
}

}  // namespace
}  // namespace livefire::cli
