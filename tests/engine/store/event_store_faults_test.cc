// The store on a failing disk: the fault-injection VFS (StoreOptions::faults)
// fails SQLite's writes or fsyncs on demand, deterministically, where chattr
// or a full filesystem would need root or a special mount.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "livefire/testing/wait.h"
#include "livefire/store/event_store.h"
#include "livefire/testing/temp_dir.h"

namespace livefire::store {
namespace {

using namespace std::chrono_literals;
using testsupport::TempDir;

Event MakeEvent(int i) {
  Event e;
  e.time = SimTime::FromNanos(int64_t{1'000'000} * i);
  e.team = "blue1";
  e.kind = std::string(kinds::kCheckResult);
  e.payload = {{"service", "web"}, {"n", i}};
  return e;
}

// Polls cond until it holds or a generous deadline passes.
using testsupport::WaitFor;

std::unique_ptr<EventStore> OpenWithFaults(const std::string& path,
                                           std::shared_ptr<StoreFaults> faults) {
  StoreOptions o;
  o.faults = std::move(faults);
  o.retry_initial = Duration::Millis(5);
  o.retry_max = Duration::Millis(50);
  auto s = EventStore::Open(path, o);
  EXPECT_TRUE(s.ok()) << s.status().ToString();
  return s.ok() ? std::move(s).value() : nullptr;
}

// Every seq 1..n exactly once and the chain verifying.
void ExpectCompleteLog(const EventStore& store, int64_t n) {
  auto events = store.Read({});
  ASSERT_TRUE(events.ok()) << events.status().ToString();
  ASSERT_EQ(static_cast<int64_t>(events->size()), n);
  for (int64_t i = 0; i < n; ++i) EXPECT_EQ((*events)[i].seq, i + 1);
  auto v = store.Verify();
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  EXPECT_TRUE(v->ok) << v->problem;
  EXPECT_EQ(v->count, n);
}

class EventStoreFaults : public ::testing::TestWithParam<bool> {};

// Param: true = writes fail, false = only fsyncs fail (the data may already
// be in the WAL when the commit reports the error).
TEST_P(EventStoreFaults, AFailedCommitIsRetriedUntilItSucceedsWithNothingLostOrDuplicated) {
  TempDir dir;
  const std::string path = dir.file("events.db");
  auto faults = std::make_shared<StoreFaults>();
  auto store = OpenWithFaults(path, faults);
  ASSERT_TRUE(store);
  for (int i = 1; i <= 5; ++i) ASSERT_TRUE(store->Append(MakeEvent(i)).ok());
  ASSERT_TRUE(store->Flush().ok());
  EXPECT_TRUE(store->health().healthy);

  (GetParam() ? faults->fail_writes : faults->fail_syncs).store(true);
  std::mutex mu;
  std::vector<std::pair<Status, int64_t>> acks;
  for (int i = 6; i <= 10; ++i) {
    auto e = store->Append(MakeEvent(i), [&](const Status& s, const Event& ev) {
      std::lock_guard lk(mu);
      acks.emplace_back(s, ev.seq);
    });
    ASSERT_TRUE(e.ok()) << e.status().ToString();  // sequenced, queued for the writer
    EXPECT_EQ(e->seq, i);
  }
  ASSERT_TRUE(WaitFor([&] { return !store->health().healthy; }));
  StoreHealth h = store->health();
  EXPECT_FALSE(h.error.ok());
  EXPECT_EQ(h.error.code(), StatusCode::kUnavailable) << h.error.ToString();
  EXPECT_GT(h.unhealthy_since_wall_ns, 0);
  EXPECT_EQ(h.committed_seq, 5);
  EXPECT_EQ(h.queued, 5);
  EXPECT_GT(faults->injected.load(), 0);
  // Let it fail a few retries; nothing is acknowledged, Flush reports the error.
  ASSERT_TRUE(WaitFor([&] { return store->health().failed_attempts >= 3; }));
  EXPECT_FALSE(store->Flush().ok());
  {
    std::lock_guard lk(mu);
    EXPECT_TRUE(acks.empty());
  }
  // Appending goes on during the outage, with the next seqs.
  auto later = store->Append(MakeEvent(11));
  ASSERT_TRUE(later.ok());
  EXPECT_EQ(later->seq, 11);

  faults->fail_writes.store(false);
  faults->fail_syncs.store(false);
  ASSERT_TRUE(WaitFor([&] { return store->health().healthy; }));
  ASSERT_TRUE(store->Flush().ok());
  {
    std::lock_guard lk(mu);
    ASSERT_EQ(acks.size(), 5u);
    for (size_t i = 0; i < acks.size(); ++i) {
      EXPECT_TRUE(acks[i].first.ok()) << acks[i].first.ToString();
      EXPECT_EQ(acks[i].second, static_cast<int64_t>(i) + 6);
    }
  }
  EXPECT_EQ(store->committed_seq(), 11);
  ExpectCompleteLog(*store, 11);
  // And on disk for a fresh reader.
  store.reset();
  auto reread = EventStore::Open(path, {.read_only = true});
  ASSERT_TRUE(reread.ok());
  ExpectCompleteLog(**reread, 11);
}

INSTANTIATE_TEST_SUITE_P(WritesOrFsyncs, EventStoreFaults, ::testing::Bool(),
                         [](const auto& info) { return info.param ? "Writes" : "Fsyncs"; });

TEST(EventStoreFaultsClose, ClosingWhileTheDiskFailsGivesUpLoudlyInsteadOfHanging) {
  TempDir dir;
  const std::string path = dir.file("events.db");
  auto faults = std::make_shared<StoreFaults>();
  auto store = OpenWithFaults(path, faults);
  ASSERT_TRUE(store);
  ASSERT_TRUE(store->AppendAndWait(MakeEvent(1)).ok());
  faults->fail_writes.store(true);
  std::atomic<int> failed_acks{0};
  for (int i = 2; i <= 4; ++i) {
    store->AppendDurable(MakeEvent(i), [&](const Status& s, const Event&) {
      if (!s.ok()) failed_acks.fetch_add(1);
    });
  }
  ASSERT_TRUE(WaitFor([&] { return !store->health().healthy; }));
  store.reset();  // one last attempt, then the callbacks get the error
  EXPECT_EQ(failed_acks.load(), 3);
  faults->fail_writes.store(false);
  auto reread = EventStore::Open(path, {.read_only = true});
  ASSERT_TRUE(reread.ok());
  ExpectCompleteLog(**reread, 1);
}

TEST(EventStoreFaultsQueue, AFullQueueDuringAnOutageFailsTheAppendInsteadOfBlocking) {
  TempDir dir;
  auto faults = std::make_shared<StoreFaults>();
  StoreOptions o;
  o.faults = faults;
  o.max_queued_rows = 4;
  o.max_batch_rows = 2;
  o.retry_initial = Duration::Millis(5);
  o.retry_max = Duration::Millis(20);
  auto store = EventStore::Open(dir.file("events.db"), o);
  ASSERT_TRUE(store.ok());
  faults->fail_writes.store(true);
  ASSERT_TRUE((*store)->Append(MakeEvent(1)).ok());
  ASSERT_TRUE(WaitFor([&] { return !(*store)->health().healthy; }));
  int accepted = 1;
  Status refused;
  for (int i = 2; i <= 20 && refused.ok(); ++i) {
    auto e = (*store)->Append(MakeEvent(i));
    if (e.ok()) {
      ++accepted;
    } else {
      refused = e.status();
    }
  }
  EXPECT_EQ(refused.code(), StatusCode::kUnavailable) << refused.ToString();
  faults->fail_writes.store(false);
  ASSERT_TRUE(WaitFor([&] { return (*store)->health().healthy; }));
  ASSERT_TRUE((*store)->Flush().ok());
  // The refused append took no seq: the log has no gap.
  ExpectCompleteLog(**store, accepted);
}

}  // namespace
}  // namespace livefire::store
