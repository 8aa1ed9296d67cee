#include "kube/work_queue.h"

#include <atomic>
#include <map>
#include <thread>

#include "gtest/gtest.h"
#include "test_support/fake_clock.h"

namespace nvsx::kube {
namespace {

TEST(WorkQueueTest, DeduplicatesAndKeepsOrder) {
  test::FakeClock clock;
  WorkQueue queue(&clock);
  queue.Add("a");
  queue.Add("b");
  queue.Add("a");
  EXPECT_EQ(queue.Len(), 2u);
  EXPECT_EQ(queue.Get(), "a");
  EXPECT_EQ(queue.Get(), "b");
  EXPECT_EQ(queue.Len(), 0u);
}

TEST(WorkQueueTest, KeyAddedWhileProcessingIsRequeuedAtDone) {
  test::FakeClock clock;
  WorkQueue queue(&clock);
  queue.Add("a");
  ASSERT_EQ(queue.Get(), "a");
  queue.Add("a");
  queue.Add("a");
  EXPECT_EQ(queue.Len(), 0u);  // not handed out while "a" is processing
  queue.Done("a");
  EXPECT_EQ(queue.Len(), 1u);
  EXPECT_EQ(queue.Get(), "a");
  queue.Done("a");
  EXPECT_EQ(queue.Len(), 0u);
}

TEST(WorkQueueTest, NeverHandsOneKeyToTwoWorkers) {
  core::SystemClock clock;
  WorkQueue queue(&clock);
  std::mutex mu;
  std::map<std::string, int> active;
  std::atomic<int> overlaps{0};
  std::atomic<int> handled{0};
  std::vector<std::thread> workers;
  for (int w = 0; w < 4; ++w) {
    workers.emplace_back([&] {
      while (auto key = queue.Get()) {
        {
          std::lock_guard<std::mutex> guard(mu);
          if (active[*key]++ > 0) ++overlaps;
        }
        std::this_thread::sleep_for(std::chrono::microseconds(200));
        {
          std::lock_guard<std::mutex> guard(mu);
          --active[*key];
        }
        ++handled;
        queue.Done(*key);
      }
    });
  }
  for (int i = 0; i < 2000; ++i) queue.Add("key-" + std::to_string(i % 3));
  while (queue.Len() > 0) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  queue.ShutDown();
  for (auto& t : workers) t.join();
  EXPECT_EQ(overlaps.load(), 0);
  EXPECT_GE(handled.load(), 3);
}

TEST(WorkQueueTest, AddAfterWaitsForTheClock) {
  test::FakeClock clock;
  WorkQueue queue(&clock);
  queue.AddAfter("late", absl::Seconds(10));
  queue.AddAfter("later", absl::Seconds(20));
  queue.AddAfter("late", absl::Seconds(30));  // keeps the earlier time
  queue.AddAfter("now", absl::ZeroDuration());
  EXPECT_EQ(queue.Len(), 1u);
  EXPECT_EQ(queue.Get(), "now");
  std::optional<std::string> got;
  std::thread getter([&] { got = queue.Get(); });
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_FALSE(got.has_value());  // still blocked: no (fake) time has passed
  clock.Advance(absl::Seconds(10));
  getter.join();
  EXPECT_EQ(got, "late");
  clock.Advance(absl::Seconds(20));
  EXPECT_EQ(queue.Get(), "later");
  clock.Advance(absl::Seconds(30));
  EXPECT_EQ(queue.Len(), 0u);  // the superseded 30s entry for "late" is not delivered
}

TEST(WorkQueueTest, AddRateLimitedBacksOffPerKeyUntilForget) {
  test::FakeClock clock;
  WorkQueue queue(&clock, {absl::Milliseconds(100), absl::Seconds(1)});
  std::vector<absl::Duration> expected = {absl::Milliseconds(100), absl::Milliseconds(200),
                                          absl::Milliseconds(400), absl::Milliseconds(800),
                                          absl::Seconds(1)};
  for (absl::Duration wait : expected) {
    queue.AddRateLimited("k");
    clock.Advance(wait - absl::Milliseconds(1));
    EXPECT_EQ(queue.Len(), 0u) << wait;
    clock.Advance(absl::Milliseconds(1));
    EXPECT_EQ(queue.Len(), 1u) << wait;
    ASSERT_EQ(queue.Get(), "k");
    queue.Done("k");
  }
  queue.AddRateLimited("other");  // backoff is per key
  clock.Advance(absl::Milliseconds(100));
  EXPECT_EQ(queue.Get(), "other");
  EXPECT_EQ(queue.NumRequeues("k"), 5);
  queue.Forget("k");
  EXPECT_EQ(queue.NumRequeues("k"), 0);
}

TEST(WorkQueueTest, ShutDownDrainsThenStops) {
  test::FakeClock clock;
  WorkQueue queue(&clock);
  queue.Add("a");
  queue.AddAfter("delayed", absl::Seconds(1));
  std::optional<std::string> blocked = "unset";
  queue.ShutDown();
  queue.Add("b");  // dropped
  EXPECT_TRUE(queue.ShuttingDown());
  EXPECT_EQ(queue.Get(), "a");
  clock.Advance(absl::Seconds(5));
  EXPECT_EQ(queue.Get(), std::nullopt);

  WorkQueue idle(&clock);
  std::thread waiter([&] { blocked = idle.Get(); });
  std::this_thread::sleep_for(std::chrono::milliseconds(10));
  idle.ShutDown();
  waiter.join();
  EXPECT_EQ(blocked, std::nullopt);
}

}  // namespace
}  // namespace nvsx::kube
