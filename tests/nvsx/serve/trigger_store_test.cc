// The trigger store beside the run history: records, keys, and closing runs
// a killed process left open in the history too.
#include "nvsx/serve/trigger_store.h"

#include <gtest/gtest.h>

#include "nvsx/run_store.h"
#include "test_support/temp_dir.h"

namespace nvsx::serve {
namespace {

TEST(TriggerStoreTest, RecordsKeysAndStates) {
  test::TempDir dir;
  auto store = TriggerStore::Open(dir.path() / "state" / "runs.db");
  ASSERT_TRUE(store.ok()) << store.status();
  const absl::Time t0 = absl::FromUnixMillis(1'700'000'000'123);
  ASSERT_TRUE((*store)->Record("run-1", {"gpu-off-bus", "node-a", "pagerduty"}, t0, "k1").ok());
  // A second trigger with the same key is refused as a whole.
  EXPECT_FALSE((*store)->Record("run-2", {"gpu-off-bus", "node-b", "x"}, t0, "k1").ok());
  EXPECT_EQ(*(*store)->Count(), 1);
  EXPECT_EQ(**(*store)->FindKey("k1"), "run-1");
  EXPECT_FALSE((*store)->FindKey("k2")->has_value());
  ASSERT_TRUE((*store)->RememberKey("k2", "run-1").ok());
  EXPECT_EQ(**(*store)->FindKey("k2"), "run-1");

  auto record = (*store)->Get("run-1");
  ASSERT_TRUE(record.ok() && record->has_value());
  EXPECT_EQ((*record)->state, kQueued);
  EXPECT_EQ((*record)->accepted, t0);
  EXPECT_FALSE((*record)->started.has_value());
  ASSERT_TRUE((*store)->MarkRunning("run-1", t0 + absl::Seconds(1)).ok());
  EXPECT_EQ((*(*store)->Get("run-1"))->state, kRunning);
  EXPECT_EQ((*store)->Unfinished()->size(), 1u);
}

TEST(TriggerStoreTest, EndingARunClosesItInTheRunHistoryWhenItWasLeftOpen) {
  test::TempDir dir;
  const auto file = dir.path() / "runs.db";
  auto runs = op::RunStore::Open(file);
  auto store = TriggerStore::Open(file);
  ASSERT_TRUE(runs.ok() && store.ok());
  const absl::Time t0 = absl::FromUnixSeconds(1'700'000'000);
  ASSERT_TRUE((*store)->Record("run-1", {"r", "n", "webhook"}, t0, "").ok());
  (*runs)->OnEvent({op::RunEventType::kRunStart,
                    t0,
                    "run-1",
                    "",
                    {{"runbook", "r"}, {"target_node", "n"}, {"trigger", "webhook:x"}}});
  ASSERT_TRUE((*store)->MarkEnded("run-1", kInterrupted, "interrupted", t0).ok());
  auto run = (*runs)->GetRun("run-1");
  ASSERT_TRUE(run.ok() && run->has_value());
  EXPECT_EQ((*run)->result, "interrupted");
  EXPECT_TRUE((*store)->Unfinished()->empty());
}

}  // namespace
}  // namespace nvsx::serve
