#include "livefire/store/event_store.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <set>
#include <thread>

#include "livefire/testing/temp_dir.h"

namespace livefire::store {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

using testsupport::TempDir;

Event MakeEvent(int i, std::string team = "blue1") {
  Event e;
  e.time = SimTime::FromNanos(int64_t{1'000'000} * i);
  e.wall_ns = 1'700'000'000'000'000'000 + i;
  e.team = std::move(team);
  e.kind = std::string(kinds::kCheckResult);
  e.payload = {{"service", "web"}, {"node", "portal"},        {"status", i % 3 ? "up" : "down"},
               {"latency_ms", i},  {"detail", "Dịch vụ web"}, {"n", i}};
  return e;
}

std::unique_ptr<EventStore> MustOpen(const std::string& path, StoreOptions o = {}) {
  auto s = EventStore::Open(path, o);
  EXPECT_TRUE(s.ok()) << s.status().ToString();
  return s.ok() ? std::move(s).value() : nullptr;
}

// Runs one SQL statement on the database behind the store's back.
void Tamper(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  char* err = nullptr;
  int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err);
  std::string msg = err ? err : "";
  sqlite3_free(err);
  sqlite3_close(db);
  ASSERT_EQ(rc, SQLITE_OK) << msg;
}

int64_t CountRowsOutside(const std::string& path, int64_t seq) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) return -1;
  sqlite3_stmt* st = nullptr;
  sqlite3_prepare_v2(db, "SELECT count(*) FROM events WHERE seq = ?", -1, &st, nullptr);
  sqlite3_bind_int64(st, 1, seq);
  int64_t n = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
  sqlite3_finalize(st);
  sqlite3_close(db);
  return n;
}

TEST(EventStore, AppendAssignsGapFreeSeqAndChainsHashes) {
  TempDir dir;
  auto store = MustOpen(dir.file("events.db"));
  for (int i = 0; i < 5; ++i) {
    auto e = store->Append(MakeEvent(i));
    ASSERT_TRUE(e.ok()) << e.status().ToString();
    EXPECT_EQ(e->seq, i + 1);
    EXPECT_EQ(e->hash.size(), 64u);
  }
  ASSERT_TRUE(store->Flush().ok());
  auto events = store->Read({});
  ASSERT_TRUE(events.ok());
  ASSERT_EQ(events->size(), 5u);
  std::string prev;
  for (const Event& e : *events) {
    EXPECT_EQ(e.hash, ChainHash(prev, CanonicalJson(e, false))) << e.seq;
    prev = e.hash;
  }
  EXPECT_EQ((*events)[2].payload["detail"], "Dịch vụ web");
  EXPECT_EQ(store->head().seq, 5);
  EXPECT_EQ(store->head().hash, prev);
}

TEST(EventStore, ReopenContinuesTheChain) {
  TempDir dir;
  std::string path = dir.file("events.db");
  {
    auto store = MustOpen(path);
    for (int i = 0; i < 3; ++i) ASSERT_TRUE(store->Append(MakeEvent(i)).ok());
  }  // destructor commits
  auto store = MustOpen(path);
  auto latest = store->Latest();
  ASSERT_TRUE(latest.ok());
  EXPECT_EQ(latest->seq, 3);
  EXPECT_EQ(latest->time, SimTime::FromNanos(2'000'000));
  auto e = store->AppendAndWait(MakeEvent(3));
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->seq, 4);
  auto v = store->Verify();
  ASSERT_TRUE(v.ok());
  EXPECT_TRUE(v->ok) << v->problem;
  EXPECT_EQ(v->count, 4);
  EXPECT_EQ(v->head_hash, e->hash);
}

TEST(EventStore, VerifyDetectsAModifiedPayload) {
  TempDir dir;
  std::string path = dir.file("events.db");
  {
    auto store = MustOpen(path);
    for (int i = 0; i < 10; ++i) ASSERT_TRUE(store->Append(MakeEvent(i)).ok());
  }
  // Same JSON meaning, different bytes: still caught.
  Tamper(path,
         "UPDATE events SET payload = replace(payload, '\"status\":\"down\"', "
         "'\"status\":\"up\"') WHERE seq = 7");
  auto store = MustOpen(path, {.read_only = true});
  auto v = store->Verify();
  ASSERT_TRUE(v.ok());
  EXPECT_FALSE(v->ok);
  EXPECT_EQ(v->broken_seq, 7);
  EXPECT_EQ(v->count, 6);
  EXPECT_NE(v->problem.find("hash mismatch"), std::string::npos) << v->problem;
}

