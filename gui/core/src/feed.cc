#include "livefire/gui/feed.h"

#include <fmt/format.h>

#include <cmath>
#include <filesystem>

#include "livefire/gui/scoreboard_model.h"
#include "livefire/store/event_store.h"

namespace livefire::gui {

// ---- EventFeed ----------------------------------------------------------------

EventFeed::EventFeed(bus::Context& ctx, FeedOptions options)
    : ctx_(ctx), options_(std::move(options)) {}

Result<std::unique_ptr<EventFeed>> EventFeed::Start(bus::Context& ctx, FeedOptions options) {
  if (options.db_path.empty() && options.events_endpoint.empty()) {
    return Status::InvalidArgument("event feed needs a store or a bus endpoint");
  }
  std::unique_ptr<EventFeed> f(new EventFeed(ctx, std::move(options)));
  f->status_.live = !f->options_.events_endpoint.empty();
  f->thread_ = std::thread([p = f.get()] { p->Run(); });
  return f;
}

EventFeed::~EventFeed() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
}

void EventFeed::Push(std::vector<Event>&& batch) {
  std::lock_guard<std::mutex> lock(mu_);
  for (auto& e : batch) queue_.push_back(std::move(e));
  batch.clear();
}

size_t EventFeed::Drain(std::vector<Event>* out, size_t max) {
  std::lock_guard<std::mutex> lock(mu_);
  size_t n = std::min(max, queue_.size());
  for (size_t i = 0; i < n; ++i) {
    out->push_back(std::move(queue_.front()));
    queue_.pop_front();
  }
  return n;
}

FeedStatus EventFeed::status() const {
  std::lock_guard<std::mutex> lock(mu_);
  return status_;
}

void EventFeed::Run() {
  auto set_error = [this](std::string msg) {
    std::lock_guard<std::mutex> lock(mu_);
    status_.error = std::move(msg);
  };
  // Subscribe before reading the store, so nothing committed in between is
  // lost: what the store already gave is dropped from the bus by seq.
  std::unique_ptr<bus::Subscriber> sub;
  if (!options_.events_endpoint.empty()) {
    auto s = bus::Subscriber::Connect(ctx_, options_.events_endpoint, options_.keys);
    if (!s.ok()) {
      set_error(s.status().message());
    } else {
      sub = std::move(*s);
      Status st = sub->Subscribe(options_.exercise.empty() ? "" : options_.exercise + "/");
      if (!st.ok()) set_error(st.message());
    }
  }
  std::unique_ptr<store::EventStore> db;
  int64_t last = 0;
  auto open_store = [&]() {
    if (db || options_.db_path.empty() || !std::filesystem::exists(options_.db_path)) return;
    store::StoreOptions so;
    so.read_only = true;
    auto r = store::EventStore::Open(options_.db_path, so);
    if (!r.ok()) {
      set_error(r.status().message());
      return;
    }
    db = std::move(*r);
    std::lock_guard<std::mutex> lock(mu_);
    status_.store_open = true;
  };
  // A remote account has no log file: the engine pages it (as that account
  // may see it, so seqs have gaps) through `events` requests.
  std::unique_ptr<bus::ControlClient> pager;
  if (options_.keys) {
    auto c = bus::ControlClient::Connect(ctx_, options_.control_endpoint, "livefire-gui-feed",
                                         options_.keys);
    if (c.ok()) pager = std::move(*c);
    if (!c.ok()) set_error(c.status().message());
  }
  auto page_remote = [&]() {
    while (pager && !stop_) {
      auto rep = pager->Call(
          bus::MakeEventsRequest(
              last + 1, std::min<int64_t>(options_.backfill_batch, bus::kMaxEventsPerReply)),
          Duration::Seconds(5));
      if (!rep.ok() || !rep->ok) {
        set_error(rep.ok() ? rep->error_message : rep.status().message());
        return;
      }
      std::vector<Event> batch;
      for (const auto& j : rep->body.value("events", nlohmann::json::array())) {
        if (auto e = EventFromJson(j.dump()); e.ok()) batch.push_back(std::move(*e));
      }
      const int64_t next = rep->body.value("next_seq", last + 1);
      const bool more = next <= rep->body.value("committed_seq", int64_t{0});
      last = std::max(last, next - 1);
      {
        std::lock_guard<std::mutex> lock(mu_);
        status_.from_store += static_cast<int64_t>(batch.size());
        status_.store_open = true;
      }
      Push(std::move(batch));
      if (!more) return;
    }
  };
  // Reads committed events after `last` in batches until caught up.
  auto backfill = [&]() {
    if (pager) return page_remote();
    open_store();
    if (!db) return;
    std::vector<Event> batch;
    while (!stop_) {
      store::EventQuery q;
      q.from_seq = last + 1;
      q.limit = options_.backfill_batch;
      Status st = db->Scan(q, [&](const Event& e) {
        last = e.seq;
        batch.push_back(e);
        return true;
      });
      if (!st.ok()) {
        set_error(st.message());
        return;
      }
      const size_t n = batch.size();
      {
        std::lock_guard<std::mutex> lock(mu_);
        status_.from_store += static_cast<int64_t>(n);
      }
      Push(std::move(batch));
      if (static_cast<int>(n) < options_.backfill_batch) return;
    }
  };
  backfill();
  if (!sub) {
    std::lock_guard<std::mutex> lock(mu_);
    status_.done = true;
    return;
  }
  while (!stop_) {
    auto m = sub->Receive(Duration::Millis(100));
    if (!m.ok()) {
      set_error(m.status().message());
      continue;
    }
    if (!m->has_value()) continue;
    Event e = std::move((*m)->event);
    if (e.seq == 0) {
      // Derived (not in the log, so no seq): only the published scoreboard
      // is the GUI's; it must not count as a duplicate nor start a backfill.
      if (e.kind != kPublishedScoreboard) continue;
      std::vector<Event> one;
      one.push_back(std::move(e));
      {
        std::lock_guard<std::mutex> lock(mu_);
        ++status_.scoreboards;
      }
      Push(std::move(one));
      continue;
    }
    if (e.seq <= last) {
      std::lock_guard<std::mutex> lock(mu_);
      ++status_.dropped_dup;
      continue;
    }
    if (e.seq > last + 1) {
      // PUB dropped something (or we joined late): the store has it.
      {
        std::lock_guard<std::mutex> lock(mu_);
        ++status_.backfills;
      }
      backfill();
      if (e.seq <= last) continue;
    }
    last = e.seq;
    std::vector<Event> one;
    one.push_back(std::move(e));
    {
      std::lock_guard<std::mutex> lock(mu_);
      ++status_.from_bus;
    }
    Push(std::move(one));
  }
}

