#include "livefire/store/event_store.h"

#include <SQLiteCpp/SQLiteCpp.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <openssl/evp.h>
#include <spdlog/spdlog.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <filesystem>
#include <mutex>
#include <thread>
#include <tuple>

#include "fault_vfs.h"
#include "livefire/store/private_files.h"

namespace livefire::store {

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

// The log holds every team's reports and grades: root's only. SQLite makes
// the -wal and -shm files with the database file's mode, so the database is
// created 0600 before SQLite opens it, and an older one is restricted.
Status MakePrivateDatabase(const std::string& path) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, kPrivateFileMode);
  if (fd < 0) {
    return Status::Unavailable(fmt::format("cannot create {}: {}", path, std::strerror(errno)));
  }
  int rc = ::fchmod(fd, kPrivateFileMode);
  int err = errno;
  ::close(fd);
  if (rc != 0) {
    return Status::Unavailable(fmt::format("cannot chmod {}: {}", path, std::strerror(err)));
  }
  for (const char* suffix : {"-wal", "-shm"}) {
    std::string side = path + suffix;
    if (::chmod(side.c_str(), kPrivateFileMode) != 0 && errno != ENOENT) {
      return Status::Unavailable(fmt::format("cannot chmod {}: {}", side, std::strerror(errno)));
    }
  }
  return Status::Ok();
}

// SHA-256 with one reusable EVP context (the chain hashes every event).
class Sha256 {
 public:
  Sha256() : md_(EVP_MD_fetch(nullptr, "SHA256", nullptr)), ctx_(EVP_MD_CTX_new()) {}
  bool valid() const { return md_ && ctx_; }

  // hex(SHA-256(a || b)); empty on an OpenSSL failure.
  std::string Hex(std::string_view a, std::string_view b) {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (EVP_DigestInit_ex(ctx_.get(), md_.get(), nullptr) != 1 ||
        EVP_DigestUpdate(ctx_.get(), a.data(), a.size()) != 1 ||
        EVP_DigestUpdate(ctx_.get(), b.data(), b.size()) != 1 ||
        EVP_DigestFinal_ex(ctx_.get(), digest, &len) != 1) {
      return {};
    }
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out(len * 2, '0');
    for (unsigned int i = 0; i < len; ++i) {
      out[2 * i] = kHex[digest[i] >> 4];
      out[2 * i + 1] = kHex[digest[i] & 0xf];
    }
    return out;
  }

 private:
  struct MdFree {
    void operator()(EVP_MD* m) const { EVP_MD_free(m); }
  };
  struct CtxFree {
    void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
  };
  std::unique_ptr<EVP_MD, MdFree> md_;
  std::unique_ptr<EVP_MD_CTX, CtxFree> ctx_;
};

// The columns every event query selects first: seq, time_ns, wall_ns, team,
// kind (payload and hash follow, read by the caller as it needs them).
Event EventHeadOfRow(SQLite::Statement& st) {
  Event e;
  e.seq = st.getColumn(0).getInt64();
  e.time = SimTime::FromNanos(st.getColumn(1).getInt64());
  e.wall_ns = st.getColumn(2).getInt64();
  e.team = st.getColumn(3).getString();
  e.kind = st.getColumn(4).getString();
  return e;
}

