#include "livefire/bus/bus.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <thread>

#include "livefire/testing/temp_dir.h"

namespace livefire::bus {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

const ExerciseId kExercise("lf-20261121-093000-3fa2c1");

Event MakeEvent(int64_t seq, std::string team, std::string kind) {
  Event e;
  e.seq = seq;
  e.time = SimTime::FromNanos(seq * 1000);
  e.wall_ns = 42;
  e.team = std::move(team);
  e.kind = std::move(kind);
  e.payload = {{"n", seq}, {"note", "Tấn công"}};
  e.hash = std::string(64, 'a');
  return e;
}

// Generous: the ASan preset on two busy cores can stall a thread for seconds.
constexpr auto kDeadline = 10s;

// PUB/SUB drops messages until the subscription has reached the publisher
// (ZeroMQ's "slow joiner"): publish a probe until one arrives, then a marker,
// and drain up to the marker so that no late probe reaches the test.
void AwaitSubscription(EventPublisher& pub, Subscriber& sub) {
  auto deadline = std::chrono::steady_clock::now() + kDeadline;
  bool joined = false;
  while (!joined && std::chrono::steady_clock::now() < deadline) {
    ASSERT_TRUE(pub.Publish(MakeEvent(0, "", "probe")).ok());
    auto m = sub.Receive(Duration::Millis(20));
    ASSERT_TRUE(m.ok());
    joined = m->has_value();
  }
  ASSERT_TRUE(joined) << "subscription never reached the publisher";
  ASSERT_TRUE(pub.Publish(MakeEvent(0, "", "probe.end")).ok());
  while (std::chrono::steady_clock::now() < deadline) {
    auto m = sub.Receive(Duration::Seconds(1));
    ASSERT_TRUE(m.ok());
    if (m->has_value() && (*m)->event.kind == "probe.end") return;
  }
  FAIL() << "the end-of-probes marker never arrived";
}

TEST(Bus, PublishSubscribeOverInprocFiltersByTopic) {
  Context ctx;
  auto pub = EventPublisher::Bind(ctx, "inproc://events-a", kExercise);
  ASSERT_TRUE(pub.ok()) << pub.status().ToString();
  auto sub = Subscriber::Connect(ctx, "inproc://events-a");
  ASSERT_TRUE(sub.ok());
  ASSERT_TRUE((*sub)->Subscribe(kExercise.str() + "/*/").ok());      // exercise-wide
  ASSERT_TRUE((*sub)->Subscribe(kExercise.str() + "/blue1/").ok());  // and blue1's
  AwaitSubscription(**pub, **sub);

  ASSERT_TRUE((*pub)->Publish(MakeEvent(1, "blue1", "check.result")).ok());
  ASSERT_TRUE((*pub)->Publish(MakeEvent(2, "blue2", "check.result")).ok());  // filtered out
  ASSERT_TRUE((*pub)->Publish(MakeEvent(3, "", "exercise.paused")).ok());
  auto a = (*sub)->Receive(Duration::Seconds(2));
  ASSERT_TRUE(a.ok() && a->has_value());
  EXPECT_EQ((*a)->topic, kExercise.str() + "/blue1/check.result");
  EXPECT_EQ((*a)->event.seq, 1);
  EXPECT_EQ((*a)->event.payload["note"], "Tấn công");
  EXPECT_EQ(CanonicalJson((*a)->event), CanonicalJson(MakeEvent(1, "blue1", "check.result")));
  auto b = (*sub)->Receive(Duration::Seconds(2));
  ASSERT_TRUE(b.ok() && b->has_value());
  EXPECT_EQ((*b)->event.seq, 3);
  EXPECT_EQ((*b)->topic, kExercise.str() + "/*/exercise.paused");
  // A marker published last arrives next: nothing else got through.
  ASSERT_TRUE((*pub)->Publish(MakeEvent(4, "", "marker")).ok());
  auto next = (*sub)->Receive(Duration::Seconds(10));
  ASSERT_TRUE(next.ok() && next->has_value());
  EXPECT_EQ((*next)->event.seq, 4);
}

TEST(Bus, DefaultEndpointsAreIpcSocketsInTheExerciseFolder) {
  testsupport::TempDir tmp("lf-bus");
  std::string dir = tmp.str();
  auto ep = DefaultEndpoints(dir, kExercise);
  ASSERT_TRUE(ep.ok()) << ep.status().ToString();
  EXPECT_EQ(ep->events, "ipc://" + dir + "/exercises/" + kExercise.str() + "/events.sock");
  EXPECT_EQ(ep->control, "ipc://" + dir + "/exercises/" + kExercise.str() + "/control.sock");

  Context ctx;
  auto pub = EventPublisher::Bind(ctx, ep->events, kExercise);
  ASSERT_TRUE(pub.ok()) << pub.status().ToString();
  auto sub = Subscriber::Connect(ctx, ep->events);
  ASSERT_TRUE(sub.ok());
  ASSERT_TRUE((*sub)->Subscribe("").ok());
  AwaitSubscription(**pub, **sub);
  ASSERT_TRUE((*pub)->Publish(MakeEvent(9, "red", "red.action")).ok());
  auto m = (*sub)->Receive(Duration::Seconds(2));
  ASSERT_TRUE(m.ok() && m->has_value());
  EXPECT_EQ((*m)->event.kind, "red.action");

  auto too_long = DefaultEndpoints(dir + "/" + std::string(120, 'd'), kExercise);
  EXPECT_EQ(too_long.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(too_long.status().message().find("tcp://127.0.0.1"), std::string::npos);
}

// The engine side of a control exchange, as the runtime's loop would run it.
class FakeEngineLoop {
 public:
  explicit FakeEngineLoop(ControlServer& server) : server_(server) {
    thread_ = std::thread([this] {
      while (!stop_) {
        for (auto& p : server_.Poll()) {
          if (p.request.type == RequestType::kPause) {
            server_.Reply(p, {{"state", "paused"}});
          } else if (p.request.type == RequestType::kStatus) {
            server_.Reply(p, {{"state", "running"}});
          } else if (p.request.type == RequestType::kFireInject) {
            server_.ReplyError(p, errors::kNotFound,
                               "no inject '" + p.request.args["inject"].get<std::string>() + "'");
          } else {
            server_.Reply(p, {{"echo", p.request.args}});
          }
        }
        std::this_thread::sleep_for(1ms);
      }
    });
  }
  ~FakeEngineLoop() {
    stop_ = true;
    thread_.join();
  }

 private:
  ControlServer& server_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

TEST(Bus, ControlRoundTripOverTcpLoopback) {
  Context ctx;
  auto server = ControlServer::Bind(ctx, "tcp://127.0.0.1:0");
  ASSERT_TRUE(server.ok()) << server.status().ToString();
  EXPECT_EQ((*server)->endpoint().rfind("tcp://127.0.0.1:", 0), 0u);
  FakeEngineLoop loop(**server);
  auto client = ControlClient::Connect(ctx, (*server)->endpoint(), "test");
  ASSERT_TRUE(client.ok());

  Request pause;
  pause.type = RequestType::kPause;
  pause.team = "white";
  auto r = (*client)->Call(pause, Duration::Seconds(5));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_TRUE(r->ok);
  EXPECT_EQ(r->id, "test-1");
  EXPECT_EQ(r->body["state"], "paused");

  Request fire;
  fire.type = RequestType::kFireInject;
  fire.args = {{"inject", "ghost"}};
  r = (*client)->Call(fire, Duration::Seconds(5));
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->ok);
  EXPECT_EQ(r->error_code, "not_found");
  EXPECT_EQ(r->id, "test-2");

  Request flag;
  flag.type = RequestType::kSubmitFlag;
  flag.team = "red";
  flag.args = {{"flag", "LF{x}"}};
  r = (*client)->Call(flag, Duration::Seconds(5));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->body["echo"]["flag"], "LF{x}");
}

TEST(Bus, MalformedAndOversizedMessagesGetErrorsAndAreCounted) {
  Context ctx;
  auto server = ControlServer::Bind(ctx, "inproc://control-b");
  ASSERT_TRUE(server.ok());
  FakeEngineLoop loop(**server);
  auto client = ControlClient::Connect(ctx, "inproc://control-b");
  ASSERT_TRUE(client.ok());

  auto bad = (*client)->CallRaw("{definitely not json", Duration::Seconds(5));
  ASSERT_TRUE(bad.ok()) << bad.status().ToString();
  EXPECT_FALSE(bad->ok);
  EXPECT_EQ(bad->error_code, "bad_json");

  auto bad_field = (*client)->CallRaw(R"({"v":1,"type":"speed","id":"s1","speed":"fast"})",
                                      Duration::Seconds(5));
  ASSERT_TRUE(bad_field.ok());
  EXPECT_EQ(bad_field->id, "s1");  // echoed even though the request was refused
  EXPECT_EQ(bad_field->error_code, "bad_request");
  EXPECT_NE(bad_field->error_message.find("'speed'"), std::string::npos);

  std::string huge = R"({"v":1,"type":"submit_flag","id":"h","team":"red","flag":")" +
                     std::string(kMaxMessageBytes, 'x') + "\"}";
  auto big = (*client)->CallRaw(huge, Duration::Seconds(5));
  ASSERT_TRUE(big.ok()) << big.status().ToString();
  EXPECT_EQ(big->error_code, "too_large");

