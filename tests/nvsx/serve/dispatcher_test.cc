// The dispatcher: one run per (runbook, node), idempotency keys, the cap and
// its FIFO queue, shutdown, and what a killed process left behind.
#include "nvsx/serve/dispatcher.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <mutex>
#include <set>
#include <thread>

#include "core/str_cat.h"
#include "test_support/fake_clock.h"
#include "test_support/temp_dir.h"

namespace nvsx::serve {
namespace {

using ::testing::ElementsAre;

// Runs block until released (or interrupted); records the order they started.
class FakeExecutor final : public RunExecutor {
 public:
  std::string Execute(const AcceptedRun& run) override {
    errno = 0;
    const int nice = ::getpriority(PRIO_PROCESS, static_cast<id_t>(::gettid()));
    std::unique_lock lock(mu_);
    if (errno == 0) nice_ = nice;
    started_.push_back(run.trigger.node);
    cv_.notify_all();
    cv_.wait(lock, [&] { return released_ > 0 || interrupted_; });
    if (interrupted_) return "interrupted";
    --released_;
    return "pass";
  }
  void InterruptAll() override {
    std::lock_guard lock(mu_);
    interrupted_ = true;
    cv_.notify_all();
  }
  void Release(int runs = 1) {
    std::lock_guard lock(mu_);
    released_ += runs;
    cv_.notify_all();
  }
  void WaitStarted(size_t count) {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return started_.size() >= count; });
  }
  std::vector<std::string> started() {
    std::lock_guard lock(mu_);
    return started_;
  }
  // The nice value of the thread that ran the last run.
  int nice() {
    std::lock_guard lock(mu_);
    return nice_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::string> started_;
  int released_ = 0;
  bool interrupted_ = false;
  int nice_ = -100;
};

class DispatcherTest : public ::testing::Test {
 protected:
  void SetUp() override { store_ = Open(); }

  std::unique_ptr<TriggerStore> Open() {
    absl::StatusOr<std::unique_ptr<TriggerStore>> store =
        TriggerStore::Open(dir_.path() / "runs.db");
    EXPECT_TRUE(store.ok()) << store.status();
    return store.ok() ? *std::move(store) : nullptr;
  }

  std::unique_ptr<Dispatcher> Make(size_t max_runs, size_t max_queued = 100, int niceness = 0) {
    return std::make_unique<Dispatcher>(
        store_.get(), &executor_, &clock_, DispatcherOptions{max_runs, max_queued, niceness},
        [this] { return core::StrCat("run-", next_id_++); }, nullptr);
  }

