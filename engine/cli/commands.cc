#include "commands.h"

namespace livefire::cli {

// Subcommand registrations, one per cmd_<name>.cc. Keep in --help order.
// (Declared here rather than in a header so that adding a command touches
// one file.)
void RegisterValidate(CLI::App& app, Context& ctx);
void RegisterPlan(CLI::App& app, Context& ctx);
void RegisterVerify(CLI::App& app, Context& ctx);
void RegisterUp(CLI::App& app, Context& ctx);
void RegisterDown(CLI::App& app, Context& ctx);
void RegisterExec(CLI::App& app, Context& ctx);
void RegisterRevert(CLI::App& app, Context& ctx);
void RegisterSnapshot(CLI::App& app, Context& ctx);
void RegisterLs(CLI::App& app, Context& ctx);
void RegisterStatus(CLI::App& app, Context& ctx);
void RegisterExplain(CLI::App& app, Context& ctx);
void RegisterReplay(CLI::App& app, Context& ctx);

void RegisterRun(CLI::App& app, Context& ctx);
void RegisterControl(CLI::App& app, Context& ctx);
void RegisterEvents(CLI::App& app, Context& ctx);
void RegisterReport(CLI::App& app, Context& ctx);
void RegisterAccounts(CLI::App& app, Context& ctx);
void RegisterPortal(CLI::App& app, Context& ctx);
void RegisterArchive(CLI::App& app, Context& ctx);
void RegisterMaturity(CLI::App& app, Context& ctx);
void RegisterStats(CLI::App& app, Context& ctx);
void RegisterSim(CLI::App& app, Context& ctx);
void RegisterGenChain(CLI::App& app, Context& ctx);

void RegisterCommands(CLI::App& app, Context& ctx) {
  (void)app;
  (void)ctx;
  RegisterValidate(app, ctx);
  RegisterPlan(app, ctx);
  RegisterVerify(app, ctx);
  RegisterUp(app, ctx);
  RegisterDown(app, ctx);
  RegisterExec(app, ctx);
  RegisterRevert(app, ctx);
  RegisterSnapshot(app, ctx);
  RegisterLs(app, ctx);
  RegisterStatus(app, ctx);
  RegisterExplain(app, ctx);
  RegisterReplay(app, ctx);
  RegisterRun(app, ctx);
  RegisterControl(app, ctx);
  RegisterEvents(app, ctx);
  RegisterReport(app, ctx);
  RegisterAccounts(app, ctx);
  RegisterPortal(app, ctx);
  RegisterArchive(app, ctx);
  RegisterMaturity(app, ctx);
  RegisterStats(app, ctx);
  RegisterSim(app, ctx);
  RegisterGenChain(app, ctx);
}

}  // namespace livefire::cli
