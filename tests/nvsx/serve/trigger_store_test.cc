// The trigger store beside the run history: records, keys, and closing runs
// a killed process left open in the history too.
#include "nvsx/serve/trigger_store.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "core/str_cat.h"
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

TEST(TriggerStoreTest, ConcurrentRecordsCommitTogetherYetEachStandsAlone) {
  test::TempDir dir;
  auto store = TriggerStore::Open(dir.path() / "runs.db");
  ASSERT_TRUE(store.ok()) << store.status();
  const absl::Time t0 = absl::FromUnixSeconds(1'700'000'000);
  // Each key is sent by two threads: exactly one of the pair may record it,
  // and the refused one must not take anyone else's trigger down with it.
  constexpr int kThreads = 8, kPerThread = 200;
  std::atomic<int> recorded = 0, refused = 0, missing = 0;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        const std::string run_id = core::StrCat("run-", t, "-", i);
        const std::string key = core::StrCat("key-", t / 2, "-", i);
        if (!(*store)->Record(run_id, {"r", core::StrCat("n", t, "-", i), "x"}, t0, key).ok()) {
          ++refused;
          continue;
        }
        ++recorded;
        // Committed before Record returned: readable at once, key included.
        auto row = (*store)->Get(run_id);
        if (!row.ok() || !row->has_value() || (*store)->FindKey(key)->value_or("") != run_id) {
          ++missing;
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(recorded, kThreads * kPerThread / 2);
  EXPECT_EQ(refused, kThreads * kPerThread / 2);
  EXPECT_EQ(missing, 0);
  EXPECT_EQ(*(*store)->Count(), kThreads * kPerThread / 2);
}

}  // namespace
}  // namespace nvsx::serve
