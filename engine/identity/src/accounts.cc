#include "livefire/identity/accounts.h"

#include <fmt/format.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <zmq.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "livefire/files.h"
#include "livefire/ids.h"

namespace livefire::identity {

namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

// OWASP's 2023 figure for PBKDF2-HMAC-SHA256.
constexpr int64_t kPbkdf2Iterations = 600'000;

int64_t WallNowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string Hex(const unsigned char* p, size_t n) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(2 * n);
  for (size_t i = 0; i < n; ++i) {
    out += kDigits[p[i] >> 4];
    out += kDigits[p[i] & 15];
  }
  return out;
}

Result<std::string> Random(size_t bytes) {
  std::string buf(bytes, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(buf.data()), static_cast<int>(bytes)) != 1) {
    return Status::Internal("the OpenSSL random generator failed");
  }
  return buf;
}

Result<std::string> Pbkdf2(std::string_view password, const std::string& salt_hex,
                           int64_t iterations) {
  unsigned char out[32];
  if (PKCS5_PBKDF2_HMAC(password.data(), static_cast<int>(password.size()),
                        reinterpret_cast<const unsigned char*>(salt_hex.data()),
                        static_cast<int>(salt_hex.size()), static_cast<int>(iterations),
                        EVP_sha256(), sizeof out, out) != 1) {
    return Status::Internal("PBKDF2 failed");
  }
  return Hex(out, sizeof out);
}

// 16 characters from an alphabet without look-alikes (about 90 bits).
Result<std::string> NewPassword() {
  static constexpr std::string_view kAlphabet =
      "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
  LF_ASSIGN_OR_RETURN(std::string raw, Random(16));
  std::string out;
  for (char c : raw) out += kAlphabet[static_cast<unsigned char>(c) % kAlphabet.size()];
  return out;
}

json AccountToJson(const Account& a) {
  return {{"name", a.name},
          {"team", a.team},
          {"person", a.person},
          {"role", RoleName(a.role)},
          {"public_key", a.keys.public_key},
          {"secret_key", a.keys.secret_key},
          {"portal_password", a.portal_password},
          {"portal_salt", a.portal_salt},
          {"portal_hash", a.portal_hash},
          {"portal_iterations", a.portal_iterations},
          {"revoked", a.revoked},
          {"created_wall_ns", a.created_wall_ns},
          {"revoked_wall_ns", a.revoked_wall_ns}};
}

Result<Account> AccountFromJson(const json& j, const std::string& where) {
  try {
    Account a;
    a.name = j.at("name").get<std::string>();
    a.team = j.at("team").get<std::string>();
    a.person = j.value("person", "");
    auto role = ParseRole(j.at("role").get<std::string>());
    if (!role.ok()) return role.status().WithContext(where);
    a.role = *role;
    a.keys.public_key = j.at("public_key").get<std::string>();
    a.keys.secret_key = j.at("secret_key").get<std::string>();
    a.portal_password = j.at("portal_password").get<std::string>();
    a.portal_salt = j.at("portal_salt").get<std::string>();
    a.portal_hash = j.at("portal_hash").get<std::string>();
    a.portal_iterations = j.at("portal_iterations").get<int64_t>();
    a.revoked = j.value("revoked", false);
    a.created_wall_ns = j.value("created_wall_ns", int64_t{0});
    a.revoked_wall_ns = j.value("revoked_wall_ns", int64_t{0});
    return a;
  } catch (const json::exception& e) {
    return Status::InvalidArgument(fmt::format("{}: {}", where, e.what()));
  }
}

