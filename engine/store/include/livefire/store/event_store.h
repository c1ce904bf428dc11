#pragma once
// The exercise's event log in SQLite: one database per exercise at
// <state_dir>/exercises/<id>/events.db, append-only, hash-chained.
//
// Writes: Append() assigns the next seq and the chained hash on the caller's
// thread, then a writer thread commits queued events in batches (a full
// batch of max_batch_rows at once, a partial one at most max_batch_delay
// after its oldest event; while several full batches wait, one transaction
// takes up to 8 of them, so the per-commit fsync is shared by more rows). AppendDurable()'s callback runs only after the transaction
// holding the event committed, so a submission is acknowledged only once it
// is on disk.
//
// Durability: WAL journal with synchronous=FULL. With FULL the WAL is fsynced
// at every commit, so an acknowledged event survives a process kill *and* a
// host power loss; NORMAL would survive only the former. The fsync is paid
// once per batch, not per event.
//
// Reads use a second connection and see committed events only (call Flush()
// first to read your own writes).
//
// Failures: a batch whose commit fails stays queued, with the seqs and hashes
// it already has, and is retried with backoff (retry_initial doubling up to
// retry_max) on a fresh writer connection until it commits: an event that
// Append() sequenced is never dropped or renumbered while the process lives.
// Meanwhile health() reports the error, Append() keeps queueing (and fails
// fast instead of blocking once the queue is full), durable callbacks wait for
// the commit, and Flush() returns the error. Closing the store while it
// cannot write makes one last attempt, then fails the remaining callbacks.

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "livefire/event.h"
#include "livefire/ids.h"
#include "livefire/status.h"
#include "livefire/time.h"

namespace livefire::store {

inline constexpr int kSchemaVersion = 1;

// What an exercise was, kept for year-over-year comparison.
struct ExerciseRecord {
  std::string id;        // ExerciseId
  std::string scenario;  // scenario name
  std::string title;
  std::string organisation;  // ministry or province running it
  int year = 0;
  int security_level = 0;    // 1..5, Decree 85/2016
  uint64_t seed = 0;         // stored as decimal text (full uint64 range)
  int64_t created_wall = 0;  // unix ns; 0 = not yet
  int64_t started_wall = 0;
  int64_t ended_wall = 0;
  std::string uri;     // libvirt connection URI the range ran on
  std::string status;  // "created", "running", "paused", "ended", ...
  bool operator==(const ExerciseRecord&) const = default;
};

struct TeamRecord {
  std::string name;
  std::string role;  // "white", "red", "blue"
  std::string organisation;
  int members = 0;
  bool operator==(const TeamRecord&) const = default;
};

struct NodeRecord {
  std::string team;  // the blue team whose copy it is ("" = shared)
  std::string node;
  int security_level = 0;
  double value = 0;  // asset value used by scoring
  bool operator==(const NodeRecord&) const = default;
};

struct MetricRecord {
  std::string team;
  std::string metric;
  double value = 0;
  bool operator==(const MetricRecord&) const = default;
};

// Test-only fault injection: while a flag is set, every write (or fsync) the
// store's SQLite connections make fails with SQLITE_IOERR, as a full or
// read-only disk would. The store then opens its database through a VFS shim
// that wraps the default one; without faults it uses the default VFS.
struct StoreFaults {
  std::atomic<bool> fail_writes{false};  // xWrite / xTruncate -> SQLITE_IOERR_WRITE
  std::atomic<bool> fail_syncs{false};   // xSync -> SQLITE_IOERR_FSYNC (data may be on disk)
  std::atomic<int64_t> injected{0};      // how many calls were failed
};

// What the writer knows about the disk: healthy until a commit fails, then
// unhealthy until a retry commits.
struct StoreHealth {
  bool healthy = true;
  Status error;                         // the last commit error while unhealthy
  int64_t unhealthy_since_wall_ns = 0;  // unix ns of the first failure of this outage
  int64_t failed_attempts = 0;          // commit attempts failed in this outage
  int64_t queued = 0;                   // events sequenced and not yet committed
  int64_t committed_seq = 0;
};

struct StoreOptions {
  Duration max_batch_delay = Duration::Millis(5);
  int max_batch_rows = 1000;
  // Append() blocks while this many events wait for the writer, so a stalled
  // disk cannot grow memory without bound.
  int max_queued_rows = 100'000;
  bool read_only = false;  // for verify/report tools: no writer, no schema changes
  // Stamp events appended without a wall time with the host's clock. A
  // simulation leaves them 0, so that the same seed gives the same log.
  bool stamp_wall = true;
  // Backoff between retries of a failed commit.
  Duration retry_initial = Duration::Millis(20);
  Duration retry_max = Duration::Seconds(2);
  std::shared_ptr<StoreFaults> faults;  // tests only (see StoreFaults)
};

// Which events to read. Empty team/kind match all; kind ending in '.' is a
// prefix ("check." matches "check.result").
struct EventQuery {
  int64_t from_seq = 1;
  std::optional<std::string> team;
  std::optional<std::string> kind;
  int64_t limit = -1;  // -1 = no limit
};

struct Head {
  int64_t seq = 0;  // 0 when the log is empty
  SimTime time;
  std::string hash;
};

struct VerifyReport {
  bool ok = true;
  int64_t count = 0;       // rows checked
  std::string head_hash;   // hash of the last good row
  int64_t broken_seq = 0;  // first bad seq when !ok
  std::string problem;     // what is wrong with it
};

// Called once per durable append, on the writer thread: keep it short and do
// not call back into the store's write API from it.
using DurableCallback = std::function<void(const Status&, const Event&)>;

class EventStore {
 public:
  // <state_dir>/exercises/<id>/events.db
  static std::string PathFor(const std::string& state_dir, const ExerciseId& id);

