// Scoring throughput, latency and memory (issue 6). Figures go to README.
//   BM_PlainSqliteInsert   baseline: batched INSERTs of event-sized rows (WAL, synchronous=FULL)
//   BM_PlainSqliteInsertSameTable  the same into the store's events table (its two indexes)
//   BM_Pipeline            events over ZeroMQ (PUSH/PULL inproc) -> parsed -> EventStore
//                          (hash-chained) -> Scorer -> scoreboard (throttled snapshots)
//   BM_PipelineLatency     the same at a paced 20k events/s: event-to-scoreboard p50/p99
//   BM_ScorerMemory        10M events through the Scorer alone: events/s and resident memory
#include <benchmark/benchmark.h>
#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>
#include <zmq.hpp>

#include "livefire/scoring/scoreboard.h"
#include "livefire/scoring/scorer.h"
#include "livefire/store/event_store.h"

namespace {

namespace fs = std::filesystem;
using namespace livefire;
using Clock = std::chrono::steady_clock;

constexpr int kTeams = 10;
constexpr int kServices = 20;

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "lf-bench-XXXXXX").string();
    path_ = mkdtemp(tmpl.data());
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  std::string file(const char* n) const { return (fs::path(path_) / n).string(); }

 private:
  std::string path_;
};

scoring::ScoringConfig Config() {
  scoring::ScoringConfig c;
  for (int t = 0; t < kTeams; ++t) c.blue_teams.push_back("blue" + std::to_string(t + 1));
  c.red_teams = {"red"};
  for (int n = 0; n < kServices; ++n) c.nodes["node" + std::to_string(n)] = {3, 1.0, "medium"};
  return c;
}

// The i-th synthetic event: mostly check results (as in a real exercise),
// with red actions, reports and compromises mixed in.
Event MakeEvent(int64_t i) {
  Event e;
  e.seq = i + 1;
  e.time = SimTime::FromNanos(i * 3'000'000);  // 333 events per exercise second
  e.team = "blue" + std::to_string(i % kTeams + 1);
  std::string node = "node" + std::to_string((i / kTeams) % kServices);
  int64_t k = i % 1000;
  if (k == 500) {
    e.kind = std::string(kinds::kRedAction);
    e.payload = {{"node", node}, {"technique", "T1190"}, {"inject", "x"}, {"detail", ""}};
  } else if (k == 700) {
    e.kind = std::string(kinds::kSubmissionReport);
    e.payload = {{"node", node},
                 {"technique", "T1190"},
                 {"observed_at", e.time.nanos()},
                 {"description", "alert"}};
  } else if (k == 999 && i % 20000 == 19999) {
    e.kind = std::string(kinds::kObjectiveReached);
    e.payload = {{"node", node}, {"objective", "obj" + std::to_string(i)}, {"kind", "read_flag"}};
  } else {
    e.kind = std::string(kinds::kCheckResult);
    e.payload = {{"service", "http"},
                 {"node", node},
                 {"status", i % 17 == 0 ? "down" : "up"},
                 {"latency_ms", i % 40},
                 {"detail", "HTTP 200, 5120 bytes"}};
  }
  return e;
}

double RssMb() {
  std::ifstream f("/proc/self/status");
  std::string line;
  while (std::getline(f, line)) {
    if (line.starts_with("VmRSS:")) return std::stod(line.substr(6)) / 1024.0;
  }
  return 0;
}

