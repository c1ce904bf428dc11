#include "engine_link.h"

#include "livefire/store/event_store.h"

namespace livefire::portal {

namespace {
// A submission's reply waits for its commit; the engine answers well within this.
const Duration kCallTimeout = Duration::Seconds(15);
}  // namespace

bus::CurveClientKeys EngineLink::Keys(const identity::Account& a) {
  return {accounts_.server_public_key(), a.keys.public_key, a.keys.secret_key};
}

std::shared_ptr<EngineLink::Client> EngineLink::ClientFor(const identity::Account& a) {
  std::lock_guard lock(mu_);
  auto& c = clients_[a.name];
  if (!c) c = std::make_shared<Client>();
  return c;
}

Result<bus::Reply> EngineLink::Call(const identity::Account& a, bus::Request r) {
  std::shared_ptr<Client> c = ClientFor(a);
  std::lock_guard lock(c->mu);
  if (!c->client) {
    LF_ASSIGN_OR_RETURN(c->client,
                        bus::ControlClient::ConnectCurve(zctx_, control_, Keys(a), "portal"));
  }
  r.client = "portal";
  Result<bus::Reply> reply = c->client->Call(std::move(r), kCallTimeout);
  // A lost reply leaves the DEALER out of step: start afresh next time.
  if (!reply.ok()) c->client.reset();
  return reply;
}

void EngineLink::Forget(std::string_view account) {
  std::lock_guard lock(mu_);
  if (auto it = clients_.find(account); it != clients_.end()) clients_.erase(it);
}

Result<std::string> EngineLink::FeedEndpoint(const identity::Account& a) {
  {
    std::lock_guard lock(mu_);
    if (!feed_.empty()) return feed_;
  }
  LF_ASSIGN_OR_RETURN(bus::Reply st, Call(a, bus::MakeStatusRequest()));
  const std::string feed = st.body.value("feed", "");
  if (!st.ok || feed.empty())
    return Status::Unavailable("the engine's status names no event feed: " + st.error_message);
  std::lock_guard lock(mu_);
  feed_ = feed;
  return feed_;
}

Result<std::vector<Event>> EngineLink::ReadLog() const {
  LF_ASSIGN_OR_RETURN(auto store,
                      store::EventStore::OpenExercise(state_dir_, id_, {.read_only = true}));
  return store->Read({});
}

}  // namespace livefire::portal
