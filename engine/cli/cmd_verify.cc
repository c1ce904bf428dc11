// livefire verify ID: walks an exercise's event chain (tamper evidence for
// appeals). Exit 0 when intact, 1 when the chain is broken or the exercise is
// unknown, 2 when the database cannot be read.

#include <fmt/format.h>

#include <memory>
#include <nlohmann/json.hpp>

#include "cli.h"
#include "livefire/ids.h"
#include "livefire/store/event_store.h"

namespace livefire::cli {

namespace {

struct VerifyArgs {
  std::string id;
  bool json = false;
};

Status RunVerify(const VerifyArgs& a, Context& ctx) {
  LF_ASSIGN_OR_RETURN(ExerciseId id, ParseExerciseId(a.id));
  std::string path = store::EventStore::PathFor(ctx.state_dir, id);
  auto opened = store::EventStore::Open(path, {.read_only = true});
  if (!opened.ok()) {
    if (opened.status().code() == StatusCode::kNotFound) {
      return Status::NotFound(fmt::format("no exercise '{}' under {} (no {})", id.str(),
                                          ctx.state_dir, path));
    }
    return opened.status();
  }
  LF_ASSIGN_OR_RETURN(store::VerifyReport r, (*opened)->Verify());
  if (a.json) {
    nlohmann::json j = {{"exercise", id.str()}, {"ok", r.ok}, {"count", r.count},
                        {"head_hash", r.head_hash}};
    if (!r.ok) {
      j["broken_seq"] = r.broken_seq;
      j["problem"] = r.problem;
    }
    ctx.out << j.dump(2) << "\n";
  } else if (r.ok) {
    ctx.out << fmt::format("ok {} events, head {}\n", r.count,
                           r.head_hash.empty() ? "(empty log)" : r.head_hash);
  } else {
    ctx.out << fmt::format("BROKEN at seq {}: {}\n{} events before it verify, last good hash {}\n",
                           r.broken_seq, r.problem, r.count,
                           r.head_hash.empty() ? "(none)" : r.head_hash);
  }
  if (!r.ok) {
    return Status::FailedPrecondition(fmt::format(
        "event log of '{}' fails verification at seq {}: {}", id.str(), r.broken_seq, r.problem));
  }
  return Status::Ok();
}

}  // namespace

void RegisterVerify(CLI::App& app, Context& ctx) {
  auto args = std::make_shared<VerifyArgs>();
  CLI::App* cmd = app.add_subcommand(
      "verify",
      "Check an exercise's event log: every event present and its hash chain intact.\n"
      "Prints the event count and head hash (record it to prove the log later).");
  cmd->add_option("id", args->id, "exercise id, e.g. lf-20261121-093000-3fa2c1")->required();
  cmd->add_flag("--json", args->json, "machine-readable output");
  cmd->callback([args, &ctx] { ctx.status = RunVerify(*args, ctx); });
}

}  // namespace livefire::cli
