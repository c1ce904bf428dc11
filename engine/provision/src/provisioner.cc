#include "livefire/provision/provisioner.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <ctime>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <semaphore>
#include <set>
#include <thread>

#include "fnv1a.h"
#include "livefire/files.h"
#include "parallel_for.h"
#include "state.h"

namespace livefire::provision {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

bool IsHex(std::string_view s) {
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

// Domains of one layer waiting for readiness at once.
constexpr int kMaxWaiters = 64;

std::string Sanitize(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c == '.' || c == '_') c = '-';
  }
  return out;
}

double SecondsSince(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

std::string WallTimeUtc() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

bool ValidMac(std::string_view m) {
  if (m.size() != 17) return false;
  for (size_t i = 0; i < m.size(); ++i) {
    char c = m[i];
    if (i % 3 == 2) {
      if (c != ':') return false;
    } else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) {
      return false;
    }
  }
  return true;
}

Status ValidatePlan(const topology::RangePlan& plan) {
  if (plan.domains.empty()) return Status::InvalidArgument("the plan has no domains");
  std::set<std::string> nets, doms, names, macs;
  for (const auto& n : plan.networks) {
    if (n.key.empty()) return Status::InvalidArgument("a planned network has no key");
    if (!nets.insert(n.key).second) {
      return Status::InvalidArgument(fmt::format("network key '{}' appears twice", n.key));
    }
    if (n.host_address.empty() || n.prefix <= 0 || n.prefix > 30) {
      return Status::InvalidArgument(
          fmt::format("network '{}' needs a host address and a prefix in 1..30", n.key));
    }
  }
  for (const auto& d : plan.domains) {
    LF_RETURN_IF_ERROR(CheckName("node", d.node).WithContext("domain '" + d.key + "'"));
    if (!d.team.empty()) {
      LF_RETURN_IF_ERROR(CheckName("team", d.team).WithContext("domain '" + d.key + "'"));
    }
    if (!doms.insert(d.key).second) {
      return Status::InvalidArgument(fmt::format("domain key '{}' appears twice", d.key));
    }
    if (!names.insert(d.team + "/" + d.node).second) {
      return Status::InvalidArgument(
          fmt::format("node '{}' of team '{}' appears twice", d.node, d.team));
    }
    if (d.template_name.empty()) {
      return Status::InvalidArgument(fmt::format("domain '{}' has no template", d.key));
    }
    for (const auto& i : d.interfaces) {
      if (!nets.count(i.network_key)) {
        return Status::InvalidArgument(
            fmt::format("domain '{}' is attached to unknown network '{}'", d.key, i.network_key));
      }
      if (!ValidMac(i.mac)) {
        return Status::InvalidArgument(
            fmt::format("domain '{}': '{}' is not a MAC address", d.key, i.mac));
      }
      if (!macs.insert(i.mac).second) {
        return Status::InvalidArgument(
            fmt::format("domain '{}': MAC {} is used twice", d.key, i.mac));
      }
    }
  }
  return Status::Ok();
}

std::string TeamArg(const TeamId& team) {
  return team.str() == kSharedTeam ? std::string() : team.str();
}

}  // namespace

std::string_view ToString(Progress::Kind k) {
  switch (k) {
    case Progress::Kind::kNetwork:
      return "network";
    case Progress::Kind::kDefined:
      return "defined";
    case Progress::Kind::kStarted:
      return "started";
    case Progress::Kind::kReady:
      return "ready";
    case Progress::Kind::kKept:
      return "kept";
    case Progress::Kind::kRetry:
      return "retry";
    case Progress::Kind::kFailed:
      return "failed";
    case Progress::Kind::kRemoved:
      return "removed";
  }
  return "?";
}

int UpReport::failed() const {
  return static_cast<int>(
      std::count_if(domains.begin(), domains.end(), [](const DomainOutcome& d) { return !d.ok; }));
}

std::string ExerciseShort(const ExerciseId& id) {
  const std::string& s = id.str();
  auto dash = s.rfind('-');
  if (dash != std::string::npos && s.size() - dash - 1 == 6 && IsHex(s.substr(dash + 1))) {
    return s.substr(dash + 1);
  }
  return fmt::format("{:06x}", Fnv1a(s) & 0xffffff);
}

std::string DomainName(const ExerciseId& id, const topology::PlannedDomain& d) {
  return fmt::format("lf-{}-{}-{}", ExerciseShort(id),
                     d.team.empty() ? std::string(kSharedTeam) : d.team, Sanitize(d.node));
}