TEST(EventStore, VerifyDetectsADeletedRow) {
  TempDir dir;
  std::string path = dir.file("events.db");
  {
    auto store = MustOpen(path);
    for (int i = 0; i < 10; ++i) ASSERT_TRUE(store->Append(MakeEvent(i)).ok());
  }
  Tamper(path, "DELETE FROM events WHERE seq = 4");
  auto v = MustOpen(path, {.read_only = true})->Verify();
  ASSERT_TRUE(v.ok());
  EXPECT_FALSE(v->ok);
  EXPECT_EQ(v->broken_seq, 4);
  EXPECT_NE(v->problem.find("missing"), std::string::npos) << v->problem;
}

TEST(EventStore, VerifyDetectsARenumberedDeletion) {
  TempDir dir;
  std::string path = dir.file("events.db");
  {
    auto store = MustOpen(path);
    for (int i = 0; i < 6; ++i) ASSERT_TRUE(store->Append(MakeEvent(i)).ok());
  }
  // Hide the gap: delete 3 and shift the later rows down.
  Tamper(path, "DELETE FROM events WHERE seq = 3; UPDATE events SET seq = seq - 1 WHERE seq > 3");
  auto v = MustOpen(path, {.read_only = true})->Verify();
  ASSERT_TRUE(v.ok());
  EXPECT_FALSE(v->ok);
  EXPECT_EQ(v->broken_seq, 3);
}

TEST(EventStore, DurableCallbackRunsOnlyAfterCommit) {
  TempDir dir;
  std::string path = dir.file("events.db");
  // A long delay: only the durable path's flush or a full batch commits early.
  auto store = MustOpen(path, {.max_batch_delay = Duration::Millis(20)});
  std::atomic<int> acked{0};
  std::atomic<int> visible{0};
  for (int i = 0; i < 20; ++i) {
    store->AppendDurable(MakeEvent(i), [&](const Status& s, const Event& e) {
      ASSERT_TRUE(s.ok()) << s.ToString();
      // Another connection already sees the row: it is committed.
      if (CountRowsOutside(path, e.seq) == 1) ++visible;
      ++acked;
    });
  }
  ASSERT_TRUE(store->Flush().ok());
  EXPECT_EQ(acked.load(), 20);
  EXPECT_EQ(visible.load(), 20);
}

TEST(EventStore, AppendAndWaitIsDurableOnReturn) {
  TempDir dir;
  std::string path = dir.file("events.db");
  auto store = MustOpen(path, {.max_batch_delay = Duration::Seconds(30)});
  auto start = std::chrono::steady_clock::now();
  auto e = store->AppendAndWait(MakeEvent(1));
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(CountRowsOutside(path, e->seq), 1);
  // It did not wait out the 30 s batch delay (10 s: generous under ASan on busy cores).
  EXPECT_LT(std::chrono::steady_clock::now() - start, 10s);
}

TEST(EventStore, BatchesCommitOnRowCountAndOnDelay) {
  TempDir dir;
  std::string path = dir.file("events.db");
  {
    auto store = MustOpen(path, {.max_batch_delay = Duration::Seconds(30), .max_batch_rows = 10});
    for (int i = 0; i < 25; ++i) ASSERT_TRUE(store->Append(MakeEvent(i)).ok());
    // Two full batches commit at once; the last 5 wait for the delay.
    auto deadline = std::chrono::steady_clock::now() + 10s;
    while (store->Latest()->seq < 20 && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(1ms);
    }
    EXPECT_EQ(store->Latest()->seq, 20);
    // The last 5 are still pending: 5 more make a full batch, which commits at
    // once (had the 5 been committed early, the new 5 would wait the 30 s).
    for (int i = 25; i < 30; ++i) ASSERT_TRUE(store->Append(MakeEvent(i)).ok());
    deadline = std::chrono::steady_clock::now() + 10s;
    while (store->Latest()->seq < 30 && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(1ms);
    }
    EXPECT_EQ(store->Latest()->seq, 30);
    ASSERT_TRUE(store->Append(MakeEvent(30)).ok());
    ASSERT_TRUE(store->Flush().ok());
    EXPECT_EQ(store->Latest()->seq, 31);
  }
  {
    auto store = MustOpen(path, {.max_batch_delay = Duration::Millis(5)});
    // The delay alone commits a partial batch: no Flush, no full batch. The
    // deadline only catches a hang.
    auto deadline = std::chrono::steady_clock::now() + 10s;
    ASSERT_TRUE(store->Append(MakeEvent(31)).ok());
    while (store->Latest()->seq < 32 && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(100us);
    }
    EXPECT_EQ(store->Latest()->seq, 32);
  }
}

