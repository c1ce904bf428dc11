// Remote clients over CURVE tcp (docs/protocol.md, "Remote clients"): the
// engine admits only its accounts' keys at the handshake, takes team and
// role from the account, refuses what the role may not do (recording it
// with the account), and feeds each account only what it may see.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <random>
#include <set>
#include <thread>

#include "livefire/bus/bus.h"
#include "livefire/identity/accounts.h"
#include "livefire/runtime/authorize.h"
#include "livefire/runtime/exercise.h"
#include "livefire/store/event_store.h"
#include "livefire/testing/mini_range.h"
#include "livefire/testing/account_keys.h"
#include "livefire/testing/temp_dir.h"

namespace livefire::runtime {
namespace {

using testsupport::MiniRange;

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
    return testsupport::AccountKeys(book, account);
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

// The engine's reply (ok or refused); a transport failure fails the test.
bus::Reply Ask(bus::ControlClient& c, bus::Request r) {
  auto rep = c.Call(std::move(r), Duration::Seconds(10));
  EXPECT_TRUE(rep.ok()) << rep.status().ToString();
  return rep.value_or(bus::Reply{});
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

// Receives from sub until an event matches (true) or `wait` passes (false).
template <typename Pred>
bool ReceiveUntil(bus::Subscriber& sub, Duration wait, Pred match) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::nanoseconds(wait.nanos());
  while (std::chrono::steady_clock::now() < deadline) {
    auto m = sub.Receive(Duration::Millis(100));
    if (!m.ok()) {
      ADD_FAILURE() << m.status().ToString();
      return false;
    }
    if (m->has_value() && match((*m)->event)) return true;
  }
  return false;
}

TEST(Remote, RevocationDropsTheFeedAtTheNextMessageAndRefusesRequestsAtOnce) {
  testsupport::TempDir tmp("lf-remote");
  RemoteMini run;
  ASSERT_TRUE(run.Start(tmp.path()));
  auto feed = [&](std::string_view account) {
    auto sub =
        bus::Subscriber::ConnectCurve(run.zctx, run.ex->events_tcp_endpoint(), run.Keys(account));
    EXPECT_TRUE(sub.ok());
    EXPECT_TRUE((*sub)->Subscribe(run.id.str() + "/*/exercise.").ok());
    return std::move(sub).value();
  };
  auto blue1 = feed("blue1");
  auto blue2 = feed("blue2");
  auto ctl = run.Remote("blue1");
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // subscriptions travel
  auto host = [&](bus::RequestType t) {
    auto rep = run.host->Call(Req(t), Duration::Seconds(10));
    ASSERT_TRUE(rep.ok() && rep->ok);
  };
  auto paused = [](const Event& e) { return e.kind == kinds::kExercisePaused; };
  auto resumed = [](const Event& e) { return e.kind == kinds::kExerciseResumed; };
  host(bus::RequestType::kPause);  // applies the subscriptions, then publishes
  host(bus::RequestType::kResume);
  EXPECT_TRUE(ReceiveUntil(*blue1, Duration::Seconds(5), resumed));
  EXPECT_TRUE(ReceiveUntil(*blue2, Duration::Seconds(5), resumed));
  auto before = ctl->Call(Req(bus::RequestType::kStatus), Duration::Seconds(10));
  ASSERT_TRUE(before.ok() && before->ok);

  ASSERT_TRUE(run.book.Revoke("blue1").ok());
  ASSERT_TRUE(run.book.Save(run.accounts_path).ok());
  // Its open control connection is refused at the very next request...
  auto after = ctl->Call(Req(bus::RequestType::kStatus), Duration::Seconds(10));
  ASSERT_TRUE(after.ok());
  EXPECT_FALSE(after->ok);
  EXPECT_EQ(after->error_code, "forbidden");
  EXPECT_NE(after->error_message.find("revoked"), std::string::npos) << after->error_message;
  // ...and its open subscription gets nothing of the next event, which blue2 gets.
  host(bus::RequestType::kPause);
  EXPECT_TRUE(ReceiveUntil(*blue2, Duration::Seconds(5), paused));
  EXPECT_FALSE(ReceiveUntil(*blue1, Duration::Seconds(1), [](const Event&) { return true; }));
}

// The message fuzzer's cases, sent over the authenticated path: a blue
// account's CURVE connection. Every message gets a reply (an error for the
// malformed, `forbidden` beyond the role), and the engine keeps serving.
TEST(Remote, GarbageOverCurveTcpIsAnsweredOrRefusedAndTheEngineStaysUp) {
  testsupport::TempDir tmp("lf-remote");
  RemoteMini run;
  ASSERT_TRUE(run.Start(tmp.path()));
  auto blue = run.Remote("blue1");
  const uint32_t seed = 1414;  // fixed, so a failure replays
  std::mt19937 rng(seed);
  std::vector<std::string> cases = {
      "",
      "{",
      "}",
      "null",
      "[]",
      "42",
      "\"status\"",
      "{\"v\":1}",
      "{\"v\":2,\"type\":\"status\"}",
      "{\"v\":1,\"type\":\"no_such\"}",
      "{\"v\":1,\"type\":\"pause\",\"id\":" + std::string(200, '9') + "}",
      "{\"v\":1,\"type\":\"submit_report\",\"team\":\"blue1\",\"node\":7}",
      "{\"v\":1,\"type\":\"grade\",\"team\":\"blue1\",\"rubric\":\"100\",\"target_seq\":-1}",
      "{\"v\":1,\"type\":\"scoreboard\",\"mode\":\"frozen\",\"at\":\"yesterday\"}",
      std::string(bus::kMaxMessageBytes + 1, 'x'),  // oversized
      std::string(64, '[') + std::string(64, ']'),  // too deep
      std::string("\xff\xfe\x00\x01", 4),           // not UTF-8, not JSON
  };
  const std::string valid =
      "{\"v\":1,\"type\":\"submit_report\",\"id\":\"f\",\"team\":\"blue1\",\"node\":\"web\","
      "\"technique\":\"T1190\",\"description\":\"seen\"}";
  for (int i = 0; i < 150; ++i) {  // mutations of a valid request: flips, cuts, inserts
    std::string m = valid;
    switch (rng() % 3) {
      case 0:
        m[rng() % m.size()] = static_cast<char>(rng() % 256);
        break;
      case 1:
        m.resize(rng() % m.size());
        break;
      case 2:
        m.insert(rng() % m.size(), std::string(1 + rng() % 8, static_cast<char>(rng() % 256)));
        break;
    }
    cases.push_back(std::move(m));
  }
  int answered = 0, errors = 0;
  for (const std::string& c : cases) {
    auto rep = blue->CallRaw(c, Duration::Seconds(10));
    ASSERT_TRUE(rep.ok()) << "seed " << seed << ": no reply to "
                          << nlohmann::json(c).dump(-1, ' ', false,
                                                    nlohmann::json::error_handler_t::replace)
                          << ": " << rep.status().ToString();
    ++answered;
    if (!rep->ok) {
      ++errors;
      EXPECT_FALSE(rep->error_code.empty());
    }
  }
  EXPECT_EQ(answered, static_cast<int>(cases.size()));
  EXPECT_GE(errors, 17);
  // Beyond the role, even well formed: refused with the account.
  auto pause = blue->Call(Req(bus::RequestType::kPause), Duration::Seconds(10));
  ASSERT_TRUE(pause.ok());
  EXPECT_EQ(pause->error_code, "forbidden");
  // Still up, for this account and for the host.
  auto st = blue->Call(Req(bus::RequestType::kStatus), Duration::Seconds(10));
  ASSERT_TRUE(st.ok() && st->ok);
  auto host = run.host->Call(Req(bus::RequestType::kStatus), Duration::Seconds(10));
  ASSERT_TRUE(host.ok() && host->ok);
  EXPECT_GE(host->body["control"]["malformed"].get<int>(), 10);
  EXPECT_GE(host->body["control"]["oversized"].get<int>(), 1);
}

// The white cell sets how everyone else sees the scoreboard; nobody else
// may. Recorded as control.scoreboard (with the account) and
// exercise.scoreboard, shown in every status reply.
TEST(Remote, OnlyTheWhiteCellSetsTheScoreboardModeAndItIsRecorded) {
  testsupport::TempDir tmp("lf-remote");
  RemoteMini run;
  ASSERT_TRUE(run.Start(tmp.path()));
  auto white = run.Remote("white");
  auto minister = run.Remote("minister");
  auto blue = run.Remote("blue1");
  EXPECT_EQ(Ask(*blue, bus::MakeScoreboardRequest("hidden")).error_code, "forbidden");
  EXPECT_EQ(Ask(*minister, bus::MakeScoreboardRequest("live")).error_code, "forbidden");
  bus::Reply late = Ask(*white, bus::MakeScoreboardRequest("frozen", "99h"));
  EXPECT_EQ(late.error_code, "rejected") << late.error_message;
  bus::Reply frozen = Ask(*white, bus::MakeScoreboardRequest("frozen", "00:10:00"));
  ASSERT_TRUE(frozen.ok) << frozen.error_message;
  EXPECT_EQ(frozen.body["mode"], "frozen");
  EXPECT_EQ(frozen.body["at_ns"], Duration::Minutes(10).nanos());
  bus::Reply seen = Ask(*minister, bus::MakeStatusRequest());
  ASSERT_TRUE(seen.ok);
  EXPECT_EQ(seen.body["scoreboard_mode"]["mode"], "frozen");
  EXPECT_EQ(seen.body["scoreboard_mode"]["at"], "00:10:00");
  ASSERT_TRUE(Ask(*run.host, bus::MakeScoreboardRequest("hidden")).ok);
  EXPECT_EQ(Ask(*blue, bus::MakeStatusRequest()).body["scoreboard_mode"]["mode"], "hidden");
  EXPECT_TRUE(Ask(*white, bus::MakeStopRequest()).ok);
  run.engine.join();

  auto store = store::EventStore::OpenExercise(run.state, run.id, {.read_only = true});
  ASSERT_TRUE(store.ok());
  auto log = (*store)->Read({});
  ASSERT_TRUE(log.ok());
  std::vector<std::string> modes, by;
  int refused = 0;
  for (const Event& e : *log) {
    if (e.kind == kinds::kControlScoreboard) by.push_back(e.payload.value("account", ""));
    if (e.kind == kinds::kExerciseScoreboard) modes.push_back(e.payload["mode"]);
    if (e.kind == kinds::kControlRefused && e.payload.value("type", "") == "scoreboard") ++refused;
  }
  EXPECT_EQ(by, (std::vector<std::string>{"white", "host"}));
  EXPECT_EQ(modes, (std::vector<std::string>{"frozen", "hidden"}));
  EXPECT_EQ(refused, 2);
}

// What a remote client has instead of the log file: pages of it, filtered
// as its feed is.
TEST(Remote, EventsPagesTheLogAsTheAccountsFeedShowsIt) {
  testsupport::TempDir tmp("lf-remote");
  RemoteMini run;
  ASSERT_TRUE(run.Start(tmp.path()));
  auto call = [](bus::ControlClient& c, bus::Request r) {
    auto rep = c.Call(std::move(r), Duration::Seconds(10));
    EXPECT_TRUE(rep.ok() && rep->ok) << (rep.ok() ? rep->error_message : rep.status().ToString());
    return rep.ok() ? rep->body : nlohmann::json::object();
  };
  call(*run.host, Req(bus::RequestType::kSubmitReport, "blue2", Report()));
  call(*run.host, Req(bus::RequestType::kFireInject, "blue1", {{"inject", "press"}}));
  const int64_t own = call(*run.host, Req(bus::RequestType::kSubmitReport, "blue1", Report()))
                          .value("seq", int64_t{0});
  ASSERT_GT(own, 0);
  // Everything, in pages of 3, for the white cell.
  auto white = run.Remote("white");
  std::vector<Event> all;
  for (int64_t from = 1; from <= own;) {
    nlohmann::json page = call(*white, bus::MakeEventsRequest(from, 3));
    ASSERT_LE(page["events"].size(), 3u);
    for (const auto& j : page["events"]) {
      auto e = EventFromJson(j.dump());
      ASSERT_TRUE(e.ok());
      all.push_back(*e);
    }
    ASSERT_GT(page["next_seq"].get<int64_t>(), from);
    from = page["next_seq"];
  }
  ASSERT_GE(all.size(), static_cast<size_t>(own));
  for (size_t i = 0; i < all.size(); ++i) EXPECT_EQ(all[i].seq, static_cast<int64_t>(i) + 1);
  // blue1: its own report, no other team's, no ground truth, no audit trail.
  auto blue = run.Remote("blue1");
  nlohmann::json mine = call(*blue, bus::MakeEventsRequest(1));
  bool saw_own = false;
  for (const auto& j : mine["events"]) {
    const std::string team = j["team"], kind = j["kind"];
    EXPECT_TRUE(team.empty() || team == "blue1") << team << " " << kind;
    EXPECT_FALSE(kind.starts_with("control.") || kind.starts_with("inject.")) << kind;
    if (j["seq"] == own) saw_own = true;
  }
  EXPECT_TRUE(saw_own);
  auto bad = blue->Call(bus::MakeEventsRequest(1, 5000), Duration::Seconds(10));
  ASSERT_TRUE(bad.ok());
  EXPECT_EQ(bad->error_code, "bad_request");

  // The plan file, for a remote control room's topology: the white cell's only.
  auto none = white->Call(bus::MakePlanRequest(), Duration::Seconds(10));
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(none->error_code, "not_found");
  const nlohmann::json plan = {{"format", 1}, {"exercise", run.id.str()}, {"plan", {{"x", 1}}}};
  std::ofstream(run.state + "/exercises/" + run.id.str() + "/plan.json") << plan.dump();
  EXPECT_EQ(call(*white, bus::MakePlanRequest())["plan_file"], plan);
  auto theirs = blue->Call(bus::MakePlanRequest(), Duration::Seconds(10));
  ASSERT_TRUE(theirs.ok());
  EXPECT_EQ(theirs->error_code, "forbidden");
}

// The white cell writes to one team or to all: one message.sent per
// recipient on its own topic, the control.message audit first; nobody else
// may send one, and a team sees only its own.
TEST(Remote, TheWhiteCellMessagesTeamsAndEachSeesOnlyItsOwn) {
  testsupport::TempDir tmp("lf-remote");
  RemoteMini run;
  ASSERT_TRUE(run.Start(tmp.path()));
  auto white = run.Remote("white");
  auto blue = run.Remote("blue1");
  auto minister = run.Remote("minister");
  bus::Reply one = Ask(*white, bus::MakeMessageRequest("blue1", "Switch to the backup line"));
  ASSERT_TRUE(one.ok) << one.error_message;
  EXPECT_GT(one.body.value("seq", int64_t{0}), 0);
  bus::Reply all = Ask(*white, bus::MakeMessageRequest("all", "<b>Lunch</b> at 12:00"));
  ASSERT_TRUE(all.ok) << all.error_message;
  bus::Reply nobody = Ask(*white, bus::MakeMessageRequest("blue9", "x"));
  EXPECT_EQ(nobody.error_code, "rejected");
  EXPECT_NE(nobody.error_message.find("blue1, blue2, red1"), std::string::npos)
      << nobody.error_message;
  EXPECT_EQ(Ask(*white, bus::MakeMessageRequest("blue1", "")).error_code, "bad_request");
  EXPECT_EQ(Ask(*white, bus::MakeMessageRequest("blue1", std::string(5000, 'x'))).error_code,
            "bad_request");
  EXPECT_EQ(Ask(*blue, bus::MakeMessageRequest("blue2", "fake order")).error_code, "forbidden");
  EXPECT_EQ(Ask(*minister, bus::MakeMessageRequest("all", "x")).error_code, "forbidden");

  // blue1's page of the log: its two messages, not blue2's or red1's copy.
  bus::Reply page = Ask(*blue, bus::MakeEventsRequest(1));
  ASSERT_TRUE(page.ok);
  std::vector<std::string> seen;
  for (const auto& j : page.body["events"]) {
    if (j["kind"] == kinds::kMessageSent) {
      EXPECT_EQ(j["team"], "blue1");
      seen.push_back(j["payload"]["text"]);
    }
  }
  EXPECT_EQ(seen, (std::vector<std::string>{"Switch to the backup line", "<b>Lunch</b> at 12:00"}));
  EXPECT_TRUE(Ask(*white, bus::MakeStopRequest()).ok);
  run.engine.join();

  auto store = store::EventStore::OpenExercise(run.state, run.id, {.read_only = true});
  ASSERT_TRUE(store.ok());
  auto log = (*store)->Read({});
  ASSERT_TRUE(log.ok());
  std::vector<std::string> to;
  int audits = 0, refused = 0;
  for (const Event& e : *log) {
    if (e.kind == kinds::kControlMessage) {
      ++audits;
      EXPECT_EQ(e.payload.value("account", ""), "white");
    }
    if (e.kind == kinds::kMessageSent) {
      EXPECT_TRUE(ValidateEvent(e).ok()) << ValidateEvent(e).ToString();
      EXPECT_EQ(e.payload.value("account", ""), "white");
      to.push_back(e.team + ":" + e.payload.value("to", ""));
    }
    if (e.kind == kinds::kControlRefused && e.payload.value("type", "") == "message") ++refused;
  }
  EXPECT_EQ(audits, 2);
  EXPECT_EQ(to, (std::vector<std::string>{"blue1:blue1", "blue1:all", "blue2:all", "red1:all"}));
  EXPECT_EQ(refused, 2);  // blue1's and the minister's, with their accounts
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
  // Per event: the same tables.
  EXPECT_TRUE(FeedAllows(blue, "x", blues, "blue1", "grade.given"));
  EXPECT_TRUE(FeedAllows(blue, "x", blues, "", "scoreboard"));
  EXPECT_FALSE(FeedAllows(blue, "x", blues, "blue2", "grade.given"));
  EXPECT_FALSE(FeedAllows(blue, "x", blues, "blue1", "red.action"));
  EXPECT_TRUE(FeedAllows(red, "x", blues, "blue2", "red.action"));
  EXPECT_TRUE(FeedAllows(blue, "x", blues, "blue1", "message.sent"));
  EXPECT_FALSE(FeedAllows(blue, "x", blues, "blue2", "message.sent"));
  EXPECT_TRUE(FeedAllows(red, "x", blues, "red1", "message.sent"));
  EXPECT_FALSE(FeedAllows(red, "x", blues, "blue1", "message.sent"));
  identity::Account minister = blue;
  minister.role = Role::kObserver;
  EXPECT_TRUE(FeedAllows(minister, "x", blues, "", "scoreboard"));
  EXPECT_FALSE(FeedAllows(minister, "x", blues, "", "exercise.paused"));
}

}  // namespace
}  // namespace livefire::runtime
