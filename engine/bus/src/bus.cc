#include "livefire/bus/bus.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <array>
#include <chrono>
#include <deque>
#include <filesystem>
#include <mutex>
#include <set>
#include <thread>
#include <zmq.hpp>
#include <zmq_addon.hpp>

namespace livefire::bus {

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

// sun_path is 108 bytes including the terminating NUL.
constexpr size_t kMaxIpcPath = 107;

Status ZmqError(const zmq::error_t& e, std::string_view what, std::string_view endpoint) {
  return Status::Unavailable(fmt::format("{} {}: {}", what, endpoint, e.what()));
}

std::chrono::milliseconds ToMillis(Duration d) {
  return std::chrono::milliseconds(std::max<int64_t>(0, (d.nanos() + 999'999) / 1'000'000));
}

// Waits until socket is readable or the deadline passes.
bool WaitReadable(zmq::socket_t& s, Clock::time_point deadline) {
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() < 0) left = std::chrono::milliseconds(0);
    zmq::pollitem_t item{s.handle(), 0, ZMQ_POLLIN, 0};
    int n = zmq::poll(&item, 1, left);
    if (n > 0) return true;
    if (Clock::now() >= deadline) return false;
  }
}

// The ZeroMQ User-Id of a message's connection ("" when it has none: ipc,
// NULL mechanism).
std::string UserId(zmq::message_t& m) {
  const char* v = zmq_msg_gets(m.handle(), "User-Id");
  return v ? std::string(v) : std::string();
}

// CURVE server options on s, for the binds that follow: listeners copy a
// socket's options when they bind, so endpoints bound before stay NULL.
void SetCurveServer(zmq::socket_t& s, const std::string& secret_key) {
  s.set(zmq::sockopt::curve_server, 1);
  s.set(zmq::sockopt::curve_secretkey, secret_key);
  // A domain makes libzmq consult the ZAP handler for every handshake.
  s.set(zmq::sockopt::zap_domain, "livefire");
}

Status CheckTcp(const std::string& endpoint) {
  if (endpoint.rfind("tcp://", 0) != 0) {
    return Status::InvalidArgument(
        fmt::format("listen address '{}' must be tcp://ADDR:PORT", endpoint));
  }
  if (endpoint.find(':', 6) == std::string::npos) {
    return Status::InvalidArgument(fmt::format("listen address '{}' has no :PORT", endpoint));
  }
  return Status::Ok();
}

void SetCurveClient(zmq::socket_t& s, const CurveClientKeys& k) {
  s.set(zmq::sockopt::curve_serverkey, k.server_public_key);
  s.set(zmq::sockopt::curve_publickey, k.public_key);
  s.set(zmq::sockopt::curve_secretkey, k.secret_key);
}

}  // namespace

// ---- Context ------------------------------------------------------------------

struct Context::Impl {
  zmq::context_t zmq;
};
Context::Context() : impl_(std::make_unique<Impl>()) {}
Context::~Context() = default;

Result<Endpoints> DefaultEndpoints(const std::string& state_dir, const ExerciseId& id) {
  LF_RETURN_IF_ERROR(CheckName("exercise id", id.str(), 40));
  fs::path dir = fs::path(state_dir) / "exercises" / id.str();
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec)
    return Status::Unavailable(fmt::format("cannot create {}: {}", dir.string(), ec.message()));
  Endpoints e;
  for (auto [out, name] :
       {std::pair{&e.events, "events.sock"}, std::pair{&e.control, "control.sock"}}) {
    std::string path = (dir / name).string();
    if (path.size() > kMaxIpcPath) {
      return Status::InvalidArgument(fmt::format(
          "socket path {} is {} bytes, over the {}-byte limit of ipc:// sockets; use a shorter "
          "--state-dir or a tcp://127.0.0.1:PORT endpoint",
          path, path.size(), kMaxIpcPath));
    }
    *out = "ipc://" + path;
  }
  return e;
}

