// Remote clients over CURVE tcp (docs/protocol.md, "Remote clients"): the
// engine admits only its accounts' keys at the handshake, takes team and
// role from the account, refuses what the role may not do (recording it
// with the account), and feeds each account only what it may see.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <set>
#include <thread>

#include "livefire/bus/bus.h"
#include "livefire/identity/accounts.h"
#include "livefire/runtime/authorize.h"
#include "livefire/runtime/exercise.h"
#include "livefire/store/event_store.h"
#include "livefire/testing/temp_dir.h"
#include "mini_range.h"

namespace livefire::runtime {
namespace {

namespace fs = std::filesystem;
using identity::Role;

struct RemoteMini {
  MiniRange mini;
  std::string state;
  ExerciseId id{"lf-test-remote"};
  std::string accounts_path;
  identity::AccountBook book;
  std::unique_ptr<Exercise> ex;
  std::thread engine;
  Status run_status;
  bus::Context zctx;
  std::unique_ptr<bus::ControlClient> host;  // the ipc channel

  bool Start(const fs::path& dir) {
    state = dir.string();
    const std::string exdir = state + "/exercises/" + id.str();
    fs::create_directories(exdir);
    for (auto& t : mini.scenario.teams) {
      if (t.name == "blue1") t.people = {"an"};
    }
    auto b = identity::DefaultAccounts(mini.scenario, mini.plan.blue_teams);
    if (!b.ok()) return Fail(b.status());
    book = std::move(b).value();
    if (Status s = book.Add("minister", "white", "", Role::kObserver); !s.ok()) return Fail(s);
    accounts_path = identity::AccountBook::PathIn(exdir);
    if (Status s = book.Save(accounts_path); !s.ok()) return Fail(s);
    ExerciseOptions o = MiniRange::Options(dir, id);
    o.listen = "tcp://127.0.0.1:0";
    auto opened = mini.Open(o);
    if (!opened.ok()) return Fail(opened.status());
    ex = std::move(opened).value();
    engine = std::thread([this] { run_status = ex->Run(); });
    auto eps = bus::DefaultEndpoints(state, id);
    if (!eps.ok()) return Fail(eps.status());
    auto c = bus::ControlClient::Connect(zctx, eps->control, "host-test");
    if (!c.ok()) return Fail(c.status());
    host = std::move(c).value();
    return true;
  }
  bool Fail(const Status& s) {
    ADD_FAILURE() << s.ToString();
    return false;
  }
  bus::CurveClientKeys Keys(std::string_view account) const {
    const identity::Account* a = book.Find(account);
    EXPECT_NE(a, nullptr) << account;
    return {book.server_keys().public_key, a ? a->keys.public_key : "",
            a ? a->keys.secret_key : ""};
  }
  std::unique_ptr<bus::ControlClient> Remote(std::string_view account) {
    auto c = bus::ControlClient::ConnectCurve(zctx, ex->control_tcp_endpoint(), Keys(account),
                                              std::string(account) + "-laptop");
    EXPECT_TRUE(c.ok()) << c.status().ToString();
    return c.ok() ? std::move(c).value() : nullptr;
  }
  ~RemoteMini() {
    if (engine.joinable()) {
      ex->Stop();
      engine.join();
    }
  }
};

bus::Request Req(bus::RequestType type, std::string team = {}, nlohmann::json args = {}) {
  bus::Request r;
  r.type = type;
  r.team = std::move(team);
  r.args = args.is_null() ? nlohmann::json::object() : std::move(args);
  return r;
}

nlohmann::json Report() {
  return {{"node", "web"}, {"technique", "T1190"}, {"description", "seen it"}};
}

TEST(Remote, HandshakeRefusesUnknownRevokedAndPlaintextClients) {
  testsupport::TempDir tmp("lf-remote");
  RemoteMini run;
  ASSERT_TRUE(run.Start(tmp.path()));
  const Duration shortly = Duration::Millis(1500);

  // A key the engine does not know.
  auto stranger_keys = identity::NewKeyPair();
  ASSERT_TRUE(stranger_keys.ok());
  auto stranger = bus::ControlClient::ConnectCurve(
      run.zctx, run.ex->control_tcp_endpoint(),
      {run.book.server_keys().public_key, stranger_keys->public_key, stranger_keys->secret_key});
  ASSERT_TRUE(stranger.ok());
  EXPECT_EQ((*stranger)->Call(Req(bus::RequestType::kStatus), shortly).status().code(),
            StatusCode::kDeadlineExceeded);
  // A plaintext client on the CURVE port.
  auto plain = bus::ControlClient::Connect(run.zctx, run.ex->control_tcp_endpoint());
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ((*plain)->Call(Req(bus::RequestType::kStatus), shortly).status().code(),
            StatusCode::kDeadlineExceeded);

  // blue2 is in; revoked, its next request is refused, and a new connection
  // does not get through the handshake.
  auto blue2 = run.Remote("blue2");
  auto ok = blue2->Call(Req(bus::RequestType::kStatus), Duration::Seconds(10));
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_TRUE(ok->ok);
  EXPECT_EQ(ok->body["team"], "blue2");
  ASSERT_TRUE(run.book.Revoke("blue2").ok());
  ASSERT_TRUE(run.book.Save(run.accounts_path).ok());
  auto after = blue2->Call(Req(bus::RequestType::kSubmitReport, "blue2", Report()),
                           Duration::Seconds(10));
  ASSERT_TRUE(after.ok());
  EXPECT_FALSE(after->ok);
  EXPECT_EQ(after->error_code, "forbidden");
  auto again = run.Remote("blue2");
  EXPECT_EQ(again->Call(Req(bus::RequestType::kStatus), shortly).status().code(),
            StatusCode::kDeadlineExceeded);

  // The refusals are counted (the host sees the bus counters).
  auto st = run.host->Call(Req(bus::RequestType::kStatus), Duration::Seconds(10));
  ASSERT_TRUE(st.ok() && st->ok);
  EXPECT_GE(st->body["control"]["handshakes_refused"].get<int>(), 2);
  EXPECT_GE(st->body["control"]["handshakes_accepted"].get<int>(), 1);
}

TEST(Remote, BlueActsOnlyWithinItsRoleAndForItsTeamAndIsAttributed) {
  testsupport::TempDir tmp("lf-remote");
  RemoteMini run;
  ASSERT_TRUE(run.Start(tmp.path()));
  auto an = run.Remote("blue1-an");
  auto call = [&](bus::ControlClient& c, bus::Request r) {
    auto rep = c.Call(std::move(r), Duration::Seconds(10));
    EXPECT_TRUE(rep.ok()) << rep.status().ToString();
    return rep.value_or(bus::Reply{});
  };
  for (auto type : {bus::RequestType::kPause, bus::RequestType::kSpeed, bus::RequestType::kStop,
                    bus::RequestType::kFireInject}) {
    bus::Reply r = call(*an, Req(type, "", {{"speed", 2}, {"inject", "press"}, {"rubric", "100"}}));
    EXPECT_FALSE(r.ok) << bus::RequestTypeName(type);
    EXPECT_EQ(r.error_code, "forbidden") << bus::RequestTypeName(type);
  }
  bus::Reply other = call(*an, Req(bus::RequestType::kSubmitReport, "blue2", Report()));
  EXPECT_EQ(other.error_code, "forbidden");
  EXPECT_NE(other.error_message.find("blue1"), std::string::npos) << other.error_message;
  // Its own report (the protocol still requires the team field).
  bus::Reply mine = call(*an, Req(bus::RequestType::kSubmitReport, "blue1", Report()));
  ASSERT_TRUE(mine.ok) << mine.error_message;
  // A non-white status shows neither the injects in flight nor the bus.
  bus::Reply st = call(*an, Req(bus::RequestType::kStatus));
  EXPECT_TRUE(st.ok);
  EXPECT_FALSE(st.body.contains("running"));
  EXPECT_FALSE(st.body.contains("control"));
  // The white credential does what the ipc channel does.
  auto white = run.Remote("white");
  EXPECT_TRUE(call(*white, Req(bus::RequestType::kPause, "", {{"reason", "tea"}})).ok);
  EXPECT_TRUE(call(*white, Req(bus::RequestType::kResume)).ok);
  EXPECT_TRUE(call(*white, Req(bus::RequestType::kSpeed, "", {{"speed", 2}})).ok);
  EXPECT_TRUE(call(*white, Req(bus::RequestType::kFireInject, "blue2", {{"inject", "press"}})).ok);
  bus::Reply g = call(*white, Req(bus::RequestType::kGrade, "blue1",
                                  {{"rubric", "100"}, {"points", 10}, {"target_seq", mine.body["seq"]}}));
  EXPECT_TRUE(g.ok) << g.error_message;
  EXPECT_TRUE(call(*white, Req(bus::RequestType::kSubmitReport, "blue2", Report())).ok);
  EXPECT_TRUE(call(*run.host, Req(bus::RequestType::kPause)).ok);
  EXPECT_TRUE(call(*white, Req(bus::RequestType::kStop, "", {{"reason", "done"}})).ok);
  run.engine.join();
  EXPECT_TRUE(run.run_status.ok()) << run.run_status.ToString();

  auto store = store::EventStore::OpenExercise(run.state, run.id, {.read_only = true});
  ASSERT_TRUE(store.ok());
  auto log = (*store)->Read({});
  ASSERT_TRUE(log.ok());
  int refused_for_an = 0;
  bool report_by_an = false, grade_by_white = false, pause_by_host = false, pause_by_white = false;
  for (const Event& e : *log) {
    const std::string account = e.payload.value("account", "");
    if (e.kind == kinds::kControlRefused && account == "blue1-an") {
      ++refused_for_an;
      EXPECT_EQ(e.payload["person"], "an");
    }
    if (e.kind == kinds::kSubmissionReport && e.team == "blue1") {
      report_by_an = account == "blue1-an" && e.payload["person"] == "an";
    }
    if (e.kind == kinds::kGradeGiven) grade_by_white = account == "white" && e.payload["grader"] == "white";
    if (e.kind == kinds::kControlPaused && account == "host") pause_by_host = true;
    if (e.kind == kinds::kControlPaused && account == "white") pause_by_white = true;
  }
  EXPECT_EQ(refused_for_an, 5);
  EXPECT_TRUE(report_by_an);
  EXPECT_TRUE(grade_by_white);
  EXPECT_TRUE(pause_by_host);
  EXPECT_TRUE(pause_by_white);
}

TEST(Remote, BlueFeedCarriesNoOtherTeamNorGroundTruth) {
  testsupport::TempDir tmp("lf-remote");
  RemoteMini run;
  ASSERT_TRUE(run.Start(tmp.path()));
  auto sub = bus::Subscriber::ConnectCurve(run.zctx, run.ex->events_tcp_endpoint(),
                                           run.Keys("blue1"));
  ASSERT_TRUE(sub.ok());
  ASSERT_TRUE((*sub)->Subscribe("").ok());  // asks for everything
  auto observer = bus::Subscriber::ConnectCurve(run.zctx, run.ex->events_tcp_endpoint(),
                                                run.Keys("minister"));
  ASSERT_TRUE(observer.ok());
  ASSERT_TRUE((*observer)->Subscribe("").ok());
  // Subscriptions are applied at the next publish: give them time to arrive.
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  auto call = [&](bus::ControlClient& c, bus::Request r) {
    auto rep = c.Call(std::move(r), Duration::Seconds(10));
    EXPECT_TRUE(rep.ok() && rep->ok) << (rep.ok() ? rep->error_message : rep.status().ToString());
  };
  call(*run.host, Req(bus::RequestType::kPause));  // publishes: applies the subscriptions
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  call(*run.host, Req(bus::RequestType::kResume));
  call(*run.host, Req(bus::RequestType::kSubmitReport, "blue2", Report()));
  call(*run.host, Req(bus::RequestType::kFireInject, "blue1", {{"inject", "press"}}));
  call(*run.host, Req(bus::RequestType::kSubmitReport, "blue1", Report()));
  std::set<std::string> seen;
  bool own_report = false;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!own_report && std::chrono::steady_clock::now() < deadline) {
    auto m = (*sub)->Receive(Duration::Millis(200));
    ASSERT_TRUE(m.ok()) << m.status().ToString();
    if (!m->has_value()) continue;
    const Event& e = (*m)->event;
    seen.insert(e.team + "/" + e.kind);
    EXPECT_TRUE(e.team.empty() || e.team == "blue1") << e.team << " " << e.kind;
    EXPECT_NE(e.kind, kinds::kRedAction);
    EXPECT_FALSE(e.kind.starts_with("inject.")) << e.kind;
    EXPECT_FALSE(e.kind.starts_with("control.")) << e.kind;
    if (e.kind == kinds::kSubmissionReport && e.team == "blue1") own_report = true;
  }
  EXPECT_TRUE(own_report);
  EXPECT_TRUE(seen.count("/exercise.resumed")) << "exercise-wide events reach blue";
  // The observer's feed holds the scoreboard only.
  for (;;) {
    auto m = (*observer)->Receive(Duration::Millis(300));
    ASSERT_TRUE(m.ok());
    if (!m->has_value()) break;
    EXPECT_EQ((*m)->event.kind, "scoreboard");
  }
}

TEST(Authorize, TableAndFeedPrefixes) {
  identity::Account blue;
  blue.name = "blue1";
  blue.team = "blue1";
  blue.role = Role::kBlue;
  EXPECT_TRUE(RoleMay(Role::kBlue, bus::RequestType::kSubmitReport));
  EXPECT_TRUE(RoleMay(Role::kBlue, bus::RequestType::kSubmitResponse));
  EXPECT_FALSE(RoleMay(Role::kBlue, bus::RequestType::kGrade));
  EXPECT_FALSE(RoleMay(Role::kObserver, bus::RequestType::kSubmitReport));
  EXPECT_TRUE(RoleMay(Role::kRed, bus::RequestType::kSubmitFlag));
  EXPECT_FALSE(RoleMay(Role::kRed, bus::RequestType::kSubmitReport));
  auto r = AuthorizeRequest(blue, Req(bus::RequestType::kSubmitReport, "", Report()));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->team, "blue1");
  EXPECT_EQ(r->client, "blue1");
  EXPECT_FALSE(AuthorizeRequest(blue, Req(bus::RequestType::kSubmitReport, "blue2")).ok());
  std::vector<std::string> blues = {"blue1", "blue2"};
  auto all = FeedPrefixes(blue, "x", blues, "");
  for (const std::string& p : all) {
    EXPECT_TRUE(p.starts_with("x/blue1/") || p.starts_with("x/*/")) << p;
    EXPECT_EQ(p.find("red.action"), std::string::npos);
  }
  EXPECT_TRUE(FeedPrefixes(blue, "x", blues, "x/blue2/").empty());
  EXPECT_EQ(FeedPrefixes(blue, "x", blues, "x/blue1/submission.report"),
            std::vector<std::string>{"x/blue1/submission.report"});
  identity::Account red = blue;
  red.team = "red1";
  red.role = Role::kRed;
  auto red_feed = FeedPrefixes(red, "x", blues, "x/blue2/");
  EXPECT_NE(std::find(red_feed.begin(), red_feed.end(), "x/blue2/red.action"), red_feed.end());
}

}  // namespace
}  // namespace livefire::runtime
