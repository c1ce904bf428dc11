#pragma once
// How the portal reaches the engine: one CURVE control client per logged-in
// account (its own key, so the engine authorizes and records the account),
// the account's event feed, and the exercise's log opened read-only.

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "livefire/bus/bus.h"
#include "livefire/event.h"
#include "livefire/identity/accounts.h"

namespace livefire::portal {

class EngineLink {
 public:
  EngineLink(std::string state_dir, ExerciseId id, std::string control_endpoint,
             identity::AccountDirectory& accounts)
      : state_dir_(std::move(state_dir)),
        id_(std::move(id)),
        control_(std::move(control_endpoint)),
        accounts_(accounts) {}

  // Sends r as account a and waits for the reply (requests of one account
  // go one at a time: a ControlClient is one socket).
  Result<bus::Reply> Call(const identity::Account& a, bus::Request r);
  // Drops the account's connection (revoked, or logged out everywhere).
  void Forget(std::string_view account);
  // The engine's CURVE event feed (from the status reply's "feed").
  Result<std::string> FeedEndpoint(const identity::Account& a);
  bus::CurveClientKeys Keys(const identity::Account& a);
  bus::Context& zmq() { return zctx_; }
  // Every stored event (read-only; the engine keeps writing).
  Result<std::vector<Event>> ReadLog() const;
  const ExerciseId& id() const { return id_; }

 private:
  struct Client {
    std::mutex mu;
    std::unique_ptr<bus::ControlClient> client;
  };
  std::shared_ptr<Client> ClientFor(const identity::Account& a);

  std::string state_dir_;
  ExerciseId id_;
  std::string control_;
  identity::AccountDirectory& accounts_;
  bus::Context zctx_;
  std::mutex mu_;
  std::map<std::string, std::shared_ptr<Client>, std::less<>> clients_;
  std::string feed_;
};

}  // namespace livefire::portal
