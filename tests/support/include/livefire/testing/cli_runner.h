#pragma once
// Runs the livefire CLI in-process for tests: argv in, exit code and both
// output streams out. For the CLI's tests (needs livefire::cli).

#include <sstream>
#include <string>
#include <vector>

#include "cli.h"

namespace livefire::testsupport {

struct Outcome {
  int code;
  std::string out;
  std::string err;
};

inline Outcome RunArgs(std::vector<std::string> args) {
  args.insert(args.begin(), "livefire");
  std::vector<const char*> argv;
  for (auto& a : args) argv.push_back(a.c_str());
  std::ostringstream out, err;
  int code = cli::Run(static_cast<int>(argv.size()), argv.data(), out, err);
  return {code, out.str(), err.str()};
}

// The same with --state-dir first.
inline Outcome RunInState(const std::string& state_dir, std::vector<std::string> args) {
  args.insert(args.begin(), {"--state-dir", state_dir});
  return RunArgs(std::move(args));
}

}  // namespace livefire::testsupport
