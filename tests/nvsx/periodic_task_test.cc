#include "nvsx/periodic_task.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "test_support/fake_clock.h"

namespace nvsx::op {
namespace {

// Waits (in real time, up to 5 s) until `count` reaches `want`.
bool Reaches(const std::atomic<int>& count, int want) {
  for (int i = 0; i < 5000 && count.load() < want; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return count.load() >= want;
}

TEST(PeriodicTaskTest, TicksAtOnceThenEveryIntervalUntilStopped) {
  test::FakeClock clock;
  std::atomic<int> ticks{0};
  PeriodicTask task(&clock, absl::Seconds(10), [&](const kube::CancelToken&) { ++ticks; });
  task.Start();
  task.Start();  // a second start is no second thread
  ASSERT_TRUE(Reaches(ticks, 1));
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_EQ(ticks.load(), 1) << "ticked again before the interval passed";
  clock.Advance(absl::Seconds(10));
  ASSERT_TRUE(Reaches(ticks, 2));
  task.Stop();
  clock.Advance(absl::Seconds(30));
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_EQ(ticks.load(), 2);
  task.Start();  // stopped for good
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_EQ(ticks.load(), 2);
}

TEST(PeriodicTaskTest, StopCancelsTheTokenARunningTickHolds) {
  test::FakeClock clock;
  std::atomic<int> started{0};
  std::atomic<bool> saw_cancel{false};
  PeriodicTask task(&clock, absl::Seconds(10), [&](const kube::CancelToken& cancel) {
    ++started;
    // A long tick: it ends only when Stop() cancels its token.
    while (!cancel.cancelled()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    saw_cancel = true;
  });
  task.Start();
  ASSERT_TRUE(Reaches(started, 1));
  task.Stop();  // joins: returns only after the tick saw the cancel
  EXPECT_TRUE(saw_cancel.load());
  EXPECT_EQ(started.load(), 1);
}

}  // namespace
}  // namespace nvsx::op