Result<std::string> ReadWhole(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::error_code ec;
    if (!fs::exists(path, ec)) return Status::NotFound(fmt::format("{} does not exist", path));
    return Status::Unavailable(fmt::format("cannot read {}", path));
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

std::string_view RoleName(Role r) {
  switch (r) {
    case Role::kWhite:
      return "white";
    case Role::kRed:
      return "red";
    case Role::kBlue:
      return "blue";
    case Role::kObserver:
      return "observer";
  }
  return "observer";
}

Result<Role> ParseRole(std::string_view text) {
  for (Role r : {Role::kWhite, Role::kRed, Role::kBlue, Role::kObserver}) {
    if (RoleName(r) == text) return r;
  }
  return Status::InvalidArgument(
      fmt::format("unknown role '{}' (white, red, blue or observer)", text));
}

Result<KeyPair> NewKeyPair() {
  char pub[41], sec[41];
  if (zmq_curve_keypair(pub, sec) != 0) {
    return Status::Unavailable(
        fmt::format("cannot make a CURVE key pair: {}", zmq_strerror(zmq_errno())));
  }
  return KeyPair{pub, sec};
}

json Account::ToPublicJson() const {
  return {{"name", name},          {"team", team},     {"person", person},
          {"role", RoleName(role)}, {"public_key", keys.public_key}, {"revoked", revoked}};
}

bool VerifyPortalPassword(const Account& a, std::string_view password) {
  if (a.portal_hash.empty() || a.portal_iterations <= 0) return false;
  auto h = Pbkdf2(password, a.portal_salt, a.portal_iterations);
  if (!h.ok() || h->size() != a.portal_hash.size()) return false;
  return CRYPTO_memcmp(h->data(), a.portal_hash.data(), h->size()) == 0;
}

std::string AccountBook::PathIn(const std::string& exercise_dir) {
  return (fs::path(exercise_dir) / "accounts.json").string();
}

Result<AccountBook> AccountBook::Create() {
  AccountBook b;
  LF_ASSIGN_OR_RETURN(b.server_, NewKeyPair());
  return b;
}

Result<AccountBook> AccountBook::Load(const std::string& path) {
  LF_ASSIGN_OR_RETURN(std::string text, ReadWhole(path));
  json j = json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    return Status::InvalidArgument(fmt::format("{}: not a JSON object", path));
  }
  AccountBook b;
  try {
    b.server_.public_key = j.at("server").at("public_key").get<std::string>();
    b.server_.secret_key = j.at("server").at("secret_key").get<std::string>();
    size_t i = 0;
    for (const json& a : j.at("accounts")) {
      LF_ASSIGN_OR_RETURN(Account acc, AccountFromJson(a, fmt::format("{}: accounts[{}]", path, i)));
      b.accounts_.push_back(std::move(acc));
      ++i;
    }
  } catch (const json::exception& e) {
    return Status::InvalidArgument(fmt::format("{}: {}", path, e.what()));
  }
  return b;
}

Status AccountBook::Save(const std::string& path) const {
  json j = {{"server", {{"public_key", server_.public_key}, {"secret_key", server_.secret_key}}},
            {"accounts", json::array()}};
  for (const Account& a : accounts_) j["accounts"].push_back(AccountToJson(a));
  return WriteFileAtomic(path, j.dump(2) + "\n", 0600);
}

Status AccountBook::Add(std::string name, std::string team, std::string person, Role role) {
  LF_RETURN_IF_ERROR(CheckName("account", name, 48));
  // The event log names the host's ipc channel "host".
  if (name == "host") return Status::InvalidArgument("account name 'host' is reserved");
  LF_RETURN_IF_ERROR(CheckName("team", team, 32));
  if (Find(name)) return Status::AlreadyExists(fmt::format("account '{}' exists", name));
  Account a;
  a.name = std::move(name);
  a.team = std::move(team);
  a.person = std::move(person);
  a.role = role;
  LF_ASSIGN_OR_RETURN(a.keys, NewKeyPair());
  LF_ASSIGN_OR_RETURN(a.portal_password, NewPassword());
  LF_ASSIGN_OR_RETURN(std::string salt, Random(16));
  a.portal_salt = Hex(reinterpret_cast<const unsigned char*>(salt.data()), salt.size());
  a.portal_iterations = kPbkdf2Iterations;
  LF_ASSIGN_OR_RETURN(a.portal_hash, Pbkdf2(a.portal_password, a.portal_salt, kPbkdf2Iterations));
  a.created_wall_ns = WallNowNs();
  accounts_.push_back(std::move(a));
  return Status::Ok();
}

Status AccountBook::Revoke(std::string_view name) {
  for (Account& a : accounts_) {
    if (a.name != name) continue;
    if (a.revoked) return Status::FailedPrecondition(fmt::format("account '{}' is revoked", name));
    a.revoked = true;
    a.revoked_wall_ns = WallNowNs();
    return Status::Ok();
  }
  return Status::NotFound(fmt::format("no account named '{}'", name));
}

const Account* AccountBook::Find(std::string_view name) const {
  for (const Account& a : accounts_) {
    if (a.name == name) return &a;
  }
  return nullptr;
}

const Account* AccountBook::FindByPublicKey(std::string_view z85) const {
  for (const Account& a : accounts_) {
    if (!a.revoked && a.keys.public_key == z85) return &a;
  }
  return nullptr;
}

Result<json> AccountBook::Credential(std::string_view name, std::string_view server) const {
  const Account* a = Find(name);
  if (!a) return Status::NotFound(fmt::format("no account named '{}'", name));
  if (a->revoked) {
    return Status::FailedPrecondition(fmt::format("account '{}' is revoked", name));
  }
  return json{{"account", a->name},
              {"team", a->team},
              {"role", RoleName(a->role)},
              {"server", server},
              {"server_public_key", server_.public_key},
              {"public_key", a->keys.public_key},
              {"secret_key", a->keys.secret_key},
              {"portal_password", a->portal_password}};
}

