#pragma once
// Provisioner: makes a RangePlan real, and takes it down again.
//
// Framework with backends (after Zeek's plugin components): the public calls
// are non-virtual; they check arguments and exercise state, run the generic
// machinery (layers, a bounded worker pool, retries, progress, the revert
// log) and call the virtual Do... hooks, which act. LibvirtProvisioner
// (libvirt.h) is the backend for real ranges; tests subclass it to inject
// faults through the same hooks.
//
// Exercise state on disk, <state_dir>/exercises/<id>/:
//   plan.json       the range plan and each domain's guest spec (written
//                   before any object is created, so Down and Exec work after
//                   a crash)
//   console/        serial console logs, one per domain
//   saves/          saved guest states (Snapshot), used by Revert
//   disks/          qcow2 overlays of disk templates
//   reverts.jsonl   append-only record of every revert (one JSON object a line)
//   down.json       written by Down (the range is gone; plan.json stays as the
//                   record of the topology), removed by the next Up

#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "livefire/ids.h"
#include "livefire/provision/guest.h"
#include "livefire/status.h"
#include "livefire/time.h"
#include "livefire/topology/plan.h"

namespace livefire::provision {

// Progress of a long operation; delivered from worker threads, one at a time.
struct Progress {
  enum class Kind {
    kNetwork,  // a network was created or kept
    kDefined,  // a domain is defined
    kStarted,  // a domain was started
    kReady,    // a domain is ready (agent answers, services listen)
    kKept,     // a domain was already running and correct
    kRetry,    // an attempt failed; retrying
    kFailed,   // every attempt failed
    kRemoved,  // Down removed an object
  };
  Kind kind;
  std::string object;  // domain key, network key or libvirt name
  std::string detail;  // e.g. the error of a failed attempt
  int done = 0;        // domains finished (ready or failed) so far
  int total = 0;       // domains in the plan
};
std::string_view ToString(Progress::Kind k);
using ProgressFn = std::function<void(const Progress&)>;

struct UpOptions {
  // Concurrent libvirt operations (define, start, stop). Readiness waits,
  // which only poll, run side by side for up to 64 domains of a layer.
  int parallelism = 4;
  int retries = 2;  // extra attempts for a domain that fails to start or get ready
  bool wait_ready = true;
  Duration ready_timeout = Duration::Seconds(300);  // per attempt (TCG boots are slow)
  bool snapshot = false;  // save each guest's state once ready, for fast reverts
  // Guest specs by PlannedDomain::key; a domain with none boots bare.
  std::map<std::string, GuestSpec> guests;
  ProgressFn progress;
};

struct DomainOutcome {
  std::string key;   // PlannedDomain::key
  std::string name;  // libvirt domain name
  bool ok = false;
  bool kept = false;  // was already running and correct
  int attempts = 0;
  Status status;             // the last error when !ok
  double ready_seconds = 0;  // from first attempt to ready
};

struct UpReport {
  ExerciseId exercise;
  int networks_created = 0;
  int networks_kept = 0;
  std::vector<DomainOutcome> domains;  // plan order
  double seconds = 0;
  int failed() const;
  bool complete() const { return failed() == 0; }
};

struct DownReport {
  int domains = 0;
  int networks = 0;
  bool state_removed = false;
  // libvirt names of the exercise's domains and networks (found in the
  // backend, else from the kept plan.json), for the leftovers below.
  std::vector<std::string> domain_names;
  std::vector<std::string> network_names;
  int leftovers = 0;                  // files libvirt left behind, removed
  std::vector<std::string> warnings;  // leftovers that could not be removed
  bool nothing() const { return domains == 0 && networks == 0 && !state_removed && leftovers == 0; }
};

struct ExecResult {
  int exit_code = 0;  // or 128+signal when the guest reports a signal
  bool signaled = false;
  std::string out;
  std::string err;
  bool truncated = false;  // the agent capped the captured output
};

struct RevertRecord {
  std::string exercise;
  std::string team;
  std::string node;
  std::string domain;
  std::string method;  // "restore" (saved state) or "reboot" (cold boot + replant)
  std::string reason;
  std::string wall_time;  // UTC ISO 8601, recorded beside the event, never used to decide
  double seconds = 0;
  bool ok = false;
  std::string error;
};

// Exercises found in the backend (by metadata), for `livefire ls`.
struct ExerciseSummary {
  std::string exercise;
  int domains = 0;
  int running = 0;
  int networks = 0;
  bool has_state = false;  // a state folder exists
  bool down = false;       // taken down (down.json) and nothing left in the backend
};

// The domain and network names used in the backend: "lf-<short>-<team>-<node>"
// (team "shared" for shared nodes) and "lf-<short>-<network key>", with
// <short> the random suffix of the exercise id (a hash of it for other ids).
std::string ExerciseShort(const ExerciseId& id);
std::string DomainName(const ExerciseId& id, const topology::PlannedDomain& d);
std::string NetworkName(const ExerciseId& id, const topology::PlannedNetwork& n);
// Bridge device name (<= 15 characters): "lf" + 12 hex digits of a hash of
// the exercise id and the network name; Down uses it to prove ownership.
std::string BridgeName(const ExerciseId& id, std::string_view network_name);

// Team argument for shared (team-less) nodes on the command line.
inline constexpr std::string_view kSharedTeam = "shared";

// The state folder of one exercise and the files in it.
struct ExercisePaths {
  std::string dir;
  std::string plan() const { return dir + "/plan.json"; }
  std::string console(std::string_view domain) const;
  std::string save(std::string_view domain) const;
  std::string disk(std::string_view domain) const;
  std::string reverts() const { return dir + "/reverts.jsonl"; }
  std::string down_marker() const { return dir + "/down.json"; }
};

// A live serial console of one domain (the portal's browser console): what
// the guest writes to ttyS0 and what is typed into it. Thread-safe: one
// thread may Read while others Write or Close.
class Console {
 public:
  virtual ~Console() = default;
  // The bytes the guest wrote since the last call, waiting up to `wait` for
  // some ("" when none came). Unavailable once the stream ended (the domain
  // stopped, or Close()).
  virtual Result<std::string> Read(Duration wait) = 0;
  // Sends keystrokes; Unavailable once the stream ended.
  virtual Status Write(std::string_view bytes) = 0;
  // Ends the stream; Read and Write fail from then on. Idempotent.
  virtual void Close() = 0;
};

class Provisioner {
 public:
  explicit Provisioner(std::string state_dir);
  virtual ~Provisioner();
  Provisioner(const Provisioner&) = delete;
  Provisioner& operator=(const Provisioner&) = delete;

