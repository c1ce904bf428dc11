#pragma once
// A remote account's CURVE keys from an exercise's account book, as its
// credential file would hand them to a client (tests of remote clients).

#include <gtest/gtest.h>

#include <string_view>

#include "livefire/bus/bus.h"
#include "livefire/identity/accounts.h"

namespace livefire::testsupport {

inline bus::CurveClientKeys AccountKeys(const identity::AccountBook& book,
                                        std::string_view account) {
  const identity::Account* a = book.Find(account);
  EXPECT_NE(a, nullptr) << account;
  return {book.server_keys().public_key, a ? a->keys.public_key : "", a ? a->keys.secret_key : ""};
}

}  // namespace livefire::testsupport
