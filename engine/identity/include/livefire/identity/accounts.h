#pragma once
// Who takes part in an exercise: its accounts (docs/protocol.md, "Accounts
// and roles"). `up` makes one per team, named as the team, plus one per
// person a team declares ("<team>-<person>"); the white cell adds and revokes
// more with `livefire accounts`. Each account holds a CurveZMQ key pair (the
// engine's TCP sockets know a client by its public key) and a portal
// password (kept with a salted PBKDF2 hash, so the portal can verify it).
//
// Stored in <state>/exercises/<id>/accounts.json, mode 0600: root only.
// Secrets never go to the log nor to the event log; Account::ToPublicJson()
// is what may be shown.

#include <cstdint>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "livefire/model/model.h"
#include "livefire/status.h"

namespace livefire::identity {

// white: everything the host's ipc channel can do; red: red submissions for
// its own team; blue: reports and task responses for its own team; observer: read-only, the
// scoreboard only (as the white cell shows it).
enum class Role { kWhite, kRed, kBlue, kObserver };
std::string_view RoleName(Role r);
Result<Role> ParseRole(std::string_view text);

struct KeyPair {
  std::string public_key;  // Z85, 40 characters
  std::string secret_key;  // Z85, 40 characters
};
// A fresh CurveZMQ key pair (libzmq's zmq_curve_keypair).
Result<KeyPair> NewKeyPair();

struct Account {
  std::string name;    // "blue1", "blue1-an"
  std::string team;    // "blue1"
  std::string person;  // "an"; "" for the team's own account
  Role role = Role::kBlue;
  KeyPair keys;
  std::string portal_password;  // what export hands over
  std::string portal_salt;      // hex
  std::string portal_hash;      // hex PBKDF2-HMAC-SHA256(password, salt)
  int64_t portal_iterations = 0;
  bool revoked = false;
  int64_t created_wall_ns = 0;
  int64_t revoked_wall_ns = 0;

  // name, team, person, role, public_key, revoked: no secret.
  nlohmann::json ToPublicJson() const;
};

// Whether password is the account's portal password (constant-time compare).
bool VerifyPortalPassword(const Account& a, std::string_view password);

class AccountBook {
 public:
  // The file of an exercise folder.
  static std::string PathIn(const std::string& exercise_dir);
  // Reads accounts.json. NotFound when there is none.
  static Result<AccountBook> Load(const std::string& path);
  // A new book with a fresh server key pair and no account.
  static Result<AccountBook> Create();
  // Writes atomically, mode 0600.
  Status Save(const std::string& path) const;

  // Adds an account with fresh keys and portal password. Refuses a taken
  // name, a bad name, or an unknown team (teams: the exercise's teams).
  Status Add(std::string name, std::string team, std::string person, Role role);
  // Marks the account revoked (kept, so the log's attributions still resolve).
  Status Revoke(std::string_view name);

  const Account* Find(std::string_view name) const;
  // The live (not revoked) account holding this Z85 public key.
  const Account* FindByPublicKey(std::string_view z85) const;
  const std::vector<Account>& accounts() const { return accounts_; }
  const KeyPair& server_keys() const { return server_; }

  // The credential file `livefire accounts ID export NAME` writes: account,
  // team, role, server ("" when the engine does not listen on TCP),
  // server_public_key, public_key, secret_key, portal_password.
  Result<nlohmann::json> Credential(std::string_view name, std::string_view server) const;

 private:
  KeyPair server_;
  std::vector<Account> accounts_;
};

// The accounts `up` makes: one per team (the scenario's white and red teams
// and the plan's blue teams, named as the team, with the team's role), plus
// one per person of a team.
Result<AccountBook> DefaultAccounts(const model::Scenario& scenario,
                                    const std::vector<std::string>& blue_teams);

// A credential file as a client reads it (LIVEFIRE_CREDENTIAL).
struct Credential {
  std::string account, team, server, server_public_key, public_key, secret_key;
  Role role = Role::kBlue;
};
Result<Credential> ReadCredential(const std::string& path);

// The TCP address the engine listens on, recorded by `run --listen` in
// <exercise dir>/listen.json so that `export` can fill in "server".
Status SaveListenAddress(const std::string& exercise_dir, std::string_view server);
std::string ReadListenAddress(const std::string& exercise_dir);

}  // namespace livefire::identity

namespace livefire::identity {

// The accounts of a running engine, shared by the loop and the bus's ZAP
// thread. Re-reads the file when it changed (by `livefire accounts`), so a
// revocation takes effect at the next handshake or request.
class AccountDirectory {
 public:
  static Result<std::unique_ptr<AccountDirectory>> Open(std::string path);
  // The live account with this public key / name; nullopt when unknown or revoked.
  std::optional<Account> ByPublicKey(std::string_view z85);
  std::optional<Account> ByName(std::string_view name);
  std::string server_public_key();
  std::string server_secret_key();

 private:
  explicit AccountDirectory(std::string path) : path_(std::move(path)) {}
  void Refresh();  // mu_ held
  std::string path_;
  std::mutex mu_;
  AccountBook book_;
  int64_t mtime_ns_ = -1;
  uintmax_t size_ = 0;
};

}  // namespace livefire::identity