  // Provisions every network and domain of `plan` for `exercise`. Idempotent:
  // objects that exist and are correct are kept, missing ones created, so a
  // second Up resumes a partial one. A domain that fails is retried
  // (options.retries), then reported in the UpReport while the rest stays up;
  // the Result is an error only when nothing could be attempted.
  Result<UpReport> Up(const topology::RangePlan& plan, const ExerciseId& exercise,
                      const UpOptions& options);

  // Removes every domain, network, overlay and range file of the exercise,
  // found in the backend by metadata and names (not from memory), and marks
  // the exercise as down (down.json). plan.json and the event log stay: a
  // finished exercise keeps its topology for the GUI and reports. A second
  // Down finds nothing and succeeds.
  Result<DownReport> Down(const ExerciseId& exercise);

  // Runs argv in the guest through its agent. The timeout covers the whole
  // command; when it passes the process is killed and DeadlineExceeded is
  // returned. Team kSharedTeam (or "") addresses shared nodes.
  Result<ExecResult> Exec(const ExerciseId& exercise, const TeamId& team, const NodeId& node,
                          const std::vector<std::string>& argv, Duration timeout);
  Status PushFile(const ExerciseId& exercise, const TeamId& team, const NodeId& node,
                  const std::string& guest_path, const std::string& content, int mode);
  // Attaches to the node's serial console (team kSharedTeam for shared
  // nodes). FailedPrecondition when the backend has none, Unavailable when
  // the domain is not running or its console is held by another client.
  Result<std::unique_ptr<Console>> OpenConsole(const ExerciseId& exercise, const TeamId& team,
                                               const NodeId& node);
  Result<std::string> PullFile(const ExerciseId& exercise, const TeamId& team, const NodeId& node,
                               const std::string& guest_path);

