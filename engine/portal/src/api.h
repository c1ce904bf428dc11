#pragma once
// The portal's routes, on plain request/response values: the HTTP layer
// (server.cc, Boost.Beast) converts to and from them, so this file needs no
// Beast and the rules (sessions, CSRF, teams) live in one place.

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "console_hub.h"
#include "engine_link.h"
#include "livefire/identity/accounts.h"
#include "livefire/portal/portal.h"
#include "livefire/portal/sessions.h"

namespace livefire::portal {

struct HttpRequest {
  std::string method;  // "GET", "POST", ...
  std::string path;    // without the query
  std::map<std::string, std::string> query;
  std::string body;
  std::string cookie;  // the Cookie header
  std::string csrf;    // X-CSRF-Token
  std::string content_type;
  std::string accept_language;
  std::string origin;
  std::string host;
  std::string peer;  // client address
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string csp;  // "" = the portal's default Content-Security-Policy
};

inline constexpr std::string_view kSessionCookie = "lf_session";

class Api {
 public:
  Api(const PortalOptions& o, identity::AccountDirectory& accounts, EngineLink& link);
  HttpResponse Handle(const HttpRequest& r);
  // The live account of the request's session (for the WebSocket); nullopt
  // when there is none, or the account was revoked (its sessions end).
  std::optional<identity::Account> SessionAccount(const HttpRequest& r);

  // /ws/console/NODE: the copy a request is about (?team=, "shared" or ""
  // = the shared zone; without it a blue account's own team, else the
  // shared zone).
  static std::string ConsoleCopy(const identity::Account& a, const HttpRequest& r);
  // Asks the engine, as the account, to record a console action (open,
  // close, end); the engine refuses (and records) what the account may not.
  Result<bus::Reply> ConsoleRequest(const identity::Account& a, std::string_view action,
                                    const std::string& copy, const std::string& node,
                                    std::string_view reason = {});
  ConsoleHub& consoles() { return *consoles_; }

 private:
  struct Caller {
    Session session;
    identity::Account account;
  };
  std::optional<Caller> Authenticate(const HttpRequest& r);
  HttpResponse Login(const HttpRequest& r);
  HttpResponse Page(const HttpRequest& r, const std::string& file, bool needs_session);
  HttpResponse Asset(const std::string& name);
  HttpResponse Me(const Caller& c);
  HttpResponse Score(const Caller& c, const HttpRequest& r);
  HttpResponse Scoreboard();
  HttpResponse Tasks(const Caller& c, const HttpRequest& r);
  HttpResponse Submissions(const Caller& c, const HttpRequest& r);
  HttpResponse Messages(const Caller& c, const HttpRequest& r);
  HttpResponse Nodes(const Caller& c, const HttpRequest& r);
  HttpResponse Submit(const Caller& c, const HttpRequest& r);
  HttpResponse Control(const Caller& c, const HttpRequest& r);
  HttpResponse CloseConsole(const Caller& c, const HttpRequest& r);
  HttpResponse Vendor(const std::string& name);
  // The team a read is about: the account's own, or for white any ?team=.
  // Another team asked by a non-white account is refused: the engine is
  // asked (as that account) for that team's status, refuses and records it
  // (control.refused), and the answer is 403.
  std::optional<HttpResponse> ReadTeam(const Caller& c, const HttpRequest& r, std::string* team);
  HttpResponse Forward(const Caller& c, bus::Request req);

  PortalOptions o_;
  identity::AccountDirectory& accounts_;
  EngineLink& link_;
  SessionStore sessions_;
  LoginLimiter limiter_;
  std::unique_ptr<ConsoleHub> consoles_;
};

// The HTTP status for an engine error code (forbidden 403, not_found 404, ...).
int HttpStatusFor(std::string_view code);

// The session token in a Cookie header ("" when absent).
std::string SessionToken(std::string_view cookie_header);
// "vi" when the first language of an Accept-Language header is Vietnamese, else "en".
std::string PreferredLanguage(std::string_view accept_language);

}  // namespace livefire::portal
