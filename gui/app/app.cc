#include "app.h"

#include <GLFW/glfw3.h>
#include <backends/imgui_impl_glfw.h>
#include <backends/imgui_impl_opengl2.h>
#include <fmt/format.h>
#include <imgui.h>
#include <stb_image_write.h>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <memory>
#include <optional>

#include "livefire/bus/bus.h"
#include "livefire/gui/exercise_model.h"
#include "livefire/gui/feed.h"
#include "livefire/gui/glyphs.h"
#include "livefire/gui/sample.h"
#include "livefire/store/event_store.h"
#include "remote_app.h"
#include "views.h"

namespace livefire::gui {

namespace {

using Clock = std::chrono::steady_clock;

constexpr const char* kDefaultFont = "/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf";

// GLFW + ImGui context for one window; torn down in reverse order.
class Window {
 public:
  static Result<std::unique_ptr<Window>> Open(const AppOptions& o, bool vsync) {
    glfwSetErrorCallback([](int code, const char* msg) {
      std::fprintf(stderr, "livefire-gui: GLFW error %d: %s\n", code, msg);
    });
    if (!glfwInit()) {
      return Status::Unavailable("cannot initialise GLFW (no display? run under xvfb-run -a)");
    }
    std::unique_ptr<Window> w(new Window());
    w->glfw_ = true;
    glfwWindowHint(GLFW_CONTEXT_VERSION_MAJOR, 2);
    glfwWindowHint(GLFW_CONTEXT_VERSION_MINOR, 1);
    w->win_ = glfwCreateWindow(o.width, o.height, "livefire control room", nullptr, nullptr);
    if (!w->win_) return Status::Unavailable("cannot create an OpenGL 2.1 window");
    glfwMakeContextCurrent(w->win_);
    glfwSwapInterval(vsync ? 1 : 0);
    IMGUI_CHECKVERSION();
    ImGui::CreateContext();
    w->imgui_ = true;
    ImGuiIO& io = ImGui::GetIO();
    io.IniFilename = nullptr;  // the layout is fixed; write nothing into the cwd
    ImGui::StyleColorsDark();
    ImGui::GetStyle().FrameRounding = 3;
    // The full-screen window draws no background of its own: glClear gives
    // the same colour at a fraction of a blended full-screen quad's cost
    // under software rendering (llvmpipe is fill-bound here).
    ImGui::GetStyle().Colors[ImGuiCol_WindowBg].w = 0;
    const std::string font = o.font.empty() ? kDefaultFont : o.font;
    if (std::filesystem::exists(font)) {
      // Vietnamese titles and comments, and their punctuation (— ’ “ ” …).
      static_assert(sizeof(ImWchar) == sizeof(kControlRoomGlyphRanges[0]));
      if (!io.Fonts->AddFontFromFileTTF(font.c_str(), 17.0f, nullptr,
                                        kControlRoomGlyphRanges.data())) {
        return Status::InvalidArgument(fmt::format("{}: not a usable TrueType font", font));
      }
    } else if (!o.font.empty()) {
      return Status::NotFound(fmt::format("{}: no such font file", font));
    } else {
      std::fprintf(stderr,
                   "livefire-gui: %s missing (install fonts-noto-core); Vietnamese text will "
                   "show as '?'\n",
                   font.c_str());
      io.Fonts->AddFontDefault();
    }
    ImGui_ImplGlfw_InitForOpenGL(w->win_, true);
    w->glfw_backend_ = true;
    ImGui_ImplOpenGL2_Init();
    w->gl_backend_ = true;
    return w;
  }

  ~Window() {
    if (gl_backend_) ImGui_ImplOpenGL2_Shutdown();
    if (glfw_backend_) ImGui_ImplGlfw_Shutdown();
    if (imgui_) ImGui::DestroyContext();
    if (win_) glfwDestroyWindow(win_);
    if (glfw_) glfwTerminate();
  }

  bool ShouldClose() const { return glfwWindowShouldClose(win_); }

