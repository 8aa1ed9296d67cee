// The runner executor: accepted runs carried out by the runner and recorded in
// the run history under the dispatcher's run id.
#include "nvsx/serve/runner_executor.h"

#include <gtest/gtest.h>

#include <fstream>

#include "core/clock.h"
#include "core/str_cat.h"
#include "nvsx/run_store.h"
#include "test_support/temp_dir.h"

namespace nvsx::serve {
namespace {

class RunnerExecutorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::filesystem::create_directories(dir_.path() / "runbooks");
    std::ofstream(dir_.path() / "runbooks" / "quick.yaml")
        << "apiVersion: nvsx/v1\nkind: Runbook\n"
           "metadata: {name: quick, nickname: swift-hare, title: Quick}\n"
           "stages:\n  - id: postmortem\n";
  }

  RunnerExecutorOptions Options() {
    return {{dir_.path() / "runbooks", dir_.path(), "--runbooks"}, dir_.path() / "state", {}};
  }

  test::TempDir dir_;
  core::SystemClock clock_;
};

TEST_F(RunnerExecutorTest, EveryRunIsRecordedUnderItsIdOneAfterAnother) {
  RunnerExecutor executor(Options(), nullptr, &clock_, core::Logger::Discard());
  // Runs after the first reuse its run-history connection.
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(executor.Execute({core::StrCat("run-", i), {"quick", "gpu-node-1", "bench"}}),
              "pass");
  }
  auto history = op::RunStore::Open(dir_.path() / "state" / "runs.db");
  ASSERT_TRUE(history.ok()) << history.status();
  for (int i = 0; i < 3; ++i) {
    auto run = (*history)->GetRun(core::StrCat("run-", i));
    ASSERT_TRUE(run.ok() && run->has_value()) << i;
    EXPECT_EQ((*run)->result, "pass");
    EXPECT_EQ((*run)->trigger, "webhook:bench");
    ASSERT_EQ((*run)->stages.size(), 1u);
    EXPECT_EQ((*run)->stages[0].result, "pass");
  }
}

}  // namespace
}  // namespace nvsx::serve
