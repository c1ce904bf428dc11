#pragma once
// A real engine (the runtime tests' mini range, in-process, guests answered
// by a script) listening on CURVE tcp with the default accounts, a portal in
// front of it, and an HTTPS client built on Beast that keeps its session
// cookie and CSRF token like a browser.

#include <gtest/gtest.h>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <filesystem>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "livefire/guest/guest_io.h"
#include "livefire/identity/accounts.h"
#include "livefire/portal/portal.h"
#include "livefire/runtime/exercise.h"
#include "livefire/scenario/loader.h"
#include "livefire/scoring/config.h"
#include "livefire/store/event_store.h"
#include "livefire/testing/scenario_files.h"
#include "livefire/testing/temp_dir.h"
#include "livefire/testing/wait.h"
#include "livefire/topology/plan.h"

namespace livefire::portal {

namespace beast = boost::beast;
namespace http = beast::http;
namespace asio = boost::asio;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using json = nlohmann::json;

struct HttpReply {
  int status = 0;
  std::map<std::string, std::string> headers;
  std::string body;
  json Json() const { return json::parse(body, nullptr, false); }
};

// One HTTPS request per connection, verifying the portal's certificate.
class HttpsClient {
 public:
  HttpsClient(uint16_t port, std::string cert_file)
      : port_(port), cert_file_(std::move(cert_file)) {}

  HttpReply Send(http::verb method, const std::string& target, const std::string& body = {},
                 std::map<std::string, std::string> headers = {}) {
    HttpReply out;
    asio::io_context ioc;
    ssl::context tls(ssl::context::tls_client);
    tls.load_verify_file(cert_file_);
    tls.set_verify_mode(ssl::verify_peer);
    beast::ssl_stream<tcp::socket> s(ioc, tls);
    beast::error_code ec;
    s.next_layer().connect({asio::ip::make_address("127.0.0.1"), port_}, ec);
    if (!ec) s.handshake(ssl::stream_base::client, ec);
    if (ec) {
      ADD_FAILURE() << "HTTPS connect: " << ec.message();
      return out;
    }
    http::request<http::string_body> req{method, target, 11};
    req.set(http::field::host, "127.0.0.1:" + std::to_string(port_));
    if (!cookie_.empty()) req.set(http::field::cookie, cookie_);
    if (!body.empty()) req.set(http::field::content_type, "application/json");
    for (const auto& [k, v] : headers) req.set(k, v);
    req.body() = body;
    req.prepare_payload();
    http::write(s, req, ec);
    beast::flat_buffer buf;
    http::response<http::string_body> res;
    if (!ec) http::read(s, buf, res, ec);
    if (ec) {
      ADD_FAILURE() << "HTTPS exchange: " << ec.message();
      return out;
    }
    out.status = static_cast<int>(res.result_int());
    for (const auto& f : res) out.headers[std::string(f.name_string())] = std::string(f.value());
    out.body = res.body();
    if (auto c = out.headers.find("Set-Cookie"); c != out.headers.end()) {
      cookie_ = c->second.substr(0, c->second.find(';'));
      set_cookie_ = c->second;
    }
    return out;
  }
  HttpReply Get(const std::string& target) { return Send(http::verb::get, target); }
  // A state-changing call, with the CSRF token the session was given.
  HttpReply Post(const std::string& target, const json& body) {
    return Send(http::verb::post, target, body.dump(), {{"X-CSRF-Token", csrf_}});
  }
  HttpReply Login(const std::string& account, const std::string& password) {
    HttpReply r = Send(http::verb::post, "/api/login",
                       json{{"account", account}, {"password", password}}.dump());
    if (r.status == 200) csrf_ = r.Json().value("csrf", "");
    return r;
  }
  const std::string& cookie() const { return cookie_; }
  const std::string& set_cookie() const { return set_cookie_; }
  const std::string& csrf() const { return csrf_; }

