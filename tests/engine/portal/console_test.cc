// /ws/console/NODE and POST /api/consoles/close on the mini range: who may
// open and close which console, and that the engine records every open,
// close and refusal with the account. The mini range has no libvirt (the
// portal serves no consoles), so an allowed open is recorded, then fails to
// attach (503) and its close is recorded too; the real console is
// PortalConsole in console_slowtest.cc.

#include <gtest/gtest.h>

#include "livefire/event.h"
#include "portal_fixture.h"

namespace livefire::portal {
namespace {

// The HTTP status of a WebSocket upgrade to target with the client's
// session (101 when the console opened).
int OpenConsole(PortalRange&, HttpsClient& c, const std::string& target) {
  return c
      .Send(http::verb::get, target, {},
            {{"Connection", "Upgrade"},
             {"Upgrade", "websocket"},
             {"Sec-WebSocket-Version", "13"},
             {"Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="}})
      .status;
}

bool IsConsoleRefusal(const Event& e, const std::string& account, const std::string& copy) {
  return e.kind == kinds::kControlRefused && e.payload.value("account", "") == account &&
         e.payload.value("type", "") == "console" && e.payload.contains("request") &&
         e.payload["request"].value("copy", "") == copy;
}

TEST(PortalConsole, BlueOneCannotOpenBlueTwosConsoleAndTheRefusalIsRecorded) {
  PortalRange run;
  ASSERT_TRUE(run.Start());
  HttpsClient blue1 = run.LoggedIn("blue1");
  EXPECT_EQ(OpenConsole(run, blue1, "/ws/console/web?team=blue2"), 403);
  EXPECT_TRUE(run.Recorded([](const Event& e) { return IsConsoleRefusal(e, "blue1", "blue2"); }));
  // Nor the red zone's attacker.
  EXPECT_EQ(OpenConsole(run, blue1, "/ws/console/attacker?team=shared"), 403);
  EXPECT_TRUE(run.Recorded([](const Event& e) { return IsConsoleRefusal(e, "blue1", ""); }));
  // No console.opened for blue1 on either.
  for (const Event& e : run.Log()) {
    EXPECT_FALSE(e.kind == kinds::kConsoleOpened && e.team != "blue1") << CanonicalJson(e);
  }
  // Red may not open a blue copy's node.
  HttpsClient red = run.LoggedIn("red1");
  EXPECT_EQ(OpenConsole(run, red, "/ws/console/web?team=blue1"), 403);
  EXPECT_TRUE(run.Recorded([](const Event& e) { return IsConsoleRefusal(e, "red1", "blue1"); }));
}

TEST(PortalConsole, AnAllowedOpenIsRecordedWithItsCloseWhenNoConsoleCanAttach) {
  PortalRange run;
  ASSERT_TRUE(run.Start());  // no libvirt_uri: the portal serves no consoles
  HttpsClient blue1 = run.LoggedIn("blue1");
  EXPECT_EQ(OpenConsole(run, blue1, "/ws/console/web"), 503);
  EXPECT_TRUE(run.Recorded([](const Event& e) {
    return e.kind == kinds::kConsoleOpened && e.team == "blue1" &&
           e.payload.value("account", "") == "blue1" && e.payload.value("node", "") == "web";
  }));
  EXPECT_TRUE(run.Recorded([](const Event& e) {
    return e.kind == kinds::kConsoleClosed && e.team == "blue1" &&
           e.payload.value("account", "") == "blue1" &&
           e.payload.value("reason", "").find("not attached") != std::string::npos;
  }));
  // No such node in the copy: 404.
  EXPECT_EQ(OpenConsole(run, blue1, "/ws/console/nosuch"), 404);
}

TEST(PortalConsole, OnlyWhiteClosesConsolesAndBothAreRecorded) {
  PortalRange run;
  ASSERT_TRUE(run.Start());
  HttpsClient blue1 = run.LoggedIn("blue1");
  HttpReply r = blue1.Post("/api/consoles/close", {{"node", "web"}, {"team", "blue1"}});
  EXPECT_EQ(r.status, 403) << r.body;
  EXPECT_TRUE(run.Recorded([](const Event& e) { return IsConsoleRefusal(e, "blue1", "blue1"); }));
  HttpsClient white = run.LoggedIn("white");
  r = white.Post("/api/consoles/close", {{"node", "web"}, {"team", "blue2"}});
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_TRUE(run.Recorded([](const Event& e) {
    return e.kind == kinds::kConsoleEnded && e.team == "blue2" &&
           e.payload.value("account", "") == "white" && e.payload.value("node", "") == "web";
  }));
  // Without the CSRF token: refused before anything is asked.
  r = white.Send(http::verb::post, "/api/consoles/close", json{{"node", "web"}}.dump());
  EXPECT_EQ(r.status, 403);
}

}  // namespace
}  // namespace livefire::portal