TEST(EventStore, ConcurrentAppendersKeepTheChainValid) {
  TempDir dir;
  auto store = MustOpen(dir.file("events.db"), {.max_batch_rows = 100});
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 2000; ++i) {
        ASSERT_TRUE(store->Append(MakeEvent(i, "blue" + std::to_string(t + 1))).ok());
      }
    });
  }
  for (auto& th : threads) th.join();
  ASSERT_TRUE(store->Flush().ok());
  auto v = store->Verify();
  ASSERT_TRUE(v.ok());
  EXPECT_TRUE(v->ok) << v->problem;
  EXPECT_EQ(v->count, 8000);
}

TEST(EventStore, BoundedQueueAppliesBackPressure) {
  TempDir dir;
  auto store = MustOpen(dir.file("events.db"), {.max_batch_rows = 8, .max_queued_rows = 16});
  for (int i = 0; i < 500; ++i) ASSERT_TRUE(store->Append(MakeEvent(i)).ok());
  ASSERT_TRUE(store->Flush().ok());
  EXPECT_EQ(store->Verify()->count, 500);
}

TEST(EventStore, QueriesByTeamKindPrefixAndLimit) {
  TempDir dir;
  auto store = MustOpen(dir.file("events.db"));
  for (int i = 0; i < 10; ++i)
    ASSERT_TRUE(store->Append(MakeEvent(i, i % 2 ? "blue1" : "blue2")).ok());
  Event flag;
  flag.team = "blue1";
  flag.kind = std::string(kinds::kSubmissionFlag);
  flag.payload = {{"flag", "LF{x}"}, {"correct", false}};
  ASSERT_TRUE(store->Append(flag).ok());
  Event ex;
  ex.kind = std::string(kinds::kExerciseStarted);
  ex.payload = {{"speed", 1.0}};
  ASSERT_TRUE(store->Append(ex).ok());
  ASSERT_TRUE(store->Flush().ok());

  EXPECT_EQ(store->Read({.team = "blue1"})->size(), 6u);
  EXPECT_EQ(store->Read({.team = ""})->size(), 1u);
  EXPECT_EQ(store->Read({.kind = "check.result"})->size(), 10u);
  EXPECT_EQ(store->Read({.kind = "submission."})->size(), 1u);
  EXPECT_EQ(store->Read({.kind = "check"})->size(), 0u);  // exact unless it ends in '.'
  auto some = store->Read({.from_seq = 4, .team = "blue2", .limit = 2});
  ASSERT_EQ(some->size(), 2u);
  EXPECT_EQ((*some)[0].seq, 5);
  EXPECT_EQ((*some)[1].seq, 7);
  int seen = 0;
  ASSERT_TRUE(store->Scan({}, [&](const Event&) { return ++seen < 3; }).ok());
  EXPECT_EQ(seen, 3);
}