  // Waits until the run has ended in the store.
  TriggerRecord WaitEnded(const std::string& run_id) {
    for (int i = 0; i < 2000; ++i) {
      auto record = store_->Get(run_id);
      if (record.ok() && record->has_value() && (*record)->ended) return **record;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    ADD_FAILURE() << run_id << " did not end";
    return {};
  }

  test::TempDir dir_;
  test::FakeClock clock_;
  FakeExecutor executor_;
  std::unique_ptr<TriggerStore> store_;
  int next_id_ = 1;
};

TEST_F(DispatcherTest, ADuplicateWhileARunIsActiveJoinsIt) {
  auto dispatcher = Make(4);
  dispatcher->Start();
  auto first = dispatcher->Submit({"gpu-off-bus", "node-a", "webhook"}, "");
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_TRUE(first->created);
  // Recorded before Submit returned.
  auto record = store_->Get(first->run_id);
  ASSERT_TRUE(record.ok() && record->has_value());
  EXPECT_EQ((*record)->trigger.node, "node-a");

  for (int i = 0; i < 1000; ++i) {
    auto again = dispatcher->Submit({"gpu-off-bus", "node-a", "webhook"}, "");
    ASSERT_TRUE(again.ok());
    EXPECT_FALSE(again->created);
    EXPECT_EQ(again->run_id, first->run_id);
  }
  auto other_node = dispatcher->Submit({"gpu-off-bus", "node-b", "webhook"}, "");
  auto other_runbook = dispatcher->Submit({"ecc-double-bit", "node-a", "webhook"}, "");
  EXPECT_TRUE(other_node->created);
  EXPECT_TRUE(other_runbook->created);
  EXPECT_EQ(*store_->Count(), 3);

  executor_.Release(3);
  EXPECT_EQ(WaitEnded(first->run_id).result, "pass");
  // Once it ended, the same pair starts a new run.
  auto after = dispatcher->Submit({"gpu-off-bus", "node-a", "webhook"}, "");
  EXPECT_TRUE(after->created);
  EXPECT_NE(after->run_id, first->run_id);
  executor_.Release();
}

TEST_F(DispatcherTest, AnIdempotencyKeyAnswersWithItsRunEvenAfterItEnded) {
  auto dispatcher = Make(1);
  dispatcher->Start();
  auto first = dispatcher->Submit({"gpu-off-bus", "node-a", "webhook"}, "key-1");
  executor_.Release();
  WaitEnded(first->run_id);
  auto again = dispatcher->Submit({"gpu-off-bus", "node-a", "webhook"}, "key-1");
  EXPECT_FALSE(again->created);
  EXPECT_EQ(again->run_id, first->run_id);
  // A key first seen on a duplicate points at the run it joined.
  auto running = dispatcher->Submit({"gpu-off-bus", "node-b", "webhook"}, "");
  auto joined = dispatcher->Submit({"gpu-off-bus", "node-b", "webhook"}, "key-2");
  EXPECT_EQ(joined->run_id, running->run_id);
  executor_.Release();
  WaitEnded(running->run_id);
  EXPECT_EQ(dispatcher->Submit({"x", "y", "webhook"}, "key-2")->run_id, running->run_id);
}

TEST_F(DispatcherTest, TheCapQueuesRunsFirstInFirstOut) {
  auto dispatcher = Make(1);
  dispatcher->Start();
  for (const char* node : {"n1", "n2", "n3"}) {
    ASSERT_TRUE(dispatcher->Submit({"r", node, "webhook"}, "").ok());
  }
  executor_.WaitStarted(1);
  EXPECT_EQ(dispatcher->running(), 1u);
  EXPECT_EQ(dispatcher->queued(), 2u);
  executor_.Release(3);
  executor_.WaitStarted(3);
  EXPECT_THAT(executor_.started(), ElementsAre("n1", "n2", "n3"));
}

TEST_F(DispatcherTest, AFullQueueRefusesNewTriggers) {
  auto dispatcher = Make(1, 1);  // not started: everything stays queued
  ASSERT_TRUE(dispatcher->Submit({"r", "n1", "webhook"}, "").ok());
  auto refused = dispatcher->Submit({"r", "n2", "webhook"}, "");
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(*store_->Count(), 1);
}

TEST_F(DispatcherTest, ShutdownInterruptsRunsAndMarksQueuedOnes) {
  auto dispatcher = Make(1);
  dispatcher->Start();
  auto running = dispatcher->Submit({"r", "n1", "webhook"}, "");
  auto queued = dispatcher->Submit({"r", "n2", "webhook"}, "");
  executor_.WaitStarted(1);
  dispatcher->Shutdown();
  EXPECT_EQ((*store_->Get(running->run_id))->state, kFinished);
  EXPECT_EQ((*store_->Get(running->run_id))->result, "interrupted");
  EXPECT_EQ((*store_->Get(queued->run_id))->state, kInterrupted);
  EXPECT_EQ(dispatcher->Submit({"r", "n3", "webhook"}, "").status().code(),
            absl::StatusCode::kUnavailable);
}

TEST_F(DispatcherTest, WhatAKilledProcessLeftIsMarkedInterruptedOnStart) {
  // What a process killed mid-run leaves: one trigger running, one queued.
  ASSERT_TRUE(store_->Record("run-1", {"r", "n1", "webhook"}, clock_.Now(), "").ok());
  ASSERT_TRUE(store_->Record("run-2", {"r", "n2", "webhook"}, clock_.Now(), "k").ok());
  ASSERT_TRUE(store_->MarkRunning("run-1", clock_.Now()).ok());
  store_ = Open();
  auto unfinished = store_->Unfinished();
  ASSERT_EQ(unfinished->size(), 2u);
  next_id_ = 3;
  auto dispatcher = Make(1);
  auto leftovers = dispatcher->InterruptLeftovers();
  ASSERT_TRUE(leftovers.ok()) << leftovers.status();
  EXPECT_EQ(leftovers->size(), 2u);
  EXPECT_TRUE(store_->Unfinished()->empty());
  EXPECT_EQ((*store_->Get("run-1"))->state, kInterrupted);
  EXPECT_EQ((*store_->Get("run-2"))->result, "interrupted");
}

TEST_F(DispatcherTest, ConcurrentDuplicatesMakeOneRecordedRun) {
  auto dispatcher = Make(2);
  dispatcher->Start();
  // Many senders at once, while the first trigger is still being written:
  // one run, and no one is answered with a run id that is not recorded.
  constexpr int kThreads = 8, kPerThread = 100;
  std::mutex mu;
  std::set<std::string> run_ids;
  int created = 0, unrecorded = 0;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kPerThread; ++i) {
        auto submitted = dispatcher->Submit({"gpu-off-bus", "node-a", "webhook"}, "");
        ASSERT_TRUE(submitted.ok()) << submitted.status();
        auto record = store_->Get(submitted->run_id);
        std::lock_guard lock(mu);
        run_ids.insert(submitted->run_id);
        created += submitted->created ? 1 : 0;
        unrecorded += record.ok() && record->has_value() ? 0 : 1;
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(created, 1);
  EXPECT_EQ(run_ids.size(), 1u);
  EXPECT_EQ(unrecorded, 0);
  EXPECT_EQ(*store_->Count(), 1);
  executor_.Release();
  WaitEnded(*run_ids.begin());
}

TEST_F(DispatcherTest, ConcurrentTriggersForDifferentNodesAreEachRecordedAndRunOnce) {
  auto dispatcher = Make(4, 10'000);
  dispatcher->Start();
  constexpr int kThreads = 8, kPerThread = 50;
  std::atomic<int> created = 0;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        auto submitted = dispatcher->Submit({"r", core::StrCat("node-", t, "-", i), "webhook"}, "");
        ASSERT_TRUE(submitted.ok()) << submitted.status();
        created += submitted->created ? 1 : 0;
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(created, kThreads * kPerThread);
  EXPECT_EQ(*store_->Count(), kThreads * kPerThread);
  executor_.Release(kThreads * kPerThread);
  executor_.WaitStarted(kThreads * kPerThread);
  std::vector<std::string> started = executor_.started();
  EXPECT_EQ(std::set<std::string>(started.begin(), started.end()).size(), started.size());
  dispatcher->Shutdown();
  EXPECT_TRUE(store_->Unfinished()->empty());
}

TEST_F(DispatcherTest, ShutdownDuringSubmitsLeavesEveryAcceptedTriggerAccountedFor) {
  auto dispatcher = Make(1, 10'000);
  dispatcher->Start();
  std::atomic<bool> go = true;
  std::mutex mu;
  std::vector<std::string> accepted;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; go; ++i) {
        auto submitted = dispatcher->Submit({"r", core::StrCat("n-", t, "-", i), "webhook"}, "");
        if (!submitted.ok()) {
          EXPECT_EQ(submitted.status().code(), absl::StatusCode::kUnavailable);
          return;
        }
        std::lock_guard lock(mu);
        accepted.push_back(submitted->run_id);
      }
    });
  }
  executor_.WaitStarted(1);
  dispatcher->Shutdown();
  go = false;
  for (std::thread& thread : threads) thread.join();
  ASSERT_FALSE(accepted.empty());
  // Every trigger answered "created" ran or was marked interrupted: none is
  // left queued for the next start to find.
  EXPECT_TRUE(store_->Unfinished()->empty());
  for (const std::string& run_id : accepted) {
    auto record = store_->Get(run_id);
    ASSERT_TRUE(record.ok() && record->has_value()) << run_id;
    EXPECT_TRUE((*record)->state == kFinished || (*record)->state == kInterrupted) << run_id;
  }
}

TEST_F(DispatcherTest, RunsCarryTheirNiceness) {
  errno = 0;
  const int base = ::getpriority(PRIO_PROCESS, 0);
  ASSERT_EQ(errno, 0);
  auto dispatcher = Make(1, 100, 5);
  dispatcher->Start();
  ASSERT_TRUE(dispatcher->Submit({"r", "n1", "webhook"}, "").ok());
  executor_.WaitStarted(1);
  EXPECT_EQ(executor_.nice(), std::min(base + 5, 19));
  executor_.Release();
}

}  // namespace
}  // namespace nvsx::serve