std::string NetworkName(const ExerciseId& id, const topology::PlannedNetwork& n) {
  return fmt::format("lf-{}-{}", ExerciseShort(id), Sanitize(n.key));
}

std::string BridgeName(const ExerciseId& id, std::string_view network_name) {
  return fmt::format("lf{:012x}",
                     Fnv1a(id.str() + "/" + std::string(network_name)) & 0xffffffffffffull);
}

std::string ExercisePaths::console(std::string_view domain) const {
  return fmt::format("{}/console/{}.log", dir, domain);
}
std::string ExercisePaths::save(std::string_view domain) const {
  return fmt::format("{}/saves/{}.save", dir, domain);
}
std::string ExercisePaths::disk(std::string_view domain) const {
  return fmt::format("{}/disks/{}.qcow2", dir, domain);
}

Provisioner::Provisioner(std::string state_dir) : state_dir_(std::move(state_dir)) {}
Provisioner::~Provisioner() = default;

ExercisePaths Provisioner::Paths(const ExerciseId& exercise) const {
  return {state_dir_ + "/exercises/" + exercise.str()};
}

void Provisioner::EmitProgress(const UpOptions& o, Progress p) {
  if (!o.progress) return;
  std::lock_guard lock(progress_mu_);
  o.progress(p);
}

struct Provisioner::Loaded {
  ExerciseState state;
};

Result<Provisioner::Loaded> Provisioner::Load(const ExerciseId& exercise) const {
  const ExercisePaths paths = Paths(exercise);
  std::error_code ec;
  // plan.json outlives the range (the record of the topology); down.json
  // says the domains it names are gone.
  if (fs::exists(paths.down_marker(), ec)) {
    return Status::FailedPrecondition(
        fmt::format("exercise {} was taken down (see {}): set it up again with `livefire up`",
                    exercise.str(), paths.down_marker()));
  }
  LF_ASSIGN_OR_RETURN(ExerciseState st, ReadExerciseState(paths.plan()));
  return Loaded{std::move(st)};
}

