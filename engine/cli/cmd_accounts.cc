// livefire accounts ID list | add NAME --team T --role R | revoke NAME |
// export NAME -o FILE: the exercise's accounts (docs/protocol.md). `up` made
// one per team; export writes the credential file a person is handed (root
// only, 0600). Secrets are printed nowhere but in that file.

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "accounts_files.h"
#include "cli.h"
#include "exercise_files.h"
#include "livefire/files.h"
#include "livefire/identity/accounts.h"

namespace livefire::cli {

namespace {

struct AccountsArgs {
  std::string id;
  std::string name;
  std::string team;
  std::string role;
  std::string out;
  bool json = false;
};

Status RunList(const AccountsArgs& a, Context& ctx) {
  LF_ASSIGN_OR_RETURN(LoadedExercise ex, LoadExercise(ctx, a.id));
  LF_ASSIGN_OR_RETURN(identity::AccountBook book, EnsureAccounts(ex));
  if (a.json) {
    nlohmann::json j = nlohmann::json::array();
    for (const auto& acc : book.accounts()) j.push_back(acc.ToPublicJson());
    ctx.out << j.dump(2) << "\n";
    return Status::Ok();
  }
  ctx.out << fmt::format("{:<24} {:<12} {:<9} {:<8} {}\n", "ACCOUNT", "TEAM", "ROLE", "STATE",
                         "PUBLIC KEY");
  for (const auto& acc : book.accounts()) {
    ctx.out << fmt::format("{:<24} {:<12} {:<9} {:<8} {}\n", acc.name, acc.team,
                           identity::RoleName(acc.role), acc.revoked ? "revoked" : "active",
                           acc.keys.public_key);
  }
  return Status::Ok();
}

Status RunAdd(const AccountsArgs& a, Context& ctx) {
  LF_ASSIGN_OR_RETURN(LoadedExercise ex, LoadExercise(ctx, a.id));
  LF_ASSIGN_OR_RETURN(identity::Role role, identity::ParseRole(a.role));
  std::vector<std::string> teams = ExerciseTeams(ex);
  if (std::find(teams.begin(), teams.end(), a.team) == teams.end()) {
    return Status::InvalidArgument(fmt::format("exercise {} has no team '{}' (teams: {})", a.id,
                                               a.team, fmt::join(teams, ", ")));
  }
  LF_ASSIGN_OR_RETURN(identity::AccountBook book, EnsureAccounts(ex));
  LF_RETURN_IF_ERROR(book.Add(a.name, a.team, "", role));
  LF_RETURN_IF_ERROR(book.Save(identity::AccountBook::PathIn(ex.files.dir)));
  ctx.out << fmt::format("account {} added (team {}, role {}); hand it over with `livefire "
                         "accounts {} export {} -o FILE`\n",
                         a.name, a.team, a.role, a.id, a.name);
  return Status::Ok();
}

Status RunRevoke(const AccountsArgs& a, Context& ctx) {
  LF_ASSIGN_OR_RETURN(LoadedExercise ex, LoadExercise(ctx, a.id));
  LF_ASSIGN_OR_RETURN(identity::AccountBook book, EnsureAccounts(ex));
  LF_RETURN_IF_ERROR(book.Revoke(a.name));
  LF_RETURN_IF_ERROR(book.Save(identity::AccountBook::PathIn(ex.files.dir)));
  ctx.out << fmt::format("account {} revoked: a running engine refuses it from its next request\n",
                         a.name);
  return Status::Ok();
}

Status RunExport(const AccountsArgs& a, Context& ctx) {
  LF_ASSIGN_OR_RETURN(LoadedExercise ex, LoadExercise(ctx, a.id));
  LF_ASSIGN_OR_RETURN(identity::AccountBook book, EnsureAccounts(ex));
  LF_ASSIGN_OR_RETURN(nlohmann::json cred,
                      book.Credential(a.name, identity::ReadListenAddress(ex.files.dir)));
  std::filesystem::path out = std::filesystem::absolute(a.out);
  LF_RETURN_IF_ERROR(WriteFileAtomic(out, cred.dump(2) + "\n", 0600));
  ctx.out << fmt::format("credential of {} written to {} (mode 0600){}\n", a.name, out.string(),
                         cred.value("server", "").empty()
                             ? "; no server address yet: the engine is not listening on TCP "
                               "(`livefire run ID --listen tcp://ADDR:PORT`)"
                             : "");
  return Status::Ok();
}

}  // namespace

void RegisterAccounts(CLI::App& app, Context& ctx) {
  auto a = std::make_shared<AccountsArgs>();
  auto* cmd = app.add_subcommand("accounts", "The exercise's accounts: list, add, revoke, export");
  cmd->add_option("ID", a->id, "exercise id")->required();
  cmd->require_subcommand(1);
  auto* list = cmd->add_subcommand("list", "List the accounts (no secrets)");
  list->add_flag("--json", a->json, "machine-readable output");
  list->callback([a, &ctx] { ctx.status = RunList(*a, ctx); });
  auto* add = cmd->add_subcommand("add", "Add an account with fresh keys and portal password");
  add->add_option("NAME", a->name, "account name (lower case, digits, '-')")->required();
  add->add_option("--team", a->team, "the account's team")->required();
  add->add_option("--role", a->role, "white, red, blue or observer")
      ->check(CLI::IsMember({"white", "red", "blue", "observer"}))
      ->required();
  add->callback([a, &ctx] { ctx.status = RunAdd(*a, ctx); });
  auto* revoke = cmd->add_subcommand("revoke", "Revoke an account (kept in the list, refused)");
  revoke->add_option("NAME", a->name, "account name")->required();
  revoke->callback([a, &ctx] { ctx.status = RunRevoke(*a, ctx); });
  auto* exp = cmd->add_subcommand("export", "Write an account's credential file (mode 0600)");
  exp->add_option("NAME", a->name, "account name")->required();
  exp->add_option("-o,--output", a->out, "credential file to write")->required();
  exp->callback([a, &ctx] { ctx.status = RunExport(*a, ctx); });
}

}  // namespace livefire::cli
