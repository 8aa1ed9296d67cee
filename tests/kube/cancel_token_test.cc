#include "kube/cancel_token.h"

#include <gtest/gtest.h>

#include <thread>

#include "test_support/fake_clock.h"

namespace nvsx::kube {
namespace {

TEST(CancelTokenTest, CancelRunsEveryWakerOnce) {
  CancelToken token;
  int woken = 0;
  token.AddWaker([&] { ++woken; });
  token.AddWaker([&] { ++woken; });
  EXPECT_FALSE(token.cancelled());
  token.Cancel();
  token.Cancel();
  EXPECT_TRUE(token.cancelled());
  EXPECT_EQ(woken, 2);
}

TEST(CancelTokenTest, WakerAddedAfterCancelRunsAtOnce) {
  CancelToken token;
  token.Cancel();
  bool woken = false;
  token.AddWaker([&] { woken = true; });
  EXPECT_TRUE(woken);
}

TEST(CancelTokenTest, RemovedWakerDoesNotRun) {
  CancelToken token;
  bool woken = false;
  uint64_t id = token.AddWaker([&] { woken = true; });
  token.RemoveWaker(id);
  token.Cancel();
  EXPECT_FALSE(woken);
}

TEST(CancelTokenTest, WaitUntilReturnsTrueAtTheDeadline) {
  test::FakeClock clock;
  CancelToken token;
  const absl::Time deadline = clock.Now() + absl::Seconds(5);
  std::thread advance([&] { clock.Advance(absl::Seconds(5)); });
  EXPECT_TRUE(token.WaitUntil(&clock, deadline));
  advance.join();
}

TEST(CancelTokenTest, WaitUntilReturnsFalseWhenCancelled) {
  test::FakeClock clock;  // never advanced: only the cancel can end the wait
  CancelToken token;
  std::thread cancel([&] { token.Cancel(); });
  EXPECT_FALSE(token.WaitUntil(&clock, clock.Now() + absl::Hours(1)));
  cancel.join();
}

}  // namespace
}  // namespace nvsx::kube
