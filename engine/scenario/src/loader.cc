#include "livefire/scenario/loader.h"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>

#include "dsl.h"

namespace livefire::scenario {

namespace fs = std::filesystem;

std::string Diagnostic::ToString() const {
  return fmt::format("{}: {}", loc.ToString(), message);
}

std::string LoadOutcome::Report() const {
  std::string out;
  for (const Diagnostic& d : diagnostics) {
    if (!out.empty()) out += '\n';
    out += d.ToString();
  }
  return out;
}

namespace {

void AddDiag(LoadOutcome* out, const std::string& file, int line, std::string message) {
  Diagnostic d;
  d.loc.file = file;
  d.loc.line = line;
  d.message = std::move(message);
  out->diagnostics.push_back(std::move(d));
}

// The scenario folder and its scenario.lua for a folder or file argument.
void ResolvePaths(const std::string& arg, std::string* dir, std::string* file) {
  std::error_code ec;
  if (fs::is_regular_file(arg, ec)) {
    *file = arg;
    fs::path parent = fs::path(arg).parent_path();
    *dir = parent.empty() ? fs::path(".").string() : parent.string();
    return;
  }
  *dir = arg;
  std::string base = arg;
  while (base.size() > 1 && base.back() == '/') base.pop_back();
  *file = base + "/scenario.lua";
}

LoadOutcome Load(const std::string& arg, const LoadOptions& options, Status* env_error) {
  LoadOutcome out;
  std::string dir, file;
  ResolvePaths(arg, &dir, &file);
  std::error_code ec;
  if (!fs::is_regular_file(file, ec)) {
    *env_error = Status::NotFound(fmt::format("{}: no scenario.lua in this folder", dir));
    AddDiag(&out, file, 0, "cannot open: no such file");
    return out;
  }

  lua::SandboxOptions so;
  so.name = "scenario";
  so.memory_limit = options.memory_limit;
  so.instruction_limit = options.instruction_limit;
  auto sandbox = lua::Sandbox::Create(so);
  if (!sandbox.ok()) {
    *env_error = sandbox.status();
    AddDiag(&out, file, 0, sandbox.status().message());
    return out;
  }
  lua::ScriptError err;
  Status run = dsl::RunScenarioFile(*sandbox, file, &err);
  if (!run.ok()) {
    // The message starts with Lua's (possibly shortened) chunk name: keep
    // only the text and put the path we were given in front.
    std::string text = run.message();
    if (err.line == 0) err = lua::ParseScriptError(text);  // a compile error
    if (err.line > 0) {
      size_t at = text.find(fmt::format(":{}: ", err.line));
      if (at != std::string::npos) text = text.substr(at + fmt::format(":{}: ", err.line).size());
    } else if (text.rfind(file + ": ", 0) == 0) {
      text = text.substr(file.size() + 2);
    }
    AddDiag(&out, file, err.line, text);
    return out;
  }

  model::Scenario s;
  s.dir = dir;
  s.file = file;
  dsl::BuildModel(sandbox->L(), file, &s, &out.diagnostics);

  std::string templates_dir = options.templates_dir;
  if (templates_dir.empty()) {
    auto d = templates::DefaultTemplatesDir();
    if (!d.ok()) {
      *env_error = Status::Unavailable(d.status().message());
      AddDiag(&out, file, 0, d.status().message());
    } else {
      templates_dir = *d;
    }
  }
  templates::Catalog catalog;
  if (!templates_dir.empty()) {
    auto c = templates::Catalog::Load(templates_dir);
    if (!c.ok()) {
      *env_error = Status::Unavailable(c.status().message());
      AddDiag(&out, file, 0, c.status().message());
    } else {
      catalog = std::move(c).value();
    }
  }
  for (Diagnostic& d : Validate(s, catalog)) out.diagnostics.push_back(std::move(d));
  std::stable_sort(out.diagnostics.begin(), out.diagnostics.end(),
                   [](const Diagnostic& a, const Diagnostic& b) { return a.loc.line < b.loc.line; });
  out.scenario = std::move(s);
  return out;
}

}  // namespace

LoadOutcome LoadScenario(const std::string& dir, const LoadOptions& options) {
  Status ignored;
  return Load(dir, options, &ignored);
}

Result<model::Scenario> LoadValidScenario(const std::string& dir, const LoadOptions& options) {
  Status env;
  LoadOutcome out = Load(dir, options, &env);
  if (out.ok()) return std::move(*out.scenario);
  if (!env.ok() && env.code() != StatusCode::kInvalidArgument) {
    return Status(env.code(), out.Report());
  }
  return Status::InvalidArgument(out.Report());
}

}  // namespace livefire::scenario
