#pragma once
// What the end-to-end slow tests on real VMs share: `livefire up` of a
// scenario whose range always goes down again, the exercise's event log,
// event counts, and what libvirt still holds of an exercise. For the CLI's
// tests (needs livefire::cli).

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "livefire/event.h"
#include "livefire/identity/accounts.h"
#include "livefire/store/event_store.h"
#include "livefire/testing/cli_range.h"
#include "livefire/testing/cli_runner.h"

namespace livefire::testsupport {

inline std::string ExerciseStateDir() {
  const char* d = std::getenv("LIVEFIRE_STATE_DIR");
  return d && *d ? d : "/var/lib/livefire";
}

// stdout of a shell command.
inline std::string Sh(const std::string& cmd) {
  std::string out;
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  pclose(p);
  return out;
}

// tests/browser/console.mjs against the exercise's portal at `url`: blue1
// opens NODE's console from its dashboard and runs a command there, white
// then closes it. Its output ("console: LINE", "closed: ..."); screenshots
// go to `shots`. `env`: LF_CONSOLE_* assignments for another login and
// command (see the script).
inline std::string RunConsoleScript(const std::string& id, const std::string& url,
                                    const std::string& node, const std::string& shots,
                                    const std::string& env = {}) {
  auto book = identity::AccountBook::Load(
      identity::AccountBook::PathIn(ExerciseStateDir() + "/exercises/" + id));
  if (!book.ok()) {
    ADD_FAILURE() << book.status().ToString();
    return {};
  }
  const identity::Account* blue = book->Find("blue1");
  const identity::Account* white = book->Find("white");
  if (!blue || !white) {
    ADD_FAILURE() << "exercise " << id << " has no blue1 or white account";
    return {};
  }
  return Sh(env + " node " + std::string(LIVEFIRE_SOURCE_DIR) + "/tests/browser/console.mjs " +
            url + " blue1 '" + blue->portal_password + "' white '" + white->portal_password +
            "' " + node + " " + shots + " 2>&1");
}

// `livefire up SCENARIO --teams N [EXTRA...]`; the destructor runs
// `livefire down` whatever happened in between.
class UpExercise {
 public:
  UpExercise(const std::string& scenario, int teams, std::vector<std::string> extra = {})
      : up_(RunArgs(UpArgs(scenario, teams, std::move(extra)))), id_(LastLine(up_.out)) {}
  ~UpExercise() {
    if (!id_.empty()) RunArgs({"down", id_});
  }
  UpExercise(const UpExercise&) = delete;
  UpExercise& operator=(const UpExercise&) = delete;

  const Outcome& up() const { return up_; }
  const std::string& id() const { return id_; }

 private:
  static std::vector<std::string> UpArgs(const std::string& scenario, int teams,
                                         std::vector<std::string> extra) {
    std::vector<std::string> a = {"up", scenario, "--teams", std::to_string(teams)};
    a.insert(a.end(), extra.begin(), extra.end());
    return a;
  }

  Outcome up_;
  std::string id_;
};

// The exercise's whole event log (empty, with a test failure, when unreadable).
inline std::vector<Event> ReadEvents(const std::string& id) {
  auto st =
      store::EventStore::OpenExercise(ExerciseStateDir(), ExerciseId(id), {.read_only = true});
  EXPECT_TRUE(st.ok()) << st.status().ToString();
  if (!st.ok()) return {};
  auto log = (*st)->Read({});
  EXPECT_TRUE(log.ok()) << log.status().ToString();
  return log.ok() ? *log : std::vector<Event>{};
}

// Events of `kind` for `team` whose payload's `key` is `value` (any, when
// `key` is empty).
inline int CountEvents(const std::vector<Event>& log, std::string_view kind, std::string_view team,
                       std::string_view key = {}, std::string_view value = {}) {
  int n = 0;
  for (const Event& e : log) {
    if (e.kind == kind && e.team == team &&
        (key.empty() || e.payload.value(std::string(key), "") == value))
      ++n;
  }
  return n;
}

// libvirt domains and networks whose names carry the exercise's short id:
// "D N\n" (the range is gone when both are 0).
inline std::string LibvirtObjectsOf(const std::string& id) {
  const std::string short_id = id.substr(id.rfind('-') + 1);
  auto count = [&](const char* what) {
    std::string n = Sh(std::string("virsh -c qemu:///system ") + what + " --all --name | grep -c " +
                       short_id + " || true");
    while (!n.empty() && n.back() == '\n') n.pop_back();
    return n;
  };
  return count("list") + " " + count("net-list") + "\n";
}

// The end of a real exercise: its HTML report renders, its log verifies, and
// `down` leaves nothing of it in libvirt while keeping the event log (for
// reports, appeals and the maturity assessment).
inline void ExpectReportVerifyAndDown(const std::string& id) {
  namespace fs = std::filesystem;
  const std::string html = (fs::temp_directory_path() / (id + ".html")).string();
  Outcome report = RunArgs({"report", id, "--html", html});
  EXPECT_EQ(report.code, 0) << report.err;
  EXPECT_GT(fs::file_size(html), 10'000u);
  fs::remove(html);
  EXPECT_EQ(RunArgs({"verify", id}).code, 0);

  Outcome d = RunArgs({"down", id});
  EXPECT_EQ(d.code, 0) << d.err;
  EXPECT_EQ(LibvirtObjectsOf(id), "0 0\n");
  EXPECT_TRUE(fs::exists(ExerciseStateDir() + "/exercises/" + id + "/events.db"));
}

}  // namespace livefire::testsupport
