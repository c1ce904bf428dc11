#include "console_hub.h"

#include <spdlog/spdlog.h>

namespace livefire::portal {

namespace {
// What a newly attached viewer is shown of the console's past output.
constexpr size_t kScreenBytes = 16 * 1024;
}  // namespace

ConsoleHub::ConsoleHub(std::string uri, std::string state_dir, ExerciseId id)
    : uri_(std::move(uri)), state_dir_(std::move(state_dir)), id_(std::move(id)) {}

ConsoleHub::~ConsoleHub() {
  std::map<Key, std::shared_ptr<Shared>> all;
  {
    std::lock_guard lock(mu_);
    all.swap(open_);
  }
  for (auto& [key, s] : all) Finish(s, "the portal stopped");
}

void ConsoleHub::Pump(Shared& s) {
  std::string why;
  for (;;) {
    Result<std::string> r = s.console->Read(Duration::Millis(200));
    if (!r.ok()) {
      why = r.status().message();
      break;
    }
    if (r->empty()) continue;
    std::lock_guard lock(s.mu);
    s.screen += *r;
    if (s.screen.size() > kScreenBytes) s.screen.erase(0, s.screen.size() - kScreenBytes);
    for (auto& v : s.viewers) {
      std::lock_guard vl(v->mu);
      v->out += *r;
    }
  }
  s.done = true;
  std::lock_guard lock(s.mu);
  for (auto& v : s.viewers) {
    std::lock_guard vl(v->mu);
    if (!v->ended) {
      v->ended = true;
      v->reason = why;
    }
  }
}

// Closes the stream (ending the pump), tells the viewers why and joins.
void ConsoleHub::Finish(std::shared_ptr<Shared> s, const std::string& reason) {
  {
    std::lock_guard lock(s->mu);
    for (auto& v : s->viewers) {
      std::lock_guard vl(v->mu);
      if (!v->ended) {
        v->ended = true;
        v->reason = reason;
      }
    }
  }
  s->console->Close();
  if (s->pump.joinable()) s->pump.join();
}

Result<std::shared_ptr<ConsoleHub::Viewer>> ConsoleHub::Join(const std::string& copy,
                                                             const std::string& node,
                                                             const std::string& account) {
  if (uri_.empty()) return Status::FailedPrecondition("this portal serves no consoles");
  std::shared_ptr<Shared> stale;
  std::shared_ptr<Shared> s;
  {
    std::lock_guard lock(mu_);
    auto it = open_.find({copy, node});
    if (it != open_.end() && it->second->done) {  // the domain stopped: open afresh
      stale = it->second;
      open_.erase(it);
      it = open_.end();
    }
    if (it == open_.end()) {
      if (!prov_) {
        provision::LibvirtConfig c;
        c.uri = uri_;
        c.state_dir = state_dir_;
        LF_ASSIGN_OR_RETURN(prov_, provision::LibvirtProvisioner::Open(std::move(c)));
      }
      const TeamId team(copy.empty() ? std::string(provision::kSharedTeam) : copy);
      LF_ASSIGN_OR_RETURN(std::unique_ptr<provision::Console> console,
                          prov_->OpenConsole(id_, team, NodeId(node)));
      s = std::make_shared<Shared>();
      s->console = std::move(console);
      Shared* raw = s.get();
      s->pump = std::thread([raw] { Pump(*raw); });
      open_[{copy, node}] = s;
      spdlog::info("portal: console of {}/{} opened", copy.empty() ? "shared" : copy, node);
    } else {
      s = it->second;
    }
  }
  if (stale) Finish(stale, "the console was reopened");
  auto v = std::make_shared<Viewer>();
  v->account = account;
  std::lock_guard lock(s->mu);
  v->out = s->screen;
  s->viewers.push_back(v);
  return v;
}

void ConsoleHub::Leave(const std::string& copy, const std::string& node,
                       const std::shared_ptr<Viewer>& v) {
  std::shared_ptr<Shared> last;
  {
    std::lock_guard lock(mu_);
    auto it = open_.find({copy, node});
    if (it == open_.end()) return;
    std::shared_ptr<Shared> s = it->second;
    std::lock_guard sl(s->mu);
    std::erase(s->viewers, v);
    if (s->viewers.empty()) {
      last = s;
      open_.erase(it);
    }
  }
  if (last) Finish(last, "closed with its last viewer");
}

Status ConsoleHub::Write(const std::string& copy, const std::string& node, std::string_view bytes) {
  std::shared_ptr<Shared> s;
  {
    std::lock_guard lock(mu_);
    auto it = open_.find({copy, node});
    if (it == open_.end()) return Status::NotFound("the console is not open");
    s = it->second;
  }
  return s->console->Write(bytes);
}

std::vector<std::string> ConsoleHub::End(const std::string& copy, const std::string& node,
                                         const std::string& reason) {
  std::shared_ptr<Shared> s;
  {
    std::lock_guard lock(mu_);
    auto it = open_.find({copy, node});
    if (it == open_.end()) return {};
    s = it->second;
    open_.erase(it);
  }
  std::vector<std::string> accounts;
  {
    std::lock_guard lock(s->mu);
    for (auto& v : s->viewers) accounts.push_back(v->account);
  }
  Finish(s, reason);
  return accounts;
}

}  // namespace livefire::portal