Result<UpReport> Provisioner::Up(const topology::RangePlan& plan, const ExerciseId& exercise,
                                 const UpOptions& options) {
  const auto t0 = Clock::now();
  LF_RETURN_IF_ERROR(CheckName("exercise id", exercise.str(), 40));
  LF_RETURN_IF_ERROR(ValidatePlan(plan));
  if (options.parallelism < 1 || options.parallelism > 64) {
    return Status::InvalidArgument("parallelism must be in 1..64");
  }
  if (options.retries < 0 || options.retries > 10) {
    return Status::InvalidArgument("retries must be in 0..10");
  }
  if (options.wait_ready && options.ready_timeout <= Duration::Zero()) {
    return Status::InvalidArgument("the readiness timeout must be positive");
  }
  LF_RETURN_IF_ERROR(DoPrepare(plan, exercise));

  // State first: after a crash from here on, Down and Exec still find everything.
  const ExercisePaths paths = Paths(exercise);
  std::error_code ec;
  for (const char* sub : {"console", "saves", "disks"}) {
    fs::create_directories(paths.dir + "/" + sub, ec);
    if (ec) {
      return Status::Internal(fmt::format("cannot create {}/{}: {}", paths.dir, sub, ec.message()));
    }
  }
  ExerciseState state{exercise.str(), plan, options.guests};
  LF_RETURN_IF_ERROR(WriteExerciseState(paths.plan(), state));
  // The range is (being) built again: no longer down.
  fs::remove(paths.down_marker(), ec);
  if (ec) {
    return Status::Internal(fmt::format("cannot remove {}: {}", paths.down_marker(), ec.message()));
  }

  UpReport report;
  report.exercise = exercise;
  const int total = static_cast<int>(plan.domains.size());
  for (const auto& n : plan.networks) {
    LF_ASSIGN_OR_RETURN(Presence p, DoEnsureNetwork(exercise, n));
    (p == Presence::kCreated ? report.networks_created : report.networks_kept)++;
    EmitProgress(options, {Progress::Kind::kNetwork, n.key,
                           p == Presence::kCreated ? "created" : "kept", 0, total});
  }

  report.domains.resize(plan.domains.size());
  std::set<int> layers;
  for (const auto& d : plan.domains) layers.insert(d.layer);
  std::atomic<int> done{0};
  std::counting_semaphore<> slots(options.parallelism);
  static const GuestSpec kBare;

  for (int layer : layers) {
    std::vector<size_t> idx;
    for (size_t i = 0; i < plan.domains.size(); ++i) {
      if (plan.domains[i].layer == layer) idx.push_back(i);
    }
    // Readiness waits are only polling: a wide pool runs them side by side,
    // while the semaphore bounds the libvirt work (define, start, stop).
    ParallelFor(idx.size(), kMaxWaiters, [&](size_t j) {
      const auto& d = plan.domains[idx[j]];
      auto g = options.guests.find(d.key);
      Target t{exercise,
               paths,
               &plan,
               &d,
               g == options.guests.end() ? &kBare : &g->second,
               DomainName(exercise, d)};
      DomainOutcome& out = report.domains[idx[j]];
      out.key = d.key;
      out.name = t.name;
      const auto start = Clock::now();
      for (int attempt = 1; attempt <= options.retries + 1 && !out.ok; ++attempt) {
        out.attempts = attempt;
        Status s;
        slots.acquire();
        auto pres = DoEnsureDomain(t, options.wait_ready);
        if (pres.ok() && *pres != Presence::kRunning) {
          EmitProgress(options, {Progress::Kind::kDefined, d.key, t.name, done, total});
          s = DoStartDomain(t);
        }
        slots.release();
        if (pres.ok() && *pres == Presence::kRunning) {
          out.ok = out.kept = true;
          EmitProgress(options, {Progress::Kind::kKept, d.key, t.name, ++done, total});
          break;
        }
        if (!pres.ok()) {
          s = pres.status();
        } else {
          if (s.ok()) {
            EmitProgress(options, {Progress::Kind::kStarted, d.key, t.name, done, total});
            if (options.wait_ready) {
              s = DoWaitReady(
                  t, Clock::now() + std::chrono::nanoseconds(options.ready_timeout.nanos()));
              if (s.ok()) s = DoConfigureGuest(t);
              if (s.ok() && options.snapshot) s = DoSnapshot(t);
            }
          }
          if (!s.ok()) {
            slots.acquire();
            Status stop = DoStopDomain(t);
            slots.release();
            if (!stop.ok()) spdlog::warn("stopping {} after a failure: {}", t.name, stop.message());
          }
        }
        if (s.ok()) {
          out.ok = true;
          out.status = Status::Ok();
          out.ready_seconds = SecondsSince(start);
          EmitProgress(options, {Progress::Kind::kReady, d.key, t.name, ++done, total});
        } else {
          out.status = s.WithContext(fmt::format("{} (attempt {})", d.key, attempt));
          if (attempt <= options.retries) {
            EmitProgress(options, {Progress::Kind::kRetry, d.key, s.message(), done, total});
          }
        }
      }
      if (!out.ok) {
        EmitProgress(options,
                     {Progress::Kind::kFailed, d.key, out.status.message(), ++done, total});
      }
    });
  }
  report.seconds = SecondsSince(t0);
  return report;
}

Result<DownReport> Provisioner::Down(const ExerciseId& exercise) {
  LF_RETURN_IF_ERROR(CheckName("exercise id", exercise.str(), 40));
  LF_ASSIGN_OR_RETURN(DownReport r, DoDown(exercise));
  // The range's files go; the exercise's record stays: plan.json (the
  // topology a finished exercise is shown with), its event log (events.db*),
  // the scenario copy, exercise.json, reports and the revert log are
  // evidence for reports, appeals and the maturity assessment.
  const ExercisePaths paths = Paths(exercise);
  std::error_code ec;
  // The kept plan names the objects a previous Down (or a crash) already
  // removed from the backend, so their leftovers are found on a second Down.
  if (auto st = ReadExerciseState(paths.plan()); st.ok()) {
    auto add = [](std::vector<std::string>& v, std::string name) {
      if (std::find(v.begin(), v.end(), name) == v.end()) v.push_back(std::move(name));
    };
    for (const auto& d : st->plan.domains) add(r.domain_names, DomainName(exercise, d));
    for (const auto& n : st->plan.networks) add(r.network_names, NetworkName(exercise, n));
  }
  DoRemoveLeftovers(r);
  for (const std::string& p :
       {paths.dir + "/console", paths.dir + "/saves", paths.dir + "/disks"}) {
    if (!fs::exists(p, ec)) continue;
    fs::remove_all(p, ec);
    if (ec) return Status::Internal(fmt::format("cannot remove {}: {}", p, ec.message()));
    r.state_removed = true;
  }
  if (fs::exists(paths.plan(), ec) && !fs::exists(paths.down_marker(), ec)) {
    nlohmann::json marker = {{"exercise", exercise.str()}, {"down_at", WallTimeUtc()}};
    LF_RETURN_IF_ERROR(WriteFileAtomic(paths.down_marker(), marker.dump() + "\n"));
    r.state_removed = true;
  }
  // Nothing but the plan: no record to keep it for (an exercise set up by
  // the provisioner alone, never run): the folder goes too.
  if (fs::is_directory(paths.dir, ec)) {
    bool record = false;
    for (const auto& entry : fs::directory_iterator(paths.dir, ec)) {
      const std::string name = entry.path().filename().string();
      record |= name != "plan.json" && name != "down.json";
    }
    if (!record && !ec) fs::remove_all(paths.dir, ec);
  }
  return r;
}