 private:
  uint16_t port_;
  std::string cert_file_;
  std::string cookie_, set_cookie_, csrf_;
};

inline model::Scenario LoadPortalMini() {
  scenario::LoadOptions lo;
  lo.templates_dir = testsupport::TemplatesDir();
  auto s = scenario::LoadValidScenario(
      std::string(LIVEFIRE_SOURCE_DIR) + "/tests/engine/runtime/data/mini", lo);
  EXPECT_TRUE(s.ok()) << s.status().message();
  return std::move(s).value();
}

struct PortalRange {
  model::Scenario scenario = LoadPortalMini();
  topology::RangePlan plan = topology::MakePlan(scenario).value();
  guest::ScriptedGuestIo guest{[](const guest::GuestRequest&) { return guest::GuestReply{}; }};
  testsupport::TempDir tmp{"lf-portal"};
  ExerciseId id{"lf-test-portal"};
  identity::AccountBook book;
  std::string accounts_path;
  std::unique_ptr<runtime::Exercise> ex;
  std::thread engine;
  Status run_status;
  std::unique_ptr<Portal> portal;

  // Starts engine and portal; `tweak` adjusts the portal's options.
  bool Start(const std::function<void(PortalOptions&)>& tweak = {}) {
    const std::string state = tmp.str();
    const std::string exdir = state + "/exercises/" + id.str();
    std::filesystem::create_directories(exdir);
    auto b = identity::DefaultAccounts(scenario, plan.blue_teams);
    if (!b.ok()) return Fail(b.status());
    book = std::move(b).value();
    accounts_path = identity::AccountBook::PathIn(exdir);
    if (Status s = book.Save(accounts_path); !s.ok()) return Fail(s);
    runtime::ExerciseOptions o;
    o.state_dir = state;
    o.id = id;
    o.speed = 1.0;
    o.listen = "tcp://127.0.0.1:0";
    scoring::ScoringConfig cfg = scoring::MakeScoringConfig(scenario);
    cfg.blue_teams = plan.blue_teams;
    o.created_extra = {{"scoring", scoring::ConfigToJson(cfg)}};
    auto opened = runtime::Exercise::Open(scenario, plan, guest, o);
    if (!opened.ok()) return Fail(opened.status());
    ex = std::move(opened).value();
    engine = std::thread([this] { run_status = ex->Run(); });
    PortalOptions po;
    po.state_dir = state;
    po.id = id;
    po.listen = "127.0.0.1:0";
    po.control_endpoint = ex->control_tcp_endpoint();
    po.nodes = {{"blue1", {"web"}}, {"blue2", {"web"}}, {"", {"attacker"}}};
    if (tweak) tweak(po);
    auto p = Portal::Start(po);
    if (!p.ok()) return Fail(p.status());
    portal = std::move(p).value();
    return true;
  }
  bool Fail(const Status& s) {
    ADD_FAILURE() << s.ToString();
    return false;
  }
  HttpsClient Client() const { return HttpsClient(portal->port(), portal->cert_file()); }
  std::string Password(std::string_view account) const {
    const identity::Account* a = book.Find(account);
    EXPECT_NE(a, nullptr) << account;
    return a ? a->portal_password : "";
  }
  // A client logged in as account.
  HttpsClient LoggedIn(std::string_view account) {
    HttpsClient c = Client();
    HttpReply r = c.Login(std::string(account), Password(account));
    EXPECT_EQ(r.status, 200) << r.body;
    return c;
  }
  std::vector<Event> Log() const {
    auto store = store::EventStore::OpenExercise(tmp.str(), id, {.read_only = true});
    if (!store.ok()) return {};
    return (*store)->Read({}).value_or(std::vector<Event>{});
  }
  // Waits until the log holds an event matching pred.
  bool Recorded(const std::function<bool(const Event&)>& pred) const {
    return testsupport::WaitFor(
        [&] {
          for (const Event& e : Log())
            if (pred(e)) return true;
          return false;
        },
        std::chrono::seconds(20));
  }
  ~PortalRange() {
    portal.reset();
    if (engine.joinable()) {
      ex->Stop();
      engine.join();
    }
  }
};

}  // namespace livefire::portal
