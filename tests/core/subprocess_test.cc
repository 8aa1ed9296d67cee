#include "core/subprocess.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <fstream>
#include <sstream>

#include "core/file_io.h"
#include "test_support/process_probe.h"
#include "test_support/temp_dir.h"

namespace nvsx::core {
namespace {

using test::ProcessEnds;
using test::ProcessIsGone;
using ::testing::HasSubstr;

SubprocessOptions Shell(const std::string& script) {
  SubprocessOptions options;
  options.argv = {"/bin/sh", "-c", script};
  options.env = Environment({{"PATH", "/usr/bin:/bin"}});
  return options;
}

std::vector<pid_t> ReadPids(const std::filesystem::path& path) {
  std::vector<pid_t> pids;
  std::istringstream in(*ReadFile(path));
  for (pid_t pid; in >> pid;) pids.push_back(pid);
  return pids;
}

TEST(SubprocessTest, CapturesOutputAndExitStatus) {
  auto result = RunSubprocess(Shell("echo out; echo err >&2; exit 3"));
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_TRUE(result->exited);
  EXPECT_EQ(result->exit_code, 3);
  EXPECT_EQ(result->stdout_text, "out\n");
  EXPECT_EQ(result->stderr_text, "err\n");
  EXPECT_FALSE(result->Succeeded());
  EXPECT_EQ(result->Describe(), "exited with status 3");
}

TEST(SubprocessTest, ArgumentsReachTheProgramVerbatimWithoutAShell) {
  SubprocessOptions options;
  options.argv = {"echo", "a;rm -rf /", "$(id)", "`x`", "'q'"};
  options.env = Environment({{"PATH", "/usr/bin:/bin"}});
  auto result = RunSubprocess(options);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->stdout_text, "a;rm -rf / $(id) `x` 'q'\n");
}

TEST(SubprocessTest, ChildSeesExactlyTheGivenEnvironment) {
  SubprocessOptions options;
  options.argv = {"/usr/bin/env"};
  options.env = Environment({{"NVSX_STAGE", "detect"}, {"PATH", "/bin"}});
  auto result = RunSubprocess(options);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->stdout_text, "NVSX_STAGE=detect\nPATH=/bin\n");
}

