#include "livefire/portal/sessions.h"

#include <gtest/gtest.h>

#include "livefire/portal/certificate.h"
#include "livefire/testing/temp_dir.h"

namespace livefire::portal {
namespace {

constexpr int64_t kSec = 1'000'000'000;

TEST(LoginLimiter, RefusesAfterTheLimitUntilTheOldestFailureLeavesTheWindow) {
  LoginLimiter l({.per_account = 3, .per_address = 10, .window_ns = 60 * kSec});
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(l.RetryAfterNs("blue1", "10.0.0.1", i * kSec), 0);
    l.Failure("blue1", "10.0.0.1", i * kSec);
  }
  EXPECT_EQ(l.RetryAfterNs("blue1", "10.0.0.9", 3 * kSec), 57 * kSec);  // any address
  EXPECT_EQ(l.RetryAfterNs("blue2", "10.0.0.1", 3 * kSec), 0);
  EXPECT_EQ(l.RetryAfterNs("blue1", "10.0.0.1", 60 * kSec), 0);
}

TEST(LoginLimiter, LimitsAnAddressTryingManyAccounts) {
  LoginLimiter l({.per_account = 5, .per_address = 4, .window_ns = 60 * kSec});
  for (int i = 0; i < 4; ++i) l.Failure("acct" + std::to_string(i), "10.0.0.1", 0);
  EXPECT_GT(l.RetryAfterNs("fresh", "10.0.0.1", kSec), 0);
  EXPECT_EQ(l.RetryAfterNs("fresh", "10.0.0.2", kSec), 0);
}

TEST(LoginLimiter, SuccessClearsTheAccountsFailures) {
  LoginLimiter l({.per_account = 2, .per_address = 10, .window_ns = 60 * kSec});
  l.Failure("blue1", "a", 0);
  l.Success("blue1");
  l.Failure("blue1", "a", kSec);
  EXPECT_EQ(l.RetryAfterNs("blue1", "a", 2 * kSec), 0);
}

TEST(SessionStore, SessionsExpireWhenIdleAndEndPerAccount) {
  SessionStore s(10 * kSec);
  Session a = s.Create("blue1", 0);
  Session b = s.Create("blue1", 0);
  Session c = s.Create("blue2", 0);
  EXPECT_EQ(a.token.size(), 64u);
  EXPECT_NE(a.token, b.token);
  EXPECT_NE(a.csrf, a.token);
  ASSERT_TRUE(s.Find(a.token, 9 * kSec).has_value());
  EXPECT_TRUE(s.Find(a.token, 18 * kSec).has_value());  // touched at 9 s
  EXPECT_FALSE(s.Find(c.token, 18 * kSec).has_value());  // idle since 0
  s.EraseAccount("blue1");
  EXPECT_FALSE(s.Find(b.token, 19 * kSec).has_value());
  EXPECT_EQ(s.size(), 0u);
}

TEST(Certificate, GeneratedOnceAndKeptWithItsFingerprint) {
  testsupport::TempDir tmp("lf-cert");
  auto first = EnsureCertificate(tmp.file("portal"), "", "", "127.0.0.1");
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_TRUE(first->generated);
  EXPECT_EQ(first->fingerprint.size(), 32u * 3 - 1);
  auto again = EnsureCertificate(tmp.file("portal"), "", "", "127.0.0.1");
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(again->generated);
  EXPECT_EQ(again->fingerprint, first->fingerprint);
  EXPECT_EQ(std::filesystem::status(first->key_file).permissions() & std::filesystem::perms::all,
            std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  // Given files: both or neither; a key of another certificate is refused.
  EXPECT_FALSE(EnsureCertificate(tmp.file("x"), first->cert_file, "", "").ok());
  auto other = EnsureCertificate(tmp.file("other"), "", "", "localhost");
  ASSERT_TRUE(other.ok());
  auto mixed = EnsureCertificate(tmp.file("x"), first->cert_file, other->key_file, "");
  EXPECT_FALSE(mixed.ok());
  auto given = EnsureCertificate(tmp.file("x"), first->cert_file, first->key_file, "");
  ASSERT_TRUE(given.ok());
  EXPECT_EQ(given->fingerprint, first->fingerprint);
}

}  // namespace
}  // namespace livefire::portal
