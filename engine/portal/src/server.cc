// The HTTPS side of the portal: Boost.Beast over OpenSSL. The acceptor runs
// on its own io_context thread; each connection is served on a thread of its
// own with Beast's synchronous calls (a team portal has tens of users, and
// each of their requests may wait on the engine), capped by
// PortalOptions::max_connections. Stop() shuts every socket down, which
// ends the blocking reads, and joins the threads.

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>

#include <atomic>
#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <filesystem>
#include <functional>
#include <list>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "api.h"
#include "engine_link.h"
#include "livefire/portal/certificate.h"
#include "livefire/portal/portal.h"

namespace livefire::portal {

namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace asio = boost::asio;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

std::map<std::string, std::string> ParseQuery(std::string_view q) {
  std::map<std::string, std::string> out;
  auto decode = [](std::string_view s) {
    std::string o;
    for (size_t i = 0; i < s.size(); ++i) {
      if (s[i] == '+') {
        o.push_back(' ');
      } else if (s[i] == '%' && i + 2 < s.size() &&
                 std::isxdigit(static_cast<unsigned char>(s[i + 1])) &&
                 std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
        o.push_back(static_cast<char>(std::stoi(std::string(s.substr(i + 1, 2)), nullptr, 16)));
        i += 2;
      } else {
        o.push_back(s[i]);
      }
    }
    return o;
  };
  while (!q.empty()) {
    size_t amp = q.find('&');
    std::string_view kv = q.substr(0, amp);
    q = amp == std::string_view::npos ? std::string_view() : q.substr(amp + 1);
    size_t eq = kv.find('=');
    if (eq == std::string_view::npos) {
      out[decode(kv)] = "";
    } else {
      out[decode(kv.substr(0, eq))] = decode(kv.substr(eq + 1));
    }
  }
  return out;
}

std::string Header(const http::request<http::string_body>& req, std::string_view name) {
  auto it = req.find(beast::string_view(name.data(), name.size()));
  return it == req.end() ? std::string() : std::string(it->value());
}

HttpRequest Convert(const http::request<http::string_body>& req, const std::string& peer) {
  HttpRequest r;
  r.method = std::string(req.method_string());
  const std::string target(req.target());
  const size_t q = target.find('?');
  r.path = target.substr(0, q);
  if (q != std::string::npos) {
    r.query = ParseQuery(std::string_view(target).substr(q + 1));
  }
  r.body = req.body();
  r.cookie = Header(req, "Cookie");
  r.csrf = Header(req, "X-CSRF-Token");
  r.content_type = Header(req, "Content-Type");
  r.accept_language = Header(req, "Accept-Language");
  r.origin = Header(req, "Origin");
  r.host = Header(req, "Host");
  r.peer = peer;
  return r;
}

http::response<http::string_body> ToBeast(const HttpResponse& out, unsigned version,
                                          bool keep_alive) {
  http::response<http::string_body> res{static_cast<http::status>(out.status), version};
  res.set(http::field::server, "livefire-portal");
  res.set(http::field::content_type, out.content_type);
  // The pages load only their own scripts and styles: no inline script, no
  // other origin, no framing.
  res.set("Content-Security-Policy",
          !out.csp.empty()
              ? out.csp
              : "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'");
  res.set("X-Content-Type-Options", "nosniff");
  res.set("Referrer-Policy", "no-referrer");
  res.set(http::field::strict_transport_security, "max-age=31536000");
  res.set(http::field::cache_control, "no-store");
  for (const auto& [k, v] : out.headers) res.insert(k, v);
  res.body() = out.body;
  res.keep_alive(keep_alive);
  res.prepare_payload();
  return res;
}

}  // namespace

struct Portal::Impl {
  PortalOptions o;
  CertificateFiles cert;
  std::string url;
  uint16_t port = 0;
  std::unique_ptr<identity::AccountDirectory> accounts;
  std::unique_ptr<EngineLink> link;
  std::unique_ptr<Api> api;

  asio::io_context ioc;
  ssl::context tls{ssl::context::tls_server};
  tcp::acceptor acceptor{ioc};
  std::thread io_thread;
  std::atomic<bool> stopping{false};
  bool stopped = false;

  struct Conn {
    std::thread thread;
    int fd = -1;
    std::atomic<bool> done{false};
  };
  std::mutex mu;
  std::list<std::unique_ptr<Conn>> conns;

  void Accept() {
    acceptor.async_accept([this](beast::error_code ec, tcp::socket s) {
      if (ec || stopping) return;  // closed by Stop()
      Launch(std::move(s));
      Accept();
    });
  }