TEST(SubprocessTest, MissingProgramIsAnErrorNamingIt) {
  SubprocessOptions options;
  options.argv = {"nvsx-no-such-program"};
  options.env = Environment({{"PATH", "/usr/bin:/bin"}});
  auto result = RunSubprocess(options);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(result.status().message()), HasSubstr("nvsx-no-such-program"));

  options.argv = {"/nonexistent/hook.sh"};
  EXPECT_THAT(std::string(RunSubprocess(options).status().message()),
              HasSubstr("/nonexistent/hook.sh"));
  EXPECT_EQ(RunSubprocess(SubprocessOptions{}).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(SubprocessTest, TimeoutKillsTheWholeGroupEvenWhenSigtermIsIgnored) {
  test::TempDir dir;
  const auto pid_file = dir.path() / "pids";
  // The shell and two children all ignore SIGTERM; the children also outlive the shell.
  auto options = Shell("trap '' TERM; (trap '' TERM; sleep 60) & echo $! >> " + pid_file.string() +
                       "; (trap '' TERM; sleep 60) & echo $! >> " + pid_file.string() +
                       "; echo started; wait");
  options.timeout = absl::Milliseconds(300);
  options.kill_grace = absl::Milliseconds(200);
  auto result = RunSubprocess(options);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_TRUE(result->timed_out);
  EXPECT_FALSE(result->exited);
  EXPECT_EQ(result->term_signal, SIGKILL);
  EXPECT_EQ(result->stdout_text, "started\n");
  EXPECT_LT(result->elapsed, absl::Seconds(10));
  EXPECT_THAT(result->Describe(), HasSubstr("SIGKILL"));
  EXPECT_THAT(result->Describe(), HasSubstr("timing out"));
  const std::vector<pid_t> children = ReadPids(pid_file);
  ASSERT_EQ(children.size(), 2u);
  for (pid_t child : children) EXPECT_TRUE(ProcessEnds(child)) << child;
}

TEST(SubprocessTest, TimeoutStopsAWellBehavedChildWithSigterm) {
  auto options = Shell("exec sleep 60");
  options.timeout = absl::Milliseconds(100);
  auto result = RunSubprocess(options);
  ASSERT_TRUE(result.ok());
  EXPECT_TRUE(result->timed_out);
  EXPECT_EQ(result->term_signal, SIGTERM);
  EXPECT_LT(result->elapsed, absl::Seconds(2));
}

TEST(SubprocessTest, LeftoverChildrenAreKilledWhenTheProgramExits) {
  // The background sleep keeps stdout open; without the group kill this would hang for 60 s.
  auto result = RunSubprocess(Shell("sleep 60 & echo $!"));
  ASSERT_TRUE(result.ok());
  EXPECT_TRUE(result->Succeeded());
  EXPECT_LT(result->elapsed, absl::Seconds(5));
  pid_t leftover = std::stoi(result->stdout_text);
  EXPECT_TRUE(ProcessEnds(leftover));
}

TEST(SubprocessTest, OutputOverTheBoundIsTruncatedAndFlagged) {
  auto tail = Shell("seq 1 100000; seq 1 10 >&2");
  tail.capture_limit = 100;
  auto result = RunSubprocess(tail);
  ASSERT_TRUE(result.ok());
  EXPECT_TRUE(result->stdout_truncated);
  EXPECT_EQ(result->stdout_text.size(), 100u);
  EXPECT_TRUE(result->stdout_text.ends_with("99999\n100000\n"));
  EXPECT_FALSE(result->stderr_truncated);

  auto head = tail;
  head.keep = CaptureKeep::kHead;
  result = RunSubprocess(head);
  ASSERT_TRUE(result.ok());
  EXPECT_TRUE(result->stdout_truncated);
  EXPECT_EQ(result->stdout_text.size(), 100u);
  EXPECT_TRUE(result->stdout_text.starts_with("1\n2\n3\n"));
  EXPECT_TRUE(result->Succeeded());
}

TEST(SubprocessTest, FeedsStdinLargerThanThePipeBuffer) {
  SubprocessOptions options;
  options.argv = {"/bin/cat"};
  options.stdin_data = std::string(1 << 20, 'x');
  options.capture_limit = 2 << 20;
  auto result = RunSubprocess(options);
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result->stdout_text, options.stdin_data);
}

TEST(SubprocessTest, ChildThatIgnoresStdinDoesNotHurtTheCaller) {
  SubprocessOptions options;
  options.argv = {"/bin/true"};
  options.stdin_data = std::string(4 << 20, 'x');
  auto result = RunSubprocess(options);
  ASSERT_TRUE(result.ok());
  EXPECT_TRUE(result->Succeeded());
}

TEST(SubprocessTest, ReportsDeathBySignal) {
  auto result = RunSubprocess(Shell("kill -KILL $$"));
  ASSERT_TRUE(result.ok());
  EXPECT_FALSE(result->exited);
  EXPECT_EQ(result->term_signal, SIGKILL);
  EXPECT_FALSE(result->timed_out);
  EXPECT_EQ(result->Describe(), "killed by signal 9 (SIGKILL)");
}

TEST(SubprocessTest, RunsInTheGivenWorkingDirectory) {
  test::TempDir dir;
  auto options = Shell("pwd");
  options.working_dir = dir.path();
  auto result = RunSubprocess(options);
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result->stdout_text, std::filesystem::canonical(dir.path()).string() + "\n");
  options.working_dir = dir.path() / "missing";
  EXPECT_THAT(std::string(RunSubprocess(options).status().message()), HasSubstr("missing"));
}

}  // namespace
}  // namespace nvsx::core
