#include "nvsx/run_store.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "test_support/temp_dir.h"

namespace nvsx::op {
namespace {

const absl::Time kT0 = absl::FromUnixMillis(1767225600000);

RunEvent Event(RunEventType type, const std::string& run, const std::string& stage,
               absl::Duration at, nlohmann::json data = nlohmann::json::object()) {
  return RunEvent{type, kT0 + at, run, stage, std::move(data)};
}

void RecordRun(RunStore& store, const std::string& id, absl::Duration offset, bool pass) {
  store.OnEvent(
      Event(RunEventType::kRunStart, id, "", offset,
            {{"runbook", "gpu-off-bus"}, {"target_node", "gpu-node-3"}, {"trigger", "webhook"}}));
  store.OnEvent(Event(RunEventType::kStageStart, id, "detect", offset));
  store.OnEvent(Event(RunEventType::kStagePass, id, "detect", offset + absl::Milliseconds(800)));
  store.OnEvent(Event(RunEventType::kStageStart, id, "remediate", offset + absl::Seconds(1)));
  store.OnEvent(Event(RunEventType::kHookExit, id, "remediate", offset + absl::Seconds(2),
                      {{"script", "hooks/on-remediate.sh"},
                       {"exit_code", 0},
                       {"timed_out", false},
                       {"elapsed_ms", 120},
                       {"output_tail", "posted\n"}}));
  store.OnEvent(Event(pass ? RunEventType::kStagePass : RunEventType::kStageFail, id, "remediate",
                      offset + absl::Seconds(3), {{"reason", pass ? "" : "timed out after 60s"}}));
  store.OnEvent(Event(RunEventType::kStageSkip, id, "inject", offset + absl::Seconds(3),
                      {{"reason", "drill only"}}));
  store.OnEvent(Event(RunEventType::kRunEnd, id, "", offset + absl::Seconds(4),
                      {{"result", pass ? "pass" : "fail"}}));
}

TEST(RunStoreTest, RecordsRunsStagesAndHooksAndSurvivesReopening) {
  test::TempDir dir;
  const auto file = dir.path() / "state" / "runs.db";
  {
    auto store = RunStore::Open(file);
    ASSERT_TRUE(store.ok()) << store.status();
    RecordRun(**store, "run-1", absl::ZeroDuration(), true);
    RecordRun(**store, "run-2", absl::Minutes(5), false);
    EXPECT_TRUE((*store)->status().ok()) << (*store)->status();
  }
  auto store = RunStore::Open(file);
  ASSERT_TRUE(store.ok());
  auto runs = (*store)->ListRuns(10);
  ASSERT_TRUE(runs.ok()) << runs.status();
  ASSERT_EQ(runs->size(), 2u);
  const RunRecord& newest = (*runs)[0];
  EXPECT_EQ(newest.id, "run-2");
  EXPECT_EQ(newest.result, "fail");
  EXPECT_EQ(newest.trigger, "webhook");
  EXPECT_EQ(newest.ended - newest.started, absl::Seconds(4));
  ASSERT_EQ(newest.stages.size(), 3u);
  EXPECT_EQ(newest.stages[0].stage, "detect");
  EXPECT_EQ(newest.stages[0].ended - newest.stages[0].started, absl::Milliseconds(800));
  EXPECT_EQ(newest.stages[1].result, "fail");
  EXPECT_EQ(newest.stages[1].reason, "timed out after 60s");
  EXPECT_EQ(newest.stages[2].result, "skip");
  ASSERT_EQ(newest.hooks.size(), 1u);
  EXPECT_EQ(newest.hooks[0].output_tail, "posted\n");
  EXPECT_EQ(newest.hooks[0].elapsed_ms, 120);

  auto one = (*store)->GetRun("run-1");
  ASSERT_TRUE(one.ok() && one->has_value());
  EXPECT_EQ((*one)->result, "pass");
  EXPECT_FALSE((*(*store)->GetRun("nope")).has_value());
  EXPECT_EQ((*store)->ListRuns(1)->size(), 1u);
}

TEST(RunStoreTest, UnwritableLocationIsAClearError) {
  auto store = RunStore::Open("/proc/nvsx/runs.db");
  ASSERT_FALSE(store.ok());
  EXPECT_THAT(std::string(store.status().message()), ::testing::HasSubstr("/proc/nvsx/runs.db"));
}

}  // namespace
}  // namespace nvsx::op
