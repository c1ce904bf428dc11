// Declarations that shape the exercise: the scenario header, teams,
// scoring parameters, objectives and injects.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>

#include "dsl_internal.h"
#include "livefire/lua/state.h"

namespace livefire::scenario::dsl {

void Walker::MetaDecl(Reader& r) {
  model::Metadata& m = s->meta;
  m.loc = Loc(r.line());
  m.name = r.RequiredStr("name");
  r.Str("title", &m.title);
  r.Str("description", &m.description);
  r.Str("organisation", &m.organisation);
  if (auto k = r.OneOf("kind", {"national", "ministry", "province"})) m.kind = *k;
  r.Str("version", &m.version);
  r.Int("year", &m.year);
  r.Int("security_level", &m.security_level);
  r.Dur("duration", &m.duration);
  if (auto seed = r.Int("seed")) {
    if (*seed < 0) {
      r.Error("field 'seed' must not be negative");
    } else {
      m.seed = static_cast<uint64_t>(*seed);
    }
  }
  r.Str("address_pool", &m.address_pool);
  if (auto p = r.Enum<model::RuleAction>("default_policy", {{"allow", model::RuleAction::kAllow},
                                                            {"deny", model::RuleAction::kDeny}})) {
    m.default_policy = *p;
  }
  ScoreboardField(r, m);
  r.Finish();
}

// scoreboard = "live" | "hidden" | { frozen_at = DURATION }
void Walker::ScoreboardField(Reader& r, model::Metadata& m) {
  int type = LUA_TNIL;
  {
    lua::StackGuard g(L);
    type = r.Push("scoreboard");
  }
  if (type == LUA_TNIL) return;
  if (type == LUA_TTABLE) {
    const int t = r.PushTable("scoreboard");
    Reader fr(L, t, r.what() + " scoreboard", r.line(), sink);
    if (!fr.Has("frozen_at")) {
      fr.Error("a table here is { frozen_at = \"2h\" } (or give \"live\" or \"hidden\")");
    } else if (auto at = fr.Dur("frozen_at")) {
      m.scoreboard = {model::ScoreboardMode::kFrozen, *at};
    }
    fr.Finish();
    lua_pop(L, 1);
    return;
  }
  if (auto mode = r.Enum<model::ScoreboardMode>(
          "scoreboard",
          {{"live", model::ScoreboardMode::kLive}, {"hidden", model::ScoreboardMode::kHidden}})) {
    m.scoreboard = {*mode, Duration()};
  }
}

void Walker::TeamDecl(Reader& r, const std::string& name) {
  model::Team t;
  t.name = name;
  t.loc = Loc(r.line());
  if (!r.Has("role")) {
    r.Error("field 'role' is required (white, red or blue)");
  } else if (auto role = r.Enum<model::TeamRole>("role", {{"white", model::TeamRole::kWhite},
                                                          {"red", model::TeamRole::kRed},
                                                          {"blue", model::TeamRole::kBlue}})) {
    t.role = *role;
  }
  r.Str("display_name", &t.display_name);
  r.Str("organisation", &t.organisation);
  r.Int("members", &t.members);
  t.people = r.StrList("people");
  r.Finish();
  s->teams.push_back(std::move(t));
}

void Walker::SimPolicyDecl(Reader& r) {
  const bool red = r.Fn("red");
  if (red && fn_sink) {
    lua::StackGuard g(L);
    if (r.Push("red") == LUA_TFUNCTION) fn_sink(FunctionKind::kSimPolicy, "red", lua_gettop(L));
  }
  r.Finish();
}

void Walker::ScoringDecl(Reader& r) {
  model::ScoringParams& p = s->scoring;
  p.loc = Loc(r.line());
  if (int w = r.PushTable("weights")) {
    Reader wr(L, w, r.what() + " weights", r.line(), sink);
    wr.Num("availability", &p.weights.availability);
    wr.Num("red_impact", &p.weights.red_impact);
    wr.Num("detection", &p.weights.detection);
    wr.Num("reports", &p.weights.reports);
    wr.Num("penalties", &p.weights.penalties);
    wr.Finish();
    lua_pop(L, 1);
  }
  r.Dur("check_interval", &p.check_interval);
  r.Dur("check_jitter", &p.check_jitter);
  r.Dur("check_timeout", &p.check_timeout);
  r.Int("sla_threshold", &p.sla_threshold);
  r.Num("sla_penalty", &p.sla_penalty);
  r.Num("sla_cap", &p.sla_cap);
  if (auto d = r.Enum<model::DecayShape>(
          "ttd_decay",
          {{"linear", model::DecayShape::kLinear}, {"quadratic", model::DecayShape::kQuadratic}})) {
    p.ttd_decay = *d;
  }
  r.Dur("ttd_full_credit", &p.ttd_full_credit);
  r.Dur("ttd_zero_credit", &p.ttd_zero_credit);
  r.Num("ttd_floor", &p.ttd_floor);
  r.Num("false_report_penalty", &p.false_report_penalty);
  r.Num("detection_refund", &p.detection_refund);
  r.Num("revert_penalty", &p.revert_penalty);
  r.Int("free_wrong_flags", &p.free_wrong_flags);
  r.Num("wrong_flag_penalty", &p.wrong_flag_penalty);
  r.Num("round_points", &p.round_points);
  r.Num("compromise_points", &p.compromise_points);
  r.Num("persist_rate", &p.persist_rate);
  r.Num("persist_cap", &p.persist_cap);
  r.Num("detection_points", &p.detection_points);
  r.Dur("detection_window", &p.detection_window);
  r.Dur("detection_slack", &p.detection_slack);
  r.Num("late_factor", &p.late_factor);
  r.Dur("late_grace", &p.late_grace);
  r.Finish();
}

void Walker::ObjectiveDecl(Reader& r, const std::string& name) {
  model::Objective o;
  o.name = name;
  o.loc = Loc(r.line());
  if (!r.Has("kind")) r.Error("field 'kind' is required");
  if (auto k = r.Enum<model::ObjectiveKind>(
          "kind", {{"read_flag", model::ObjectiveKind::kReadFlag},
                   {"deface", model::ObjectiveKind::kDeface},
                   {"exfiltrate", model::ObjectiveKind::kExfiltrate},
                   {"persist", model::ObjectiveKind::kPersist},
                   {"keep_available", model::ObjectiveKind::kKeepAvailable}})) {
    o.kind = *k;
  }
  o.node = r.RequiredStr("node");
  r.Str("service", &o.service);
  r.Str("path", &o.path);
  r.Str("flag", &o.flag);
  r.Num("points", &o.points);
  r.Str("description", &o.description);
  r.Finish();
  s->objectives.push_back(std::move(o));
}

void Walker::InjectDecl(Reader& r, const std::string& name) {
  model::Inject in;
  in.name = name;
  in.loc = Loc(r.line());
  in.trigger.loc = in.loc;
  if (!r.Has("owner")) r.Error("field 'owner' is required (red, blue or white)");
  if (auto o = r.Enum<model::InjectOwner>("owner", {{"red", model::InjectOwner::kRed},
                                                    {"blue", model::InjectOwner::kBlue},
                                                    {"white", model::InjectOwner::kWhite}})) {
    in.owner = *o;
  }
  r.Str("description", &in.description);
  r.Str("technique", &in.technique);
  r.Str("target", &in.target);
  std::vector<std::string> triggers;
  if (auto at = r.Dur("at")) {
    in.trigger.kind = model::TriggerKind::kAt;
    in.trigger.at = *at;
    triggers.push_back("at");
  } else if (r.Has("at")) {
    triggers.push_back("at");
  }
  if (r.Has("after")) {
    triggers.push_back("after");
    in.trigger.kind = model::TriggerKind::kAfter;
    lua::StackGuard g(L);
    int t = r.Push("after");
    if (t == LUA_TSTRING) {
      in.trigger.after = lua_tostring(L, -1);
    } else if (t == LUA_TTABLE) {
      Reader ar(L, lua_gettop(L), r.what() + " after", r.line(), sink);
      in.trigger.after = ar.RequiredStr("inject");
      if (auto on = ar.Enum<model::AfterOutcome>(
              "on", {{"success", model::AfterOutcome::kSuccess},
                     {"failure", model::AfterOutcome::kFailure},
                     {"completion", model::AfterOutcome::kCompletion}})) {
        in.trigger.on = *on;
      }
      ar.Dur("delay", &in.trigger.delay);
      ar.Finish();
    } else {
      r.Error(
          fmt::format("field 'after' must be an inject name or {{ inject = \"name\", "
                      "on = \"success\", delay = \"5m\" }}, got {}",
                      lua::TypeName(L, -1)));
    }
  }
  in.has_condition = r.Fn("when");
  if (r.Has("when")) {
    triggers.push_back("when");
    in.trigger.kind = model::TriggerKind::kCondition;
    in.trigger.poll_interval = Duration::Seconds(30);
  }
  r.Dur("poll", &in.trigger.poll_interval);
  if (r.Has("poll") && !r.Has("when")) r.Error("field 'poll' needs a when = function trigger");
  bool manual = false;
  r.Bool("manual", &manual);
  if (manual) {
    triggers.push_back("manual");
    in.trigger.kind = model::TriggerKind::kManual;
  }
  if (triggers.size() > 1) {
    r.Error(
        fmt::format("has more than one trigger ({}): use exactly one of at, after, when, "
                    "manual",
                    fmt::join(triggers, ", ")));
  }
  in.has_body = r.Fn("run");
  if (fn_sink) {
    lua::StackGuard g(L);
    if (in.has_body && r.Push("run") == LUA_TFUNCTION) {
      fn_sink(FunctionKind::kInjectBody, name, lua_gettop(L));
    }
    lua_settop(L, g.top());
    if (in.has_condition && r.Push("when") == LUA_TFUNCTION) {
      fn_sink(FunctionKind::kInjectCondition, name, lua_gettop(L));
    }
  }
  r.Int("repeats", &in.repeat_count);
  r.Dur("every", &in.repeat_interval);
  r.Bool("until_success", &in.until_success);
  {
    lua::StackGuard g(L);
    int t = r.Push("points");
    if (t == LUA_TNUMBER) {
      in.points_success = lua_tonumber(L, -1);
    } else if (t == LUA_TTABLE) {
      Reader pr(L, lua_gettop(L), r.what() + " points", r.line(), sink);
      pr.Num("success", &in.points_success);
      pr.Num("failure", &in.points_failure);
      pr.Finish();
    } else if (t != LUA_TNIL) {
      r.Error(
          fmt::format("field 'points' must be a number or {{ success = n, failure = n }}, "
                      "got {}",
                      lua::TypeName(L, -1)));
    }
  }
  r.Dur("response_due", &in.response_due);
  r.Finish();
  s->injects.push_back(std::move(in));
}

}  // namespace livefire::scenario::dsl
