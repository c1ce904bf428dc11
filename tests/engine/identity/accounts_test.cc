// Accounts (livefire/identity/accounts.h): one per team and person, fresh
// CURVE keys, a verifiable portal password, root-only storage, the exact
// credential fields, revocation seen by a running engine's directory.
#include "livefire/identity/accounts.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <set>

#include "livefire/testing/temp_dir.h"

namespace livefire::identity {
namespace {

model::Scenario Teams() {
  model::Scenario s;
  for (auto [name, role] : {std::pair{"white", model::TeamRole::kWhite},
                            std::pair{"red1", model::TeamRole::kRed},
                            std::pair{"blue1", model::TeamRole::kBlue}}) {
    model::Team t;
    t.name = name;
    t.role = role;
    if (t.name == "blue1") t.people = {"an", "binh"};
    s.teams.push_back(t);
  }
  return s;
}

TEST(Accounts, UpMakesOnePerTeamAndPerson) {
  auto book = DefaultAccounts(Teams(), {"blue1", "blue2"});
  ASSERT_TRUE(book.ok()) << book.status().ToString();
  std::set<std::string> names;
  std::set<std::string> keys;
  for (const Account& a : book->accounts()) {
    names.insert(a.name);
    keys.insert(a.keys.public_key);
    EXPECT_EQ(a.keys.public_key.size(), 40u);
    EXPECT_EQ(a.keys.secret_key.size(), 40u);
  }
  EXPECT_EQ(names, (std::set<std::string>{"white", "red1", "blue1", "blue1-an", "blue1-binh",
                                          "blue2"}));
  EXPECT_EQ(keys.size(), names.size()) << "every account has its own key";
  EXPECT_EQ(book->Find("white")->role, Role::kWhite);
  EXPECT_EQ(book->Find("red1")->role, Role::kRed);
  EXPECT_EQ(book->Find("blue1-an")->team, "blue1");
  EXPECT_EQ(book->Find("blue1-an")->person, "an");
  EXPECT_FALSE(book->Add("blue2", "blue2", "", Role::kBlue).ok()) << "taken name";
  EXPECT_FALSE(book->Add("Bad Name", "blue2", "", Role::kBlue).ok());
  EXPECT_FALSE(book->Add("host", "white", "", Role::kWhite).ok()) << "reserved";
}

TEST(Accounts, PortalPasswordIsHashedAndVerifies) {
  auto book = AccountBook::Create();
  ASSERT_TRUE(book.ok());
  ASSERT_TRUE(book->Add("obs", "white", "", Role::kObserver).ok());
  const Account& a = *book->Find("obs");
  EXPECT_GE(a.portal_password.size(), 16u);
  EXPECT_EQ(a.portal_hash.size(), 64u);
  EXPECT_EQ(a.portal_hash.find(a.portal_password), std::string::npos);
  EXPECT_TRUE(VerifyPortalPassword(a, a.portal_password));
  EXPECT_FALSE(VerifyPortalPassword(a, a.portal_password + "x"));
  EXPECT_FALSE(VerifyPortalPassword(a, ""));
}

TEST(Accounts, StoredRootOnlyAndCredentialHasExactlyTheFields) {
  testsupport::TempDir tmp("lf-accounts");
  auto book = DefaultAccounts(Teams(), {"blue1"});
  ASSERT_TRUE(book.ok());
  const std::string path = AccountBook::PathIn(tmp.path().string());
  ASSERT_TRUE(book->Save(path).ok());
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600);
  auto back = AccountBook::Load(path);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->accounts().size(), book->accounts().size());
  EXPECT_EQ(back->server_keys().public_key, book->server_keys().public_key);

  auto cred = back->Credential("blue1-an", "tcp://10.0.0.1:7700");
  ASSERT_TRUE(cred.ok());
  std::set<std::string> fields;
  for (auto it = cred->begin(); it != cred->end(); ++it) fields.insert(it.key());
  EXPECT_EQ(fields, (std::set<std::string>{"account", "team", "role", "server",
                                           "server_public_key", "public_key", "secret_key",
                                           "portal_password"}));
  EXPECT_EQ((*cred)["team"], "blue1");
  EXPECT_EQ((*cred)["role"], "blue");
  EXPECT_EQ((*cred)["server"], "tcp://10.0.0.1:7700");
  // The public view carries no secret.
  const std::string pub = back->Find("blue1-an")->ToPublicJson().dump();
  EXPECT_EQ(pub.find(back->Find("blue1-an")->keys.secret_key), std::string::npos);
  EXPECT_EQ(pub.find(back->Find("blue1-an")->portal_password), std::string::npos);
}

TEST(Accounts, DirectorySeesARevocationWrittenByAnotherProcess) {
  testsupport::TempDir tmp("lf-accounts");
  auto book = DefaultAccounts(Teams(), {"blue1"});
  ASSERT_TRUE(book.ok());
  const std::string path = AccountBook::PathIn(tmp.path().string());
  ASSERT_TRUE(book->Save(path).ok());
  auto dir = AccountDirectory::Open(path);
  ASSERT_TRUE(dir.ok());
  const std::string key = book->Find("blue1")->keys.public_key;
  ASSERT_TRUE((*dir)->ByPublicKey(key).has_value());
  ASSERT_TRUE(book->Revoke("blue1").ok());
  EXPECT_FALSE(book->Revoke("blue1").ok());
  EXPECT_FALSE(book->Revoke("nobody").ok());
  ASSERT_TRUE(book->Save(path).ok());
  EXPECT_FALSE((*dir)->ByPublicKey(key).has_value());
  EXPECT_FALSE((*dir)->ByName("blue1").has_value());
  EXPECT_TRUE((*dir)->ByName("blue1-an").has_value());
  EXPECT_FALSE(book->Credential("blue1", "").ok()) << "a revoked account is not exported";
}

}  // namespace
}  // namespace livefire::identity