  // Still serving, and the status reply carries the counters.
  Request status;
  status.type = RequestType::kStatus;
  auto st = (*client)->Call(status, Duration::Seconds(5));
  ASSERT_TRUE(st.ok());
  ASSERT_TRUE(st->ok);
  EXPECT_EQ(st->body["state"], "running");
  EXPECT_EQ(st->body["bus"]["malformed"], 2);
  EXPECT_EQ(st->body["bus"]["oversized"], 1);
  EXPECT_EQ(st->body["bus"]["accepted"], 1);
  EXPECT_EQ(st->body["bus"]["received"], 4);
  ControlCounters c = (*server)->counters();
  EXPECT_EQ(c.malformed, 2u);
  EXPECT_EQ(c.oversized, 1u);
}

TEST(Bus, FullQueueRepliesBusyAndPollNeverBlocks) {
  Context ctx;
  auto server = ControlServer::Bind(ctx, "inproc://control-c", {.max_pending = 2});
  ASSERT_TRUE(server.ok());
  // Nothing polls yet: Poll on an empty queue returns (it does not wait for
  // a request; the deadline only catches a hang).
  auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE((*server)->Poll().empty());
  EXPECT_LT(std::chrono::steady_clock::now() - start, kDeadline);

  std::vector<std::unique_ptr<ControlClient>> clients;
  std::vector<std::thread> callers;
  std::atomic<int> busy{0};
  for (int i = 0; i < 3; ++i) {
    clients.push_back(std::move(ControlClient::Connect(ctx, "inproc://control-c").value()));
  }
  // Two fill the queue (their replies come later), the third is refused.
  for (int i = 0; i < 2; ++i) {
    callers.emplace_back([&, i] {
      Request s;
      s.type = RequestType::kStatus;
      auto r = clients[i]->Call(s, Duration::Seconds(10));
      EXPECT_TRUE(r.ok() && r->ok);
    });
  }
  auto deadline = std::chrono::steady_clock::now() + kDeadline;
  while ((*server)->counters().accepted < 2 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(1ms);
  }
  Request s;
  s.type = RequestType::kStatus;
  auto third = clients[2]->Call(s, Duration::Seconds(5));
  ASSERT_TRUE(third.ok()) << third.status().ToString();
  EXPECT_FALSE(third->ok);
  EXPECT_EQ(third->error_code, "busy");
  EXPECT_EQ((*server)->counters().busy, 1u);

  auto pending = (*server)->Poll();
  ASSERT_EQ(pending.size(), 2u);
  for (auto& p : pending) (*server)->Reply(p, {{"state", "running"}});
  for (auto& t : callers) t.join();
}

TEST(Bus, ClientTimesOutWhenNobodyListens) {
  Context ctx;
  auto client = ControlClient::Connect(ctx, "tcp://127.0.0.1:9");  // discard port, closed
  ASSERT_TRUE(client.ok());
  Request s;
  s.type = RequestType::kStatus;
  auto r = (*client)->Call(s, Duration::Millis(100));
  EXPECT_EQ(r.status().code(), StatusCode::kDeadlineExceeded);
}

}  // namespace
}  // namespace livefire::bus
