// The team portal against a real engine (docs/portal.md): login and
// sessions, CSRF, the login rate limit, team isolation with recorded
// refusals, inert user text, TLS only, and revocation.
#include <gtest/gtest.h>

#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "portal_fixture.h"

namespace livefire::portal {
namespace {

namespace websocket = beast::websocket;

TEST(Portal, LoginGivesASecureSessionAndMeNamesTheAccount) {
  PortalRange run;
  ASSERT_TRUE(run.Start());
  HttpsClient c = run.Client();
  // Nothing but the login without a session.
  EXPECT_EQ(c.Get("/api/me").status, 401);
  EXPECT_EQ(c.Get("/api/score").status, 401);
  HttpReply page = c.Get("/");
  EXPECT_EQ(page.status, 303);
  EXPECT_EQ(page.headers["Location"], "/login");
  EXPECT_EQ(c.Get("/scoreboard").status, 303);  // not public unless enabled
  EXPECT_EQ(c.Get("/login").status, 200);

  HttpReply bad = c.Login("blue1", "not-the-password");
  EXPECT_EQ(bad.status, 401);
  EXPECT_TRUE(c.cookie().empty());
  EXPECT_EQ(c.Login("nobody", "x").status, 401);

  HttpReply ok = c.Login("blue1", run.Password("blue1"));
  ASSERT_EQ(ok.status, 200) << ok.body;
  EXPECT_NE(c.set_cookie().find("Secure"), std::string::npos) << c.set_cookie();
  EXPECT_NE(c.set_cookie().find("HttpOnly"), std::string::npos);
  EXPECT_NE(c.set_cookie().find("SameSite=Strict"), std::string::npos);
  json me = c.Get("/api/me").Json();
  EXPECT_EQ(me["account"], "blue1");
  EXPECT_EQ(me["team"], "blue1");
  EXPECT_EQ(me["role"], "blue");
  EXPECT_EQ(me["csrf"], c.csrf());
  EXPECT_EQ(c.Get("/").status, 200);

  // Logged out, the cookie no longer opens anything.
  EXPECT_EQ(c.Post("/api/logout", json::object()).status, 200);
  EXPECT_EQ(c.Get("/api/me").status, 401);
}

TEST(Portal, RepeatedWrongPasswordsAreRefusedWith429) {
  PortalRange run;
  ASSERT_TRUE(run.Start([](PortalOptions& o) {
    o.max_failures_per_account = 3;
    o.max_failures_per_address = 6;
  }));
  HttpsClient c = run.Client();
  for (int i = 0; i < 3; ++i) EXPECT_EQ(c.Login("blue1", "guess" + std::to_string(i)).status, 401);
  // Now even the right password waits.
  HttpReply limited = c.Login("blue1", run.Password("blue1"));
  EXPECT_EQ(limited.status, 429) << limited.body;
  EXPECT_FALSE(limited.headers["Retry-After"].empty());
  // Another account from the same address still may, until the address's limit.
  EXPECT_EQ(c.Login("blue2", run.Password("blue2")).status, 200);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(c.Login("red1", "guess").status, 401);
  EXPECT_EQ(c.Login("white", run.Password("white")).status, 429);
}

TEST(Portal, StateChangingRequestsNeedTheCsrfToken) {
  PortalRange run;
  ASSERT_TRUE(run.Start());
  HttpsClient c = run.LoggedIn("blue1");
  const json report = {{"node", "web"}, {"technique", "T1190"}, {"description", "seen"}};
  HttpReply none = c.Send(http::verb::post, "/api/reports", report.dump());
  EXPECT_EQ(none.status, 403);
  EXPECT_EQ(none.Json()["error"]["code"], "csrf");
  HttpReply wrong = c.Send(http::verb::post, "/api/reports", report.dump(),
                           {{"X-CSRF-Token", std::string(c.csrf().size(), 'a')}});
  EXPECT_EQ(wrong.status, 403);
  // Nothing reached the engine.
  for (const Event& e : run.Log()) EXPECT_NE(e.kind, kinds::kSubmissionReport);
  HttpReply ok = c.Post("/api/reports", report);
  ASSERT_EQ(ok.status, 200) << ok.body;
  EXPECT_GT(ok.Json()["seq"].get<int64_t>(), 0);
}

TEST(Portal, BlueOneCannotReadOrActForBlueTwoAndTheRefusalIsRecorded) {
  PortalRange run;
  ASSERT_TRUE(run.Start());
  HttpsClient b2 = run.LoggedIn("blue2");
  ASSERT_EQ(b2.Post("/api/reports", {{"node", "web"}, {"technique", "T1595"},
                                     {"description", "blue2's secret report"}})
                .status,
            200);
  HttpsClient b1 = run.LoggedIn("blue1");
  for (const char* path : {"/api/score?team=blue2", "/api/submissions?team=blue2",
                           "/api/tasks?team=blue2", "/api/nodes?team=blue2"}) {
    HttpReply r = b1.Get(path);
    EXPECT_EQ(r.status, 403) << path << ": " << r.body;
    EXPECT_EQ(r.body.find("secret"), std::string::npos) << path;
  }
  // Its own submissions hold nothing of blue2's.
  HttpReply mine = b1.Get("/api/submissions");
  ASSERT_EQ(mine.status, 200);
  EXPECT_EQ(mine.body.find("secret"), std::string::npos);
  EXPECT_EQ(mine.Json()["team"], "blue1");
  // A report for blue2 in the body: the engine refuses it.
  HttpReply other = b1.Post("/api/reports", {{"team", "blue2"},
                                             {"node", "web"},
                                             {"technique", "T1190"},
                                             {"description", "x"}});
  EXPECT_EQ(other.status, 403) << other.body;
  // White-cell control from blue.
  EXPECT_EQ(b1.Post("/api/control", {{"type", "pause"}}).status, 403);
  EXPECT_TRUE(run.Recorded([](const Event& e) {
    return e.kind == kinds::kControlRefused && e.payload.value("account", "") == "blue1" &&
           e.payload.value("team", "") == "blue2";
  }));
  EXPECT_TRUE(run.Recorded([](const Event& e) {
    return e.kind == kinds::kControlRefused && e.payload.value("account", "") == "blue1" &&
           e.payload.value("type", "") == "pause";
  }));
  for (const Event& e : run.Log()) {
    EXPECT_FALSE(e.kind == kinds::kSubmissionReport && e.team == "blue2" &&
                 e.payload.value("account", "") == "blue1");
  }
}

TEST(Portal, AReportIsAcknowledgedListedAndItsTextStaysInert) {
  PortalRange run;
  ASSERT_TRUE(run.Start());
  HttpsClient c = run.LoggedIn("blue1");
  const std::string payload =
      "<script>alert(1)</script><img src=x onerror=alert(2)><a href=\"javascript:alert(3)\">x</a>";
  HttpReply sent = c.Post("/api/reports", {{"node", "web"},
                                           {"technique", "T1190"},
                                           {"observed_at", "00:00:10"},
                                           {"description", payload}});
  ASSERT_EQ(sent.status, 200) << sent.body;
  const int64_t seq = sent.Json()["seq"].get<int64_t>();
  HttpReply list = c.Get("/api/submissions");
  ASSERT_EQ(list.status, 200);
  EXPECT_EQ(list.headers["Content-Type"], "application/json");
  EXPECT_NE(list.headers["Content-Security-Policy"].find("script-src 'self'"), std::string::npos);
  json subs = list.Json()["submissions"];
  ASSERT_EQ(subs.size(), 1u);
  EXPECT_EQ(subs[0]["seq"], seq);
  EXPECT_EQ(subs[0]["payload"]["description"], payload);
  EXPECT_EQ(subs[0]["payload"]["account"], "blue1");

  // The white cell grades it from the portal; blue sees the grade.
  HttpsClient w = run.LoggedIn("white");
  HttpReply g = w.Post("/api/control", {{"type", "grade"},
                                        {"team", "blue1"},
                                        {"target_seq", seq},
                                        {"rubric", "100"},
                                        {"points", 10}});
  ASSERT_EQ(g.status, 200) << g.body;
  // A grade whose fields do not parse is refused, not given with defaults.
  EXPECT_EQ(w.Post("/api/control", {{"type", "grade"}, {"team", "blue1"}, {"target_seq", "x"},
                                    {"rubric", "100"}})
                .status,
            400);
  EXPECT_EQ(w.Post("/api/control", {{"type", "grade"}, {"team", "blue1"}, {"target_seq", seq},
                                    {"rubric", "100"}, {"points", "ten"}})
                .status,
            400);
  json graded = c.Get("/api/submissions").Json()["submissions"][0];
  ASSERT_EQ(graded["grades"].size(), 1u);
  EXPECT_EQ(graded["grades"][0]["payload"]["rubric"], 100);
  json score = c.Get("/api/score").Json();
  EXPECT_EQ(score["team"], "blue1");
  EXPECT_TRUE(score["categories"].contains("reports"));
  EXPECT_FALSE(score["ledger"].empty());

  // The pages put data into the document only as text.
  const std::string assets = std::string(LIVEFIRE_SOURCE_DIR) + "/engine/portal/assets";
  for (const auto& f : std::filesystem::directory_iterator(assets)) {
    if (f.path().extension() != ".js" && f.path().extension() != ".html") continue;
    std::ifstream in(f.path());
    std::stringstream text;
    text << in.rdbuf();
    for (const char* sink : {"innerHTML", "outerHTML", "insertAdjacentHTML", "document.write",
                             "eval(", "onclick="})
      EXPECT_EQ(text.str().find(sink), std::string::npos) << f.path() << " uses " << sink;
  }
}

TEST(Portal, TasksCarryTheirDeadlineAndBlueResponds) {
  PortalRange run;
  ASSERT_TRUE(run.Start());
  HttpsClient w = run.LoggedIn("white");
  ASSERT_EQ(w.Post("/api/control", {{"type", "inject"}, {"inject", "press"}, {"team", "blue1"}})
                .status,
            200);
  HttpsClient c = run.LoggedIn("blue1");
  json tasks;
  ASSERT_TRUE(testsupport::WaitFor(
      [&] {
        tasks = c.Get("/api/tasks").Json()["tasks"];
        return tasks.is_array() && !tasks.empty();
      },
      std::chrono::seconds(20)));
  EXPECT_EQ(tasks[0]["inject"], "press");
  EXPECT_GT(tasks[0]["due_ns"].get<int64_t>(), tasks[0]["fired_ns"].get<int64_t>());
  HttpReply resp = c.Post("/api/responses", {{"inject", "press"}, {"text", "our statement"}});
  ASSERT_EQ(resp.status, 200) << resp.body;
  EXPECT_TRUE(c.Get("/api/tasks").Json()["tasks"][0]["responded"].get<bool>());
  // blue2 was given no task.
  EXPECT_TRUE(run.LoggedIn("blue2").Get("/api/tasks").Json()["tasks"].empty());
}

TEST(Portal, TheWhiteCellMessagesTeamsAndEachReadsOnlyItsOwn) {
  PortalRange run;
  ASSERT_TRUE(run.Start());
  HttpsClient w = run.LoggedIn("white");
  const std::string inert = "<script>alert(1)</script><img src=x onerror=alert(2)>";
  HttpReply to2 = w.Post("/api/control",
                         {{"type", "message"}, {"to", "blue2"}, {"text", "blue2's secret order"}});
  ASSERT_EQ(to2.status, 200) << to2.body;
  EXPECT_GT(to2.Json()["seq"].get<int64_t>(), 0);
  ASSERT_EQ(w.Post("/api/control", {{"type", "message"}, {"to", "all"}, {"text", inert}}).status,
            200);
  EXPECT_EQ(w.Post("/api/control", {{"type", "message"}, {"to", "blue7"}, {"text", "x"}}).status,
            409);
  EXPECT_EQ(w.Post("/api/control", {{"type", "message"}, {"to", "blue1"}}).status, 400);

  HttpsClient b1 = run.LoggedIn("blue1");
  HttpReply mine = b1.Get("/api/messages");
  ASSERT_EQ(mine.status, 200) << mine.body;
  json list = mine.Json()["messages"];
  ASSERT_EQ(list.size(), 1u) << mine.body;
  EXPECT_EQ(list[0]["text"], inert);  // as sent: the pages show it with textContent
  EXPECT_EQ(list[0]["to"], "all");
  EXPECT_EQ(list[0]["team"], "blue1");
  EXPECT_EQ(list[0]["from"], "white");
  HttpReply theirs = b1.Get("/api/messages?team=blue2");
  EXPECT_EQ(theirs.status, 403);
  EXPECT_EQ(theirs.body.find("secret"), std::string::npos);
  EXPECT_EQ(b1.Post("/api/control", {{"type", "message"}, {"to", "blue2"}, {"text", "stand down"}})
                .status,
            403);
  // The white cell reads every team's; blue2 its two.
  EXPECT_EQ(w.Get("/api/messages").Json()["messages"].size(), 4u);  // blue2, then blue1/blue2/red1
  EXPECT_EQ(run.LoggedIn("blue2").Get("/api/messages").Json()["messages"].size(), 2u);
  EXPECT_TRUE(run.Recorded([](const Event& e) {
    return e.kind == kinds::kControlRefused && e.payload.value("account", "") == "blue1" &&
           e.payload.value("type", "") == "message";
  }));
  for (const Event& e : run.Log()) {
    EXPECT_FALSE(e.kind == kinds::kMessageSent && e.payload.value("text", "") == "stand down");
  }
}

TEST(Portal, PlainHttpOnTheTlsPortIsRefused) {
  PortalRange run;
  ASSERT_TRUE(run.Start());
  asio::io_context ioc;
  tcp::socket s(ioc);
  s.connect({asio::ip::make_address("127.0.0.1"), run.portal->port()});
  const std::string req = "GET /login HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
  asio::write(s, asio::buffer(req));
  std::string got;
  beast::error_code ec;
  char buf[512];
  for (;;) {
    size_t n = s.read_some(asio::buffer(buf), ec);
    if (ec) break;
    got.append(buf, n);
  }
  EXPECT_EQ(got.find("HTTP/"), std::string::npos) << got;
  EXPECT_EQ(got.find("login"), std::string::npos);
}

TEST(Portal, RevokingTheAccountEndsItsSessions) {
  PortalRange run;
  ASSERT_TRUE(run.Start());
  HttpsClient c = run.LoggedIn("blue1");
  ASSERT_EQ(c.Get("/api/me").status, 200);
  ASSERT_TRUE(run.book.Revoke("blue1").ok());
  ASSERT_TRUE(run.book.Save(run.accounts_path).ok());
  EXPECT_EQ(c.Get("/api/me").status, 401);
  EXPECT_EQ(c.Login("blue1", run.Password("blue1")).status, 401);
}

TEST(Portal, EventsWebSocketCarriesTheAccountsOwnFeed) {
  PortalRange run;
  ASSERT_TRUE(run.Start());
  HttpsClient c = run.LoggedIn("blue1");
  asio::io_context ioc;
  ssl::context tls(ssl::context::tls_client);
  tls.load_verify_file(run.portal->cert_file());
  tls.set_verify_mode(ssl::verify_peer);
  websocket::stream<beast::ssl_stream<tcp::socket>> ws(ioc, tls);
  beast::get_lowest_layer(ws).connect({asio::ip::make_address("127.0.0.1"), run.portal->port()});
  ws.next_layer().handshake(ssl::stream_base::client);
  const std::string host = "127.0.0.1:" + std::to_string(run.portal->port());
  ws.set_option(websocket::stream_base::decorator([&](websocket::request_type& req) {
    req.set(http::field::cookie, c.cookie());
    req.set(http::field::origin, "https://" + host);
  }));
  ws.handshake(host, "/ws/events");

  // blue2 and blue1 each file a report; blue1's feed shows its own only.
  HttpsClient b2 = run.LoggedIn("blue2");
  ASSERT_EQ(b2.Post("/api/reports", {{"node", "web"}, {"technique", "T1595"}, {"description", "b2"}})
                .status,
            200);
  ASSERT_EQ(c.Post("/api/reports", {{"node", "web"}, {"technique", "T1190"}, {"description", "b1"}})
                .status,
            200);
  bool own = false;
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (!own && std::chrono::steady_clock::now() < until) {
    beast::flat_buffer buf;
    bool done = false;
    beast::error_code ec;
    ws.async_read(buf, [&](beast::error_code e, size_t) {
      ec = e;
      done = true;
    });
    ioc.restart();
    ioc.run_for(std::chrono::seconds(5));
    if (!done) break;
    ASSERT_FALSE(ec) << ec.message();
    json m = json::parse(beast::buffers_to_string(buf.data()));
    const json& e = m["event"];
    EXPECT_NE(e.value("team", ""), "blue2") << m.dump();
    if (e.value("kind", "") == "submission.report" && e.value("team", "") == "blue1") own = true;
  }
  EXPECT_TRUE(own);
}

TEST(Portal, WebSocketWithoutSessionOrFromAnotherOriginIsRefused) {
  PortalRange run;
  ASSERT_TRUE(run.Start());
  HttpsClient c = run.LoggedIn("blue1");
  auto try_open = [&](const std::string& cookie, const std::string& origin) {
    asio::io_context ioc;
    ssl::context tls(ssl::context::tls_client);
    tls.set_verify_mode(ssl::verify_none);
    websocket::stream<beast::ssl_stream<tcp::socket>> ws(ioc, tls);
    beast::get_lowest_layer(ws).connect(
        {asio::ip::make_address("127.0.0.1"), run.portal->port()});
    ws.next_layer().handshake(ssl::stream_base::client);
    ws.set_option(websocket::stream_base::decorator([&](websocket::request_type& req) {
      if (!cookie.empty()) req.set(http::field::cookie, cookie);
      req.set(http::field::origin, origin);
    }));
    beast::error_code ec;
    ws.handshake("127.0.0.1", "/ws/events", ec);
    return !ec;
  };
  EXPECT_FALSE(try_open("", "https://127.0.0.1"));
  EXPECT_FALSE(try_open(c.cookie(), "https://evil.example"));
}

TEST(Portal, PublicScoreboardNeedsNoSessionWhenEnabled) {
  PortalRange run;
  ASSERT_TRUE(run.Start([](PortalOptions& o) { o.public_scoreboard = true; }));
  HttpsClient c = run.Client();
  EXPECT_EQ(c.Get("/scoreboard").status, 200);
  HttpReply board;
  // 503 until the engine's first events (the scoring config) are durable.
  ASSERT_TRUE(testsupport::WaitFor([&] { return (board = c.Get("/api/scoreboard")).status == 200; },
                                   std::chrono::seconds(20)))
      << board.body;
  EXPECT_EQ(board.Json()["blue"].size(), 2u);
  // The rest still needs a session.
  EXPECT_EQ(c.Get("/api/score").status, 401);
}

TEST(Portal, PagesFollowTheBrowsersLanguage) {
  PortalRange run;
  ASSERT_TRUE(run.Start());
  HttpsClient c = run.Client();
  HttpReply vi = c.Send(http::verb::get, "/login", {}, {{"Accept-Language", "vi-VN,vi;q=0.9"}});
  EXPECT_NE(vi.body.find("<html lang=\"vi\""), std::string::npos);
  HttpReply en = c.Send(http::verb::get, "/login", {}, {{"Accept-Language", "en-GB"}});
  EXPECT_NE(en.body.find("<html lang=\"en\""), std::string::npos);
  EXPECT_EQ(c.Get("/assets/../portal.h").status, 404);
  EXPECT_EQ(c.Get("/assets/attack.tsv").status, 200);
}

}  // namespace
}  // namespace livefire::portal