// The plain loop: prepared INSERTs, 1000 rows per transaction. same_table =
// the store's own events table (7 columns, indexes on team and kind, the
// events' real teams and kinds); otherwise the original 6-column table
// without indexes.
void PlainSqliteInsert(benchmark::State& state, bool same_table) {
  const int64_t n = state.range(0);
  std::vector<Event> events;
  std::vector<std::string> payloads;
  for (int i = 0; i < 1000; ++i) {
    events.push_back(MakeEvent(i));
    payloads.push_back(CanonicalPayload(events.back().payload));
  }
  for (auto _ : state) {
    TempDir dir;
    sqlite3* db = nullptr;
    sqlite3_open(dir.file("plain.db").c_str(), &db);
    sqlite3_exec(db,
                 same_table
                     ? "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
                       "CREATE TABLE events(seq INTEGER PRIMARY KEY, time_ns INTEGER NOT NULL,"
                       " wall_ns INTEGER NOT NULL, team TEXT NOT NULL, kind TEXT NOT NULL,"
                       " payload TEXT NOT NULL, hash TEXT NOT NULL);"
                       "CREATE INDEX events_team ON events(team, seq);"
                       "CREATE INDEX events_kind ON events(kind, seq);"
                     : "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
                       "CREATE TABLE events(seq INTEGER PRIMARY KEY, time_ns INTEGER, team TEXT,"
                       " kind TEXT, payload TEXT, hash TEXT)",
                 nullptr, nullptr, nullptr);
    sqlite3_stmt* st = nullptr;
    sqlite3_prepare_v2(db,
                       same_table ? "INSERT INTO events VALUES(?,?,?,?,?,?,?)"
                                  : "INSERT INTO events VALUES(?,?,?,?,?,?)",
                       -1, &st, nullptr);
    const char* hash = "0000000000000000000000000000000000000000000000000000000000000000";
    auto t0 = Clock::now();
    for (int64_t i = 0; i < n; ++i) {
      if (i % 1000 == 0) sqlite3_exec(db, "BEGIN", nullptr, nullptr, nullptr);
      const Event& e = events[static_cast<size_t>(i % 1000)];
      const std::string& p = payloads[static_cast<size_t>(i % 1000)];
      int c = 1;
      sqlite3_bind_int64(st, c++, i + 1);
      sqlite3_bind_int64(st, c++, i * 3'000'000);
      if (same_table) sqlite3_bind_int64(st, c++, 1'763'712'000'000'000'000 + i);
      if (same_table) {
        sqlite3_bind_text(st, c++, e.team.data(), static_cast<int>(e.team.size()), SQLITE_STATIC);
        sqlite3_bind_text(st, c++, e.kind.data(), static_cast<int>(e.kind.size()), SQLITE_STATIC);
      } else {
        sqlite3_bind_text(st, c++, "blue1", -1, SQLITE_STATIC);
        sqlite3_bind_text(st, c++, "check.result", -1, SQLITE_STATIC);
      }
      sqlite3_bind_text(st, c++, p.data(), static_cast<int>(p.size()), SQLITE_STATIC);
      sqlite3_bind_text(st, c++, hash, 64, SQLITE_STATIC);
      sqlite3_step(st);
      sqlite3_reset(st);
      if (i % 1000 == 999 || i == n - 1) sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr);
    }
    double secs = std::chrono::duration<double>(Clock::now() - t0).count();
    sqlite3_finalize(st);
    sqlite3_close(db);
    state.counters["rows_per_s"] = static_cast<double>(n) / secs;
  }
}

void BM_PlainSqliteInsert(benchmark::State& state) { PlainSqliteInsert(state, false); }
BENCHMARK(BM_PlainSqliteInsert)->Arg(1'000'000)->Iterations(1)->Unit(benchmark::kMillisecond);

void BM_PlainSqliteInsertSameTable(benchmark::State& state) { PlainSqliteInsert(state, true); }
BENCHMARK(BM_PlainSqliteInsertSameTable)
    ->Arg(1'000'000)
    ->Iterations(1)
    ->Unit(benchmark::kMillisecond);

// Consumer side of the pipeline: PULL -> parse -> store -> score -> board.
struct Pipeline {
  store::EventStore& st;
  scoring::Scorer scorer{Config()};
  scoring::Applied applied;
  scoring::PublishThrottle throttle;
  int64_t boards = 0;

  // Returns the message's send stamp (wall_ns carries it in the bench).
  int64_t Handle(const zmq::message_t& m) {
    auto e = EventFromJson(m.to_string_view());
    if (!e.ok()) std::abort();
    int64_t sent = e->wall_ns;
    auto stored = st.Append(std::move(e).value());
    if (!stored.ok()) std::abort();
    (void)scorer.Apply(*stored, &applied);
    if (throttle.ShouldPublish(Clock::now(), !applied.changes.empty())) {
      benchmark::DoNotOptimize(scoring::ToJson(scoring::MakeScoreboard(scorer)).dump());
      ++boards;
    }
    return sent;
  }
};

