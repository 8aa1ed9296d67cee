#include "core/child_process.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>

#include "core/file_io.h"
#include "test_support/process_probe.h"
#include "test_support/temp_dir.h"

namespace nvsx::core {
namespace {

using ::testing::HasSubstr;

ChildProcessOptions Shell(const std::string& script, std::filesystem::path log = {}) {
  return {.argv = {"/bin/sh", "-c", script},
          .env = Environment({{"PATH", "/usr/bin:/bin"}}),
          .log_file = std::move(log)};
}

std::optional<ChildExit> PollUntilExit(ChildProcess& child) {
  for (int i = 0; i < 500; ++i) {
    if (auto done = child.Poll(); done.has_value()) return done;
    absl::SleepFor(absl::Milliseconds(10));
  }
  return std::nullopt;
}

TEST(ChildProcessTest, OutputGoesToTheLogAndTheExitIsReported) {
  test::TempDir dir;
  auto child = ChildProcess::Start(Shell("echo out; echo err >&2; exit 3", dir.path() / "log"));
  ASSERT_TRUE(child.ok()) << child.status();
  auto done = PollUntilExit(**child);
  ASSERT_TRUE(done.has_value());
  EXPECT_TRUE(done->exited);
  EXPECT_EQ(done->exit_code, 3);
  EXPECT_EQ(done->Describe(), "exited with status 3");
  EXPECT_EQ(*ReadFile(dir.path() / "log"), "out\nerr\n");
}

TEST(ChildProcessTest, StopTerminatesARunningChild) {
  auto child = ChildProcess::Start(Shell("exec sleep 30"));
  ASSERT_TRUE(child.ok()) << child.status();
  EXPECT_FALSE((*child)->Poll().has_value());
  const ChildExit exit = (*child)->Stop(absl::Seconds(5));
  EXPECT_FALSE(exit.exited);
  EXPECT_EQ(exit.term_signal, SIGTERM);
  EXPECT_THAT(exit.Describe(), HasSubstr("SIGTERM"));
  // Idempotent: the same answer again, no signal to a reused pid.
  EXPECT_EQ((*child)->Stop(absl::Seconds(5)).term_signal, SIGTERM);
}

TEST(ChildProcessTest, AChildThatIgnoresTerminationIsKilledAfterTheGrace) {
  test::TempDir dir;
  const auto ready = dir.path() / "ready";
  auto child = ChildProcess::Start(
      Shell("trap '' TERM; touch " + ready.string() + "; while :; do sleep 0.05; done"));
  ASSERT_TRUE(child.ok()) << child.status();
  for (int i = 0; i < 500 && !std::filesystem::exists(ready); ++i) {
    absl::SleepFor(absl::Milliseconds(10));
  }
  const ChildExit exit = (*child)->Stop(absl::Milliseconds(100));
  EXPECT_EQ(exit.term_signal, SIGKILL);
}

TEST(ChildProcessTest, WhatTheChildStartedEndsWithIt) {
  test::TempDir dir;
  const auto pid_file = dir.path() / "grandchild.pid";
  auto child = ChildProcess::Start(Shell("sleep 30 & echo $! > " + pid_file.string() + "; wait"));
  ASSERT_TRUE(child.ok()) << child.status();
  for (int i = 0; i < 500 && ReadFile(pid_file).value_or("").empty(); ++i) {
    absl::SleepFor(absl::Milliseconds(10));
  }
  const pid_t grandchild = std::stoi(*ReadFile(pid_file));
  (*child)->Kill();
  EXPECT_TRUE(test::ProcessEnds(grandchild));
}

TEST(ChildProcessTest, TheDestructorStopsAChildStillRunning) {
  pid_t pid = 0;
  {
    auto child = ChildProcess::Start(Shell("exec sleep 30"));
    ASSERT_TRUE(child.ok()) << child.status();
    pid = (*child)->pid();
  }
  EXPECT_TRUE(test::ProcessEnds(pid));
}

TEST(ChildProcessTest, AMissingProgramIsAnErrorNamingIt) {
  auto child = ChildProcess::Start(
      {.argv = {"no-such-program-nvsx"}, .env = Environment({{"PATH", "/usr/bin:/bin"}})});
  ASSERT_FALSE(child.ok());
  EXPECT_THAT(child.status().message(), HasSubstr("no-such-program-nvsx"));
}

TEST(ChildProcessTest, AnUnwritableLogIsAnErrorNamingIt) {
  auto child = ChildProcess::Start(Shell("true", "/nonexistent-dir/log"));
  ASSERT_FALSE(child.ok());
  EXPECT_THAT(child.status().message(), HasSubstr("/nonexistent-dir/log"));
}

}  // namespace
}  // namespace nvsx::core