  // One frame: input, UI, render; optionally capture it as PNG.
  Status Frame(ExerciseModel& model, UiState& ui, ControlWorker* control,
               const std::string& screenshot = "") {
    return Frame([&] { DrawControlRoom(model, ui, control); }, screenshot);
  }
  Status Frame(const std::function<void()>& draw, const std::string& screenshot) {
    glfwPollEvents();
    ImGui_ImplOpenGL2_NewFrame();
    ImGui_ImplGlfw_NewFrame();
    ImGui::NewFrame();
    draw();
    ImGui::Render();
    int fw = 0, fh = 0;
    glfwGetFramebufferSize(win_, &fw, &fh);
    glViewport(0, 0, fw, fh);
    glClearColor(0.086f, 0.094f, 0.118f, 1);
    glClear(GL_COLOR_BUFFER_BIT);
    ImGui_ImplOpenGL2_RenderDrawData(ImGui::GetDrawData());
    Status st = Status::Ok();
    if (!screenshot.empty()) st = Capture(screenshot, fw, fh);
    glfwSwapBuffers(win_);
    return st;
  }

 private:
  Window() = default;

  static Status Capture(const std::string& path, int w, int h) {
    std::vector<unsigned char> px(static_cast<size_t>(w) * h * 4);
    glReadBuffer(GL_BACK);
    glPixelStorei(GL_PACK_ALIGNMENT, 1);
    glReadPixels(0, 0, w, h, GL_RGBA, GL_UNSIGNED_BYTE, px.data());
    // OpenGL rows start at the bottom; PNG rows at the top.
    const size_t stride = static_cast<size_t>(w) * 4;
    std::vector<unsigned char> flipped(px.size());
    for (int y = 0; y < h; ++y) {
      std::copy_n(px.data() + static_cast<size_t>(h - 1 - y) * stride, stride,
                  flipped.data() + static_cast<size_t>(y) * stride);
    }
    if (!stbi_write_png(path.c_str(), w, h, 4, flipped.data(), static_cast<int>(stride))) {
      return Status::Internal(fmt::format("cannot write screenshot {}", path));
    }
    return Status::Ok();
  }