// ---- ControlWorker -------------------------------------------------------------

ControlWorker::ControlWorker(bus::Context& ctx, std::string endpoint, std::string client_name,
                             Duration timeout, std::optional<bus::CurveClientKeys> keys)
    : ctx_(ctx),
      endpoint_(std::move(endpoint)),
      client_(std::move(client_name)),
      timeout_(timeout),
      keys_(std::move(keys)) {
  thread_ = std::thread([this] { Run(); });
}

ControlWorker::~ControlWorker() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

uint64_t ControlWorker::Submit(bus::Request request, std::string what) {
  std::lock_guard<std::mutex> lock(mu_);
  ControlResult r;
  r.ticket = next_ticket_++;
  r.what = std::move(what);
  request.client = client_;
  requests_.emplace_back(std::move(r), std::move(request));
  ++in_flight_;
  cv_.notify_one();
  return requests_.back().first.ticket;
}

std::vector<ControlResult> ControlWorker::TakeResults() {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<ControlResult> out;
  out.swap(results_);
  return out;
}

size_t ControlWorker::in_flight() const {
  std::lock_guard<std::mutex> lock(mu_);
  return in_flight_;
}

void ControlWorker::Run() {
  // The socket is made and used on this thread only.
  std::unique_ptr<bus::ControlClient> client;
  std::string connect_error;
  {
    auto c = bus::ControlClient::Connect(ctx_, endpoint_, client_, keys_);
    if (c.ok()) {
      client = std::move(*c);
    } else {
      connect_error = c.status().message();
    }
  }
  for (;;) {
    std::pair<ControlResult, bus::Request> job;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [this] { return stop_ || !requests_.empty(); });
      if (stop_) return;
      job = std::move(requests_.front());
      requests_.pop_front();
    }
    ControlResult& r = job.first;
    if (!client) {
      r.message = "no control connection: " + connect_error;
    } else {
      auto reply = client->Call(std::move(job.second), timeout_);
      if (!reply.ok()) {
        r.message = reply.status().message();
        // A DEALER keeps its queue after a timeout: reconnect so a late reply
        // cannot be taken for the next request's.
        auto c = bus::ControlClient::Connect(ctx_, endpoint_, client_, keys_);
        if (c.ok()) client = std::move(*c);
      } else if (reply->ok) {
        r.ok = true;
        nlohmann::json body = reply->body;
        for (const char* k : {"v", "id", "ok"}) body.erase(k);
        r.message = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
      } else {
        r.message = reply->error_code + ": " + reply->error_message;
      }
    }
    std::lock_guard<std::mutex> lock(mu_);
    results_.push_back(std::move(r));
    --in_flight_;
  }
}

