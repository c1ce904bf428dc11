#include "livefire/gui/sample.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <random>
#include <set>

#include "livefire/store/event_store.h"

namespace livefire::gui {

namespace {

struct NetSpec {
  const char* name;
  const char* node_prefix;
  ServiceInfo service;
};
constexpr NetSpec kNets[] = {
    {"dmz", "web", {"http", "tcp", 80}},
    {"internal", "srv", {"smb", "tcp", 445}},
    {"mgmt", "adm", {"ssh", "tcp", 22}},
};

std::string Ip(uint32_t a) {
  return fmt::format("{}.{}.{}.{}", a >> 24, (a >> 16) & 255, (a >> 8) & 255, a & 255);
}

std::string Mac(uint32_t n) {
  return fmt::format("52:54:00:{:02x}:{:02x}:{:02x}", (n >> 16) & 255, (n >> 8) & 255, n & 255);
}

struct RedStep {
  const char* inject;
  const char* technique;
  const char* network;  // target network of the step
  const char* detail;
};
constexpr RedStep kRedSteps[] = {
    {"recon-web", "T1595", "dmz", "quét cổng và thư mục web"},
    {"exploit-cgi", "T1190", "dmz", "command injection in ping.cgi"},
    {"steal-creds", "T1552", "dmz", "read /var/backups/credentials.txt"},
    {"lateral-docs", "T1021", "internal", "telnet with the stolen admin password"},
    {"exfil-doc", "T1041", "internal", "tài liệu mật gửi ra ngoài qua HTTP"},
};

}  // namespace

ExercisePlan MakeSamplePlan(int teams, int nodes_per_team) {
  ExercisePlan ep;
  topology::RangePlan& p = ep.plan;
  p.scenario = "sample-range";
  p.address_pool = "10.64.0.0/10";
  uint32_t mac = 1;
  topology::PlannedNetwork red;
  red.key = "red";
  red.scenario_network = "red";
  red.cidr = "172.30.0.0/24";
  red.host_address = "172.30.0.1";
  p.networks.push_back(red);
  topology::PlannedDomain attacker;
  attacker.key = "attacker";
  attacker.node = "attacker";
  attacker.template_name = "kali-lite";
  attacker.interfaces.push_back({"red", "172.30.0.66", 24, Mac(mac++)});
  attacker.value = 0;
  p.domains.push_back(attacker);

  const uint32_t pool = (10u << 24) | (64u << 16);
  for (int t = 0; t < teams; ++t) {
    const std::string team = fmt::format("blue{}", t + 1);
    p.blue_teams.push_back(team);
    const uint32_t base = pool + static_cast<uint32_t>(t) * 1024;
    p.team_blocks.push_back(Ip(base) + "/22");
    topology::PlannedDomain router;
    router.key = team + ".lf-router";
    router.node = std::string(topology::kRouterNode);
    router.team = team;
    router.template_name = std::string(topology::kRouterTemplate);
    router.is_router = true;
    router.value = 0;
    for (int n = 0; n < 3; ++n) {
      topology::PlannedNetwork net;
      net.key = team + "." + kNets[n].name;
      net.scenario_network = kNets[n].name;
      net.team = team;
      const uint32_t nb = base + static_cast<uint32_t>(n) * 256;
      net.cidr = Ip(nb) + "/24";
      net.host_address = Ip(nb + 1);
      net.router_address = Ip(nb + 254);
      router.interfaces.push_back({net.key, net.router_address, 24, Mac(mac++)});
      p.networks.push_back(std::move(net));
    }
    router.interfaces.push_back({"red", Ip((172u << 24) | (30u << 16) | static_cast<uint32_t>(253 - t % 180)), 24,
                                 Mac(mac++)});
    p.domains.push_back(router);
    const int hosts = std::max(0, nodes_per_team - 1);  // the router counts as a node
    for (int i = 0; i < hosts; ++i) {
      const int n = i % 3;
      const int k = i / 3 + 1;
      topology::PlannedDomain d;
      d.node = fmt::format("{}{:02}", kNets[n].node_prefix, k);
      d.key = team + "." + d.node;
      d.team = team;
      d.template_name = "micro";
      d.layer = 1;
      d.value = n == 1 ? 2 : 1;
      const uint32_t nb = base + static_cast<uint32_t>(n) * 256;
      d.interfaces.push_back({team + "." + kNets[n].name, Ip(nb + 10 + std::min(k, 200)), 24,
                              Mac(mac++)});
      d.gateway = Ip(nb + 254);
      ep.services[d.key] = {kNets[n].service};
      p.domains.push_back(std::move(d));
    }
  }
  return ep;
}

std::vector<Event> MakeSampleEvents(const ExercisePlan& ep, const SampleOptions& o) {
  const topology::RangePlan& p = ep.plan;
  std::mt19937_64 rng(o.seed);
  auto pick = [&](uint64_t n) { return n == 0 ? 0 : rng() % n; };
  std::vector<Event> ev;
  auto add = [&](Duration at, std::string team, std::string_view kind, nlohmann::json payload) {
    Event e;
    e.time = SimTime::Start() + at;
    e.team = std::move(team);
    e.kind = std::string(kind);
    e.payload = std::move(payload);
    ev.push_back(std::move(e));
  };
  const Duration planned_end = o.round_interval * (o.check_rounds + 1);
  add(Duration::Zero(), "", kinds::kExerciseCreated,
      {{"scenario", p.scenario}, {"title", o.title}, {"organisation", o.organisation},
       {"year", 2026}, {"security_level", 3}, {"seed", o.seed}, {"duration_ns", planned_end.nanos()},
       {"blue_teams", p.blue_teams}});
  for (const auto& d : p.domains) {
    add(Duration::Zero(), d.team, kinds::kRangeNodeReady, {{"node", d.node}, {"domain", d.key}});
  }
  add(Duration::Seconds(1), "", kinds::kExerciseStarted, {{"speed", 1}});

  // Per team: nodes by network, for targets.
  std::map<std::string, std::map<std::string, std::vector<const topology::PlannedDomain*>>> by_net;
  for (const auto& d : p.domains) {
    if (d.team.empty() || d.is_router || d.interfaces.empty()) continue;
    const auto* net = p.FindNetwork(d.interfaces.front().network_key);
    by_net[d.team][net ? net->scenario_network : ""].push_back(&d);
  }

  // Red: each step planned a round apart, fired with a little drift.
  std::map<std::string, std::set<std::string>> compromised;  // team -> node keys
  std::map<std::string, Duration> compromised_at;
  const int steps = static_cast<int>(std::size(kRedSteps));
  for (const auto& team : p.blue_teams) {
    for (int s = 0; s < steps; ++s) {
      const RedStep& step = kRedSteps[s];
      const Duration planned = o.round_interval * (1 + s * std::max(1, o.check_rounds / steps)) +
                               Duration::Seconds(30);
      add(Duration::Seconds(1), team, kinds::kInjectArmed,
          {{"inject", step.inject}, {"side", "red"}, {"at_ns", planned.nanos()}});
      if (s == steps - 1 && pick(4) == 0) {
        add(planned, team, kinds::kInjectSkipped,
            {{"inject", step.inject}, {"reason", "condition false: no foothold in internal"}});
        continue;
      }
      const Duration fired = planned + Duration::Seconds(static_cast<int64_t>(pick(20)));
      add(fired, team, kinds::kInjectFired, {{"inject", step.inject}, {"side", "red"}});
      const auto& targets = by_net[team][step.network];
      if (targets.empty()) continue;
      const auto* target = targets[pick(std::min<size_t>(targets.size(), 3))];
      add(fired + Duration::Seconds(2), team, kinds::kRedAction,
          {{"node", target->node}, {"technique", step.technique}, {"inject", step.inject},
           {"detail", step.detail}});
      const bool success = pick(100) < 80;
      add(fired + Duration::Seconds(5), team, kinds::kInjectOutcome,
          {{"inject", step.inject}, {"outcome", success ? "success" : "failure"},
           {"reason", success ? "ok" : "target patched"}, {"points", success ? 10 : 0}});
      if (success && (s == 1 || s == 4) &&
          pick(1000) < static_cast<uint64_t>(o.compromise_fraction * 1000)) {
        add(fired + Duration::Seconds(6), team, kinds::kObjectiveReached,
            {{"node", target->node}, {"objective", s == 1 ? "root-dvc" : "steal-doc"},
             {"kind", s == 1 ? "read_flag" : "exfiltrate"}});
        compromised[team].insert(target->node);
        compromised_at[team + "/" + target->node] = fired + Duration::Seconds(6);
      }
      // Blue reports most actions a few minutes later.
      if (pick(100) < 70) {
        const Duration seen = fired + Duration::Seconds(30 + static_cast<int64_t>(pick(240)));
        add(seen + Duration::Seconds(60), team, kinds::kSubmissionReport,
            {{"node", target->node}, {"technique", step.technique},
             {"observed_at", seen.nanos()},
             {"description", fmt::format("Phát hiện {} trên {}", step.technique, target->node)}});
      }
    }
  }
  // The white cell reverts the first compromised node of the first team hit.
  if (!compromised.empty()) {
    const auto& [team, nodes] = *compromised.begin();
    const std::string& node = *nodes.begin();
    add(compromised_at[team + "/" + node] + Duration::Minutes(2), team, kinds::kRangeNodeReverted,
        {{"node", node}, {"by", "white"}, {"reason", "khôi phục sau khi bị chiếm quyền"}});
    compromised[team].erase(node);
  }
  // Service checks every round; a few random outages.
  for (int r = 0; r < o.check_rounds; ++r) {
    const Duration at = o.round_interval * (r + 1);
    for (const auto& d : p.domains) {
      if (d.team.empty() || d.is_router) continue;
      auto s = ep.services.find(d.key);
      const std::string svc = s != ep.services.end() && !s->second.empty() ? s->second[0].kind : "ping";
      const bool down = pick(100) < 4;
      add(at, d.team, kinds::kCheckResult,
          {{"service", svc}, {"node", d.node}, {"status", down ? "down" : "up"},
           {"latency_ms", down ? 3000 : 1 + static_cast<int>(pick(40))},
           {"detail", down ? "timeout after 3s" : "ok"}});
    }
  }
  add(o.round_interval * 3 + Duration::Seconds(45), "", kinds::kExercisePaused,
      {{"by", "white"}, {"reason", "họp giao ban"}});
  add(o.round_interval * 3 + Duration::Seconds(50), "", kinds::kExerciseResumed, {{"by", "white"}});
  std::stable_sort(ev.begin(), ev.end(),
                   [](const Event& a, const Event& b) { return a.time < b.time; });
  for (size_t i = 0; i < ev.size(); ++i) ev[i].seq = static_cast<int64_t>(i) + 1;

  // Grades for the first report of each of the first teams, then the end.
  std::set<std::string> graded;
  std::vector<std::pair<std::string, int64_t>> to_grade;
  for (const auto& e : ev) {
    if (e.kind == kinds::kSubmissionReport && graded.insert(e.team).second && graded.size() <= 3) {
      to_grade.emplace_back(e.team, e.seq);
    }
  }
  // The end comes a minute after the last thing that happened.
  const Duration end = std::max(planned_end, ev.back().time.SinceStart() + Duration::Minutes(1));
  const int bands[] = {100, 50, 0};
  for (size_t i = 0; i < to_grade.size(); ++i) {
    add(end - Duration::Seconds(30), to_grade[i].first, kinds::kGradeGiven,
        {{"target_seq", to_grade[i].second}, {"rubric", std::to_string(bands[i % 3])},
         {"points", 100}, {"grader", "white"}, {"comment", "chấm theo thang 0/50/100"}});
  }
  add(end, "", kinds::kExerciseEnded, {{"reason", "duration"}});
  for (size_t i = 0; i < ev.size(); ++i) ev[i].seq = static_cast<int64_t>(i) + 1;
  return ev;
}

Status WriteSampleExercise(const std::string& state_dir, const ExerciseId& id,
                           const ExercisePlan& plan, const std::vector<Event>& events) {
  LF_ASSIGN_OR_RETURN(auto db, store::EventStore::OpenExercise(state_dir, id));
  store::ExerciseRecord rec;
  rec.id = id.str();
  rec.scenario = plan.plan.scenario;
  for (const auto& e : events) {
    if (e.kind != kinds::kExerciseCreated) continue;
    rec.title = e.payload.value("title", "");
    rec.organisation = e.payload.value("organisation", "");
    rec.year = e.payload.value("year", 0);
    rec.security_level = e.payload.value("security_level", 0);
    rec.seed = e.payload.value("seed", uint64_t{0});
  }
  rec.status = "ended";
  LF_RETURN_IF_ERROR(db->PutExercise(rec));
  LF_RETURN_IF_ERROR(db->PutTeam({"white", "white", "", 0}));
  LF_RETURN_IF_ERROR(db->PutTeam({"red1", "red", "", 0}));
  for (const auto& t : plan.plan.blue_teams) LF_RETURN_IF_ERROR(db->PutTeam({t, "blue", "", 0}));
  for (const auto& d : plan.plan.domains) {
    if (d.is_router) continue;
    LF_RETURN_IF_ERROR(db->PutNode({d.team, d.node, d.security_level, d.value}));
  }
  for (const auto& e : events) {
    LF_ASSIGN_OR_RETURN(Event stored, db->Append(e));
    if (stored.seq != e.seq) {
      return Status::FailedPrecondition(
          fmt::format("{} already holds events: sample seq {} became {}", db->path(), e.seq,
                      stored.seq));
    }
  }
  LF_RETURN_IF_ERROR(db->Flush());
  ExercisePlan copy = plan;
  copy.exercise = id.str();
  return WritePlanFile(PlanPathFor(state_dir, id), copy);
}

}  // namespace livefire::gui