// A fresh event store, and a PUSH -> PULL pair on inproc standing for the
// engine's event stream.
struct Wire {
  TempDir dir;
  Result<std::unique_ptr<store::EventStore>> db = store::EventStore::Open(dir.file("events.db"));
  zmq::context_t ctx;
  zmq::socket_t pull{ctx, zmq::socket_type::pull};
  zmq::socket_t push{ctx, zmq::socket_type::push};
  Wire() {
    pull.bind("inproc://events");
    push.connect("inproc://events");
  }
  // True, with the benchmark skipped, when the store did not open.
  bool Failed(benchmark::State& state) const {
    if (db.ok()) return false;
    state.SkipWithError(db.status().ToString().c_str());
    return true;
  }
};

void BM_Pipeline(benchmark::State& state) {
  const int64_t n = state.range(0);
  std::vector<std::string> wire;
  wire.reserve(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    Event e = MakeEvent(i);
    e.seq = 0;
    wire.push_back(CanonicalJson(e));
  }
  for (auto _ : state) {
    Wire w;
    if (w.Failed(state)) return;
    Pipeline p{**w.db};
    auto t0 = Clock::now();
    std::thread producer([&] {
      for (const auto& text : wire) w.push.send(zmq::buffer(text), zmq::send_flags::none);
    });
    zmq::message_t m;
    for (int64_t i = 0; i < n; ++i) {
      (void)w.pull.recv(m, zmq::recv_flags::none);
      p.Handle(m);
    }
    producer.join();
    if (!(*w.db)->Flush().ok()) std::abort();
    double secs = std::chrono::duration<double>(Clock::now() - t0).count();
    state.counters["events_per_s"] = static_cast<double>(n) / secs;
    state.counters["boards"] = static_cast<double>(p.boards);
  }
}
BENCHMARK(BM_Pipeline)->Arg(1'000'000)->Iterations(1)->Unit(benchmark::kMillisecond);

void BM_PipelineLatency(benchmark::State& state) {
  const int64_t rate = state.range(0);
  const int64_t n = rate * 5;  // five seconds of traffic
  for (auto _ : state) {
    Wire w;
    if (w.Failed(state)) return;
    Pipeline p{**w.db};
    std::vector<int64_t> lat;
    lat.reserve(static_cast<size_t>(n));
    auto start = Clock::now();
    std::thread producer([&] {
      for (int64_t i = 0; i < n; ++i) {
        auto due = start + std::chrono::nanoseconds(i * 1'000'000'000 / rate);
        while (Clock::now() < due) {
        }
        Event e = MakeEvent(i);
        e.seq = 0;
        e.wall_ns = Clock::now().time_since_epoch().count();
        std::string text = CanonicalJson(e);
        w.push.send(zmq::buffer(text), zmq::send_flags::none);
      }
    });
    zmq::message_t m;
    for (int64_t i = 0; i < n; ++i) {
      (void)w.pull.recv(m, zmq::recv_flags::none);
      int64_t sent = p.Handle(m);
      lat.push_back(Clock::now().time_since_epoch().count() - sent);
    }
    producer.join();
    if (!(*w.db)->Flush().ok()) std::abort();
    std::sort(lat.begin(), lat.end());
    auto pct = [&](double q) {
      return static_cast<double>(
                 lat[static_cast<size_t>(q * static_cast<double>(lat.size() - 1))]) /
             1e6;
    };
    state.counters["p50_ms"] = pct(0.50);
    state.counters["p99_ms"] = pct(0.99);
    state.counters["max_ms"] = pct(1.0);
  }
}
BENCHMARK(BM_PipelineLatency)->Arg(20'000)->Iterations(1)->Unit(benchmark::kMillisecond);

void BM_ScorerMemory(benchmark::State& state) {
  const int64_t n = state.range(0);
  for (auto _ : state) {
    double before = RssMb();
    scoring::Scorer scorer(Config());
    scoring::Applied applied;
    int64_t entries = 0;
    auto t0 = Clock::now();
    for (int64_t i = 0; i < n; ++i) {
      (void)scorer.Apply(MakeEvent(i), &applied);
      entries += static_cast<int64_t>(applied.entries.size());
    }
    double secs = std::chrono::duration<double>(Clock::now() - t0).count();
    state.counters["events_per_s"] = static_cast<double>(n) / secs;
    state.counters["ledger_entries"] = static_cast<double>(entries);
    state.counters["rss_mb"] = RssMb();
    state.counters["rss_growth_mb"] = RssMb() - before;
  }
}
BENCHMARK(BM_ScorerMemory)->Arg(10'000'000)->Iterations(1)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
