#pragma once
// The typed scenario model: what scenario.lua declares, after loading and
// validation. Pure data (no Lua state): inject bodies and condition
// predicates stay in the Lua file and are looked up by inject name when the
// runtime loads the scenario into its own sandbox.
//
// Every element keeps the SourceLoc it was declared at so that every error,
// here or later at run time, can name scenario.lua:LINE.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "livefire/time.h"

namespace livefire::model {

struct SourceLoc {
  std::string file;  // path as given to the loader, e.g. scenarios/x/scenario.lua
  int line = 0;
  std::string ToString() const;  // "file:line" (or "file" when line is 0)
};

// ---- teams ---------------------------------------------------------------
enum class TeamRole { kWhite, kRed, kBlue };

struct Team {
  std::string name;          // id used everywhere: "white", "red1", "blue1"
  TeamRole role = TeamRole::kBlue;
  std::string display_name;  // free text, may be Vietnamese
  std::string organisation;  // e.g. the province's IR team
  int members = 0;           // Decree 85 IR teams have at least 5 experts
  // Per-person accounts `up` creates beside the team's own (account
  // "<team>-<person>"), e.g. { "an", "binh" }.
  std::vector<std::string> people;
  SourceLoc loc;
};

// ---- networks and firewall ----------------------------------------------
enum class NetworkZone {
  kPerTeam,  // copied once per blue team (DMZ, internal)
  kShared,   // one instance for the whole exercise (the red zone)
};

struct Network {
  std::string name;  // "dmz"
  std::string cidr;  // "10.10.1.0/24": the addresses nodes declare
  NetworkZone zone = NetworkZone::kPerTeam;
  std::string description;
  SourceLoc loc;
};

enum class RuleAction { kAllow, kDeny };

// A routing/firewall rule between networks (or single nodes). Rules are
// evaluated in declaration order, first match wins; traffic inside one
// network is always allowed; between networks the scenario's default_policy
// applies when no rule matches.
struct FirewallRule {
  RuleAction action = RuleAction::kAllow;
  std::string from;      // network or node name, or "*"
  std::string to;        // network or node name, or "*"
  std::string protocol;  // "tcp", "udp", "icmp" or "any"
  int port_min = 0;      // 0..65535; 0/0 means every port
  int port_max = 0;
  std::string description;
  SourceLoc loc;
};

// ---- nodes ---------------------------------------------------------------
struct Interface {
  std::string network;  // scenario network name
  std::string address;  // "10.10.1.10" (inside the network's CIDR)
  SourceLoc loc;
};

struct Resources {
  int vcpus = 0;      // 0 = template default
  int memory_mb = 0;  // 0 = template default
  int disk_gb = 0;    // 0 = template default / none
};

// How the scoring engine checks a service (issue: scoring).
struct HealthCheck {
  std::string kind;      // "http", "tcp", "dns", "smtp", "ftp", "ssh", "telnet", "lua", "" = none
  std::string path;      // http: request path
  int expect_status = 0; // http: expected status code (0 = any 2xx/3xx)
  std::string expect;    // content or banner that must appear
  std::string query;     // dns: name to resolve
  std::string lua_check; // lua: name of a check function in scenario.lua
  SourceLoc loc;
};

struct Service {
  std::string name;      // "http", "portal-cgi" (unique within the node)
  std::string protocol;  // "tcp" or "udp"
  int port = 0;
  // Networks (or "internet"-like shared zones) that must be able to reach it;
  // validation checks the firewall lets them.
  std::vector<std::string> reachable_from;
  HealthCheck check;
  SourceLoc loc;
};

enum class Severity { kLow, kMedium, kHigh, kCritical };

// What exploiting a weakness gives red in the attack model (docs/
// scenario-language.md, "Attack model"). Only a foothold, a login or an
// escalation changes what red owns: enumeration never does.
enum class VulnEffect {
  kFoothold,     // code execution or a login: red owns the node with `gives`
  kCredentials,  // discloses the credentials in `yields`
  kInformation,  // enumeration / information only: no foothold
  kPrivesc,      // local: from a foothold on the node to root
};

enum class Privilege { kNone, kUser, kRoot };

// Simulation parameters of one weakness (`sim = { ... }`); unset fields take
// the simulator's defaults (docs/simulation.md). The live range ignores them.
struct SimParams {
  std::optional<double> success;           // probability an attempt succeeds
  std::optional<Duration> time_to_exploit;  // mean time of an attempt
  std::optional<double> detect;            // probability blue sees it in the logs
  std::optional<Duration> detect_delay;     // median time until blue sees it
  std::optional<Duration> time_to_patch;    // mean time from detection to patch
  std::optional<double> block;             // probability blue blocks the source at the firewall
  std::optional<Duration> time_to_block;    // mean time from detection to the block
};

struct Vulnerability {
  std::string id;       // template vulnerability id: "cgi-cmd-injection"
  std::string cwe;      // "CWE-78"
  Severity severity = Severity::kMedium;
  std::string service;  // affected service name on the same node ("" = local only)
  std::string description;
  double exploit_cost = 1.0;  // relative effort; attack paths minimise the sum
  // The loader's default is kFoothold with a service, kCredentials with
  // `yields`, else kInformation (a local weakness claims nothing unless told).
  VulnEffect effect = VulnEffect::kFoothold;
  Privilege gives = Privilege::kRoot;  // kFoothold: the privilege red gets
  Privilege needs = Privilege::kUser;  // local: the foothold it needs on this node first
  std::vector<std::string> yields;     // kCredentials: credential names disclosed
  // Non-empty: exploiting needs this credential (a reused password, not a
  // guessable one); an account of this node carries it.
  std::string credential;
  SimParams sim;
  SourceLoc loc;
};

struct Account {
  std::string user;
  std::string password;
  bool admin = false;
  // Attack model: the name red holds this login by once a weakness yields it
  // ("" = not modelled). Accounts that share a name share user and password
  // (that is what reuse means).
  std::string credential;
  // Services of this node that accept the account: with the credential, red
  // logs in from anywhere that reaches one (root when admin, else user).
  std::vector<std::string> login;
  SourceLoc loc;
};

// A file the engine places on the node after boot (through the guest agent).
struct PlantedFile {
  std::string path;     // in the guest
  std::string content;  // inline text, or
  std::string source;   // path relative to the scenario folder
  int mode = 0644;
  SourceLoc loc;
};

struct Node {
  std::string name;      // "portal"
  std::string template_name;  // folder under vm-templates/
  std::vector<Interface> interfaces;
  Resources resources;
  std::vector<Service> services;
  std::vector<Vulnerability> vulnerabilities;
  std::vector<Account> accounts;
  std::vector<PlantedFile> files;
  int security_level = 0;  // 1..5 (Decree 85/2016); 0 = inherit the scenario's
  double value = 1.0;      // weight of this system (crown jewels > 1)
  std::string role;        // free text: "public portal", "document server"
  SourceLoc loc;
};

// ---- objectives ------------------------------------------------------------
enum class ObjectiveKind {
  kReadFlag,     // red: read a flag file on node
  kDeface,       // red: change the page served at service/path
  kExfiltrate,   // red: get a file off the node to the red zone
  kPersist,      // red: leave a foothold that survives a while
  kKeepAvailable,// blue: keep service up
};

struct Objective {
  std::string name;
  ObjectiveKind kind = ObjectiveKind::kReadFlag;
  std::string node;
  std::string service;  // deface / keep_available
  std::string path;     // flag file, defaced page, exfiltrated file
  std::string flag;     // expected flag text (read_flag, exfiltrate)
  double points = 0;
  std::string description;
  SourceLoc loc;
};

// ---- injects ---------------------------------------------------------------
enum class InjectOwner { kRed, kBlue, kWhite };
enum class TriggerKind { kAt, kAfter, kCondition, kManual };
enum class AfterOutcome { kSuccess, kFailure, kCompletion };

struct Trigger {
  TriggerKind kind = TriggerKind::kManual;
  Duration at;                 // kAt: exercise time
  std::string after;           // kAfter: other inject's name
  AfterOutcome on = AfterOutcome::kCompletion;
  Duration delay;              // kAfter: offset after that outcome
  Duration poll_interval;      // kCondition: how often the predicate runs
  SourceLoc loc;
};

struct Inject {
  std::string name;
  InjectOwner owner = InjectOwner::kWhite;
  std::string description;
  std::string technique;  // MITRE ATT&CK id: "T1190", "T1059.004" ("" for white)
  std::string target;     // node name the inject acts on ("" = none)
  Trigger trigger;
  bool has_body = false;       // a Lua `run` function exists
  bool has_condition = false;  // kCondition: a Lua `when` predicate exists
  int repeat_count = 1;        // how many times it may run at most
  Duration repeat_interval;    // wait between repeats
  bool until_success = false;  // stop repeating after the first success
  double points_success = 0;   // to the owner's team
  double points_failure = 0;
  // White-cell tasks for blue teams ("file a report within 20 minutes").
  Duration response_due;       // 0 = no response expected
  SourceLoc loc;
};

// ---- scoring parameters (defaults documented in docs/scoring.md) -----------
struct ScoringWeights {
  double availability = 0.30;
  double red_impact = 0.25;
  double detection = 0.25;
  double reports = 0.15;
  double penalties = 0.05;
};

enum class DecayShape { kLinear, kQuadratic };

struct ScoringParams {
  ScoringWeights weights;
  Duration check_interval = Duration::Seconds(60);
  Duration check_jitter = Duration::Seconds(5);
  Duration check_timeout = Duration::Seconds(5);
  int sla_threshold = 3;        // consecutive failed rounds before an SLA penalty
  double sla_penalty = 5.0;     // points per SLA breach round
  double sla_cap = 100.0;       // total SLA penalty cap per service
  DecayShape ttd_decay = DecayShape::kLinear;
  Duration ttd_full_credit = Duration::Minutes(5);  // full credit if detected within
  Duration ttd_zero_credit = Duration::Minutes(60); // floor reached at
  double ttd_floor = 0.1;       // fraction of credit kept after ttd_zero_credit
  double false_report_penalty = 2.0;
  double detection_refund = 0.5;  // part of the red deduction a timely report earns back
  double revert_penalty = 10.0;
  int free_wrong_flags = 3;
  double wrong_flag_penalty = 1.0;
  // Added by scoring (docs/scoring.md explains each rule).
  double round_points = 1.0;        // availability: per service per up round (x node value)
  double compromise_points = 50.0;  // red impact base for an objective without points
  double persist_rate = 0.1;        // share of the deduction per hour of exercise time it persists
  double persist_cap = 1.0;         // accrued persistence at most this share of the deduction
  double detection_points = 20.0;   // credit for one detected red action (before decay)
  Duration detection_window = Duration::Hours(2);  // a report must come this soon after the action
  Duration detection_slack = Duration::Minutes(1); // observed_at may precede the action by this
  double late_factor = 0.5;         // grade share kept for a response after its due time
  Duration late_grace = Duration::Minutes(30);     // after due + grace a response is refused
  SourceLoc loc;
};

// ---- the scenario ------------------------------------------------------------
// How the scoreboard is shown to everyone but the white cell (observers,
// teams' remote feeds and status): live, frozen as it stood at an exercise
// time, or hidden. The white cell changes it with a `scoreboard` request.
enum class ScoreboardMode { kLive, kFrozen, kHidden };
struct ScoreboardShow {
  ScoreboardMode mode = ScoreboardMode::kLive;
  Duration frozen_at;  // kFrozen: the exercise time the board stops at
  bool operator==(const ScoreboardShow&) const = default;
};

struct Metadata {
  std::string name;  // id: [a-z0-9-]
  std::string title;
  std::string description;
  std::string organisation;  // ministry or province running the exercise
  // "national", "ministry" or "province" ("" = not declared): how the annual
  // statistics group exercises (docs/maturity.md).
  std::string kind;
  std::string version;  // the scenario's own version, free text ("" = none)
  int year = 0;
  int security_level = 3;    // 1..5, Decree 85/2016
  Duration duration = Duration::Hours(4);
  uint64_t seed = 1;         // recorded with the exercise; drives all jitter
  std::string address_pool = "10.64.0.0/10";  // where per-team copies are placed
  RuleAction default_policy = RuleAction::kDeny;  // between networks
  ScoreboardShow scoreboard;  // scoreboard = "live" | "hidden" | { frozen_at = "2h" }
  SourceLoc loc;
};

struct Scenario {
  std::string dir;   // the scenario folder
  std::string file;  // path of scenario.lua
  Metadata meta;
  std::vector<Team> teams;
  std::vector<Network> networks;
  std::vector<FirewallRule> rules;
  std::vector<Node> nodes;
  std::vector<Objective> objectives;
  std::vector<Inject> injects;
  ScoringParams scoring;

  const Team* FindTeam(std::string_view name) const;
  const Network* FindNetwork(std::string_view name) const;
  const Node* FindNode(std::string_view name) const;
  const Inject* FindInject(std::string_view name) const;
  std::vector<const Team*> TeamsWithRole(TeamRole role) const;
  // The node's security level, or the scenario's when the node has none.
  int EffectiveSecurityLevel(const Node& n) const;
};

std::string_view ToString(TeamRole);
std::string_view ToString(NetworkZone);
std::string_view ToString(RuleAction);
std::string_view ToString(Severity);
std::string_view ToString(VulnEffect);
std::string_view ToString(Privilege);
std::string_view ToString(ObjectiveKind);
std::string_view ToString(InjectOwner);
std::string_view ToString(TriggerKind);
std::string_view ToString(ScoreboardMode);  // "live", "frozen", "hidden"
std::optional<ScoreboardMode> ParseScoreboardMode(std::string_view text);
std::string_view ToString(AfterOutcome);

}  // namespace livefire::model