void Provisioner::DoRemoveLeftovers(DownReport&) {}

namespace {
const topology::PlannedDomain* FindPlanned(const topology::RangePlan& plan, std::string_view team,
                                           std::string_view node) {
  for (const auto& d : plan.domains) {
    if (d.team == team && d.node == node) return &d;
  }
  return nullptr;
}

const GuestSpec& GuestOf(const ExerciseState& st, const std::string& key) {
  static const GuestSpec kBare;
  auto g = st.guests.find(key);
  return g == st.guests.end() ? kBare : g->second;
}
}  // namespace

Result<Provisioner::Target> Provisioner::TargetFor(const Loaded& l, const ExerciseId& exercise,
                                                   const TeamId& team, const NodeId& node) const {
  const topology::PlannedDomain* d = FindPlanned(l.state.plan, TeamArg(team), node.str());
  if (d == nullptr) {
    return Status::NotFound(fmt::format("exercise {} has no node '{}' in team '{}'", exercise.str(),
                                        node.str(), team.str()));
  }
  return Target{exercise, Paths(exercise),           &l.state.plan,
                d,        &GuestOf(l.state, d->key), DomainName(exercise, *d)};
}

Result<ExecResult> Provisioner::Exec(const ExerciseId& exercise, const TeamId& team,
                                     const NodeId& node, const std::vector<std::string>& argv,
                                     Duration timeout) {
  if (argv.empty() || argv.front().empty()) {
    return Status::InvalidArgument("exec needs a command");
  }
  if (timeout <= Duration::Zero()) return Status::InvalidArgument("exec timeout must be positive");
  LF_ASSIGN_OR_RETURN(Loaded loaded, Load(exercise));
  LF_ASSIGN_OR_RETURN(Target t, TargetFor(loaded, exercise, team, node));
  return DoExec(t, argv, timeout);
}

Status Provisioner::PushFile(const ExerciseId& exercise, const TeamId& team, const NodeId& node,
                             const std::string& guest_path, const std::string& content, int mode) {
  if (guest_path.empty() || guest_path.front() != '/') {
    return Status::InvalidArgument("guest path must be absolute: '" + guest_path + "'");
  }
  LF_ASSIGN_OR_RETURN(Loaded loaded, Load(exercise));
  LF_ASSIGN_OR_RETURN(Target t, TargetFor(loaded, exercise, team, node));
  return DoPushFile(t, guest_path, content, mode);
}

Result<std::unique_ptr<Console>> Provisioner::OpenConsole(const ExerciseId& exercise,
                                                          const TeamId& team, const NodeId& node) {
  LF_ASSIGN_OR_RETURN(Loaded loaded, Load(exercise));
  LF_ASSIGN_OR_RETURN(Target t, TargetFor(loaded, exercise, team, node));
  return DoOpenConsole(t);
}

Result<std::unique_ptr<Console>> Provisioner::DoOpenConsole(const Target& t) {
  return Status::FailedPrecondition("domain " + t.name + ": this backend has no serial consoles");
}

Result<std::string> Provisioner::PullFile(const ExerciseId& exercise, const TeamId& team,
                                          const NodeId& node, const std::string& guest_path) {
  if (guest_path.empty() || guest_path.front() != '/') {
    return Status::InvalidArgument("guest path must be absolute: '" + guest_path + "'");
  }
  LF_ASSIGN_OR_RETURN(Loaded loaded, Load(exercise));
  LF_ASSIGN_OR_RETURN(Target t, TargetFor(loaded, exercise, team, node));
  return DoPullFile(t, guest_path);
}