// ---- EventPublisher -------------------------------------------------------------

struct EventPublisher::Impl {
  std::mutex mu;
  zmq::socket_t pub;     // XPUB, manual subscriptions: the host's channel
  zmq::socket_t remote;  // XPUB, manual: per-account feeds (after Listen)
  zmq::context_t* zctx = nullptr;
  std::string endpoint;
  std::string exercise;
  FeedFilter filter;                      // guarded by mu
  std::set<std::string> remote_accounts;  // that ever subscribed; guarded by mu
  std::atomic<uint64_t> published{0};

  // Applies the subscriptions that came in: each one to the pipe it came
  // from (the socket's "last pipe" after the receive). On the host socket as
  // asked; on the remote one under the authenticated account's own topics
  // (unsubscriptions libzmq makes up for a closed pipe carry no account and
  // are moot: the pipe's subscriptions go with it). mu held.
  void DrainSubscriptions(zmq::socket_t& s, bool per_account) {
    for (;;) {
      zmq::message_t m;
      if (!s.recv(m, zmq::recv_flags::dontwait)) return;
      if (m.size() == 0) continue;
      const auto* b = static_cast<const unsigned char*>(m.data());
      if (b[0] > 1) continue;
      const bool on = b[0] == 1;
      std::string topic(static_cast<const char*>(m.data()) + 1, m.size() - 1);
      if (per_account) {
        const std::string account = UserId(m);
        if (account.empty()) continue;
        if (on) remote_accounts.insert(account);
        topic = account + kAccountTopicSeparator + topic;
      }
      if (on)
        s.set(zmq::sockopt::subscribe, topic);
      else
        s.set(zmq::sockopt::unsubscribe, topic);
    }
  }

  // Each account's copy of e, as the filter decides. mu held.
  void PublishRemote(const Event& e, const std::string& topic, const std::string& body) {
    DrainSubscriptions(remote, true);
    for (const std::string& account : remote_accounts) {
      FeedView v = filter ? filter(account, e) : FeedView{};
      if (!v.send) continue;
      std::string other;
      if (v.payload) {
        Event copy = e;
        copy.payload = std::move(*v.payload);
        other = CanonicalJson(copy);
      }
      const std::string t = account + kAccountTopicSeparator + topic;
      remote.send(zmq::buffer(t), zmq::send_flags::sndmore | zmq::send_flags::dontwait);
      remote.send(zmq::buffer(v.payload ? other : body), zmq::send_flags::dontwait);
    }
  }
};