// ---- request builders ----------------------------------------------------------

// The requests' fields are the bus protocol's (bus::Make*Request, shared with
// the CLI); the GUI adds only its own input checks.
bus::Request MakePause(const std::string& reason) { return bus::MakePauseRequest(reason); }

bus::Request MakeResume() { return bus::MakeResumeRequest(); }

bus::Request MakeSpeed(double speed) { return bus::MakeSpeedRequest(speed); }

bus::Request MakeFireInject(const std::string& inject, const std::string& team) {
  return bus::MakeFireInjectRequest(inject, team);
}

Result<bus::Request> MakeGrade(const std::string& team, const GradeTarget& target, int rubric_band,
                               std::optional<double> points, const std::string& comment) {
  if (rubric_band != 0 && rubric_band != 50 && rubric_band != 100) {
    return Status::InvalidArgument(
        fmt::format("rubric must be 0, 50 or 100 (% of the points), not {}", rubric_band));
  }
  if (team.empty()) return Status::InvalidArgument("grade: choose the graded team");
  // The engine refuses a grade that names nothing (or both): say so here.
  if ((target.seq > 0) == !target.inject.empty()) {
    return Status::InvalidArgument(
        "grade: choose what it grades, a submission (its seq) or a task's response (the task)");
  }
  if (points && (!std::isfinite(*points) || *points < 0 || *points > 1000)) {
    return Status::InvalidArgument(
        "grade: points must be within [0, 1000] (a grade cannot take points away)");
  }
  if (!points && target.inject.empty()) {
    return Status::InvalidArgument("grade: a submission's grade needs its points");
  }
  bus::GradeFields f;
  f.rubric = std::to_string(rubric_band);
  f.points = points;
  f.comment = comment;
  f.target_seq = target.seq;
  f.inject = target.inject;
  return bus::MakeGradeRequest(team, f);
}

std::string OpenTask::Label() const {
  if (graded) return "graded";
  if (responded) return fmt::format("responded (#{})", response_seq);
  if (!due) return "no deadline";
  if (left <= Duration::Zero()) return "overdue";
  return HumanDuration(left) + " left";
}

std::vector<OpenTask> OpenTasksFromStatus(const nlohmann::json& status) {
  std::vector<OpenTask> out;
  if (!status.is_object()) return out;
  auto tasks = status.find("tasks");
  if (tasks == status.end() || !tasks->is_object()) return out;
  auto ns = [](const nlohmann::json& j, const char* k) {
    auto it = j.find(k);
    return it != j.end() && it->is_number_integer() ? it->get<int64_t>() : int64_t{0};
  };
  for (const auto& [team, list] : tasks->items()) {
    if (!list.is_array()) continue;
    for (const auto& t : list) {
      if (!t.is_object()) continue;
      OpenTask o;
      o.team = team;
      o.inject = t.value("inject", "");
      o.fired = SimTime::FromNanos(ns(t, "fired_ns"));
      if (ns(t, "due_ns") > 0) o.due = SimTime::FromNanos(ns(t, "due_ns"));
      o.left = Duration::Nanos(ns(t, "left_ns"));
      o.responded = t.value("responded", false);
      o.graded = t.value("graded", false);
      o.response_seq = ns(t, "response_seq");
      out.push_back(std::move(o));
    }
  }
  return out;
}

}  // namespace livefire::gui