  GLFWwindow* win_ = nullptr;
  bool glfw_ = false, imgui_ = false, glfw_backend_ = false, gl_backend_ = false;
};

// Applies queued events for at most `budget` so a large backfill never
// stalls the frame; the rest waits for the next frame.
void Ingest(EventFeed& feed, ExerciseModel& model, std::vector<Event>& buf, Clock::duration budget) {
  const auto start = Clock::now();
  do {
    buf.clear();
    if (feed.Drain(&buf, 2000) == 0) return;
    for (const auto& e : buf) model.Apply(e);
  } while (Clock::now() - start < budget);
}

// Scores the stored log through scoring::ReplayLog, the reader API the CLI
// and the report use: in replay mode once the store is read, live once the
// exercise ended (the last published board may predate the end). Blocks for
// one read of the store, once.
void ScoreFromStore(const std::string& db_path, ExerciseModel& model) {
  store::StoreOptions so;
  so.read_only = true;
  auto db = store::EventStore::Open(db_path, so);
  if (!db.ok()) {
    std::fprintf(stderr, "livefire-gui: %s\n", db.status().message().c_str());
    return;
  }
  auto events = (*db)->Read({});
  if (!events.ok()) {
    std::fprintf(stderr, "livefire-gui: %s\n", events.status().message().c_str());
    return;
  }
  Status st = model.scoreboard().LoadReplay(*events);
  if (!st.ok()) std::fprintf(stderr, "livefire-gui: scoring the log: %s\n", st.message().c_str());
}

// A short digest of the engine's status reply.
std::string StatusDigest(const std::string& json_text) {
  auto j = nlohmann::json::parse(json_text, nullptr, false);
  if (!j.is_object()) return json_text;
  // "running" lists the injects in flight (an array; a non-white status has none).
  const auto running = j.find("running");
  const size_t injects = running != j.end() && running->is_array() ? running->size() : 0;
  return fmt::format("clock {}, x{}, {}, {} injects running", j.value("clock", "?"),
                     j.value("speed", 0.0), j.value("paused", false) ? "paused" : "running",
                     injects);
}

// The status reply carries the engine's scoreboard under "scoring" (the
// same board it publishes): it fills the view before the first publication,
// which comes only once scores move.
void TakeStatusScoreboard(const nlohmann::json& body, ExerciseModel& model) {
  if (!body.is_object()) return;
  if (auto it = body.find("scoring"); it != body.end()) {
    (void)model.scoreboard().ApplyPublished(*it);  // a bad board is counted in its warnings
  }
}

void TakeControlResults(ControlWorker* control, UiState& ui, ExerciseModel& model) {
  if (!control) return;
  for (auto& r : control->TakeResults()) {
    if (r.what == "status") {
      ui.engine_status = r.ok ? StatusDigest(r.message) : "no answer: " + r.message;
      const auto body = nlohmann::json::parse(r.message, nullptr, false);
      if (r.ok) ui.tasks = OpenTasksFromStatus(body);
      if (r.ok && !model.scoreboard().replayed()) TakeStatusScoreboard(body, model);
      continue;
    }
    ui.control_log.push_front(fmt::format("{} {}: {}", r.ok ? "ok" : "FAILED", r.what, r.message));
    if (ui.control_log.size() > 200) ui.control_log.pop_back();
  }
}

bool ParseView(const std::string& v, View* out) {
  if (v.empty() || v == "topology") *out = View::kTopology;
  else if (v == "scoreboard") *out = View::kScoreboard;
  else if (v == "timeline") *out = View::kTimeline;
  else if (v == "injects") *out = View::kInjects;
  else return false;
  return true;
}

int RunBench(const AppOptions& o) {
  if (o.bench_teams < 1 || o.bench_nodes < o.bench_teams) {
    std::fprintf(stderr, "livefire-gui: --bench-nodes must be >= --bench-teams >= 1\n");
    return 1;
  }
  const int per_team = o.bench_nodes / o.bench_teams;
  auto t0 = Clock::now();
  ExercisePlan plan = MakeSamplePlan(o.bench_teams, per_team);
  SampleOptions so;
  std::vector<Event> events = MakeSampleEvents(plan, so);
  auto t1 = Clock::now();
  ExerciseModel model;
  model.set_exercise("lf-bench");
  model.SetPlan(plan);
  for (const auto& e : events) model.Apply(e);
  if (Status st = model.scoreboard().LoadReplay(events); !st.ok()) {
    std::fprintf(stderr, "livefire-gui: %s\n", st.message().c_str());
    return 1;
  }
  auto t2 = Clock::now();
  auto ms = [](auto d) { return std::chrono::duration<double, std::milli>(d).count(); };
  std::printf("bench: %d teams, %zu domains, %zu events (seed %llu)\n", o.bench_teams,
              plan.plan.domains.size(), events.size(), static_cast<unsigned long long>(so.seed));
  std::printf("bench: generate %.0f ms, fold into view models %.0f ms (%.0f events/s)\n", ms(t1 - t0),
              ms(t2 - t1), events.size() / std::max(1e-9, ms(t2 - t1) / 1000));
  auto w = Window::Open(o, /*vsync=*/false);
  if (!w.ok()) {
    std::fprintf(stderr, "livefire-gui: %s\n", w.status().message().c_str());
    return 2;
  }
  UiState ui;
  ui.mode_line = "BENCH";
  struct Case {
    const char* name;
    View view;
    float zoom;  // 0 = fit everything
  };
  const Case cases[] = {{"topology (all 5000+ nodes, fit)", View::kTopology, 0},
                        {"topology (100% zoom)", View::kTopology, 1},
                        {"scoreboard", View::kScoreboard, 0},
                        {"timeline", View::kTimeline, 0},
                        {"injects", View::kInjects, 0}};
  double worst = 1e9;
  for (const Case& c : cases) {
    ui.view = c.view;
    ui.force_view = true;
    ui.fit_requested = c.zoom == 0;
    if (c.zoom > 0) {
      ui.zoom = c.zoom;
      ui.pan = {0, model.topology().bounds().h / 2};
    }
    for (int i = 0; i < 5; ++i) (void)(*w)->Frame(model, ui, nullptr);  // warm-up (font atlas, layout)
    auto s = Clock::now();
    const std::clock_t cpu0 = std::clock();
    for (int i = 0; i < o.bench_frames; ++i) {
      if (c.view == View::kTopology) ui.pan.x += 1;  // keep it moving: no cached frame
      (void)(*w)->Frame(model, ui, nullptr);
    }
    glFinish();
    const double secs = std::chrono::duration<double>(Clock::now() - s).count();
    // CPU time of this process (ImGui and llvmpipe's threads): what a frame
    // costs regardless of other load on the machine; X server time excluded.
    const double cpu_ms = 1000.0 * static_cast<double>(std::clock() - cpu0) / CLOCKS_PER_SEC;
    const double fps = o.bench_frames / secs;
    worst = std::min(worst, fps);
    std::printf("bench: %-34s %6.1f frames/s (%.2f ms/frame wall, %.2f ms/frame CPU, %d frames)\n",
                c.name, fps, 1000 * secs / o.bench_frames, cpu_ms / o.bench_frames, o.bench_frames);
  }
  std::printf("bench: slowest view %.1f frames/s (%s 30)\n", worst, worst >= 30 ? ">=" : "<");
  if (!o.screenshot.empty()) {
    ui.view = View::kTopology;
    ui.force_view = true;
    ui.fit_requested = true;
    for (int i = 0; i < 3; ++i) (void)(*w)->Frame(model, ui, nullptr);
    Status st = (*w)->Frame(model, ui, nullptr, o.screenshot);
    if (!st.ok()) {
      std::fprintf(stderr, "livefire-gui: %s\n", st.message().c_str());
      return 2;
    }
  }
  return 0;
}

}  // namespace

int RunWindowLoop(const AppOptions& o, const std::function<void()>& draw) {
  auto w = Window::Open(o, o.vsync);
  if (!w.ok()) {
    std::fprintf(stderr, "livefire-gui: %s\n", w.status().message().c_str());
    return 2;
  }
  for (int counted = 0; !(*w)->ShouldClose();) {
    const bool last = o.frames > 0 && counted + 1 >= o.frames;
    Status st = (*w)->Frame(draw, last ? o.screenshot : "");
    if (!st.ok()) {
      std::fprintf(stderr, "livefire-gui: %s\n", st.message().c_str());
      return 2;
    }
    if (o.frames > 0 && ++counted >= o.frames) break;
  }
  return 0;
}

int RunApp(const AppOptions& o) {
  if (o.bench_frames > 0) return RunBench(o);
  UiState ui;
  // A remote account: no log file here, the engine pages it (remote_app.h).
  bus::Context ctx;
  std::optional<RemoteSession> remote;
  if (!o.credential.empty() || !o.connect.empty()) {
    auto r = ConnectRemote(ctx, o);
    if (!r.ok()) {
      std::fprintf(stderr, "livefire-gui: %s\n", r.status().message().c_str());
      return r.status().code() == StatusCode::kUnavailable ? 2 : 1;
    }
    if (r->credential.role != identity::Role::kWhite) return RunTeamView(o, ctx, *r);
    remote = std::move(r).value();
  }
  if (!ParseView(o.view, &ui.view)) {
    std::fprintf(stderr, "livefire-gui: --view must be topology, scoreboard, timeline or injects\n");
    return 1;
  }
  auto id = ParseExerciseId(remote ? remote->exercise : o.exercise);
  if (!id.ok()) {
    std::fprintf(stderr, "livefire-gui: %s\n", id.status().message().c_str());
    return 1;
  }
  const std::string db_path = store::EventStore::PathFor(o.state_dir, *id);
  const std::string plan_path = PlanPathFor(o.state_dir, *id);
  if (!remote && !std::filesystem::exists(db_path) && !std::filesystem::exists(plan_path)) {
    std::fprintf(stderr, "livefire-gui: no exercise %s under %s (no %s)\n", id->str().c_str(),
                 o.state_dir.c_str(), db_path.c_str());
    return 1;
  }
  ExerciseModel model;
  model.set_exercise(id->str());
  if (remote) {
    // The plan comes from the engine below.
  } else if (auto plan = ReadPlanFile(plan_path); plan.ok()) {
    model.SetPlan(*plan);
  } else {
    // Without a plan there is no topology, but scores and timeline still work.
    std::fprintf(stderr, "livefire-gui: %s\n", plan.status().message().c_str());
  }
  if (!remote && std::filesystem::exists(db_path)) {
    store::StoreOptions so;
    so.read_only = true;
    if (auto db = store::EventStore::Open(db_path, so); db.ok()) {
      std::vector<std::string> blue, red;
      if (auto teams = (*db)->Teams(); teams.ok()) {
        for (const auto& t : *teams) {
          if (t.role == "blue") blue.push_back(t.name);
          if (t.role == "red") red.push_back(t.name);
        }
      }
      model.scoreboard().SetFallbackTeams(std::move(blue), std::move(red));
    } else {
      std::fprintf(stderr, "livefire-gui: %s\n", db.status().message().c_str());
      return 2;
    }
  }

  FeedOptions fo;
  fo.db_path = std::filesystem::exists(db_path) && !remote ? db_path : "";
  fo.exercise = id->str();
  std::unique_ptr<ControlWorker> control;
  ui.mode_line = "REPLAY (--replay)";
  if (remote) {
    ui.live = true;
    ui.mode_line = "LIVE (remote: " + remote->credential.account + ")";
    ui.engine_status = StatusDigest(remote->status.dump());
    TakeStatusScoreboard(remote->status, model);
    fo.events_endpoint = remote->events;
    fo.control_endpoint = remote->control;
    fo.keys = remote->keys;
    if (Result<ExercisePlan> plan = RemotePlan(ctx, *remote); plan.ok()) {
      model.SetPlan(*plan);
    } else {
      std::fprintf(stderr, "livefire-gui: %s\n", plan.status().message().c_str());
    }
    control = std::make_unique<ControlWorker>(ctx, remote->control, "livefire-gui",
                                              Duration::Seconds(3), remote->keys);
  } else if (!o.replay) {
    auto ep = bus::DefaultEndpoints(o.state_dir, *id);
    const std::string sock = ep.ok() ? ep->control.substr(std::string("ipc://").size()) : "";
    bool answered = false;
    if (ep.ok() && std::filesystem::exists(sock)) {
      // One status probe before the window opens decides live or replay.
      auto client = bus::ControlClient::Connect(ctx, ep->control, "livefire-gui");
      if (client.ok()) {
        auto reply = (*client)->Call(bus::MakeStatusRequest(), Duration::Seconds(1));
        answered = reply.ok() && reply->ok;
        if (answered) {
          ui.engine_status = StatusDigest(reply->body.dump());
          ui.tasks = OpenTasksFromStatus(reply->body);
          TakeStatusScoreboard(reply->body, model);
        }
      }
    }
    if (answered) {
      ui.live = true;
      ui.mode_line = "LIVE";
      fo.events_endpoint = ep->events;
      control = std::make_unique<ControlWorker>(ctx, ep->control, "livefire-gui");
    } else {
      ui.mode_line = "REPLAY (no engine answered)";
    }
  }
  if (fo.db_path.empty() && fo.events_endpoint.empty()) {
    std::fprintf(stderr, "livefire-gui: exercise %s has no event log yet and no engine answers\n",
                 id->str().c_str());
    return 1;
  }
  auto feed = EventFeed::Start(ctx, fo);
  if (!feed.ok()) {
    std::fprintf(stderr, "livefire-gui: %s\n", feed.status().message().c_str());
    return 2;
  }
  auto w = Window::Open(o, o.vsync);
  if (!w.ok()) {
    std::fprintf(stderr, "livefire-gui: %s\n", w.status().message().c_str());
    return 2;
  }
  std::vector<Event> buf;
  int counted = 0;
  auto last_status = Clock::now();
  const auto started = Clock::now();
  bool scored_from_store = false;
  while (!(*w)->ShouldClose()) {
    Ingest(**feed, model, buf, std::chrono::milliseconds(12));
    ui.feed = (*feed)->status();
    if (!scored_from_store && ((!ui.live && ui.feed.done) || model.header().ended) &&
        std::filesystem::exists(db_path)) {
      ScoreFromStore(db_path, model);
      scored_from_store = true;
    }
    TakeControlResults(control.get(), ui, model);
    if (control && control->in_flight() == 0 && Clock::now() - last_status > std::chrono::seconds(2)) {
      control->Submit(bus::MakeStatusRequest(), "status");
      last_status = Clock::now();
    }
    // --frames counts frames once a replay has been read (or at once when
    // live), so a screenshot shows the whole log; 60 s at most.
    const bool loaded = ui.live || ui.feed.done || Clock::now() - started > std::chrono::seconds(60);
    const bool last = o.frames > 0 && loaded && counted + 1 >= o.frames;
    Status st = (*w)->Frame(model, ui, control.get(), last ? o.screenshot : "");
    if (!st.ok()) {
      std::fprintf(stderr, "livefire-gui: %s\n", st.message().c_str());
      return 2;
    }
    if (loaded && o.frames > 0 && ++counted >= o.frames) break;
  }
  return 0;
}

}  // namespace livefire::gui