  void Launch(tcp::socket s) {
    std::lock_guard lock(mu);
    for (auto it = conns.begin(); it != conns.end();) {
      if ((*it)->done) {
        (*it)->thread.join();
        it = conns.erase(it);
      } else {
        ++it;
      }
    }
    if (conns.size() >= static_cast<size_t>(o.max_connections)) {
      beast::error_code ec;
      s.close(ec);
      return;
    }
    auto c = std::make_unique<Conn>();
    c->fd = s.native_handle();
    Conn* cp = c.get();
    c->thread = std::thread([this, cp, s = std::move(s)]() mutable {
      Serve(std::move(s));
      cp->done = true;
    });
    conns.push_back(std::move(c));
  }

  void Serve(tcp::socket accepted) {
    beast::error_code ec;
    const std::string peer = accepted.remote_endpoint(ec).address().to_string();
    // The connection on an io_context of its own: Beast's synchronous calls
    // as before, and a console's asynchronous loop runs on this thread.
    asio::io_context cioc;
    tcp::socket s(cioc);
    const auto protocol = accepted.local_endpoint(ec).protocol();
    s.assign(protocol, accepted.release(ec), ec);
    if (ec) return;
    beast::ssl_stream<tcp::socket> stream(std::move(s), tls);
    // Plain HTTP (or anything but TLS) on this port fails here and is closed.
    stream.handshake(ssl::stream_base::server, ec);
    if (ec) {
      spdlog::debug("portal: TLS handshake from {} failed: {}", peer, ec.message());
      return;
    }
    beast::flat_buffer buf;
    while (!stopping) {
      http::request_parser<http::string_body> parser;
      parser.body_limit(1u << 20);
      http::read(stream, buf, parser, ec);
      if (ec) break;
      http::request<http::string_body> req = parser.release();
      HttpRequest r = Convert(req, peer);
      if (websocket::is_upgrade(req)) {
        ServeWebSocket(cioc, stream, std::move(req), r);
        return;
      }
      HttpResponse out;
      try {
        out = api->Handle(r);
      } catch (const std::exception& e) {
        spdlog::error("portal: {} {} failed: {}", r.method, r.path, e.what());
        out.status = 500;
        out.body = R"({"ok":false,"error":{"code":"internal","message":"the portal failed"}})";
      }
      auto res = ToBeast(out, req.version(), req.keep_alive());
      if (r.method == "HEAD") res.body().clear();
      http::write(stream, res, ec);
      if (ec || !res.keep_alive()) break;
    }
    stream.shutdown(ec);
  }

  // /ws/events: the account's own feed from the engine, one JSON text
  // message {"topic", "event"} per event, until the client goes, the
  // session ends (logout, revocation) or the portal stops.
  void ServeWebSocket(asio::io_context& cioc, beast::ssl_stream<tcp::socket>& stream,
                      http::request<http::string_body> req, const HttpRequest& r) {
    beast::error_code ec;
    auto refuse = [&](int status, std::string_view message) {
      HttpResponse out;
      out.status = status;
      out.body = nlohmann::json{{"ok", false}, {"error", {{"message", message}}}}.dump();
      http::write(stream, ToBeast(out, req.version(), false), ec);
    };
    std::optional<identity::Account> a = api->SessionAccount(r);
    if (!a) return refuse(401, "log in first");
    // A page of another site cannot open it with the user's cookie.
    if (!r.origin.empty() && r.origin != "https://" + r.host) return refuse(403, "wrong Origin");
    if (r.path.starts_with("/ws/console/")) {
      return ServeConsole(cioc, stream, std::move(req), r, *a, refuse);
    }
    if (r.path != "/ws/events") return refuse(404, "no such WebSocket");
    Result<std::string> feed = link->FeedEndpoint(*a);
    if (!feed.ok()) return refuse(503, feed.status().message());
    auto sub = bus::Subscriber::ConnectCurve(link->zmq(), *feed, link->Keys(*a));
    if (!sub.ok()) return refuse(503, sub.status().message());
    // The engine's filter decides what this account receives.
    if (Status st = (*sub)->Subscribe(""); !st.ok()) return refuse(503, st.message());

    websocket::stream<beast::ssl_stream<tcp::socket>&> ws(stream);
    ws.accept(req, ec);
    if (ec) return;
    ws.text(true);
    auto last_check = std::chrono::steady_clock::now();
    while (!stopping) {
      auto m = (*sub)->Receive(Duration::Millis(250));
      if (m.ok() && m->has_value()) {
        nlohmann::json j = {{"topic", (*m)->topic},
                            {"event", nlohmann::json::parse(CanonicalJson((*m)->event))}};
        ws.write(asio::buffer(j.dump()), ec);
        if (ec) return;
      }
      const auto now = std::chrono::steady_clock::now();
      if (now - last_check >= std::chrono::seconds(1)) {
        last_check = now;
        if (!api->SessionAccount(r)) {
          ws.close(websocket::close_reason(websocket::close_code::policy_error, "session ended"),
                   ec);
          return;
        }
        ws.ping({}, ec);  // a client that left makes this fail
        if (ec) return;
      }
    }
    ws.close(websocket::close_code::going_away, ec);
  }

