#include "device/watch_write_queue.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

namespace nvsx::device {
namespace {

TEST(WatchWriteQueueTest, RunsPostedTasksInOrderOnItsOwnThread) {
  std::vector<int> ran;
  std::atomic<bool> elsewhere{true};
  const auto caller = std::this_thread::get_id();
  {
    WatchWriteQueue queue;
    for (int i = 0; i < 100; ++i) {
      queue.Post([&, i] {
        ran.push_back(i);
        if (std::this_thread::get_id() == caller) elsewhere.store(false);
      });
    }
  }  // the destructor runs what was posted before it stops
  ASSERT_EQ(ran.size(), 100u);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(ran[static_cast<size_t>(i)], i);
  EXPECT_TRUE(elsewhere.load());
}

TEST(WatchWriteQueueTest, RunPendingRunsWhatIsPostedAndWaitsForTheRest) {
  WatchWriteQueue queue;
  // Keep the queue's own thread busy, so that only the caller can run tasks.
  std::mutex mu;
  std::condition_variable cv;
  bool blocking = false;
  bool release = false;
  queue.Post([&] {
    std::unique_lock<std::mutex> lock(mu);
    blocking = true;
    cv.notify_all();
    cv.wait(lock, [&] { return release; });
  });
  {
    std::unique_lock<std::mutex> lock(mu);
    cv.wait(lock, [&] { return blocking; });
  }
  std::vector<std::thread::id> ran_on;  // only the draining thread writes it
  for (int i = 0; i < 10; ++i) {
    queue.Post([&] {
      ran_on.push_back(std::this_thread::get_id());
      // A task posted by a task is run by the same drain.
      if (ran_on.size() == 5) queue.Post([&] { ran_on.push_back(std::this_thread::get_id()); });
    });
  }
  std::atomic<bool> returned{false};
  std::thread drainer([&] {
    queue.RunPending();
    returned.store(true);
  });
  const std::thread::id drainer_id = drainer.get_id();
  // It runs the eleven tasks, then waits for the blocked batch.
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_FALSE(returned.load());
  {
    std::lock_guard<std::mutex> lock(mu);
    release = true;
  }
  cv.notify_all();
  drainer.join();
  EXPECT_TRUE(returned.load());
  ASSERT_EQ(ran_on.size(), 11u);
  for (const std::thread::id& id : ran_on) EXPECT_EQ(id, drainer_id);
}

TEST(WatchWriteQueueTest, WakesForWorkPostedAfterIdling) {
  WatchWriteQueue queue;
  std::atomic<int> ran{0};
  for (int i = 0; i < 20; ++i) {
    queue.Post([&] { ran.fetch_add(1); });
    for (int spin = 0; spin < 5000 && ran.load() <= i; ++spin) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    ASSERT_EQ(ran.load(), i + 1) << "a task posted to an idle queue did not run";
  }
}

}  // namespace
}  // namespace nvsx::device
