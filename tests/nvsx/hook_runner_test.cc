#include "nvsx/hook_runner.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include "core/file_io.h"
#include "test_support/temp_dir.h"

namespace nvsx::op {
namespace {

using ::testing::HasSubstr;

std::filesystem::path WriteScript(const std::filesystem::path& dir, const std::string& body) {
  const auto path = dir / "hook.sh";
  EXPECT_TRUE(core::WriteFileAtomically(path, "#!/bin/sh\n" + body).ok());
  ::chmod(path.c_str(), 0755);
  return path;
}

HookContext Context(const std::filesystem::path& root) {
  return {"remediate",  "gpu-off-bus",
          "gpu-node-3", "daring-narwhal",
          "run-42",     absl::Milliseconds(1500),
          root};
}

TEST(HookRunnerTest, HookGetsTheRunEnvironmentAndTheOperatorsOwn) {
  test::TempDir dir;
  const auto script =
      WriteScript(dir.path(),
                  "echo \"$NVSX_STAGE|$NVSX_RUNBOOK|$NVSX_TARGET_NODE|$NVSX_ALIAS|$NVSX_RUN_ID|"
                  "$NVSX_ELAPSED_MS|$NVSX_PROJECT_ROOT|$SLACK_WEBHOOK_URL|$(pwd)|$1\"\n");
  core::Environment base({{"PATH", "/usr/bin:/bin"}, {"SLACK_WEBHOOK_URL", "http://slack"}});
  auto result = RunHook(script, {"a b;c"}, base, Context(dir.path()), absl::Seconds(10));
  ASSERT_TRUE(result.ok()) << result.status();
  const std::string root = std::filesystem::canonical(dir.path()).string();
  EXPECT_EQ(result->stdout_text, "remediate|gpu-off-bus|gpu-node-3|daring-narwhal|run-42|1500|" +
                                     dir.path().string() + "|http://slack|" + root + "|a b;c\n");
}

TEST(HookRunnerTest, AHangingHookIsKilledAtItsTimeout) {
  test::TempDir dir;
  const auto script = WriteScript(dir.path(), "trap '' TERM\nsleep 60 &\nwait\n");
  auto result = RunHook(script, {}, core::Environment({{"PATH", "/usr/bin:/bin"}}),
                        Context(dir.path()), absl::Milliseconds(200));
  ASSERT_TRUE(result.ok());
  EXPECT_TRUE(result->timed_out);
  EXPECT_LT(result->elapsed, absl::Seconds(10));
  EXPECT_THAT(result->Describe(), HasSubstr("timing out"));
}

}  // namespace
}  // namespace nvsx::op
