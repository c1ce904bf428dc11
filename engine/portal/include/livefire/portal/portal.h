#pragma once
// The team portal (issue #15): HTTPS in front of a running engine, for the
// people of an exercise. Boost.Beast serves HTTP and WebSocket over OpenSSL
// on worker threads; every logged-in account acts as itself on the engine's
// authenticated bus (its own CURVE key from the accounts file on this host),
// so the engine checks and records what the portal asks, as for any remote
// client. Reads (scores, ledgers, histories) come from the exercise's log,
// opened read-only, and are limited to the account's team.
//
// HTTP API (JSON) and pages: see docs/portal.md.

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "livefire/ids.h"
#include "livefire/status.h"

namespace livefire::portal {

struct PortalOptions {
  std::string state_dir;
  ExerciseId id;
  std::string listen;  // ADDR:PORT of the HTTPS endpoint (port 0: any free one)
  // The engine's CURVE control endpoint (tcp://ADDR:PORT); "" = the one
  // `run --listen` recorded in the exercise folder (listen.json).
  std::string control_endpoint;
  // PEM files; both empty = the portal's own self-signed pair in
  // <exercise dir>/portal/ (made on first start).
  std::string cert_file;
  std::string key_file;
  // Static pages and scripts; "" = the copy in the source tree.
  std::string assets_dir;
  // xterm.js (lib/xterm.js, css/xterm.css of npm's @xterm/xterm) for the
  // console page; "" = the copy .ci/setup installs in engine/portal/web.
  std::string xterm_dir;
  // The range's libvirt connection, for the nodes' serial consoles
  // (/ws/console/NODE); "" = no consoles (503).
  std::string libvirt_uri;
  // The nodes the report form offers: blue team -> the nodes of its copy,
  // "" -> the shared ones (the red zone). From the range plan.
  std::map<std::string, std::vector<std::string>> nodes;
  // The scoreboard page and GET /api/scoreboard without a session.
  bool public_scoreboard = false;
  // Login attempts: failures per account, and per client address, within the
  // window before further attempts get 429.
  int max_failures_per_account = 5;
  int max_failures_per_address = 20;
  int64_t failure_window_ns = 5LL * 60 * 1'000'000'000;
  // A session unused for this long ends.
  int64_t session_idle_ns = 8LL * 3600 * 1'000'000'000;
  int max_connections = 128;
};

class Portal {
 public:
  // Loads the certificate (making one when needed), binds and starts serving
  // on its own threads. Fails when the address is taken, a PEM file does not
  // load or the exercise has no accounts.
  static Result<std::unique_ptr<Portal>> Start(PortalOptions options);
  ~Portal();  // Stop()
  Portal(const Portal&) = delete;
  Portal& operator=(const Portal&) = delete;

  // Closes the listener and every connection, and waits for its threads.
  void Stop();
  // "https://ADDR:PORT/" with the port actually bound.
  std::string url() const;
  uint16_t port() const;
  // SHA-256 fingerprint of the served certificate (AB:CD:...), for the
  // white cell to hand out with the address.
  const std::string& fingerprint() const;
  // The certificate file served (generated or given).
  const std::string& cert_file() const;

  struct Impl;

 private:
  explicit Portal(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace livefire::portal