  // /ws/console/NODE[?team=COPY]: the node's serial console, shared with
  // its other viewers. The engine records the open (or refuses it: 403,
  // recorded) before anything is attached, and the close when the viewer
  // leaves, the console ends (white, domain stopped) or the session ends.
  // Output goes out as binary messages; text or binary messages in are
  // keystrokes.
  template <typename Refuse>
  void ServeConsole(asio::io_context& cioc, beast::ssl_stream<tcp::socket>& stream,
                    http::request<http::string_body> req, const HttpRequest& r,
                    const identity::Account& a, Refuse& refuse) {
    const std::string node = r.path.substr(std::string_view("/ws/console/").size());
    if (node.empty() || node.find('/') != std::string::npos) return refuse(404, "no such node");
    const std::string copy = Api::ConsoleCopy(a, r);
    Result<bus::Reply> opened = api->ConsoleRequest(a, "open", copy, node);
    if (!opened.ok()) return refuse(504, opened.status().message());
    if (!opened->ok) {
      spdlog::warn("portal: console of {} for '{}' refused: {}", node, a.name,
                   opened->error_message);
      return refuse(HttpStatusFor(opened->error_code), opened->error_message);
    }
    auto record_close = [&](const std::string& reason) {
      Result<bus::Reply> closed = api->ConsoleRequest(a, "close", copy, node, reason);
      if (!closed.ok() || !closed->ok) {
        spdlog::error("portal: the close of {}'s console of {} is not recorded: {}", a.name, node,
                      closed.ok() ? closed->error_message : closed.status().message());
      }
    };
    Result<std::shared_ptr<ConsoleHub::Viewer>> joined = api->consoles().Join(copy, node, a.name);
    if (!joined.ok()) {
      record_close("not attached: " + joined.status().message());
      return refuse(503, joined.status().message());
    }
    std::shared_ptr<ConsoleHub::Viewer> v = *joined;
    beast::error_code ec;
    websocket::stream<beast::ssl_stream<tcp::socket>&> ws(stream);
    ws.accept(req, ec);
    if (ec) {
      api->consoles().Leave(copy, node, v);
      return record_close("the WebSocket handshake failed");
    }
    ws.binary(true);

    // One thread, asynchronous: a read always pending (keystrokes), a timer
    // that sends what the console wrote and notices the end.
    std::string why;
    bool reading_done = false, writing = false, closing = false;
    std::string sending;
    beast::flat_buffer in;
    asio::steady_timer timer(cioc);
    auto last_check = std::chrono::steady_clock::now();
    std::function<void()> read_next = [&] {
      ws.async_read(in, [&](beast::error_code rec, size_t) {
        if (rec) {
          reading_done = true;
          if (why.empty()) why = "the viewer left";
          timer.cancel();
          return;
        }
        const auto data = in.data();
        std::string_view bytes(static_cast<const char*>(data.data()), data.size());
        if (Status st = api->consoles().Write(copy, node, bytes); !st.ok())
          spdlog::debug("portal: console of {}: {}", node, st.message());
        in.consume(in.size());
        read_next();
      });
    };
    std::function<void()> tick = [&] {
      if (reading_done) return;
      std::string chunk;
      bool ended = false;
      {
        std::lock_guard lock(v->mu);
        if (!writing) chunk.swap(v->out);
        ended = v->ended;
        if (ended && why.empty()) why = v->reason;
      }
      const auto now = std::chrono::steady_clock::now();
      if (now - last_check >= std::chrono::seconds(1)) {
        last_check = now;
        if (!api->SessionAccount(r)) {
          ended = true;
          why = "the session ended";
        }
      }
      if (stopping) {
        ended = true;
        why = "the portal stopped";
      }
      if (!chunk.empty()) {
        writing = true;
        sending = std::move(chunk);
        ws.async_write(asio::buffer(sending), [&](beast::error_code wec, size_t) {
          writing = false;
          if (wec && why.empty()) why = "the viewer left";
        });
      } else if (ended && !writing && !closing) {
        closing = true;
        ws.async_close(websocket::close_reason(websocket::close_code::normal, why.substr(0, 120)),
                       [](beast::error_code) {});
      }
      timer.expires_after(std::chrono::milliseconds(25));
      timer.async_wait([&](beast::error_code) { tick(); });
    };
    read_next();
    tick();
    cioc.run();
    cioc.restart();
    api->consoles().Leave(copy, node, v);
    record_close(why.empty() ? "closed" : why);
  }