  // Saves the running state of one node (node set) or of every node of a
  // team's copy; Revert then restores it. Disk templates also keep a copy of
  // the node's overlay taken while the guest is stopped for the save, which
  // Revert swaps back in before restoring the memory state.
  Status Snapshot(const ExerciseId& exercise, const TeamId& team, std::optional<NodeId> node);

  // Puts one node or a team's whole copy back to its pristine state: the
  // saved state when a Snapshot exists, else a cold boot from the original
  // boot configuration (fresh overlay for disk templates) followed by
  // readiness and re-planting the files. Every node reverted is appended to
  // reverts.jsonl, failures included.
  Result<std::vector<RevertRecord>> Revert(const ExerciseId& exercise, const TeamId& team,
                                           std::optional<NodeId> node, std::string reason,
                                           Duration ready_timeout = Duration::Seconds(300));

  Result<std::vector<ExerciseSummary>> List();

  const std::string& state_dir() const { return state_dir_; }
  ExercisePaths Paths(const ExerciseId& exercise) const;

 protected:
  // ---- hooks ----------------------------------------------------------------
  // One domain to act on, with what the hooks need to know about it.
  struct Target {
    ExerciseId exercise;
    ExercisePaths paths;
    const topology::RangePlan* plan = nullptr;
    const topology::PlannedDomain* domain = nullptr;
    const GuestSpec* guest = nullptr;
    std::string name;  // DomainName()
  };
  enum class Presence { kCreated, kKept, kRunning };

  // Called once before anything is created (e.g. resolve templates).
  virtual Status DoPrepare(const topology::RangePlan& plan, const ExerciseId& exercise) = 0;
  // Creates (or keeps, when correct) and starts one network.
  virtual Result<Presence> DoEnsureNetwork(const ExerciseId& exercise,
                                           const topology::PlannedNetwork& net) = 0;
  // Defines the domain (or keeps a correct definition). kRunning: it is
  // already running and, when `check_ready`, answers its readiness checks.
  virtual Result<Presence> DoEnsureDomain(const Target& t, bool check_ready) = 0;
  virtual Status DoStartDomain(const Target& t) = 0;
  virtual Status DoWaitReady(const Target& t, std::chrono::steady_clock::time_point deadline) = 0;
  // After readiness: plant files, enable forwarding.
  virtual Status DoConfigureGuest(const Target& t) = 0;
  // Stops a domain after a failed attempt (it stays defined).
  virtual Status DoStopDomain(const Target& t) = 0;
  virtual Result<DownReport> DoDown(const ExerciseId& exercise) = 0;
  virtual Result<ExecResult> DoExec(const Target& t, const std::vector<std::string>& argv,
                                    Duration timeout) = 0;
  virtual Status DoPushFile(const Target& t, const std::string& path, const std::string& content,
                            int mode) = 0;
  virtual Result<std::string> DoPullFile(const Target& t, const std::string& path) = 0;
  // Default: FailedPrecondition (a backend without consoles).
  virtual Result<std::unique_ptr<Console>> DoOpenConsole(const Target& t);
  virtual Status DoSnapshot(const Target& t) = 0;
  // Returns the method used ("restore" or "reboot").
  virtual Result<std::string> DoRevert(const Target& t,
                                       std::chrono::steady_clock::time_point deadline) = 0;
  virtual Result<std::vector<ExerciseSummary>> DoList() = 0;
  // After DoDown: removes what the backend leaves behind for the objects
  // named in the report (counted in leftovers; failures go to warnings).
  virtual void DoRemoveLeftovers(DownReport& report);

 private:
  struct Loaded;
  Result<Loaded> Load(const ExerciseId& exercise) const;
  Result<Target> TargetFor(const Loaded& l, const ExerciseId& exercise, const TeamId& team,
                           const NodeId& node) const;
  void EmitProgress(const UpOptions& o, Progress p);

  std::string state_dir_;
  std::mutex progress_mu_;  // progress callbacks come from workers, one at a time
};

}  // namespace livefire::provision