  // Opens (creating when absent and not read_only) the database at path.
  static Result<std::unique_ptr<EventStore>> Open(const std::string& path,
                                                  StoreOptions options = {});
  // Same for an exercise under state_dir (creates the directories).
  static Result<std::unique_ptr<EventStore>> OpenExercise(const std::string& state_dir,
                                                          const ExerciseId& id,
                                                          StoreOptions options = {});

  // Commits everything queued, then stops the writer.
  ~EventStore();
  EventStore(const EventStore&) = delete;
  EventStore& operator=(const EventStore&) = delete;

  const std::string& path() const;

  // ---- exercise record (small, synchronous writes) -------------------------
  Status PutExercise(const ExerciseRecord& record);  // insert or replace
  Result<ExerciseRecord> GetExercise() const;        // NotFound when none yet
  Status SetExerciseStatus(std::string_view status,
                           int64_t wall_ns);  // also stamps
                                              // started/ended for "running"/"ended"
  Status PutTeam(const TeamRecord& team);
  Result<std::vector<TeamRecord>> Teams() const;
  Status PutNode(const NodeRecord& node);
  Result<std::vector<NodeRecord>> Nodes() const;
  Status PutMetric(const MetricRecord& metric);  // insert or replace (team, metric)
  Result<std::vector<MetricRecord>> Metrics() const;

  // ---- events -------------------------------------------------------------
  // Assigns seq and hash and queues the event; returns it as stored. It is
  // committed within max_batch_delay (or at Flush()), not yet durable. While
  // the store is unhealthy the event waits (and is retried) with the others;
  // only a full queue during an outage fails the append.
  Result<Event> Append(Event e);
  // As Append, and `done` runs after the event's transaction committed (or
  // with the error when the store closes before it could commit). When the
  // append itself fails, `done` is not called: the error is returned.
  Result<Event> Append(Event e, DurableCallback done);
  // As above without the stored event: when the append fails, `done` runs
  // immediately on the caller's thread with that error.
  void AppendDurable(Event e, DurableCallback done);
  // Appends and waits until durable (through an outage, until it commits).
  Result<Event> AppendAndWait(Event e);
  // Waits until everything appended so far is committed; returns the error
  // at once while the store is unhealthy (the events stay queued).
  Status Flush();

  // Last assigned (not necessarily committed) seq/time/hash.
  Head head() const;
  // Highest seq known committed (every seq up to it is on disk).
  int64_t committed_seq() const;
  StoreHealth health() const;
  // Last committed event, read from disk (for recovery).
  Result<Head> Latest() const;

  // Calls fn for each matching committed event in seq order until fn
  // returns false.
  Status Scan(const EventQuery& q, const std::function<bool(const Event&)>& fn) const;
  Result<std::vector<Event>> Read(const EventQuery& q) const;

  // Walks the whole chain: seq 1..n without gaps, every hash recomputed.
  // A broken chain is reported in the VerifyReport (not as an error); an
  // error Status means the database could not be read.
  Result<VerifyReport> Verify() const;

  struct Impl;

 private:
  explicit EventStore(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// hex(SHA-256(prev_hash || canonical_without_hash)): the chain step.
std::string ChainHash(std::string_view prev_hash, std::string_view canonical_without_hash);

}  // namespace livefire::store
