#include "api.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "livefire/scoring/replay.h"

namespace livefire::portal {

namespace {

using json = nlohmann::json;
using identity::Role;

int64_t WallNowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

HttpResponse Json(int status, const json& body) {
  HttpResponse r;
  r.status = status;
  r.body = body.dump();
  return r;
}

HttpResponse Error(int status, std::string_view code, std::string_view message) {
  return Json(status, {{"ok", false}, {"error", {{"code", code}, {"message", message}}}});
}

HttpResponse Redirect(std::string_view to) {
  HttpResponse r;
  r.status = 303;
  r.content_type = "text/plain; charset=utf-8";
  r.headers.emplace_back("Location", std::string(to));
  return r;
}

// An engine error code as the HTTP status a browser understands.
}  // namespace

int HttpStatusFor(std::string_view code) {
  if (code == bus::errors::kForbidden) return 403;
  if (code == bus::errors::kNotFound) return 404;
  if (code == bus::errors::kRejected) return 409;
  if (code == bus::errors::kBusy) return 503;
  if (code == bus::errors::kInternal) return 500;
  return 400;
}

namespace {

bool IsSubmission(std::string_view kind) {
  return kind == kinds::kSubmissionReport || kind == kinds::kSubmissionFinding ||
         kind == kinds::kSubmissionFlag || kind == kinds::kSubmissionResponse;
}

std::string Str(const json& body, const char* key) {
  auto it = body.find(key);
  return it != body.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// Content types of the files the portal ships.
std::string ContentType(std::string_view name) {
  auto ends = [&](std::string_view ext) { return name.ends_with(ext); };
  if (ends(".html")) return "text/html; charset=utf-8";
  if (ends(".js")) return "text/javascript; charset=utf-8";
  if (ends(".css")) return "text/css; charset=utf-8";
  if (ends(".tsv")) return "text/tab-separated-values; charset=utf-8";
  if (ends(".svg")) return "image/svg+xml";
  if (ends(".png")) return "image/png";
  return "application/octet-stream";
}

std::optional<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// The log scored as `livefire status` scores it.
Result<scoring::LogReplay> ReplayOf(const EngineLink& link) {
  LF_ASSIGN_OR_RETURN(std::vector<Event> log, link.ReadLog());
  return scoring::ReplayLog(log);
}

// An optional integer field: absent = fallback; present but not an integer
// is the caller's bad request (nullopt).
std::optional<int64_t> Int(const json& body, const char* key, int64_t fallback) {
  auto it = body.find(key);
  if (it == body.end()) return fallback;
  if (!it->is_number_integer()) return std::nullopt;
  return it->get<int64_t>();
}

}  // namespace

std::string SessionToken(std::string_view cookie) {
  while (!cookie.empty()) {
    size_t end = cookie.find(';');
    std::string_view part = cookie.substr(0, end);
    cookie = end == std::string_view::npos ? std::string_view() : cookie.substr(end + 1);
    while (!part.empty() && part.front() == ' ') part.remove_prefix(1);
    if (part.starts_with(kSessionCookie) && part.size() > kSessionCookie.size() &&
        part[kSessionCookie.size()] == '=')
      return std::string(part.substr(kSessionCookie.size() + 1));
  }
  return "";
}

std::string PreferredLanguage(std::string_view accept_language) {
  while (!accept_language.empty() && accept_language.front() == ' ')
    accept_language.remove_prefix(1);
  return accept_language.starts_with("vi") ? "vi" : "en";
}

Api::Api(const PortalOptions& o, identity::AccountDirectory& accounts, EngineLink& link)
    : o_(o),
      accounts_(accounts),
      link_(link),
      sessions_(o.session_idle_ns),
      limiter_({o.max_failures_per_account, o.max_failures_per_address, o.failure_window_ns}) {
  if (o_.assets_dir.empty()) o_.assets_dir = LIVEFIRE_PORTAL_ASSETS_DIR;
  if (o_.xterm_dir.empty()) o_.xterm_dir = LIVEFIRE_PORTAL_XTERM_DIR;
  consoles_ = std::make_unique<ConsoleHub>(o_.libvirt_uri, o_.state_dir, o_.id);
}

std::string Api::ConsoleCopy(const identity::Account& a, const HttpRequest& r) {
  if (auto it = r.query.find("team"); it != r.query.end()) {
    return it->second == provision::kSharedTeam ? std::string() : it->second;
  }
  return a.role == Role::kBlue ? a.team : std::string();
}

Result<bus::Reply> Api::ConsoleRequest(const identity::Account& a, std::string_view action,
                                       const std::string& copy, const std::string& node,
                                       std::string_view reason) {
  return link_.Call(a, bus::MakeConsoleRequest(action, copy, node, reason));
}

HttpResponse Api::CloseConsole(const Caller& c, const HttpRequest& r) {
  json b = json::parse(r.body, nullptr, false);
  if (!b.is_object()) return Error(400, "bad_json", "the body must be a JSON object");
  const std::string node = Str(b, "node");
  if (node.empty()) return Error(400, "bad_request", "node: required");
  std::string copy = Str(b, "team");
  if (copy == provision::kSharedTeam) copy.clear();
  // The engine decides (white only) and records console.ended, or the refusal.
  Result<bus::Reply> rep =
      ConsoleRequest(c.account, "end", copy, node, "closed by " + c.account.name);
  if (!rep.ok()) return Error(504, "engine", rep.status().message());
  if (!rep->ok) {
    spdlog::warn("portal: '{}' may not close the console of {}: {}", c.account.name, node,
                 rep->error_message);
    return Error(HttpStatusFor(rep->error_code), rep->error_code, rep->error_message);
  }
  const std::vector<std::string> viewers =
      consoles_->End(copy, node, "closed by the white cell (" + c.account.name + ")");
  return Json(200, {{"node", node}, {"team", copy}, {"viewers", viewers}});
}

HttpResponse Api::Vendor(const std::string& name) {
  std::optional<std::string> text;
  if (name == "xterm.js") text = ReadFile(o_.xterm_dir + "/lib/xterm.js");
  if (name == "xterm.css") text = ReadFile(o_.xterm_dir + "/css/xterm.css");
  if (!text) {
    return Error(404, "not_found",
                 "no such file (xterm.js is installed by .ci/setup: npm ci in engine/portal/web)");
  }
  HttpResponse out;
  out.content_type = ContentType(name);
  out.body = std::move(*text);
  return out;
}

std::optional<Api::Caller> Api::Authenticate(const HttpRequest& r) {
  const std::string token = SessionToken(r.cookie);
  if (token.empty()) return std::nullopt;
  std::optional<Session> s = sessions_.Find(token, WallNowNs());
  if (!s) return std::nullopt;
  // Re-read on every request (the directory reloads a changed file), so a
  // revocation ends the account's sessions at once.
  std::optional<identity::Account> a = accounts_.ByName(s->account);
  if (!a) {
    spdlog::info("portal: account '{}' is revoked; its sessions end", s->account);
    sessions_.EraseAccount(s->account);
    link_.Forget(s->account);
    return std::nullopt;
  }
  return Caller{std::move(*s), std::move(*a)};
}

std::optional<identity::Account> Api::SessionAccount(const HttpRequest& r) {
  std::optional<Caller> c = Authenticate(r);
  if (!c) return std::nullopt;
  return std::move(c->account);
}

HttpResponse Api::Handle(const HttpRequest& r) {
  const bool get = r.method == "GET" || r.method == "HEAD";
  const bool post = r.method == "POST";
  // Pages and their files.
  if (get && r.path == "/login") return Page(r, "login.html", false);
  if (get && (r.path == "/" || r.path == "/index.html")) return Page(r, "app.html", true);
  if (get && r.path == "/scoreboard") return Page(r, "scoreboard.html", !o_.public_scoreboard);
  if (get && r.path.starts_with("/assets/")) return Asset(r.path.substr(8));
  if (get && r.path.starts_with("/vendor/")) return Vendor(r.path.substr(8));
  if (get && r.path == "/console") {
    HttpResponse page = Page(r, "console.html", true);
    // xterm.js sizes its rows with a <style> element of its own.
    page.csp =
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; "
        "frame-ancestors 'none'";
    return page;
  }
  if (post && r.path == "/api/login") return Login(r);
  if (get && r.path == "/api/scoreboard" && o_.public_scoreboard) return Scoreboard();

  std::optional<Caller> c = Authenticate(r);
  if (!c) return Error(401, "unauthenticated", "log in first (POST /api/login)");
  if (post) {
    // Every state-changing request carries the session's CSRF token (a
    // page of another site can send the cookie, never this header) and JSON.
    if (!SameToken(r.csrf, c->session.csrf))
      return Error(403, "csrf", "missing or wrong X-CSRF-Token (GET /api/me gives it)");
    if (!r.content_type.starts_with("application/json"))
      return Error(415, "content_type", "send the body as application/json");
  }
  if (post && r.path == "/api/logout") {
    sessions_.Erase(c->session.token);
    HttpResponse out = Json(200, {{"ok", true}});
    out.headers.emplace_back(
        "Set-Cookie",
        fmt::format("{}=; Path=/; Max-Age=0; Secure; HttpOnly; SameSite=Strict", kSessionCookie));
    return out;
  }
  if (get && r.path == "/api/me") return Me(*c);
  if (get && r.path == "/api/score") return Score(*c, r);
  if (get && r.path == "/api/scoreboard") return Scoreboard();
  if (get && r.path == "/api/tasks") return Tasks(*c, r);
  if (get && r.path == "/api/submissions") return Submissions(*c, r);
  if (get && r.path == "/api/messages") return Messages(*c, r);
  if (get && r.path == "/api/nodes") return Nodes(*c, r);
  if (post && (r.path == "/api/reports" || r.path == "/api/responses" || r.path == "/api/flags" ||
               r.path == "/api/findings"))
    return Submit(*c, r);
  if (post && r.path == "/api/control") return Control(*c, r);
  if (post && r.path == "/api/consoles/close") return CloseConsole(*c, r);
  if (r.path.starts_with("/api/")) return Error(404, "not_found", "no such API: " + r.path);
  return Error(404, "not_found", "no such page");
}

HttpResponse Api::Login(const HttpRequest& r) {
  // JSON only: a form on another site cannot send it without a CORS preflight.
  if (!r.content_type.starts_with("application/json"))
    return Error(415, "content_type", "send the body as application/json");
  json body = json::parse(r.body, nullptr, false);
  if (!body.is_object()) return Error(400, "bad_json", "send {\"account\":…,\"password\":…}");
  const std::string account = Str(body, "account");
  const std::string password = Str(body, "password");
  const int64_t now = WallNowNs();
  if (int64_t wait = limiter_.RetryAfterNs(account, r.peer, now); wait > 0) {
    const int64_t seconds = (wait + 999'999'999) / 1'000'000'000;
    spdlog::warn("portal: login of '{}' from {} refused: too many failures", account, r.peer);
    HttpResponse out = Error(429, "too_many_attempts",
                             fmt::format("too many failed logins; try again in {} s", seconds));
    out.headers.emplace_back("Retry-After", std::to_string(seconds));
    return out;
  }
  std::optional<identity::Account> a = accounts_.ByName(account);
  if (!a || !identity::VerifyPortalPassword(*a, password)) {
    limiter_.Failure(account, r.peer, now);
    spdlog::warn("portal: failed login of '{}' from {}", account, r.peer);
    return Error(401, "bad_credentials", "wrong account or password");
  }
  limiter_.Success(account);
  Session s = sessions_.Create(a->name, now);
  spdlog::info("portal: '{}' logged in from {}", a->name, r.peer);
  HttpResponse out = Json(200, {{"ok", true},
                                {"account", a->name},
                                {"team", a->team},
                                {"role", identity::RoleName(a->role)},
                                {"csrf", s.csrf}});
  out.headers.emplace_back(
      "Set-Cookie",
      fmt::format("{}={}; Path=/; Secure; HttpOnly; SameSite=Strict", kSessionCookie, s.token));
  return out;
}

HttpResponse Api::Page(const HttpRequest& r, const std::string& file, bool needs_session) {
  if (needs_session && !Authenticate(r)) return Redirect("/login");
  std::optional<std::string> text = ReadFile(o_.assets_dir + "/" + file);
  if (!text) return Error(500, "internal", "missing page " + file);
  // The page starts in the browser's language; its switch can change it.
  if (PreferredLanguage(r.accept_language) == "vi") {
    if (size_t at = text->find("<html lang=\"en\""); at != std::string::npos)
      text->replace(at, 15, "<html lang=\"vi\"");
  }
  HttpResponse out;
  out.content_type = ContentType(file);
  out.body = std::move(*text);
  return out;
}

HttpResponse Api::Asset(const std::string& name) {
  // Only plain file names of the assets folder: nothing can climb out of it.
  const bool plain =
      !name.empty() && name.front() != '.' && std::all_of(name.begin(), name.end(), [](char ch) {
        return std::isalnum(static_cast<unsigned char>(ch)) || ch == '.' || ch == '-' || ch == '_';
      });
  std::optional<std::string> text;
  if (plain) text = ReadFile(o_.assets_dir + "/" + name);
  if (!text) return Error(404, "not_found", "no such file");
  HttpResponse out;
  out.content_type = ContentType(name);
  out.body = std::move(*text);
  return out;
}

HttpResponse Api::Me(const Caller& c) {
  return Json(200, {{"account", c.account.name},
                    {"team", c.account.team},
                    {"role", identity::RoleName(c.account.role)},
                    {"person", c.account.person},
                    {"exercise", link_.id().str()},
                    {"csrf", c.session.csrf}});
}

std::optional<HttpResponse> Api::ReadTeam(const Caller& c, const HttpRequest& r,
                                          std::string* team) {
  auto it = r.query.find("team");
  const std::string asked = it == r.query.end() ? std::string() : it->second;
  *team = asked.empty() ? c.account.team : asked;
  if (*team == c.account.team || c.account.role == Role::kWhite) return std::nullopt;
  bus::Request probe = bus::MakeStatusRequest();
  probe.team = *team;
  Result<bus::Reply> rep = link_.Call(c.account, probe);
  spdlog::warn("portal: '{}' asked for team '{}' ({}): refused", c.account.name, *team, r.path);
  return Error(403, "forbidden",
               rep.ok() && !rep->ok ? rep->error_message
                                    : fmt::format("account '{}' may read team '{}' only",
                                                  c.account.name, c.account.team));
}

HttpResponse Api::Score(const Caller& c, const HttpRequest& r) {
  std::string team;
  if (auto refused = ReadTeam(c, r, &team)) return *refused;
  Result<scoring::LogReplay> replay = ReplayOf(link_);
  if (!replay.ok()) return Error(503, "unavailable", replay.status().message());
  const scoring::Scores scores = replay->scorer().scores();
  auto ts = scores.teams.find(team);
  if (ts == scores.teams.end()) return Error(404, "not_found", "no score for team " + team);
  int rank = 0;
  for (const auto* rows : {&replay->board.blue, &replay->board.red})
    for (const scoring::ScoreboardRow& row : *rows)
      if (row.score.team == team) rank = row.rank;
  json cats = json::object();
  for (scoring::Category cat : scoring::kCategories) {
    const auto i = static_cast<size_t>(cat);
    cats[std::string(scoring::CategoryName(cat))] = {
        {"share", ts->second.category[i]},
        {"points", ts->second.points[i]},
        {"max", ts->second.max[i]},
        {"weight", scoring::Weight(replay->board.weights, cat)}};
  }
  json ledger = json::array();
  for (const scoring::LedgerEntry& e : replay->ledger)
    if (e.team == team) ledger.push_back(scoring::ToJson(e));
  return Json(200, {{"team", team},
                    {"role", ts->second.role},
                    {"total", ts->second.total},
                    {"rank", rank},
                    {"categories", cats},
                    {"ledger", ledger},
                    {"seq", scores.last_seq},
                    {"time_ns", scores.time.nanos()}});
}

HttpResponse Api::Scoreboard() {
  Result<scoring::LogReplay> replay = ReplayOf(link_);
  if (!replay.ok()) return Error(503, "unavailable", replay.status().message());
  return Json(200, scoring::ToJson(replay->board));
}

HttpResponse Api::Tasks(const Caller& c, const HttpRequest& r) {
  std::string team;
  if (auto refused = ReadTeam(c, r, &team)) return *refused;
  // The engine knows the deadlines (the scenario's response_due): its status
  // reply carries the team's tasks.
  Result<bus::Reply> st = link_.Call(c.account, bus::MakeStatusRequest());
  if (!st.ok()) return Error(504, "engine", st.status().message());
  if (!st->ok) return Error(HttpStatusFor(st->error_code), st->error_code, st->error_message);
  json tasks = json::array();
  if (auto t = st->body.find("tasks"); t != st->body.end() && t->contains(team)) tasks = (*t)[team];
  return Json(200, {{"team", team},
                    {"time_ns", st->body.value("time_ns", int64_t{0})},
                    {"clock", st->body.value("clock", "")},
                    {"paused", st->body.value("paused", false)},
                    {"speed", st->body.value("speed", 1.0)},
                    {"tasks", tasks}});
}

HttpResponse Api::Submissions(const Caller& c, const HttpRequest& r) {
  std::string team;
  if (auto refused = ReadTeam(c, r, &team)) return *refused;
  Result<std::vector<Event>> log = link_.ReadLog();
  if (!log.ok()) return Error(503, "unavailable", log.status().message());
  json list = json::array();
  std::map<int64_t, size_t> at;  // seq -> index in list
  for (const Event& e : *log) {
    if (e.team != team) continue;
    if (IsSubmission(e.kind)) {
      at[e.seq] = list.size();
      list.push_back({{"seq", e.seq},
                      {"kind", e.kind},
                      {"time_ns", e.time.nanos()},
                      {"clock", FormatClock(e.time)},
                      {"payload", e.payload},
                      {"grades", json::array()},
                      {"reviews", json::array()}});
    } else if (e.kind == kinds::kGradeGiven || e.kind == kinds::kFindingReviewed) {
      auto it = at.find(e.payload.value("target_seq", int64_t{0}));
      if (it == at.end()) continue;
      list[it->second][e.kind == kinds::kGradeGiven ? "grades" : "reviews"].push_back(
          {{"seq", e.seq}, {"clock", FormatClock(e.time)}, {"payload", e.payload}});
    }
  }
  return Json(200, {{"team", team}, {"submissions", list}});
}

// The white cell's messages to the team (white without ?team=: to every team).
HttpResponse Api::Messages(const Caller& c, const HttpRequest& r) {
  std::string team;
  const bool everyone = c.account.role == Role::kWhite && !r.query.contains("team");
  if (!everyone) {
    if (auto refused = ReadTeam(c, r, &team)) return *refused;
  }
  Result<std::vector<Event>> log = link_.ReadLog();
  if (!log.ok()) return Error(503, "unavailable", log.status().message());
  json list = json::array();
  for (const Event& e : *log) {
    if (e.kind != kinds::kMessageSent || (!everyone && e.team != team)) continue;
    list.push_back({{"seq", e.seq},
                    {"team", e.team},
                    {"time_ns", e.time.nanos()},
                    {"clock", FormatClock(e.time)},
                    {"to", e.payload.value("to", "")},
                    {"text", e.payload.value("text", "")},
                    {"from", e.payload.value("person", e.payload.value("account", ""))}});
  }
  return Json(200, {{"team", everyone ? "" : team}, {"messages", list}});
}

HttpResponse Api::Nodes(const Caller& c, const HttpRequest& r) {
  std::string team;
  if (auto refused = ReadTeam(c, r, &team)) return *refused;
  // Blue: its own copy; red: the shared zone; white: every node.
  std::set<std::string> nodes;
  json consoles = json::array();  // {node, team ("shared" = the shared zone)}
  for (const auto& [owner, list] : o_.nodes) {
    const bool mine = c.account.role == Role::kWhite ||
                      (c.account.role == Role::kRed ? owner.empty() : owner == team);
    if (mine) nodes.insert(list.begin(), list.end());
    // The consoles the engine lets the account open: white any, blue its
    // own copy, red the shared zone.
    const bool console = c.account.role == Role::kWhite ||
                         (c.account.role == Role::kRed && owner.empty()) ||
                         (c.account.role == Role::kBlue && owner == c.account.team);
    if (console) {
      for (const std::string& n : list) {
        consoles.push_back(
            {{"node", n}, {"team", owner.empty() ? std::string(provision::kSharedTeam) : owner}});
      }
    }
  }
  return Json(200, {{"team", team}, {"nodes", nodes}, {"consoles", consoles}});
}

HttpResponse Api::Forward(const Caller& c, bus::Request req) {
  Result<bus::Reply> rep = link_.Call(c.account, std::move(req));
  if (!rep.ok()) return Error(504, "engine", rep.status().message());
  if (!rep->ok) {
    if (rep->error_code == bus::errors::kForbidden)
      spdlog::warn("portal: engine refused '{}': {}", c.account.name, rep->error_message);
    return Error(HttpStatusFor(rep->error_code), rep->error_code, rep->error_message);
  }
  json out = rep->body;
  out.erase("v");
  return Json(200, out);
}

HttpResponse Api::Submit(const Caller& c, const HttpRequest& r) {
  json b = json::parse(r.body, nullptr, false);
  if (!b.is_object()) return Error(400, "bad_json", "the body must be a JSON object");
  // The team is the account's unless the body names one: then the engine
  // decides (and records a refusal for another team).
  std::string team = Str(b, "team");
  if (team.empty()) team = c.account.team;
  bus::Request req;
  if (r.path == "/api/reports") {
    req = bus::MakeSubmitReportRequest(
        team, {Str(b, "node"), Str(b, "technique"), Str(b, "observed_at"), Str(b, "description")});
  } else if (r.path == "/api/responses") {
    req = bus::MakeSubmitResponseRequest(team, Str(b, "inject"), Str(b, "text"));
  } else if (r.path == "/api/flags") {
    req = bus::MakeSubmitFlagRequest(team, Str(b, "flag"), Str(b, "against"));
  } else {
    req = bus::MakeSubmitFindingRequest(
        team, {Str(b, "node"), Str(b, "vulnerability"), Str(b, "evidence"), Str(b, "against")});
  }
  return Forward(c, std::move(req));
}

HttpResponse Api::Control(const Caller& c, const HttpRequest& r) {
  json b = json::parse(r.body, nullptr, false);
  if (!b.is_object()) return Error(400, "bad_json", "the body must be a JSON object");
  const std::string type = Str(b, "type");
  bus::Request req;
  if (type == "pause") {
    req = bus::MakePauseRequest(Str(b, "reason"));
  } else if (type == "resume") {
    req = bus::MakeResumeRequest();
  } else if (type == "speed") {
    if (!b.contains("speed") || !b["speed"].is_number())
      return Error(400, "bad_request", "speed: a number is required");
    req = bus::MakeSpeedRequest(b["speed"].get<double>());
  } else if (type == "stop") {
    req = bus::MakeStopRequest(Str(b, "reason"));
  } else if (type == "inject") {
    req = bus::MakeFireInjectRequest(Str(b, "inject"), Str(b, "team"));
  } else if (type == "grade") {
    bus::GradeFields g;
    g.rubric = Str(b, "rubric");
    if (b.contains("points")) {
      if (!b["points"].is_number())
        return Error(400, "bad_request", "points: a number is required");
      g.points = b["points"].get<double>();
    }
    g.comment = Str(b, "comment");
    std::optional<int64_t> seq = Int(b, "target_seq", 0);
    if (!seq) return Error(400, "bad_request", "target_seq: an integer is required");
    g.target_seq = *seq;
    g.inject = Str(b, "inject");
    req = bus::MakeGradeRequest(Str(b, "team"), g);
  } else if (type == "message") {
    req = bus::MakeMessageRequest(Str(b, "to"), Str(b, "text"));
  } else {
    return Error(400, "bad_request",
                 "type: one of pause, resume, speed, stop, inject, grade, message (got '" + type +
                     "')");
  }
  // Sent whatever the role: the engine refuses a non-white account and records it.
  return Forward(c, std::move(req));
}

}  // namespace livefire::portal
