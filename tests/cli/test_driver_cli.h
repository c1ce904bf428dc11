#pragma once
// A CLI test on libvirt's test driver: a state folder holding a "built" micro
// template and the scenario, and one open connection (the test driver keeps
// its objects only while a connection stays open).

#include <gtest/gtest.h>
#include <libvirt/libvirt.h>

#include <string>
#include <vector>

#include "livefire/testing/cli_range.h"
#include "livefire/testing/cli_runner.h"
#include "livefire/testing/scenario_files.h"
#include "livefire/testing/temp_dir.h"

namespace livefire::cli {

class TestDriverCli : public ::testing::Test {
 protected:
  TestDriverCli(std::string scenario, const std::string& prefix)
      : scenario_(std::move(scenario)), tmp_(prefix), state_(tmp_.str()) {}

  void SetUp() override {
    testsupport::FakeBuiltMicroTemplate(state_);
    testsupport::WriteScenario(state_ + "/scenario", scenario_);
    conn_ = virConnectOpen(uri_.c_str());
    ASSERT_NE(conn_, nullptr);
  }
  void TearDown() override {
    if (conn_) virConnectClose(conn_);
  }
  testsupport::Outcome Cli(std::vector<std::string> args) {
    return testsupport::RunInState(state_, args);
  }

  std::string scenario_;
  testsupport::TempDir tmp_;
  std::string state_;
  virConnectPtr conn_ = nullptr;
  const std::string uri_ = "test:///default";
};

}  // namespace livefire::cli
