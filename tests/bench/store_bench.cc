// Event store throughput beside a plain batched SQLite insert loop on the same
// machine, same pragmas (WAL, synchronous=FULL) and the same table and
// indexes, so the ratio shows what the store's extra work costs: canonical
// JSON, the SHA-256 chain, the writer thread and durable acknowledgements.

#include <benchmark/benchmark.h>
#include <sqlite3.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <memory>
#include <string>

#include "livefire/store/event_store.h"

namespace {

namespace fs = std::filesystem;
using livefire::Event;
using livefire::SimTime;

constexpr int kRowsPerIteration = 10'000;

std::string TempDbPath(const char* name) {
  std::string tmpl = (fs::temp_directory_path() / "lf-bench-XXXXXX").string();
  return (fs::path(mkdtemp(tmpl.data())) / name).string();
}

void RemoveDb(const std::string& path) { fs::remove_all(fs::path(path).parent_path()); }

Event MakeEvent(int64_t i) {
  Event e;
  e.time = SimTime::FromNanos(i * 1'000'000);
  e.wall_ns = 1'763'712'000'000'000'000 + i;
  e.team = "blue1";
  e.kind = "check.result";
  e.payload = {{"service", "portal-http"}, {"node", "portal"}, {"status", "up"},
               {"latency_ms", 3}, {"detail", "HTTP 200"}};
  return e;
}

struct DbClose {
  void operator()(sqlite3* db) const { sqlite3_close(db); }
};
struct StmtFinalize {
  void operator()(sqlite3_stmt* s) const { sqlite3_finalize(s); }
};

void Exec(sqlite3* db, const char* sql) {
  if (sqlite3_exec(db, sql, nullptr, nullptr, nullptr) != SQLITE_OK) std::abort();
}

// Baseline: prepared INSERT, one transaction per 1000 rows, precomputed row
// contents (the payload text and a 64-character hash of the right size).
void BM_PlainSqliteBatchedInsert(benchmark::State& state) {
  std::string path = TempDbPath("plain.db");
  sqlite3* raw = nullptr;
  if (sqlite3_open(path.c_str(), &raw) != SQLITE_OK) std::abort();
  std::unique_ptr<sqlite3, DbClose> db(raw);
  Exec(raw, "PRAGMA journal_mode=WAL");
  Exec(raw, "PRAGMA synchronous=FULL");
  Exec(raw,
       "CREATE TABLE events(seq INTEGER PRIMARY KEY, time_ns INTEGER NOT NULL, wall_ns INTEGER "
       "NOT NULL, team TEXT NOT NULL, kind TEXT NOT NULL, payload TEXT NOT NULL, hash TEXT NOT "
       "NULL); CREATE INDEX events_team ON events(team, seq); CREATE INDEX events_kind ON "
       "events(kind, seq);");
  sqlite3_stmt* st_raw = nullptr;
  sqlite3_prepare_v2(raw, "INSERT INTO events VALUES(?,?,?,?,?,?,?)", -1, &st_raw, nullptr);
  std::unique_ptr<sqlite3_stmt, StmtFinalize> st(st_raw);
  const std::string payload = livefire::CanonicalPayload(MakeEvent(0).payload);
  const std::string hash(64, 'f');
  int64_t seq = 0;
  for (auto _ : state) {
    for (int b = 0; b < kRowsPerIteration / 1000; ++b) {
      Exec(raw, "BEGIN");
      for (int i = 0; i < 1000; ++i) {
        ++seq;
        sqlite3_bind_int64(st_raw, 1, seq);
        sqlite3_bind_int64(st_raw, 2, seq * 1'000'000);
        sqlite3_bind_int64(st_raw, 3, 1'763'712'000'000'000'000 + seq);
        sqlite3_bind_text(st_raw, 4, "blue1", 5, SQLITE_STATIC);
        sqlite3_bind_text(st_raw, 5, "check.result", 12, SQLITE_STATIC);
        sqlite3_bind_text(st_raw, 6, payload.data(), static_cast<int>(payload.size()),
                          SQLITE_STATIC);
        sqlite3_bind_text(st_raw, 7, hash.data(), 64, SQLITE_STATIC);
        if (sqlite3_step(st_raw) != SQLITE_DONE) std::abort();
        sqlite3_reset(st_raw);
      }
      Exec(raw, "COMMIT");
    }
  }
  state.SetItemsProcessed(state.iterations() * kRowsPerIteration);
  st.reset();
  db.reset();
  RemoveDb(path);
}
BENCHMARK(BM_PlainSqliteBatchedInsert)->Unit(benchmark::kMillisecond)->UseRealTime();

// The store: every event built, canonically encoded, hash-chained, queued and
// committed by the writer thread; the iteration ends only when every one of
// its events has been acknowledged as durable.
void BM_EventStoreAppendDurable(benchmark::State& state) {
  std::string path = TempDbPath("events.db");
  auto store = livefire::store::EventStore::Open(path, {.max_batch_rows = 1000}).value();
  std::atomic<int64_t> acked{0};
  int64_t i = 0;
  for (auto _ : state) {
    for (int n = 0; n < kRowsPerIteration; ++n) {
      store->AppendDurable(MakeEvent(i++), [&](const livefire::Status& s, const Event&) {
        if (!s.ok()) std::abort();
        acked.fetch_add(1, std::memory_order_relaxed);
      });
    }
    if (!store->Flush().ok()) std::abort();
  }
  if (acked.load() != i) std::abort();
  state.SetItemsProcessed(state.iterations() * kRowsPerIteration);
  store.reset();
  RemoveDb(path);
}
BENCHMARK(BM_EventStoreAppendDurable)->Unit(benchmark::kMillisecond)->UseRealTime();

// The chain step alone (canonical JSON + SHA-256), for the cost breakdown.
void BM_CanonicalJsonAndChainHash(benchmark::State& state) {
  Event e = MakeEvent(1);
  std::string prev(64, '0');
  for (auto _ : state) {
    ++e.seq;
    prev = livefire::store::ChainHash(prev, livefire::CanonicalJson(e, false));
    benchmark::DoNotOptimize(prev);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_CanonicalJsonAndChainHash);

}  // namespace

BENCHMARK_MAIN();
