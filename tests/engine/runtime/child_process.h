#pragma once
// A child process for tests that kill an engine (or a lock holder) with
// SIGKILL: fork, wait until the child says it is ready, kill it, reap it.

#include <signal.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <functional>

namespace livefire::runtime {

// Forks a child that runs body(ready) and then exits; body calls ready() once
// the parent may go on. Returns the child's pid after ready(), or -1 when the
// fork failed or the child ended first.
inline pid_t ForkUntilReady(const std::function<void(const std::function<void()>& ready)>& body) {
  int pipefd[2];
  if (::pipe(pipefd) != 0) return -1;
  pid_t pid = ::fork();
  if (pid == 0) {
    ::close(pipefd[0]);
    body([&] { (void)!::write(pipefd[1], "x", 1); });
    ::_exit(0);
  }
  ::close(pipefd[1]);
  char c;
  bool ready = pid > 0 && ::read(pipefd[0], &c, 1) == 1;
  ::close(pipefd[0]);
  return ready ? pid : -1;
}

// SIGKILLs the child and reaps it; true when it died of that signal.
inline bool KillNine(pid_t pid) {
  ::kill(pid, SIGKILL);
  int status = 0;
  return ::waitpid(pid, &status, 0) == pid && WIFSIGNALED(status);
}

}  // namespace livefire::runtime