  void Stop() {
    if (stopped) return;
    stopped = true;
    stopping = true;
    asio::post(ioc, [this] {
      beast::error_code ec;
      acceptor.close(ec);
    });
    if (io_thread.joinable()) io_thread.join();
    std::lock_guard lock(mu);
    for (auto& c : conns) ::shutdown(c->fd, SHUT_RDWR);
    for (auto& c : conns) c->thread.join();
    conns.clear();
  }
};

Result<std::unique_ptr<Portal>> Portal::Start(PortalOptions o) {
  namespace fs = std::filesystem;
  const std::string exdir = (fs::path(o.state_dir) / "exercises" / o.id.str()).string();
  const size_t colon = o.listen.rfind(':');
  if (colon == std::string::npos || colon == 0)
    return Status::InvalidArgument(
        fmt::format("--listen '{}': expected ADDR:PORT (e.g. 127.0.0.1:8443)", o.listen));
  std::string host = o.listen.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  int port = -1;
  try {
    port = std::stoi(o.listen.substr(colon + 1));
  } catch (const std::exception&) {
  }
  if (port < 0 || port > 65535)
    return Status::InvalidArgument(fmt::format("--listen '{}': bad port", o.listen));
  beast::error_code ec;
  const asio::ip::address addr = asio::ip::make_address(host, ec);
  if (ec)
    return Status::InvalidArgument(
        fmt::format("--listen '{}': '{}' is not an IP address", o.listen, host));
  if (o.control_endpoint.empty()) o.control_endpoint = identity::ReadListenAddress(exdir);
  if (o.control_endpoint.empty())
    return Status::FailedPrecondition(fmt::format(
        "the engine of {} does not listen on TCP: start it with `livefire run {} --listen "
        "tcp://127.0.0.1:PORT` (or `--portal ADDR:PORT`)",
        o.id.str(), o.id.str()));

  auto impl = std::make_unique<Impl>();
  impl->o = o;
  LF_ASSIGN_OR_RETURN(impl->cert, EnsureCertificate((fs::path(exdir) / "portal").string(),
                                                    o.cert_file, o.key_file, host));
  LF_ASSIGN_OR_RETURN(impl->accounts,
                      identity::AccountDirectory::Open(identity::AccountBook::PathIn(exdir)));
  impl->link = std::make_unique<EngineLink>(o.state_dir, o.id, o.control_endpoint, *impl->accounts);
  impl->api = std::make_unique<Api>(impl->o, *impl->accounts, *impl->link);

  impl->tls.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                        ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 |
                        ssl::context::single_dh_use);
  impl->tls.use_certificate_chain_file(impl->cert.cert_file, ec);
  if (!ec) impl->tls.use_private_key_file(impl->cert.key_file, ssl::context::pem, ec);
  if (ec) return Status::InvalidArgument("TLS certificate: " + ec.message());

  const tcp::endpoint ep(addr, static_cast<uint16_t>(port));
  impl->acceptor.open(ep.protocol(), ec);
  if (!ec) impl->acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) impl->acceptor.bind(ep, ec);
  if (!ec) impl->acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec)
    return Status::Unavailable(fmt::format("cannot listen on {}: {}", o.listen, ec.message()));
  impl->port = impl->acceptor.local_endpoint().port();
  impl->url = addr.is_v6() ? fmt::format("https://[{}]:{}/", host, impl->port)
                           : fmt::format("https://{}:{}/", host, impl->port);
  impl->Accept();
  Impl* raw = impl.get();
  impl->io_thread = std::thread([raw] { raw->ioc.run(); });
  return std::unique_ptr<Portal>(new Portal(std::move(impl)));
}

Portal::Portal(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Portal::~Portal() { Stop(); }
void Portal::Stop() { impl_->Stop(); }
std::string Portal::url() const { return impl_->url; }
uint16_t Portal::port() const { return impl_->port; }
const std::string& Portal::fingerprint() const { return impl_->cert.fingerprint; }
const std::string& Portal::cert_file() const { return impl_->cert.cert_file; }

}  // namespace livefire::portal