Status FromSqlite(const SQLite::Exception& e, std::string_view what, const std::string& path) {
  std::string msg = fmt::format("{}: {}: {}", path, what, e.what());
  switch (e.getErrorCode() & 0xff) {
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return Status::DataLoss(std::move(msg));
    case SQLITE_FULL:
      return Status::ResourceExhausted(std::move(msg));
    case SQLITE_CANTOPEN:
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_IOERR:
      return Status::Unavailable(std::move(msg));
    default:
      return Status::Internal(std::move(msg));
  }
}

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS schema_version(version INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS exercises(
  id TEXT PRIMARY KEY, scenario TEXT NOT NULL, title TEXT NOT NULL,
  organisation TEXT NOT NULL, year INTEGER NOT NULL, security_level INTEGER NOT NULL,
  seed TEXT NOT NULL, created_wall INTEGER NOT NULL, started_wall INTEGER NOT NULL,
  ended_wall INTEGER NOT NULL, uri TEXT NOT NULL, status TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS teams(
  exercise TEXT NOT NULL, name TEXT NOT NULL, role TEXT NOT NULL,
  organisation TEXT NOT NULL, members INTEGER NOT NULL, PRIMARY KEY(exercise, name));
CREATE TABLE IF NOT EXISTS nodes(
  exercise TEXT NOT NULL, team TEXT NOT NULL, node TEXT NOT NULL,
  security_level INTEGER NOT NULL, value REAL NOT NULL, PRIMARY KEY(exercise, team, node));
CREATE TABLE IF NOT EXISTS events(
  seq INTEGER PRIMARY KEY, time_ns INTEGER NOT NULL, wall_ns INTEGER NOT NULL,
  team TEXT NOT NULL, kind TEXT NOT NULL, payload TEXT NOT NULL, hash TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS events_team ON events(team, seq);
CREATE INDEX IF NOT EXISTS events_kind ON events(kind, seq);
CREATE TABLE IF NOT EXISTS team_metrics(
  exercise TEXT NOT NULL, team TEXT NOT NULL, metric TEXT NOT NULL, value REAL NOT NULL,
  PRIMARY KEY(exercise, team, metric));
)sql";

constexpr const char* kInsertEvent =
    "INSERT INTO events(seq, time_ns, wall_ns, team, kind, payload, hash) "
    "VALUES(?, ?, ?, ?, ?, ?, ?)";

// At most this many full batches go into one transaction while the writer
// is behind (see WriterLoop).
constexpr size_t kBacklogBatches = 8;

struct Pending {
  Event event;
  std::string payload_text;
  DurableCallback done;
  Clock::time_point queued;
};

int64_t WallNowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Smallest string greater than every string starting with prefix.
std::string PrefixEnd(std::string prefix) {
  while (!prefix.empty()) {
    unsigned char c = static_cast<unsigned char>(prefix.back());
    if (c < 0xff) {
      prefix.back() = static_cast<char>(c + 1);
      return prefix;
    }
    prefix.pop_back();
  }
  return prefix;
}

}  // namespace

std::string ChainHash(std::string_view prev_hash, std::string_view canonical_without_hash) {
  Sha256 sha;
  return sha.Hex(prev_hash, canonical_without_hash);
}

struct EventStore::Impl {
  std::string path;
  StoreOptions opts;
  std::string exercise_id;  // cached from the exercises row for metadata tables
  // Declared before the connections so that it is unregistered after they close.
  std::unique_ptr<FaultVfs> fault_vfs;

  // Reads and metadata writes: any thread, serialised by rmu.
  mutable std::mutex rmu;
  std::unique_ptr<SQLite::Database> rdb;

  // Writer-thread state (wdb and insert are touched only by the writer after
  // Open). After a failed commit both are dropped and the retry reopens them:
  // the failed connection's state is not trusted.
  std::unique_ptr<SQLite::Database> wdb;
  std::unique_ptr<SQLite::Statement> insert;
  bool reconcile = false;  // a commit failed: check what reached the disk first

  // Chain and queue, guarded by mu.
  mutable std::mutex mu;
  std::condition_variable cv_writer, cv_space, cv_committed;
  Head assigned;
  int64_t committed_seq = 0;
  std::deque<Pending> queue;
  int64_t in_batch = 0;  // events the writer holds (taken off the queue)
  StoreHealth health;
  Status closed_error;  // events were given up when closing
  bool stop = false;
  bool flush_requested = false;
  Sha256 sha;
  std::thread writer;

  std::string vfs_name() const { return fault_vfs ? fault_vfs->name() : std::string(); }
  Status OpenWriter();
  size_t AlreadyCommitted(const std::vector<Pending>& batch);
  Status WriteBatch(const std::vector<Pending>& batch);
  void WriterLoop();
  Status Shutdown();
  // Validates e, assigns its seq and chained hash and queues it for the
  // writer (with `done`, which then runs after the commit). On success e
  // holds the stored event; keep_event = false lets the queue take it over.
  // On failure nothing is queued and e and done are left as they were.
  Status Enqueue(Event& e, DurableCallback& done, bool keep_event);
};

Status EventStore::Impl::OpenWriter() {
  insert.reset();
  wdb = std::make_unique<SQLite::Database>(path, SQLite::OPEN_READWRITE, 5000, vfs_name());
  // synchronous is per connection; journal_mode=WAL is kept in the file.
  wdb->exec("PRAGMA synchronous=FULL");
  insert = std::make_unique<SQLite::Statement>(*wdb, kInsertEvent);
  return Status::Ok();
}

// How many events at the front of the batch are already on disk: a commit can
// report an error after its data is durable (a failed fsync whose pages were
// written, an error from the WAL hook after the commit), and inserting them
// again would fail on the primary key for ever.
size_t EventStore::Impl::AlreadyCommitted(const std::vector<Pending>& batch) {
  SQLite::Statement q(*wdb, "SELECT seq, hash FROM events WHERE seq >= ? ORDER BY seq");
  q.bind(1, static_cast<int64_t>(batch.front().event.seq));
  size_t n = 0;
  while (q.executeStep()) {
    if (n >= batch.size() || q.getColumn(0).getInt64() != batch[n].event.seq ||
        q.getColumn(1).getString() != batch[n].event.hash) {
      throw SQLite::Exception(fmt::format("event {} on disk is not the one this store sequenced",
                                          q.getColumn(0).getInt64()),
                              SQLITE_CORRUPT);
    }
    ++n;
  }
  return n;
}

Status EventStore::Impl::WriteBatch(const std::vector<Pending>& batch) {
  try {
    if (!wdb) LF_RETURN_IF_ERROR(OpenWriter());
    // Outside the transaction: only this writer adds events, and a read
    // first would make the transaction's upgrade to a write lock fail
    // whenever a metadata write committed in between.
    size_t skip = reconcile ? AlreadyCommitted(batch) : 0;
    SQLite::Transaction tx(*wdb);
    for (size_t i = skip; i < batch.size(); ++i) {
      const Pending& p = batch[i];
      const Event& e = p.event;
      insert->bind(1, static_cast<int64_t>(e.seq));
      insert->bind(2, static_cast<int64_t>(e.time.nanos()));
      insert->bind(3, static_cast<int64_t>(e.wall_ns));
      insert->bindNoCopy(4, e.team);
      insert->bindNoCopy(5, e.kind);
      insert->bindNoCopy(6, p.payload_text);
      insert->bindNoCopy(7, e.hash);
      insert->exec();
      insert->reset();
    }
    tx.commit();
    reconcile = false;
    return Status::Ok();
  } catch (const SQLite::Exception& e) {
    // Statement before connection; the Transaction rolled back as it unwound.
    insert.reset();
    wdb.reset();
    reconcile = true;
    return FromSqlite(e, "committing events", path);
  }
}

void EventStore::Impl::WriterLoop() {
  std::vector<Pending> batch;
  const auto delay = std::chrono::nanoseconds(opts.max_batch_delay.nanos());
  const size_t max_rows = static_cast<size_t>(std::max(1, opts.max_batch_rows));
  const auto first_backoff =
      std::chrono::nanoseconds(std::max<int64_t>(1'000'000, opts.retry_initial.nanos()));
  const auto max_backoff =
      std::max(first_backoff, std::chrono::nanoseconds(opts.retry_max.nanos()));
  auto backoff = first_backoff;
  for (;;) {
    bool stopping = false;
    {
      std::unique_lock lk(mu);
      if (batch.empty()) {
        cv_writer.wait(lk, [&] { return stop || !queue.empty(); });
        if (queue.empty()) break;  // stop requested and nothing left
        // Wait for a full batch, the oldest event's deadline, a flush or stop.
        cv_writer.wait_until(lk, queue.front().queued + delay,
                             [&] { return stop || flush_requested || queue.size() >= max_rows; });
        // Under load (several full batches queued) one transaction takes
        // whole batches, up to kBacklogBatches of them: the fsync per commit
        // is then paid once per many rows. A partial batch still waits for
        // its deadline, as when the writer keeps up.
        size_t n = std::min(queue.size(), max_rows);
        if (queue.size() >= 2 * max_rows) {
          n = std::min(queue.size() / max_rows, kBacklogBatches) * max_rows;
        }
        for (size_t i = 0; i < n; ++i) {
          batch.push_back(std::move(queue.front()));
          queue.pop_front();
        }
        in_batch = static_cast<int64_t>(batch.size());
        if (queue.empty()) flush_requested = false;
      }
      stopping = stop;
    }
    cv_space.notify_all();

    // A failed batch is retried as it is (same seqs, same hashes): nothing
    // after it is written first, so the chain never has a gap.
    Status s = WriteBatch(batch);
    if (s.ok()) {
      // Acknowledge before advancing committed_seq so that Flush() returning
      // means every callback for what it covered has run.
      for (Pending& p : batch) {
        if (p.done) p.done(s, p.event);
      }
      {
        std::lock_guard lk(mu);
        committed_seq = batch.back().event.seq;
        in_batch = 0;
        if (!health.healthy) {
          spdlog::warn("event store {}: writes succeed again after {} failed attempts", path,
                       health.failed_attempts);
          health = StoreHealth{};
        }
      }
      cv_committed.notify_all();
      cv_space.notify_all();
      batch.clear();
      backoff = first_backoff;
      continue;
    }

    {
      std::lock_guard lk(mu);
      if (health.healthy) {
        spdlog::error("event store {}: commit failed, retrying: {}", path, s.message());
        health.healthy = false;
        health.unhealthy_since_wall_ns = WallNowNs();
      }
      health.error = s;
      ++health.failed_attempts;
    }
    cv_committed.notify_all();  // Flush() reports the outage instead of waiting it out
    cv_space.notify_all();      // Append() fails fast on a full queue instead of blocking
    if (stopping) {
      // Closing and the last attempt failed: give up on what is left, loudly.
      std::deque<Pending> rest;
      {
        std::lock_guard lk(mu);
        rest.swap(queue);
        closed_error =
            Status::Unavailable(fmt::format("{}: closed before {} events could be committed: {}",
                                            path, batch.size() + rest.size(), s.message()));
        in_batch = 0;
      }
      spdlog::error("{}", closed_error.message());
      for (Pending& p : batch) {
        if (p.done) p.done(closed_error, p.event);
      }
      for (Pending& p : rest) {
        if (p.done) p.done(closed_error, p.event);
      }
      cv_committed.notify_all();
      return;
    }
    {
      // Back off; a close wakes the writer for one last attempt.
      std::unique_lock lk(mu);
      cv_writer.wait_for(lk, backoff, [&] { return stop; });
    }
    backoff = std::min(backoff * 2, max_backoff);
  }
}

Status EventStore::Impl::Shutdown() {
  if (!writer.joinable()) return Status::Ok();
  {
    std::lock_guard lk(mu);
    stop = true;
  }
  cv_writer.notify_all();
  writer.join();
  std::lock_guard lk(mu);
  return closed_error;
}

EventStore::EventStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

EventStore::~EventStore() {
  Status s = impl_->Shutdown();
  (void)s;  // pending callbacks already received any error
}

std::string EventStore::PathFor(const std::string& state_dir, const ExerciseId& id) {
  return (fs::path(state_dir) / "exercises" / id.str() / "events.db").string();
}

Result<std::unique_ptr<EventStore>> EventStore::OpenExercise(const std::string& state_dir,
                                                             const ExerciseId& id,
                                                             StoreOptions options) {
  LF_RETURN_IF_ERROR(CheckName("exercise id", id.str(), 40));
  std::string path = PathFor(state_dir, id);
  if (!options.read_only) {
    std::error_code ec;
    fs::create_directories(fs::path(path).parent_path(), ec);
    if (ec) {
      return Status::Unavailable(
          fmt::format("cannot create {}: {}", fs::path(path).parent_path().string(), ec.message()));
    }
    // Also fixes folders made before livefire restricted them.
    LF_RETURN_IF_ERROR(RestrictExerciseFolder(fs::path(path).parent_path().string()));
  }
  return Open(path, options);
}

Result<std::unique_ptr<EventStore>> EventStore::Open(const std::string& path,
                                                     StoreOptions options) {
  auto impl = std::make_unique<Impl>();
  impl->path = path;
  impl->opts = options;
  if (!impl->sha.valid()) return Status::Internal("OpenSSL has no SHA-256");
  if (options.max_batch_rows < 1 || options.max_queued_rows < 1) {
    return Status::InvalidArgument("store: batch and queue sizes must be positive");
  }
  const char* step = "opening";
  try {
    if (options.read_only) {
      if (!fs::exists(path)) return Status::NotFound(fmt::format("no event store at {}", path));
      impl->rdb = std::make_unique<SQLite::Database>(path, SQLite::OPEN_READONLY, 5000);
    } else {
      LF_RETURN_IF_ERROR(MakePrivateDatabase(path));
      if (options.faults) {
        LF_ASSIGN_OR_RETURN(impl->fault_vfs, FaultVfs::Register(options.faults));
      }
      impl->wdb = std::make_unique<SQLite::Database>(
          path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE, 5000, impl->vfs_name());
      step = "setting WAL mode";
      impl->wdb->exec("PRAGMA journal_mode=WAL");
      impl->wdb->exec("PRAGMA synchronous=FULL");
      step = "creating the schema";
      SQLite::Transaction tx(*impl->wdb);
      impl->wdb->exec(kSchema);
      SQLite::Statement count(*impl->wdb, "SELECT count(*) FROM schema_version");
      count.executeStep();
      if (count.getColumn(0).getInt64() == 0) {
        impl->wdb->exec(fmt::format("INSERT INTO schema_version VALUES({})", kSchemaVersion));
      }
      tx.commit();
      impl->insert = std::make_unique<SQLite::Statement>(*impl->wdb, kInsertEvent);
      impl->rdb =
          std::make_unique<SQLite::Database>(path, SQLite::OPEN_READWRITE, 5000, impl->vfs_name());
      impl->rdb->exec("PRAGMA synchronous=FULL");
    }
    step = "reading the schema version";
    SQLite::Statement v(*impl->rdb, "SELECT max(version) FROM schema_version");
    if (!v.executeStep() || v.getColumn(0).isNull()) {
      return Status::DataLoss(fmt::format("{}: no schema version recorded", path));
    }
    int version = v.getColumn(0).getInt();
    if (version > kSchemaVersion) {
      return Status::FailedPrecondition(
          fmt::format("{}: schema version {} is newer than this livefire understands ({})", path,
                      version, kSchemaVersion));
    }
    step = "reading the chain head";
    SQLite::Statement last(*impl->rdb,
                           "SELECT seq, time_ns, hash FROM events ORDER BY seq DESC LIMIT 1");
    if (last.executeStep()) {
      impl->assigned.seq = last.getColumn(0).getInt64();
      impl->assigned.time = SimTime::FromNanos(last.getColumn(1).getInt64());
      impl->assigned.hash = last.getColumn(2).getString();
    }
    impl->committed_seq = impl->assigned.seq;
    SQLite::Statement ex(*impl->rdb, "SELECT id FROM exercises LIMIT 1");
    if (ex.executeStep()) impl->exercise_id = ex.getColumn(0).getString();
  } catch (const SQLite::Exception& e) {
    return FromSqlite(e, step, path);
  }
  if (!options.read_only) {
    Impl* raw = impl.get();
    impl->writer = std::thread([raw] { raw->WriterLoop(); });
  }
  return std::unique_ptr<EventStore>(new EventStore(std::move(impl)));
}

const std::string& EventStore::path() const { return impl_->path; }

// ---- exercise record ---------------------------------------------------------

namespace {
Status ReadOnlyError(const std::string& path) {
  return Status::FailedPrecondition(fmt::format("{}: store opened read-only", path));
}
}  // namespace

Status EventStore::PutExercise(const ExerciseRecord& r) {
  if (impl_->opts.read_only) return ReadOnlyError(impl_->path);
  if (r.id.empty()) return Status::InvalidArgument("exercise record without an id");
  std::lock_guard lk(impl_->rmu);
  try {
    SQLite::Statement q(
        *impl_->rdb,
        "INSERT OR REPLACE INTO exercises(id, scenario, title, organisation, year, "
        "security_level, seed, created_wall, started_wall, ended_wall, uri, status) "
        "VALUES(?,?,?,?,?,?,?,?,?,?,?,?)");
    q.bind(1, r.id);
    q.bind(2, r.scenario);
    q.bind(3, r.title);
    q.bind(4, r.organisation);
    q.bind(5, r.year);
    q.bind(6, r.security_level);
    q.bind(7, std::to_string(r.seed));
    q.bind(8, static_cast<int64_t>(r.created_wall));
    q.bind(9, static_cast<int64_t>(r.started_wall));
    q.bind(10, static_cast<int64_t>(r.ended_wall));
    q.bind(11, r.uri);
    q.bind(12, r.status);
    q.exec();
    impl_->exercise_id = r.id;
    return Status::Ok();
  } catch (const SQLite::Exception& e) {
    return FromSqlite(e, "writing the exercise record", impl_->path);
  }
}

Result<ExerciseRecord> EventStore::GetExercise() const {
  std::lock_guard lk(impl_->rmu);
  try {
    SQLite::Statement q(*impl_->rdb,
                        "SELECT id, scenario, title, organisation, year, security_level, seed, "
                        "created_wall, started_wall, ended_wall, uri, status FROM exercises "
                        "LIMIT 1");
    if (!q.executeStep()) {
      return Status::NotFound(fmt::format("{}: no exercise record", impl_->path));
    }
    ExerciseRecord r;
    r.id = q.getColumn(0).getString();
    r.scenario = q.getColumn(1).getString();
    r.title = q.getColumn(2).getString();
    r.organisation = q.getColumn(3).getString();
    r.year = q.getColumn(4).getInt();
    r.security_level = q.getColumn(5).getInt();
    r.seed = std::stoull(q.getColumn(6).getString());
    r.created_wall = q.getColumn(7).getInt64();
    r.started_wall = q.getColumn(8).getInt64();
    r.ended_wall = q.getColumn(9).getInt64();
    r.uri = q.getColumn(10).getString();
    r.status = q.getColumn(11).getString();
    return r;
  } catch (const SQLite::Exception& e) {
    return FromSqlite(e, "reading the exercise record", impl_->path);
  } catch (const std::exception& e) {
    return Status::DataLoss(
        fmt::format("{}: exercise seed is not a number: {}", impl_->path, e.what()));
  }
}

Status EventStore::SetExerciseStatus(std::string_view status, int64_t wall_ns) {
  if (impl_->opts.read_only) return ReadOnlyError(impl_->path);
  std::lock_guard lk(impl_->rmu);
  if (impl_->exercise_id.empty()) {
    return Status::FailedPrecondition(
        fmt::format("{}: set the exercise record before its status", impl_->path));
  }
  try {
    std::string sql = "UPDATE exercises SET status = ?";
    if (status == "running")
      sql += ", started_wall = CASE started_wall WHEN 0 THEN ? ELSE started_wall END";
    if (status == "ended") sql += ", ended_wall = ?";
    sql += " WHERE id = ?";
    SQLite::Statement q(*impl_->rdb, sql);
    int i = 1;
    q.bind(i++, std::string(status));
    if (status == "running" || status == "ended") q.bind(i++, static_cast<int64_t>(wall_ns));
    q.bind(i, impl_->exercise_id);
    q.exec();
    return Status::Ok();
  } catch (const SQLite::Exception& e) {
    return FromSqlite(e, "updating the exercise status", impl_->path);
  }
}

// ---- metadata tables ----------------------------------------------------------
// teams, nodes and team_metrics are small per-exercise tables of whole rows
// (insert or replace, read back in key order): one table description and one
// write and one read path serve them all.

namespace {

void ReadColumn(const SQLite::Column& c, std::string& v) { v = c.getString(); }
void ReadColumn(const SQLite::Column& c, int& v) { v = c.getInt(); }
void ReadColumn(const SQLite::Column& c, double& v) { v = c.getDouble(); }

// A metadata table: insert binds the exercise id, then `fields` in order;
// select reads the columns into `fields` in the same order.
template <typename Record, typename... Field>
struct MetadataTable {
  const char* insert_sql;
  const char* select_sql;
  const char* write_what;  // for errors: "writing a team"
  const char* read_what;   // "reading teams"
  std::tuple<Field Record::*...> fields;
};

const MetadataTable<TeamRecord, std::string, std::string, std::string, int> kTeams{
    "INSERT OR REPLACE INTO teams(exercise, name, role, organisation, members) VALUES(?,?,?,?,?)",
    "SELECT name, role, organisation, members FROM teams ORDER BY name",
    "writing a team",
    "reading teams",
    {&TeamRecord::name, &TeamRecord::role, &TeamRecord::organisation, &TeamRecord::members}};

const MetadataTable<NodeRecord, std::string, std::string, int, double> kNodes{
    "INSERT OR REPLACE INTO nodes(exercise, team, node, security_level, value) VALUES(?,?,?,?,?)",
    "SELECT team, node, security_level, value FROM nodes ORDER BY team, node",
    "writing a node",
    "reading nodes",
    {&NodeRecord::team, &NodeRecord::node, &NodeRecord::security_level, &NodeRecord::value}};

const MetadataTable<MetricRecord, std::string, std::string, double> kMetrics{
    "INSERT OR REPLACE INTO team_metrics(exercise, team, metric, value) VALUES(?,?,?,?)",
    "SELECT team, metric, value FROM team_metrics ORDER BY team, metric",
    "writing a metric",
    "reading metrics",
    {&MetricRecord::team, &MetricRecord::metric, &MetricRecord::value}};

// `Impl` is EventStore::Impl, deduced because the type is private.
template <typename Impl, typename Record, typename... Field>
Status PutRow(Impl& impl, const MetadataTable<Record, Field...>& table, const Record& r) {
  if (impl.opts.read_only) return ReadOnlyError(impl.path);
  std::lock_guard lk(impl.rmu);
  try {
    SQLite::Statement q(*impl.rdb, table.insert_sql);
    int i = 1;
    q.bind(i++, impl.exercise_id);
    std::apply([&](auto... field) { (q.bind(i++, r.*field), ...); }, table.fields);
    q.exec();
    return Status::Ok();
  } catch (const SQLite::Exception& e) {
    return FromSqlite(e, table.write_what, impl.path);
  }
}

template <typename Impl, typename Record, typename... Field>
Result<std::vector<Record>> ReadRows(const Impl& impl,
                                     const MetadataTable<Record, Field...>& table) {
  std::lock_guard lk(impl.rmu);
  try {
    SQLite::Statement q(*impl.rdb, table.select_sql);
    std::vector<Record> out;
    while (q.executeStep()) {
      Record& r = out.emplace_back();
      int i = 0;
      std::apply([&](auto... field) { (ReadColumn(q.getColumn(i++), r.*field), ...); },
                 table.fields);
    }
    return out;
  } catch (const SQLite::Exception& e) {
    return FromSqlite(e, table.read_what, impl.path);
  }
}

}  // namespace

Status EventStore::PutTeam(const TeamRecord& t) { return PutRow(*impl_, kTeams, t); }
Result<std::vector<TeamRecord>> EventStore::Teams() const { return ReadRows(*impl_, kTeams); }

Status EventStore::PutNode(const NodeRecord& n) { return PutRow(*impl_, kNodes, n); }
Result<std::vector<NodeRecord>> EventStore::Nodes() const { return ReadRows(*impl_, kNodes); }

Status EventStore::PutMetric(const MetricRecord& m) { return PutRow(*impl_, kMetrics, m); }
Result<std::vector<MetricRecord>> EventStore::Metrics() const { return ReadRows(*impl_, kMetrics); }

// ---- events -------------------------------------------------------------------

Status EventStore::Impl::Enqueue(Event& e, DurableCallback& done, bool keep_event) {
  if (opts.read_only) return ReadOnlyError(path);
  if (e.kind.empty()) return Status::InvalidArgument("event kind is empty");
  if (!e.payload.is_object()) {
    return Status::InvalidArgument(fmt::format("event '{}': payload is not a JSON object", e.kind));
  }
  if (e.wall_ns == 0 && opts.stamp_wall) e.wall_ns = WallNowNs();
  // Encode outside the lock; only seq and the chain step must be serial.
  std::string payload_text = CanonicalPayload(e.payload);
  std::unique_lock lk(mu);
  const size_t max_queued = static_cast<size_t>(opts.max_queued_rows);
  // Back-pressure while the disk keeps up; while it fails, waiting could
  // block the caller (the engine loop) for the whole outage.
  cv_space.wait(lk, [&] { return queue.size() < max_queued || !health.healthy || stop; });
  if (stop) return Status::FailedPrecondition(fmt::format("{}: store is closing", path));
  if (queue.size() >= max_queued) {
    return Status::Unavailable(fmt::format("{}: {} events wait for a store that cannot write: {}",
                                           path, queue.size(), health.error.message()));
  }
  e.seq = assigned.seq + 1;
  e.hash = sha.Hex(assigned.hash, CanonicalJsonWithPayload(e, payload_text, false));
  if (e.hash.empty()) {
    e.seq = 0;
    return Status::Internal("SHA-256 failed");
  }
  assigned = {e.seq, e.time, e.hash};
  bool wake = queue.empty() || queue.size() + 1 >= static_cast<size_t>(opts.max_batch_rows);
  if (keep_event && !done) {
    // The writer needs the payload only as text: no copy of the JSON tree.
    Event row;
    row.seq = e.seq;
    row.time = e.time;
    row.wall_ns = e.wall_ns;
    row.team = e.team;
    row.kind = e.kind;
    row.hash = e.hash;
    queue.push_back({std::move(row), std::move(payload_text), nullptr, Clock::now()});
  } else if (keep_event) {
    queue.push_back({e, std::move(payload_text), std::move(done), Clock::now()});
  } else {
    queue.push_back({std::move(e), std::move(payload_text), std::move(done), Clock::now()});
  }
  lk.unlock();
  if (wake) cv_writer.notify_one();
  return Status::Ok();
}

Result<Event> EventStore::Append(Event e) {
  DurableCallback none;
  LF_RETURN_IF_ERROR(impl_->Enqueue(e, none, /*keep_event=*/true));
  return e;
}

Result<Event> EventStore::Append(Event e, DurableCallback done) {
  LF_RETURN_IF_ERROR(impl_->Enqueue(e, done, /*keep_event=*/true));
  return e;
}

void EventStore::AppendDurable(Event e, DurableCallback done) {
  Status s = impl_->Enqueue(e, done, /*keep_event=*/false);
  if (!s.ok() && done) done(s, e);
}

Result<Event> EventStore::AppendAndWait(Event e) {
  std::mutex mu;
  std::condition_variable cv;
  bool finished = false;
  Status status;
  Event stored;
  AppendDurable(std::move(e), [&](const Status& s, const Event& ev) {
    std::lock_guard lk(mu);
    status = s;
    stored = ev;
    finished = true;
    cv.notify_one();
  });
  // Do not wait out the batch delay: commit now.
  {
    std::lock_guard lk(impl_->mu);
    impl_->flush_requested = true;
  }
  impl_->cv_writer.notify_one();
  std::unique_lock lk(mu);
  cv.wait(lk, [&] { return finished; });
  if (!status.ok()) return status;
  return stored;
}

Status EventStore::Flush() {
  Impl& m = *impl_;
  if (m.opts.read_only) return Status::Ok();
  std::unique_lock lk(m.mu);
  int64_t target = m.assigned.seq;
  m.flush_requested = true;
  m.cv_writer.notify_one();
  m.cv_committed.wait(
      lk, [&] { return m.committed_seq >= target || !m.health.healthy || !m.closed_error.ok(); });
  if (m.committed_seq >= target) return Status::Ok();
  return m.closed_error.ok() ? m.health.error : m.closed_error;
}

Head EventStore::head() const {
  std::lock_guard lk(impl_->mu);
  return impl_->assigned;
}

int64_t EventStore::committed_seq() const {
  std::lock_guard lk(impl_->mu);
  return impl_->committed_seq;
}

StoreHealth EventStore::health() const {
  std::lock_guard lk(impl_->mu);
  StoreHealth h = impl_->health;
  h.queued = static_cast<int64_t>(impl_->queue.size()) + impl_->in_batch;
  h.committed_seq = impl_->committed_seq;
  return h;
}

Result<Head> EventStore::Latest() const {
  std::lock_guard lk(impl_->rmu);
  try {
    SQLite::Statement q(*impl_->rdb,
                        "SELECT seq, time_ns, hash FROM events ORDER BY seq DESC LIMIT 1");
    Head h;
    if (q.executeStep()) {
      h.seq = q.getColumn(0).getInt64();
      h.time = SimTime::FromNanos(q.getColumn(1).getInt64());
      h.hash = q.getColumn(2).getString();
    }
    return h;
  } catch (const SQLite::Exception& e) {
    return FromSqlite(e, "reading the last event", impl_->path);
  }
}

Status EventStore::Scan(const EventQuery& q, const std::function<bool(const Event&)>& fn) const {
  std::string sql =
      "SELECT seq, time_ns, wall_ns, team, kind, payload, hash FROM events WHERE seq >= ?";
  bool kind_prefix = q.kind && !q.kind->empty() && q.kind->back() == '.';
  if (q.team) sql += " AND team = ?";
  if (q.kind) sql += kind_prefix ? " AND kind >= ? AND kind < ?" : " AND kind = ?";
  sql += " ORDER BY seq";
  if (q.limit >= 0) sql += " LIMIT ?";
  std::lock_guard lk(impl_->rmu);
  try {
    SQLite::Statement st(*impl_->rdb, sql);
    int i = 1;
    st.bind(i++, static_cast<int64_t>(q.from_seq));
    if (q.team) st.bind(i++, *q.team);
    if (q.kind) {
      st.bind(i++, *q.kind);
      if (kind_prefix) st.bind(i++, PrefixEnd(*q.kind));
    }
    if (q.limit >= 0) st.bind(i++, static_cast<int64_t>(q.limit));
    while (st.executeStep()) {
      Event e = EventHeadOfRow(st);
      e.payload = nlohmann::json::parse(st.getColumn(5).getString(), nullptr, false);
      if (e.payload.is_discarded()) {
        return Status::DataLoss(
            fmt::format("{}: event {} has a payload that is not JSON", impl_->path, e.seq));
      }
      e.hash = st.getColumn(6).getString();
      if (!fn(e)) break;
    }
    return Status::Ok();
  } catch (const SQLite::Exception& e) {
    return FromSqlite(e, "reading events", impl_->path);
  }
}

Result<std::vector<Event>> EventStore::Read(const EventQuery& q) const {
  std::vector<Event> out;
  LF_RETURN_IF_ERROR(Scan(q, [&](const Event& e) {
    out.push_back(e);
    return true;
  }));
  return out;
}

Result<VerifyReport> EventStore::Verify() const {
  std::lock_guard lk(impl_->rmu);
  VerifyReport r;
  Sha256 sha;
  try {
    SQLite::Statement st(*impl_->rdb,
                         "SELECT seq, time_ns, wall_ns, team, kind, payload, hash FROM events "
                         "ORDER BY seq");
    std::string prev;
    int64_t expect = 1;
    auto broken = [&](int64_t seq, std::string problem) {
      r.ok = false;
      r.broken_seq = seq;
      r.problem = std::move(problem);
      return r;
    };
    while (st.executeStep()) {
      Event e = EventHeadOfRow(st);
      std::string payload = st.getColumn(5).getString();
      std::string stored = st.getColumn(6).getString();
      if (e.seq != expect) {
        return broken(expect, e.seq > expect
                                  ? fmt::format("event {} is missing (next stored event is {})",
                                                expect, e.seq)
                                  : fmt::format("unexpected seq {}", e.seq));
      }
      auto parsed = nlohmann::json::parse(payload, nullptr, false);
      if (parsed.is_discarded() || !parsed.is_object()) {
        return broken(e.seq, "payload is not a JSON object");
      }
      // The chain hashes the payload bytes as stored (the store writes the canonical
      // form), so any edit, even one that keeps the JSON equal, is caught.
      std::string want = sha.Hex(prev, CanonicalJsonWithPayload(e, payload, false));
      if (stored != want) {
        return broken(e.seq, fmt::format("hash mismatch: stored {} but the row hashes to {}",
                                         stored.substr(0, 16), want.substr(0, 16)));
      }
      prev = std::move(stored);
      r.head_hash = prev;
      ++r.count;
      ++expect;
    }
    return r;
  } catch (const SQLite::Exception& e) {
    return FromSqlite(e, "verifying events", impl_->path);
  }
}

}  // namespace livefire::store
