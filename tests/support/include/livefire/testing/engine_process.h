#pragma once
// `livefire run ID` in its own process for slow tests (remote clients, the
// portal): stdout and stderr to a log file, SIGTERM and reaped when the test
// is done with it unless the test reaped it first (Release()).
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <regex>
#include <string>
#include <vector>

#include "livefire/testing/files.h"
#include "livefire/testing/wait.h"

namespace livefire::testsupport {

struct EngineRun {
  std::string speed = "1";
  bool checks = false;  // --no-checks unless true
};

class EngineProcess {
 public:
  // Runs `livefire --state-dir STATE run ID --speed 1 --no-checks --quiet EXTRA...`.
  EngineProcess(const std::string& state, const std::string& id, const std::string& log,
                std::vector<std::string> extra, EngineRun how = {})
      : log_(log) {
    const std::string bin = std::string(LIVEFIRE_BINARY_DIR) + "/engine/cli/livefire";
    std::vector<std::string> args = {bin, "--state-dir", state, "run", id, "--speed", how.speed,
                                     "--quiet"};
    if (!how.checks) args.push_back("--no-checks");
    args.insert(args.end(), extra.begin(), extra.end());
    pid_ = fork();
    if (pid_ == 0) {
      FILE* f = std::freopen(log.c_str(), "w", stdout);
      if (f) (void)!dup2(fileno(stdout), STDERR_FILENO);
      std::vector<char*> argv;
      for (auto& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      execv(bin.c_str(), argv.data());
      _exit(127);
    }
  }
  ~EngineProcess() {
    if (pid_ > 0 && ::waitpid(pid_, nullptr, WNOHANG) == 0) Terminate();
  }
  EngineProcess(const EngineProcess&) = delete;
  EngineProcess& operator=(const EngineProcess&) = delete;

  pid_t pid() const { return pid_; }
  const std::string& log() const { return log_; }
  // SIGTERM (the engine leaves its loop; a later run resumes) and wait.
  void Terminate() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGTERM);
    ::waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }
  // Waits for the engine to end by itself; its exit code (-1 if it did not
  // exit normally).
  int Wait() {
    if (pid_ <= 0) return -1;
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }
  // The test reaped the process itself.
  void Release() { pid_ = -1; }

 private:
  pid_t pid_ = -1;
  std::string log_;
};

// The portal's address ("https://127.0.0.1:PORT/") once the engine's log
// prints it; "" when it did not within the deadline.
inline std::string WaitForPortalUrl(const std::string& log,
                                    std::chrono::seconds deadline = std::chrono::seconds(60)) {
  std::string url;
  WaitFor(
      [&] {
        std::smatch m;
        const std::string text = ReadFile(log);
        if (!std::regex_search(text, m, std::regex("portal on (https://[0-9.:]+/)"))) return false;
        url = m[1];
        return true;
      },
      deadline);
  return url;
}

}  // namespace livefire::testsupport
