#pragma once
// Runs the livefire CLI in-process for tests: argv in, exit code and both
// output streams out.

#include <sstream>
#include <string>
#include <vector>

#include "cli.h"

namespace livefire::cli::testing {

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
  int code = Run(static_cast<int>(argv.size()), argv.data(), out, err);
  return {code, out.str(), err.str()};
}

}  // namespace livefire::cli::testing