Result<AccountBook> DefaultAccounts(const model::Scenario& scenario,
                                    const std::vector<std::string>& blue_teams) {
  LF_ASSIGN_OR_RETURN(AccountBook b, AccountBook::Create());
  auto add_team = [&](const std::string& team, Role role,
                      const std::vector<std::string>& people) -> Status {
    LF_RETURN_IF_ERROR(b.Add(team, team, "", role));
    for (const std::string& p : people) {
      LF_RETURN_IF_ERROR(b.Add(team + "-" + p, team, p, role));
    }
    return Status::Ok();
  };
  for (const model::Team& t : scenario.teams) {
    if (t.role == model::TeamRole::kWhite) LF_RETURN_IF_ERROR(add_team(t.name, Role::kWhite, t.people));
    if (t.role == model::TeamRole::kRed) LF_RETURN_IF_ERROR(add_team(t.name, Role::kRed, t.people));
  }
  for (const std::string& blue : blue_teams) {
    const model::Team* t = scenario.FindTeam(blue);
    LF_RETURN_IF_ERROR(add_team(blue, Role::kBlue, t ? t->people : std::vector<std::string>{}));
  }
  return b;
}

Result<Credential> ReadCredential(const std::string& path) {
  LF_ASSIGN_OR_RETURN(std::string text, ReadWhole(path));
  json j = json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    return Status::InvalidArgument(fmt::format("credential {}: not a JSON object", path));
  }
  Credential c;
  try {
    c.account = j.at("account").get<std::string>();
    c.team = j.at("team").get<std::string>();
    c.server = j.value("server", "");
    c.server_public_key = j.at("server_public_key").get<std::string>();
    c.public_key = j.at("public_key").get<std::string>();
    c.secret_key = j.at("secret_key").get<std::string>();
    LF_ASSIGN_OR_RETURN(c.role, ParseRole(j.at("role").get<std::string>()));
  } catch (const json::exception& e) {
    return Status::InvalidArgument(fmt::format("credential {}: {}", path, e.what()));
  }
  for (const std::string* k : {&c.server_public_key, &c.public_key, &c.secret_key}) {
    if (k->size() != 40) {
      return Status::InvalidArgument(
          fmt::format("credential {}: keys must be 40-character Z85 text", path));
    }
  }
  return c;
}

Status SaveListenAddress(const std::string& exercise_dir, std::string_view server) {
  return WriteFileAtomic(fs::path(exercise_dir) / "listen.json",
                         json{{"server", server}}.dump() + "\n", 0600);
}

std::string ReadListenAddress(const std::string& exercise_dir) {
  auto text = ReadWhole((fs::path(exercise_dir) / "listen.json").string());
  if (!text.ok()) return "";
  json j = json::parse(*text, nullptr, false);
  return j.is_object() ? j.value("server", "") : "";
}

}  // namespace livefire::identity

namespace livefire::identity {

Result<std::unique_ptr<AccountDirectory>> AccountDirectory::Open(std::string path) {
  std::unique_ptr<AccountDirectory> d(new AccountDirectory(std::move(path)));
  LF_ASSIGN_OR_RETURN(d->book_, AccountBook::Load(d->path_));
  std::error_code ec;
  auto t = std::filesystem::last_write_time(d->path_, ec);
  d->mtime_ns_ = ec ? -1 : static_cast<int64_t>(t.time_since_epoch().count());
  d->size_ = std::filesystem::file_size(d->path_, ec);
  return d;
}

void AccountDirectory::Refresh() {
  std::error_code ec;
  auto t = std::filesystem::last_write_time(path_, ec);
  if (ec) return;  // keep what was read: a missing file revokes nothing by itself
  const auto mtime = static_cast<int64_t>(t.time_since_epoch().count());
  const uintmax_t size = std::filesystem::file_size(path_, ec);
  if (mtime == mtime_ns_ && size == size_) return;
  auto book = AccountBook::Load(path_);
  if (!book.ok()) return;  // a half-edited file: retry at the next look-up
  book_ = std::move(book).value();
  mtime_ns_ = mtime;
  size_ = size;
}

std::optional<Account> AccountDirectory::ByPublicKey(std::string_view z85) {
  std::lock_guard lk(mu_);
  Refresh();
  if (const Account* a = book_.FindByPublicKey(z85)) return *a;
  return std::nullopt;
}

std::optional<Account> AccountDirectory::ByName(std::string_view name) {
  std::lock_guard lk(mu_);
  Refresh();
  const Account* a = book_.Find(name);
  if (a && !a->revoked) return *a;
  return std::nullopt;
}

std::string AccountDirectory::server_public_key() {
  std::lock_guard lk(mu_);
  return book_.server_keys().public_key;
}

std::string AccountDirectory::server_secret_key() {
  std::lock_guard lk(mu_);
  return book_.server_keys().secret_key;
}

}  // namespace livefire::identity
