#include "livefire/status.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>

namespace livefire {
namespace {

TEST(Status, DefaultIsOk) {
  Status s;
  EXPECT_TRUE(s.ok());
  EXPECT_EQ(s.ToString(), "OK");
  EXPECT_EQ(s.ExitCode(), 0);
}

TEST(Status, CarriesCodeAndMessage) {
  Status s = Status::NotFound("node 'portal'");
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kNotFound);
  EXPECT_EQ(s.message(), "node 'portal'");
  EXPECT_EQ(s.ToString(), "NotFound: node 'portal'");
}

TEST(Status, WithContextPrefixesMessageAndKeepsCode) {
  Status s = Status::Unavailable("connection refused").WithContext("libvirt qemu:///system");
  EXPECT_EQ(s.code(), StatusCode::kUnavailable);
  EXPECT_EQ(s.message(), "libvirt qemu:///system: connection refused");
  EXPECT_TRUE(Status::Ok().WithContext("ignored").ok());
}

TEST(Status, ExitCodesSeparateUserFromEnvironmentErrors) {
  EXPECT_EQ(Status::InvalidArgument("x").ExitCode(), 1);
  EXPECT_EQ(Status::NotFound("x").ExitCode(), 1);
  EXPECT_EQ(Status::FailedPrecondition("x").ExitCode(), 1);
  EXPECT_EQ(Status::Unavailable("x").ExitCode(), 2);
  EXPECT_EQ(Status::Internal("x").ExitCode(), 2);
  EXPECT_EQ(Status::DataLoss("x").ExitCode(), 2);
}

Result<int> Half(int x) {
  if (x % 2) return Status::InvalidArgument("odd");
  return x / 2;
}

Result<int> Quarter(int x) {
  LF_ASSIGN_OR_RETURN(int h, Half(x));
  LF_ASSIGN_OR_RETURN(int q, Half(h));
  return q;
}

Status CheckEven(int x) {
  LF_RETURN_IF_ERROR(Half(x).status());
  return Status::Ok();
}

TEST(Result, HoldsValueOrError) {
  Result<int> r = Half(8);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, 4);
  EXPECT_TRUE(r.status().ok());
  Result<int> e = Half(3);
  EXPECT_FALSE(e.ok());
  EXPECT_EQ(e.status().message(), "odd");
  EXPECT_EQ(e.value_or(-1), -1);
}

TEST(Result, MacrosPropagateTheFirstError) {
  EXPECT_EQ(*Quarter(8), 2);
  EXPECT_EQ(Quarter(6).status().message(), "odd");
  EXPECT_TRUE(CheckEven(2).ok());
  EXPECT_EQ(CheckEven(1).code(), StatusCode::kInvalidArgument);
}

TEST(Result, OkStatusWithoutValueBecomesInternalError) {
  Result<int> r{Status::Ok()};
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInternal);
}

TEST(Result, SupportsMoveOnlyValues) {
  Result<std::unique_ptr<int>> r = std::make_unique<int>(7);
  ASSERT_TRUE(r.ok());
  std::unique_ptr<int> p = std::move(r).value();
  EXPECT_EQ(*p, 7);
}

}  // namespace
}  // namespace livefire