namespace {
std::vector<const topology::PlannedDomain*> Select(const topology::RangePlan& plan,
                                                   const std::string& team,
                                                   const std::optional<NodeId>& node) {
  std::vector<const topology::PlannedDomain*> out;
  for (const auto& d : plan.domains) {
    if (d.team == team && (!node || d.node == node->str())) out.push_back(&d);
  }
  return out;
}
}  // namespace

Status Provisioner::Snapshot(const ExerciseId& exercise, const TeamId& team,
                             std::optional<NodeId> node) {
  LF_ASSIGN_OR_RETURN(Loaded loaded, Load(exercise));
  auto sel = Select(loaded.state.plan, TeamArg(team), node);
  if (sel.empty()) {
    return Status::NotFound(fmt::format("exercise {} has no {} in team '{}'", exercise.str(),
                                        node ? "node '" + node->str() + "'" : "node", team.str()));
  }
  for (const auto* d : sel) {
    Target t{exercise,
             Paths(exercise),
             &loaded.state.plan,
             d,
             &GuestOf(loaded.state, d->key),
             DomainName(exercise, *d)};
    LF_RETURN_IF_ERROR(DoSnapshot(t));
  }
  return Status::Ok();
}

Result<std::vector<RevertRecord>> Provisioner::Revert(const ExerciseId& exercise,
                                                      const TeamId& team,
                                                      std::optional<NodeId> node,
                                                      std::string reason, Duration ready_timeout) {
  if (ready_timeout <= Duration::Zero()) {
    return Status::InvalidArgument("the readiness timeout must be positive");
  }
  LF_ASSIGN_OR_RETURN(Loaded loaded, Load(exercise));
  auto sel = Select(loaded.state.plan, TeamArg(team), node);
  if (sel.empty()) {
    return Status::NotFound(fmt::format("exercise {} has no {} in team '{}'", exercise.str(),
                                        node ? "node '" + node->str() + "'" : "node", team.str()));
  }
  const ExercisePaths paths = Paths(exercise);
  std::vector<RevertRecord> records(sel.size());
  std::mutex log_mu;
  Status log_status;
  ParallelFor(sel.size(), 4, [&](size_t i) {
    const auto* d = sel[i];
    Target t{exercise,
             paths,
             &loaded.state.plan,
             d,
             &GuestOf(loaded.state, d->key),
             DomainName(exercise, *d)};
    RevertRecord& r = records[i];
    r.exercise = exercise.str();
    r.team = d->team;
    r.node = d->node;
    r.domain = t.name;
    r.reason = reason;
    r.wall_time = WallTimeUtc();
    const auto start = Clock::now();
    auto m = DoRevert(t, start + std::chrono::nanoseconds(ready_timeout.nanos()));
    r.seconds = SecondsSince(start);
    r.ok = m.ok();
    if (m.ok()) {
      r.method = *m;
    } else {
      r.error = m.status().message();
    }
    std::lock_guard lock(log_mu);
    Status s = AppendRevert(paths.reverts(), r);
    if (!s.ok()) log_status = s;
  });
  LF_RETURN_IF_ERROR(log_status);
  return records;
}

Result<std::vector<ExerciseSummary>> Provisioner::List() {
  LF_ASSIGN_OR_RETURN(std::vector<ExerciseSummary> found, DoList());
  std::error_code ec;
  const std::string root = state_dir_ + "/exercises";
  std::set<std::string> seen;
  for (auto& e : found) {
    e.has_state = fs::exists(root + "/" + e.exercise, ec);
    e.down =
        e.domains == 0 && e.networks == 0 && fs::exists(root + "/" + e.exercise + "/down.json", ec);
    seen.insert(e.exercise);
  }
  if (fs::is_directory(root, ec)) {
    for (const auto& entry : fs::directory_iterator(root, ec)) {
      std::string id = entry.path().filename().string();
      if (entry.is_directory() && !seen.count(id)) {
        ExerciseSummary s;
        s.exercise = id;
        s.has_state = true;
        s.down = fs::exists(entry.path() / "down.json", ec);
        found.push_back(s);
      }
    }
  }
  std::sort(found.begin(), found.end(),
            [](const auto& a, const auto& b) { return a.exercise < b.exercise; });
  return found;
}

}  // namespace livefire::provision