EventPublisher::EventPublisher(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
EventPublisher::~EventPublisher() = default;

Result<std::unique_ptr<EventPublisher>> EventPublisher::Bind(Context& ctx,
                                                             const std::string& endpoint,
                                                             const ExerciseId& exercise) {
  auto impl = std::make_unique<Impl>();
  impl->zctx = &ctx.impl().zmq;
  try {
    impl->pub = zmq::socket_t(ctx.impl().zmq, zmq::socket_type::xpub);
    impl->pub.set(zmq::sockopt::linger, 0);
    impl->pub.set(zmq::sockopt::xpub_manual, 1);
    impl->pub.bind(endpoint);
    impl->endpoint = impl->pub.get(zmq::sockopt::last_endpoint);
  } catch (const zmq::error_t& e) {
    return ZmqError(e, "cannot bind the event publisher to", endpoint);
  }
  impl->exercise = exercise.str();
  return std::unique_ptr<EventPublisher>(new EventPublisher(std::move(impl)));
}

const std::string& EventPublisher::endpoint() const { return impl_->endpoint; }
uint64_t EventPublisher::published() const { return impl_->published.load(); }

Result<std::string> EventPublisher::Listen(const CurveListen& listen, FeedFilter filter) {
  LF_RETURN_IF_ERROR(CheckTcp(listen.endpoint));
  std::lock_guard lk(impl_->mu);
  if (impl_->remote) return Status::FailedPrecondition("the publisher already listens on tcp");
  impl_->filter = std::move(filter);
  try {
    impl_->remote = zmq::socket_t(*impl_->zctx, zmq::socket_type::xpub);
    impl_->remote.set(zmq::sockopt::linger, 0);
    impl_->remote.set(zmq::sockopt::xpub_manual, 1);
    SetCurveServer(impl_->remote, listen.secret_key);
    impl_->remote.bind(listen.endpoint);
    return impl_->remote.get(zmq::sockopt::last_endpoint);
  } catch (const zmq::error_t& e) {
    impl_->remote = zmq::socket_t();
    return ZmqError(e, "cannot listen for events on", listen.endpoint);
  }
}

Status EventPublisher::Publish(const Event& e) {
  std::string topic = Topic(impl_->exercise, e.team, e.kind);
  std::string body = CanonicalJson(e);
  std::lock_guard lk(impl_->mu);
  try {
    impl_->DrainSubscriptions(impl_->pub, false);
    impl_->pub.send(zmq::buffer(topic), zmq::send_flags::sndmore | zmq::send_flags::dontwait);
    impl_->pub.send(zmq::buffer(body), zmq::send_flags::dontwait);
    if (impl_->remote) impl_->PublishRemote(e, topic, body);
  } catch (const zmq::error_t& err) {
    return ZmqError(err, "cannot publish on", impl_->endpoint);
  }
  impl_->published.fetch_add(1, std::memory_order_relaxed);
  return Status::Ok();
}

// ---- Subscriber ------------------------------------------------------------------

struct Subscriber::Impl {
  zmq::socket_t sub;
  std::string endpoint;
  // A remote feed: an XSUB, since its topics carry the account and would
  // not match a SUB's own filter; the engine filters (see FeedFilter).
  bool remote = false;
};

Subscriber::Subscriber(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Subscriber::~Subscriber() = default;

Result<std::unique_ptr<Subscriber>> Subscriber::Connect(Context& ctx, const std::string& endpoint,
                                                        std::optional<CurveClientKeys> keys) {
  auto impl = std::make_unique<Impl>();
  impl->remote = keys.has_value();
  try {
    impl->sub =
        zmq::socket_t(ctx.impl().zmq, keys ? zmq::socket_type::xsub : zmq::socket_type::sub);
    impl->sub.set(zmq::sockopt::linger, 0);
    if (keys) SetCurveClient(impl->sub, *keys);
    impl->sub.connect(endpoint);
  } catch (const zmq::error_t& e) {
    return ZmqError(e, "cannot connect a subscriber to", endpoint);
  }
  impl->endpoint = endpoint;
  return std::unique_ptr<Subscriber>(new Subscriber(std::move(impl)));
}

Status Subscriber::Subscribe(const std::string& prefix) {
  try {
    if (impl_->remote) {
      // XSUB: the subscription is a message (1, prefix) sent upstream.
      std::string m = std::string(1, '\x01') + prefix;
      (void)impl_->sub.send(zmq::buffer(m), zmq::send_flags::none);
    } else {
      impl_->sub.set(zmq::sockopt::subscribe, prefix);
    }
  } catch (const zmq::error_t& e) {
    return ZmqError(e, "cannot subscribe on", impl_->endpoint);
  }
  return Status::Ok();
}

Result<std::optional<BusMessage>> Subscriber::Receive(Duration timeout) {
  try {
    if (!WaitReadable(impl_->sub, Clock::now() + ToMillis(timeout))) {
      return std::optional<BusMessage>();
    }
    std::vector<zmq::message_t> parts;
    if (!zmq::recv_multipart(impl_->sub, std::back_inserter(parts), zmq::recv_flags::dontwait)) {
      return std::optional<BusMessage>();
    }
    if (parts.size() != 2) {
      return Status::InvalidArgument(
          fmt::format("event message has {} frames, expected 2", parts.size()));
    }
    LF_ASSIGN_OR_RETURN(Event e, EventFromJson(parts[1].to_string_view()));
    std::string topic = parts[0].to_string();
    if (impl_->remote) topic.erase(0, topic.find(kAccountTopicSeparator) + 1);
    return std::optional<BusMessage>(BusMessage{std::move(topic), std::move(e)});
  } catch (const zmq::error_t& e) {
    return ZmqError(e, "cannot receive from", impl_->endpoint);
  }
}

// ---- ControlServer -----------------------------------------------------------------

nlohmann::json ControlCounters::ToJson() const {
  return {{"received", received},   {"accepted", accepted}, {"malformed", malformed},
          {"oversized", oversized}, {"busy", busy},         {"replies", replies},
          {"refused", refused},     {"handshakes_refused", handshakes_refused},
          {"handshakes_accepted", handshakes_accepted}};
}

namespace {
struct Outgoing {
  std::string route;
  bool delimited = false;
  std::string payload;
};
}  // namespace

struct ControlServer::Impl {
  ControlServerOptions opts;
  std::string endpoint;
  std::string tcp_endpoint;
  zmq::socket_t router;   // I/O thread only once started
  zmq::socket_t zap;      // REP on inproc://zeromq.zap.01; I/O thread only
  Authenticator authenticate;
  std::atomic<uint64_t> zap_refused{0}, zap_accepted{0};
  zmq::socket_t wake_rx;  // I/O thread only
  std::mutex wake_mu;     // guards wake_tx (sockets are not thread-safe)
  zmq::socket_t wake_tx;

  std::mutex mu;
  std::deque<PendingRequest> inbox;
  std::deque<Outgoing> outbox;

  std::atomic<uint64_t> received{0}, accepted{0}, malformed{0}, oversized{0}, busy{0}, replies{0};
  std::mutex refused_mu;
  std::map<std::string, uint64_t> refused;  // ReplyError codes
  std::atomic<bool> stop{false};
  std::thread io;

  void Wake() {
    std::lock_guard lk(wake_mu);
    try {
      // A full pipe means a wake-up is already pending.
      (void)wake_tx.send(zmq::message_t(), zmq::send_flags::dontwait);
    } catch (const zmq::error_t&) {
      // The context is shutting down.
    }
  }

  void Send(const Outgoing& o) {
    try {
      bool sent =
          router.send(zmq::buffer(o.route), zmq::send_flags::sndmore | zmq::send_flags::dontwait)
              .has_value();
      if (sent && o.delimited) {
        (void)router.send(zmq::message_t(), zmq::send_flags::sndmore | zmq::send_flags::dontwait);
      }
      if (sent) (void)router.send(zmq::buffer(o.payload), zmq::send_flags::dontwait);
      if (sent)
        replies.fetch_add(1, std::memory_order_relaxed);
      else
        spdlog::warn("control: reply dropped, client queue full");
    } catch (const zmq::error_t& e) {
      spdlog::warn("control: cannot send a reply: {}", e.what());
    }
  }

  void HandleMessage(std::vector<zmq::message_t>& parts) {
    received.fetch_add(1, std::memory_order_relaxed);
    Outgoing err;
    err.route = parts[0].to_string();
    std::string_view payload;
    if (parts.size() == 2) {
      payload = parts[1].to_string_view();
    } else if (parts.size() == 3 && parts[1].size() == 0) {
      err.delimited = true;
      payload = parts[2].to_string_view();
    } else {
      malformed.fetch_add(1, std::memory_order_relaxed);
      err.delimited = parts.size() > 2 && parts[1].size() == 0;
      err.payload = EncodeErrorReply("", errors::kBadRequest,
                                     fmt::format("expected one JSON frame, got {} frames",
                                                 parts.size() - 1 - (err.delimited ? 1 : 0)));
      Send(err);
      return;
    }
    std::string account = UserId(parts.back());
    auto req = DecodeRequest(payload);
    if (!req.ok()) {
      bool too_big = payload.size() > kMaxMessageBytes;
      (too_big ? oversized : malformed).fetch_add(1, std::memory_order_relaxed);
      err.payload = EncodeErrorReply(too_big ? "" : BestEffortId(payload),
                                     ProtocolErrorCode(req.status()), req.status().message());
      Send(err);
      return;
    }
    {
      std::lock_guard lk(mu);
      if (inbox.size() < opts.max_pending) {
        inbox.push_back({std::move(req).value(), err.route, err.delimited, std::move(account)});
        accepted.fetch_add(1, std::memory_order_relaxed);
        return;
      }
    }
    busy.fetch_add(1, std::memory_order_relaxed);
    err.payload = EncodeErrorReply(req->id, errors::kBusy,
                                   "the engine has too many requests waiting; retry shortly");
    Send(err);
  }

  // One ZAP request (RFC 27): version, request id, domain, address,
  // identity, mechanism, credentials. Only CURVE clients whose key names a
  // live account get in; the account becomes the connection's User-Id.
  void HandleZap() {
    std::vector<zmq::message_t> f;
    if (!zmq::recv_multipart(zap, std::back_inserter(f), zmq::recv_flags::dontwait)) return;
    if (f.size() < 6) return;  // not ZAP: a REP socket must still answer something
    std::string user;
    std::string mechanism = f[5].to_string();
    if (mechanism == "CURVE" && f.size() >= 7 && f[6].size() == 32) {
      char z85[41];
      if (zmq_z85_encode(z85, static_cast<const uint8_t*>(f[6].data()), 32) != nullptr &&
          authenticate) {
        user = authenticate(z85);
      }
    }
    const bool ok = !user.empty();
    (ok ? zap_accepted : zap_refused).fetch_add(1, std::memory_order_relaxed);
    if (!ok) spdlog::info("control: refused a {} handshake from {}", mechanism, f[3].to_string());
    std::array<zmq::const_buffer, 6> reply = {
        zmq::str_buffer("1.0"),   zmq::buffer(f[1].data(), f[1].size()),
        zmq::buffer(std::string_view(ok ? "200" : "400")),
        zmq::buffer(std::string_view(ok ? "OK" : "unknown or revoked key")),
        zmq::buffer(user),        zmq::const_buffer()};
    (void)zmq::send_multipart(zap, reply);
  }

  void Loop() {
    zmq::pollitem_t items[] = {{router.handle(), 0, ZMQ_POLLIN, 0},
                               {wake_rx.handle(), 0, ZMQ_POLLIN, 0},
                               {zap ? zap.handle() : nullptr, 0, ZMQ_POLLIN, 0}};
    const int n_items = zap ? 3 : 2;
    while (!stop.load()) {
      try {
        zmq::poll(items, n_items, std::chrono::milliseconds(-1));
        if (n_items == 3 && (items[2].revents & ZMQ_POLLIN)) HandleZap();
        if (items[1].revents & ZMQ_POLLIN) {
          zmq::message_t m;
          while (wake_rx.recv(m, zmq::recv_flags::dontwait)) {
          }
        }
        if (items[0].revents & ZMQ_POLLIN) {
          // Bounded so replies are not starved by a flood of requests.
          for (int i = 0; i < 256; ++i) {
            std::vector<zmq::message_t> parts;
            if (!zmq::recv_multipart(router, std::back_inserter(parts),
                                     zmq::recv_flags::dontwait)) {
              break;
            }
            if (!parts.empty()) HandleMessage(parts);
          }
        }
        std::deque<Outgoing> out;
        {
          std::lock_guard lk(mu);
          out.swap(outbox);
        }
        for (const Outgoing& o : out) Send(o);
      } catch (const zmq::error_t& e) {
        if (e.num() == ETERM) return;
        spdlog::warn("control: {}", e.what());
      }
    }
  }
};

ControlServer::ControlServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

ControlServer::~ControlServer() {
  impl_->stop.store(true);
  impl_->Wake();
  if (impl_->io.joinable()) impl_->io.join();
}

Result<std::unique_ptr<ControlServer>> ControlServer::Bind(Context& ctx,
                                                           const std::string& endpoint,
                                                           ControlServerOptions options) {
  return Bind(ctx, endpoint, CurveListen{}, nullptr, options);
}

Result<std::unique_ptr<ControlServer>> ControlServer::Bind(Context& ctx,
                                                           const std::string& endpoint,
                                                           const CurveListen& listen,
                                                           Authenticator authenticate,
                                                           ControlServerOptions options) {
  if (!listen.endpoint.empty()) LF_RETURN_IF_ERROR(CheckTcp(listen.endpoint));
  auto impl = std::make_unique<Impl>();
  impl->opts = options;
  if (impl->opts.max_pending == 0) return Status::InvalidArgument("max_pending must be positive");
  auto& z = ctx.impl().zmq;
  std::string wake = fmt::format("inproc://lf-control-wake-{}", static_cast<void*>(impl.get()));
  try {
    impl->router = zmq::socket_t(z, zmq::socket_type::router);
    impl->router.set(zmq::sockopt::linger, 0);
    // Far above the protocol limit, so that an oversized request gets a
    // too_large reply rather than silence; only a peer past this is cut off
    // by ZeroMQ instead of being buffered.
    impl->router.set(zmq::sockopt::maxmsgsize, static_cast<int64_t>(kMaxFrameBytes));
    impl->router.bind(endpoint);
    impl->endpoint = impl->router.get(zmq::sockopt::last_endpoint);
    if (!listen.endpoint.empty()) {
      impl->authenticate = std::move(authenticate);
      impl->zap = zmq::socket_t(z, zmq::socket_type::rep);
      impl->zap.set(zmq::sockopt::linger, 0);
      impl->zap.bind("inproc://zeromq.zap.01");
      SetCurveServer(impl->router, listen.secret_key);
      impl->router.bind(listen.endpoint);
      impl->tcp_endpoint = impl->router.get(zmq::sockopt::last_endpoint);
    }
    impl->wake_rx = zmq::socket_t(z, zmq::socket_type::pair);
    impl->wake_rx.bind(wake);
    impl->wake_tx = zmq::socket_t(z, zmq::socket_type::pair);
    impl->wake_tx.set(zmq::sockopt::linger, 0);
    impl->wake_tx.connect(wake);
  } catch (const zmq::error_t& e) {
    return ZmqError(e, "cannot bind the control server to", endpoint);
  }
  Impl* raw = impl.get();
  impl->io = std::thread([raw] { raw->Loop(); });
  return std::unique_ptr<ControlServer>(new ControlServer(std::move(impl)));
}

const std::string& ControlServer::endpoint() const { return impl_->endpoint; }
const std::string& ControlServer::tcp_endpoint() const { return impl_->tcp_endpoint; }

std::vector<PendingRequest> ControlServer::Poll(size_t max) {
  std::vector<PendingRequest> out;
  std::lock_guard lk(impl_->mu);
  while (!impl_->inbox.empty() && out.size() < max) {
    out.push_back(std::move(impl_->inbox.front()));
    impl_->inbox.pop_front();
  }
  return out;
}

void ControlServer::Reply(const PendingRequest& to, nlohmann::json result) {
  if (to.request.type == RequestType::kStatus) {
    if (!result.is_object()) result = {{"result", std::move(result)}};
    result["bus"] = counters().ToJson();
  }
  {
    std::lock_guard lk(impl_->mu);
    impl_->outbox.push_back(
        {to.route, to.delimited, EncodeOkReply(to.request.id, std::move(result))});
  }
  impl_->Wake();
}

void ControlServer::ReplyError(const PendingRequest& to, std::string_view code,
                               std::string_view message) {
  {
    std::lock_guard lk(impl_->refused_mu);
    ++impl_->refused[std::string(code)];
  }
  {
    std::lock_guard lk(impl_->mu);
    impl_->outbox.push_back(
        {to.route, to.delimited, EncodeErrorReply(to.request.id, code, message)});
  }
  impl_->Wake();
}

ControlCounters ControlServer::counters() const {
  ControlCounters c;
  c.received = impl_->received.load();
  c.accepted = impl_->accepted.load();
  c.malformed = impl_->malformed.load();
  c.oversized = impl_->oversized.load();
  c.busy = impl_->busy.load();
  c.replies = impl_->replies.load();
  c.handshakes_refused = impl_->zap_refused.load();
  c.handshakes_accepted = impl_->zap_accepted.load();
  std::lock_guard lk(impl_->refused_mu);
  c.refused = impl_->refused;
  return c;
}

// ---- ControlClient ----------------------------------------------------------------

struct ControlClient::Impl {
  std::mutex mu;
  zmq::socket_t dealer;
  std::string endpoint;
  std::string name;
  uint64_t next_id = 1;

  Result<bus::Reply> Exchange(std::string_view bytes, const std::string& id, Duration timeout) {
    auto deadline = Clock::now() + ToMillis(timeout);
    try {
      (void)dealer.send(zmq::message_t(), zmq::send_flags::sndmore);
      if (!dealer.send(zmq::buffer(bytes.data(), bytes.size()), zmq::send_flags::dontwait)) {
        return Status::Unavailable(fmt::format("cannot send to {}: queue full", endpoint));
      }
      for (;;) {
        if (!WaitReadable(dealer, deadline)) {
          return Status::DeadlineExceeded(
              fmt::format("no reply from {} within {} (is the exercise running?)", endpoint,
                          FormatDuration(timeout)));
        }
        std::vector<zmq::message_t> parts;
        if (!zmq::recv_multipart(dealer, std::back_inserter(parts), zmq::recv_flags::dontwait)) {
          continue;
        }
        if (parts.empty()) continue;
        auto reply = DecodeReply(parts.back().to_string_view());
        if (!reply.ok()) {
          return Status::Internal(
              fmt::format("bad reply from {}: {}", endpoint, reply.status().message()));
        }
        // Replies to earlier calls that timed out are skipped.
        if (reply->id == id) return reply;
      }
    } catch (const zmq::error_t& e) {
      return ZmqError(e, "control request to", endpoint);
    }
  }
};

ControlClient::ControlClient(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ControlClient::~ControlClient() = default;

Result<std::unique_ptr<ControlClient>> ControlClient::Connect(Context& ctx,
                                                              const std::string& endpoint,
                                                              std::string client_name,
                                                              std::optional<CurveClientKeys> keys) {
  auto impl = std::make_unique<Impl>();
  try {
    impl->dealer = zmq::socket_t(ctx.impl().zmq, zmq::socket_type::dealer);
    impl->dealer.set(zmq::sockopt::linger, 0);
    if (keys) SetCurveClient(impl->dealer, *keys);
    impl->dealer.connect(endpoint);
  } catch (const zmq::error_t& e) {
    return ZmqError(e, "cannot connect to", endpoint);
  }
  impl->endpoint = endpoint;
  impl->name = std::move(client_name);
  return std::unique_ptr<ControlClient>(new ControlClient(std::move(impl)));
}

Result<bus::Reply> ControlClient::Call(Request request, Duration timeout) {
  std::lock_guard lk(impl_->mu);
  if (request.id.empty()) request.id = fmt::format("{}-{}", impl_->name, impl_->next_id++);
  if (request.client.empty()) request.client = impl_->name;
  return impl_->Exchange(EncodeRequest(request), request.id, timeout);
}

Result<bus::Reply> ControlClient::CallRaw(std::string_view bytes, Duration timeout) {
  std::lock_guard lk(impl_->mu);
  return impl_->Exchange(bytes, BestEffortId(bytes), timeout);
}

}  // namespace livefire::bus