TEST(EventStore, RejectsEventsWithoutKindOrObjectPayload) {
  TempDir dir;
  auto store = MustOpen(dir.file("events.db"));
  Event e = MakeEvent(0);
  e.kind.clear();
  EXPECT_EQ(store->Append(e).status().code(), StatusCode::kInvalidArgument);
  e = MakeEvent(0);
  e.payload = nlohmann::json::array();
  EXPECT_EQ(store->Append(e).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(store->head().seq, 0);  // nothing was consumed
}

TEST(EventStore, SchemaRecordsExerciseTeamsNodesAndMetrics) {
  TempDir dir;
  ExerciseId id("lf-20261121-093000-3fa2c1");
  ExerciseRecord rec{.id = id.str(),
                     .scenario = "tinh-portal",
                     .title = "Diễn tập 2026",
                     .organisation = "Sở TT&TT Hà Nội",
                     .year = 2026,
                     .security_level = 3,
                     .seed = 18'446'744'073'709'551'615ull,
                     .created_wall = 11,
                     .uri = "qemu:///system",
                     .status = "created"};
  {
    auto s = EventStore::OpenExercise(dir.path(), id);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    auto& store = *s;
    ASSERT_TRUE(store->PutExercise(rec).ok());
    ASSERT_TRUE(store->PutTeam({"blue1", "blue", "CSIRT Hà Nội", 5}).ok());
    ASSERT_TRUE(store->PutTeam({"red", "red", "NCSC", 4}).ok());
    ASSERT_TRUE(store->PutNode({"blue1", "portal", 3, 10.0}).ok());
    ASSERT_TRUE(store->PutNode({"blue1", "db", 4, 25.5}).ok());
    ASSERT_TRUE(store->PutMetric({"blue1", "mttd_s", 420.0}).ok());
    ASSERT_TRUE(store->PutMetric({"blue1", "mttd_s", 400.0}).ok());  // replaced
    ASSERT_TRUE(store->SetExerciseStatus("running", 22).ok());
    ASSERT_TRUE(store->SetExerciseStatus("ended", 33).ok());
  }
  EXPECT_TRUE(fs::exists(fs::path(dir.path()) / "exercises" / id.str() / "events.db"));
  auto s = EventStore::OpenExercise(dir.path(), id, {.read_only = true});
  ASSERT_TRUE(s.ok());
  auto got = (*s)->GetExercise();
  ASSERT_TRUE(got.ok());
  rec.started_wall = 22;
  rec.ended_wall = 33;
  rec.status = "ended";
  EXPECT_EQ(*got, rec);
  auto teams = (*s)->Teams();
  ASSERT_EQ(teams->size(), 2u);
  EXPECT_EQ((*teams)[0], (TeamRecord{"blue1", "blue", "CSIRT Hà Nội", 5}));
  auto nodes = (*s)->Nodes();
  ASSERT_EQ(nodes->size(), 2u);
  EXPECT_EQ((*nodes)[0], (NodeRecord{"blue1", "db", 4, 25.5}));
  auto metrics = (*s)->Metrics();
  ASSERT_EQ(metrics->size(), 1u);
  EXPECT_EQ((*metrics)[0].value, 400.0);
}

TEST(EventStore, ReadOnlyAndVersionErrors) {
  TempDir dir;
  std::string path = dir.file("events.db");
  auto missing = EventStore::Open(path, {.read_only = true});
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  { auto store = MustOpen(path); }
  {
    auto ro = MustOpen(path, {.read_only = true});
    EXPECT_EQ(ro->Append(MakeEvent(0)).status().code(), StatusCode::kFailedPrecondition);
  }
  Tamper(path, "UPDATE schema_version SET version = 99");
  auto newer = EventStore::Open(path);
  EXPECT_EQ(newer.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(newer.status().message().find("99"), std::string::npos);

  std::string junk = dir.file("junk.db");
  {
    std::FILE* f = std::fopen(junk.c_str(), "w");
    std::fputs("not a database at all, really not", f);
    std::fclose(f);
  }
  auto bad = EventStore::Open(junk);
  EXPECT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), StatusCode::kDataLoss) << bad.status().ToString();
}

// A child appends durably and reports every acknowledgement through a pipe;
// it is killed with SIGKILL mid-stream. Every acknowledged event must be on
// disk and the chain must verify.
TEST(EventStore, AcknowledgedEventsSurviveSigkill) {
  TempDir dir;
  std::string path = dir.file("events.db");
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    close(fds[0]);
    auto s = EventStore::Open(path, {.max_batch_delay = Duration::Millis(2), .max_batch_rows = 64});
    if (!s.ok()) _exit(3);
    for (int i = 0; i < 10'000'000; ++i) {
      (*s)->AppendDurable(MakeEvent(i), [fd = fds[1]](const Status& st, const Event& e) {
        if (!st.ok()) _exit(4);
        int64_t seq = e.seq;
        if (write(fd, &seq, sizeof seq) != sizeof seq) _exit(5);
      });
    }
    _exit(0);
  }
  close(fds[1]);
  std::set<int64_t> acked;
  auto read_one = [&]() {
    int64_t seq;
    ssize_t n = read(fds[0], &seq, sizeof seq);
    if (n == sizeof seq) acked.insert(seq);
    return n == sizeof seq;
  };
  while (acked.size() < 3000 && read_one()) {
  }
  ASSERT_EQ(kill(pid, SIGKILL), 0);
  int wstatus = 0;
  ASSERT_EQ(waitpid(pid, &wstatus, 0), pid);
  ASSERT_TRUE(WIFSIGNALED(wstatus)) << "child exited early with " << WEXITSTATUS(wstatus);
  while (read_one()) {
  }
  close(fds[0]);
  ASSERT_GE(acked.size(), 3000u);

  auto store = MustOpen(path);
  auto v = store->Verify();
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  EXPECT_TRUE(v->ok) << v->problem << " at " << v->broken_seq;
  EXPECT_GE(v->count, *acked.rbegin());
  // Gap-free: every acked seq <= count is present; check contents too.
  for (int64_t seq : {*acked.begin(), *acked.rbegin()}) {
    auto rows = store->Read({.from_seq = seq, .limit = 1});
    ASSERT_EQ(rows->size(), 1u);
    EXPECT_EQ((*rows)[0].seq, seq);
    EXPECT_EQ((*rows)[0].payload["n"], seq - 1);
  }
  // The store carries on from the recovered head.
  auto next = store->AppendAndWait(MakeEvent(0));
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(next->seq, v->count + 1);
}

}  // namespace
}  // namespace livefire::store
