#include "gtest/gtest.h"
#include "kube/backoff.h"
#include "kube/token_bucket.h"
#include "test_support/fake_clock.h"

namespace nvsx::kube {
namespace {

TEST(TokenBucketTest, BurstThenQps) {
  test::FakeClock clock;
  TokenBucket bucket(5, 10, &clock);
  for (int i = 0; i < 10; ++i) EXPECT_TRUE(bucket.TryAccept()) << i;
  EXPECT_FALSE(bucket.TryAccept());
  clock.Advance(absl::Milliseconds(199));
  EXPECT_FALSE(bucket.TryAccept());
  clock.Advance(absl::Milliseconds(1));  // 1/5 s: one token
  EXPECT_TRUE(bucket.TryAccept());
  EXPECT_FALSE(bucket.TryAccept());
  clock.Advance(absl::Hours(1));  // never more than the burst
  for (int i = 0; i < 10; ++i) EXPECT_TRUE(bucket.TryAccept()) << i;
  EXPECT_FALSE(bucket.TryAccept());
}

TEST(TokenBucketTest, AcceptSleepsOnTheClock) {
  test::FakeClock clock;
  absl::Time start = clock.Now();
  TokenBucket bucket(5, 10, &clock);
  for (int i = 0; i < 20; ++i) bucket.Accept();
  // 10 from the burst, then 10 more at 5/s: two seconds of (fake) waiting.
  EXPECT_EQ(clock.Now() - start, absl::Seconds(2));
  EXPECT_EQ(clock.sleeps().size(), 10u);
}

TEST(TokenBucketTest, ReservationsQueueUp) {
  test::FakeClock clock;
  TokenBucket bucket(2, 1, &clock);
  EXPECT_EQ(bucket.Reserve(), absl::ZeroDuration());
  EXPECT_EQ(bucket.Reserve(), absl::Milliseconds(500));
  EXPECT_EQ(bucket.Reserve(), absl::Seconds(1));
}

TEST(TokenBucketTest, NonPositiveQpsIsUnlimited) {
  test::FakeClock clock;
  TokenBucket bucket(0, 1, &clock);
  for (int i = 0; i < 1000; ++i) ASSERT_TRUE(bucket.TryAccept());
  bucket.Accept();
  EXPECT_TRUE(clock.sleeps().empty());
}

TEST(BackoffTest, ExponentialCappedAndJittered) {
  Backoff backoff{absl::Milliseconds(100), 2.0, 0.5, absl::Seconds(1)};
  auto zero = [] { return 0.0; };
  EXPECT_EQ(backoff.Delay(0, zero), absl::Milliseconds(100));
  EXPECT_EQ(backoff.Delay(1, zero), absl::Milliseconds(200));
  EXPECT_EQ(backoff.Delay(3, zero), absl::Milliseconds(800));
  EXPECT_EQ(backoff.Delay(4, zero), absl::Seconds(1));
  EXPECT_EQ(backoff.Delay(100, zero), absl::Seconds(1));
  auto half = [] { return 0.5; };
  EXPECT_EQ(backoff.Delay(1, half), absl::Milliseconds(250));
  EXPECT_EQ(backoff.Delay(4, half), absl::Seconds(1));  // jitter never passes the cap
}

}  // namespace
}  // namespace nvsx::kube
